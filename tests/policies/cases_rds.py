"""RDS cases: a PostgreSQL instance, an Aurora PostgreSQL cluster and their groups."""

from __future__ import annotations

from gam_policies.framework import Resource
from gam_policies.rules import rds
from tests.policies.builders import in_subnets, make
from tests.policies.casekit import Break, Case

KEY = "arn:aws:kms:eu-west-1:111111111111:key/rds"

DATABASE = {
    "storageEncrypted": True,
    "kmsKeyId": KEY,
    "backupRetentionPeriod": 7,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "gam-final",
    "iamDatabaseAuthenticationEnabled": True,
}
HOST = {
    "publiclyAccessible": False,
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY,
    "monitoringInterval": 60,
    "monitoringRoleArn": "arn:aws:iam::111111111111:role/rds-monitoring",
}

INSTANCE = make(
    rds.INSTANCE,
    "db",
    {
        **DATABASE,
        **HOST,
        "engine": "postgres",
        "multiAz": True,
        "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
    },
)
CLUSTER = make(
    rds.CLUSTER,
    "aurora",
    {
        **DATABASE,
        "id": "gam-aurora",
        "engine": "aurora-postgresql",
        "enabledCloudwatchLogsExports": ["postgresql"],
    },
)


def member(zone: str) -> Resource:
    props = {**HOST, "clusterIdentifier": "gam-aurora", "availabilityZone": zone}
    return make(rds.CLUSTER_INSTANCE, f"aurora-{zone}", props, {"clusterIdentifier": CLUSTER})


MEMBER = member("eu-west-1a")
# A Multi-AZ DB cluster (not Aurora): instance-level settings live on the cluster.
MULTI_AZ_CLUSTER = make(
    rds.CLUSTER, "multi-az", {**DATABASE, **HOST, "dbClusterInstanceClass": "db.m6gd.large"}
)


def parameter_group(type_: str, family: str, name: str, value: str = "1") -> Resource:
    props = {"family": family, "parameters": [{"name": name, "value": value}]}
    return make(type_, family, props)


def database_cases(rule: str, *breaks: Break) -> list[Case]:
    """The same breaks against the instance and the Aurora cluster."""
    return [Case(rule=rule, compliant=base, breaks=breaks) for base in (INSTANCE, CLUSTER)]


def host_cases(rule: str, *breaks: Break) -> list[Case]:
    """The same breaks against the instance and an Aurora cluster member."""
    return [Case(rule=rule, compliant=base, breaks=breaks) for base in (INSTANCE, MEMBER)]


CASES = [
    *database_cases(
        "rds-storage-encrypted",
        Break("storageEncrypted", False),
        Break("storageEncrypted"),
        Break("kmsKeyId"),
    ),
    *host_cases(
        "rds-not-publicly-accessible",
        Break("publiclyAccessible", True),
        Break("publiclyAccessible"),
    ),
    Case(
        rule="rds-not-publicly-accessible",
        compliant=MULTI_AZ_CLUSTER,
        breaks=(Break("publiclyAccessible", True), Break("publiclyAccessible")),
    ),
    Case(
        rule="rds-multi-az",
        compliant=[INSTANCE, CLUSTER, MEMBER, member("eu-west-1b")],
        breaks=(
            Break("multiAz", False),
            Break("multiAz"),
            Break("availabilityZone", "eu-west-1a", index=3),
        ),
    ),
    *database_cases(
        "rds-backup-retention",
        Break("backupRetentionPeriod", 6),
        Break("backupRetentionPeriod", 0),
        Break("backupRetentionPeriod"),
    ),
    Case(
        rule="rds-backup-retention",
        compliant=make(rds.INSTANCE, "prod-db", {"backupRetentionPeriod": 14.0}),
        breaks=(Break("backupRetentionPeriod", 13.0),),
        config={"minimumRetentionDays": 14},
    ),
    *database_cases(
        "rds-deletion-protection",
        Break("deletionProtection", False),
        Break("deletionProtection"),
    ),
    *database_cases(
        "rds-final-snapshot",
        Break("skipFinalSnapshot", True),
        Break("finalSnapshotIdentifier"),
    ),
    Case(
        # AWS refuses a final snapshot of a read replica: only its source needs one.
        rule="rds-final-snapshot",
        compliant=make(
            rds.INSTANCE,
            "replica",
            {**DATABASE, "skipFinalSnapshot": True, "replicateSourceDb": "gam-db"},
        ),
        breaks=(Break("replicateSourceDb"), Break("replicateSourceDb", "")),
    ),
    *database_cases(
        "rds-iam-auth",
        Break("iamDatabaseAuthenticationEnabled", False),
        Break("iamDatabaseAuthenticationEnabled"),
    ),
    *host_cases(
        "rds-performance-insights",
        Break("performanceInsightsEnabled", False),
        Break("performanceInsightsEnabled"),
        Break("performanceInsightsKmsKeyId"),
    ),
    *host_cases(
        "rds-enhanced-monitoring",
        Break("monitoringInterval", 0),
        Break("monitoringInterval"),
        Break("monitoringRoleArn"),
    ),
    *database_cases(
        "rds-log-exports",
        Break("enabledCloudwatchLogsExports", []),
        Break("enabledCloudwatchLogsExports"),
        Break("enabledCloudwatchLogsExports.0", "upgrade"),
    ),
    Case(
        rule="rds-parameter-group-force-ssl",
        compliant=parameter_group(rds.PARAMETER_GROUP, "postgres16", "rds.force_ssl"),
        breaks=(
            Break("parameters.0.value", "0"),
            Break("parameters.0.name", "log_connections"),
            Break("parameters"),
            Break("family"),
        ),
    ),
    Case(
        rule="rds-parameter-group-force-ssl",
        compliant=parameter_group(
            rds.CLUSTER_PARAMETER_GROUP, "aurora-postgresql16", "rds.force_ssl"
        ),
        breaks=(Break("parameters.0.value", "0"), Break("parameters")),
    ),
    Case(
        rule="rds-parameter-group-force-ssl",
        compliant=parameter_group(
            rds.CLUSTER_PARAMETER_GROUP, "aurora-mysql8.0", "require_secure_transport", "ON"
        ),
        breaks=(Break("parameters.0.value", "OFF"),),
    ),
    Case(
        rule="rds-subnet-group-data-tier",
        compliant=in_subnets(rds.SUBNET_GROUP, "db", {"name": "gam-db"}, "subnetIds", "data"),
        breaks=(
            Break("tags.Tier", "public", index=1),
            Break("tags.Tier", "private", index=2),
            Break("tags.Tier", index=1),
        ),
    ),
]
