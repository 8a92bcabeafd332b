"""The VPC's address plan: which CIDR each subnet of each tier gets. Pure: no pulumi.

The layout is always cut for MAX_AZS availability zones, whatever `az_count` is,
so that growing from 2 to 3 AZs adds subnets and never renumbers one. For a VPC
of prefix /p (16 <= p <= 20):

    quarters 0, 1, 2 (/p+2 each)  private subnets of AZ 0, 1, 2 (the large tier:
                                  nodes and pods)
    quarter 3, cut in four /p+4:
        block 0                   public subnets   /p+6, AZ 0..2 (load balancers only)
        block 1                   data subnets     /p+6, AZ 0..2 (databases, caches)
        block 2                   firewall subnets /p+6, AZ 0..2 (reserved even when
                                  the firewall is off, so turning it on moves nothing)
        block 3, cut in four /p+6:
            piece 0               egress subnets  /28, AZ 0..2 (NAT gateways only)
            piece 1               transit subnets /28, AZ 0..2 (transit gateway
                                  attachment, as AWS recommends)
            piece 2, cut in four  runner subnets /p+8, AZ 0..2 (the deploy runner's
                                  CodeBuild builds: ADR 0020)
            piece 3               spare, for a tier not yet planned

A /16 gives /18 private and /22 small subnets; a /20 gives /22 and /26 (the
smallest tier subnet stays well above AWS's /28 minimum). Egress and transit
subnets are /28 whatever the VPC's size: a NAT gateway or an attachment takes one
address per AZ. They came from the spare block after the first three tiers, so
adding them renumbered nothing; so did the runner tier after them (a /24 in a /16, a
/28 in a /20: one address per concurrent build, at most 20, and spares for the network
interfaces CodeBuild has not yet released).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

TIERS = ("public", "private", "data", "firewall", "egress", "transit", "runner")
MIN_AZS = 2
MAX_AZS = 3
LARGEST_PREFIX = 16  # the largest VPC AWS allows
SMALLEST_PREFIX = 20  # the smallest VPC this plan fits (its small subnets are /26)
PRIVATE_BITS = 2  # a private subnet is a quarter of the VPC
SMALL_BITS = 6  # a public, data or firewall subnet is a 64th of it
EDGE_PREFIX = 28  # an egress (NAT) or transit gateway subnet: AWS's smallest subnet
RUNNER_BITS = 8  # a runner subnet is a 256th of the VPC: a quarter of spare piece 2
_SMALL_BLOCK_BITS = 4  # quarter 3 is cut into four blocks of /p+4, one per small tier

RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


@dataclass(frozen=True)
class Plan:
    """The subnets of every tier, one CIDR per AZ in AZ order."""

    vpc_cidr: str
    public: tuple[str, ...]
    private: tuple[str, ...]
    data: tuple[str, ...]
    firewall: tuple[str, ...]
    egress: tuple[str, ...]
    transit: tuple[str, ...]
    runner: tuple[str, ...]

    def tier(self, name: str) -> tuple[str, ...]:
        if name not in TIERS:
            raise KeyError(f"unknown tier {name!r}; tiers are {TIERS}")
        subnets: tuple[str, ...] = getattr(self, name)
        return subnets


def problems(vpc_cidr: str, az_count: int) -> list[str]:
    """Every reason `plan(vpc_cidr, az_count)` would fail, each saying what to change."""
    found = []
    if isinstance(az_count, bool) or not isinstance(az_count, int):
        found.append(f"az_count must be an integer from {MIN_AZS} to {MAX_AZS}, not {az_count!r}")
    elif not MIN_AZS <= az_count <= MAX_AZS:
        found.append(f"az_count must be from {MIN_AZS} to {MAX_AZS}, not {az_count}")
    try:
        network = ipaddress.IPv4Network(vpc_cidr, strict=False)
    except (ValueError, TypeError):
        return [*found, f"vpc_cidr {vpc_cidr!r} is not an IPv4 CIDR such as '10.20.0.0/16'"]
    if str(network) != vpc_cidr:
        found.append(f"vpc_cidr {vpc_cidr!r} has host bits set; use {str(network)!r}")
    if not any(network.subnet_of(block) for block in RFC1918):
        found.append(
            f"vpc_cidr {vpc_cidr!r} is not private address space; "
            "use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        )
    if network.prefixlen < LARGEST_PREFIX:
        found.append(
            f"vpc_cidr {vpc_cidr!r} is larger than AWS allows; use a /{LARGEST_PREFIX} "
            f"to /{SMALLEST_PREFIX}"
        )
    elif network.prefixlen > SMALLEST_PREFIX:
        found.append(
            f"vpc_cidr {vpc_cidr!r} is too small for the subnet plan "
            f"({len(TIERS)} tiers x {MAX_AZS} AZs); use a /{LARGEST_PREFIX} to /{SMALLEST_PREFIX}"
        )
    return found


def route_problems(vpc_cidr: str, destinations: tuple[str, ...]) -> list[str]:
    """Problems with routes leaving the VPC: each destination a valid IPv4 CIDR, outside
    the VPC, and no two overlapping (the longest-prefix match would hide one)."""
    found = []
    networks = []
    for destination in destinations:
        try:
            networks.append(ipaddress.IPv4Network(destination, strict=True))
        except ValueError:
            found.append(f"{destination!r} is not an IPv4 CIDR such as '10.200.0.0/16'")
    try:
        vpc = ipaddress.IPv4Network(vpc_cidr, strict=False)
    except ValueError:
        vpc = None
    for i, network in enumerate(networks):
        if vpc is not None and network.overlaps(vpc):
            found.append(f"{network} overlaps the VPC ({vpc}); routes must lead outside it")
        found += [
            f"{network} and {other} overlap; list each range once"
            for other in networks[i + 1 :]
            if network.overlaps(other)
        ]
    return found


def plan(vpc_cidr: str, az_count: int) -> Plan:
    """The subnet CIDRs for `az_count` AZs; ValueError naming every problem otherwise."""
    found = problems(vpc_cidr, az_count)
    if found:
        raise ValueError("; ".join(found))
    network = ipaddress.IPv4Network(vpc_cidr)
    quarters = list(network.subnets(prefixlen_diff=PRIVATE_BITS))
    blocks = list(quarters[-1].subnets(prefixlen_diff=_SMALL_BLOCK_BITS - PRIVATE_BITS))
    small_diff = SMALL_BITS - _SMALL_BLOCK_BITS

    def first(subnets: list[ipaddress.IPv4Network]) -> tuple[str, ...]:
        return tuple(str(s) for s in subnets[:az_count])

    public, data, firewall = (
        first(list(block.subnets(prefixlen_diff=small_diff))) for block in blocks[:3]
    )
    private = first(quarters[:MAX_AZS])
    spare = list(blocks[3].subnets(prefixlen_diff=small_diff))
    egress, transit = (first(list(piece.subnets(new_prefix=EDGE_PREFIX))) for piece in spare[:2])
    runner = first(list(spare[2].subnets(prefixlen_diff=RUNNER_BITS - SMALL_BITS)))
    return Plan(
        vpc_cidr=vpc_cidr,
        public=public,
        private=private,
        data=data,
        firewall=firewall,
        egress=egress,
        transit=transit,
        runner=runner,
    )
