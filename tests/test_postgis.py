"""PostgisDatabase and DatabaseJobs under the offline engine: one program with every
option on (allowed groups, proxy, replica, DR replication, the Jobs on a real
pulumi_kubernetes provider, a grant), and the pure rules beside them."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import database_jobs
from components.database_jobs import DatabaseJobs, DatabaseJobsArgs, Migration, extension_sql
from components.database_jobs import problems as job_problems
from components.postgis import PostgisDatabase, PostgisDatabaseArgs, parameters
from components.postgis import problems as database_problems
from components.postgis_values import (
    EXTENSIONS,
    SUPPORTED_MAJORS,
    connect_policy,
    parameter_group_family,
    value_problems,
    windows_overlap,
)
from components.tags import standard_tags
from gam_offline import engine
from gam_offline.records import Record, RecordedResource
from infra import settings

TAGS = standard_tags(project="gam-platform", environment="dev", owner="team", cost_center="cc")
CLIENTS = ("sg-0aaaaaaaaaaaaaaaa", "sg-0bbbbbbbbbbbbbbbb")
INSTANCE = "aws:rds/instance:Instance"
JOB = "kubernetes:batch/v1:Job"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
QUOTA = "kubernetes:core/v1:ResourceQuota"
ACCESS_POLICY = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
DATA_CIDRS = ("10.20.248.0/22", "10.20.252.0/22")


def args(**overrides: Any) -> PostgisDatabaseArgs:
    base: dict[str, Any] = {
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": ["subnet-0a", "subnet-0b"],
        "allowed_security_group_ids": CLIENTS,
        "tags": TAGS,
    }
    return PostgisDatabaseArgs(**{**base, **overrides})


REFUSALS: list[str] = []


def program() -> None:
    database = PostgisDatabase(
        "gam-dev-db",
        args(
            proxy=True,
            read_replicas=1,
            backup_replication_region="eu-central-1",
            deletion_protection=True,
            final_snapshot=True,
        ),
    )
    role = aws.iam.Role("app", assume_role_policy="{}")
    database.grant_connect(role, "gam_app")
    without_iam = PostgisDatabase("gam-dev-noiam", args(iam_database_authentication=False))
    try:
        without_iam.grant_connect(role, "gam_app")
    except ValueError as error:
        REFUSALS.append(str(error))
    provider = k8s.Provider("cluster", kubeconfig="{}")
    store = k8s.apiextensions.CustomResource(
        "aws-secrets",
        api_version="external-secrets.io/v1",
        kind="ClusterSecretStore",
        spec={"provider": {"aws": {"service": "SecretsManager", "region": "eu-west-1"}}},
        opts=pulumi.ResourceOptions(provider=provider),
    )
    DatabaseJobs(
        "gam-dev-db-jobs",
        DatabaseJobsArgs(
            provider=provider,
            database=database,
            secret_store=store,
            secret_store_name="aws-secrets",
            data_cidrs=DATA_CIDRS,
            environment="dev",
            client_image="public.ecr.aws/docker/library/postgres:17.6-alpine",
            migration=Migration(image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/gam/api:1.4.2"),
        ),
    )


@pytest.fixture(scope="module")
def record() -> Record:
    REFUSALS.clear()
    return engine.run_program(program, stack="dev", region="eu-west-1")


def named(record: Record, type_: str, name: str) -> RecordedResource:
    return next(r for r in record.by_type(type_) if r.name == name)


# --- network ---------------------------------------------------------------------------


def test_postgres_is_admitted_only_from_the_groups_passed_in_and_the_proxy(record: Record) -> None:
    db_group = named(record, "aws:ec2/securityGroup:SecurityGroup", "gam-dev-db-sg")
    proxy_group = named(record, "aws:ec2/securityGroup:SecurityGroup", "gam-dev-db-proxy-sg")
    rules = [r.plain_inputs() for r in record.by_type(INGRESS) if r.name.startswith("gam-dev-db-")]
    for rule in rules:
        assert (
            not rule.get("cidrIpv4") and not rule.get("cidrIpv6") and not rule.get("prefixListId")
        )
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 5432, 5432)
        assert rule["description"].startswith("PostgreSQL")
    sources = {(r["securityGroupId"], r["referencedSecurityGroupId"]) for r in rules}
    assert sources == {
        *((db_group.id, sg) for sg in CLIENTS),
        *((proxy_group.id, sg) for sg in CLIENTS),
        (db_group.id, proxy_group.id),
    }
    for group in (db_group, proxy_group):
        assert not group.plain_inputs().get("ingress")


def test_arguments_are_checked_all_at_once_before_anything_exists() -> None:
    found = database_problems(
        args(
            engine_version="15.4",
            instance_class="m7g.large",
            max_allocated_storage_gb=20,
            allowed_security_group_ids=("10.0.0.0/16",),
            proxy=True,
            iam_database_authentication=False,
        )
    )
    assert len(found) == 5
    assert any("10.0.0.0/16" in p and "security group ids" in p for p in found)


# --- credentials -------------------------------------------------------------------------


def test_grant_connect_attaches_exactly_connect_for_that_user_on_the_instances_and_proxy(
    record: Record,
) -> None:
    grant = named(record, "aws:iam/rolePolicy:RolePolicy", "gam-dev-db-connect-gam-app")
    assert grant.plain_inputs()["role"] == named(record, "aws:iam/role:Role", "app").id
    ids = [
        named(record, INSTANCE, "gam-dev-db-primary").outputs["resourceId"],
        named(record, INSTANCE, "gam-dev-db-replica-1").outputs["resourceId"],
        named(record, "aws:rds/proxy:Proxy", "gam-dev-db-proxy").outputs["arn"].rsplit(":", 1)[-1],
    ]
    prefix = "arn:aws:rds-db:eu-west-1:123456789012:dbuser:"
    assert json.loads(grant.plain_inputs()["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ConnectAsOneDatabaseUser",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": [f"{prefix}{i}/gam_app" for i in ids],
            }
        ],
    }
    assert ids[0].startswith("db-") and ids[2].startswith("prx-")


def test_grant_connect_refuses_when_iam_auth_is_off(record: Record) -> None:
    assert len(REFUSALS) == 1 and "IAM database authentication off" in REFUSALS[0]
    assert connect_policy(["arn:x"], "u")["Statement"][0]["Resource"] == ["arn:x/u"]


def test_the_master_password_is_managed_by_rds_under_the_key_and_rotated(record: Record) -> None:
    primary = named(record, INSTANCE, "gam-dev-db-primary").plain_inputs()
    key = named(record, "aws:kms/key:Key", "gam-dev-db-key")
    assert primary["manageMasterUserPassword"] is True
    assert primary["masterUserSecretKmsKeyId"] == key.outputs["arn"]
    assert "password" not in primary and "passwordWo" not in primary
    rotation = named(
        record, "aws:secretsmanager/secretRotation:SecretRotation", "gam-dev-db-secret-rotation"
    )
    secret = named(record, INSTANCE, "gam-dev-db-primary").outputs["masterUserSecrets"][0]
    assert rotation.plain_inputs()["secretId"] == secret["secretArn"]
    assert rotation.plain_inputs()["rotationRules"] == {"automaticallyAfterDays": 7}


# --- availability and backups ----------------------------------------------------------------


def test_the_replica_is_encrypted_in_the_same_subnets_and_takes_no_final_snapshot(
    record: Record,
) -> None:
    primary = named(record, INSTANCE, "gam-dev-db-primary").plain_inputs()
    replica = named(record, INSTANCE, "gam-dev-db-replica-1").plain_inputs()
    assert replica["replicateSourceDb"] == primary["identifier"]
    assert replica["storageEncrypted"] is True and replica["kmsKeyId"] == primary["kmsKeyId"]
    assert replica["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in replica
    assert replica["deletionProtection"] is True
    assert primary["finalSnapshotIdentifier"] == "gam-dev-db-final"


def test_backups_are_replicated_to_the_dr_region_through_its_own_provider(record: Record) -> None:
    provider = named(record, "pulumi:providers:aws", "gam-dev-db-dr")
    assert provider.plain_inputs()["region"] == "eu-central-1"
    replication = record.one(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
    )
    dr_key = named(record, "aws:kms/key:Key", "gam-dev-db-dr-key")
    for resource in (replication, dr_key):
        assert resource.options["provider"].startswith(provider.urn)
    inputs = replication.plain_inputs()
    assert (
        inputs["sourceDbInstanceArn"]
        == named(record, INSTANCE, "gam-dev-db-primary").outputs["arn"]
    )
    assert inputs["kmsKeyId"] == dr_key.outputs["arn"]


def test_exported_logs_go_to_groups_made_first_with_retention_and_the_key(record: Record) -> None:
    for name, identifier in (("primary", "gam-dev-db"), ("replica-1", "gam-dev-db-replica-1")):
        instance = named(record, INSTANCE, f"gam-dev-db-{name}")
        for kind in ("postgresql", "upgrade"):
            group = named(
                record, "aws:cloudwatch/logGroup:LogGroup", f"gam-dev-db-logs-{name}-{kind}"
            )
            assert group.plain_inputs()["name"] == f"/aws/rds/instance/{identifier}/{kind}"
            assert group.plain_inputs()["retentionInDays"] == 30
            assert group.plain_inputs()["kmsKeyId"] == instance.plain_inputs()["kmsKeyId"]
            assert group.urn in instance.options["dependencies"]


def test_the_proxy_uses_iam_end_to_end_and_requires_tls(record: Record) -> None:
    proxy = named(record, "aws:rds/proxy:Proxy", "gam-dev-db-proxy").plain_inputs()
    assert proxy["defaultAuthScheme"] == "IAM_AUTH" and "auths" not in proxy
    assert proxy["requireTls"] is True and proxy["debugLogging"] is False
    target = record.one("aws:rds/proxyTarget:ProxyTarget").plain_inputs()
    assert target["dbInstanceIdentifier"] == "gam-dev-db"


# --- the enablement Job and the migration gate ---------------------------------------------


def test_the_extension_job_runs_after_the_instance_and_the_secret_store(record: Record) -> None:
    instance = named(record, INSTANCE, "gam-dev-db-primary")
    store = record.one(STORE)
    credentials = record.one(EXTERNAL_SECRET)
    job = named(record, JOB, "gam-dev-db-jobs-extensions")
    for before in (instance, store):
        assert before.urn in credentials.options["dependencies"]
    for before in (instance, store, credentials):
        assert before.urn in job.options["dependencies"]
    migrations = named(record, JOB, "gam-dev-db-jobs-migrations")
    assert job.urn in migrations.options["dependencies"]
    assert job.options["provider"].startswith(record.one("pulumi:providers:kubernetes").urn)


def test_the_jobs_read_the_password_by_reference_and_never_hold_it(record: Record) -> None:
    secret_arn = named(record, INSTANCE, "gam-dev-db-primary").outputs["masterUserSecrets"][0]
    credentials = record.one(EXTERNAL_SECRET).plain_inputs()
    assert {d["remoteRef"]["key"] for d in credentials["spec"]["data"]} == {secret_arn["secretArn"]}
    for job in record.by_type(JOB):
        container = job.plain_inputs()["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        assert env["PGPASSWORD"] == {
            "name": "PGPASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "gam-dev-db-jobs-master", "key": "password"}},
        }
        assert env["PGSSLMODE"]["value"] == "require"
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_extension_job_creates_every_extension_idempotently_and_records_versions(
    record: Record,
) -> None:
    job = named(record, JOB, "gam-dev-db-jobs-extensions").plain_inputs()
    command = job["spec"]["template"]["spec"]["containers"][0]["command"]
    sql = command[-1]
    assert command[:4] == ["psql", "--no-psqlrc", "--set", "ON_ERROR_STOP=1"]
    for extension in EXTENSIONS:
        assert f"CREATE EXTENSION IF NOT EXISTS {extension};" in sql
    assert "INSERT INTO gam_platform.extension_versions" in sql and sql == extension_sql()
    assert job["metadata"]["annotations"] == {"pulumi.com/replaceUnready": "true"}


def test_the_jobs_and_the_master_secret_live_in_a_guarded_namespace_of_their_own(
    record: Record,
) -> None:
    (namespace,) = [n.plain_inputs()["metadata"] for n in record.by_type(NAMESPACE)]
    assert namespace["name"] == database_jobs.NAMESPACE
    assert namespace["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    in_it = [
        *record.by_type(JOB),
        *record.by_type(EXTERNAL_SECRET),
        *record.by_type(QUOTA),
        *record.by_type(NETWORK_POLICY),
    ]
    for resource in in_it:
        assert resource.plain_inputs()["metadata"]["namespace"] == database_jobs.NAMESPACE
    policies = {
        p.plain_inputs()["metadata"]["name"]: p.plain_inputs()["spec"]
        for p in record.by_type(NETWORK_POLICY)
    }
    assert set(policies) == {"default-deny", "allow-dns", "allow-database"}
    (egress,) = policies["allow-database"]["egress"]
    assert egress == {
        "to": [{"ipBlock": {"cidr": c}} for c in DATA_CIDRS],
        "ports": [{"port": 5432, "protocol": "TCP"}],
    }
    assert "ingress" not in policies["default-deny"]
    assert record.one(QUOTA).plain_inputs()["spec"]["hard"] == database_jobs.QUOTA


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_master_secret_is_outside_every_namespace_deployers_are_scoped_to(
    stack_records: dict[str, Record], stack: str
) -> None:
    """Deployers' access entries are scoped to the workload namespaces (`deploy_namespaces`
    in `stacks.platform`, their scoping tested in test_eks); the synced master secret and
    the Jobs are in none of them."""
    record = stack_records[stack]
    deployable = set(record.outputs["workloadNamespaces"].values())
    (secret,) = record.by_type(EXTERNAL_SECRET)
    jobs = [j for j in record.by_type(JOB) if "database-jobs" in j.name]
    assert jobs
    for resource in (secret, *jobs):
        namespace = resource.plain_inputs()["metadata"]["namespace"]
        assert namespace == database_jobs.NAMESPACE not in deployable


def test_unpinned_job_images_and_a_bad_namespace_are_refused_at_once() -> None:
    found = job_problems(
        DatabaseJobsArgs(
            provider=None,  # type: ignore[arg-type]
            database=None,  # type: ignore[arg-type]
            secret_store=None,  # type: ignore[arg-type]
            secret_store_name="s",
            data_cidrs=(),
            environment="dev",
            namespace="Not_A_Label",
            client_image="postgres:latest",
            migration=Migration(image="registry/app", command=()),
        )
    )
    assert len(found) == 5
    assert any("namespace 'Not_A_Label'" in f for f in found)
    assert any("data_cidrs is empty" in f for f in found)


def test_a_workload_namespace_may_not_take_the_database_jobs_one() -> None:
    with pytest.raises(ValueError, match="the database Jobs' own namespace"):
        settings.WorkloadNamespaceNames(workers=database_jobs.NAMESPACE)


# --- no password anywhere ------------------------------------------------------------------


def _keys_and_strings(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [kv for k, v in value.items() for kv in _keys_and_strings(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [kv for i, v in enumerate(value) for kv in _keys_and_strings(v, f"{path}.{i}")]
    return [(path, value)]


def test_no_plaintext_password_is_in_any_recorded_input_or_output(record: Record) -> None:
    allowed = {"manageMasterUserPassword"}
    for resource in record.resources:
        for where in (resource.inputs, resource.outputs):
            for path, value in _keys_and_strings(where):
                leaf = path.rsplit(".", 1)[-1]
                if "password" in leaf.lower() and leaf not in allowed:
                    raise AssertionError(f"{resource.name}: {path} = {value!r}")
    assert not [k for k in record.outputs if "password" in k.lower()]


# --- pure rules ------------------------------------------------------------------------------


@given(major=st.sampled_from(SUPPORTED_MAJORS), minor=st.integers(0, 99))
def test_the_parameter_group_family_follows_the_major(major: int, minor: int) -> None:
    assert parameter_group_family(f"{major}.{minor}") == f"postgres{major}"
    assert value_problems(**{**VALID, "engine_version": f"{major}.{minor}"}) == []


def test_majors_without_postgis_3_and_malformed_versions_are_refused() -> None:
    for version in ("15.8", "17", "17.x", "18.0"):
        assert value_problems(**{**VALID, "engine_version": version})


def test_the_parameters_force_tls_and_preload_pg_stat_statements() -> None:
    found = {p["name"]: p["value"] for p in parameters(250)}
    assert found["rds.force_ssl"] == "1"
    assert found["shared_preload_libraries"] == "pg_stat_statements"
    assert found["log_min_duration_statement"] == "250"
    assert found["log_connections"] == found["log_disconnections"] == "1"


@pytest.mark.parametrize(
    ("backup", "maintenance", "overlap"),
    [
        ("02:00-03:00", "sun:03:30-sun:04:30", False),
        ("02:00-03:00", "sun:02:30-sun:03:30", True),
        ("23:30-00:30", "mon:00:00-mon:01:00", True),
        ("23:30-00:30", "sun:23:45-mon:00:15", True),
        ("04:00-05:00", "sat:23:00-sun:01:00", False),
    ],
)
def test_the_backup_window_must_not_meet_the_maintenance_window(
    backup: str, maintenance: str, overlap: bool
) -> None:
    assert windows_overlap(backup, maintenance) is overlap


VALID: dict[str, Any] = {
    "engine_version": "17.6",
    "instance_class": "db.r7g.large",
    "allocated_storage_gb": 100,
    "max_allocated_storage_gb": 1000,
    "database_name": "gam",
    "master_username": "gam_admin",
    "read_replicas": 1,
    "backup_retention_days": 35,
    "backup_replication_retention_days": 14,
    "backup_window": "02:00-03:00",
    "maintenance_window": "sun:03:30-sun:04:30",
    "monitoring_interval": 60,
    "log_retention_days": 365,
    "ca_certificate": "rds-ca-rsa2048-g1",
}
