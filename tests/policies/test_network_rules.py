"""The port-range decision of the public-ingress rules, against a brute-force oracle."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gam_policies.framework import Context
from gam_policies.rules.network import ports_allowed, public_ingress_problem

PORT = st.integers(min_value=0, max_value=65535)
CTX = Context(stack="prod", config={"allowedPublicPorts": [80, 443]})


@given(
    low=PORT,
    span=st.integers(min_value=0, max_value=70),
    allowed=st.sets(PORT | st.integers(min_value=0, max_value=100), max_size=20),
    as_float=st.booleans(),
)
def test_ports_allowed_means_every_port_of_the_range_is_allowed(
    low: int, span: int, allowed: set[int], as_float: bool
) -> None:
    high = min(low + span, 65535)
    convert = float if as_float else int  # the engine sends numbers as floats
    expected = set(range(low, high + 1)) <= allowed
    assert ports_allowed("tcp", convert(low), convert(high), sorted(allowed)) is expected


@given(low=PORT, high=PORT)
def test_reversed_ranges_are_never_allowed(low: int, high: int) -> None:
    if low > high:
        assert not ports_allowed("tcp", low, high, range(65536))


def test_protocols_without_ports_are_never_allowed() -> None:
    for protocol in ("-1", "all", "icmp", "1", "58", None):
        assert not ports_allowed(protocol, 443, 443, [443])
    assert ports_allowed("6", 443, 443, [443])
    assert ports_allowed("UDP", 443, 443, [443])


def test_missing_or_non_numeric_ports_fail_closed() -> None:
    assert not ports_allowed("tcp", None, 443, [443])
    assert not ports_allowed("tcp", "443", 443, [443])
    assert not ports_allowed("tcp", True, True, [1])


def test_only_open_cidrs_are_judged() -> None:
    assert public_ingress_problem(["10.0.0.0/8"], "-1", 0, 65535, False, CTX) is None
    assert public_ingress_problem(["0.0.0.0/0"], "tcp", 443, 443, True, CTX) is None
    assert "Exposure=internet" in str(public_ingress_problem(["::/0"], "tcp", 443, 443, False, CTX))
    assert "ports 22-22" in str(public_ingress_problem(["0.0.0.0/0"], "tcp", 22.0, 22.0, True, CTX))
