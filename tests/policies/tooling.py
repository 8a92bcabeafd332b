"""The scripts of `policies/tools/` (not a package), loaded as modules for their tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

TOOLS = Path(__file__).resolve().parents[2] / "policies" / "tools"


def load_tool(name: str) -> ModuleType:
    """`policies/tools/<name>.py` as a module (its `main` is not run), loaded once: the tools
    import each other by name (`import engine_names`), so they share one copy."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def answer(survey: dict[str, Any], question: str) -> Any:
    """`survey[question]` (the `sdk_survey` fixture's), raising the `SystemExit` the tool
    stopped with instead, as the tool itself would have."""
    found = survey[question]
    if isinstance(found, SystemExit):
        raise found
    return found
