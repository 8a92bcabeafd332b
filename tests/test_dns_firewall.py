"""The DnsFirewall component under the offline engine: what it registers, per variant."""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.base import InvalidArgs
from components.dns_firewall import (
    ASSOCIATION_PRIORITY,
    TYPE_TOKEN,
    DnsFirewall,
    DnsFirewallArgs,
    domain_list_problems,
    problems,
)
from components.tags import REQUIRED_TAGS, standard_tags
from components.values import MANAGED_DOMAIN_LISTS
from gam_offline.engine import RecordingMonitor, run_program
from gam_offline.records import Record, RecordedResource
from tests.support import taggable_types

TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)
VPC_ID = "vpc-0123456789abcdef0"
LIST_IDS = {
    "malware": "rslvr-fdl-0000000000000001",
    "botnetCommandAndControl": "rslvr-fdl-0000000000000002",
    "aggregateThreat": "rslvr-fdl-0000000000000003",
}
DEFAULT = DnsFirewallArgs(vpc_id=VPC_ID, domain_list_ids=LIST_IDS, tags=TAGS)
# the other side of every choice: NODATA, fail closed, short retention, protected
STRICT = replace(
    DEFAULT, block_response="NODATA", fail_open=False, query_log_retention_days=30, protect=True
)
VARIANTS = {"default": DEFAULT, "strict": STRICT}

GROUP = "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup"
RULE = "aws:route53/resolverFirewallRule:ResolverFirewallRule"
ASSOCIATION = (
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
)
CONFIG = "aws:route53/resolverFirewallConfig:ResolverFirewallConfig"
QUERY_LOG_CONFIG = "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig"
QUERY_LOG_ASSOCIATION = (
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"
)
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
TAGGABLE = taggable_types()


@functools.cache
def record_of(variant: str) -> Record:
    def program() -> None:
        firewall = DnsFirewall("dns", VARIANTS[variant])
        pulumi.export("rule_group_id", firewall.rule_group_id)
        pulumi.export("query_log_group_name", firewall.query_log_group_name)

    return run_program(program, stack="test", region="eu-west-1")


@pytest.fixture(params=list(VARIANTS))
def variant(request: pytest.FixtureRequest) -> tuple[DnsFirewallArgs, Record]:
    return VARIANTS[request.param], record_of(request.param)


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return resource.plain_inputs()


def test_registers_exactly_these_resources() -> None:
    for variant in VARIANTS:
        assert Counter(r.type for r in record_of(variant).resources) == {
            TYPE_TOKEN: 1,
            GROUP: 1,
            RULE: 3,  # one per managed list
            ASSOCIATION: 1,
            CONFIG: 1,
            KEY: 1,
            LOG_GROUP: 1,
            QUERY_LOG_CONFIG: 1,
            QUERY_LOG_ASSOCIATION: 1,
        }, variant


def test_each_managed_list_is_blocked_in_the_rule_group_in_order(
    variant: tuple[DnsFirewallArgs, Record],
) -> None:
    args, record = variant
    group = record.one(GROUP)
    rules = sorted(record.by_type(RULE), key=lambda r: inputs(r)["priority"])
    assert [inputs(r)["firewallDomainListId"] for r in rules] == [
        LIST_IDS[key] for key, _ in MANAGED_DOMAIN_LISTS
    ]
    assert [inputs(r)["name"] for r in rules] == [
        f"block-{name}" for _, name in MANAGED_DOMAIN_LISTS
    ]
    for rule in rules:
        assert inputs(rule)["firewallRuleGroupId"] == group.id
        assert inputs(rule)["action"] == "BLOCK"
        assert inputs(rule)["blockResponse"] == args.block_response
        assert inputs(rule)["firewallDomainRedirectionAction"] == "INSPECT_REDIRECTION_DOMAIN"
    # the provider's id of a rule: `<group id>:<domain list id>`
    assert rules[0].id == f"{group.id}:{LIST_IDS['malware']}"


def test_the_group_is_associated_with_the_vpc_after_its_rules(
    variant: tuple[DnsFirewallArgs, Record],
) -> None:
    args, record = variant
    association = record.one(ASSOCIATION)
    assert inputs(association)["vpcId"] == VPC_ID
    assert inputs(association)["firewallRuleGroupId"] == record.one(GROUP).id
    assert 100 <= inputs(association)["priority"] == ASSOCIATION_PRIORITY <= 9900
    assert inputs(association)["mutationProtection"] == ("ENABLED" if args.protect else "DISABLED")
    rules = {r.urn for r in record.by_type(RULE)}
    assert rules <= set(association.options["dependencies"])


def test_fail_open_is_the_default_and_can_be_turned_off(
    variant: tuple[DnsFirewallArgs, Record],
) -> None:
    args, record = variant
    config = inputs(record.one(CONFIG))
    assert config["resourceId"] == VPC_ID
    assert config["firewallFailOpen"] == ("ENABLED" if args.fail_open else "DISABLED")
    assert DEFAULT.fail_open is True


def test_every_lookup_is_logged_to_an_encrypted_retained_log_group(
    variant: tuple[DnsFirewallArgs, Record],
) -> None:
    args, record = variant
    group, key = record.one(LOG_GROUP), record.one(KEY)
    assert inputs(group)["name"] == "/gam/dns/resolver-queries"
    assert inputs(group)["retentionInDays"] == args.query_log_retention_days
    assert inputs(group)["kmsKeyId"] == key.outputs["arn"]
    config = record.one(QUERY_LOG_CONFIG)
    assert inputs(config)["destinationArn"] == group.outputs["arn"]
    association = inputs(record.one(QUERY_LOG_ASSOCIATION))
    assert association == {"resolverQueryLogConfigId": config.id, "resourceId": VPC_ID}
    # audit evidence: tagged so, and with `protect` also kept when the stack lets go of it
    assert inputs(group)["tags"]["Evidence"] == "audit"
    assert group.options["protect"] is group.options["retainOnDelete"] is args.protect


