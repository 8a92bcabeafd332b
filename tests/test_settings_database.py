"""`gam:database`: validated over the tier's profile, each problem by key; any valid
setting builds a database the pack's resource rules accept at that tier's levels."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from components.postgis import PostgisDatabase, PostgisDatabaseArgs
from gam_offline import engine
from gam_policies.framework import Context, Resource
from gam_policies.rules import all_rules
from infra import settings
from infra.settings import DatabaseSettings, Settings
from tests.support import PACK_DIR

BASE: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "gam:owner": "platform",
    "gam:costCenter": "cc-1001",
    "gam:network": {
        "vpcCidr": "10.30.0.0/16",
        "azCount": 3,
        "availabilityZoneIds": ["euw1-az1", "euw1-az2", "euw1-az3"],
    },
    "gam:dnsFirewall": {
        "domainListIds": {
            "malware": "rslvr-fdl-0000000000000001",
            "botnetCommandAndControl": "rslvr-fdl-0000000000000002",
            "aggregateThreat": "rslvr-fdl-0000000000000003",
        }
    },
    "gam:identity": {
        "callbackUrls": ["https://app.example.org/auth/callback"],
        "logoutUrls": ["https://app.example.org/"],
    },
    "gam:deployRunner": {
        "repositoryUrl": "https://github.com/example/gam-platform",
        "connectionArn": "arn:aws:codeconnections:eu-west-1:111122223333:connection/"
        "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
    },
}
PROD_DATABASE = {"backupReplicationRegion": "eu-central-1"}


def problems(stack: str, database: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(settings.SettingsError) as caught:
        settings.load(stack, {**BASE, "gam:database": database})
    return dict(caught.value.problems)


def test_the_profiles_give_each_tier_its_database() -> None:
    loaded = {
        tier: settings.load(tier, {**BASE, "gam:database": PROD_DATABASE}).database
        for tier in ("dev", "staging", "prod")
    }
    assert [d.instance_class for d in loaded.values()] == [
        "db.t4g.small",
        "db.t4g.large",
        "db.r7g.large",
    ]
    assert [d.backup_retention_days for d in loaded.values()] == [7, 14, 35]
    assert [d.read_replicas for d in loaded.values()] == [0, 0, 1]
    assert [d.proxy for d in loaded.values()] == [False, False, True]
    assert [d.multi_az for d in loaded.values()] == [False, True, True]


def test_unknown_keys_and_bad_values_are_all_reported_by_key() -> None:
    found = problems(
        "prod",
        {
            "engineVerison": "17.6",
            "engineVersion": "15.7",
            "multiAz": False,
            "backupReplicationRegion": "eu-west-1",
        },
    )
    assert "unknown key" in found["gam:database.engineVerison"]
    assert "PostGIS 3" in found["gam:database.engineVersion"]
    assert "cannot turn it off" in found["gam:database.multiAz"]
    assert "stack's own region" in found["gam:database.backupReplicationRegion"]


def test_prod_names_its_dr_region_and_keeps_its_guards() -> None:
    found = problems(
        "prod",
        {"deletionProtection": False, "finalSnapshot": False, "backupReplicationRegion": None},
    )
    assert set(found) == {
        "gam:database.backupReplicationRegion",
        "gam:database.deletionProtection",
        "gam:database.finalSnapshot",
    }


def test_the_windows_and_storage_are_checked_together() -> None:
    found = problems(
        "dev",
        {
            "backupWindow": "03:00-04:00",
            "maintenanceWindow": "sun:03:30-sun:04:30",
            "allocatedStorageGb": 200,
            "maxAllocatedStorageGb": 100,
        },
    )
    assert "overlaps" in found["gam:database"] and "autoscaling" in found["gam:database"]


def test_a_disabled_database_asks_for_nothing_else() -> None:
    loaded = settings.load("prod", {**BASE, "gam:database": {"enabled": False}})
    assert loaded.database.enabled is False


# --- any valid settings pass the pack ---------------------------------------------------------


def _levels(tier: str) -> dict[str, tuple[str, dict[str, Any]]]:
    document = json.loads((PACK_DIR / "config" / f"{tier}.json").read_text())
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, entry in document.items():
        entry = {"enforcementLevel": entry} if isinstance(entry, str) else dict(entry)
        level = entry.pop("enforcementLevel", "mandatory")
        entry.pop("exemptions", None)
        found[name] = (level, entry)
    return found


def mandatory_violations(resources: list[Resource], tier: str) -> list[str]:
    """The pack's resource and stack rules, in-process, at the tier's levels."""
    levels = _levels(tier)
    found = []
    for rule in all_rules():
        level, config = levels.get(rule.name, ("mandatory", {}))
        if level != "mandatory":
            continue
        ctx = Context(stack=tier, config={**rule.defaults(), **config})
        if rule.stack_check is not None:
            if rule.name == "rds-subnet-group-data-tier":
                continue  # needs the stack's subnets: checked on the whole stacks
            found += [f"{rule.name}: {m}" for _, m in rule.run_stack(resources, ctx)]
        else:
            for resource in resources:
                if resource.type in rule.resource_types:
                    found += [f"{rule.name} {resource.name}: {m}" for m in rule.run(resource, ctx)]
    return found


def database_resources(tier: str, database: DatabaseSettings, protect: bool) -> list[Resource]:
    def program() -> None:
        PostgisDatabase(
            f"gam-{tier}-database",
            PostgisDatabaseArgs(
                vpc_id="vpc-0123456789abcdef0",
                subnet_ids=["subnet-0a", "subnet-0b"],
                allowed_security_group_ids=("sg-0aaaaaaaaaaaaaaaa",),
                engine_version=database.engine_version,
                instance_class=database.instance_class,
                allocated_storage_gb=database.allocated_storage_gb,
                max_allocated_storage_gb=database.max_allocated_storage_gb,
                multi_az=database.multi_az,
                read_replicas=database.read_replicas,
                proxy=database.proxy,
                backup_retention_days=database.backup_retention_days,
                backup_replication_region=database.backup_replication_region,
                database_insights=database.database_insights,
                deletion_protection=database.deletion_protection,
                final_snapshot=database.final_snapshot,
                log_retention_days=database.log_retention_days,
                protect=protect,
                tags={
                    "Project": "gam-platform",
                    "Environment": tier,
                    "Owner": "o",
                    "CostCenter": "c",
                    "ManagedBy": "pulumi",
                },
            ),
        )

    record = engine.run_program(program, stack=tier, region="eu-west-1")
    return [
        Resource(
            r.type,
            {**r.outputs, **r.plain_inputs(), "id": r.id},
            r.name,
            r.urn,
            r.protect,
            property_dependencies={
                k: tuple(v) for k, v in r.options["propertyDependencies"].items()
            },
        )
        for r in record.resources
        if r.custom
    ]


TIER_MINIMUM_RETENTION = {"dev": 1, "staging": 7, "prod": 14}


@st.composite
def valid_database(draw: st.DrawFn) -> tuple[str, Settings]:
    tier = draw(st.sampled_from(("dev", "staging", "prod")))
    storage = draw(st.integers(20, 500))
    database = {
        "engineVersion": f"{draw(st.sampled_from((16, 17)))}.{draw(st.integers(0, 9))}",
        "instanceClass": draw(st.sampled_from(("db.t4g.medium", "db.r7g.large", "db.m7g.xlarge"))),
        "allocatedStorageGb": storage,
        "maxAllocatedStorageGb": storage + draw(st.integers(1, 1000)),
        "readReplicas": draw(st.integers(0, 2)),
        "proxy": draw(st.booleans()),
        "databaseInsights": draw(st.sampled_from(("standard", "advanced"))),
        "backupRetentionDays": draw(st.integers(TIER_MINIMUM_RETENTION[tier], 35)),
        "logRetentionDays": draw(st.sampled_from((30, 90, 365))),
        **(PROD_DATABASE if tier == "prod" else {}),
    }
    return tier, settings.load(tier, {**BASE, "gam:database": database})


# Each example runs the component under the engine: few examples, no shrinking.
@hypothesis_settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(valid_database())
def test_any_valid_database_settings_meet_every_mandatory_policy(
    case: tuple[str, Settings],
) -> None:
    tier, loaded = case
    resources = database_resources(tier, loaded.database, loaded.protect_stateful_resources)
    assert mandatory_violations(resources, tier) == []
