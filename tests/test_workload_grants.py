"""The workloads' roles hold exactly the grants of `stacks.grants.WORKLOADS`, the database
Jobs are wired to the secret store, and the managed services' alarms reach the topics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from components.alarms import topic_for
from components.data_lake import BUCKETS
from gam_offline.records import Record, RecordedResource
from infra import settings
from stacks import grants, platform
from tests.support import ROOT, STACKS

S3_READ = {"s3:ListBucket", "s3:GetObject"}
S3_WRITE = {"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}


def _statements(record: Record, role: RecordedResource) -> Iterator[tuple[str, str]]:
    """(action, resource) pairs the role's inline policies allow."""
    for policy in record.by_type("aws:iam/rolePolicy:RolePolicy"):
        inputs = policy.plain_inputs()
        if inputs["role"] != role.outputs["name"]:
            continue
        for statement in json.loads(inputs["policy"])["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"]
            resources = statement["Resource"]
            for action in [actions] if isinstance(actions, str) else actions:
                for resource in [resources] if isinstance(resources, str) else resources:
                    yield action, resource


def _role(record: Record, namespace: str, service_account: str) -> RecordedResource:
    (association,) = [
        a
        for a in record.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if a.plain_inputs()["namespace"] == namespace
        and a.plain_inputs()["serviceAccount"] == service_account
    ]
    arn = association.plain_inputs()["roleArn"]
    (role,) = [r for r in record.by_type("aws:iam/role:Role") if r.outputs["arn"] == arn]
    return role


def _buckets(record: Record) -> dict[str, str]:
    """The data lake's bucket ARNs by role (raw, processed, ...)."""
    by_name = {
        b.outputs["bucket"]: b.outputs["arn"] for b in record.by_type("aws:s3/bucket:Bucket")
    }
    return {role: by_name[name] for role, name in _outputs(record)["bucketNames"].items()}


def _outputs(record: Record) -> dict[str, Any]:
    return record.masked_outputs()


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("workload", sorted(grants.WORKLOADS))
def test_each_workload_role_holds_exactly_the_grants_of_its_table_row(
    stack_records: dict[str, Record], stack: str, workload: str
) -> None:
    record = stack_records[stack]
    grant = grants.WORKLOADS[workload]
    namespace = _outputs(record)["workloadNamespaces"][grant.namespace]
    allowed = set(_statements(record, _role(record, namespace, grant.service_account)))
    buckets = _buckets(record)
    assert set(buckets) >= {"raw", "processed"}

    s3 = {(a, r) for a, r in allowed if a.startswith("s3:")}
    expected_s3 = {("s3:ListBucket", buckets[b]) for b in grant.read_buckets}
    expected_s3 |= {("s3:GetObject", f"{buckets[b]}/*") for b in grant.read_buckets}
    expected_s3 |= {(a, f"{buckets[b]}/*") for b in grant.write_buckets for a in S3_WRITE}
    assert s3 == expected_s3

    queues = {q.outputs["arn"] for q in record.by_type("aws:sqs/queue:Queue")}
    received = {r for a, r in allowed if a == "sqs:ReceiveMessage"}
    dead_letters = {
        q.outputs["arn"]
        for q in record.by_type("aws:sqs/queue:Queue")
        if q.plain_inputs()["tags"].get("QueueRole") == "dead-letter"
    }
    assert received == (queues - dead_letters if grant.consume_queues else set())
    assert not {a for a, _ in allowed if a == "sqs:SendMessage"}  # the topic feeds the queues

    topic = _outputs(record)["pipelineTopicArn"]
    assert {r for a, r in allowed if a == "sns:Publish"} == (
        {topic} if grant.publish_events else set()
    )

    users = {r.rsplit("/", 1)[1] for a, r in allowed if a == "rds-db:connect"}
    assert users == ({grant.database_user} if grant.database_user else set())
    assert any(a == "elasticache:Connect" for a, _ in allowed) == grant.cache
    assert any(a.startswith("appconfig:") for a, _ in allowed) == grant.feature_flags

    services = {a.split(":", 1)[0] for a, _ in allowed}
    assert services <= {"s3", "kms", "sqs", "sns", "rds-db", "elasticache", "appconfig"}
    assert not [a for a, _ in allowed if a.endswith("*") and not a.startswith("kms:")]


def test_the_table_keeps_each_workload_to_its_part_of_the_pipeline() -> None:
    api, worker, spa = (grants.WORKLOADS[w] for w in ("api", "worker", "spa"))
    assert api.write_buckets == ("raw",) and "raw" not in api.read_buckets
    assert not api.consume_queues and worker.consume_queues
    assert "raw" not in worker.write_buckets  # raw data is written once, by the upload path
    assert spa == grants.WorkloadGrants(
        namespace="spa", service_account="gam-spa", feature_flags=True
    )
    assert grants.database_users() == ("gam_api", "gam_worker")


