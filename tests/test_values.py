"""What AWS accepts and what the platform refuses, as pure rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.values import AZ_ID, MULTI_TENANT_SUFFIXES, az_id_prefix, multi_tenant

LABEL = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)


@given(st.sampled_from(MULTI_TENANT_SUFFIXES), st.lists(LABEL, max_size=3))
def test_a_wildcard_at_or_under_a_multi_tenant_suffix_is_refused(
    suffix: str, labels: list[str]
) -> None:
    domain = "." + ".".join([*labels, suffix])
    assert multi_tenant(domain) is not None


@given(st.sampled_from(MULTI_TENANT_SUFFIXES))
def test_a_wildcard_above_a_multi_tenant_suffix_is_refused(suffix: str) -> None:
    parent = suffix.split(".", 1)[1]
    if "." in parent:  # a bare top-level domain is no domain name at all
        assert multi_tenant(f".{parent}") is not None


@given(st.sampled_from(MULTI_TENANT_SUFFIXES), st.lists(LABEL, min_size=1, max_size=3))
def test_exact_hosts_are_allowed_even_under_a_multi_tenant_suffix(
    suffix: str, labels: list[str]
) -> None:
    assert multi_tenant(".".join([*labels, suffix])) is None


@pytest.mark.parametrize("domain", [".pypi.org", ".pythonhosted.org", ".example.com"])
def test_wildcards_clear_of_every_shared_suffix_are_allowed(domain: str) -> None:
    assert multi_tenant(domain) is None


@pytest.mark.parametrize(
    ("region", "prefix"),
    [
        ("eu-west-1", "euw1"),
        ("us-east-1", "use1"),
        ("ap-southeast-2", "apse2"),
        ("ap-northeast-1", "apne1"),
        ("us-gov-west-1", "usgw1"),
        ("eu-central-2", "euc2"),
        ("moon-base-1", None),
    ],
)
def test_zone_id_prefixes_follow_the_region_name(region: str, prefix: str | None) -> None:
    assert az_id_prefix(region) == prefix
    if prefix:
        assert AZ_ID.match(f"{prefix}-az1")
