"""ObservabilityStack in every stack (the session's records) and alone with alert
endpoints set: the workspace, its rules, Alertmanager, topics, alarms and X-Ray."""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
import yaml

from components import alarms, alerting, slo
from components.base import InvalidArgs
from components.observability import (
    TYPE_TOKEN,
    ObservabilityArgs,
    ObservabilityStack,
    problems,
)
from components.tags import standard_tags
from gam_offline.engine import run_program
from gam_offline.records import MASK, Record, RecordedResource, mask
from tests.support import STACKS
from tests.test_settings_observability import default_catalog

WORKSPACE = "aws:amp/workspace:Workspace"
NAMESPACE = "aws:amp/ruleGroupNamespace:RuleGroupNamespace"
ALERTMANAGER = "aws:amp/alertManagerDefinition:AlertManagerDefinition"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"


def obs(record: Record, type_: str) -> list[RecordedResource]:
    """The observability component's resources of a type (other components have topics,
    subscriptions and alarms of their own)."""
    return [r for r in record.by_type(type_) if "-obs-" in r.name or r.name.startswith("obs-")]


ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
XRAY_ENCRYPTION = "aws:xray/encryptionConfig:EncryptionConfig"
XRAY_SAMPLING = "aws:xray/samplingRule:SamplingRule"
NAT = "aws:ec2/natGateway:NatGateway"
FIREWALL = "aws:networkfirewall/firewall:Firewall"

TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)
CATALOG = default_catalog()
ARGS = ObservabilityArgs(
    slos=CATALOG,
    tags=TAGS,
    pager_endpoint="https://events.pagerduty.example/integration/abc/enqueue",
    slack_endpoint="https://chat.example/hooks/xyz",
    nat_gateway_ids=["nat-0123456789abcdef0"],
)


HOOKS = [
    *alarms.rds("db", "gam-db", replica=True),
    *alarms.redis("cache", "gam-cache"),
    *alarms.sqs("jobs", "gam-jobs", "gam-jobs-dlq"),
    *alarms.opensearch("logs", "gam-logs", "123456789012"),
]


@functools.cache
def alone() -> Record:
    """The component with endpoints set, and the alarm hooks of later components added."""

    def program() -> None:
        stack = ObservabilityStack("obs", ARGS)
        stack.add_alarms(HOOKS)

    return run_program(program, stack="test", region="eu-west-1")


def own(record: Record, type_: str) -> list[RecordedResource]:
    (component,) = [r for r in record.resources if r.type == TYPE_TOKEN]
    return [r for r in record.by_type(type_) if r.parent == component.urn]


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return resource.plain_inputs()


@pytest.fixture(params=STACKS)
def record(request: pytest.FixtureRequest, stack_records: dict[str, Record]) -> Record:
    return stack_records[request.param]


def test_the_workspace_is_encrypted_with_a_customer_key_and_logs_to_an_encrypted_group(
    record: Record,
) -> None:
    workspace = inputs(record.one(WORKSPACE))
    keys = {k.outputs["arn"]: k for k in own(record, KEY)}
    assert workspace["kmsKeyArn"] in keys
    (group,) = own(record, LOG_GROUP)
    assert workspace["loggingConfiguration"]["logGroupArn"] == f"{group.outputs['arn']}:*"
    assert inputs(group)["kmsKeyId"] == workspace["kmsKeyArn"]
    assert inputs(group)["name"].startswith("/aws/vendedlogs/")


def test_one_rule_namespace_per_slo_holding_its_generated_rule_file(record: Record) -> None:
    workspace = record.one(WORKSPACE)
    namespaces = {inputs(n)["name"]: inputs(n) for n in record.by_type(NAMESPACE)}
    assert set(namespaces) == {f"slo-{s.name}" for s in CATALOG}
    for item in CATALOG:
        namespace = namespaces[f"slo-{item.name}"]
        assert namespace["workspaceId"] == workspace.id
        assert yaml.safe_load(namespace["data"]) == slo.rule_file(item)


