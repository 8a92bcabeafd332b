"""Times the prod preview, with the whole policy pack, against a bare floor program.

    .venv/bin/python -m benchmarks.preview_benchmark [--runs 3] [--json FILE]
                     [--stack prod] [--bytecode cached|as-is]

Run on demand (not a test): under a minute with the defaults on 2 cores (a little over a
minute with `--bytecode as-is` where nothing is compiled). In one run:

- cold, what a user waits for: the real `gam-infra preview --stack prod --json F` as a
  fresh process, and the floor (`benchmarks.floor`: a bare program registering as many
  plain `pulumi.CustomResource`s under the SDK's stock mocks) as a fresh process; and
  the typed floor (as many `aws.ec2.Subnet`s), the SDK's intrinsic cost. Wall time,
  median of `--runs`, the three interleaved so that noise spreads evenly. The pack's own
  time (`policy.seconds`) and the resource count come from the preview's JSON.
- warm, in this process with imports paid (after one warm-up of each): the engine's
  `run_stack` (the program), the pack (`evaluate`: a fresh pack process every time,
  its boot and its analysis timed apart) and the floors' registration.
- peak memory: the preview process tree (`wait4` on the CLI: the larger of the CLI and
  the pack it waited for), and apart, from one fresh `benchmarks.breakdown` process:
  the program side (its own max RSS) and the pack (its VmHWM after the analysis).
- a breakdown of the cold time, step by step, from that same process.

`--bytecode` says what Python finds compiled. `cached` (default: what a normal
installation settles into after its first run) gives every child a private bytecode
cache (PYTHONPYCACHEPREFIX, writes allowed) that the warm-up runs fill, so figures do
not depend on the state of `.venv`. `as-is` leaves the environment alone and reports
its state: with `PYTHONDONTWRITEBYTECODE=1` and a venv installed without compiled
bytecode (`uv sync`'s default), every process compiles each package module it imports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RATIO_TARGET = 1.5
MEMORY_TARGET_MB = 400.0
EXIT_POLICY = 3  # the preview ran whole but found mandatory violations: timings hold


# --- children ------------------------------------------------------------------------


@dataclass
class Child:
    """One finished fresh process: wall seconds, peak RSS (KB) of it and its waited-for
    children, exit code and output."""

    seconds: float
    maxrss_kb: int
    code: int
    stdout: str
    stderr: str


def run_child(command: Sequence[str], env: dict[str, str]) -> Child:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Child(seconds, usage.ru_maxrss, process.returncode, out.read(), err.read())


def checked(child: Child, what: str, ok: Sequence[int] = (0,)) -> Child:
    if child.code not in ok:
        sys.exit(f"error: {what} exited with {child.code}:\n{child.stderr.strip()[-3000:]}")
    return child


def last_json_line(child: Child) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return value


def bytecode_env(mode: str, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    if mode == "cached":
        env["PYTHONPYCACHEPREFIX"] = str(cache)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def packages_compiled() -> bool:
    """Whether the provider SDK's largest module has bytecode where this process would
    look for it (the venv's __pycache__, or PYTHONPYCACHEPREFIX)."""
    import importlib.util

    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or spec.origin is None:
        return False
    source = Path(spec.origin).parent / "ec2" / "_inputs.py"
    return Path(importlib.util.cache_from_source(str(source))).exists()


def provider_modules(types: Sequence[str]) -> list[str]:
    """The provider SDK modules a record's resource types live in, e.g. `aws:ec2/subnet:
    Subnet` -> `pulumi_aws.ec2`; our own component types have none."""
    import importlib.util

    found: set[str] = set()
    for token in types:
        parts = token.split(":")
        if len(parts) != 3 or parts[0] == "pulumi":
            continue
        package = "pulumi_" + parts[0].replace("-", "_")
        module = parts[1].split("/")[0]
        name = package if module == "index" else f"{package}.{module}"
        try:
            if importlib.util.find_spec(package) is not None:
                found.add(name)
        except (ImportError, ValueError):
            continue
    return sorted(found)


# --- figures -------------------------------------------------------------------------


@dataclass
class Series:
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def to_json(self) -> dict[str, Any]:
        return {
            "median": round(self.median, 4),
            "min": round(min(self.values), 4),
            "max": round(max(self.values), 4),
            "runs": [round(v, 4) for v in self.values],
        }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def mb(kb: int) -> float:
    return kb / 1024


# --- the benchmark ---------------------------------------------------------------------


def cold(stack: str, runs: int, env: dict[str, str], work: Path) -> dict[str, Any]:
    python = sys.executable
    preview_json = work / "preview.json"
    preview_cmd = [python, "-m", "gam_offline.cli", "preview", "--stack", stack, "--json"]
    preview_cmd.append(str(preview_json))
    # One untimed preview primes the OS file cache (and the bytecode cache) and gives
    # the resource count and types the floors and the breakdown need.
    checked(run_child(preview_cmd, env), "the warm-up preview", (0, EXIT_POLICY))
    document = json.loads(preview_json.read_text())
    count = len(document["resources"])
    floor_cmd = [python, "-m", "benchmarks.floor", "--count", str(count)]
    typed_cmd = [*floor_cmd, "--typed"]
    checked(run_child(floor_cmd, env), "the warm-up floor")
    checked(run_child(typed_cmd, env), "the warm-up typed floor")
    startup = Series()
    for _ in range(3):
        startup.add(checked(run_child([python, "-c", "pass"], env), "python").seconds)

    preview, pack, share, floor, typed = Series(), Series(), Series(), Series(), Series()
    floor_steps: dict[str, dict[str, Series]] = {"floor": {}, "typed_floor": {}}
    preview_rss: list[int] = []
    floor_rss: list[int] = []
    typed_rss: list[int] = []
    codes: set[int] = set()
    for _ in range(runs):
        child = checked(run_child(preview_cmd, env), "the preview", (0, EXIT_POLICY))
        codes.add(child.code)
        document = json.loads(preview_json.read_text())
        if len(document["resources"]) != count:
            sys.exit("error: the preview's resource count changed between runs")
        preview.add(child.seconds)
        preview_rss.append(child.maxrss_kb)
        pack.add(float(document["policy"]["seconds"]))
        share.add(float(document["policy"]["seconds"]) / child.seconds)
        child = checked(run_child(floor_cmd, env), "the floor")
        floor.add(child.seconds)
        floor_rss.append(child.maxrss_kb)
        for key, value in last_json_line(child).items():
            floor_steps["floor"].setdefault(key, Series()).add(value)
        child = checked(run_child(typed_cmd, env), "the typed floor")
        typed.add(child.seconds)
        typed_rss.append(child.maxrss_kb)
        for key, value in last_json_line(child).items():
            floor_steps["typed_floor"].setdefault(key, Series()).add(value)

    modules = provider_modules([r["type"] for r in document["resources"]])
    breakdown_cmd = [python, "-m", "benchmarks.breakdown", "--stack", stack]
    breakdown_cmd += ["--modules", ",".join(modules)]
    child = checked(run_child(breakdown_cmd, env), "the breakdown")
    breakdown = last_json_line(child)
    breakdown["wall"] = round(child.seconds, 4)
    return {
        "resources": count,
        "policies": document["policy"]["policies_evaluated"],
        "preview_exit_codes": sorted(codes),
        "python_startup": startup.to_json(),
        "preview": preview.to_json(),
        "pack_seconds": pack.to_json(),
        "pack_share": share.to_json(),
        "floor": floor.to_json(),
        "typed_floor": typed.to_json(),
        "floor_steps": {
            name: {key: round(series.median, 4) for key, series in steps.items()}
            for name, steps in floor_steps.items()
        },
        "ratio": round(preview.median / floor.median, 3),
        "typed_floor_ratio": round(typed.median / floor.median, 3),
        "preview_over_typed_floor": round(preview.median / typed.median, 3),
        "peak_rss_kb": {
            "preview_tree": max(preview_rss),
            "floor": max(floor_rss),
            "typed_floor": max(typed_rss),
        },
        "breakdown": breakdown,
    }


def warm(stack: str, count: int, runs: int) -> dict[str, Any]:
    from benchmarks import floor, packs
    from gam_offline import analyzer, engine

    def pack_run(record: Any) -> tuple[float, float]:
        process, boot = packs.start_booted(stack)
        pack_dir = ROOT / analyzer.PACK_FOLDER
        analysis, _ = timed(lambda: analyzer.evaluate(record, pack_dir, process=process))
        return boot, analysis

    record = engine.run_stack(stack, ROOT)  # warm-up of each
    pack_run(record)
    floor.run(floor.register_plain, count)
    floor.run(floor.register_typed, count)

    program, boot, analysis, total = Series(), Series(), Series(), Series()
    plain, typed = Series(), Series()
    for _ in range(runs):
        seconds, record = timed(lambda: engine.run_stack(stack, ROOT))
        program.add(seconds)
        pack_boot, pack_analysis = pack_run(record)
        boot.add(pack_boot)
        analysis.add(pack_analysis)
        total.add(seconds + pack_boot + pack_analysis)
        plain.add(timed(lambda: floor.run(floor.register_plain, count))[0])
        typed.add(timed(lambda: floor.run(floor.register_typed, count))[0])
    return {
        "program": program.to_json(),
        "pack_boot": boot.to_json(),
        "pack_analysis": analysis.to_json(),
        "preview": total.to_json(),
        "floor": plain.to_json(),
        "typed_floor": typed.to_json(),
        "ratio": round(total.median / plain.median, 3),
        "program_ratio": round(program.median / plain.median, 3),
        "program_over_typed_floor": round(program.median / typed.median, 3),
    }


def machine(mode: str) -> dict[str, Any]:
    from importlib import metadata

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
            return done.stdout.strip()
        except OSError:
            return "-"

    memory = "-"
    if shutil.which("free"):
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory": memory,
        "packages": {
            n: version(n) for n in ("pulumi", "pulumi-aws", "pulumi-policy", "grpcio", "protobuf")
        },
        "bytecode": mode,
        "environment_dont_write_bytecode": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        "environment_packages_compiled": packages_compiled(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty_files": len(git("status", "--porcelain").splitlines()),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- report --------------------------------------------------------------------------


def report(figures: dict[str, Any]) -> str:
    m, c, w = figures["machine"], figures["cold"], figures["warm"]
    t = figures["targets"]
    lines: list[str] = []
    add = lines.append

    def row(label: str, series: dict[str, Any]) -> None:
        add(f"  {label:<46} {series['median']:7.3f} s  ({series['min']:.3f} - {series['max']:.3f})")

    add(
        f"gam-platform preview benchmark: stack {figures['stack']}, {c['resources']} resources, "
        f"{c['policies']} policies, median of {figures['runs']} runs (min - max)"
    )
    bytecode = "a private cache, primed"
    if m["bytecode"] == "as-is":
        compiled = "compiled" if m["environment_packages_compiled"] else "NOT compiled"
        bytecode = (
            f"as-is (PYTHONDONTWRITEBYTECODE={m['environment_dont_write_bytecode'] or 'unset'},"
            f" packages {compiled})"
        )
    add(
        f"machine: {m['cpus_usable']} CPUs, Python {m['python']}, pulumi {m['packages']['pulumi']}, "
        f"pulumi-aws {m['packages']['pulumi-aws']}, commit {m['commit']}"
        f"{' + ' + str(m['dirty_files']) + ' changed files' if m['dirty_files'] else ''}"
    )
    add(
        f"bytecode: {bytecode}; load average {m['load_average_start'][0]} -> "
        f"{m['load_average_end'][0]} (other processes add noise)"
    )
    add("")
    add("cold: fresh processes, wall time")
    row("python -c pass (interpreter startup)", c["python_startup"])
    row("preview (gam-infra preview --json, pack on)", c["preview"])
    row(f"floor ({c['resources']} plain CustomResources, stock mocks)", c["floor"])
    add(
        f"  {'ratio preview / floor':<46} {c['ratio']:7.2f}    target <= {RATIO_TARGET}: "
        f"{verdict(t['cold_ratio'])}"
    )
    row(f"typed floor ({c['resources']} aws.ec2.Subnet)", c["typed_floor"])
    add(f"  {'ratio typed floor / floor':<46} {c['typed_floor_ratio']:7.2f}")
    add(f"  {'ratio preview / typed floor':<46} {c['preview_over_typed_floor']:7.2f}")
    row("pack's own time (policy.seconds)", c["pack_seconds"])
    share = c["pack_share"]
    add(
        f"  {'share of the preview (pack / preview)':<46} {share['median']:7.1%}    "
        f"({share['min']:.1%} - {share['max']:.1%})"
    )
    add("")
    add("warm: in this process, imports paid")
    row("preview: program (engine.run_stack)", w["program"])
    row("preview: pack boot (fresh process, to port)", w["pack_boot"])
    row("preview: pack analysis (evaluate)", w["pack_analysis"])
    row("preview: total", w["preview"])
    row("floor", w["floor"])
    add(
        f"  {'ratio preview / floor':<46} {w['ratio']:7.2f}    target <= {RATIO_TARGET}: "
        f"{verdict(t['warm_ratio'])}"
    )
    add(f"  {'ratio program / floor':<46} {w['program_ratio']:7.2f}")
    row("typed floor", w["typed_floor"])
    add(f"  {'ratio program / typed floor':<46} {w['program_over_typed_floor']:7.2f}")
    add("")
    rss = c["peak_rss_kb"]
    b = c["breakdown"]
    add(f"peak memory (max RSS), target <= {MEMORY_TARGET_MB:.0f} MB per process")
    add(
        f"  {'preview process: program + Analyzer client':<46} "
        f"{mb(b['program_peak_rss_kb']):7.1f} MB  {verdict(t['program_memory'])}"
    )
    add(
        f"  {'pack process (after its analysis)':<46} "
        f"{mb(b['pack_peak_rss_kb']):7.1f} MB  {verdict(t['pack_memory'])}"
    )
    add(
        f"  {'both at once (upper bound: the sum)':<46} "
        f"{mb(b['program_peak_rss_kb'] + b['pack_peak_rss_kb']):7.1f} MB  "
        f"{verdict(t['combined_memory'])}"
    )
    add(f"  {'cold CLI, wait4 (max of CLI and its pack)':<46} {mb(rss['preview_tree']):7.1f} MB")
    add(f"  {'floor / typed floor':<46} {mb(rss['floor']):7.1f} / {mb(rss['typed_floor']):.1f} MB")
    add("")
    add(f"breakdown: one fresh process doing the preview's work in sequence ({b['wall']:.2f} s)")
    for name, seconds in b["steps"].items():
        add(f"  {seconds:7.3f} s  {name}")
    add(f"  {b['wall'] - b['total']:7.3f} s  interpreter start and exit (wall minus the steps)")
    add("  (in the CLI the pack boots in its own process while the program runs)")
    for name, label in (("floor", "floor"), ("typed_floor", "typed floor")):
        steps = c["floor_steps"][name]
        add(
            f"  {label}, its own timers (median): "
            + ", ".join(f"{key} {value:.3f} s" for key, value in steps.items())
        )
    add("")
    failed = [name for name, ok in t.items() if not ok]
    add(f"targets: {'all met' if not failed else 'NOT MET: ' + ', '.join(failed)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="preview_benchmark", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--stack", default="prod", help="the stack to preview (default prod)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures")
    parser.add_argument(
        "--bytecode",
        choices=("cached", "as-is"),
        default="cached",
        help="what the child processes find compiled (default: a primed private cache)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    started = time.perf_counter()
    figures: dict[str, Any] = {"stack": args.stack, "runs": args.runs}
    figures["machine"] = machine(args.bytecode)
    with tempfile.TemporaryDirectory(prefix="gam-bench-") as tmp:
        work = Path(tmp)
        env = bytecode_env(args.bytecode, work / "pycache")
        saved = dict(os.environ)
        os.environ.clear()  # the warm pack processes start from this process's environment
        os.environ.update(env)
        try:
            figures["cold"] = cold(args.stack, args.runs, env, work)
            figures["warm"] = warm(args.stack, figures["cold"]["resources"], args.runs)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    figures["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    breakdown = figures["cold"]["breakdown"]
    program_kb, pack_kb = breakdown["program_peak_rss_kb"], breakdown["pack_peak_rss_kb"]
    figures["targets"] = {
        "cold_ratio": figures["cold"]["ratio"] <= RATIO_TARGET,
        "warm_ratio": figures["warm"]["ratio"] <= RATIO_TARGET,
        "program_memory": mb(program_kb) <= MEMORY_TARGET_MB,
        "pack_memory": mb(pack_kb) <= MEMORY_TARGET_MB,
        "combined_memory": mb(program_kb + pack_kb) <= MEMORY_TARGET_MB,
    }
    figures["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    figures["benchmark_self_peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(report(figures))
    print(f"\n(benchmark took {figures['benchmark_seconds']} s)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
