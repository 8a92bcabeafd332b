"""The one naming function, and the standard tags every taggable resource carries."""

from __future__ import annotations

import re
from collections.abc import Mapping

PROJECT = "gam-platform"
SHORT = "gam"
REQUIRED_TAGS = ("Project", "Environment", "Owner", "CostCenter", "ManagedBy")

_PART = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def name(stack: str, *parts: str) -> str:
    """`name("prod", "network")` -> `gam-prod-network`.

    Lower-case, hyphenated, at most 48 characters so that AWS's shortest name
    limits (e.g. 63 for S3, 64 for IAM roles, minus Pulumi's 8-character suffix)
    always hold.
    """
    for part in (stack, *parts):
        if not _PART.match(part):
            raise ValueError(f"name part {part!r} must be lower-case letters, digits and hyphens")
    result = "-".join((SHORT, stack, *parts))
    if len(result) > 48:
        raise ValueError(f"name {result!r} is longer than 48 characters")
    return result


def standard_tags(
    *, environment: str, owner: str, cost_center: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The tags on every taggable resource; `extra` may add to them, never replace them."""
    tags = {
        "Project": PROJECT,
        "Environment": environment,
        "Owner": owner,
        "CostCenter": cost_center,
        "ManagedBy": "pulumi",
    }
    clash = sorted(set(extra or {}) & set(tags))
    if clash:
        raise ValueError(f"extra tags may not override the standard tags {clash}")
    return {**tags, **(extra or {})}
