"""Settings: profiles merged under the stack config, every problem reported at once by key."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gam_offline.engine import stack_config
from infra import settings
from stacks.profiles import PROFILES, deep_merge
from tests.support import ROOT

BASE: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "gam:owner": "platform",
    "gam:costCenter": "cc-1001",
    "gam:network": {"vpcCidr": "10.10.0.0/16"},
    # the DNS firewall is on in every tier and its managed list ids are per region
    "gam:dnsFirewall": {
        "domainListIds": {
            "malware": "rslvr-fdl-0000000000000001",
            "botnetCommandAndControl": "rslvr-fdl-0000000000000002",
            "aggregateThreat": "rslvr-fdl-0000000000000003",
        }
    },
    # identity is on in every tier; only dev's profile has sign-in URLs (localhost)
    "gam:identity": {
        "callbackUrls": ["https://app.gam.example.org/auth/callback"],
        "logoutUrls": ["https://app.gam.example.org/"],
    },
    # the deploy runner is on in staging and prod and needs its GitHub connection (ADR 0020)
    "gam:deployRunner": {
        "repositoryUrl": "https://github.com/example/gam-platform",
        "connectionArn": "arn:aws:codeconnections:eu-west-1:111122223333:connection/"
        "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
    },
}
PROD_NETWORK = {
    "vpcCidr": "10.30.0.0/16",
    "availabilityZoneIds": ["euw1-az1", "euw1-az2", "euw1-az3"],
}


def problems(stack: str, config: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(settings.SettingsError) as caught:
        settings.load(stack, config)
    return dict(caught.value.problems)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_committed_stack_files_are_valid(stack: str) -> None:
    config, _ = stack_config(stack, ROOT)
    loaded = settings.load(stack, config)
    assert loaded.tier == stack
    assert loaded.tags["Environment"] == stack


def test_profile_supplies_what_the_stack_file_leaves_out() -> None:
    dev = settings.load("dev", BASE)
    assert (dev.network.az_count, dev.network.nat_gateways) == (2, "single")
    assert dev.network.firewall.enabled is False
    prod = settings.load("prod", {**BASE, "gam:network": PROD_NETWORK})
    assert (prod.network.az_count, prod.network.nat_gateways) == (3, "per-az")
    assert prod.network.firewall.enabled and prod.protect_stateful_resources
    assert dev.network.interface_endpoints == ()  # cheaper through the NAT (ADR 0007)
    assert "eks-auth" in prod.network.interface_endpoints


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_beyond_dev_zones_are_pinned_by_id_of_the_stacks_region(stack: str) -> None:
    unpinned = {"vpcCidr": "10.30.0.0/16"}
    found = problems(stack, {**BASE, "gam:network": unpinned})
    assert "pins its zones by ID" in found["gam:network.availabilityZoneIds"]
    wrong_region = {**PROD_NETWORK, "availabilityZoneIds": ["use1-az1", "use1-az2", "use1-az4"]}
    found = problems(stack, {**BASE, "gam:network": wrong_region})
    assert (
        "are not zones of eu-west-1 (its IDs start with euw1-)"
        in found["gam:network.availabilityZoneIds"]
    )


@pytest.mark.parametrize(
    ("ids", "says"),
    [
        (["euw1-az1", "eu-west-1b"], "not availability zone IDs"),
        (["euw1-az1"], "lists 1 zones; azCount is 2"),
        (["euw1-az1", "euw1-az1"], "lists a zone twice"),
    ],
)
def test_zone_ids_are_checked(ids: list[str], says: str) -> None:
    network = {"vpcCidr": "10.10.0.0/16", "availabilityZoneIds": ids}
    assert (
        says in problems("dev", {**BASE, "gam:network": network})["gam:network.availabilityZoneIds"]
    )


@pytest.mark.parametrize(
    "domain", [".amazonaws.com", ".cloudfront.net", ".eu-west-1.elb.amazonaws.com"]
)
def test_multi_tenant_wildcards_are_refused_in_the_allow_list(domain: str) -> None:
    firewall = {"enabled": True, "allowedDomains": ["pypi.org", domain]}
    network = {"vpcCidr": "10.10.0.0/16", "firewall": firewall}
    found = problems("dev", {**BASE, "gam:network": network})["gam:network.firewall.allowedDomains"]
    assert f"['{domain}'] cover multi-tenant suffixes" in found


def test_stack_config_overrides_the_profile() -> None:
    loaded = settings.load(
        "dev", {**BASE, "gam:network": {"vpcCidr": "10.10.0.0/16", "azCount": 3}}
    )
    assert loaded.network.az_count == 3
    assert loaded.network.nat_gateways == "single"  # still from the profile


def test_structured_values_arrive_as_json_strings_in_a_real_run() -> None:
    loaded = settings.load("dev", {**BASE, "gam:network": '{"vpcCidr": "10.10.0.0/16"}'})
    assert loaded.network.vpc_cidr == "10.10.0.0/16"


def test_a_stack_named_otherwise_declares_its_tier() -> None:
    assert settings.load("dev-alice", {**BASE, "gam:tier": "dev"}).tier == "dev"
    assert problems("dev-alice", BASE) == {
        "gam:tier": "set it to one of ['dev', 'prod', 'staging'] (the stack name is not a tier)"
    }


def test_bad_config_reports_every_problem_at_once_each_by_key() -> None:
    found = problems(
        "prod",
        {
            **BASE,
            "gam:netwrk": {},
            "gam:network": {"vpcCidr": "10.0.0.0/33", "azCount": 2, "natGateways": "single"},
            "gam:owner": "",
        },
    )
    assert set(found) == {
        "gam:netwrk",
        "gam:network.vpcCidr",
        "gam:network.azCount",
        "gam:network.availabilityZoneIds",
        "gam:network.natGateways",
        "gam:owner",
    }
    assert "unknown key" in found["gam:netwrk"]
    assert "not a valid IPv4 CIDR" in found["gam:network.vpcCidr"]
    assert "prod needs 3 availability zones" in found["gam:network.azCount"]


def test_the_error_message_names_each_key_and_the_stack_file() -> None:
    with pytest.raises(settings.SettingsError) as caught:
        settings.load("dev", {**BASE, "gam:network": {"vpcCidr": "8.8.0.0/16", "natGatewayz": 1}})
    text = str(caught.value)
    assert text.startswith("Pulumi.dev.yaml has 2 problem(s):")
    assert "gam:network.vpcCidr: 8.8.0.0/16 is not a private (RFC 1918) range" in text
    assert "gam:network.natGatewayz: unknown key" in text


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"azCount": 4}, "gam:network.azCount"),
        ({"azCount": 1}, "gam:network.azCount"),
        ({"natGateways": "some"}, "gam:network.natGateways"),
        ({"flowLogRetentionDays": 31}, "gam:network.flowLogRetentionDays"),
        ({"vpcCidr": "10.0.0.0/24"}, "gam:network.vpcCidr"),
        ({"transitGatewayId": "tgw-xyz"}, "gam:network.transitGatewayId"),
        ({"transitGatewayRoutes": ["10.200.0.0/16"]}, "gam:network.transitGatewayRoutes"),
        ({"firewall": {"enabled": True}}, "gam:network.firewall"),
        (
            {"firewall": {"enabled": True, "allowedDomains": ["not a domain"]}},
            "gam:network.firewall.allowedDomains",
        ),
    ],
)
def test_each_network_rule_names_its_key(override: dict[str, Any], key: str) -> None:
    network = {"vpcCidr": "10.10.0.0/16", **override}
    assert key in problems("dev", {**BASE, "gam:network": network})


def test_transit_gateway_routes_must_not_overlap_the_vpc_or_each_other() -> None:
    network = {
        "vpcCidr": "10.10.0.0/16",
        "transitGatewayId": "tgw-0123456789abcdef0",
        "transitGatewayRoutes": ["10.10.128.0/17", "10.200.0.0/16", "10.200.1.0/24"],
    }
    found = problems("dev", {**BASE, "gam:network": network})
    assert "overlap" in found["gam:network.transitGatewayRoutes"]


def test_prod_cannot_turn_off_protection() -> None:
    found = problems("prod", {**BASE, "gam:protectStatefulResources": False})
    assert "gam:protectStatefulResources" in found


def test_region_and_required_keys_are_checked() -> None:
    found = problems("dev", {"aws:region": "Europe", "gam:network": {"vpcCidr": "10.10.0.0/16"}})
    assert set(found) == {"aws:region", "gam:owner", "gam:costCenter", "gam:dnsFirewall"}


def test_extra_tags_cannot_override_the_standard_tags() -> None:
    loaded = settings.load("dev", {**BASE, "gam:extraTags": {"Environment": "prod"}})
    with pytest.raises(ValueError, match="may not override"):
        _ = loaded.tags


def test_deep_merge_recurses_into_mappings_and_replaces_the_rest() -> None:
    merged = deep_merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [2]}, "d": 1, "e": 2}
    assert PROFILES["dev"]["network"]["azCount"] == 2  # profiles are not mutated


_private_blocks = st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])


@given(block=_private_blocks, prefix=st.integers(16, 20), index=st.integers(0, 2**12))
def test_any_private_cidr_of_16_to_20_bits_is_accepted(block: str, prefix: int, index: int) -> None:
    parent = ipaddress.IPv4Network(block)
    prefix = max(prefix, parent.prefixlen)
    count = 2 ** (prefix - parent.prefixlen)
    address = parent.network_address + (index % count) * 2 ** (32 - prefix)
    cidr = f"{address}/{prefix}"
    assert settings.load("dev", {**BASE, "gam:network": {"vpcCidr": cidr}}).network.vpc_cidr == cidr


@given(prefix=st.one_of(st.integers(8, 15), st.integers(21, 32)))
def test_cidrs_outside_16_to_20_bits_are_rejected(prefix: int) -> None:
    cidr = f"10.0.0.0/{prefix}"
    assert "gam:network.vpcCidr" in problems("dev", {**BASE, "gam:network": {"vpcCidr": cidr}})