def test_alertmanager_sends_pages_and_the_rest_to_the_stacks_topics(record: Record) -> None:
    topics = {inputs(t)["name"].rsplit("-", 2)[-2]: t.outputs["arn"] for t in obs(record, TOPIC)}
    definition = inputs(record.one(ALERTMANAGER))
    assert definition["workspaceId"] == record.one(WORKSPACE).id
    assert definition["definition"] == alerting.definition(
        pager_topic_arn=topics["pager"], slack_topic_arn=topics["slack"], region="eu-west-1"
    )


def test_the_topics_are_encrypted_and_only_the_workspace_and_alarms_publish(record: Record) -> None:
    keys = {k.outputs["arn"] for k in own(record, KEY)}
    workspace_arn = record.one(WORKSPACE).outputs["arn"]
    topics = own(record, TOPIC)
    assert len(topics) == 2
    policies = {
        inputs(p)["arn"]: json.loads(inputs(p)["policy"]) for p in own(record, TOPIC_POLICY)
    }
    for topic in topics:
        assert inputs(topic)["kmsMasterKeyId"] in keys
        statements = policies[topic.outputs["arn"]]["Statement"]
        assert {s["Principal"]["Service"] for s in statements} == {
            "aps.amazonaws.com",
            "cloudwatch.amazonaws.com",
        }
        for statement in statements:
            assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
            assert statement["Resource"] == topic.outputs["arn"]
        (aps,) = [s for s in statements if s["Principal"]["Service"] == "aps.amazonaws.com"]
        assert aps["Condition"]["ArnEquals"]["aws:SourceArn"] == workspace_arn


def test_committed_stacks_have_topics_without_subscriptions(record: Record) -> None:
    assert obs(record, SUBSCRIPTION) == []


def test_alarms_watch_every_nat_gateway_and_firewall_zone_and_notify_by_severity(
    record: Record,
) -> None:
    topics = {t.outputs["arn"]: inputs(t)["name"] for t in obs(record, TOPIC)}
    network = ("AWS/NATGateway", "AWS/NetworkFirewall")  # the services' own: test_workload_grants
    found = [a for a in own(record, ALARM) if inputs(a)["namespace"] in network]
    metrics = Counter(inputs(a)["metricName"] for a in found)
    nats = len(record.by_type(NAT))
    zones = sum(len(inputs(f)["subnetMappings"]) for f in record.by_type(FIREWALL))
    assert metrics == Counter(
        {"ErrorPortAllocation": nats, "PacketsDropCount": nats, "DroppedPackets": zones}
        if zones
        else {"ErrorPortAllocation": nats, "PacketsDropCount": nats}
    )
    nat_ids = {n.id for n in record.by_type(NAT)}
    for alarm in found:
        props = inputs(alarm)
        severity = props["tags"]["Severity"]
        expected = "pager" if severity in ("sev1", "sev2") else "slack"
        assert [topics[a] for a in props["alarmActions"]] == [topics[a] for a in props["okActions"]]
        assert topics[props["alarmActions"][0]].endswith(f"-{expected}-topic"), props["name"]
        if props["namespace"] == "AWS/NATGateway":
            assert props["dimensions"]["NatGatewayId"] in nat_ids
        else:
            (firewall,) = record.by_type(FIREWALL)
            assert props["dimensions"]["FirewallName"] == firewall.outputs["name"]


def test_traces_are_encrypted_with_the_telemetry_key_and_sampled(record: Record) -> None:
    workspace = inputs(record.one(WORKSPACE))
    encryption = inputs(record.one(XRAY_ENCRYPTION))
    assert encryption == {"type": "KMS", "keyId": workspace["kmsKeyArn"]}
    sampling = inputs(record.one(XRAY_SAMPLING))
    assert 0 < sampling["fixedRate"] <= 1 and sampling["reservoirSize"] == 1
    assert len(sampling["ruleName"]) <= 32


def test_the_stack_outputs_what_the_collectors_need(record: Record) -> None:
    outputs = record.outputs
    workspace = record.one(WORKSPACE).outputs
    assert outputs["prometheusRemoteWriteUrl"] == (
        f"{workspace['prometheusEndpoint']}api/v1/remote_write"
    )
    assert outputs["prometheusWorkspaceArn"] == workspace["arn"]
    assert outputs["observabilityRegion"] == "eu-west-1"
    assert set(outputs["alertTopicArns"]) == {"pager", "slack"}


