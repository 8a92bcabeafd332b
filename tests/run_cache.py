"""Results that cost seconds each (a whole stack's run, the pack over it), made once per test
run and shared by the pytest-xdist workers through files.

A result is stored under a key made of the content of every file of the project that is not
a test or a document (the program, the engine, the fakes, the pack, prices, stack files,
`uv.lock`) and the Python version: it is never stale. The folder is the run's own temporary
folder, so no run sees another's results. A lock per result makes one worker compute it
while another that wants it waits, then reads it; while it waits, it makes another result
the run will want that nobody is making yet (`WANTED`), rather than idle.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, TypeVar

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


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection meanwhile; then one, and what is left (what the block made
    that lives on, and the modules it imported) frozen: out of the collector's sight for
    good, so that later full collections need not visit it. A whole stack's run, the pack's
    report or the SDK survey makes and imports hundreds of thousands of objects."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()
        gc.freeze()


# What this run's tests will want, by name (filled at collection): a worker that would wait
# for a result another is making makes one of these meanwhile, one nobody is making yet.
WANTED: dict[str, Callable[[RunCache], object]] = {}


def _lock(file: IO[str], wait: bool) -> bool:
    """Lock `file` (released when it closes); without `wait`, False if another holds it."""
    try:
        fcntl.flock(file, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


class RunCache:
    """Values by name in `folder`, under `key`; `get` makes one with `make` when absent."""

    def __init__(
        self, folder: Path, key: str, wanted: Mapping[str, Callable[[RunCache], object]] = {}
    ) -> None:
        self.folder = folder
        self.key = key
        self.wanted = dict(wanted)
        self._meanwhile = False
        self._making: set[str] = set()

    def get(self, name: str, make: Callable[[], T]) -> T:
        if name in self._making:  # its lock is this process's own: it would wait forever
            raise RuntimeError(f"{name} is wanted by its own making")
        path = self._path(name)
        with open(path.with_suffix(".lock"), "w") as lock:
            while not _lock(lock, wait=False):  # another worker is making it
                if not self._make_a_wanted_one():
                    _lock(lock, wait=True)
                    break
            if path.exists():
                value: T = pickle.loads(path.read_bytes())
                return value
            return self._store(path, name, make)

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}-{self.key}.pickle"

    def _store(self, path: Path, name: str, make: Callable[[], T]) -> T:
        self._making.add(name)
        try:
            with collector_paused():
                value = make()
        finally:
            self._making.discard(name)
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(value))
        partial.replace(path)
        return value

    def _make_a_wanted_one(self) -> bool:
        """Make one of `wanted` that no worker has made or is making; False if none is left
        (or this is already making one: what that one waits for, it waits for)."""
        if self._meanwhile:
            return False
        self._meanwhile = True
        try:
            for name, make in self.wanted.items():
                path = self._path(name)
                if path.exists():
                    continue
                with open(path.with_suffix(".lock"), "w") as lock:
                    if _lock(lock, wait=False) and not path.exists():
                        self._store(path, name, functools.partial(make, self))
                        return True
            return False
        except Exception:  # it fails again where it is wanted, and is reported there
            return False
        finally:
            self._meanwhile = False
