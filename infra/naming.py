"""The one naming function of the program."""

from __future__ import annotations

import re

PROJECT = "gam-platform"
SHORT = "gam"

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