def test_the_log_key_rotates_and_lets_logs_use_it_for_the_query_log_group_only(
    variant: tuple[DnsFirewallArgs, Record],
) -> None:
    args, record = variant
    key = record.one(KEY)
    assert inputs(key)["enableKeyRotation"] is True
    assert inputs(key)["deletionWindowInDays"] == 30
    assert key.protect is args.protect
    admin, logs = json.loads(inputs(key)["policy"])["Statement"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    group_arn = record.one(LOG_GROUP).outputs["arn"]
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}}
    assert group_arn == "arn:aws:logs:eu-west-1:123456789012:log-group:/gam/dns/resolver-queries"


def test_ids_and_arns_have_route53_resolvers_formats() -> None:
    record = record_of("default")
    for type_, prefix in (
        (GROUP, "rslvr-frg-"),
        (ASSOCIATION, "rslvr-frgassoc-"),
        (CONFIG, "rslvr-fc-"),
        (QUERY_LOG_CONFIG, "rslvr-qlc-"),
        (QUERY_LOG_ASSOCIATION, "rslvr-qlcassoc-"),
    ):
        resource_id = str(record.one(type_).id)
        assert resource_id.startswith(prefix) and len(resource_id) == len(prefix) + 16, type_
    group = record.one(GROUP)
    assert group.outputs["arn"] == (
        f"arn:aws:route53resolver:eu-west-1:123456789012:firewall-rule-group/{group.id}"
    )


def test_children_descend_from_the_component_and_carry_the_standard_tags(
    variant: tuple[DnsFirewallArgs, Record],
) -> None:
    _, record = variant
    component = record.one(TYPE_TOKEN)
    tagged = 0
    for resource in record.resources:
        if resource is component:
            continue
        assert component in list(record.ancestors(resource)), resource.name
        assert resource.name.startswith("dns-"), resource.name
        if resource.type in TAGGABLE:
            tags = inputs(resource)["tags"]
            assert {k: tags[k] for k in REQUIRED_TAGS} == {k: TAGS[k] for k in REQUIRED_TAGS}
            assert tags["Name"] == resource.name
            tagged += 1
    assert tagged == 5  # key, log group, query log config, rule group, association


def test_outputs_resolve_to_the_registered_resources() -> None:
    record = record_of("default")
    assert record.outputs == {
        "rule_group_id": record.one(GROUP).id,
        "query_log_group_name": "/gam/dns/resolver-queries",
    }


def test_a_vpc_id_from_another_resource_is_accepted() -> None:
    def program() -> None:
        vpc = pulumi.Output.from_input(VPC_ID)
        DnsFirewall("dns", replace(DEFAULT, vpc_id=vpc))

    record = run_program(program, region="eu-west-1")
    assert inputs(record.one(ASSOCIATION))["vpcId"] == VPC_ID


# --- invalid arguments ----------------------------------------------------------------


def test_all_invalid_arguments_are_reported_at_once_before_any_resource() -> None:
    bad = DnsFirewallArgs(
        vpc_id="subnet-1",
        domain_list_ids={"malware": "fdl-1", "botnet": "rslvr-fdl-0000000000000002"},
        block_response="OVERRIDE",  # type: ignore[arg-type]
        query_log_retention_days=0,
        tags={"Project": "gam-platform"},
    )
    with pytest.raises(InvalidArgs) as raised:
        run_program(lambda: DnsFirewall("dns", bad))
    monitor = pulumi.runtime.settings.get_monitor()
    assert isinstance(monitor, RecordingMonitor)
    assert monitor.recorded == []
    # tags, vpc id, missing lists, unknown key, bad id, block response, retention
    assert len(raised.value.problems) == 7


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"vpc_id": "subnet-1"}, "is not a VPC id"),
        ({"domain_list_ids": {}}, "list-firewall-domain-lists"),
        ({"domain_list_ids": {**LIST_IDS, "guardDuty": LIST_IDS["malware"]}}, "unknown keys"),
        ({"domain_list_ids": {**LIST_IDS, "malware": "rslvr-fdl-123"}}, "16 hex digits"),
        ({"block_response": "OVERRIDE"}, "block_response must be one of"),
        ({"query_log_retention_days": 0}, "use one of"),
        ({"tags": {}}, "build them with components.tags.standard_tags"),
    ],
)
def test_each_invalid_argument_says_what_to_change(change: dict[str, Any], says: str) -> None:
    found = problems(replace(DEFAULT, **change))
    assert any(says in p for p in found), found


def test_valid_variants_have_no_problems() -> None:
    assert problems(DEFAULT) == problems(STRICT) == []


@given(digits=st.text("0123456789abcdef", min_size=16, max_size=16))
def test_any_list_id_of_16_hex_digits_is_accepted(digits: str) -> None:
    assert domain_list_problems({**LIST_IDS, "malware": f"rslvr-fdl-{digits}"}) == []


@given(digits=st.text("0123456789abcdefABCDEFg", max_size=24).filter(lambda d: len(d) != 16))
def test_list_ids_of_another_length_or_alphabet_are_rejected(digits: str) -> None:
    found = domain_list_problems({**LIST_IDS, "malware": f"rslvr-fdl-{digits}"})
    assert found and "16 hex digits" in found[-1]
