"""Tag cases: required tags set per resource or through the provider's default tags, in
each shape a type carries them (a map with `tagsAll`, a key/value list, a component's map)."""

from __future__ import annotations

from gam_policies.framework import Resource
from tests.policies.baseline import KEY_ARN, resource, tags
from tests.policies.casekit import Break, Case

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
EKS_CLUSTER = "eks:index:Cluster"


def log_group(stack: str = "prod") -> Resource:
    return resource(
        LOG_GROUP, "tiles-api", {"retentionInDays": 90, "kmsKeyId": KEY_ARN}, stack=stack
    )


def default_tagged() -> Resource:
    """Only `Name` set on the resource; the rest comes from the provider's `defaultTags`."""
    return resource(
        LOG_GROUP,
        "tiles-api",
        {"tags": {"Name": "tiles-api"}, "tagsAll": {**tags(), "Name": "tiles-api"}},
    )


def autoscaling_group(stack: str = "prod") -> Resource:
    """Tags as the group carries them: key/value entries (no `tagsAll`)."""
    entries = [
        {"key": key, "value": value, "propagateAtLaunch": True}
        for key, value in tags(stack).items()
    ]
    return resource(AUTOSCALING_GROUP, "workers", {"maxSize": 3, "minSize": 1, "tags": entries})


def component() -> Resource:
    """A component's `tags` (it never gets `tagsAll`: a `tagsAll` here is not read)."""
    return resource(EKS_CLUSTER, "platform", {"version": "1.31", "tagsAll": tags()})


CASES = [
    Case(
        "tags-required",
        log_group(),
        (
            Break("tags.Owner"),
            Break("tags.CostCenter", ""),
            Break("tags.Project", "  "),
            Break("tags"),
        ),
    ),
    Case("tags-required", default_tagged(), (Break("tagsAll.ManagedBy"), Break("tagsAll"))),
    Case("tags-required", component(), (Break("tags.Environment"), Break("tags"))),
    Case(
        "tags-required",
        autoscaling_group(),
        (Break("tags.2.value", ""), Break("tags.3"), Break("tags.0.key", "project"), Break("tags")),
    ),
    Case(
        "tags-environment-matches-stack",
        log_group("dev"),
        (Break("tags.Environment", "prod"), Break("tags.Environment")),
        stack="dev",
    ),
    Case(
        "tags-environment-matches-stack",
        default_tagged(),
        (Break("tagsAll.Environment", "staging"), Break("tags.Environment", "dev")),
    ),
    Case(
        "tags-environment-matches-stack",
        autoscaling_group("dev"),
        (Break("tags.1.value", "prod"), Break("tags.1")),
        stack="dev",
    ),
    Case("tags-environment-matches-stack", component(), (Break("tags.Environment", "dev"),)),
]
