"""The standard tags every taggable resource carries.

They live with the components (which check them) rather than with the program's
settings (which build them), so components never import upward: the program passes
`standard_tags(...)` down as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping

REQUIRED_TAGS = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy")


def standard_tags(
    *,
    project: str,
    environment: str,
    owner: str,
    cost_center: str,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The tags on every taggable resource; `extra` may add to them, never replace them."""
    tags = {
        "Project": project,
        "Environment": environment,
        "Owner": owner,
        "CostCenter": cost_center,
        "ManagedBy": "pulumi",
    }
    clash = sorted(set(extra or {}) & set(tags))
    if clash:
        raise ValueError(f"extra tags may not override the standard tags {clash}")
    return {**tags, **(extra or {})}


def problems(tags: Mapping[str, str]) -> list[str]:
    """A component's check of its `tags` argument: every standard tag present."""
    absent = [t for t in REQUIRED_TAGS if not tags.get(t)]
    if absent:
        return [f"tags lack {absent}; build them with components.tags.standard_tags"]
    return []
