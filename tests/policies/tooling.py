"""The scripts of `policies/tools/` (not a package), loaded as modules for their tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

TOOLS = Path(__file__).resolve().parents[2] / "policies" / "tools"


def load_tool(name: str) -> ModuleType:
    """`policies/tools/<name>.py` as a module (its `main` is not run)."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
