"""Networking: the VPC, its subnet tiers, routing, egress, endpoints, flow logs, firewall.

The address plan is `components.cidr`. Trade-offs, written where they are made:

- Every subnet has its own route table, in every tier. Route tables cost nothing,
  and per-AZ routes (a NAT per AZ, a firewall endpoint per AZ) then need no
  special case: routes are one loop over tiers and AZs.
- The public tier is for load balancers only: 0.0.0.0/0 to the internet gateway and
  the VPC over the local route, nothing else, so a load balancer reaches its targets
  and hears their answers on the same path. NAT gateways live in their own egress
  subnets, and only those carry the firewall's return routes.
- No subnet hands out public IPs on launch: NAT gateways use Elastic IPs and load
  balancers get their own.
- The internet gateway always exists: public subnets always exist (load
  balancers), it costs nothing, and a conditional would complicate the routing.
- The data tier has no route off the VPC at all, not even the S3 gateway endpoint
  (ADR 0004), and a network ACL that lets it talk to the private and data subnets only.
- The runner tier (only with `runner_subnets`) holds the deploy runner's builds and is
  routed like the private tier; behind the firewall, a rule group ahead of the
  allow-list passes TLS to the runner's names from its CIDRs only (ADR 0020).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import pulumi
import pulumi_aws as aws

from components import cidr, runner_egress
from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import (
    AZ_ID,
    DEFAULT_INTERFACE_ENDPOINTS,
    DOMAIN,
    LOG_RETENTION_DAYS,
    TGW_ID,
    multi_tenant,
)

TYPE_TOKEN = "gam:network:Networking"

NatGateways = Literal["none", "single", "per-az"]
NAT_MODES = ("none", "single", "per-az")
# A rule group's capacity is fixed at creation, so it is sized for growth; an allow-list
# of N domains inspected on HTTP_HOST and TLS_SNI uses 2 * N + 2 of it.
FIREWALL_RULE_CAPACITY = 1000
WEB_PORTS = (80, 443)
# After the allow-list, in strict order: what the domain rules cannot see. Suricata
# counts a UDP flow as established only once both directions have been seen, so without
# these rules outbound UDP (DNS to an outside resolver included), ICMP and handshakes to
# any TCP port leave and only the replies are dropped. Drop and reject also write an
# ALERT log entry (AWS Network Firewall's StatefulRule actions), so each is alerted on.
DEFAULT_DENY_RULES = (
    'drop udp $HOME_NET any -> $EXTERNAL_NET any (msg:"egress UDP denied"; sid:9000001; rev:1;)',
    'drop icmp $HOME_NET any -> $EXTERNAL_NET any (msg:"egress ICMP denied"; sid:9000002; rev:1;)',
    "reject tcp $HOME_NET any -> $EXTERNAL_NET !["
    + ",".join(str(p) for p in WEB_PORTS)
    + '] (msg:"egress TCP to a non-web port denied"; flow:to_server; sid:9000003; rev:1;)',
    "drop ip $HOME_NET any -> $EXTERNAL_NET any "
    '(msg:"egress on another IP protocol denied"; ip_proto:!6; sid:9000004; rev:1;)',
)
DEFAULT_DENY_CAPACITY = 50
# Buckets AWS owns that the platform reads through the S3 gateway endpoint: ECR's image
# layers, and the Amazon Linux package repositories.
AWS_OWNED_BUCKETS = (
    "prod-{region}-starport-layer-bucket",
    "al2023-repos-{region}-de612dc2",
    "amazonlinux-2-repos-{region}",
)
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
# The flow log fields: beside the defaults, what tells which workload made a connection
# behind the NAT and the firewall (packet-level addresses, direction, path, flags, AZ).
FLOW_LOG_FORMAT = " ".join(
    f"${{{field}}}"
    for field in (
        *("version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport"),
        *("dstport", "protocol", "packets", "bytes", "start", "end", "action", "log-status"),
        *("vpc-id", "subnet-id", "az-id", "instance-id", "tcp-flags", "type"),
        *("pkt-srcaddr", "pkt-dstaddr", "flow-direction", "traffic-path"),
        *("pkt-src-aws-service", "pkt-dst-aws-service"),
    )
)
MAX_ALLOWED_DOMAINS = (FIREWALL_RULE_CAPACITY - 2) // 2
INTERNET = "0.0.0.0/0"
# What the account may do with the firewall's key outside Network Firewall: manage it,
# never use it (encrypting and decrypting go through the service only).
KEY_ADMIN_ACTIONS = (
    *("kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*"),
    *("kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource"),
    *("kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"),
)

_TIER_TAGS: dict[str, dict[str, str]] = {
    "public": {"kubernetes.io/role/elb": "1"},
    "private": {"kubernetes.io/role/internal-elb": "1"},
}
_SERVICE = re.compile(r"^[a-z0-9]+([.-][a-z0-9]+)*$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


@dataclass(frozen=True, kw_only=True)
class NetworkingArgs:
    vpc_cidr: str
    """Required. The VPC's block: RFC 1918, a /16 to a /20 (layout: `components.cidr`)."""

    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`), on every taggable child."""

    az_count: int = 3
    """How many AZs to use, 2 or 3 (default 3)."""

    availability_zone_ids: tuple[str, ...] = ()
    """The AZs by ID (e.g. "euw1-az1"), one per AZ in order: IDs name the same zones in
    every account and never shift. Default (): the region's first `az_count` zones that
    need no opt-in (no Local Zones), by name, whatever their health, so an incident does
    not reorder them; pin IDs in production."""

    nat_gateways: NatGateways = "per-az"
    """Private-tier egress (default "per-az"): "none" (no internet egress), "single" (one
    NAT, in the first egress subnet: cheaper, but egress depends on that AZ) or "per-az".
    NAT gateways sit in their own egress subnets, never in the load balancers' tier."""

    flow_log_retention_days: int = 365
    """Retention of every log group here (flow logs; firewall logs when on). Default 365."""

    flow_log_kms_key_arn: str | None = None
    """Bring-your-own KMS key ARN for every log group here. Default None: a key is created
    (rotation on, 30-day deletion window) that CloudWatch Logs may use for these log
    groups only. A key you bring must let `logs.<region>.amazonaws.com` use it for the
    log groups named `/gam/<component name>/*`."""

    interface_endpoints: tuple[str, ...] = DEFAULT_INTERFACE_ENDPOINTS
    """Interface endpoints (service suffixes) in the private subnets, with private DNS.
    Default: ECR (api, dkr), STS, Logs, SSM (with its messages endpoints), Secrets Manager,
    KMS, EC2, EKS, EKS Auth, ELB, Auto Scaling, SQS, SNS, AppConfig Data, Managed Prometheus
    remote write, X-Ray, WAFv2 (`values.DEFAULT_INTERFACE_ENDPOINTS`). S3 is always a gateway endpoint on the
    private route tables and may not be listed here. Every endpoint admits only this
    account's principals (or the organization's: `endpoint_organization_id`)."""

    endpoint_organization_id: str | None = None
    """Endpoint policies admit principals and S3 buckets of this AWS Organization (o-...)
    rather than of this account only. Default None: this account only."""

    transit_gateway_id: str | None = None
    """Attach the VPC to this transit gateway, through dedicated /28 transit subnets per AZ
    with their own route tables (AWS's recommendation). Default None: no attachment."""

    transit_gateway_routes: tuple[str, ...] = ()
    """CIDRs the private route tables send to the transit gateway (requires
    transit_gateway_id; outside the VPC, not overlapping). Default: none."""

    network_firewall: bool = False
    """Route private-tier egress through AWS Network Firewall before the NAT (requires
    nat_gateways other than "none" and egress_allowed_domains). Default False."""

    egress_allowed_domains: tuple[str, ...] = ()
    """The only domains private workloads may reach over HTTP/TLS (requires
    network_firewall). "example.com" is one host, ".example.com" its subdomains; no
    wildcard may cover a multi-tenant suffix (`components.values.MULTI_TENANT_SUFFIXES`).
    Every other egress is dropped: other protocols, other TCP ports, other names."""

    runner_subnets: bool = False
    """Create the runner tier: one subnet per AZ for the deploy runner (ADR 0020), routed
    like the private tier (the firewall endpoint of its AZ, then the NAT) and reaching the
    same endpoints. Requires nat_gateways other than "none". Default False (its CIDRs
    stay reserved)."""

    runner_allowed_domains: tuple[str, ...] = ()
    """The names the runner tier alone may reach over TLS, beside egress_allowed_domains
    (requires network_firewall and runner_subnets, and then at least one). A rule group
    passes them from the runner subnets' CIDRs only, before the allow-list
    (`components.runner_egress`). Default: none."""

    protect: bool = False
    """Protect the stateful children (the created KMS keys, and the log groups that hold
    audit evidence, which are also retained on delete) from deletion, and turn on the
    firewall's delete, subnet-change and policy-change protection. Default False (prod)."""


def problems(args: NetworkingArgs) -> list[str]:
    """Every problem with `args`, each saying what to change."""
    found = cidr.problems(args.vpc_cidr, args.az_count)
    if args.nat_gateways not in NAT_MODES:
        found.append(f"nat_gateways must be one of {NAT_MODES}, not {args.nat_gateways!r}")
    found += tag_problems(args.tags)
    if args.flow_log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"flow_log_retention_days {args.flow_log_retention_days!r} is not a CloudWatch "
            f"Logs retention; use one of {LOG_RETENTION_DAYS}"
        )
    key = args.flow_log_kms_key_arn
    if key is not None and not _KMS_KEY_ARN.match(key):
        found.append(
            f"flow_log_kms_key_arn {key!r} is not a KMS key ARN "
            "(arn:aws:kms:<region>:<account>:key/<id>); leave it unset to create a key"
        )
    found += _endpoint_problems(args.interface_endpoints)
    found += _zone_problems(args.availability_zone_ids, args.az_count)
    org = args.endpoint_organization_id
    if org is not None and not _ORG_ID.match(org):
        found.append(f"endpoint_organization_id {org!r} is not an organization id (o-abc123defg)")
    tgw = args.transit_gateway_id
    if tgw is not None and not TGW_ID.match(tgw):
        found.append(f"transit_gateway_id {tgw!r} is not a transit gateway id (tgw-0123abcd...)")
    if args.transit_gateway_routes and tgw is None:
        found.append("transit_gateway_routes need transit_gateway_id; set both or neither")
    found += [
        f"transit_gateway_routes: {p}"
        for p in cidr.route_problems(args.vpc_cidr, args.transit_gateway_routes)
    ]
    return found + _firewall_problems(args) + _runner_problems(args)


def _endpoint_problems(services: tuple[str, ...]) -> list[str]:
    found = []
    bad = [s for s in services if not _SERVICE.match(s)]
    if bad:
        found.append(f"interface_endpoints {bad} are not service names such as 'ecr.api'")
    repeated = sorted({s for s in services if services.count(s) > 1})
    if repeated:
        found.append(f"interface_endpoints lists {repeated} more than once; list each once")
    if "s3" in services:
        found.append("interface_endpoints may not hold 's3': S3 always has a gateway endpoint")
    return found


def _zone_problems(ids: tuple[str, ...], az_count: int) -> list[str]:
    if not ids:
        return []
    found = []
    bad = [z for z in ids if not AZ_ID.match(z)]
    if bad:
        found.append(f"availability_zone_ids {bad} are not AZ IDs such as 'euw1-az1'")
    if len(ids) != az_count:
        found.append(f"availability_zone_ids lists {len(ids)} zones for az_count {az_count}")
    if len(set(ids)) != len(ids):
        found.append("availability_zone_ids lists a zone twice; list each once")
    regions = {m.group(1) for z in ids if (m := AZ_ID.match(z))}
    if len(regions) > 1:
        found.append(f"availability_zone_ids mix regions {sorted(regions)}; use one region's")
    return found


def _firewall_problems(args: NetworkingArgs) -> list[str]:
    found = []
    domains = args.egress_allowed_domains
    if args.network_firewall:
        if not domains:
            found.append(
                "network_firewall=True needs egress_allowed_domains: the firewall drops all "
                "other egress; list the hosts workloads may reach (e.g. 'pypi.org')"
            )
        if args.nat_gateways == "none":
            found.append(
                "network_firewall=True inspects egress on its way to the NAT; set "
                "nat_gateways to 'single' or 'per-az', or leave the firewall off"
            )
    elif domains:
        found.append(
            "egress_allowed_domains only take effect with network_firewall=True; "
            "turn the firewall on or remove the domains"
        )
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        found.append(
            f"egress_allowed_domains {bad} are not lower-case domain names; use "
            "'example.com' for one host or '.example.com' for its subdomains"
        )
    shared = {d: s for d in domains if (s := multi_tenant(d))}
    if shared:
        found.append(
            f"egress_allowed_domains {sorted(shared)} cover multi-tenant suffixes "
            f"{sorted(set(shared.values()))}, where anyone's endpoints live; list exact hosts, "
            "and reach AWS APIs through interface_endpoints"
        )
    if len(domains) > MAX_ALLOWED_DOMAINS:
        found.append(
            f"egress_allowed_domains holds {len(domains)} domains, more than the rule "
            f"group's capacity allows ({MAX_ALLOWED_DOMAINS}); use wildcards ('.example.com')"
        )
    return found


def _runner_problems(args: NetworkingArgs) -> list[str]:
    found = []
    if args.runner_subnets and args.nat_gateways == "none":
        found.append(
            "runner_subnets=True needs a way out: set nat_gateways to 'single' or 'per-az'"
        )
    domains = args.runner_allowed_domains
    if args.network_firewall and args.runner_subnets:
        found += [f"runner_allowed_domains {p}" for p in runner_egress.domain_problems(domains)]
    elif domains:
        found.append(
            "runner_allowed_domains only take effect with network_firewall=True and "
            "runner_subnets=True; turn both on or remove the domains"
        )
    return found


class Networking(GamComponent):
    """A VPC with public, private and data tiers over 2-3 AZs, secure by default."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    data_subnet_ids: pulumi.Output[list[str]]
    runner_subnet_ids: pulumi.Output[list[str]] | None
    """The runner tier's subnets in AZ order (None without `runner_subnets`)."""
    route_table_ids: pulumi.Output[dict[str, list[str]]]
    """Per tier in AZ order: "public", "private", "data", and "egress" (with NAT gateways),
    "firewall" (with the firewall), "transit" (with a transit gateway), "runner" (with
    runner subnets) when they exist."""
    endpoint_security_group_id: pulumi.Output[str]
    nat_gateway_ids: list[pulumi.Output[str]]
    """The NAT gateways, one or one per AZ ([] without NAT): what alarms watch."""
    firewall_name: pulumi.Output[str] | None
    """The Network Firewall's name (None without it)."""
    firewall_zones: list[pulumi.Output[str]]
    """The AZ names of the firewall's endpoints, in AZ order ([] without it)."""

    def __init__(
        self, name: str, args: NetworkingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("Networking", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._plan = cidr.plan(args.vpc_cidr, args.az_count)
        self._log_prefix = f"/gam/{name}"
        invoke = pulumi.InvokeOutputOptions(parent=self)
        self._account = Account(self)
        self.firewall_name = None
        self.firewall_zones = []
        zones = self._zones(invoke)

        self._vpc = aws.ec2.Vpc(
            self.child_name("vpc"),
            cidr_block=args.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self.tags("vpc"),
            opts=self.child_opts(),
        )
        # Adopting the default security group with no rules removes AWS's allow-all rules.
        aws.ec2.DefaultSecurityGroup(
            self.child_name("default-sg"),
            vpc_id=self._vpc.id,
            tags=self.tags("default-sg"),
            opts=self.child_opts(),
        )
        tiers = _tiers(args)
        azs = range(args.az_count)
        subnets = {tier: [self._subnet(tier, i, zones) for i in azs] for tier in tiers}
        tables = {
            tier: [self._route_table(f"{tier}-{i}", s) for i, s in enumerate(subnets[tier])]
            for tier in tiers
        }

        igw = aws.ec2.InternetGateway(
            self.child_name("igw"),
            vpc_id=self._vpc.id,
            tags=self.tags("igw"),
            opts=self.child_opts(),
        )
        log_key = self._log_key()
        self._flow_logs(log_key)
        nat_ids = self._nat_gateways(subnets.get("egress", []), igw)
        self.nat_gateway_ids = self._nat_ids
        firewall_ids = self._firewall(subnets, log_key) if args.network_firewall else []
        self._routes(tables, igw.id, nat_ids, firewall_ids)
        self._data_acl(subnets["data"])
        private_ids = _ids(subnets["private"])
        # the runner tier reaches S3 as the private tier does (the state bucket)
        s3_tables = tables["private"] + tables.get("runner", [])
        endpoint_sg = self._endpoints(private_ids, s3_tables)
        if args.transit_gateway_id:
            self._transit_gateway(
                args.transit_gateway_id, _ids(subnets["transit"]), tables["private"]
            )

        self.vpc_id = self._vpc.id
        self.public_subnet_ids = _ids(subnets["public"])
        self.private_subnet_ids = private_ids
        self.data_subnet_ids = _ids(subnets["data"])
        self.runner_subnet_ids = _ids(subnets["runner"]) if "runner" in subnets else None
        self.route_table_ids = pulumi.Output.all(**{tier: _ids(tables[tier]) for tier in tiers})
        self.endpoint_security_group_id = endpoint_sg.id
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "dataSubnetIds": self.data_subnet_ids,
                "routeTableIds": self.route_table_ids,
                "endpointSecurityGroupId": self.endpoint_security_group_id,
                **({"runnerSubnetIds": self.runner_subnet_ids} if self.runner_subnet_ids else {}),
            }
        )

    # --- subnets and routing -----------------------------------------------------

    def _zones(self, invoke: pulumi.InvokeOutputOptions) -> pulumi.Output[list[str]] | None:
        """The AZ names to use when no IDs are pinned (None when they are)."""
        if self._args.availability_zone_ids:
            return None
        no_opt_in = aws.GetAvailabilityZonesFilterArgs(
            name="opt-in-status", values=["opt-in-not-required"]
        )
        return aws.get_availability_zones_output(filters=[no_opt_in], opts=invoke).names

    def _subnet(self, tier: str, i: int, zones: pulumi.Output[list[str]] | None) -> aws.ec2.Subnet:
        role = f"{tier}-{i}"
        pinned = self._args.availability_zone_ids
        return aws.ec2.Subnet(
            self.child_name(role),
            vpc_id=self._vpc.id,
            cidr_block=self._plan.tier(tier)[i],
            availability_zone=zones.apply(lambda names: _zone(names, i)) if zones else None,
            availability_zone_id=pinned[i] if pinned else None,
            map_public_ip_on_launch=False,
            tags=self.tags(role, Tier=tier, **_TIER_TAGS.get(tier, {})),
            opts=self.child_opts(),
        )

    def _route_table(self, subnet_role: str, subnet: aws.ec2.Subnet) -> aws.ec2.RouteTable:
        role = f"{subnet_role}-rt"
        table = aws.ec2.RouteTable(
            self.child_name(role),
            vpc_id=self._vpc.id,
            tags=self.tags(role),
            opts=self.child_opts(),
        )
        aws.ec2.RouteTableAssociation(
            self.child_name(f"{role}-assoc"),
            subnet_id=subnet.id,
            route_table_id=table.id,
            opts=self.child_opts(),
        )
        return table

    def _nat_index(self, az: int) -> int:
        return az if self._args.nat_gateways == "per-az" else 0

    def _nat_gateways(
        self, egress: list[aws.ec2.Subnet], igw: aws.ec2.InternetGateway
    ) -> list[pulumi.Output[str]]:
        """Per AZ, the NAT gateway its egress leaves by ([] when nat_gateways is "none")."""
        count = {"none": 0, "single": 1, "per-az": len(egress)}[self._args.nat_gateways]
        nats = []
        for i in range(count):
            eip = aws.ec2.Eip(
                self.child_name(f"nat-{i}-eip"),
                domain="vpc",
                tags=self.tags(f"nat-{i}-eip"),
                opts=self.child_opts(depends_on=[igw]),
            )
            nat = aws.ec2.NatGateway(
                self.child_name(f"nat-{i}"),
                allocation_id=eip.id,
                subnet_id=egress[i].id,
                connectivity_type="public",
                tags=self.tags(f"nat-{i}"),
                opts=self.child_opts(depends_on=[igw]),
            )
            nats.append(nat.id)
        self._nat_ids = nats
        return [nats[self._nat_index(az)] for az in range(len(egress))] if nats else []

    def _routes(
        self,
        tables: Mapping[str, list[aws.ec2.RouteTable]],
        igw_id: pulumi.Output[str],
        nat_ids: list[pulumi.Output[str]],
        firewall_ids: list[pulumi.Output[str]],
    ) -> None:
        """Each tier's way out, per AZ. The data and transit tiers have none: the data tier
        never leaves the VPC, and traffic from the transit gateway is for the VPC itself.
        The runner tier leaves as the private tier does."""
        inspected = [{"vpc_endpoint_id": f} for f in firewall_ids] or [
            {"nat_gateway_id": n} for n in nat_ids
        ]
        internet: dict[str, list[dict[str, pulumi.Output[str]]]] = {
            "public": [{"gateway_id": igw_id} for _ in tables["public"]],
            "egress": [{"gateway_id": igw_id} for _ in tables.get("egress", [])],
            "private": inspected,
        }
        if "runner" in tables:
            internet["runner"] = inspected
        if firewall_ids:
            internet["firewall"] = [{"nat_gateway_id": n} for n in nat_ids]
        for tier, targets in internet.items():
            for i, target in enumerate(targets):
                self._route(f"{tier}-{i}-internet", tables[tier][i], INTERNET, target)
        # NAT behind the firewall (AWS's "firewall between workloads and NAT gateway"):
        # private AZ j -> firewall endpoint j -> (firewall subnet) -> NAT -> IGW. The
        # replies come back to the NAT, in the egress subnet of the NAT's AZ k, and must
        # re-enter the same firewall endpoint j or its stateful engine sees half a flow:
        # so egress route table k routes private subnet j's CIDR to endpoint j (a route
        # more specific than the VPC's local route). Only NAT gateways live in egress
        # subnets, so nothing else is steered through the firewall: load balancers in the
        # public tier reach private targets, and hear back, over the local route.
        returning = [t for t in ("private", "runner") if t in tables]
        for j, endpoint in enumerate(firewall_ids):
            k = self._nat_index(j)
            target = {"vpc_endpoint_id": endpoint}
            for tier in returning:
                destination = self._plan.tier(tier)[j]
                role = f"egress-{k}-return-{tier}-{j}"
                self._route(role, tables["egress"][k], destination, target)

    def _route(
        self,
        role: str,
        table: aws.ec2.RouteTable,
        destination: str,
        target: Mapping[str, pulumi.Input[str]],
        **opts: Any,
    ) -> None:
        aws.ec2.Route(
            self.child_name(role),
            aws.ec2.RouteArgs(
                route_table_id=table.id, destination_cidr_block=destination, **target
            ),
            opts=self.child_opts(**opts),
        )

    def _transit_gateway(
        self, tgw_id: str, transit_ids: pulumi.Output[list[str]], private: list[aws.ec2.RouteTable]
    ) -> None:
        """Attach the transit subnets; route the configured ranges from the private tier to
        the transit gateway. The transit subnets' own tables keep only the local route:
        what arrives from the transit gateway is for the VPC."""
        attachment = aws.ec2transitgateway.VpcAttachment(
            self.child_name("tgw-attachment"),
            transit_gateway_id=tgw_id,
            vpc_id=self._vpc.id,
            subnet_ids=transit_ids,
            dns_support="enable",
            tags=self.tags("tgw-attachment"),
            opts=self.child_opts(),
        )
        for i, table in enumerate(private):
            for n, destination in enumerate(self._args.transit_gateway_routes):
                target = {"transit_gateway_id": tgw_id}
                self._route(
                    f"private-{i}-tgw-{n}", table, destination, target, depends_on=[attachment]
                )

    def _data_acl(self, data: list[aws.ec2.Subnet]) -> None:
        """Data subnets talk only to the private and data subnets, both ways, any port
        (requests, replies on ephemeral ports, replication between data subnets)."""
        peers = [*self._plan.private, *self._plan.data]
        aws.ec2.NetworkAcl(
            self.child_name("data-acl"),
            vpc_id=self._vpc.id,
            subnet_ids=[s.id for s in data],
            ingress=_acl_rules(aws.ec2.NetworkAclIngressArgs, peers),
            egress=_acl_rules(aws.ec2.NetworkAclEgressArgs, peers),
            tags=self.tags("data-acl"),
            opts=self.child_opts(),
        )

    # --- endpoints -----------------------------------------------------------------

    def _service(self, service: str) -> pulumi.Output[str]:
        prefix = self._account.reverse_dns_prefix
        return pulumi.Output.concat(prefix, ".", self._account.region, ".", service)

    def _endpoints(
        self, private_ids: pulumi.Output[list[str]], private_tables: list[aws.ec2.RouteTable]
    ) -> aws.ec2.SecurityGroup:
        """S3's gateway endpoint on the private route tables only (the data tier never
        reaches S3: ADR 0004), and the interface endpoints in the private subnets."""
        aws.ec2.VpcEndpoint(
            self.child_name("endpoint-s3"),
            vpc_id=self._vpc.id,
            service_name=self._service("s3"),
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in private_tables],
            policy=pulumi.Output.json_dumps(self._s3_endpoint_policy()),
            tags=self.tags("endpoint-s3"),
            opts=self.child_opts(),
        )
        sg = aws.ec2.SecurityGroup(
            self.child_name("endpoints-sg"),
            description="Interface VPC endpoints: HTTPS from inside the VPC only",
            vpc_id=self._vpc.id,
            tags=self.tags("endpoints-sg"),
            opts=self.child_opts(),
        )
        aws.vpc.SecurityGroupIngressRule(
            self.child_name("endpoints-sg-https"),
            security_group_id=sg.id,
            description="HTTPS to AWS service endpoints from the VPC",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=self._args.vpc_cidr,
            tags=self.tags("endpoints-sg-https"),
            opts=self.child_opts(),
        )
        for service in self._args.interface_endpoints:
            role = f"endpoint-{service.replace('.', '-')}"
            aws.ec2.VpcEndpoint(
                self.child_name(role),
                vpc_id=self._vpc.id,
                service_name=self._service(service),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=private_ids,
                security_group_ids=[sg.id],
                policy=pulumi.Output.json_dumps(self._interface_endpoint_policy(service)),
                tags=self.tags(role),
                opts=self.child_opts(),
            )
        return sg

    def _ours(self, key: str) -> dict[str, dict[str, Any]]:
        """A condition that `key` ("Principal" or "Resource") belongs to this account, or
        to the organization when one is set."""
        org = self._args.endpoint_organization_id
        if org:
            return {"StringEquals": {f"aws:{key}OrgID": org}}
        return {"StringEquals": {f"aws:{key}Account": self._account.id}}

    def _s3_endpoint_policy(self) -> dict[str, Any]:
        """Our principals, on our buckets, plus reading the AWS-owned buckets the platform
        pulls from: nothing else of S3 bypasses the firewall through this route."""
        owned = [self._owned_objects(template) for template in AWS_OWNED_BUCKETS]
        ours = self._ours("Principal")["StringEquals"] | self._ours("Resource")["StringEquals"]
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "OurPrincipalsOnOurBuckets",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"StringEquals": ours},
                },
                {
                    "Sid": "OurPrincipalsReadAwsOwnedImageAndPackageBuckets",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": owned,
                    "Condition": self._ours("Principal"),
                },
            ],
        }

    def _owned_objects(self, template: str) -> pulumi.Output[str]:
        bucket = self._account.region.apply(lambda region: template.format(region=region))
        return pulumi.Output.concat("arn:", self._account.partition, ":s3:::", bucket, "/*")

    def _interface_endpoint_policy(self, service: str) -> dict[str, Any]:
        """Our principals only. STS and EKS Auth also take the unsigned web-identity and
        pod-identity calls, for our roles and clusters only (they carry no principal)."""
        statements: list[dict[str, Any]] = [
            {
                "Sid": "OurPrincipalsOnly",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "*",
                "Resource": "*",
                "Condition": self._ours("Principal"),
            }
        ]
        unsigned = {
            "sts": (
                "sts:AssumeRoleWithWebIdentity",
                self._account.arn("iam", "role/*", regional=False),
            ),
            "eks-auth": (
                "eks-auth:AssumeRoleForPodIdentity",
                self._account.arn("eks", "cluster/*"),
            ),
        }
        if service in unsigned:
            action, resource = unsigned[service]
            statements.append(
                {
                    "Sid": "TokenCallsForOurResources",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": action,
                    "Resource": resource,
                }
            )
        return {"Version": "2012-10-17", "Statement": statements}

    # --- logging -------------------------------------------------------------------

    def _log_key(self) -> pulumi.Input[str]:
        """The KMS key of every log group here: the caller's, or one made for them."""
        if self._args.flow_log_kms_key_arn:
            return self._args.flow_log_kms_key_arn
        use = self._account.logs_may_use(
            "CloudWatchLogsUsesItForTheseLogGroups", f"{self._log_prefix}/*"
        )
        description = f"Encrypts the log groups of {self._log_prefix}"
        key = customer_key(
            self, self._account, "logs-key", description, [use], protect=self._args.protect
        )
        return key.arn

    def _firewall_key(self) -> aws.kms.Key:
        """The firewall's, its policy's and its rule groups' key. The account administers it
        but may use it only through Network Firewall, and only this account's callers."""
        use = {
            "Sid": "NetworkFirewallUsesItForThisAccountOnly",
            "Effect": "Allow",
            "Principal": {"AWS": self._account.root()},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": self._account.regional_service("network-firewall"),
                    "kms:CallerAccount": self._account.id,
                }
            },
        }
        description = f"Encrypts the Network Firewall of {self._name}"
        return customer_key(
            self,
            self._account,
            "firewall-key",
            description,
            [use],
            protect=self._args.protect,
            admin=KEY_ADMIN_ACTIONS,
        )

    def _log_group(self, role: str, key_arn: pulumi.Input[str]) -> aws.cloudwatch.LogGroup:
        """A log group of network evidence (flows, firewall verdicts): tagged as audit
        evidence, and in prod protected and kept in AWS even if deleted from the stack."""
        protect = self._args.protect
        return aws.cloudwatch.LogGroup(
            self.child_name(role),
            name=f"{self._log_prefix}/{role}",
            retention_in_days=self._args.flow_log_retention_days,
            kms_key_id=key_arn,
            tags=self.tags(role, Evidence="audit"),
            opts=self.child_opts(protect=protect, retain_on_delete=protect),
        )

    def _flow_logs(self, key_arn: pulumi.Input[str]) -> None:
        group = self._log_group("vpc-flow-logs", key_arn)
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": self._account.id},
                        "ArnLike": {"aws:SourceArn": self._account.arn("ec2", "vpc-flow-log/*")},
                    },
                }
            ],
        }
        role = aws.iam.Role(
            self.child_name("flow-logs-role"),
            description="VPC flow logs deliver to their log group",
            assume_role_policy=pulumi.Output.json_dumps(trust),
            tags=self.tags("flow-logs-role"),
            opts=self.child_opts(),
        )
        deliver = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogGroups",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
                }
            ],
        }
        policy = aws.iam.RolePolicy(
            self.child_name("flow-logs-policy"),
            role=role.id,
            policy=pulumi.Output.json_dumps(deliver),
            opts=self.child_opts(),
        )
        aws.ec2.FlowLog(
            self.child_name("flow-logs"),
            vpc_id=self._vpc.id,
            traffic_type="ALL",
            log_format=FLOW_LOG_FORMAT,
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self.tags("flow-logs"),
            opts=self.child_opts(depends_on=[policy]),
        )

    # --- firewall ------------------------------------------------------------------

    def _rule_group(
        self,
        role: str,
        capacity: int,
        description: str,
        source: aws.networkfirewall.RuleGroupRuleGroupRulesSourceArgs,
        key_arn: pulumi.Input[str],
    ) -> aws.networkfirewall.RuleGroup:
        """A stateful rule group evaluated in strict order, on the firewall's key."""
        nfw = aws.networkfirewall
        return nfw.RuleGroup(
            self.child_name(role),
            type="STATEFUL",
            capacity=capacity,
            description=description,
            rule_group=nfw.RuleGroupRuleGroupArgs(
                rules_source=source,
                stateful_rule_options=nfw.RuleGroupRuleGroupStatefulRuleOptionsArgs(
                    rule_order="STRICT_ORDER"
                ),
            ),
            encryption_configuration=nfw.RuleGroupEncryptionConfigurationArgs(
                type="CUSTOMER_KMS", key_id=key_arn
            ),
            tags=self.tags(role),
            opts=self.child_opts(),
        )

    def _firewall(
        self, tiers: Mapping[str, list[aws.ec2.Subnet]], key_arn: pulumi.Input[str]
    ) -> list[pulumi.Output[str]]:
        """AWS Network Firewall on the egress path; returns its endpoint per AZ."""
        nfw = aws.networkfirewall
        subnets = tiers["firewall"]
        firewall_key = self._firewall_key().arn
        nfw_source = nfw.RuleGroupRuleGroupRulesSourceArgs
        groups = []
        if "runner" in tiers:
            rules = runner_egress.pass_rules(self._plan.runner, self._args.runner_allowed_domains)
            groups.append(
                self._rule_group(
                    "runner-egress",
                    runner_egress.RULE_CAPACITY,
                    "From the deploy runner's subnets only: TLS to the names it needs",
                    nfw_source(rules_string="\n".join(rules)),
                    firewall_key,
                )
            )
        allowlist = self._rule_group(
            "egress-allowlist",
            FIREWALL_RULE_CAPACITY,
            "Domains private workloads may reach (HTTP Host, TLS SNI)",
            nfw_source(
                rules_source_list=nfw.RuleGroupRuleGroupRulesSourceRulesSourceListArgs(
                    generated_rules_type="ALLOWLIST",
                    target_types=["HTTP_HOST", "TLS_SNI"],
                    targets=list(self._args.egress_allowed_domains),
                )
            ),
            firewall_key,
        )
        default_deny = self._rule_group(
            "egress-default-deny",
            DEFAULT_DENY_CAPACITY,
            "After the allow-list: drop UDP, ICMP, other IP protocols; reject non-web TCP",
            nfw_source(rules_string="\n".join(DEFAULT_DENY_RULES)),
            firewall_key,
        )
        # Strict order: the runner's source-scoped pass rules (when it has subnets) before
        # the allow-list, whose generated rules drop every TLS and HTTP flow they do not
        # pass; then the allow-list (TLS SNI / HTTP Host); then the default-deny group for
        # what those rules cannot see. The default actions hold their verdict
        # until the application layer is readable (`..._app_layer`): a post-quantum TLS
        # ClientHello spans two TCP segments, and `drop_established` would drop the first,
        # SNI-less one. Established flows that match no pass rule are dropped and alerted.
        policy = nfw.FirewallPolicy(
            self.child_name("firewall-policy"),
            description="Egress: web traffic to allow-listed names only",
            firewall_policy=nfw.FirewallPolicyFirewallPolicyArgs(
                stateless_default_actions=["aws:forward_to_sfe"],
                stateless_fragment_default_actions=["aws:forward_to_sfe"],
                stateful_engine_options=nfw.FirewallPolicyFirewallPolicyStatefulEngineOptionsArgs(
                    rule_order="STRICT_ORDER"
                ),
                stateful_default_actions=[
                    "aws:drop_established_app_layer",
                    "aws:alert_established_app_layer",
                ],
                stateful_rule_group_references=[
                    nfw.FirewallPolicyFirewallPolicyStatefulRuleGroupReferenceArgs(
                        resource_arn=group.arn, priority=priority
                    )
                    for priority, group in enumerate([*groups, allowlist, default_deny], 1)
                ],
            ),
            encryption_configuration=nfw.FirewallPolicyEncryptionConfigurationArgs(
                type="CUSTOMER_KMS", key_id=firewall_key
            ),
            tags=self.tags("firewall-policy"),
            opts=self.child_opts(),
        )
        firewall = nfw.Firewall(
            self.child_name("firewall"),
            description="Inspects private-tier egress before the NAT",
            firewall_policy_arn=policy.arn,
            vpc_id=self._vpc.id,
            subnet_mappings=[nfw.FirewallSubnetMappingArgs(subnet_id=s.id) for s in subnets],
            delete_protection=self._args.protect,
            subnet_change_protection=self._args.protect,
            firewall_policy_change_protection=self._args.protect,
            encryption_configuration=nfw.FirewallEncryptionConfigurationArgs(
                type="CUSTOMER_KMS", key_id=firewall_key
            ),
            tags=self.tags("firewall"),
            opts=self.child_opts(),
        )
        self.firewall_name = firewall.name
        self.firewall_zones = [s.availability_zone for s in subnets]
        destinations = [
            nfw.LoggingConfigurationLoggingConfigurationLogDestinationConfigArgs(
                log_type=kind,
                log_destination_type="CloudWatchLogs",
                log_destination={
                    "logGroup": self._log_group(f"firewall-{kind.lower()}", key_arn).name
                },
            )
            for kind in ("FLOW", "ALERT")
        ]
        nfw.LoggingConfiguration(
            self.child_name("firewall-logging"),
            firewall_arn=firewall.arn,
            logging_configuration=nfw.LoggingConfigurationLoggingConfigurationArgs(
                log_destination_configs=destinations
            ),
            opts=self.child_opts(),
        )
        return [
            pulumi.Output.all(firewall.firewall_statuses, s.id).apply(
                lambda found: _endpoint_in(found[0], found[1])
            )
            for s in subnets
        ]


# --- helpers ---------------------------------------------------------------------------


def _tiers(args: NetworkingArgs) -> list[str]:
    """The tiers this configuration creates subnets in (the plan reserves all of them)."""
    wanted = {
        "runner": args.runner_subnets,
        "firewall": args.network_firewall,
        "egress": args.nat_gateways != "none",
        "transit": args.transit_gateway_id is not None,
    }
    return [t for t in cidr.TIERS if wanted.get(t, True)]


_AclRule = TypeVar("_AclRule", aws.ec2.NetworkAclIngressArgs, aws.ec2.NetworkAclEgressArgs)


def _acl_rules(kind: type[_AclRule], cidrs: Sequence[str]) -> list[_AclRule]:
    """Allow everything to/from each CIDR; the ACL's implicit rule denies the rest."""
    return [
        kind(
            rule_no=100 + 10 * n,
            action="allow",
            protocol="-1",
            from_port=0,
            to_port=0,
            cidr_block=block,
        )
        for n, block in enumerate(cidrs)
    ]


def _ids(resources: Sequence[pulumi.CustomResource]) -> pulumi.Output[list[str]]:
    return pulumi.Output.all(*[r.id for r in resources])


def _zone(names: list[str], i: int) -> str:
    if i >= len(names):
        raise ValueError(f"the region has only {len(names)} available AZs; lower az_count")
    return names[i]


def _endpoint_in(statuses: Sequence[Mapping[str, Any]] | None, subnet_id: str) -> str:
    """The endpoint AWS made in `subnet_id`: firewall_statuses[].sync_states[].attachments[].

    Read as mappings with the SDK's snake_case keys: that is what the output holds,
    both as plain dicts and as the SDK's typed output classes (dict subclasses).
    """
    for status in statuses or ():
        for state in status.get("sync_states") or ():
            for attachment in state.get("attachments") or ():
                if attachment.get("subnet_id") == subnet_id and attachment.get("endpoint_id"):
                    return str(attachment["endpoint_id"])
    raise ValueError(
        f"AWS Network Firewall reports no endpoint in subnet {subnet_id}; "
        "wait for the firewall to finish provisioning, then run the update again"
    )
