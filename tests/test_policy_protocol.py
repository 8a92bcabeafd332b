"""The pack as its own process, called over the Analyzer gRPC protocol as the engine calls it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.tags import standard_tags
from gam_offline import analyzer
from gam_offline.records import RESOURCE_SIG, SECRET_SIG, SIG, Record, RecordedResource
from tests.support import PACK_DIR

STACK = "prod"
TAGS = standard_tags(project="gam-platform", environment=STACK, owner="team", cost_center="cc-1")


def resource(type_: str, name: str, inputs: dict[str, Any], **options: Any) -> RecordedResource:
    urn = f"urn:pulumi:{STACK}::gam-platform::{type_}::{name}"
    return RecordedResource(
        urn=urn,
        type=type_,
        name=name,
        parent=None,
        custom=True,
        remote=False,
        id=f"{name}-id",
        inputs=inputs,
        outputs={**inputs, "arn": f"arn:aws:test:::{name}"},
        options={"protect": False, "dependencies": [], "propertyDependencies": {}, **options},
    )


def analyze(
    *resources: RecordedResource, config: dict[str, Any] | None = None
) -> analyzer.PolicyReport:
    record = Record(
        stack=STACK, project="gam-platform", region="eu-west-1", resources=list(resources)
    )
    return analyzer.evaluate(record, PACK_DIR, config=config)


def fired(report: analyzer.PolicyReport, name: str) -> set[str]:
    return {v.policy for v in report.violations if v.urn.endswith(f"::{name}")}


UNSAFE_RDS = resource(
    "aws:rds/instance:Instance",
    "legacy-db",
    {
        "engine": "postgres",
        "instanceClass": "db.t3.micro",
        "allocatedStorage": 20,
        "storageEncrypted": False,
        "publiclyAccessible": True,
        "username": "admin",
        "password": {SIG: SECRET_SIG, "value": "hunter2hunter2"},
        "tags": TAGS,
    },
)


@pytest.fixture(scope="module")
def unsafe_rds_report() -> analyzer.PolicyReport:
    return analyze(UNSAFE_RDS)


def test_an_unencrypted_public_rds_instance_is_refused_by_the_right_policies(
    unsafe_rds_report: analyzer.PolicyReport,
) -> None:
    names = fired(unsafe_rds_report, "legacy-db")
    assert {"rds-storage-encrypted", "rds-not-publicly-accessible"} <= names
    assert {
        "rds-multi-az",
        "rds-backup-retention",
        "rds-deletion-protection",
        "rds-iam-auth",
    } <= names
    assert "protect-stateful-resources" in names  # prod, and not protected
    assert all(v.level == "mandatory" for v in unsafe_rds_report.violations)
    assert not any(n.startswith(("s3-", "kms-", "eks-")) for n in names)


def test_violations_carry_the_urn_severity_and_the_policys_message(
    unsafe_rds_report: analyzer.PolicyReport,
) -> None:
    encrypted = next(v for v in unsafe_rds_report.violations if v.policy == "rds-storage-encrypted")
    assert encrypted.urn == UNSAFE_RDS.urn
    assert encrypted.severity in {"high", "critical"}
    assert "storageEncrypted" in encrypted.message


def test_a_resource_of_each_domain_is_judged_over_the_protocol() -> None:
    open_sg = resource(
        "aws:ec2/securityGroup:SecurityGroup",
        "open-sg",
        {
            "description": "ssh",
            "ingress": [
                {
                    "protocol": "tcp",
                    "fromPort": 22,
                    "toPort": 22,
                    "cidrBlocks": ["0.0.0.0/0"],
                    "description": "ssh",
                }
            ],
            "tags": TAGS,
        },
    )
    key = resource(
        "aws:kms/key:Key", "plain-key", {"enableKeyRotation": False, "tags": TAGS}, protect=True
    )
    logs = resource(
        "aws:cloudwatch/logGroup:LogGroup", "logs", {"retentionInDays": 7, "tags": TAGS}
    )
    admin = resource(
        "aws:iam/policy:Policy",
        "admin",
        {
            "policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
            "tags": TAGS,
        },
    )
    bucket = resource(
        "aws:s3/bucket:Bucket",
        "raw",
        {"bucket": "raw", "tags": {**TAGS, "Purpose": "data"}},
        protect=True,
    )
    queue = resource("aws:sqs/queue:Queue", "jobs", {"tags": {**TAGS, "Environment": "dev"}})
    report = analyze(open_sg, key, logs, admin, bucket, queue)
    assert "network-sg-public-ingress" in fired(report, "open-sg")
    assert fired(report, "plain-key") == {
        "kms-key-rotation",
        "kms-key-deletion-window",
        "kms-key-policy",
    }
    assert fired(report, "logs") == {"cloudwatch-log-group-kms", "cloudwatch-log-group-retention"}
    assert "iam-no-admin-statements" in fired(report, "admin")
    assert {"s3-bucket-sse-kms", "s3-bucket-public-access-block", "s3-bucket-tls-only"} <= fired(
        report, "raw"
    )
    assert "tags-environment-matches-stack" in fired(report, "jobs")


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_each_stack_passes_every_mandatory_policy(policy_reports, stack: str) -> None:
    report = policy_reports[stack]
    assert report.policies_evaluated >= 60
    assert [(v.policy, v.urn) for v in report.mandatory()] == []


def test_an_exemption_needs_a_reason_and_shows_in_the_report() -> None:
    exempt = {
        "rds-iam-auth": {
            "exemptions": [
                {"resource": "legacy-db", "reason": "vendor app cannot use IAM tokens (TICKET-42)"}
            ]
        }
    }
    report = analyze(UNSAFE_RDS, config=exempt)
    assert "rds-iam-auth" not in fired(report, "legacy-db")
    assert "rds-storage-encrypted" in fired(report, "legacy-db")  # one named policy only
    assert [(e.policy, e.urn, e.reason) for e in report.exemptions] == [
        ("rds-iam-auth", UNSAFE_RDS.urn, "vendor app cannot use IAM tokens (TICKET-42)")
    ]
    with pytest.raises(analyzer.PolicyConfigError, match=r"rds-iam-auth\.exemptions\.0\.reason"):
        analyze(
            UNSAFE_RDS,
            config={
                "rds-iam-auth": {"exemptions": [{"resource": "legacy-db", "reason": "legacy"}]}
            },
        )


def test_policy_config_is_checked_like_the_engine_does() -> None:
    with pytest.raises(analyzer.PolicyConfigError) as caught:
        analyze(
            UNSAFE_RDS,
            config={
                "no-such-policy": "advisory",
                "rds-backup-retention": {"minimumRetentionDays": "7"},
            },
        )
    assert "no-such-policy: no such policy" in str(caught.value)
    assert "rds-backup-retention.minimumRetentionDays" in str(caught.value)


def test_thresholds_and_levels_come_from_the_stack_config() -> None:
    report = analyze(
        UNSAFE_RDS, config={"rds-multi-az": "advisory", "rds-storage-encrypted": "disabled"}
    )
    levels = {v.policy: v.level for v in report.violations}
    assert levels["rds-multi-az"] == "advisory"
    assert "rds-storage-encrypted" not in levels
    assert report.levels["rds-storage-encrypted"] == "disabled"


def test_resource_references_reach_the_pack_as_ids_as_the_engine_sends_them() -> None:
    component = resource(
        "eks:index:Cluster",
        "eks",
        {"tags": TAGS},
    )
    component.custom = False
    component.outputs["eksCluster"] = {SIG: RESOURCE_SIG, "urn": "urn:x", "id": "cluster-id"}
    report = analyze(component)  # would fail to deserialize a raw reference
    assert report.policies_evaluated >= 60


# --- what AnalyzeStack carries, and components ---------------------------------------


def test_analyze_stack_carries_a_resources_outputs_secret_where_its_inputs_were() -> None:
    database = resource(
        "aws:rds/instance:Instance", "db", {"password": {SIG: SECRET_SIG, "value": "hunter2"}}
    )
    database.outputs = {"password": "hunter2", "endpoint": "db.example:5432"}  # a provider's
    assert analyzer.stack_properties(database) == {
        "password": {SIG: SECRET_SIG, "value": "hunter2"},
        "endpoint": "db.example:5432",
        "id": "db-id",
    }


def test_analyze_stack_carries_a_components_registered_outputs_never_its_inputs() -> None:
    component = resource("eks:index:ManagedNodeGroup", "workers", {"subnetIds": ["subnet-pub"]})
    component.custom, component.id = False, None
    component.outputs = {"nodeGroup": {SIG: RESOURCE_SIG, "urn": "urn:x", "id": "workers"}}
    assert analyzer.stack_properties(component) == component.outputs
    request = analyzer.stack_resource(component, {})
    assert set(request.properties) == {"nodeGroup"}
    assert request.properties["nodeGroup"] == "workers"  # a reference reaches a policy as its id


def test_a_component_without_properties_is_reported_not_applicable_not_passed() -> None:
    bare = resource("eks:index:Cluster", "bare", {})
    bare.custom, bare.id, bare.outputs = False, None, {}
    report = analyze(bare)
    assert fired(report, "bare") == set()
    skipped = {n.policy for n in report.not_applicable if n.urn == bare.urn}
    assert {
        "eks-endpoint-not-public",
        "eks-secrets-encryption",
        "eks-authentication-mode-api",
        "tags-required",
    } <= skipped
    assert all("registered without properties" in n.reason for n in report.not_applicable)
    assert report.to_json()["not_applicable"][0]["urn"] == bare.urn


def test_a_managed_node_group_in_public_subnets_is_refused_through_its_node_group() -> None:
    import pulumi
    import pulumi_aws as aws
    import pulumi_eks as eks

    from gam_offline import engine

    def program() -> None:
        public = aws.ec2.Subnet(
            "public-a", vpc_id="vpc-1", cidr_block="10.0.0.0/24", tags={"Tier": "public"}
        )
        cluster = eks.Cluster(
            "eks",
            skip_default_node_group=True,
            authentication_mode=eks.AuthenticationMode.API,
            use_default_vpc_cni=True,
        )
        eks.ManagedNodeGroup(
            "workers",
            cluster=cluster,
            version="1.33",
            subnet_ids=[public.id],
            node_role_arn="arn:aws:iam::123456789012:role/nodes",
            opts=pulumi.ResourceOptions(depends_on=[public]),
        )

    record = engine.run_program(program, stack=STACK, region="eu-west-1")
    report = analyzer.evaluate(record, PACK_DIR)
    refused = [v for v in report.violations if v.policy == "eks-node-group-private-subnets"]
    group = record.one("aws:eks/nodeGroup:NodeGroup")
    assert [v.urn for v in refused] == [group.urn]
    assert "Tier=public, expected Tier=private" in refused[0].message


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("", 0.0), ("30m", 1800.0), ("1h30m", 5400.0), ("1.5s", 1.5), ("250ms", 0.25)],
)
def test_custom_timeouts_reach_the_pack_in_seconds_as_the_engine_sends_them(
    text: str, seconds: float
) -> None:
    assert analyzer.duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["30", "thirty minutes", "5x", "1h 30m"])
def test_a_custom_timeout_that_is_not_a_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        analyzer.duration_seconds(text)