def test_prod_protects_the_workspace_and_its_keys(stack_records: dict[str, Record]) -> None:
    prod = stack_records["prod"]
    assert prod.one(WORKSPACE).protect
    assert all(k.protect for k in own(prod, KEY))
    assert not stack_records["dev"].one(WORKSPACE).protect


# --- alone, with endpoints ----------------------------------------------------------------


def test_set_endpoints_subscribe_the_topics_as_secrets() -> None:
    record = alone()
    subscriptions = {inputs(s)["topic"]: s for s in obs(record, SUBSCRIPTION)}
    topics = {inputs(t)["name"]: t.outputs["arn"] for t in obs(record, TOPIC)}
    pager = subscriptions[topics["obs-pager-topic"]]
    slack = subscriptions[topics["obs-slack-topic"]]
    assert inputs(pager)["endpoint"] == ARGS.pager_endpoint
    assert inputs(slack)["endpoint"] == ARGS.slack_endpoint
    assert inputs(pager)["protocol"] == "https"
    for subscription in (pager, slack):
        assert mask(subscription.inputs["endpoint"]) == MASK


def test_add_alarms_routes_hooked_alarms_by_severity() -> None:
    assert alarms.topic_for("sev1") == alarms.topic_for("sev2") == "pager"
    assert alarms.topic_for("sev3") == alarms.topic_for("info") == "slack"
    with pytest.raises(ValueError, match="severity 'critical'"):
        alarms.topic_for("critical")
    hooks = HOOKS
    assert {s.metric for s in hooks} >= {
        "CPUUtilization",
        "FreeStorageSpace",
        "ReplicaLag",
        "DatabaseMemoryUsagePercentage",
        "ApproximateAgeOfOldestMessage",
        "ApproximateNumberOfMessagesVisible",
        "ClusterStatus.red",
    }
    assert len({s.role for s in hooks}) == len(hooks)

    record = alone()
    topics = {t.outputs["arn"]: inputs(t)["name"] for t in obs(record, TOPIC)}
    by_name = {inputs(a)["name"]: inputs(a) for a in obs(record, ALARM)}
    nat_alarms = 2 * len(ARGS.nat_gateway_ids)
    assert len(by_name) == len(hooks) + nat_alarms
    for spec in hooks:
        alarm = by_name[f"obs-alarm-{spec.role}"]
        assert topics[alarm["alarmActions"][0]] == f"obs-{alarms.topic_for(spec.severity)}-topic"


def test_invalid_args_are_reported_at_once_before_anything_exists() -> None:
    bad = replace(
        ARGS,
        slos=(CATALOG[0], replace(CATALOG[0], target=2.0)),
        log_retention_days=31,
        trace_sampling_rate=1.5,
        firewall_name="fw",
    )
    found = " | ".join(problems("gam-a-very-long-stack-name-obs", bad))
    for part in (
        f"slo {CATALOG[0].name}: target 2.0",
        "named more than once",
        "log_retention_days 31",
        "trace_sampling_rate 1.5",
        "too long for the X-Ray sampling rule",
        "firewall_name needs firewall_zones",
    ):
        assert part in found, part
    with pytest.raises(InvalidArgs):
        run_program(
            lambda: ObservabilityStack("obs", bad) and None, stack="test", region="eu-west-1"
        )


def test_the_component_registers_its_outputs() -> None:
    (component,) = [r for r in alone().resources if r.type == TYPE_TOKEN]
    assert set(component.outputs) == {
        "workspaceArn",
        "workspaceId",
        "remoteWriteUrl",
        "region",
        "topicArns",
    }


def test_only_the_publishers_may_use_the_alerts_key(stack_records: dict[str, Record]) -> None:
    record = stack_records["prod"]
    (key,) = [
        k for k in own(record, KEY) if inputs(k)["description"].startswith("Encrypts the alert")
    ]
    statements = json.loads(inputs(key)["policy"])["Statement"]
    services = {
        s["Principal"]["Service"]: s for s in statements if "Service" in s.get("Principal", {})
    }
    assert set(services) == {"aps.amazonaws.com", "cloudwatch.amazonaws.com"}
    for statement in services.values():
        assert statement["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    cloudwatch = services["cloudwatch.amazonaws.com"]["Condition"]
    assert cloudwatch == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
