"""Required tags on every taggable resource, and `Environment` naming the stack.

Which types take tags comes from `taggable_types.json`, generated from the installed
pulumi_aws by `policies/tools/gen_taggable_types.py` (the pack does not import
pulumi_aws). Tags are read from `tags` over `tagsAll`: pulumi-aws fills `tagsAll`
with the provider's `defaultTags` before the policies see the inputs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from importlib.resources import files
from typing import Any

from gam_policies.framework import Context, Resource, Rule, fsbp, tags_of
from gam_policies.rules._shared import shown

TAGGABLE_TYPES: tuple[str, ...] = tuple(
    json.loads(files("gam_policies").joinpath("taggable_types.json").read_text(encoding="utf-8"))
)


def effective_tags(resource: Resource) -> Mapping[str, Any]:
    tags_all = resource.get("tagsAll")
    return {**(tags_all if isinstance(tags_all, Mapping) else {}), **tags_of(resource)}


def _required(resource: Resource, ctx: Context) -> Iterator[str]:
    tags = effective_tags(resource)
    missing = [key for key in ctx.config["requiredTags"] if not str(tags.get(key) or "").strip()]
    if missing:
        yield f"required tags missing or empty in `tags` (or `tagsAll`): {', '.join(missing)}."


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
            "the aws.Provider `default_tags=aws.ProviderDefaultTagsArgs(tags={...})`."
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
    ),
]
