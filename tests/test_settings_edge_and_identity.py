"""Settings of the edge (`gam:edge`), identity (`gam:identity`) and feature flags
(`gam:featureFlags`), and how the stack maps them onto EdgeDelivery's arguments."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra import settings
from stacks.platform import edge_args
from tests.test_settings import BASE, problems

ZONES = {
    "dev": [],
    "staging": ["euw1-az1", "euw1-az2"],
    "prod": ["euw1-az1", "euw1-az2", "euw1-az3"],
}


def tier_config(stack: str, **extra: Any) -> dict[str, Any]:
    network = {"vpcCidr": "10.30.0.0/16", "availabilityZoneIds": ZONES[stack]}
    return {**BASE, "gam:network": network, **extra}


@pytest.mark.parametrize(
    ("stack", "mfa", "threats", "days", "rollout"),
    [
        ("dev", "OPTIONAL", False, 30, (0, 0, 100)),
        ("staging", "ON", False, 90, (5, 5, 50)),
        ("prod", "ON", True, 365, (20, 30, 20)),
    ],
)
def test_each_tier_has_its_identity_and_flag_rollout(
    stack: str, mfa: str, threats: bool, days: int, rollout: tuple[int, int, int]
) -> None:
    loaded = settings.load(stack, tier_config(stack))
    identity, flags = loaded.identity, loaded.feature_flags
    assert identity.enabled and flags.enabled
    assert (identity.mfa, identity.threat_protection) == (mfa, threats)
    assert identity.access_log_retention_days == days
    assert identity.api_listener_arn is None  # until the EKS issue's load balancer
    assert (flags.deployment_minutes, flags.bake_minutes, flags.growth_percent) == rollout


@pytest.mark.parametrize(
    ("stack", "price", "limit", "deploy"),
    [
        ("dev", "PriceClass_100", 1000, (False, "header")),
        ("staging", "PriceClass_100", 2000, (True, "header")),
        ("prod", "PriceClass_200", 2000, (True, "weight")),
    ],
)
def test_each_tier_has_its_edge_profile_and_the_edge_needs_its_host_zone_and_release(
    stack: str, price: str, limit: int, deploy: tuple[bool, str]
) -> None:
    edge = settings.load(stack, tier_config(stack)).edge
    assert edge.enabled is False  # a stack turns it on with its own names
    assert (edge.price_class, edge.rate_limit) == (price, limit)
    assert (edge.continuous_deployment.enabled, edge.continuous_deployment.traffic) == deploy
    found = problems(stack, tier_config(stack, **{"gam:edge": {"enabled": True}}))
    assert "domainName" in found["gam:edge"] and "hostedZoneId" in found["gam:edge"]
    assert "release" in found["gam:edge"]
    named = {"domainName": "app.gam.example.org", "hostedZoneId": "Z01", "release": "r1"}
    on = settings.load(stack, tier_config(stack, **{"gam:edge": {"enabled": True, **named}}))
    assert on.edge.enabled and on.edge.release == "r1"


def test_dev_signs_in_on_the_local_dev_server_and_other_tiers_must_name_their_urls() -> None:
    dev = settings.load("dev", {k: v for k, v in BASE.items() if k != "gam:identity"})
    assert dev.identity.callback_urls == ("http://localhost:5173/auth/callback",)
    config = {k: v for k, v in tier_config("prod").items() if k != "gam:identity"}
    assert "callbackUrls" in problems("prod", config)["gam:identity"]


def test_bad_edge_identity_and_flag_settings_are_reported_together_by_key() -> None:
    found = problems(
        "dev",
        {
            **BASE,
            "gam:edge": {
                "priceClass": "PriceClass_1",
                "rateLimit": 5,
                "blockedCountries": ["kp"],
                "hostedZoneId": "zone",
                "domainName": "https://app.example.org",
                "continuousDeployment": {"weight": 0.5},
                "release": "../v1",
                "wafLogRetentionDays": 42,
                "cdn": True,
            },
            "gam:identity": {
                "callbackUrls": ["http://app.example.org/cb"],
                "mfa": "SOMETIMES",
                "accessTokenMinutes": 2,
            },
            "gam:featureFlags": {"bakeMinutes": -1, "growthPercent": 0},
        },
    )
    assert set(found) >= {
        "gam:edge.priceClass",
        "gam:edge.rateLimit",
        "gam:edge.blockedCountries",
        "gam:edge.hostedZoneId",
        "gam:edge.domainName",
        "gam:edge.continuousDeployment.weight",
        "gam:edge.release",
        "gam:edge.wafLogRetentionDays",
        "gam:edge.cdn",
        "gam:identity.callbackUrls",
        "gam:identity.mfa",
        "gam:identity.accessTokenMinutes",
        "gam:featureFlags.bakeMinutes",
        "gam:featureFlags.growthPercent",
    }
    assert found["gam:edge.cdn"].startswith("unknown key")


def test_flags_need_identity_for_their_rollback_alarm() -> None:
    config = {**BASE, "gam:identity": {"enabled": False}}
    assert "identity" in problems("dev", config)["gam:featureFlags"]
    off = {**config, "gam:featureFlags": {"enabled": False}}
    assert not settings.load("dev", off).identity.enabled


@given(
    weight=st.floats(0.001, 0.15),
    countries=st.lists(st.sampled_from(["KP", "IR", "CU"]), unique=True, max_size=3),
    limit=st.integers(10, 100_000),
)
def test_edge_args_carry_the_settings_and_the_stacks_protection(
    weight: float, countries: list[str], limit: int
) -> None:
    loaded = settings.load("prod", tier_config("prod"))
    edge = loaded.edge.model_copy(
        update={
            "domain_name": "app.gam.example.org",
            "hosted_zone_id": "Z0123456789ABC",
            "release": "2026.12.1",
            "staging_release": "2026.12.2",
            "rate_limit": limit,
            "blocked_countries": tuple(countries),
            "continuous_deployment": loaded.edge.continuous_deployment.model_copy(
                update={"weight": weight}
            ),
        }
    )
    args = edge_args(
        loaded.model_copy(update={"edge": edge}),
        assets_bucket_arn="arn:aws:s3:::b",
        assets_bucket_regional_domain_name="b.s3.eu-west-1.amazonaws.com",
        log_bucket_arn="arn:aws:s3:::l",
        api_origin_domain="a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
    )
    assert (args.rate_limit, args.blocked_countries) == (limit, tuple(countries))
    assert (args.staging_traffic, args.staging_weight) == ("weight", weight)
    assert args.price_class == "PriceClass_200" and args.protect is True
    assert args.api_origin_domain == "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
    assert (args.release, args.staging_release) == ("2026.12.1", "2026.12.2")
    assert args.tags == loaded.tags
    assert (args.assets_bucket_arn, args.log_bucket_arn) == ("arn:aws:s3:::b", "arn:aws:s3:::l")
