"""RDS: DB instances, Aurora and Multi-AZ DB clusters, their parameter and subnet groups.

Instance-level settings (public access, Performance Insights, enhanced monitoring)
live on `aws.rds.Instance`, on each Aurora `aws.rds.ClusterInstance`, and on a
Multi-AZ DB cluster (an `aws.rds.Cluster` with `db_cluster_instance_class`), never
on an Aurora `aws.rds.Cluster` itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gam_policies.framework import (
    Context,
    Resource,
    Rule,
    cis,
    dig,
    fsbp,
    on,
    require,
    require_set,
)
from gam_policies.rules._shared import (
    SUBNET_READS,
    items,
    linked_to,
    number,
    shown,
    subnet_tier_violations,
)

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"

DATABASES = (INSTANCE, CLUSTER)
HOSTS = (INSTANCE, CLUSTER_INSTANCE, CLUSTER)

# Log types each engine must export (FSBP RDS.9/RDS.36/RDS.37); other engines: any.
MYSQL_LOGS = ("audit", "error", "general", "slowquery")
LOG_EXPORTS = {
    "postgres": ("postgresql", "upgrade"),
    "aurora-postgresql": ("postgresql",),
    "mysql": MYSQL_LOGS,
    "mariadb": MYSQL_LOGS,
    "aurora-mysql": MYSQL_LOGS,
}

# The parameter that refuses unencrypted connections, by parameter group family prefix.
FORCE_SSL = (
    (("postgres", "aurora-postgresql", "sqlserver"), "rds.force_ssl", ("1",)),
    (("mysql", "mariadb", "aurora-mysql"), "require_secure_transport", ("1", "on")),
)


def is_aurora_cluster(resource: Resource) -> bool:
    return resource.type == CLUSTER and not resource.get("dbClusterInstanceClass")


def _host_reads(*paths: str) -> dict[str, tuple[str, ...]]:
    """Instance-level paths on every host; a cluster is first told Aurora or Multi-AZ."""
    return {**on(HOSTS, *paths), CLUSTER: ("dbClusterInstanceClass", *paths)}


def _storage_encrypted(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(resource, "storageEncrypted", True, "Storage is not encrypted")
    yield from require_set(resource, "kmsKeyId", "Storage is not encrypted with a customer key")


def _not_public(resource: Resource, ctx: Context) -> Iterator[str]:
    if not is_aurora_cluster(resource):
        yield from require(
            resource, "publiclyAccessible", False, "The database gets a public address"
        )


def _multi_az(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    for resource in resources:
        if resource.type == INSTANCE:
            for message in require(resource, "multiAz", True, "Single-AZ instance"):
                yield resource.urn, f"`{resource.name}`: {message}"
        elif is_aurora_cluster(resource):
            members = linked_to(resource, resources, (CLUSTER_INSTANCE,), "clusterIdentifier")
            zones = {m.get("availabilityZone") or m.urn for m in members}
            if len(zones) < 2:
                yield (
                    resource.urn,
                    (
                        f"Aurora cluster `{resource.name}` has {len(members)} {CLUSTER_INSTANCE} "
                        f"in {len(zones)} availability zone(s); a failover target needs a second "
                        "instance in another zone."
                    ),
                )


def _backup_retention(resource: Resource, ctx: Context) -> Iterator[str]:
    minimum = ctx.config["minimumRetentionDays"]
    days = number(resource, "backupRetentionPeriod")
    if days is None or days < minimum:
        kept = "unset" if days is None else f"{shown(days)} days"
        yield (
            "Backups are kept too briefly: `backupRetentionPeriod` is "
            f"{kept}, minimum {shown(minimum)}."
        )


def _deletion_protection(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(resource, "deletionProtection", True, "The database can be deleted")


def _final_snapshot(resource: Resource, ctx: Context) -> Iterator[str]:
    if resource.type == INSTANCE and resource.get("replicateSourceDb"):
        return  # AWS refuses a final snapshot of a read replica; its source's are kept
    what = "Deleting the database leaves no final snapshot"
    yield from require(resource, "skipFinalSnapshot", False, what)
    yield from require_set(resource, "finalSnapshotIdentifier", what)


def _iam_auth(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource, "iamDatabaseAuthenticationEnabled", True, "IAM database authentication is off"
    )


def _performance_insights(resource: Resource, ctx: Context) -> Iterator[str]:
    if is_aurora_cluster(resource):
        return
    yield from require(resource, "performanceInsightsEnabled", True, "Performance Insights is off")
    yield from require_set(
        resource, "performanceInsightsKmsKeyId", "Performance Insights data has no customer key"
    )


def _enhanced_monitoring(resource: Resource, ctx: Context) -> Iterator[str]:
    if is_aurora_cluster(resource):
        return
    interval = number(resource, "monitoringInterval")
    if not interval or interval <= 0:
        yield "Enhanced monitoring is off: `monitoringInterval` must be 1, 5, 10, 15, 30 or 60."
    yield from require_set(resource, "monitoringRoleArn", "Enhanced monitoring has no role")


def _log_exports(resource: Resource, ctx: Context) -> Iterator[str]:
    exported = set(items(resource, "enabledCloudwatchLogsExports"))
    required = LOG_EXPORTS.get(str(resource.get("engine")), ())
    missing = [log for log in required if log not in exported]
    if missing or not exported:
        yield (
            "Database logs are not sent to CloudWatch Logs: `enabledCloudwatchLogsExports` "
            f"lacks {', '.join(missing) or 'any log type'}."
        )


def _force_ssl(resource: Resource, ctx: Context) -> Iterator[str]:
    family = str(resource.get("family") or "")
    if resource.type == PARAMETER_GROUP and family.startswith("aurora"):
        return  # Aurora sets TLS enforcement in the cluster parameter group
    if not family:
        yield "The parameter group's `family` is not set, so its TLS setting cannot be verified."
    for prefixes, name, accepted in FORCE_SSL:
        if not family.startswith(prefixes):
            continue
        values = [dig(p, "value") for p in items(resource, "parameters") if dig(p, "name") == name]
        if not any(str(v).strip().lower() in accepted for v in values):
            yield f"Unencrypted connections are accepted: `parameters` must set `{name}` = 1."


def _subnet_group_in_data_subnets(
    resources: Sequence[Resource], ctx: Context
) -> Iterator[tuple[str, str]]:
    for group in resources:
        if group.type == SUBNET_GROUP:
            for message in subnet_tier_violations(group, "subnetIds", resources, "data"):
                yield group.urn, message


RULES: list[Rule] = [
    Rule(
        name="rds-storage-encrypted",
        description=(
            "Unencrypted database storage, snapshots and replicas expose the data to anyone "
            "who obtains a copy; a customer key also lets access to it be revoked."
        ),
        severity="high",
        remediation=(
            "Set `storage_encrypted=True` and `kms_key_id=` a customer-managed key ARN on "
            "aws.rds.Instance / aws.rds.Cluster (an existing database must be restored from "
            "an encrypted snapshot copy)."
        ),
        controls=(fsbp("RDS.3"), fsbp("RDS.27"), cis("2.3.1")),
        resource_types=DATABASES,
        check=_storage_encrypted,
        reads=on(DATABASES, "storageEncrypted", "kmsKeyId"),
    ),
    Rule(
        name="rds-not-publicly-accessible",
        description=(
            "A publicly accessible database gets an internet-resolvable address and is one "
            "security group rule away from being exposed."
        ),
        severity="critical",
        remediation=(
            "Set `publicly_accessible=False` on aws.rds.Instance, on each "
            "aws.rds.ClusterInstance, and on Multi-AZ DB aws.rds.Cluster resources."
        ),
        controls=(fsbp("RDS.2"), cis("2.3.3")),
        resource_types=HOSTS,
        check=_not_public,
        reads=_host_reads("publiclyAccessible"),
    ),
    Rule(
        name="rds-multi-az",
        description=(
            "A database in one availability zone goes down with that zone and during "
            "maintenance; a standby or reader in another zone takes over."
        ),
        severity="medium",
        remediation=(
            "Set `multi_az=True` on aws.rds.Instance; give each Aurora aws.rds.Cluster at "
            "least two aws.rds.ClusterInstance resources (`cluster_identifier=cluster.id`) in "
            "different `availability_zone`s."
        ),
        controls=(fsbp("RDS.5"), fsbp("RDS.15")),
        category="reliability",
        stack_check=_multi_az,
        reads={
            INSTANCE: ("multiAz",),
            CLUSTER: ("dbClusterInstanceClass", "id", "arn"),
            CLUSTER_INSTANCE: ("clusterIdentifier", "availabilityZone"),
        },
    ),
    Rule(
        name="rds-backup-retention",
        description=(
            "Too short a backup retention leaves no point in time to restore to once "
            "corruption or a bad migration is noticed."
        ),
        severity="medium",
        remediation=(
            "Set `backup_retention_period=` at least the configured `minimumRetentionDays` on "
            "aws.rds.Instance / aws.rds.Cluster."
        ),
        controls=(fsbp("RDS.11"),),
        category="reliability",
        resource_types=DATABASES,
        check=_backup_retention,
        reads=on(DATABASES, "backupRetentionPeriod"),
        config={
            "minimumRetentionDays": {
                "type": "integer",
                "default": 7,
                "minimum": 1,
                "description": "Fewest days of automated backups to keep.",
            }
        },
    ),
    Rule(
        name="rds-deletion-protection",
        description=(
            "Without deletion protection one mistaken `pulumi destroy` or replacement "
            "deletes the database."
        ),
        severity="high",
        remediation="Set `deletion_protection=True` on aws.rds.Instance / aws.rds.Cluster.",
        controls=(fsbp("RDS.8"), fsbp("RDS.7")),
        category="reliability",
        resource_types=DATABASES,
        check=_deletion_protection,
        reads=on(DATABASES, "deletionProtection"),
    ),
    Rule(
        name="rds-final-snapshot",
        description=(
            "Deleting a database without a final snapshot throws away its data and, with "
            "it, every automated backup."
        ),
        severity="medium",
        remediation=(
            "Set `skip_final_snapshot=False` and `final_snapshot_identifier=` a unique name on "
            "aws.rds.Instance / aws.rds.Cluster (not on read replicas: DeleteDBInstance refuses "
            "a final snapshot of a replica)."
        ),
        controls=(fsbp("RDS.8"), fsbp("RDS.7")),
        category="reliability",
        resource_types=DATABASES,
        check=_final_snapshot,
        reads={
            **on(DATABASES, "skipFinalSnapshot", "finalSnapshotIdentifier"),
            INSTANCE: ("skipFinalSnapshot", "finalSnapshotIdentifier", "replicateSourceDb"),
        },
    ),
    Rule(
        name="rds-iam-auth",
        description=(
            "Database passwords are long-lived shared secrets; IAM authentication issues "
            "short-lived tokens tied to an audited identity."
        ),
        severity="medium",
        remediation=(
            "Set `iam_database_authentication_enabled=True` on aws.rds.Instance / "
            "aws.rds.Cluster and grant `rds-db:connect` to the roles that need it."
        ),
        controls=(fsbp("RDS.10"), fsbp("RDS.12")),
        resource_types=DATABASES,
        check=_iam_auth,
        reads=on(DATABASES, "iamDatabaseAuthenticationEnabled"),
    ),
    Rule(
        name="rds-performance-insights",
        description=(
            "Performance Insights records query text, which holds data; without it slow "
            "queries go unseen, and without a customer key that text is not under our key."
        ),
        severity="low",
        remediation=(
            "Set `performance_insights_enabled=True` and `performance_insights_kms_key_id=` a "
            "customer-managed key ARN on aws.rds.Instance / aws.rds.ClusterInstance."
        ),
        controls=(fsbp("RDS.3"),),
        resource_types=HOSTS,
        check=_performance_insights,
        reads=_host_reads("performanceInsightsEnabled", "performanceInsightsKmsKeyId"),
    ),
    Rule(
        name="rds-enhanced-monitoring",
        description=(
            "Without enhanced monitoring, OS-level signs of trouble or abuse (CPU steal, "
            "memory, processes) are invisible."
        ),
        severity="low",
        remediation=(
            "Set `monitoring_interval=60` (or lower) and `monitoring_role_arn=` a role with "
            "AmazonRDSEnhancedMonitoringRole on aws.rds.Instance / aws.rds.ClusterInstance."
        ),
        controls=(fsbp("RDS.6"),),
        resource_types=HOSTS,
        check=_enhanced_monitoring,
        reads=_host_reads("monitoringInterval", "monitoringRoleArn"),
    ),
    Rule(
        name="rds-log-exports",
        description=(
            "Database logs kept only on the instance are lost with it and cannot be "
            "searched or alerted on during an incident."
        ),
        severity="medium",
        remediation=(
            'Set `enabled_cloudwatch_logs_exports=["postgresql", "upgrade"]` on a PostgreSQL '
            'aws.rds.Instance, `["postgresql"]` on an Aurora PostgreSQL aws.rds.Cluster '
            '(MySQL family: `["audit", "error", "general", "slowquery"]`).'
        ),
        controls=(fsbp("RDS.9"), fsbp("RDS.36"), fsbp("RDS.37")),
        resource_types=DATABASES,
        check=_log_exports,
        reads=on(DATABASES, "engine", "enabledCloudwatchLogsExports"),
    ),
    Rule(
        name="rds-parameter-group-force-ssl",
        description=(
            "Unless the server refuses plaintext connections, a misconfigured client sends "
            "credentials and data unencrypted."
        ),
        severity="high",
        remediation=(
            'Add `{"name": "rds.force_ssl", "value": "1"}` to `parameters` of the '
            "aws.rds.ParameterGroup (PostgreSQL) or aws.rds.ClusterParameterGroup (Aurora "
            'PostgreSQL); MySQL family: `{"name": "require_secure_transport", "value": "1"}`.'
        ),
        controls=(fsbp("RDS.41"), fsbp("RDS.44")),
        resource_types=(PARAMETER_GROUP, CLUSTER_PARAMETER_GROUP),
        check=_force_ssl,
        reads=on(
            (PARAMETER_GROUP, CLUSTER_PARAMETER_GROUP),
            "family",
            "parameters[].name",
            "parameters[].value",
        ),
    ),
    Rule(
        name="rds-subnet-group-data-tier",
        description=(
            "A database in public or application subnets shares their routes and exposure; "
            "the data tier has no route to the internet."
        ),
        severity="high",
        remediation=(
            "Pass only subnets tagged `Tier=data` as `subnet_ids=[s.id for s in data_subnets]` "
            "to aws.rds.SubnetGroup."
        ),
        controls=(fsbp("RDS.46"),),
        stack_check=_subnet_group_in_data_subnets,
        reads={SUBNET_GROUP: ("subnetIds",), **SUBNET_READS},
    ),
]
