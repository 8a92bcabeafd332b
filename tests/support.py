"""Where the tests find the project: the repository they live in, and nothing outside it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACK_DIR = ROOT / "policies"
DATA = Path(__file__).resolve().parent / "data"
STACKS = ("dev", "staging", "prod")