def test_grants_naming_what_the_stack_does_not_have_are_refused_all_at_once() -> None:
    table = {
        "a": grants.WorkloadGrants(namespace="batch", service_account="x", read_buckets=("gold",)),
        "b": grants.WorkloadGrants(namespace="api", service_account="x"),
        "c": grants.WorkloadGrants(namespace="api", service_account="x"),
    }
    found = grants.problems(table, namespaces={"api", "workers"}, buckets={"raw"})
    assert found == [
        "a: namespace 'batch' is not one of ['api', 'workers']",
        "a: buckets ['gold'] are not in the data lake ['raw']",
        "service accounts [('api', 'x')] hold more than one workload role",
    ]
    assert (
        grants.problems(
            grants.WORKLOADS, namespaces={"api", "workers", "spa"}, buckets={"raw", "processed"}
        )
        == []
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_extension_job_reads_the_master_secret_through_a_grant_of_that_secret_only(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    secret_arn = _outputs(record)["databaseSecretArn"]
    (credentials,) = [
        r
        for r in record.by_type("kubernetes:external-secrets.io/v1:ExternalSecret")
        if r.name.endswith("database-jobs-master")
    ]
    remote = {d["remoteRef"]["key"] for d in credentials.plain_inputs()["spec"]["data"]}
    assert remote == {secret_arn}
    (grant,) = [
        p
        for p in record.by_type("aws:iam/rolePolicy:RolePolicy")
        if p.name.endswith("external-secrets-database-master")
    ]
    reads = [
        s
        for s in json.loads(grant.plain_inputs()["policy"])["Statement"]
        if "secretsmanager:GetSecretValue" in s["Action"]
    ]
    assert [s["Resource"] for s in reads] == [secret_arn]
    store = record.one("kubernetes:external-secrets.io/v1:ClusterSecretStore")
    instance = next(
        r
        for r in record.by_type("aws:rds/instance:Instance")
        if r.name.endswith("database-primary")
    )
    assert {grant.urn, store.urn, instance.urn} <= set(credentials.options["dependencies"])
    (job,) = [j for j in record.by_type("kubernetes:batch/v1:Job") if j.name.endswith("extensions")]
    assert credentials.urn in job.options["dependencies"]
    (container,) = job.plain_inputs()["spec"]["template"]["spec"]["containers"]
    engine = instance.plain_inputs()["engineVersion"]
    assert container["image"].endswith(f"/docker/library/postgres:{engine}-alpine")
    assert ".dkr.ecr." in container["image"]  # through the pull-through cache
    sql = container["command"][-1]
    for user in grants.database_users():
        assert f"GRANT rds_iam TO {user};" in sql


@pytest.mark.parametrize("stack", STACKS)
def test_the_managed_services_alarms_notify_the_topic_of_their_severity(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    topics = _outputs(record)["alertTopicArns"]
    alarms = {
        a.name: a.plain_inputs()
        for a in record.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.plain_inputs()["namespace"] in ("AWS/RDS", "AWS/ElastiCache", "AWS/SQS")
    }
    queues = [q for q in _outputs(record)["queueUrls"]]
    replicas = [
        r
        for r in record.by_type("aws:rds/instance:Instance")
        if r.plain_inputs().get("replicateSourceDb")
    ]
    assert len(alarms) == 2 * len(queues) + 1 + 2 + 3 * len(replicas)
    for alarm in alarms.values():
        severity = alarm["tags"]["Severity"]
        assert alarm["alarmActions"] == [topics[topic_for(severity)]]
        assert alarm["okActions"] == alarm["alarmActions"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_collector_writes_to_the_observability_stacks_workspace(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    (collector,) = [
        r
        for r in record.by_type("kubernetes:helm.sh/v3:Release")
        if r.name.endswith("adot-collector")
    ]
    exporter = collector.plain_inputs()["values"]["config"]["exporters"]["prometheusremotewrite"]
    assert exporter["endpoint"] == _outputs(record)["prometheusRemoteWriteUrl"]


def test_the_data_lake_has_exactly_the_buckets_the_grants_are_checked_against(
    stack_records: dict[str, Record],
) -> None:
    for record in stack_records.values():
        names = set(_outputs(record)["bucketNames"])
        assert {n for n in names if not n.startswith("dr-")} == set(BUCKETS)  # dr-: prod's DR logs


def test_a_bad_grant_is_refused_before_any_resource_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = grants.WorkloadGrants(namespace="batch", service_account="x", write_buckets=("gold",))
    monkeypatch.setitem(grants.WORKLOADS, "batch", bad)

    def no_resource(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a resource was created before the grants were checked")

    monkeypatch.setattr(platform, "Networking", no_resource)
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    with pytest.raises(ValueError, match=r"batch: namespace 'batch'.*\n.*buckets \['gold'\]"):
        platform.build(settings.load("dev", config))
