"""Results that cost seconds each (a whole stack's run, the pack over it), made once per test
run and shared by the pytest-xdist workers through files.

A result is stored under a key made of the content of every file of the project that is not
a test or a document (the program, the engine, the fakes, the pack, prices, stack files,
`uv.lock`) and the Python version: it is never stale. The folder is the run's own temporary
folder, so no run sees another's results. A lock per result makes one worker compute it
while another that wants it waits, then reads it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Folders whose content no recorded stack or pack report depends on.
NOT_SOURCE = {
    ".git",
    ".venv",
    ".tools",
    ".hypothesis",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "tests",
    "docs",
    "benchmarks",
}


def _files(root: Path) -> Iterator[Path]:
    for folder, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in NOT_SOURCE)
        for name in sorted(names):
            if not name.endswith(".pyc"):
                yield Path(folder, name)


def source_key(root: Path) -> str:
    """A digest of every source file's path and bytes, and of the interpreter's version."""
    digest = hashlib.sha256(sys.version.encode())
    for path in _files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


class RunCache:
    """Values by name in `folder`, under `key`; `get` makes one with `make` when absent."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = folder
        self.key = key

    def get(self, name: str, make: Callable[[], T]) -> T:
        path = self.folder / f"{name}-{self.key}.pickle"
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if path.exists():
                value: T = pickle.loads(path.read_bytes())
                return value
            value = make()
            partial = path.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(value))
            partial.replace(path)
            return value
