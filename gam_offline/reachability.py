"""Where a packet goes, read from a recorded preview, before anything exists.

AWS's Reachability Analyzer needs a deployed VPC; this model needs only the record:
subnets, route tables and their routes and associations, NAT gateways, the firewall's
endpoints (from its `firewallStatuses`), network ACLs. From a subnet to an address it
resolves each next hop as the VPC router does: the route table of the subnet the packet
is in, longest prefix match, the local route winning a tie; a firewall endpoint or a NAT
gateway hands the packet on from its own subnet's table. Network ACLs (stateless, rules
in number order, first match wins) are checked where a packet leaves and enters a subnet.
A flow has a protocol, a port, (for web traffic) a host name and its source address: at a
firewall endpoint the firewall's stateful rule groups judge it in strict order (groups
ahead of the allow-list, such as the deploy runner's source-scoped pass rules; the
allow-list's generated rules, which decide every HTTP Host / TLS SNI flow; then the
Suricata rules of the other groups), and the policy's default action where nothing
matches.

`findings` states the properties the network must have; the tests run it on every stack
and on broken records, and `gam-infra preview` prints `summary`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from gam_offline.records import Record, RecordedResource, unwrap

IPv4 = ipaddress.IPv4Address
Net = ipaddress.IPv4Network

INTERNET_ADDRESS = IPv4("198.51.100.10")  # TEST-NET-2: stands for any host on the internet
LOAD_BALANCER_TAG = "kubernetes.io/role/elb"
# Tiers whose subnets may face the internet: load balancers, and NAT gateways (which
# accept no connection from outside).
INTERNET_FACING_TIERS = ("public", "egress")
# Tiers whose egress must cross the firewall of their AZ when there is one: workloads,
# and the deploy runner (ADR 0020).
INSPECTED_TIERS = ("private", "runner")
MAX_HOPS = 16

Outcome = Literal[
    "delivered",
    "internet",
    "transit-gateway",
    "no-route",
    "denied-by-acl",
    "dropped-by-firewall",
    "loop",
]
HopKind = Literal["subnet", "firewall", "nat", "internet-gateway", "transit-gateway"]
_ROUTE_TARGETS = (
    ("gatewayId", "gateway"),
    ("natGatewayId", "nat"),
    ("vpcEndpointId", "endpoint"),
    ("transitGatewayId", "transit-gateway"),
)


PROTOCOLS = {"icmp": 1, "tcp": 6, "udp": 17}


@dataclass(frozen=True)
class Flow:
    """What is sent: an IP protocol (a name of PROTOCOLS or a number), a destination
    port for TCP and UDP, and the host name a web client would put in its SNI / Host."""

    protocol: str | int = "tcp"
    port: int | None = 443
    host: str | None = None

    @property
    def number(self) -> int:
        return self.protocol if isinstance(self.protocol, int) else PROTOCOLS[self.protocol]

    def __str__(self) -> str:
        port = f"/{self.port}" if self.port is not None else ""
        return f"{self.protocol}{port}" + (f" to {self.host}" if self.host else "")


WEB = Flow("tcp", 443, "pypi.org")


# Application protocols as the model knows them: what a web client speaks to its port.
APP_PORTS = {"tls": 443, "http": 80}


@dataclass(frozen=True)
class FirewallRule:
    """One Suricata rule, as far as this model reads it: action, protocol (an IP protocol,
    or "tls" / "http": a web flow with a host name to 443 / 80), source CIDRs (None: any),
    destination ports (None: any; `negated`: all but these), `ip_proto` (negated or not)
    and the names its SNI / Host content matches (None: any name; ".example.com" is the
    name and everything under it, Suricata's `dotprefix` form)."""

    action: str
    protocol: str
    ports: frozenset[int] | None = None
    negated: bool = False
    ip_proto: int | None = None
    ip_proto_negated: bool = False
    sources: tuple[Net, ...] | None = None
    names: tuple[str, ...] | None = None

    def matches(self, flow: Flow, source: IPv4 | None = None) -> bool:
        if self.protocol in APP_PORTS:
            if flow.host is None or flow.number != PROTOCOLS["tcp"]:
                return False
            if flow.port != APP_PORTS[self.protocol]:
                return False
        elif self.protocol != "ip" and PROTOCOLS.get(self.protocol) != flow.number:
            return False
        if self.sources is not None and not (source and any(source in n for n in self.sources)):
            return False
        if self.names is not None and not _allowed(flow.host or "", self.names):
            return False
        if self.ip_proto is not None and (flow.number == self.ip_proto) == self.ip_proto_negated:
            return False
        if self.ports is None:
            return True
        return (flow.port in self.ports) != self.negated


@dataclass(frozen=True)
class Firewall:
    """A firewall's policy in strict order: the rules of groups ahead of the allow-list
    (`before`), the allow-list's names (TLS SNI on 443, HTTP Host on 80: its generated
    rules pass those and drop every other named web flow), the other groups' rules, then
    the default action."""

    allowed_names: tuple[str, ...] = ()
    rules: tuple[FirewallRule, ...] = ()
    default_drop: bool = True
    before: tuple[FirewallRule, ...] = ()

    def scoped_names(self, source: IPv4) -> tuple[str, ...]:
        """The names pass rules mean to let out from `source` because of where it is
        (rules that name their sources), wherever they sit: behind the allow-list they
        would never be reached, and `findings` says so."""
        return tuple(
            name
            for rule in (*self.before, *self.rules)
            if rule.action == "pass" and rule.sources is not None and rule.names
            if any(source in n for n in rule.sources)
            for name in rule.names
        )

    def names_ahead(self) -> tuple[str, ...]:
        """Every name a pass rule ahead of the allow-list names, scoped or not."""
        return tuple(
            name for rule in self.before if rule.action == "pass" for name in rule.names or ()
        )

    def allowed_flow(self) -> Flow:
        """HTTPS to the first allowed name (a host under it, for a wildcard)."""
        if not self.allowed_names:
            return WEB
        name = self.allowed_names[0]
        return Flow("tcp", 443, f"www{name}" if name.startswith(".") else name)

    def verdict(self, flow: Flow, source: IPv4 | None = None) -> str:
        """ "pass", "drop" or "reject" for `flow` from `source` (None: an address no
        source-scoped rule names)."""
        for rule in self.before:
            if rule.matches(flow, source):
                return rule.action
        web = flow.number == PROTOCOLS["tcp"] and flow.port in (80, 443)
        if web and flow.host is not None:
            return "pass" if _allowed(flow.host, self.allowed_names) else "drop"
        for rule in self.rules:
            if rule.matches(flow, source):
                return rule.action
        return "drop" if self.default_drop else "pass"


def _allowed(host: str, names: Iterable[str]) -> bool:
    """Whether `host` is one of `names`; ".example.com" is example.com and every name
    under it (Network Firewall's domain lists and Suricata's `dotprefix` alike)."""
    return any(host == n or (n.startswith(".") and f".{host}".endswith(n)) for n in names)


@dataclass(frozen=True)
class Subnet:
    id: str
    name: str
    cidr: Net
    az: str
    tier: str
    tags: Mapping[str, str]


@dataclass(frozen=True)
class Route:
    destination: Net
    kind: str  # "local", "gateway", "nat", "endpoint", "transit-gateway"
    target: str


@dataclass(frozen=True)
class AclRule:
    number: int
    allow: bool
    cidr: Net


@dataclass(frozen=True)
class Hop:
    kind: HopKind
    target: str  # a subnet's name, or the id of a firewall endpoint, NAT or gateway
    az: str | None = None


@dataclass(frozen=True)
class Path:
    hops: tuple[Hop, ...]
    outcome: Outcome

    def through(self, kind: HopKind) -> list[Hop]:
        return [h for h in self.hops if h.kind == kind]

    def __str__(self) -> str:
        return " -> ".join(f"{h.kind}:{h.target}" for h in self.hops) + f" [{self.outcome}]"


@dataclass
class Network:
    """One VPC of a record, as the VPC router sees it."""

    vpc_cidr: Net
    subnets: dict[str, Subnet]
    routes: dict[str, list[Route]] = field(default_factory=dict)  # by subnet id
    middlebox_subnet: dict[str, str] = field(default_factory=dict)  # NAT / endpoint -> subnet
    firewall_endpoints: set[str] = field(default_factory=set)
    firewall: Firewall = field(default_factory=Firewall)
    acls: dict[str, tuple[list[AclRule], list[AclRule]]] = field(default_factory=dict)

    # --- the router ------------------------------------------------------------

    def tier(self, name: str) -> list[Subnet]:
        return sorted((s for s in self.subnets.values() if s.tier == name), key=lambda s: s.az)

    def lookup(self, subnet_id: str, address: IPv4) -> Route | None:
        """The route the subnet's table picks: longest prefix, the local route on a tie
        (None: no route). A subnet with no associated table uses the main table, which
        holds the local route only."""
        local = Route(self.vpc_cidr, "local", "local")
        candidates = [
            r for r in [local, *self.routes.get(subnet_id, [])] if address in r.destination
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda r: (r.destination.prefixlen, r.kind == "local"))

    def subnet_at(self, address: IPv4) -> Subnet | None:
        return next((s for s in self.subnets.values() if address in s.cidr), None)

    def acl_allows(self, subnet: Subnet, direction: int, peer: IPv4) -> bool:
        """Whether the subnet's ACL passes traffic to or from `peer` (0 ingress, 1 egress).
        No ACL recorded: the VPC's default ACL, which allows everything."""
        if subnet.id not in self.acls:
            return True
        for rule in sorted(self.acls[subnet.id][direction], key=lambda r: r.number):
            if peer in rule.cidr:
                return rule.allow
        return False

    def walk(self, start: Subnet, source: IPv4, destination: IPv4, flow: Flow = WEB) -> Path:
        """The hops of a packet of `flow` sent from `source` in `start` to `destination`."""
        hops = [Hop("subnet", start.name, start.az)]
        current, seen = start, set()
        while len(hops) < MAX_HOPS:
            if not self.acl_allows(current, 1, destination):
                return Path(tuple(hops), "denied-by-acl")
            route = self.lookup(current.id, destination)
            if route is None:
                return Path(tuple(hops), "no-route")
            if route.kind == "local":
                target = self.subnet_at(destination)
                if target is None:
                    return Path(tuple(hops), "no-route")
                if not self.acl_allows(target, 0, source):
                    return Path(tuple(hops), "denied-by-acl")
                return Path((*hops, Hop("subnet", target.name, target.az)), "delivered")
            if route.kind == "gateway" and route.target.startswith("igw-"):
                return Path((*hops, Hop("internet-gateway", route.target)), "internet")
            if route.kind == "transit-gateway":
                return Path((*hops, Hop("transit-gateway", route.target)), "transit-gateway")
            next_subnet = self.subnets.get(self.middlebox_subnet.get(route.target, ""))
            if next_subnet is None or (current.id, route.target) in seen:
                return Path(tuple(hops), "no-route" if next_subnet is None else "loop")
            seen.add((current.id, route.target))
            if not self.acl_allows(next_subnet, 0, source):
                return Path(tuple(hops), "denied-by-acl")
            kind: HopKind = "firewall" if route.target in self.firewall_endpoints else "nat"
            hops.append(Hop(kind, route.target, next_subnet.az))
            if kind == "firewall" and self.firewall.verdict(flow, source) != "pass":
                return Path(tuple(hops), "dropped-by-firewall")
            if kind == "nat":
                source = host(next_subnet)  # the NAT's address from here on
            current = next_subnet
        return Path(tuple(hops), "loop")

    def to_internet(self, start: Subnet, flow: Flow = WEB) -> Path:
        return self.walk(start, host(start), INTERNET_ADDRESS, flow)

    def reply(self, start: Subnet, destination: IPv4, forward: Path) -> Path:
        """The answer to `forward` (a flow from `start` to `destination`), on its way back.

        From the internet, it re-enters at the last NAT the flow left by, which turns it
        back to the original source and routes it from its own subnet; with no NAT, the
        internet gateway hands it to the subnet that owns the public address."""
        if forward.outcome == "delivered":
            answering = self.subnet_at(destination)
            assert answering is not None
            return self.walk(answering, destination, host(start))
        if forward.outcome == "internet":
            nats = forward.through("nat")
            if not nats:
                return Path(
                    (Hop("internet-gateway", forward.hops[-1].target), forward.hops[0]), "delivered"
                )
            nat_subnet = self.subnets[self.middlebox_subnet[nats[-1].target]]
            back = self.walk(nat_subnet, destination, host(start))
            return Path((Hop("nat", nats[-1].target, nat_subnet.az), *back.hops), back.outcome)
        return Path((), "no-route")

    def internet_facing(self) -> list[Subnet]:
        """Subnets the internet can answer and reach: their table sends the internet
        straight to an internet gateway (no edge route tables are modelled: none exist)."""
        routes = {s.id: self.lookup(s.id, INTERNET_ADDRESS) for s in self.subnets.values()}
        return [
            s for s in self.subnets.values() if (r := routes[s.id]) and r.target.startswith("igw-")
        ]


def host(subnet: Subnet) -> IPv4:
    """An address in the subnet past the five AWS reserves."""
    return subnet.cidr.network_address + 10


# --- reading a record --------------------------------------------------------------------


def networks(record: Record) -> list[Network]:
    """Every VPC of the record, with what the router needs to know of it."""
    found = []
    for vpc in record.by_type("aws:ec2/vpc:Vpc"):
        cidr = _inputs(vpc).get("cidrBlock")
        if not isinstance(cidr, str):
            continue  # an IPAM-allocated or unknown block: nothing to route on
        of_vpc = [r for r in record.resources if _inputs(r).get("vpcId") == vpc.id]
        found.append(_network(record, cidr, of_vpc))
    return found


def _inputs(resource: RecordedResource) -> dict[str, Any]:
    return unwrap(resource.inputs)


def _outputs(resource: RecordedResource) -> dict[str, Any]:
    return unwrap(resource.outputs)


def _of(resources: Iterable[RecordedResource], type_: str) -> list[RecordedResource]:
    return [r for r in resources if r.type == type_]


def _network(record: Record, vpc_cidr: str, of_vpc: Sequence[RecordedResource]) -> Network:
    subnets = {}
    for s in _of(of_vpc, "aws:ec2/subnet:Subnet"):
        if not isinstance(_inputs(s).get("cidrBlock"), str):
            continue
        tags = _inputs(s).get("tags") or {}
        cidr = Net(_inputs(s)["cidrBlock"])
        az = str(_inputs(s).get("availabilityZoneId") or _inputs(s).get("availabilityZone"))
        subnets[str(s.id)] = Subnet(str(s.id), s.name, cidr, az, str(tags.get("Tier")), tags)
    network = Network(Net(vpc_cidr), subnets)

    tables = {str(t.id): _table_routes(t) for t in _of(of_vpc, "aws:ec2/routeTable:RouteTable")}
    for route in _of(record.resources, "aws:ec2/route:Route"):
        found = _route(_inputs(route), "destinationCidrBlock")
        table = _inputs(route).get("routeTableId")
        if found and table in tables:
            tables[table].append(found)
    for association in _of(record.resources, "aws:ec2/routeTableAssociation:RouteTableAssociation"):
        values = _inputs(association)
        if values.get("subnetId") in subnets and values.get("routeTableId") in tables:
            network.routes[values["subnetId"]] = tables[values["routeTableId"]]

    for nat in _of(record.resources, "aws:ec2/natGateway:NatGateway"):
        if _inputs(nat).get("subnetId") in subnets:
            network.middlebox_subnet[str(nat.id)] = _inputs(nat)["subnetId"]
    for firewall in _of(of_vpc, "aws:networkfirewall/firewall:Firewall"):
        for status in _outputs(firewall).get("firewallStatuses") or ():
            for state in status.get("syncStates") or ():
                for attachment in state.get("attachments") or ():
                    endpoint = attachment.get("endpointId")
                    network.middlebox_subnet[endpoint] = attachment.get("subnetId")
                    network.firewall_endpoints.add(endpoint)
        network.firewall = _firewall(record, _inputs(firewall).get("firewallPolicyArn"))
    for acl in _of(of_vpc, "aws:ec2/networkAcl:NetworkAcl"):
        values = _inputs(acl)
        rules = (_acl_rules(values.get("ingress")), _acl_rules(values.get("egress")))
        for subnet_id in values.get("subnetIds") or ():
            network.acls[subnet_id] = rules
    return network


def _by_arn(record: Record, type_: str, arn: Any) -> dict[str, Any]:
    found = [r for r in record.by_type(type_) if _outputs(r).get("arn") == arn]
    return _inputs(found[0]) if found else {}


def _firewall(record: Record, policy_arn: Any) -> Firewall:
    """The firewall's policy as the model reads it: groups in priority order."""
    policy = _by_arn(record, "aws:networkfirewall/firewallPolicy:FirewallPolicy", policy_arn)
    settings = policy.get("firewallPolicy") or {}
    references = sorted(
        settings.get("statefulRuleGroupReferences") or (), key=lambda r: r.get("priority", 0)
    )
    names: list[str] = []
    before: list[FirewallRule] = []
    rules: list[FirewallRule] = []
    for reference in references:
        group = _by_arn(record, "aws:networkfirewall/ruleGroup:RuleGroup", reference["resourceArn"])
        source = (group.get("ruleGroup") or {}).get("rulesSource") or {}
        listed = source.get("rulesSourceList") or {}
        if listed.get("generatedRulesType") == "ALLOWLIST":
            names += listed.get("targets") or []
        lines = (source.get("rulesString") or "").splitlines()
        (rules if names else before).extend(rule for line in lines if (rule := parse_rule(line)))
    defaults = settings.get("statefulDefaultActions") or []
    default_drop = any(a.startswith("aws:drop") for a in defaults)
    return Firewall(tuple(names), tuple(rules), default_drop, tuple(before))


_RULE = re.compile(
    r"^(?P<action>pass|drop|reject|alert)\s+(?P<protocol>\w+)\s+(?P<sources>\S+)\s+\S+\s+->"
    r"\s+\S+\s+(?P<ports>\S+)\s*\((?P<options>.*)\)\s*$"
)
_NAME_CONTENT = re.compile(r'(?:tls\.sni|http\.host);[^"]*?content:\s*"([^"]+)"')


def parse_rule(line: str) -> FirewallRule | None:
    """A Suricata rule line as a FirewallRule (None: a comment, a blank or an `alert`,
    which decides nothing). Sources are read when they are a CIDR or a list of CIDRs
    (`$HOME_NET` and `any`: any source); a name is the content of its `tls.sni` or
    `http.host` buffer."""
    match = _RULE.match(line.strip())
    if match is None or match["action"] == "alert":
        return None
    ports_text = match["ports"]
    negated = ports_text.startswith("!")
    ports_text = ports_text.lstrip("!").strip("[]")
    ports = None if ports_text == "any" else frozenset(int(p) for p in ports_text.split(","))
    proto = re.search(r"ip_proto:\s*(!?)\s*(\d+)\s*;", match["options"])
    sources_text = match["sources"].strip("[]")
    sources = (
        None
        if sources_text.startswith("$") or sources_text == "any"
        else tuple(Net(s) for s in sources_text.split(","))
    )
    names = tuple(_NAME_CONTENT.findall(match["options"])) or None
    return FirewallRule(
        action=match["action"],
        protocol=match["protocol"].lower(),
        ports=ports,
        negated=negated,
        ip_proto=int(proto[2]) if proto else None,
        ip_proto_negated=bool(proto and proto[1]),
        sources=sources,
        names=names,
    )


def _route(values: Mapping[str, Any], destination_key: str) -> Route | None:
    destination = values.get(destination_key)
    if not destination:
        return None  # IPv6 and prefix-list routes: not modelled
    for key, kind in _ROUTE_TARGETS:
        if values.get(key):
            return Route(Net(destination), kind, str(values[key]))
    return None


def _table_routes(table: RecordedResource) -> list[Route]:
    inline = [_route(r, "cidrBlock") for r in _inputs(table).get("routes") or ()]
    return [r for r in inline if r is not None]


def _acl_rules(entries: Iterable[Mapping[str, Any]] | None) -> list[AclRule]:
    """The rules that apply to all traffic; rules for one protocol or port range are
    left out (this model follows addresses, not ports)."""
    return [
        AclRule(int(e["ruleNo"]), e.get("action") == "allow", Net(e["cidrBlock"]))
        for e in entries or ()
        if str(e.get("protocol")) in ("-1", "all") and e.get("cidrBlock")
    ]


# --- the properties ----------------------------------------------------------------------


def findings(network: Network) -> list[str]:
    """Every way the network breaks the layout's promises, each naming the path."""
    return [
        *_data_isolated(network),
        *_private_egress(network),
        *_egress_filtered(network),
        *_scoped_egress(network),
        *_load_balancers(network),
        *_internet_entry(network),
    ]


def _data_isolated(network: Network) -> Iterable[str]:
    for subnet in network.tier("data"):
        path = network.to_internet(subnet)
        if path.outcome in ("internet", "transit-gateway"):
            yield f"data subnet {subnet.name} reaches the internet: {path}"


def _inspected(network: Network) -> list[Subnet]:
    return [s for tier in INSPECTED_TIERS for s in network.tier(tier)]


def _private_egress(network: Network) -> Iterable[str]:
    """Private and runner subnets leave through one firewall endpoint of their AZ (when
    there is a firewall) and hear back through the same one. A runner subnet is checked
    with a name of its own where it has one."""
    inspected = bool(network.firewall_endpoints)
    for subnet in _inspected(network):
        scoped = network.firewall.scoped_names(host(subnet))
        allowed = _web_to(scoped[0]) if scoped else network.firewall.allowed_flow()
        forward = network.to_internet(subnet, allowed)
        if forward.outcome != "internet":
            continue  # no NAT, or nothing allowed: no way out, nothing to check
        back = network.reply(subnet, INTERNET_ADDRESS, forward)
        there, returned = forward.through("firewall"), back.through("firewall")
        kind = f"{subnet.tier} subnet {subnet.name}"
        if back.outcome != "delivered" or back.hops[-1].target != subnet.name:
            yield f"{kind}: internet replies do not come back: {back}"
        if not inspected:
            if there or returned:
                yield f"{kind}: a firewall hop with no firewall: {forward}"
            continue
        if len(there) != 1 or there[0].az != subnet.az:
            yield (
                f"{kind} ({subnet.az}) must leave through exactly one "
                f"firewall endpoint of its AZ: {forward}"
            )
        if [h.target for h in returned] != [h.target for h in there]:
            yield f"{kind}: replies cross {returned}, not {there}: {back}"


def _web_to(name: str) -> Flow:
    """HTTPS to `name`, or to a host under it for a wildcard."""
    return Flow("tcp", 443, f"www{name}" if name.startswith(".") else name)


# What must stop at the firewall: DNS to an outside resolver, another UDP port, SSH and
# SMTP, ICMP, GRE, and HTTPS to a name off the allow-list.
BLOCKED_FLOWS = (
    Flow("udp", 53),
    Flow("udp", 123),
    Flow("tcp", 22),
    Flow("tcp", 25),
    Flow("icmp", None),
    Flow(47, None),
    Flow("tcp", 443, "exfiltrate.example"),
)


def _egress_filtered(network: Network) -> Iterable[str]:
    if not network.firewall_endpoints:
        return
    for subnet in _inspected(network):
        for flow in BLOCKED_FLOWS:
            path = network.to_internet(subnet, flow)
            if path.outcome != "dropped-by-firewall":
                yield f"{flow} from {subnet.name} does not stop at the firewall: {path}"


def _scoped_egress(network: Network) -> Iterable[str]:
    """Behind a firewall, the runner subnets reach the names the firewall passes from them
    (ADR 0020), and no private subnet reaches those names unless the shared allow-list
    lists them: the source scope holds."""
    if not network.firewall_endpoints:
        return
    firewall = network.firewall
    for runner in network.tier("runner"):
        names = firewall.scoped_names(host(runner))
        if not names:
            yield f"runner subnet {runner.name}: the firewall passes no names from it"
        for name in names:
            path = network.to_internet(runner, _web_to(name))
            if path.outcome != "internet":
                yield f"runner subnet {runner.name} does not reach {name}: {path}"
    for name in sorted(set(firewall.names_ahead())):
        flow = _web_to(name)
        if _allowed(flow.host or "", firewall.allowed_names):
            continue
        for subnet in network.tier("private"):
            path = network.to_internet(subnet, flow)
            if path.outcome != "dropped-by-firewall":
                yield f"private subnet {subnet.name} reaches {name}, the runner's alone: {path}"


def _load_balancers(network: Network) -> Iterable[str]:
    for lb_subnet in network.subnets.values():
        if lb_subnet.tags.get(LOAD_BALANCER_TAG) != "1":
            continue
        if any(network.middlebox_subnet.get(n) == lb_subnet.id for n in _nats(network)):
            yield f"load balancer subnet {lb_subnet.name} holds a NAT gateway"
        to_firewall = [
            r
            for r in network.routes.get(lb_subnet.id, [])
            if r.target in network.firewall_endpoints
        ]
        if to_firewall:
            yield f"load balancer subnet {lb_subnet.name} routes {to_firewall[0].destination} to the firewall"
        for target in network.tier("private"):
            forward = network.walk(lb_subnet, host(lb_subnet), host(target))
            back = network.reply(lb_subnet, host(target), forward)
            if forward.outcome != "delivered" or back.outcome != "delivered":
                yield f"{lb_subnet.name} -> {target.name} does not complete: {forward} / {back}"
            elif forward.hops != (forward.hops[0], forward.hops[-1]) or len(back.hops) != 2:
                yield f"{lb_subnet.name} <-> {target.name} is not direct both ways: {forward} / {back}"


def _nats(network: Network) -> list[str]:
    return [m for m in network.middlebox_subnet if m not in network.firewall_endpoints]


def _internet_entry(network: Network) -> Iterable[str]:
    for subnet in network.internet_facing():
        if subnet.tier not in INTERNET_FACING_TIERS:
            yield f"{subnet.tier} subnet {subnet.name} faces the internet (route to an internet gateway)"
        elif subnet.tier != "public" and subnet.tags.get(LOAD_BALANCER_TAG):
            yield f"{subnet.tier} subnet {subnet.name} faces the internet and is tagged for load balancers"


def summary(record: Record) -> str:
    """One line for the preview: what the model checked, and its findings."""
    parts = []
    problems: list[str] = []
    for network in networks(record):
        problems += findings(network)
        facing = sorted({s.tier for s in network.internet_facing()})
        egress = "NAT" if _nats(network) else "none"
        if network.firewall_endpoints:
            leaks = next(iter(_egress_filtered(network)), None)
            held = "non-web egress leaks" if leaks else "UDP, ICMP, non-web TCP dropped"
            egress = f"firewall (web to allowed names only; {held}) then NAT"
        runners = network.tier("runner")
        runner = ""
        if runners:
            names = {n for s in runners for n in network.firewall.scoped_names(host(s))}
            own = f"firewall (+{len(names)} names from its subnets only) then NAT"
            runner = f", runner egress via {own if network.firewall_endpoints else egress}"
        parts.append(
            f"{network.vpc_cidr}: {len(network.subnets)} subnets, private egress via {egress}"
            f"{runner}, internet-facing tiers {', '.join(facing) or 'none'}"
        )
    verdict = "no findings" if not problems else f"{len(problems)} findings: {problems[0]}"
    return f"Reachability: {'; '.join(parts) or 'no VPC'}; {verdict}"
