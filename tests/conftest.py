"""Shared fixtures: each stack is run once per test run, and its pack report made once.

Under pytest-xdist the workers share them through files (`tests/run_cache.py`): one worker
runs a stack or the pack, the others read the result.
"""

from __future__ import annotations

import copy
import functools
import gc
import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from gam_offline import analyzer, engine
from gam_offline.records import Record
from tests.run_cache import WANTED, RunCache, collector_paused, source_key
from tests.support import PACK_DIR, ROOT, STACKS

# No per-example deadline: a loaded CI machine (or tests in parallel on two cores) must
# not turn a slow example into a failure; example counts still bound each test.
settings.register_profile("gam", deadline=None)
settings.load_profile("gam")


class _CollectorOutOfTheWay:
    """The garbage collector, kept off what lives until the end. The SDKs' modules are
    hundreds of thousands of objects (millions after the SDK survey), and each full
    collection visits every one: about half a second each, some 30 times in a worker's run
    (nearly half of them while collection imports). Collection and the session fixtures
    run without it (and so does the making of any run cache result, wherever it happens);
    then what they made and imported is collected once and frozen (out of its sight, for
    good); at the end the interpreter's final sweeps are spared, as the CLI's exit spares
    them."""

    @pytest.hookimpl(wrapper=True)
    def pytest_collection(self) -> Generator[None, object, object]:
        with collector_paused():
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any]
    ) -> Generator[None, object, object]:
        if fixturedef.scope != "session":
            return (yield)
        with collector_paused():
            return (yield)

    def pytest_sessionfinish(self) -> None:
        gc.freeze()


def pytest_configure(config: pytest.Config) -> None:
    # a plugin of its own: the hooks of a conftest only see the tests under its folder,
    # and a session fixture is set up for the whole session
    config.pluginmanager.register(_CollectorOutOfTheWay(), "gam-collector-out-of-the-way")


def _stacks_in_worker_order() -> list[str]:
    """The stacks, starting at a different one in each xdist worker (gw0 at dev, gw1 at
    staging...), so that workers starting together make different ones first."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    start = int(worker.removeprefix("gw") or 0) % len(STACKS)
    return [*STACKS[start:], *STACKS[:start]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """What of the run cache this run's tests will want (`run_cache.WANTED`)."""
    used = {name for item in items for name in getattr(item, "fixturenames", ())}
    for stack in _stacks_in_worker_order():
        if "stack_records" in used:
            WANTED[f"record-{stack}"] = functools.partial(_run, stack)
        if "policy_reports" in used:
            WANTED[report_name(stack, PACK_DIR)] = functools.partial(_judge, stack)


def _run(stack: str, cache: RunCache) -> Record:
    return engine.run_stack(stack, ROOT)


def _judge(stack: str, cache: RunCache) -> analyzer.PolicyReport:
    record = cache.get(f"record-{stack}", functools.partial(_run, stack, cache))
    return analyzer.evaluate(record, PACK_DIR)


@pytest.fixture(scope="session")
def run_cache(tmp_path_factory: pytest.TempPathFactory) -> RunCache:
    """Results shared by this run's workers: under xdist each worker's temporary folder is
    `<run>/popen-gwN`, and `<run>` is the run's own."""
    base = tmp_path_factory.getbasetemp()
    folder = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return RunCache(folder, source_key(ROOT), WANTED)


@pytest.fixture(scope="session")
def stack_records(run_cache: RunCache) -> dict[str, Record]:
    found = {
        stack: run_cache.get(f"record-{stack}", functools.partial(_run, stack, run_cache))
        for stack in _stacks_in_worker_order()
    }
    return {stack: found[stack] for stack in STACKS}


@pytest.fixture(scope="session")
def policy_reports(
    run_cache: RunCache, stack_records: dict[str, Record]
) -> dict[str, analyzer.PolicyReport]:
    found = {
        stack: run_cache.get(
            report_name(stack, PACK_DIR), functools.partial(_judge, stack, run_cache)
        )
        for stack in _stacks_in_worker_order()
    }
    return {stack: found[stack] for stack in STACKS}


