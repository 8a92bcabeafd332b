"""What every compliant platform resource of the case files has: an id, an ARN, the
required tags (and the `Environment` of its stack). Builds on `builders.make`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from gam_policies.framework import Resource
from tests.policies.builders import make

ACCOUNT = "111122223333"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/0e9d3c1a-5f7b-4c2e-9a8d-6b1f2e3d4c5b"


def tags(stack: str = "prod", **extra: str) -> dict[str, str]:
    return {
        "Project": "gam-platform",
        "Environment": stack,
        "Owner": "platform-team",
        "CostCenter": "CC-1042",
        "ManagedBy": "pulumi",
        **extra,
    }


def resource(
    type_: str,
    name: str,
    props: Mapping[str, Any],
    links: Mapping[str, Resource | tuple[Resource, ...]] | None = None,
    *,
    protect: bool = False,
    stack: str = "prod",
    **tag_extra: str,
) -> Resource:
    """A tagged resource with `id` `<name>-id` and an ARN; `props` override the defaults."""
    service = type_.split(":")[1].split("/")[0]
    defaults = {
        "id": f"{name}-id",
        "arn": f"arn:aws:{service}:eu-west-1:{ACCOUNT}:{name}",
        "tags": tags(stack, **tag_extra),
    }
    return replace(make(type_, name, {**defaults, **props}, links), protect=protect)


def document(*statements: Mapping[str, Any]) -> str:
    """A policy document as the engine sees it: JSON text."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
