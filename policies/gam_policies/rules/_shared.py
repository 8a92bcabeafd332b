"""Helpers shared by the rules of several domains (not a domain: it has no RULES).

The engine hands checks its own read-only views of property values: lists arrive
as `Sequence` proxies (not `list`) and numbers as floats. The helpers here accept
those shapes as well as the plain data of the tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from gam_policies.framework import Resource, references, tags_of

SUBNET = "aws:ec2/subnet:Subnet"


def items(resource: Resource, path: str) -> list[Any]:
    """The list at `path` as a plain list ([] where unset or not a list)."""
    value = resource.get(path)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return []


def number(resource: Resource, path: str) -> float | None:
    """The number at `path` (the engine sends 7 as 7.0); None where unset or not a number."""
    value = resource.get(path)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def linked(resource: Resource, prop: str, target: Resource) -> bool:
    """True if `resource.prop` points at `target`.

    Where the engine recorded property dependencies for `prop`, they decide alone:
    the value itself is not read, because in a preview it is often unknown (and
    reading an unknown stops the whole stack rule). Otherwise the literal value is
    matched by `framework.references`, given as a plain list where it is a list.
    """
    recorded = resource.property_dependencies.get(prop, ())
    if recorded:
        return target.urn in recorded
    listed = items(resource, prop)
    if listed:
        resource = replace(resource, props={prop: listed})
    return references(resource, prop, target)


def linked_to(
    target: Resource, resources: Sequence[Resource], types: tuple[str, ...], prop: str
) -> list[Resource]:
    """The resources of `types` whose `prop` points at `target`."""
    return [r for r in resources if r.type in types and linked(r, prop, target)]


def subnet_tier_violations(
    owner: Resource, prop: str, resources: Sequence[Resource], tier: str
) -> Iterator[str]:
    """Every subnet that `owner.prop` lists must be a subnet of this stack tagged `Tier=tier`.

    Fails closed: an entry that is not a subnet of this stack cannot be verified.
    """
    subnets = [r for r in resources if r.type == SUBNET and linked(owner, prop, r)]
    recorded = owner.property_dependencies.get(prop, ())
    listed = len(recorded) if recorded else len(items(owner, prop))
    if not subnets:
        yield (
            f"`{owner.name}`: `{prop}` names no {SUBNET} of this stack, "
            "so the subnets' `Tier` tag cannot be verified."
        )
    elif listed > len(subnets):
        yield (
            f"`{owner.name}`: {listed - len(subnets)} of the {listed} entries of `{prop}` are "
            f"not {SUBNET} resources of this stack, so their `Tier` tag cannot be verified."
        )
    for subnet in subnets:
        actual = tags_of(subnet).get("Tier")
        if actual != tier:
            yield (
                f"`{owner.name}`: subnet `{subnet.name}` in `{prop}` is tagged "
                f"Tier={actual or 'unset'}, expected Tier={tier}."
            )
