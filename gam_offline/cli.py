"""`gam-infra`: the offline preview of a stack, with no Pulumi CLI and no AWS account.

    gam-infra preview --stack dev [--json FILE] [--summary FILE] [--cwd DIR]
    gam-infra cost --stack dev [--json FILE] [--summary FILE] [--check] [--diff BASE.json]

The project is the nearest `Pulumi.yaml` at or above the working directory (or
`--cwd DIR`), as for `pulumi`; its program, stack files and pack are the ones used.
Exit codes: 0 success, 1 program error, 2 config error, 3 mandatory policy violations,
4 (cost --check) over budget or not all priced.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

_LOADED = time.perf_counter()  # before the SDKs load: the reported time includes them

import grpc  # noqa: E402

from gam_offline import analyzer, engine, pricebook, reachability, summary, usage  # noqa: E402
from gam_offline import cost as costs  # noqa: E402
from gam_offline.records import Record, RecordedResource  # noqa: E402

EXIT_OK, EXIT_PROGRAM, EXIT_CONFIG, EXIT_POLICY = 0, 1, 2, 3
EXIT_BUDGET = 4


def _tree(record: Record, out: IO[str]) -> None:
    children: dict[str | None, list[RecordedResource]] = {}
    urns = {r.urn for r in record.resources}
    for r in record.resources:
        children.setdefault(r.parent if r.parent in urns else None, []).append(r)

    def show(resource: RecordedResource, depth: int) -> None:
        marker = "+" if resource.custom else "#"
        flags = " [protected]" if resource.protect else ""
        out.write(f"{'  ' * depth}{marker} {resource.type}  {resource.name}{flags}\n")
        for child in children.get(resource.urn, []):
            show(child, depth + 1)

    out.write(f"Resources of {record.project}/{record.stack} (# component, + resource):\n")
    for top in children.get(None, []):
        show(top, 1)


def _counts(record: Record, out: IO[str]) -> None:
    counts = Counter(r.type for r in record.resources)
    out.write(f"\nCounts by type ({len(record.resources)} resources):\n")
    for type_, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(f"  {count:4d}  {type_}\n")


def _outputs(record: Record, out: IO[str]) -> None:
    out.write("\nOutputs:\n")
    for key, value in sorted(record.masked_outputs().items()):
        out.write(f"  {key}: {json.dumps(value)}\n")


def _policy(report: analyzer.PolicyReport, out: IO[str]) -> None:
    out.write(
        f"\nPolicies: {report.pack}@{report.version}, {report.policies_evaluated} policies evaluated in {report.seconds:.2f} s\n"
    )
    for level in ("mandatory", "advisory"):
        found = [v for v in report.violations if v.level == level]
        out.write(f"  {level} violations: {len(found)}\n")
        for name in sorted({v.policy for v in found}):
            out.write(f"    {name}:\n")
            for v in (v for v in found if v.policy == name):
                detail = v.message.splitlines()[-1]
                out.write(f"      {v.urn}\n        {detail}\n")
    out.write(f"  exemptions: {len(report.exemptions)}\n")
    for e in report.exemptions:
        out.write(f"    {e.policy}: {e.urn}\n      reason: {e.reason}\n")
    out.write(f"  not applicable (not judged): {len(report.not_applicable)}\n")
    for n in report.not_applicable:
        out.write(f"    {n.policy}: {n.urn or '(stack policy)'}\n      {n.reason}\n")


def _paragraph(error: BaseException, what: str = "the program failed") -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return textwrap.fill(f"error: {what}: {type(error).__name__}: {text}", width=100)


def _check_settings(stack: str, root: Path) -> None:
    """Validate the stack's settings with the project's own rules (its `infra.settings`)
    before anything runs, so a config error exits 2 with every problem by key."""
    config, _ = engine.stack_config(stack, root)
    engine.use_project(root)
    settings = importlib.import_module("infra.settings")
    try:
        settings.load(stack, config)
    except settings.SettingsError as error:
        raise _ConfigError(str(error)) from None


class _ConfigError(ValueError):
    pass


def preview(
    stack: str,
    json_path: Path | None = None,
    *,
    root: Path,
    pack_dir: Path | None,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
    started: float | None = None,
    summary_path: Path | None = None,
) -> int:
    """The whole preview of the project at `root`; returns the exit code. `pack_dir=None`
    skips policies. `started`: when the clock started (the command line passes its load
    time). `summary_path`: where to write the Markdown summary (also on exit 3)."""
    out = out or sys.stdout
    err = err or sys.stderr
    started = time.perf_counter() if started is None else started
    try:
        _check_settings(stack, root)
    except (FileNotFoundError, _ConfigError) as error:
        err.write(f"error: {error}\n")
        return EXIT_CONFIG
    project = engine.project_name(root)
    # The pack boots in its own process while the program runs, as with the engine.
    pack = analyzer.start_pack(stack, project, pack_dir) if pack_dir else None
    try:
        record = engine.run_stack(stack, root)
    except Exception as error:  # any failure of the program is reported, not dumped
        if pack is not None:
            pack.kill()
            pack.communicate()
        err.write(_paragraph(error) + "\n")
        return EXIT_PROGRAM
    _tree(record, out)
    _counts(record, out)
    _outputs(record, out)
    out.write(f"\n{reachability.summary(record)}\n")
    _cost_line(stack, root, record, out, err)
    for severity, message in record.diagnostics:
        err.write(f"{severity}: {message}\n")
    document: dict[str, Any] = record.to_json()
    code = EXIT_OK
    report = None
    if pack_dir is not None:
        try:
            report = analyzer.evaluate(record, pack_dir, process=pack)
        except analyzer.PolicyConfigError as error:
            err.write(f"error: {error}\n")
            return EXIT_CONFIG
        except (RuntimeError, OSError, grpc.RpcError) as error:  # the pack failed to run
            err.write(_paragraph(error, "the policy pack failed") + "\n")
            return EXIT_PROGRAM
        _policy(report, out)
        document["policy"] = report.to_json()
        code = EXIT_POLICY if report.mandatory() else EXIT_OK
    if json_path is not None:
        json_path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
        out.write(f"\nRecord written to {json_path}\n")
    if summary_path is not None:
        summary_path.write_text(summary.render(record, report))
        out.write(f"\nSummary written to {summary_path}\n")
    out.write(
        f"\nPreview of {stack}: {len(record.resources)} resources in {time.perf_counter() - started:.2f} s\n"
    )
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gam-infra", description=__doc__.splitlines()[0])
    cwd_help = "run as if started in DIR (the project is the nearest Pulumi.yaml at or above it)"
    parser.add_argument("-C", "--cwd", type=Path, metavar="DIR", help=cwd_help)
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: given before the command or after it, --cwd means the same.
    common.add_argument(
        "-C", "--cwd", type=Path, metavar="DIR", default=argparse.SUPPRESS, help=cwd_help
    )
    common.add_argument("--stack", required=True, help="the stack (a Pulumi.<stack>.yaml)")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "preview", parents=[common], help="run the program offline and show what it would deploy"
    )
    run.add_argument("--json", type=Path, metavar="FILE", help="write the whole record as JSON")
    run.add_argument(
        "--policy-pack",
        type=Path,
        metavar="DIR",
        help=f"the CrossGuard pack to enforce (default: the project's {analyzer.PACK_FOLDER}/)",
    )
    run.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="write a Markdown summary (for $GITHUB_STEP_SUMMARY), also on policy violations",
    )
    run.add_argument("--no-policy", action="store_true", help="skip policy enforcement")
    _cost_parser(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    base = (args.cwd or Path.cwd()).resolve()
    try:
        root = engine.find_project(base)
    except engine.ProjectNotFound as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_CONFIG
    if args.command == "cost":
        return _cost_command(args, root)
    pack_dir = None
    if not args.no_policy:
        pack_dir = base / args.policy_pack if args.policy_pack else root / analyzer.PACK_FOLDER
    return preview(
        args.stack,
        args.json,
        root=root,
        pack_dir=pack_dir,
        started=_LOADED,
        summary_path=args.summary,
    )


# --- gam-infra cost --------------------------------------------------------------------


def _load_settings(stack: str, root: Path) -> Any:
    """The stack's settings by the project's own rules; `_ConfigError` when invalid."""
    config, _ = engine.stack_config(stack, root)
    engine.use_project(root)
    settings = importlib.import_module("infra.settings")
    try:
        return settings.load(stack, config)
    except settings.SettingsError as error:
        raise _ConfigError(str(error)) from None


def _estimate(stack: str, root: Path, record: Record, settings: Any) -> costs.Estimate:
    """Price `record` with its region's prices and the stack's usage file. Raises
    `PriceFileError` or `UsageError` (config errors)."""
    book = pricebook.load(record.region)
    found, path = usage.load(stack, root)
    return costs.estimate(
        record,
        book,
        found,
        budget=getattr(settings, "monthly_budget_usd", None),
        usage_file=str(path.relative_to(root)) if path else None,
    )


def _cost_line(stack: str, root: Path, record: Record, out: IO[str], err: IO[str]) -> None:
    """The preview's one line: the estimate against the budget (a warning when the
    prices or the usage file are at fault: `gam-infra cost` reports them in full)."""
    try:
        estimate = _estimate(stack, root, record, _load_settings(stack, root))
    except (ValueError, OSError) as error:
        first = str(error).splitlines()[0]
        err.write(f"warning: no cost estimate: {first} (see gam-infra cost --stack {stack})\n")
        return
    out.write(f"\n{costs.budget_line(estimate)}\n")


def cost(
    stack: str,
    *,
    root: Path,
    json_path: Path | None = None,
    summary_path: Path | None = None,
    check: bool = False,
    base_path: Path | None = None,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
) -> int:
    """`gam-infra cost`: run the program offline, price it, report; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        settings = _load_settings(stack, root)
        base = json.loads(base_path.read_text()) if base_path else None
    except (OSError, _ConfigError, json.JSONDecodeError) as error:
        err.write(f"error: {error}\n")
        return EXIT_CONFIG
    try:
        record = engine.run_stack(stack, root)
    except Exception as error:  # any failure of the program is reported, not dumped
        err.write(_paragraph(error) + "\n")
        return EXIT_PROGRAM
    try:
        estimate = _estimate(stack, root, record, settings)
        change = costs.diff(base, estimate.to_json()) if base is not None else None
    except (pricebook.PriceFileError, usage.UsageError, costs.CostRecordError) as error:
        err.write(f"error: {error}\n")
        return EXIT_CONFIG
    out.write(costs.render_text(estimate))
    if change is not None:
        out.write("\n" + costs.render_diff_text(change))
    if json_path is not None:
        json_path.write_text(json.dumps(estimate.to_json(), indent=2) + "\n")
        out.write(f"\nCost record written to {json_path}\n")
    if summary_path is not None:
        with summary_path.open("a") as summary:  # appends: GitHub's job summary is shared
            summary.write(costs.render_markdown(estimate, change))
    if not check:
        return EXIT_OK
    if estimate.budget is None:
        err.write("error: --check needs a budget: set gam:monthlyBudgetUsd\n")
        return EXIT_CONFIG
    if estimate.over_budget or estimate.unpriced:
        why = "over its budget" if estimate.over_budget else "not all priced"
        err.write(f"error: {stack} is {why}: {costs.budget_line(estimate)}\n")
        return EXIT_BUDGET
    return EXIT_OK


def _cost_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    run = commands.add_parser(
        "cost", parents=[common], help="estimate what the stack costs a month, against its budget"
    )
    run.add_argument("--json", type=Path, metavar="FILE", help="write the cost record as JSON")
    run.add_argument(
        "--summary", type=Path, metavar="FILE", help="append a Markdown summary (job summary)"
    )
    run.add_argument(
        "--check", action="store_true", help="exit 4 when over budget or not all priced"
    )
    run.add_argument(
        "--diff", type=Path, metavar="BASE.json", help="show the change from a base cost record"
    )


def _cost_command(args: argparse.Namespace, root: Path) -> int:
    return cost(
        args.stack,
        root=root,
        json_path=args.json,
        summary_path=args.summary,
        check=args.check,
        base_path=args.diff,
    )


def run() -> None:
    """The console script: `main`, then exit without the interpreter's final sweep over
    the SDKs' objects (half a second of a cold preview)."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
