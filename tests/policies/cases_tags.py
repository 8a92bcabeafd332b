"""Tag cases: required tags set per resource or through the provider's default tags."""

from __future__ import annotations

from gam_policies.framework import Resource
from tests.policies.baseline import KEY_ARN, resource, tags
from tests.policies.casekit import Break, Case

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


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
    Case(
        "tags-required",
        resource("eks:index:Cluster", "platform", {"version": "1.31"}),
        (Break("tags.Environment"),),
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
]
