"""Settings of the data stores, messaging and registries (`gam:dataLake`, ...)."""

from __future__ import annotations

from typing import Any

import pytest

from infra import settings
from tests.test_settings import BASE, PROD_NETWORK, problems

PROD = {**BASE, "gam:network": PROD_NETWORK}


def with_lake(config: dict[str, Any], **lake: Any) -> dict[str, Any]:
    return {**config, "gam:dataLake": lake}


def test_prod_replicates_to_its_regions_dr_pair_and_the_others_do_not() -> None:
    assert settings.load("prod", PROD).data_lake.replica_region == "eu-central-1"
    assert settings.load("dev", BASE).data_lake.replicate is False


def test_prod_may_name_its_dr_region_but_not_its_own() -> None:
    named = settings.load("prod", with_lake(PROD, replicaRegion="eu-north-1"))
    assert named.data_lake.replica_region == "eu-north-1"
    found = problems("prod", with_lake(PROD, replicaRegion="eu-west-1"))
    assert "own region" in found["gam:dataLake"]


def test_prod_cannot_turn_replication_off() -> None:
    found = problems("prod", with_lake(PROD, replicate=False))
    assert "prod replicates" in found["gam:dataLake.replicate"]


def test_a_region_without_a_default_pair_must_name_one() -> None:
    config = {**with_lake(BASE, replicate=True), "aws:region": "ap-south-2"}
    assert "set replicaRegion" in problems("dev", config)["gam:dataLake"]


@pytest.mark.parametrize(
    ("lake", "key"),
    [
        ({"raw": {"infrequentAccessAfterDays": 10}}, "gam:dataLake.raw.infrequentAccessAfterDays"),
        ({"raw": {"glacierAfterDays": 400, "expireAfterDays": 100}}, "gam:dataLake.raw"),
        (
            {"processed": {"intelligentTiering": True, "glacierAfterDays": 90}},
            "gam:dataLake.processed",
        ),
        ({"cdnAssets": {"expireAfterDay": 3}}, "gam:dataLake.cdnAssets.expireAfterDay"),
        ({"replicaRegion": "Frankfurt"}, "gam:dataLake.replicaRegion"),
        ({"backupRetentionDays": 0}, "gam:dataLake.backupRetentionDays"),
        ({"bakcupRetentionDays": 7}, "gam:dataLake.bakcupRetentionDays"),
    ],
)
def test_bad_lake_settings_are_named_by_key(lake: dict[str, Any], key: str) -> None:
    assert key in problems("dev", with_lake(BASE, **lake))


def test_every_lake_problem_is_reported_at_once() -> None:
    found = problems(
        "dev", with_lake(BASE, raw={"infrequentAccessAfterDays": 1}, backupRetentionDays=-1)
    )
    assert {
        "gam:dataLake.raw.infrequentAccessAfterDays",
        "gam:dataLake.backupRetentionDays",
    } <= set(found)