@pytest.fixture()
def committed_program_run_once(
    monkeypatch: pytest.MonkeyPatch, stack_records: dict[str, Record]
) -> None:
    """`engine.run_stack` answers for this repository's program with a copy of the record
    `stack_records` made by that very call, once for the run; any other project's program
    (a copy changed by the test) really runs. For tests of what the command line does with
    a record (its arguments, output, files and exit codes), not of the engine."""
    run: Callable[[str, Path], Record] = engine.run_stack

    def run_stack(stack: str, root: Path) -> Record:
        same = Path(root).resolve() == ROOT or program_inputs(root, stack) == program_inputs(
            ROOT, stack
        )
        if same and stack in stack_records:
            return copy.deepcopy(stack_records[stack])
        return run(stack, root)

    monkeypatch.setattr(engine, "run_stack", run_stack)


def report_name(stack: str, pack_dir: Path) -> str:
    """The run cache's name for the report of `stack`'s committed record by the pack in
    `pack_dir`: this repository's pack (whose files the cache's key covers), or a copy of
    it (with a config changed, say) by the digest of the copy's files."""
    pack_dir = Path(pack_dir).resolve()
    if pack_dir == PACK_DIR:
        return f"report-{stack}"
    digest = hashlib.sha256()
    for path in sorted(pack_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(pack_dir)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return f"report-{stack}-{digest.hexdigest()[:16]}"


def _stop(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.wait()
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()


@pytest.fixture()
def committed_record_judged_once(
    monkeypatch: pytest.MonkeyPatch, run_cache: RunCache, stack_records: dict[str, Record]
) -> None:
    """`analyzer.evaluate` of a committed stack's record (`committed_program_run_once`'s)
    by a pack's own config answers with the report that same pack makes of that record,
    made by a real pack process once for the run (`policy_reports`' for this repository's
    pack; a copy of the pack by its files); a pack process the caller started is then
    stopped unused. Any other record, or a config passed in, is judged by a pack process
    as usual. For tests of what the command line does with a report, not of the pack."""
    judge = analyzer.evaluate

    def evaluate(
        record: Record,
        pack_dir: Path,
        config: Mapping[str, Any] | None = None,
        process: subprocess.Popen[str] | None = None,
    ) -> analyzer.PolicyReport:
        if config is not None or stack_records.get(record.stack) != record:
            return judge(record, pack_dir, config, process)
        report = run_cache.get(
            report_name(record.stack, pack_dir),
            functools.partial(judge, record, pack_dir, None, process),
        )
        if process is not None and process.returncode is None:  # the report was made before
            _stop(process)
        return report

    monkeypatch.setattr(analyzer, "evaluate", evaluate)


# What a stack's record is made of: the program, the documents it reads, the project file
# and the stack's config. A copy of the project that changed nothing of these (only a usage
# file, say) has the same record; its usage files are the cost model's, read afterwards.
PROGRAM_PARTS = ("infra", "components", "stacks", "observability")


def program_inputs(root: Path, stack: str) -> dict[str, bytes]:
    """Every file the program of `root` reads for `stack`, by path, with its bytes."""
    files = [
        path
        for part in PROGRAM_PARTS
        for path in (root / part).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.relative_to(root).parts[:2] != ("stacks", "usage")
    ]
    files += [root / "Pulumi.yaml", root / f"Pulumi.{stack}.yaml"]
    return {str(p.relative_to(root)): p.read_bytes() for p in files if p.is_file()}


@pytest.fixture()
def project_modules_restored() -> Iterator[None]:
    """For tests that run a copy of the project: `engine.use_project` makes the copy's
    packages (`infra`, `components`, `stacks`) the imported ones and forgets this
    repository's, which test modules imported and pulumi still looks classes up in. Put
    this repository's back after the test."""
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    saved = {n: m for n, m in sys.modules.items() if n.split(".")[0] in packages}
    yield
    engine.use_project(ROOT)
    sys.modules.update(saved)
