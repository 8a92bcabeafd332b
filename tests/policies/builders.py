"""Small builders for the plain-data resources of the policy cases."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gam_policies.framework import Resource

STACK_URN = "urn:pulumi:prod::gam-platform"


def make(
    type_: str,
    name: str,
    props: Mapping[str, Any],
    links: Mapping[str, Resource | tuple[Resource, ...]] | None = None,
) -> Resource:
    """A resource with a URN; `links` records property dependencies, as the engine does."""
    dependencies = {
        prop: (targets,) if isinstance(targets, Resource) else targets
        for prop, targets in (links or {}).items()
    }
    return Resource(
        type=type_,
        name=name,
        urn=f"{STACK_URN}::{type_}::{name}",
        props=dict(props),
        property_dependencies={p: tuple(t.urn for t in ts) for p, ts in dependencies.items()},
    )


def subnet(name: str, tier: str) -> Resource:
    return make(
        "aws:ec2/subnet:Subnet",
        name,
        {"id": f"subnet-{name}", "vpcId": "vpc-1", "tags": {"Tier": tier, "Name": name}},
    )


def in_subnets(
    type_: str, name: str, props: Mapping[str, Any], prop: str, tier: str
) -> list[Resource]:
    """`[owner, subnet, subnet]`: an owner whose `prop` lists two subnets tagged `Tier=tier`."""
    subnets = (subnet(f"{tier}-a", tier), subnet(f"{tier}-b", tier))
    owner = make(type_, name, {**props, prop: [s.get("id") for s in subnets]}, {prop: subnets})
    return [owner, *subnets]
