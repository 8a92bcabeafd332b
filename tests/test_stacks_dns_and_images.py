"""Whole stacks: the DNS firewall on each stack's VPC, and the image cache beside it."""

from __future__ import annotations

import pytest

from gam_offline.records import Record
from tests.support import STACKS

VPC = "aws:ec2/vpc:Vpc"
DNS = "gam:dns:DnsFirewall"
CACHE = "gam:images:ImageCache"


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_filters_and_logs_the_dns_of_its_vpc(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    vpc = record.one(VPC).id
    assert record.one(DNS).name == f"gam-{stack}-dns-firewall"
    association = (
        "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
    )
    assert record.one(association).plain_inputs()["vpcId"] == vpc
    query_logs = "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"
    assert record.one(query_logs).plain_inputs()["resourceId"] == vpc
    config = record.one("aws:route53/resolverFirewallConfig:ResolverFirewallConfig")
    assert config.plain_inputs() == {"resourceId": vpc, "firewallFailOpen": "ENABLED"}
    assert record.outputs["dnsFirewallRuleGroupId"].startswith("rslvr-frg-")
    assert (
        record.outputs["dnsQueryLogGroupName"] == f"/gam/gam-{stack}-dns-firewall/resolver-queries"
    )


@pytest.mark.parametrize(("stack", "days"), [("dev", 30), ("staging", 90), ("prod", 365)])
def test_query_logs_are_kept_as_long_as_the_tier_keeps_flow_logs(
    stack_records: dict[str, Record], stack: str, days: int
) -> None:
    groups = {
        g.plain_inputs()["name"]: g.plain_inputs()["retentionInDays"]
        for g in stack_records[stack].by_type("aws:cloudwatch/logGroup:LogGroup")
    }
    assert groups[f"/gam/gam-{stack}-dns-firewall/resolver-queries"] == days
    assert groups[f"/gam/gam-{stack}-network/vpc-flow-logs"] == days


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_caches_the_anonymous_registries_and_awaits_credentials_for_the_others(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    assert record.one(CACHE).name == f"gam-{stack}-images"
    rules = record.by_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    assert sorted(r.plain_inputs()["ecrRepositoryPrefix"] for r in rules) == [
        f"gam-{stack}/{u}" for u in ("ecr-public", "k8s", "quay")
    ]
    secrets = record.by_type("aws:secretsmanager/secret:Secret")
    assert sorted(s.plain_inputs()["name"] for s in secrets) == [
        f"ecr-pullthroughcache/gam-{stack}/{u}" for u in ("docker-hub", "ghcr")
    ]
    assert record.outputs["imageCredentialSecrets"] == {
        u: f"ecr-pullthroughcache/gam-{stack}/{u}" for u in ("docker-hub", "ghcr")
    }
    registry = record.outputs["imageRegistry"]
    assert registry == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert record.outputs["imagePrefixes"]["quay"] == f"{registry}/gam-{stack}/quay"


def test_prod_protects_the_secrets_and_dev_does_not(stack_records: dict[str, Record]) -> None:
    secret = "aws:secretsmanager/secret:Secret"
    assert all(s.protect for s in stack_records["prod"].by_type(secret))
    assert not any(s.protect for s in stack_records["dev"].by_type(secret))
    association = (
        "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
    )
    protection = {
        stack: stack_records[stack].one(association).plain_inputs()["mutationProtection"]
        for stack in ("dev", "prod")
    }
    assert protection == {"dev": "DISABLED", "prod": "ENABLED"}
