"""Whole stacks (dev, staging, prod) as the real program builds them from their stack files."""

from __future__ import annotations

import ipaddress
from collections import Counter

import pytest

from components.tags import REQUIRED_TAGS
from gam_offline.records import Record
from tests.support import taggable_types

STACKS = ("dev", "staging", "prod")
TAGGABLE = taggable_types()
NETWORK = "gam:network:Networking"


def test_every_stack_builds_its_network(stack_records: dict[str, Record]) -> None:
    for stack in STACKS:
        component = stack_records[stack].one(NETWORK)
        assert component.name == f"gam-{stack}-network"


@pytest.mark.parametrize(
    ("stack", "azs", "nats", "firewall"),
    [("dev", 2, 1, False), ("staging", 2, 2, True), ("prod", 3, 3, True)],
)
def test_each_tier_gets_its_profiles_shape(
    stack_records: dict[str, Record], stack: str, azs: int, nats: int, firewall: bool
) -> None:
    record = stack_records[stack]
    counts = Counter(r.type for r in record.resources)
    assert counts["aws:ec2/natGateway:NatGateway"] == nats
    tiers = Counter(
        r.plain_inputs()["tags"]["Tier"] for r in record.by_type("aws:ec2/subnet:Subnet")
    )
    assert tiers["public"] == tiers["private"] == tiers["data"] == azs
    assert (counts["aws:networkfirewall/firewall:Firewall"] == 1) is firewall


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_carries_the_standard_tags(
    stack_records: dict[str, Record], stack: str
) -> None:
    taggable = [r for r in stack_records[stack].resources if r.custom and r.type in TAGGABLE]
    assert taggable
    for resource in taggable:
        tags = resource.plain_inputs().get("tags") or {}
        missing = [t for t in REQUIRED_TAGS if not tags.get(t)]
        assert not missing, f"{resource.name} ({resource.type}) lacks {missing}"
        assert tags["Environment"] == stack and tags["Project"] == "gam-platform"


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_is_owned_by_a_component(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    for resource in record.resources:
        if resource.custom:
            owners = [a.type for a in record.ancestors(resource)]
            assert owners and owners[-1].startswith("gam:"), f"{resource.name} has no component"


@pytest.mark.parametrize("stack", STACKS)
def test_no_deprecation_notes_come_from_our_use_of_the_sdks(
    stack_records: dict[str, Record], stack: str
) -> None:
    notes = [m for _, m in stack_records[stack].diagnostics if "deprecat" in m.lower()]
    assert notes == []


@pytest.mark.parametrize("stack", STACKS)
def test_no_subnet_launches_with_a_public_ip(stack_records: dict[str, Record], stack: str) -> None:
    for subnet in stack_records[stack].by_type("aws:ec2/subnet:Subnet"):
        inputs = subnet.plain_inputs()
        assert inputs["mapPublicIpOnLaunch"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_flow_logs_are_on_with_a_kms_key_and_retention(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    flow_log = record.one("aws:ec2/flowLog:FlowLog").plain_inputs()
    assert flow_log["vpcId"] == record.one("aws:ec2/vpc:Vpc").id
    for group in record.by_type("aws:cloudwatch/logGroup:LogGroup"):
        inputs = group.plain_inputs()
        assert inputs.get("kmsKeyId") and inputs.get("retentionInDays")


def test_prod_protects_its_stateful_resources_and_dev_does_not(
    stack_records: dict[str, Record],
) -> None:
    assert all(k.protect for k in stack_records["prod"].by_type("aws:kms/key:Key"))
    assert not any(k.protect for k in stack_records["dev"].by_type("aws:kms/key:Key"))


@pytest.mark.parametrize("stack", STACKS)
def test_outputs_resolve_to_the_recorded_resources(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    assert record.outputs["vpcId"] == record.one("aws:ec2/vpc:Vpc").id
    subnet_ids = {s.id for s in record.by_type("aws:ec2/subnet:Subnet")}
    for key in ("publicSubnetIds", "privateSubnetIds", "dataSubnetIds"):
        assert set(record.outputs[key]) <= subnet_ids


def test_stacks_use_distinct_non_overlapping_vpc_ranges(stack_records: dict[str, Record]) -> None:
    ranges = [
        ipaddress.IPv4Network(stack_records[s].one("aws:ec2/vpc:Vpc").plain_inputs()["cidrBlock"])
        for s in STACKS
    ]
    assert not any(a.overlaps(b) for i, a in enumerate(ranges) for b in ranges[i + 1 :])


@pytest.mark.parametrize("stack", STACKS)
def test_the_cache_admits_the_cluster_nodes_and_no_cidr(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    (group,) = [
        g
        for g in record.by_type("aws:ec2/securityGroup:SecurityGroup")
        if g.name == f"gam-{stack}-cache-sg"
    ]
    ingress = [
        r.plain_inputs()
        for r in record.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.plain_inputs()["securityGroupId"] == group.id
    ]
    assert [r["referencedSecurityGroupId"] for r in ingress] == [
        record.outputs["eksNodeSecurityGroupId"]
    ]
    assert not any(r.get("cidrIpv4") or r.get("cidrIpv6") for r in ingress)
