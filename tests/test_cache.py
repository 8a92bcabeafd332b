"""The cache: ElastiCache in the data subnets, IAM-authenticated, encrypted, per tier."""

from __future__ import annotations

import functools
import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.base import InvalidArgs
from components.cache import (
    APP_ACCESS,
    DEFAULT_USER_ACCESS,
    PORT,
    Cache,
    CacheArgs,
    connect_document,
)
from components.tags import standard_tags
from gam_offline.engine import run_program
from gam_offline.records import Record, RecordedResource
from tests.test_settings import BASE, problems

STACKS = ("dev", "staging", "prod")
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)


def named(record: Record, name: str) -> RecordedResource:
    (found,) = [r for r in record.resources if r.name == name]
    return found


@functools.cache
def cache_record() -> Record:
    def program() -> None:
        cache = Cache(
            "c",
            CacheArgs(
                vpc_id="vpc-1",
                subnet_ids=["subnet-1", "subnet-2"],
                client_security_group_ids=["sg-workers"],
                num_cache_clusters=2,
                tags=TAGS,
            ),
        )
        cache.admit("api", "sg-api")
        cache.grant_connect(aws.iam.Role("worker", assume_role_policy="{}"))
        pulumi.export("endpoint", cache.endpoint)

    return run_program(program, stack="test", region="eu-west-1")


def test_the_security_group_admits_the_cache_port_from_the_given_groups_only() -> None:
    record = cache_record()
    group = named(record, "c-sg")
    rules = [r.plain_inputs() for r in record.by_type(INGRESS)]
    assert sorted(r["referencedSecurityGroupId"] for r in rules) == ["sg-api", "sg-workers"]
    for rule in rules:
        assert rule["securityGroupId"] == group.id
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", PORT, PORT)
        assert "cidrIpv4" not in rule and "cidrIpv6" not in rule
    assert not group.plain_inputs().get("ingress") and not group.plain_inputs().get("egress")


def test_grant_connect_allows_exactly_connect_on_the_group_and_the_app_user() -> None:
    record = cache_record()
    group, user = named(record, "c-group"), named(record, "c-app-user")
    policy = json.loads(named(record, "c-connect-worker").plain_inputs()["policy"])
    assert policy == connect_document(group.outputs["arn"], user.outputs["arn"])
    assert policy["Statement"][0]["Action"] == ["elasticache:Connect"]


def test_only_iam_users_get_in_and_the_default_user_is_off() -> None:
    record = cache_record()
    default, app = named(record, "c-default-user"), named(record, "c-app-user")
    assert default.plain_inputs()["userName"] == "default"
    assert default.plain_inputs()["accessString"] == DEFAULT_USER_ACCESS
    app_inputs = app.plain_inputs()
    assert app_inputs["authenticationMode"] == {"type": "iam"}
    assert app_inputs["userId"] == app_inputs["userName"]  # IAM authentication requires it
    assert app_inputs["accessString"] == APP_ACCESS
    users = named(record, "c-users").plain_inputs()["userIds"]
    group = named(record, "c-group").plain_inputs()
    assert sorted(users) == sorted([str(default.id), str(app.id)])
    assert group["userGroupIds"] == [named(record, "c-users").id]
    assert "authToken" not in group and "authTokenWo" not in group


def test_bad_cache_arguments_are_reported_together() -> None:
    args = CacheArgs(
        vpc_id="v", subnet_ids=[], node_type="m5.large", num_cache_clusters=9,
        log_retention_days=31, tags={},
    )  # fmt: skip
    with pytest.raises(InvalidArgs) as caught:
        Cache("c", args)
    assert len(caught.value.problems) == 4


@pytest.mark.parametrize(
    ("stack", "nodes", "failover", "snapshots", "log_days"),
    [("dev", 1, False, 1, 30), ("staging", 2, True, 7, 90), ("prod", 3, True, 14, 365)],
)
def test_each_tier_gets_its_encryption_failover_snapshots_and_logs(
    stack_records: dict[str, Record],
    stack: str,
    nodes: int,
    failover: bool,
    snapshots: int,
    log_days: int,
) -> None:
    record = stack_records[stack]
    group = record.one(GROUP)
    inputs: dict[str, Any] = group.plain_inputs()
    key = named(record, f"gam-{stack}-cache-key")
    assert inputs["atRestEncryptionEnabled"] is True and inputs["kmsKeyId"] == key.outputs["arn"]
    assert inputs["transitEncryptionEnabled"] is True
    assert inputs["transitEncryptionMode"] == "required"
    assert inputs["numCacheClusters"] == nodes
    assert inputs["automaticFailoverEnabled"] is inputs["multiAzEnabled"] is failover
    assert inputs["snapshotRetentionLimit"] == snapshots
    assert group.protect is (stack == "prod")
    subnets = named(record, f"gam-{stack}-cache-subnets").plain_inputs()["subnetIds"]
    assert sorted(subnets) == sorted(record.outputs["dataSubnetIds"])
    delivered = {c["logType"]: c["destination"] for c in inputs["logDeliveryConfigurations"]}
    assert sorted(delivered) == ["engine-log", "slow-log"]
    for log_type, destination in delivered.items():
        log_group = named(record, f"gam-{stack}-cache-{log_type}").plain_inputs()
        assert log_group["name"] == destination
        assert log_group["retentionInDays"] == log_days
        assert log_group["kmsKeyId"] == key.outputs["arn"]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_beyond_dev_the_cache_needs_two_nodes_for_failover(stack: str) -> None:
    zones = ["euw1-az1", "euw1-az2", "euw1-az3"][: 3 if stack == "prod" else 2]
    config = {
        **BASE,
        "gam:network": {"vpcCidr": "10.30.0.0/16", "availabilityZoneIds": zones},
        "gam:cache": {"numCacheClusters": 1},
    }
    assert "Multi-AZ" in problems(stack, config)["gam:cache.numCacheClusters"]


@pytest.mark.parametrize(
    ("cache", "key"),
    [
        ({"engine": "memcached"}, "gam:cache.engine"),
        ({"engineVersion": "latest"}, "gam:cache.engineVersion"),
        ({"nodeType": "m7g.large"}, "gam:cache.nodeType"),
        ({"logRetentionDays": 31}, "gam:cache.logRetentionDays"),
        ({"authToken": "x"}, "gam:cache.authToken"),
    ],
)
def test_bad_cache_settings_are_named_by_key(cache: dict[str, Any], key: str) -> None:
    assert key in problems("dev", {**BASE, "gam:cache": cache})
