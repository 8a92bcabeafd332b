"""Where the tests find the project: the repository they live in, and nothing outside it."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACK_DIR = ROOT / "policies"
DATA = Path(__file__).resolve().parent / "data"
STACKS = ("dev", "staging", "prod")


def taggable_types() -> set[str]:
    """The types that carry tags of their own, whatever the shape (the pack's
    `taggable_types.json` groups them by the shape of their `tags`)."""
    groups = json.loads((PACK_DIR / "gam_policies" / "taggable_types.json").read_text())
    return {type_ for types in groups.values() for type_ in types}
