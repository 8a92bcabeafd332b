"""The log store (ADR 0018): the OpenSearch domain per tier, its documents, the setup
Job, Fluent Bit's output to it and its alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import log_search_documents as documents
from components import log_search_setup as setup
from components.base import InvalidArgs
from components.log_search import (
    LOG_GROUPS,
    LogSearch,
    LogSearchArgs,
    problems,
)
from components.tags import standard_tags
from gam_offline.engine import stack_config
from gam_offline.records import Record, RecordedResource
from infra import settings
from tests.support import ROOT, STACKS

DOMAIN = "aws:opensearch/domain:Domain"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
ACCOUNT = "123456789012"
WITH_LOG_STORE = ("staging", "prod")


def stack_settings(stack: str) -> settings.Settings:
    return settings.load(stack, stack_config(stack, ROOT)[0])


def domain(record: Record) -> dict[str, Any]:
    return record.one(DOMAIN).plain_inputs()


def named(record: Record, name: str) -> RecordedResource:
    (found,) = [r for r in record.resources if r.name == name]
    return found


def fluent_bit(record: Record) -> dict[str, Any]:
    (release,) = [
        r.plain_inputs()
        for r in record.by_type("kubernetes:helm.sh/v3:Release")
        if r.plain_inputs()["name"] == "fluent-bit"
    ]
    values: dict[str, Any] = release["values"]
    return values


def role_policy(record: Record, service_account: str) -> dict[str, Any]:
    (association,) = [
        a.plain_inputs()
        for a in record.by_type(ASSOCIATION)
        if a.plain_inputs()["serviceAccount"] == service_account
    ]
    (role,) = [
        r for r in record.by_type("aws:iam/role:Role") if r.outputs["arn"] == association["roleArn"]
    ]
    (policy,) = [
        p.plain_inputs()
        for p in record.by_type("aws:iam/rolePolicy:RolePolicy")
        if p.plain_inputs()["role"] == role.id
    ]
    document: dict[str, Any] = json.loads(policy["policy"])
    return document


# --- the documents (pure) -------------------------------------------------------------


def test_the_repository_documents_parse_and_make_a_usable_pair() -> None:
    policy = documents.load(documents.ISM_POLICY_FILE)
    template = documents.load(documents.INDEX_TEMPLATE_FILE)
    assert documents.document_problems(policy, template) == []
    assert set(documents.transition_ages(policy)) == {"warm", "delete"}


@given(warm=st.integers(1, 400), extra=st.integers(1, 3000))
def test_the_rendered_policy_carries_the_ages_it_is_given(warm: int, extra: int) -> None:
    policy = documents.ism_policy(warm_after_days=warm, retention_days=warm + extra)
    assert documents.transition_ages(policy) == {"warm": warm, "delete": warm + extra}
    assert documents.document_problems(policy, documents.load(documents.INDEX_TEMPLATE_FILE)) == []


@pytest.mark.parametrize(("warm", "retention"), [(0, 30), (30, 30), (31, 30)])
def test_a_warm_age_not_below_the_retention_is_refused(warm: int, retention: int) -> None:
    with pytest.raises(ValueError, match="warm_after_days"):
        documents.ism_policy(warm_after_days=warm, retention_days=retention)


def test_broken_documents_are_named() -> None:
    policy = documents.load(documents.ISM_POLICY_FILE)
    template = documents.load(documents.INDEX_TEMPLATE_FILE)
    skipped = json.loads(json.dumps(policy))
    skipped["policy"]["states"][0]["transitions"][0]["state_name"] = "delete"
    assert "hot -> warm -> delete" in " ".join(documents.document_problems(skipped, template))
    no_delete = json.loads(json.dumps(policy))
    no_delete["policy"]["states"][2]["actions"] = []
    assert "does not delete" in " ".join(documents.document_problems(no_delete, template))
    elsewhere = json.loads(json.dumps(template))
    elsewhere["index_patterns"] = ["logs-*"]
    assert "must both cover" in " ".join(documents.document_problems(policy, elsewhere))
    unmapped = json.loads(json.dumps(template))
    del unmapped["template"]["mappings"]["properties"]["data"]["properties"]["correlation_id"]
    assert "correlation_id" in " ".join(documents.document_problems(policy, unmapped))


@pytest.mark.parametrize(("nodes", "replicas"), [(1, 0), (2, 1), (3, 1), (6, 1)])
def test_replicas_only_where_a_second_node_can_hold_them(nodes: int, replicas: int) -> None:
    template = documents.index_template(data_nodes=nodes)
    assert template["template"]["settings"]["index"]["number_of_replicas"] == replicas


def test_writers_may_write_the_log_indices_only_and_admins_get_all_access() -> None:
    found = documents.security(
        admin_arns=["arn:aws:iam::1:role/admin"], writer_arns=["arn:aws:iam::1:role/fluent-bit"]
    )
    writer = found["roles"][documents.WRITER_ROLE]
    assert [p["index_patterns"] for p in writer["index_permissions"]] == [[documents.INDEX_PATTERN]]
    assert "delete" not in json.dumps(writer) and "all_access" not in json.dumps(writer)
    assert found["roles_mapping"] == {
        "all_access": {"backend_roles": ["arn:aws:iam::1:role/admin"]},
        documents.WRITER_ROLE: {"backend_roles": ["arn:aws:iam::1:role/fluent-bit"]},
    }


# --- the setup script (pure planning) ---------------------------------------------------

NAMES = {"policy": "gam-logs", "template": "gam-logs", "pattern": "gam-logs-*"}


def _calls() -> list[setup.Call]:
    security = documents.security(admin_arns=["a"], writer_arns=["w"])
    return setup.plan(NAMES, {"policy": {}}, {"index_patterns": []}, security)


def test_the_setup_plans_roles_then_mappings_then_template_then_policy() -> None:
    paths = [f"{c.method} {c.path}" for c in _calls()]
    assert paths == [
        "PUT _plugins/_security/api/roles/gam_log_writer",
        "PUT _plugins/_security/api/rolesmapping/all_access",
        "PUT _plugins/_security/api/rolesmapping/gam_log_writer",
        "PUT _index_template/gam-logs",
        "GET _plugins/_ism/policies/gam-logs",
        "POST _plugins/_ism/change_policy/gam-logs-*",
        "POST _plugins/_ism/add/gam-logs-*",
    ]
    # no log index yet is no failure; everything else must succeed
    assert [404 in c.accept for c in _calls()] == [False] * 4 + [True] * 3


def _run(policy_answer: tuple[int, dict[str, Any]], fail: str = "") -> list[str]:
    sent: list[str] = []

    def send(call: setup.Call) -> tuple[int, dict[str, Any]]:
        sent.append(f"{call.method} {call.path}")
        if call.method == "GET":
            return policy_answer
        return (403, {"error": "denied"}) if fail and fail in call.path else (200, {})

    setup.run(_calls(), {"policy": {}}, NAMES, send)
    return sent


def test_the_setup_creates_a_missing_policy_and_updates_an_existing_one() -> None:
    assert "PUT _plugins/_ism/policies/gam-logs" in _run((404, {}))
    updated = _run((200, {"_seq_no": 7, "_primary_term": 2}))
    assert "PUT _plugins/_ism/policies/gam-logs?if_seq_no=7&if_primary_term=2" in updated


def test_the_setup_fails_on_a_refused_request() -> None:
    with pytest.raises(RuntimeError, match="HTTP 403"):
        _run((404, {}), fail="_index_template")


# --- settings per tier ------------------------------------------------------------------


def test_dev_has_no_log_store_and_staging_and_prod_have_one(
    stack_records: dict[str, Record],
) -> None:
    assert {s for s in STACKS if stack_records[s].by_type(DOMAIN)} == set(WITH_LOG_STORE)


@pytest.mark.parametrize("stack", WITH_LOG_STORE)
def test_the_domain_is_sized_as_the_settings_say(
    stack_records: dict[str, Record], stack: str
) -> None:
    logs = stack_settings(stack).log_search
    found = domain(stack_records[stack])
    cluster = found["clusterConfig"]
    assert (cluster["instanceType"], cluster["instanceCount"]) == (
        logs.instance_type,
        logs.instance_count,
    )
    assert found["engineVersion"] == logs.engine_version
    assert found["ebsOptions"] == {
        "ebsEnabled": True,
        "volumeType": "gp3",
        "volumeSize": logs.volume_size_gb,
    }
    assert len(found["vpcOptions"]["subnetIds"]) == logs.zone_count


def test_prod_has_dedicated_masters_and_three_zones(stack_records: dict[str, Record]) -> None:
    cluster = domain(stack_records["prod"])["clusterConfig"]
    assert cluster["dedicatedMasterEnabled"] is True and cluster["dedicatedMasterCount"] == 3
    assert cluster["zoneAwarenessEnabled"] is True
    assert cluster["zoneAwarenessConfig"] == {"availabilityZoneCount": 3}
    staging = domain(stack_records["staging"])["clusterConfig"]
    assert staging["dedicatedMasterEnabled"] is False
    assert staging["zoneAwarenessConfig"] == {"availabilityZoneCount": 2}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dedicatedMasterType": None}, "dedicated masters"),
        ({"zoneCount": 2, "instanceCount": 4}, "3 zones"),
        ({"warmAfterDays": 60, "retentionDays": 60}, "below retentionDays"),
        ({"instanceCount": 4}, "multiple of zoneCount"),
        ({"engineVersion": "Elasticsearch_7.10"}, "OpenSearch_X.Y"),
    ],
)
def test_prod_settings_that_lose_availability_or_sense_are_named(
    change: dict[str, Any], message: str
) -> None:
    config = stack_config("prod", ROOT)[0]
    config["gam:logSearch"] = {**config.get("gam:logSearch", {}), **change}
    with pytest.raises(settings.SettingsError) as error:
        settings.load("prod", config)
    assert any(
        key == "gam:logSearch" or key.startswith("gam:logSearch.")
        for key, _ in error.value.problems
    )
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("grafana", "message"),
    [
        ({"inVpc": False}, "Grafana searches it from the VPC: set observability.grafana.inVpc"),
        (
            {
                "openSearchDomainArn": "arn:aws:es:eu-west-1:123456789012:domain/other",
                "openSearchEndpoint": "vpc-other.eu-west-1.es.amazonaws.com",
            },
            "unset observability.grafana.openSearchDomainArn",
        ),
    ],
)
def test_grafana_beside_the_log_store_must_search_it_from_the_vpc(
    grafana: dict[str, Any], message: str
) -> None:
    config = stack_config("staging", ROOT)[0]
    observability = config.get("gam:observability", {})
    config["gam:observability"] = {
        **observability,
        "grafana": {**observability.get("grafana", {}), **grafana},
    }
    with pytest.raises(settings.SettingsError) as error:
        settings.load("staging", config)
    assert message in dict(error.value.problems)["gam:logSearch"]


def test_the_log_store_needs_the_cluster() -> None:
    config = stack_config("staging", ROOT)[0]
    config["gam:eks"] = {**config.get("gam:eks", {}), "enabled": False}
    with pytest.raises(settings.SettingsError, match="eks"):
        settings.load("staging", config)


# --- the domain's security --------------------------------------------------------------


@pytest.mark.parametrize("stack", WITH_LOG_STORE)
def test_only_the_nodes_and_grafanas_security_groups_reach_it_on_https(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    group = named(record, f"gam-{stack}-logs-sg")
    rules = [
        r.plain_inputs()
        for r in record.by_type(INGRESS)
        if r.plain_inputs()["securityGroupId"] == group.id
    ]
    grafana = named(record, f"gam-{stack}-obs-grafana-workspace-sg")
    assert sorted(r["referencedSecurityGroupId"] for r in rules) == sorted(
        [record.outputs["eksNodeSecurityGroupId"], grafana.id]
    )
    for rule in rules:
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 443, 443)
        assert "cidrIpv4" not in rule and "cidrIpv6" not in rule
    found = domain(record)
    assert found["vpcOptions"]["securityGroupIds"] == [group.id]
    data_subnets = record.outputs["dataSubnetIds"]
    assert set(found["vpcOptions"]["subnetIds"]) <= set(data_subnets)


@pytest.mark.parametrize("stack", WITH_LOG_STORE)
def test_it_is_encrypted_with_its_own_rotating_key_and_https_only(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    found = domain(record)
    key = named(record, f"gam-{stack}-logs-key")
    assert found["encryptAtRest"] == {"enabled": True, "kmsKeyId": key.outputs["arn"]}
    assert key.plain_inputs()["enableKeyRotation"] is True
    assert found["nodeToNodeEncryption"] == {"enabled": True}
    assert found["domainEndpointOptions"] == {
        "enforceHttps": True,
        "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
    }


@pytest.mark.parametrize("stack", WITH_LOG_STORE)
def test_the_master_user_is_the_setup_jobs_role_and_only_this_account_gets_in(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    security = domain(record)["advancedSecurityOptions"]
    (association,) = [
        a.plain_inputs()
        for a in record.by_type(ASSOCIATION)
        if a.plain_inputs()["serviceAccount"] == "log-search-setup"
    ]
    assert security["enabled"] is True and security["internalUserDatabaseEnabled"] is False
    assert security["anonymousAuthEnabled"] is False
    assert security["masterUserOptions"] == {"masterUserArn": association["roleArn"]}
    (statement,) = json.loads(domain(record)["accessPolicies"])["Statement"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert statement["Resource"] == f"arn:aws:es:eu-west-1:{ACCOUNT}:domain/gam-{stack}-logs/*"
    assert record.one(DOMAIN).outputs["arn"] == statement["Resource"].removesuffix("/*")
    admin = role_policy(record, "log-search-setup")["Statement"][0]
    assert admin["Resource"] == [statement["Resource"].removesuffix("/*"), statement["Resource"]]


@pytest.mark.parametrize("stack", WITH_LOG_STORE)
def test_its_logs_go_to_encrypted_groups_only_it_may_write(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    logs = stack_settings(stack).log_search
    groups = {role: named(record, f"gam-{stack}-logs-{role}-logs") for role in LOG_GROUPS}
    key = named(record, f"gam-{stack}-logs-key").outputs["arn"]
    for group in groups.values():
        inputs = group.plain_inputs()
        assert inputs["retentionInDays"] == logs.log_retention_days and inputs["kmsKeyId"] == key
    published = {
        o["logType"]: o["cloudwatchLogGroupArn"] for o in domain(record)["logPublishingOptions"]
    }
    assert published == {
        log_type: groups[role].outputs["arn"]
        for role, types in LOG_GROUPS.items()
        for log_type in types
    }
    policy = record.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy").plain_inputs()
    (statement,) = json.loads(policy["policyDocument"])["Statement"]
    assert statement["Principal"] == {"Service": "es.amazonaws.com"}
    assert sorted(statement["Resource"]) == sorted(f"{g.outputs['arn']}:*" for g in groups.values())
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


# --- Fluent Bit, the setup Job, the alarms ----------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_fluent_bit_ships_to_the_domain_where_there_is_one(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    values = fluent_bit(record)
    statements = role_policy(record, "fluent-bit")["Statement"]
    assert values["filter"]["mergeLogKey"] == documents.MERGE_LOG_KEY  # what the template maps
    if stack not in WITH_LOG_STORE:
        assert values["opensearch"] == {"enabled": False}
        assert [s["Sid"] for s in statements] == ["WriteToTheContainerLogGroupOnly"]
        return
    output = values["opensearch"]
    assert output["enabled"] is True and output["host"] == record.one(DOMAIN).outputs["endpoint"]
    assert (output["awsAuth"], output["tls"], output["port"]) == ("On", "On", "443")
    assert output["logstashPrefix"] == documents.INDEX_PREFIX
    (ship,) = [s for s in statements if s["Sid"] == "ShipToTheLogDomainOnly"]
    arn = record.one(DOMAIN).outputs["arn"]
    assert ship["Action"] == ["es:ESHttpPost", "es:ESHttpPut"]
    assert ship["Resource"] == [arn, f"{arn}/*"]


@pytest.mark.parametrize("stack", WITH_LOG_STORE)
def test_the_setup_job_applies_this_stacks_documents_after_the_domain(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    logs = stack_settings(stack).log_search
    config = record.one("kubernetes:core/v1:ConfigMap").plain_inputs()["data"]
    policy = json.loads(config[setup.POLICY_FILE])
    assert documents.transition_ages(policy) == {
        "warm": logs.warm_after_days,
        "delete": logs.retention_days,
    }
    template = json.loads(config[setup.TEMPLATE_FILE])
    assert template["template"]["settings"]["index"]["number_of_replicas"] == 1
    mapping = json.loads(config[setup.SECURITY_FILE])["roles_mapping"]
    fluent_bit_role = {
        a.plain_inputs()["serviceAccount"]: a.plain_inputs()["roleArn"]
        for a in record.by_type(ASSOCIATION)
    }
    assert mapping[documents.WRITER_ROLE]["backend_roles"] == [fluent_bit_role["fluent-bit"]]
    assert fluent_bit_role["log-search-setup"] in mapping["all_access"]["backend_roles"]
    grafana_role = named(record, f"gam-{stack}-obs-grafana-role").outputs["arn"]
    assert mapping["readall"]["backend_roles"] == [grafana_role]
    assert (
        config["log_search_setup.py"] == (ROOT / "components" / "log_search_setup.py").read_text()
    )
    (job,) = [j for j in record.by_type("kubernetes:batch/v1:Job") if "logs" in j.name]
    assert record.one(DOMAIN).urn in job.options["dependencies"]
    pod = job.plain_inputs()["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "log-search-setup"
    assert pod["containers"][0]["image"].endswith(f"/ecr-public/{logs.setup_image}")
    assert pod["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("stack", WITH_LOG_STORE)
def test_cluster_red_pages_and_yellow_tickets(stack_records: dict[str, Record], stack: str) -> None:
    record = stack_records[stack]
    topics = record.outputs["alertTopicArns"]
    alarms = {
        a.plain_inputs()["metricName"]: a.plain_inputs()
        for a in record.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.plain_inputs()["namespace"] == "AWS/ES"
    }
    assert set(alarms) == {"ClusterStatus.red", "ClusterStatus.yellow"}
    red, yellow = alarms["ClusterStatus.red"], alarms["ClusterStatus.yellow"]
    assert red["alarmActions"] == [topics["pager"]] and red["alarmDescription"].startswith("[sev2]")
    assert yellow["alarmActions"] == [topics["slack"]]
    assert yellow["alarmDescription"].startswith("[sev3]")
    for alarm in (red, yellow):
        assert alarm["dimensions"] == {"DomainName": f"gam-{stack}-logs", "ClientId": ACCOUNT}


# --- the component's own checks -----------------------------------------------------------


def test_bad_arguments_are_all_named_at_once() -> None:
    args = LogSearchArgs(
        vpc_id="vpc-1",
        subnet_ids=["subnet-1"],
        client_security_group_ids=[],
        cluster=None,  # type: ignore[arg-type]  # never reached: validation comes first
        setup_image="img:1",
        engine_version="OpenSearch_1.3",
        instance_type="m7g.large",
        instance_count=4,
        zone_count=3,
        dedicated_master_count=4,
        dedicated_master_type="m7g.large.search",
        volume_size_gb=5,
        warm_after_days=30,
        retention_days=30,
        log_retention_days=17,
        tags=standard_tags(project="p", environment="t", owner="o", cost_center="c"),
    )
    found = problems("Bad_Name", args)
    for part in (
        "name 'Bad_Name'",
        "engine_version",
        "instance_type",
        "multiple of zone_count",
        "dedicated_master_count",
        "volume_size_gb",
        "warm_after_days",
        "log_retention_days",
        "client_security_group_ids",
    ):
        assert any(part in p for p in found), part
    with pytest.raises(InvalidArgs):
        LogSearch("Bad_Name", args)
