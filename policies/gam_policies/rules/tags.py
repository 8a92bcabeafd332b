"""Required tags on every resource that carries tags of its own, and `Environment`
naming the stack.

Which types carry tags, and in which shape, comes from `taggable_types.json`, generated
from the installed SDKs by `policies/tools/gen_taggable_types.py` (the pack does not
import them). Each shape is read as the engine sends it:

- `map`: `tags` is a map of strings with `tagsAll` beside it. pulumi-aws's Check fills
  `tagsAll` with the provider's `defaultTags` under `tags` before the policies see the
  inputs; tags are read from `tags` over `tagsAll`.
- `list`: `tags` is a list of `{key, value, propagateAtLaunch}` entries
  (`aws:autoscaling/group:Group`), with no `tagsAll`: the provider's default tags do
  not reach it.
- `component`: a component's `tags`, which it hands to the resources it creates; a
  component never gets `tagsAll`.

Types whose `tags` select other resources instead of tagging their own
(`aws:devopsguru/resourceCollection:ResourceCollection`,
`aws:inspector/resourceGroup:ResourceGroup`) are not listed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from importlib.resources import files
from typing import Any

from gam_policies.framework import Context, Resource, Rule, fsbp, tags_of
from gam_policies.rules._shared import items, shown

MAP, LIST, COMPONENT = "map", "list", "component"
SHAPE_READS: dict[str, tuple[str, ...]] = {
    MAP: ("tags", "tagsAll"),
    LIST: ("tags[].key", "tags[].value"),
    COMPONENT: ("tags",),
}
_WHERE = {MAP: "`tags` (or `tagsAll`)", LIST: "the `tags` entries", COMPONENT: "`tags`"}

TAG_SHAPES: dict[str, str] = {
    type_: shape
    for shape, types in json.loads(
        files("gam_policies").joinpath("taggable_types.json").read_text(encoding="utf-8")
    ).items()
    for type_ in types
}
TAGGABLE_TYPES: tuple[str, ...] = tuple(sorted(TAG_SHAPES))


def shape(type_: str) -> str:
    """How `type_` carries its tags (a type not listed: a provider resource's map)."""
    return TAG_SHAPES.get(type_, MAP)


def tag_reads(types: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """What reading the tags of each of `types` reads (for a rule's `reads`)."""
    return {type_: SHAPE_READS[shape(type_)] for type_ in types}


def effective_tags(resource: Resource) -> Mapping[str, Any]:
    """The resource's own tags as one map, whatever the shape it carries them in."""
    kind = shape(resource.type)
    if kind == LIST:
        entries = [e for e in items(resource, "tags") if isinstance(e, Mapping)]
        return {str(e.get("key")): e.get("value") for e in entries if isinstance(e.get("key"), str)}
    own = tags_of(resource)
    if kind == COMPONENT:
        return own
    tags_all = resource.get("tagsAll")
    return {**(tags_all if isinstance(tags_all, Mapping) else {}), **own}


def _required(resource: Resource, ctx: Context) -> Iterator[str]:
    tags = effective_tags(resource)
    missing = [key for key in ctx.config["requiredTags"] if not str(tags.get(key) or "").strip()]
    if missing:
        where = _WHERE[shape(resource.type)]
        yield f"required tags missing or empty in {where}: {', '.join(missing)}."


def _environment(resource: Resource, ctx: Context) -> Iterator[str]:
    environment = effective_tags(resource).get("Environment")
    if environment != ctx.stack:
        yield f"`tags.Environment` is {shown(environment)}; it must be the stack name {ctx.stack!r}."


RULES = [
    Rule(
        name="tags-required",
        description=(
            "Untagged resources cannot be attributed to a project, owner or cost center, so "
            "costs go unallocated and incidents have nobody to call."
        ),
        severity="medium",
        remediation=(
            "Set the required keys in `tags` on the resource, or once for all resources through "
            "the aws.Provider `default_tags=aws.ProviderDefaultTagsArgs(tags={...})` (which does "
            "not reach aws.autoscaling.Group: give it `tags=[{'key': ..., 'value': ..., "
            "'propagate_at_launch': True}]`)."
        ),
        controls=(fsbp("CloudTrail.9"), fsbp("SNS.3")),
        category="governance",
        resource_types=TAGGABLE_TYPES,
        check=_required,
        config={
            "requiredTags": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": ["Project", "Environment", "Owner", "CostCenter", "ManagedBy"],
                "description": "Tag keys every taggable resource must carry with a non-empty value.",
            }
        },
        reads=tag_reads(TAGGABLE_TYPES),
    ),
    Rule(
        name="tags-environment-matches-stack",
        description=(
            "A resource whose `Environment` tag names another stack is billed, alerted on and "
            "access-controlled (tag-based IAM) as the wrong environment."
        ),
        severity="medium",
        remediation=(
            "Set `tags['Environment']` (or the provider's `default_tags`) from "
            "`pulumi.get_stack()` instead of a literal."
        ),
        controls=(fsbp("CloudTrail.9"),),
        category="governance",
        resource_types=TAGGABLE_TYPES,
        check=_environment,
        reads=tag_reads(TAGGABLE_TYPES),
    ),
]
