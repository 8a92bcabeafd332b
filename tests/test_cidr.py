"""The subnet plan: pure, property-based over every VPC size the plan accepts."""

from __future__ import annotations

import ipaddress
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import cidr

AZ_COUNTS = st.integers(min_value=cidr.MIN_AZS, max_value=cidr.MAX_AZS)


@st.composite
def vpc_cidrs(draw: st.DrawFn) -> str:
    """Any /16 to /20 anywhere inside RFC 1918 space."""
    block = draw(st.sampled_from(cidr.RFC1918))
    low = max(cidr.LARGEST_PREFIX, block.prefixlen)
    prefix = draw(st.integers(min_value=low, max_value=cidr.SMALLEST_PREFIX))
    offset = draw(st.integers(min_value=0, max_value=block.num_addresses - 1))
    address = int(block.network_address) + offset
    return str(ipaddress.IPv4Network((address, prefix), strict=False))


def networks(plan: cidr.Plan) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(c) for tier in cidr.TIERS for c in plan.tier(tier)]


@given(vpc_cidrs(), AZ_COUNTS)
def test_no_two_subnets_overlap(vpc: str, azs: int) -> None:
    for a, b in combinations(networks(cidr.plan(vpc, azs)), 2):
        assert not a.overlaps(b), (a, b)


@given(vpc_cidrs(), AZ_COUNTS)
def test_every_subnet_lies_inside_the_vpc(vpc: str, azs: int) -> None:
    whole = ipaddress.IPv4Network(vpc)
    assert all(n.subnet_of(whole) for n in networks(cidr.plan(vpc, azs)))


@given(vpc_cidrs(), AZ_COUNTS)
def test_the_plan_is_deterministic(vpc: str, azs: int) -> None:
    assert cidr.plan(vpc, azs) == cidr.plan(vpc, azs)


@given(vpc_cidrs(), AZ_COUNTS)
def test_each_tier_has_one_subnet_per_az_sized_as_documented(vpc: str, azs: int) -> None:
    plan = cidr.plan(vpc, azs)
    prefix = ipaddress.IPv4Network(vpc).prefixlen
    sizes = {
        tier: {ipaddress.IPv4Network(c).prefixlen for c in plan.tier(tier)} for tier in cidr.TIERS
    }
    assert all(len(plan.tier(tier)) == azs for tier in cidr.TIERS)
    assert sizes["private"] == {prefix + cidr.PRIVATE_BITS}
    assert sizes["public"] == sizes["data"] == sizes["firewall"] == {prefix + cidr.SMALL_BITS}
    assert sizes["egress"] == sizes["transit"] == {cidr.EDGE_PREFIX}
    assert sizes["runner"] == {prefix + cidr.RUNNER_BITS}


@given(vpc_cidrs(), AZ_COUNTS)
def test_runner_subnets_hold_the_most_concurrent_builds_settings_allow(vpc: str, azs: int) -> None:
    """A build takes one address; AWS reserves five per subnet; up to 20 builds run at once,
    spread over the zones (the smallest VPC, a /20, gives /28s)."""
    usable = sum(ipaddress.IPv4Network(c).num_addresses - 5 for c in cidr.plan(vpc, azs).runner)
    assert usable >= 20


@given(vpc_cidrs())
def test_adding_an_az_keeps_every_existing_subnet(vpc: str) -> None:
    two, three = cidr.plan(vpc, 2), cidr.plan(vpc, 3)
    for tier in cidr.TIERS:
        assert three.tier(tier)[:2] == two.tier(tier)


def test_a_16_is_laid_out_as_documented() -> None:
    plan = cidr.plan("10.20.0.0/16", 3)
    assert plan.private == ("10.20.0.0/18", "10.20.64.0/18", "10.20.128.0/18")
    assert plan.public == ("10.20.192.0/22", "10.20.196.0/22", "10.20.200.0/22")
    assert plan.data == ("10.20.208.0/22", "10.20.212.0/22", "10.20.216.0/22")
    assert plan.firewall == ("10.20.224.0/22", "10.20.228.0/22", "10.20.232.0/22")
    assert plan.egress == ("10.20.240.0/28", "10.20.240.16/28", "10.20.240.32/28")
    assert plan.transit == ("10.20.244.0/28", "10.20.244.16/28", "10.20.244.32/28")
    assert plan.runner == ("10.20.248.0/24", "10.20.249.0/24", "10.20.250.0/24")


