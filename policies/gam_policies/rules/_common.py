"""Helpers for the edge, network, IAM, KMS, logging and stack domains (not a domain: no rules).

Values arrive as the engine sends them: lists as read-only sequences (the policy
SDK's proxies, not `list`), numbers as floats (443.0). Numbers at a resource path
come from `_shared.number`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from gam_policies.framework import Resource, is_sequence, references
from gam_policies.rules._shared import number


def as_list(value: Any) -> list[Any]:
    """`None` -> [], a scalar or mapping -> [value], any other sequence -> its items."""
    if value is None:
        return []
    return list(value) if is_sequence(value) else [value]


def to_number(value: Any) -> float | None:
    """A numeric value (int or float, not bool) as a float, or None (`_shared.number` by value)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def shown(value: Any) -> str:
    """A value for a message: `unset`, a number without a trailing `.0`, or its repr."""
    if value is None:
        return "unset"
    as_number = to_number(value)
    return f"{as_number:g}" if as_number is not None else repr(value)


def below_minimum(resource: Resource, path: str, minimum: float) -> Iterator[str]:
    """A violation unless the number at `path` is at least `minimum` (unset fails)."""
    value = number(resource, path)
    if value is None or value < minimum:
        yield f"`{path}` is {shown(resource.get(path))}; it must be set to at least {minimum:g}."


def of_type(resources: Iterable[Resource], *types: str) -> list[Resource]:
    return [r for r in resources if r.type in types]


def linked_nested(
    resource: Resource, top: str, value: Any, candidates: Iterable[Resource]
) -> list[Resource]:
    """The candidates that `value`, nested somewhere in `resource`'s property `top`, points at.

    An unset value links to nothing. A literal id/ARN/name match wins; otherwise the
    candidates `top` depends on (the engine records property dependencies per top-level
    property only, so two nested values of one property cannot be told apart).
    """
    if value in (None, ""):
        return []
    candidates = list(candidates)
    probe = replace(resource, props={"value": value}, property_dependencies={})
    literal = [c for c in candidates if references(probe, "value", c)]
    if literal:
        return literal
    return [c for c in candidates if c.urn and c.urn in resource.property_dependencies.get(top, ())]


def unreferenced(
    targets: Iterable[Resource], via: Iterable[Resource], prop: str
) -> Iterator[Resource]:
    """The targets that no resource of `via` points at through its property `prop`."""
    via = list(via)
    for target in targets:
        if not any(references(v, prop, target) for v in via):
            yield target
