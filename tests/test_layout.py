"""The package layout holds: the program never imports the offline tool, components never
import upward, and no module imports itself back through others."""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support import ROOT

PACKAGES = ("infra", "gam_offline", "components", "stacks")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


def _imports(path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The project modules `path` imports (at module level or inside functions)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        yield from (name for name in names if name in modules)


@functools.cache
def _graph() -> dict[str, set[str]]:
    # Parsed in a process of its own: inside the test process, CPython 3.11.7 now and then
    # failed an `ast.parse` here with "AST constructor recursion depth mismatch" (the
    # recursion limit is process-wide, and earlier tests' threads may still be moving
    # it); a new thread did not help, a new process has nothing else running.
    code = (
        "import json; from tests.test_layout import _graph_here; "
        "print(json.dumps({k: sorted(v) for k, v in _graph_here().items()}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return {name: set(targets) for name, targets in json.loads(done.stdout).items()}


def _graph_here() -> dict[str, set[str]]:
    modules = _modules()
    return {name: set(_imports(path, modules)) - {name} for name, path in modules.items()}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(graph.get(current, ()))
    return seen


def _cyclic(graph: dict[str, set[str]]) -> list[str]:
    return sorted(m for m in graph if any(m in _reachable(graph, t) for t in graph[m]))


def test_the_program_pulumi_runs_never_imports_the_offline_tool() -> None:
    reached = _reachable(_graph(), "infra.__main__")
    assert {"infra.settings", "stacks.platform", "components.networking"} <= reached
    assert not [m for m in reached if m.startswith("gam_offline")]


def test_components_import_nothing_from_the_program_or_the_tool() -> None:
    graph = _graph()
    upward = {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("components")
        for target in targets
        if not target.startswith("components")
    }
    assert upward == set()


def test_no_module_imports_itself_back_through_others() -> None:
    assert _cyclic(_graph()) == []


def test_the_cycle_check_sees_a_cycle_when_there_is_one() -> None:
    assert _cyclic({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == ["a", "b"]
