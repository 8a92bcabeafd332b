"""Regenerate `gam_policies/taggable_types.json`: the resource types that carry tags of
their own, grouped by the shape of their `tags` (read so by `gam_policies/rules/tags.py`).

Reads the installed SDKs' classes (`engine_names.py`). A type's `tags` input is:
- `map`: a map of strings, with a `tagsAll` output beside it (pulumi-aws resources);
- `list`: a list of objects with `key` and `value` (`aws:autoscaling/group:Group`);
- `component`: a map of strings on a pulumi-eks component (`EKS_COMPONENTS` only: the
  other pulumi-eks components hand their tags to resources of their own, judged there).
A `tags` input that selects other resources is no tag of the type's own: those types are
named in `SELECTORS`, each with what it selects, and left out. Any other shape stops the
generator until it is classified here.

Usage: .venv/bin/python policies/tools/gen_taggable_types.py [--check]   (about ten seconds)
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # its sibling, run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import engine_names

OUTPUT = Path(__file__).resolve().parent.parent / "gam_policies" / "taggable_types.json"
EKS_COMPONENTS = ("eks:index:Cluster",)
SELECTORS = {
    "aws:devopsguru/resourceCollection:ResourceCollection": (
        "`tags` ({appBoundaryKey, tagValues}) chooses the resources DevOps Guru analyses"
    ),
    "aws:inspector/resourceGroup:ResourceGroup": (
        "`tags` chooses the EC2 instances of an Inspector assessment target"
    ),
}
MAP, LIST, COMPONENT = "map", "list", "component"


def _is_string_map(hint: object) -> bool:
    args = typing.get_args(hint)
    return engine_names.is_map(hint) and len(args) == 2 and engine_names.unwrap(args[1]) is str


def _is_key_value_list(hint: object) -> bool:
    if not engine_names.is_list(hint):
        return False
    members = engine_names.members(engine_names.unwrap(typing.get_args(hint)[0])) or {}
    return {"key", "value"} <= set(members)


def shape(token: str) -> str | None:
    """How `token` carries tags of its own; None if it has none (no `tags`, or a selector).
    Raises SystemExit for a `tags` of any other shape."""
    if token.startswith("eks:") and token not in EKS_COMPONENTS:
        return None
    try:
        inputs = engine_names.names(token, engine_names.INPUTS)
    except LookupError:
        return None  # no Args: nothing the program passes (e.g. provider-less functions)
    if "tags" not in inputs or token in SELECTORS:
        return None
    tags = engine_names.unwrap(inputs["tags"])
    outputs = engine_names.names(token, engine_names.OUTPUTS)
    if engine_names.is_component(token) and _is_string_map(tags):
        return COMPONENT
    if _is_string_map(tags) and "tagsAll" in outputs:
        return MAP
    if _is_key_value_list(tags):
        return LIST
    raise SystemExit(
        f"{token}: `tags` is {tags!r} (tagsAll output: {'tagsAll' in outputs}); classify it "
        "in policies/tools/gen_taggable_types.py (a shape the tag rules read, or SELECTORS)"
    )


def taggable_types() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {COMPONENT: [], LIST: [], MAP: []}
    for token in sorted(engine_names.registry()):
        found = shape(token)
        if found is not None:
            grouped[found].append(token)
    missing = [t for t in EKS_COMPONENTS if t not in grouped[COMPONENT]]
    if missing:
        raise SystemExit(f"{missing} no longer take a map of `tags`")
    return grouped


def render(grouped: dict[str, list[str]]) -> str:
    return json.dumps(grouped, indent=1) + "\n"


def main(argv: list[str]) -> int:
    grouped = taggable_types()
    text = render(grouped)
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        print("up to date" if current == text else f"{OUTPUT} is stale: regenerate it")
        return 0 if current == text else 1
    OUTPUT.write_text(text, encoding="utf-8")
    counts = ", ".join(f"{len(v)} {k}" for k, v in grouped.items())
    print(f"wrote {OUTPUT} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
