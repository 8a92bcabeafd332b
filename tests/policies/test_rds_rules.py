"""RDS logic beyond single-property breaks: thresholds, cluster topology, subnet links."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from gam_policies.framework import Context, Resource, Rule
from gam_policies.rules import rds
from tests.policies.builders import in_subnets, make, subnet
from tests.policies.cases_rds import CLUSTER, MEMBER, MULTI_AZ_CLUSTER, member, parameter_group

RULES = {rule.name: rule for rule in rds.RULES}


def stack_violations(name: str, resources: list[Resource]) -> list[tuple[str, str]]:
    return RULES[name].run_stack(resources, Context(stack="prod", config=RULES[name].defaults()))


@given(
    minimum=st.integers(min_value=1, max_value=35),
    days=st.integers(min_value=0, max_value=35),
    as_float=st.booleans(),
)
def test_backup_retention_threshold_comes_from_config(
    minimum: int, days: int, as_float: bool
) -> None:
    rule = RULES["rds-backup-retention"]
    db = make(rds.INSTANCE, "db", {"backupRetentionPeriod": float(days) if as_float else days})
    found = rule.run(db, Context(stack="prod", config={"minimumRetentionDays": minimum}))
    assert bool(found) == (days < minimum)


def test_backup_retention_default_is_an_integer_seven() -> None:
    assert RULES["rds-backup-retention"].defaults() == {"minimumRetentionDays": 7}


def test_aurora_cluster_needs_two_members_in_two_zones() -> None:
    assert stack_violations("rds-multi-az", [CLUSTER, MEMBER])
    assert stack_violations("rds-multi-az", [CLUSTER])
    assert not stack_violations("rds-multi-az", [CLUSTER, MEMBER, member("eu-west-1c")])


def test_members_without_a_zone_count_as_distinct_zones() -> None:
    unplaced = [
        replace(m, props={**m.props, "availabilityZone": None}) for m in (MEMBER, member("b"))
    ]
    assert not stack_violations("rds-multi-az", [CLUSTER, *unplaced])


def test_multi_az_db_cluster_needs_no_members() -> None:
    assert not stack_violations("rds-multi-az", [MULTI_AZ_CLUSTER])


def test_aurora_cluster_is_not_checked_for_instance_level_settings() -> None:
    for name in (
        "rds-not-publicly-accessible",
        "rds-performance-insights",
        "rds-enhanced-monitoring",
    ):
        assert RULES[name].run(make(rds.CLUSTER, "aurora", {"engine": "aurora-postgresql"})) == []


def test_subnet_group_with_literal_subnet_ids_is_matched_by_id() -> None:
    group, *subnets = in_subnets(rds.SUBNET_GROUP, "db", {}, "subnetIds", "data")
    literal = replace(group, property_dependencies={})
    assert not stack_violations("rds-subnet-group-data-tier", [literal, *subnets])
    stranger = replace(literal, props={"subnetIds": ["subnet-data-a", "subnet-elsewhere"]})
    (_, message), *_ = stack_violations("rds-subnet-group-data-tier", [stranger, *subnets])
    assert "1 of the 2 entries" in message


def test_subnet_group_naming_no_subnet_of_the_stack_fails_closed() -> None:
    group = make(rds.SUBNET_GROUP, "db", {"subnetIds": ["subnet-from-another-stack"]})
    assert stack_violations("rds-subnet-group-data-tier", [group, subnet("a", "data")])


def test_parameter_groups_without_a_tls_parameter_are_not_applicable() -> None:
    rule: Rule = RULES["rds-parameter-group-force-ssl"]
    oracle = parameter_group(rds.PARAMETER_GROUP, "oracle-ee-19", "open_cursors", "300")
    aurora_instance_level = parameter_group(rds.PARAMETER_GROUP, "aurora-postgresql16", "x")
    assert rule.run(oracle) == [] and rule.run(aurora_instance_level) == []
