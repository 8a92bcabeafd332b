"""Chaos drills: the FIS templates have stop conditions on SLO alarms, a role each that
may act on its target only, RBAC for the pod fault, an encrypted log; off in prod and
dev, on in staging; their price."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import chaos
from components.base import InvalidArgs
from components.chaos import ChaosDrillsArgs
from components.tags import standard_tags
from gam_offline.pricing import Unpriceable, action_minutes
from gam_offline.records import Record, RecordedResource

TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"
K8S_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)


def templates(record: Record) -> dict[str, dict[str, Any]]:
    return {t.name.rsplit("chaos-", 1)[1]: t.plain_inputs() for t in record.by_type(TEMPLATE)}


def named(record: Record, type_: str, suffix: str) -> RecordedResource:
    return next(r for r in record.by_type(type_) if r.name.endswith(suffix))


def by_arn(record: Record, type_: str) -> dict[str, RecordedResource]:
    return {r.outputs["arn"]: r for r in record.by_type(type_)}


# --- where the drills exist ---------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_chaos_is_off_by_default_in_prod_and_in_dev(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    assert record.by_type(TEMPLATE) == []
    assert "chaosTemplateIds" not in record.outputs


def test_staging_has_the_three_drills_of_the_blueprint(stack_records: dict[str, Record]) -> None:
    drills = templates(stack_records["staging"])
    assert {name: t["actions"][0]["actionId"] for name, t in drills.items()} == {
        "node-failure": "aws:eks:terminate-nodegroup-instances",
        "pod-disruption": "aws:eks:pod-delete",
        "database-outage": "aws:rds:reboot-db-instances",
    }


# --- stop conditions --------------------------------------------------------------------


def test_the_fis_templates_have_stop_conditions_on_the_slo_alarms(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["staging"]
    alarms = by_arn(record, ALARM)
    expected = {
        "gam-staging-obs-alarm-canary-spa-failing",
        "gam-staging-obs-alarm-canary-api-failing",
        "gam-staging-identity-api-5xx",
    }
    for name, template in templates(record).items():
        conditions = template["stopConditions"]
        assert {c["source"] for c in conditions} == {"aws:cloudwatch:alarm"}, name
        assert {alarms[c["value"]].name for c in conditions} == expected, name


def test_the_pack_holds_the_templates_to_a_mandatory_stop_condition_rule(
    policy_reports: dict[str, Any],
) -> None:
    """That the rule fires on a template without one: tests/policies/cases_drills.py
    (and over the protocol, tests/test_policy_mutation.py)."""
    report = policy_reports["staging"]
    assert [v for v in report.violations if v.policy.startswith("fis-")] == []
    assert report.levels["fis-template-stop-condition"] == "mandatory"


# --- roles --------------------------------------------------------------------------------


def policy_of(record: Record, drill: str) -> dict[str, Any]:
    return json.loads(named(record, POLICY, f"chaos-{drill}-policy").plain_inputs()["policy"])


def test_each_drill_has_a_role_of_its_own_that_only_fis_of_this_account_assumes(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["staging"]
    roles = by_arn(record, ROLE)
    used = {name: t["roleArn"] for name, t in templates(record).items()}
    assert len(set(used.values())) == 3
    for arn in used.values():
        trust = json.loads(roles[arn].plain_inputs()["assumeRolePolicy"])
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"Service": "fis.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_the_node_drill_terminates_only_worker_instances(stack_records: dict[str, Record]) -> None:
    record = stack_records["staging"]
    doc = policy_of(record, "node-failure")
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    worker = named(record, "aws:eks/nodeGroup:NodeGroup", "eks-worker")
    assert by_sid["DescribeTheNodeGroup"]["Resource"] == worker.outputs["arn"]
    assert by_sid["TerminateItsInstancesOnly"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/eks:nodegroup-name": worker.outputs["nodeGroupName"]}
    }
    target = templates(record)["node-failure"]["targets"][0]
    assert target["resourceArns"] == [worker.outputs["arn"]]


def test_the_database_drill_reboots_only_the_database_with_failover_when_multi_az(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["staging"]
    instance = named(record, "aws:rds/instance:Instance", "database-primary")
    doc = policy_of(record, "database-outage")
    reboot = next(s for s in doc["Statement"] if s["Sid"] == "RebootTheDatabaseOnly")
    assert reboot["Resource"] == instance.outputs["arn"]
    action = templates(record)["database-outage"]["actions"][0]
    assert instance.plain_inputs()["multiAz"] is True
    assert action["parameters"] == [{"key": "forceFailover", "value": "true"}]


def test_the_pod_drill_acts_through_rbac_in_one_namespace_only(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["staging"]
    role = named(record, K8S_ROLE, "chaos-fis-role").plain_inputs()
    binding = named(record, BINDING, "chaos-fis-role-binding").plain_inputs()
    entry = named(record, ACCESS_ENTRY, "chaos-pod-disruption-access").plain_inputs()
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == "gam-workers"
    assert role["rules"] == [dict(r) for r in chaos.POD_FAULT_RULES]
    assert {(s["kind"], s["name"]) for s in binding["subjects"]} == {
        ("ServiceAccount", chaos.FIS_SERVICE_ACCOUNT),
        ("User", chaos.FIS_KUBERNETES_USER),
    }
    pod_role_arn = templates(record)["pod-disruption"]["roleArn"]
    assert entry["principalArn"] == pod_role_arn
    assert entry["userName"] == chaos.FIS_KUBERNETES_USER
    assert "accessPolicyArn" not in entry  # no cluster-wide access policy: RBAC decides
    target = templates(record)["pod-disruption"]["targets"][0]
    assert target["parameters"]["namespace"] == "gam-workers"


def test_the_experiment_log_is_encrypted_and_every_template_writes_to_it(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["staging"]
    group = named(record, "aws:cloudwatch/logGroup:LogGroup", "chaos-log")
    key = named(record, "aws:kms/key:Key", "chaos-log-key")
    assert group.plain_inputs()["kmsKeyId"] == key.outputs["arn"]
    for template in templates(record).values():
        logs = template["logConfiguration"]["cloudwatchLogsConfiguration"]
        assert logs["logGroupArn"] == f"{group.outputs['arn']}:*"


# --- validation and price -----------------------------------------------------------------


def test_every_problem_with_the_drills_is_reported_at_once() -> None:
    bad = ChaosDrillsArgs(
        stop_alarm_arns=[],
        node_group_arn="arn:aws:eks:eu-west-1:1:nodegroup/c/w/1",
        node_termination_percent=0,
        log_retention_days=42,
        tags=TAGS,
    )
    with pytest.raises(InvalidArgs) as caught:
        chaos.ChaosDrills("gam-test-chaos", bad)
    text = "\n".join(caught.value.problems)
    for expected in (
        "stop_alarm_arns is empty",
        "node_termination_percent 0",
        "node_group_arn and node_group_name go together",
        "log_retention_days 42",
    ):
        assert expected in text


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=120)), max_size=5))
def test_an_experiment_is_billed_its_action_minutes_one_at_least_per_action(
    durations: list[int | None],
) -> None:
    actions = [
        {"parameters": [] if d is None else [{"key": "duration", "value": f"PT{d}M"}]}
        for d in durations
    ]
    expected = sum(1 if d is None else max(1, d) for d in durations)
    assert action_minutes(actions) == expected


def test_an_unreadable_action_duration_is_unpriced_not_free() -> None:
    with pytest.raises(Unpriceable, match="PT"):
        action_minutes([{"parameters": [{"key": "duration", "value": "10 minutes"}]}])
    assert action_minutes([{"parameters": [{"key": "duration", "value": "PT1H30S"}]}]) == 60.5
