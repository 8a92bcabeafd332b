"""Whole stacks: each tier's database as its profile says, with TLS, IAM auth, no CIDR
ingress, no password anywhere, and nothing the pack refuses."""

from __future__ import annotations

from typing import Any

import pytest

from gam_offline.analyzer import PolicyReport
from gam_offline.records import Record
from tests.support import STACKS

INSTANCE = "aws:rds/instance:Instance"
DATABASE = "gam:database:PostgisDatabase"

# (class, Multi-AZ, backup days, replicas, deletion protection, final snapshot, proxy, DR)
PROFILE = {
    "dev": ("db.t4g.small", False, 7, 0, False, False, False, False),
    "staging": ("db.t4g.large", True, 14, 0, True, True, False, False),
    "prod": ("db.r7g.large", True, 35, 1, True, True, True, True),
}


def primary(record: Record) -> dict[str, Any]:
    return next(i for i in record.by_type(INSTANCE) if i.name.endswith("-primary")).plain_inputs()


@pytest.mark.parametrize("stack", STACKS)
def test_each_tiers_settings_reach_its_instances(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    klass, multi_az, days, replicas, protection, final, proxy, dr = PROFILE[stack]
    instances = record.by_type(INSTANCE)
    assert len(instances) == 1 + replicas
    for instance in instances:
        inputs = instance.plain_inputs()
        assert (inputs["instanceClass"], inputs["multiAz"]) == (klass, multi_az)
        assert (inputs["backupRetentionPeriod"], inputs["deletionProtection"]) == (days, protection)
        assert inputs["storageEncrypted"] is True and inputs["publiclyAccessible"] is False
        assert inputs["iamDatabaseAuthenticationEnabled"] is True
        assert inputs["caCertIdentifier"] == "rds-ca-rsa2048-g1"
        assert inputs["autoMinorVersionUpgrade"] is True and inputs["copyTagsToSnapshot"] is True
        assert instance.protect is (stack == "prod")
    main = primary(record)
    assert main["skipFinalSnapshot"] is not final
    assert (main["storageType"], main["engineVersion"]) == ("gp3", "17.6")
    assert main["maxAllocatedStorage"] > main["allocatedStorage"]
    assert len(record.by_type("aws:rds/proxy:Proxy")) == int(proxy)
    replication = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
    assert len(record.by_type(replication)) == int(dr)


@pytest.mark.parametrize("stack", STACKS)
def test_the_parameter_group_forces_tls_and_its_family_matches_the_version(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    group = record.one("aws:rds/parameterGroup:ParameterGroup")
    inputs = group.plain_inputs()
    assert inputs["family"] == "postgres" + primary(record)["engineVersion"].split(".")[0]
    values = {p["name"]: p["value"] for p in inputs["parameters"]}
    assert values["rds.force_ssl"] == "1"
    assert values["shared_preload_libraries"] == "pg_stat_statements"
    for instance in record.by_type(INSTANCE):
        assert instance.plain_inputs()["parameterGroupName"] == group.outputs["name"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_database_is_in_the_data_subnets_admitting_no_cidr(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    subnets = record.one("aws:rds/subnetGroup:SubnetGroup").plain_inputs()["subnetIds"]
    assert subnets == record.outputs["dataSubnetIds"]
    groups = {
        g.id
        for g in record.by_type("aws:ec2/securityGroup:SecurityGroup")
        if g.name.startswith(f"gam-{stack}-database")
    }
    assert record.outputs["databaseSecurityGroupId"] in groups
    ingress = [
        r.plain_inputs()
        for r in record.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.plain_inputs()["securityGroupId"] in groups
    ]
    # the cluster's nodes, and (prod) the proxy, are the only ones admitted: never a CIDR
    nodes = record.outputs["eksNodeSecurityGroupId"]
    assert {r["referencedSecurityGroupId"] for r in ingress} - groups == {nodes}
    assert not any(r.get("cidrIpv4") or r.get("cidrIpv6") for r in ingress)


@pytest.mark.parametrize("stack", STACKS)
def test_no_password_is_in_the_stack_outputs_or_any_input(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    assert not [k for k in record.outputs if "password" in k.lower()]
    for resource in record.resources:
        # a switch for RDS's managed secret and the user pool's password rules, never a password
        allowed = ("manageMasterUserPassword", "passwordPolicy")
        keys = [k for k in resource.plain_inputs() if "password" in k.lower() and k not in allowed]
        assert keys == [], resource.name
    assert record.outputs["databaseSecretArn"].startswith("arn:aws:secretsmanager:")


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_outputs_where_the_database_is(
    stack_records: dict[str, Record], stack: str
) -> None:
    outputs = stack_records[stack].outputs
    assert outputs["databasePort"] == 5432
    assert outputs["databaseEndpoint"].endswith(".rds.amazonaws.com:5432")
    assert outputs["databaseKmsKeyArn"].startswith("arn:aws:kms:eu-west-1:")
    assert len(outputs["databaseReaderEndpoints"]) == PROFILE[stack][3]
    assert (outputs["databaseProxyEndpoint"] is not None) is PROFILE[stack][6]


@pytest.mark.parametrize("stack", STACKS)
def test_the_pack_finds_no_mandatory_violation_in_the_database(
    policy_reports: dict[str, PolicyReport], stack: str
) -> None:
    report = policy_reports[stack]
    assert report.mandatory() == []
    database = {v.policy for v in report.violations if "PostgisDatabase" in v.urn}
    # Only prod sets `protect` (gam:protectStatefulResources), and dev trades availability
    # and deletion guards for cost: advisory there, by the stacks' policy config.
    advised = {
        "dev": {"protect-stateful-resources", "rds-multi-az", "rds-deletion-protection"}
        | {"rds-final-snapshot"},
        "staging": {"protect-stateful-resources"},
        "prod": set(),
    }
    assert database == advised[stack]
