"""Settings of the DNS firewall (`gam:dnsFirewall`) and the image cache (`gam:imageCache`)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.values import CACHE_NAMESPACE_MAX, CACHE_UPSTREAMS
from infra import settings
from tests.test_settings import BASE, PROD_NETWORK, problems

IDS = BASE["gam:dnsFirewall"]["domainListIds"]


def with_dns(**dns: Any) -> dict[str, Any]:
    return {**BASE, "gam:dnsFirewall": dns}


def with_cache(**cache: Any) -> dict[str, Any]:
    return {**BASE, "gam:imageCache": cache}


@pytest.mark.parametrize(("stack", "days"), [("dev", 30), ("staging", 90), ("prod", 365)])
def test_the_dns_firewall_is_on_in_every_tier_with_the_tiers_log_retention(
    stack: str, days: int
) -> None:
    zones = ["euw1-az1", "euw1-az2", "euw1-az3"][: 3 if stack == "prod" else 2]
    config = {**BASE, "gam:network": {"vpcCidr": "10.30.0.0/16", "availabilityZoneIds": zones}}
    dns = settings.load(stack, config).dns_firewall
    assert dns.enabled and dns.query_log_retention_days == days
    assert (dns.block_response, dns.fail_open) == ("NXDOMAIN", True)
    assert dns.domain_list_ids.by_key() == IDS


def test_an_enabled_dns_firewall_needs_the_regions_list_ids_and_says_how_to_read_them() -> None:
    found = problems("dev", with_dns(domainListIds={"malware": IDS["malware"]}))
    message = found["gam:dnsFirewall"]
    assert "['botnetCommandAndControl', 'aggregateThreat']" in message
    assert "aws route53resolver list-firewall-domain-lists" in message


def test_a_disabled_dns_firewall_needs_no_ids() -> None:
    loaded = settings.load("dev", with_dns(enabled=False))
    assert (
        loaded.dns_firewall.enabled is False and loaded.dns_firewall.domain_list_ids.by_key() == {}
    )


@pytest.mark.parametrize(
    ("dns", "key"),
    [
        ({"domainListIds": {**IDS, "malware": "rslvr-fdl-xyz"}}, "domainListIds.malware"),
        ({"domainListIds": {**IDS, "guardDuty": IDS["malware"]}}, "domainListIds.guardDuty"),
        ({"domainListIds": IDS, "blockResponse": "OVERRIDE"}, "blockResponse"),
        ({"domainListIds": IDS, "failOpen": "sometimes"}, "failOpen"),
        ({"domainListIds": IDS, "queryLogRetentionDays": 31}, "queryLogRetentionDays"),
        ({"domainListIds": IDS, "enabeld": True}, "enabeld"),
    ],
)
def test_each_dns_firewall_rule_names_its_key(dns: dict[str, Any], key: str) -> None:
    assert f"gam:dnsFirewall.{key}" in problems("dev", with_dns(**dns))


@given(digits=st.text("0123456789abcdef", min_size=16, max_size=16))
def test_any_list_id_of_16_hex_digits_is_accepted(digits: str) -> None:
    ids = {**IDS, "aggregateThreat": f"rslvr-fdl-{digits}"}
    loaded = settings.load("dev", with_dns(domainListIds=ids))
    assert loaded.dns_firewall.domain_list_ids.aggregate_threat == f"rslvr-fdl-{digits}"


def test_the_image_cache_caches_every_upstream_and_no_credentialed_one_until_stored() -> None:
    cache = settings.load("prod", {**BASE, "gam:network": PROD_NETWORK}).image_cache
    assert cache.enabled and cache.upstreams == tuple(CACHE_UPSTREAMS)
    assert cache.credentials_stored == ()
    stored = settings.load("dev", with_cache(credentialsStored=["ghcr"])).image_cache
    assert stored.credentials_stored == ("ghcr",)


@pytest.mark.parametrize(
    ("cache", "says"),
    [
        ({"upstreams": ["gcr"]}, "are not known"),
        ({"upstreams": ["quay", "quay"]}, "list each once"),
        ({"credentialsStored": ["quay"]}, "take no credentials"),
        ({"upstreams": ["quay"], "credentialsStored": ["ghcr"]}, "are not in upstreams"),
    ],
)
def test_each_image_cache_rule_names_its_key(cache: dict[str, Any], says: str) -> None:
    found = problems("dev", with_cache(**cache))
    (key,) = found
    assert key.startswith("gam:imageCache.") and says in found[key]


def test_a_stack_name_too_long_for_the_cache_namespace_is_refused_unless_the_cache_is_off() -> None:
    stack = "d" * (CACHE_NAMESPACE_MAX - len("gam-") + 1)
    config = {**BASE, "gam:tier": "dev"}
    assert "longer than" in problems(stack, config)["gam:imageCache"]
    assert settings.load(stack, {**config, "gam:imageCache": {"enabled": False}})
    assert settings.load(stack[:-1], config).image_cache.enabled
