"""OpenSearch TLS policy names: the minimum TLS version is read from the name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gam_policies.rules.opensearch import tls_policy_version


@pytest.mark.parametrize(
    ("policy", "version"),
    [
        ("Policy-Min-TLS-1-0-2019-07", (1, 0)),
        ("Policy-Min-TLS-1-2-2019-07", (1, 2)),
        ("Policy-Min-TLS-1-2-PFS-2023-10", (1, 2)),
        ("Policy-Min-TLS-1-2-RFC9151-FIPS-2024-08", (1, 2)),
        ("Policy-Min-TLS-1-3-2030-01", (1, 3)),
        ("policy-min-tls-1-2-2019-07", None),
        ("TLS-1-2", None),
        ("", None),
        (None, None),
    ],
)
def test_known_and_unknown_policy_names(policy: object, version: tuple[int, int] | None) -> None:
    assert tls_policy_version(policy) == version


@given(
    major=st.integers(min_value=0, max_value=9),
    minor=st.integers(min_value=0, max_value=9),
    suffix=st.from_regex(r"(-[A-Z0-9]{1,8}){0,3}", fullmatch=True),
)
def test_any_future_policy_name_yields_its_version(major: int, minor: int, suffix: str) -> None:
    assert tls_policy_version(f"Policy-Min-TLS-{major}-{minor}{suffix}") == (major, minor)
