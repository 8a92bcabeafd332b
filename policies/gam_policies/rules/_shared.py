"""Helpers shared by the rules of several domains (not a domain: it has no RULES).

Values arrive as the engine sends them: lists as read-only sequences (the policy
SDK's proxies, not `list`), numbers as floats (443.0), in the props and in the
policy's configuration alike. The helpers here accept those shapes as well as the
plain data of the tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from gam_policies.framework import Resource, is_sequence, references, tags_of

SUBNET = "aws:ec2/subnet:Subnet"
# What `subnet_tier_violations` reads of the subnets (the owner's property is the rule's own).
SUBNET_READS = {SUBNET: ("id", "arn", "tags")}
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
NON_DATA_PURPOSES = ("logs", "assets", "artifacts")


# --- values --------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """`None` -> [], a scalar or mapping -> [value], any other sequence -> its items."""
    if value is None:
        return []
    return list(value) if is_sequence(value) else [value]


def items(resource: Resource, path: str) -> list[Any]:
    """The list at `path` as a plain list; [] where unset or not a list (a scalar too)."""
    value = resource.get(path)
    return list(value) if is_sequence(value) else []


def to_number(value: Any) -> float | None:
    """A numeric value (int or float, not bool) as a float (the engine sends 7 as 7.0), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def number(resource: Resource, path: str) -> float | None:
    """The number at `path` as a float; None where unset or not a number."""
    return to_number(resource.get(path))


def shown(value: Any) -> str:
    """A value for a message: `unset`, a number without a trailing `.0`, or its repr.

    Lists and mappings (also the engine's read-only proxies, whose repr is an object
    address) show item by item, so a config value of `[80.0, 443.0]` reads `[80, 443]`.
    """
    if value is None:
        return "unset"
    if is_sequence(value):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {shown(v)}" for k, v in value.items()) + "}"
    as_number = to_number(value)
    return f"{as_number:g}" if as_number is not None else repr(value)


def below_minimum(resource: Resource, path: str, minimum: float) -> Iterator[str]:
    """A violation unless the number at `path` is at least `minimum` (unset fails)."""
    value = number(resource, path)
    if value is None or value < minimum:
        yield f"`{path}` is {shown(resource.get(path))}; it must be set to at least {minimum:g}."


# --- buckets ---------------------------------------------------------------------------


def purpose(bucket: Resource) -> str:
    """The bucket's `Purpose` tag (case-sensitive, like every AWS tag); `data` where unset."""
    return str(tags_of(bucket).get("Purpose") or "data")


def is_data_bucket(resource: Resource) -> bool:
    """A bucket whose `Purpose` is not one of logs/assets/artifacts. Fails closed: a missing
    or unrecognised `Purpose` (`Logs` too) counts as data."""
    return resource.type in BUCKET_TYPES and purpose(resource) not in NON_DATA_PURPOSES


# --- policy documents (IAM identity policies, KMS key policies, bucket policies) ---------

Statement = Mapping[str, Any]
Judge = Callable[[Statement], str | None]


def statements(document: Any) -> list[Statement] | None:
    """The statements of a policy document given as JSON text or as a parsed mapping.

    `Statement` may be one object or a list of them. None if `document` is not a policy
    document (not JSON, not an object, no `Statement`, a statement that is not an object).
    """
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    if not isinstance(document, Mapping):
        return None
    found = document.get("Statement")
    found = as_list(found) if found is not None else None
    if found is None or not all(isinstance(s, Mapping) for s in found):
        return None
    return found


def principals(statement: Statement, kind: str) -> list[Any]:
    """The statement's principals of one kind ("AWS", "Federated", ...); `"*"` is every kind."""
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    return as_list(principal.get(kind)) if isinstance(principal, Mapping) else []


def judge_document(path: str, document: Any, judge: Judge) -> Iterator[str]:
    """Run `judge` on each Allow statement; an unset or unreadable document is a violation."""
    if document in (None, ""):
        yield f"`{path}` is not set."
        return
    found = statements(document)
    if found is None:
        yield f"`{path}` is not a readable policy document (JSON object with a `Statement`)."
        return
    for index, statement in enumerate(found):
        problem = judge(statement) if statement.get("Effect") == "Allow" else None
        if problem:
            yield f"`{path}` statement {index} {problem}"


# --- links between resources -------------------------------------------------------------
# `framework.references(resource, prop, target)` decides one link: recorded property
# dependencies alone where the engine recorded them, else a literal id/ARN/name match
# (lists, read-only ones too, are matched item by item).


def of_type(resources: Iterable[Resource], *types: str) -> list[Resource]:
    return [r for r in resources if r.type in types]


def linked_to(
    target: Resource, resources: Iterable[Resource], types: tuple[str, ...], prop: str
) -> list[Resource]:
    """The resources of `types` whose `prop` points at `target`."""
    return [r for r in of_type(resources, *types) if references(r, prop, target)]


def unreferenced(
    targets: Iterable[Resource], via: Iterable[Resource], prop: str, what: str, via_what: str
) -> Iterator[tuple[str, str]]:
    """A stack violation for each target that no resource of `via` points at through its
    property `prop`: "<what> <name> has no <via_what> whose `<prop>` refers to it."."""
    via = list(via)
    for target in targets:
        if not any(references(v, prop, target) for v in via):
            yield target.urn, f"{what} {target.name} has no {via_what} whose `{prop}` refers to it."


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


def subnet_tier_violations(
    owner: Resource, prop: str, resources: Sequence[Resource], tier: str
) -> Iterator[str]:
    """Every subnet that `owner.prop` lists must be a subnet of this stack tagged `Tier=tier`.

    Fails closed: an entry that is not a subnet of this stack cannot be verified.
    """
    subnets = [s for s in of_type(resources, SUBNET) if references(owner, prop, s)]
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