def test_a_20_keeps_its_egress_and_transit_subnets_apart() -> None:
    plan = cidr.plan("192.168.16.0/20", 2)
    assert plan.public == ("192.168.28.0/26", "192.168.28.64/26")
    assert plan.egress == ("192.168.31.0/28", "192.168.31.16/28")
    assert plan.transit == ("192.168.31.64/28", "192.168.31.80/28")
    assert plan.runner == ("192.168.31.128/28", "192.168.31.144/28")


@given(vpc_cidrs(), AZ_COUNTS)
def test_the_new_edge_tiers_renumber_none_of_the_first_four(vpc: str, azs: int) -> None:
    """Egress and transit subnets came later, from the spare block: the first four tiers
    keep the addresses the plan gave them before (public, data, firewall in blocks 0-2 of
    quarter 3, private in quarters 0-2)."""
    network = ipaddress.IPv4Network(vpc)
    quarter3 = list(network.subnets(prefixlen_diff=cidr.PRIVATE_BITS))[3]
    blocks = list(quarter3.subnets(prefixlen_diff=2))
    plan = cidr.plan(vpc, azs)
    for block, tier in zip(blocks, ("public", "data", "firewall"), strict=False):
        assert all(ipaddress.IPv4Network(c).subnet_of(block) for c in plan.tier(tier))
    assert all(
        ipaddress.IPv4Network(c).subnet_of(blocks[3])
        for t in ("egress", "transit")
        for c in plan.tier(t)
    )


@given(vpc_cidrs(), AZ_COUNTS)
def test_the_runner_tier_takes_spare_piece_2_and_leaves_piece_3_free(vpc: str, azs: int) -> None:
    """The runner tier came after egress and transit, from the same spare block: it lies in
    piece 2 of block 3, so no earlier tier moved, and piece 3 is still free for a next tier."""
    network = ipaddress.IPv4Network(vpc)
    quarter3 = list(network.subnets(prefixlen_diff=cidr.PRIVATE_BITS))[3]
    pieces = list(list(quarter3.subnets(prefixlen_diff=2))[3].subnets(prefixlen_diff=2))
    plan = cidr.plan(vpc, azs)
    assert all(ipaddress.IPv4Network(c).subnet_of(pieces[2]) for c in plan.runner)
    assert not any(n.overlaps(pieces[3]) for n in networks(plan))


@pytest.mark.parametrize(
    ("vpc", "azs", "expected"),
    [
        ("10.0.0.0/21", 2, "too small for the subnet plan"),
        ("10.0.0.0/15", 2, "larger than AWS allows"),
        ("10.0.0.1/16", 2, "use '10.0.0.0/16'"),
        ("8.8.0.0/16", 2, "not private address space"),
        ("10.0.0.0/33", 2, "not an IPv4 CIDR"),
        ("banana", 2, "not an IPv4 CIDR"),
        ("10.0.0.0/16", 1, "az_count must be from 2 to 3"),
        ("10.0.0.0/16", 4, "az_count must be from 2 to 3"),
        ("10.0.0.0/16", True, "az_count must be an integer"),
    ],
)
def test_invalid_input_is_refused_with_what_to_change(vpc: str, azs: int, expected: str) -> None:
    assert any(expected in p for p in cidr.problems(vpc, azs))
    with pytest.raises(ValueError, match=expected):
        cidr.plan(vpc, azs)


def test_every_problem_is_reported_at_once() -> None:
    assert len(cidr.problems("8.8.0.1/24", 5)) == 4


def test_an_unknown_tier_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown tier"):
        cidr.plan("10.0.0.0/16", 2).tier("dmz")


@given(vpc_third=st.integers(0, 255), inner=st.integers(17, 28), other=st.integers(0, 255))
def test_route_problems_refuse_ranges_inside_the_vpc_and_accept_ranges_outside(
    vpc_third: int, inner: int, other: int
) -> None:
    vpc = f"10.{vpc_third}.0.0/16"
    inside = str(next(ipaddress.IPv4Network(vpc).subnets(new_prefix=inner)))
    assert any("overlaps the VPC" in p for p in cidr.route_problems(vpc, (inside,)))
    outside = f"172.16.{other}.0/24"
    assert cidr.route_problems(vpc, (outside,)) == []


def test_route_problems_name_bad_and_overlapping_destinations() -> None:
    found = cidr.route_problems("10.0.0.0/16", ("10.1.0.0/16", "10.1.2.0/24", "nonsense"))
    assert "'nonsense' is not an IPv4 CIDR such as '10.200.0.0/16'" in found
    assert "10.1.0.0/16 and 10.1.2.0/24 overlap; list each range once" in found
