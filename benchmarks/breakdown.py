"""Where a cold preview's time goes: the CLI's work, step by step, in one fresh process.

    python -m benchmarks.breakdown --stack prod --modules pulumi_aws.ec2,pulumi_aws.iam

Does what `gam-infra preview` does (minus printing), in sequence and timed: import the
Pulumi SDK, the provider SDK modules the program uses (`--modules`, derived by the
benchmark from the record's resource types), our settings (pydantic), our engine and
CLI, our components; run the program; boot the pack (alone: in the CLI its boot
overlaps the program run); analyze. Prints one JSON object: seconds per step, this
process's peak RSS (the program + Analyzer client side) and the pack's (VmHWM read
just before it is stopped). Imports are timed in an order where each step pays only
for itself (the provider SDK before our components, pydantic before our settings).
"""

from __future__ import annotations

import time

_started = time.perf_counter()

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import packs  # noqa: E402  (stdlib only, no SDK)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.breakdown")
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--modules", default="", help="provider SDK modules, comma-separated")
    args = parser.parse_args(argv)
    steps: dict[str, float] = {"stdlib and argument parsing": time.perf_counter() - _started}

    def step(name: str, started: float) -> None:
        steps[name] = time.perf_counter() - started

    t = time.perf_counter()
    import pulumi  # noqa: F401

    step("import pulumi (SDK core: grpc, protobuf, automation)", t)

    t = time.perf_counter()
    for name in filter(None, args.modules.split(",")):
        module: Any = importlib.import_module(name)
        # Provider SDK submodules are lazy modules: reading any attribute loads them whole.
        getattr(module, "_benchmark_load_probe", None)
    step(f"import provider SDK modules ({args.modules or 'none'})", t)

    t = time.perf_counter()
    import pydantic  # noqa: F401

    step("import pydantic", t)

    t = time.perf_counter()
    from infra import settings

    step("import infra.settings (our settings models)", t)

    t = time.perf_counter()
    from gam_offline import analyzer, cli, engine  # noqa: F401  (cli: the CLI imports it too)

    step("import gam_offline engine/analyzer/cli (+ yaml, jsonschema)", t)

    t = time.perf_counter()
    import stacks.platform  # noqa: F401

    step("import stacks/components (our program's modules)", t)

    t = time.perf_counter()
    config, _ = engine.stack_config(args.stack, ROOT)
    settings.load(args.stack, config)
    record = engine.run_stack(args.stack, ROOT)
    step("program run (engine.run_stack, first run in process)", t)

    t = time.perf_counter()
    pack, _ = packs.start_booted(args.stack)
    step("pack boot (process start to port; overlaps the program in the CLI)", t)

    t = time.perf_counter()
    report = analyzer.evaluate(record, ROOT / analyzer.PACK_FOLDER, process=pack)
    step("pack analysis (evaluate: handshake, config, Analyze x N, AnalyzeStack)", t)

    out = {
        "resources": len(record.resources),
        "policies": report.policies_evaluated,
        "steps": {k: round(v, 4) for k, v in steps.items()},
        "total": round(time.perf_counter() - _started, 4),
        "program_peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "pack_peak_rss_kb": packs.peak_rss_kb(pack),
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
