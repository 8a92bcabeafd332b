"""The reachability model: the router's rules on plain data, every stack's paths, and
broken layouts it must catch."""

from __future__ import annotations

import copy
import ipaddress
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import runner_egress
from components.networking import DEFAULT_DENY_RULES
from gam_offline import reachability as reach
from gam_offline.engine import stack_config
from gam_offline.reachability import AclRule, Firewall, Flow, Network, Route, Subnet
from gam_offline.records import Record
from infra import settings
from stacks import platform
from tests.support import ROOT, STACKS

Net = ipaddress.IPv4Network
RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup"
INTERNET = reach.INTERNET_ADDRESS


def network(stack_records: dict[str, Record], stack: str) -> Network:
    (found,) = reach.networks(stack_records[stack])
    return found


# --- the router, on plain data ---------------------------------------------------------


def subnet(name: str, cidr: str, tier: str = "private", az: str = "a") -> Subnet:
    return Subnet(f"subnet-{name}", name, Net(cidr), az, tier, {"Tier": tier})


A = subnet("a", "10.0.0.0/24")
B = subnet("b", "10.0.1.0/24")
MIDDLE = subnet("middle", "10.0.2.0/28")


def plain(**routes: list[Route]) -> Network:
    return Network(
        Net("10.0.0.0/16"),
        {s.id: s for s in (A, B, MIDDLE)},
        routes={f"subnet-{k}": v for k, v in routes.items()},
        middlebox_subnet={"vpce-1": MIDDLE.id, "nat-1": MIDDLE.id},
        firewall_endpoints={"vpce-1"},
        firewall=Firewall(allowed_names=("pypi.org",)),
    )


def test_the_local_route_delivers_inside_the_vpc_without_any_table() -> None:
    path = plain().walk(A, reach.host(A), reach.host(B))
    assert (path.outcome, [h.target for h in path.hops]) == ("delivered", ["a", "b"])


def test_a_route_more_specific_than_local_wins_and_its_target_routes_on() -> None:
    net = plain(a=[Route(Net("10.0.1.0/24"), "endpoint", "vpce-1")])
    path = net.walk(A, reach.host(A), reach.host(B))
    assert [h.kind for h in path.hops] == ["subnet", "firewall", "subnet"]
    assert path.outcome == "delivered"


def test_on_a_tie_the_local_route_wins() -> None:
    net = plain(a=[Route(Net("10.0.0.0/16"), "endpoint", "vpce-1")])
    assert net.lookup(A.id, reach.host(B)) == Route(Net("10.0.0.0/16"), "local", "local")


def test_no_matching_route_is_no_route_and_a_cycle_is_a_loop() -> None:
    assert plain().walk(A, reach.host(A), INTERNET).outcome == "no-route"
    looping = plain(
        a=[Route(Net("0.0.0.0/0"), "nat", "nat-1")],
        middle=[Route(Net("0.0.0.0/0"), "nat", "nat-1")],
    )
    assert looping.walk(A, reach.host(A), INTERNET).outcome == "loop"


def test_acl_rules_apply_in_number_order_and_deny_by_default() -> None:
    net = plain()
    net.acls[B.id] = (
        [AclRule(200, True, Net("10.0.0.0/16")), AclRule(100, False, Net("10.0.0.0/24"))],
        [],
    )
    assert net.walk(A, reach.host(A), reach.host(B)).outcome == "denied-by-acl"
    assert net.walk(MIDDLE, reach.host(MIDDLE), reach.host(B)).outcome == "delivered"
    assert net.walk(B, reach.host(B), reach.host(A)).outcome == "denied-by-acl"  # egress: none


@given(
    routes=st.lists(
        st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)), min_size=0, max_size=8
    ),
    address=st.integers(0, 2**32 - 1),
)
def test_lookup_picks_a_most_specific_matching_route_and_local_on_ties(
    routes: list[tuple[int, int]], address: int
) -> None:
    table = [
        Route(Net((base, prefix), strict=False), "nat", f"nat-{i}")
        for i, (base, prefix) in enumerate(routes)
    ]
    net = plain(a=table)
    target = ipaddress.IPv4Address(address)
    chosen = net.lookup(A.id, target)
    matching = [
        r for r in [Route(net.vpc_cidr, "local", "local"), *table] if target in r.destination
    ]
    if not matching:
        assert chosen is None
        return
    assert chosen is not None and target in chosen.destination
    longest = max(r.destination.prefixlen for r in matching)
    assert chosen.destination.prefixlen == longest
    if net.vpc_cidr.prefixlen == longest and target in net.vpc_cidr:
        assert chosen.kind == "local"


# --- the firewall's verdicts, on plain data -----------------------------------------------

DEFAULT_DENY = Firewall(
    allowed_names=("pypi.org", ".pythonhosted.org"),
    rules=tuple(r for line in DEFAULT_DENY_RULES if (r := reach.parse_rule(line))),
)


def test_the_default_deny_rules_read_as_written() -> None:
    udp, icmp, tcp, other = DEFAULT_DENY.rules
    assert (udp.action, udp.protocol, udp.ports) == ("drop", "udp", None)
    assert (icmp.action, icmp.protocol) == ("drop", "icmp")
    assert (tcp.action, tcp.ports, tcp.negated) == ("reject", frozenset({80, 443}), True)
    assert (other.protocol, other.ip_proto, other.ip_proto_negated) == ("ip", 6, True)
    assert reach.parse_rule("# a comment") is None
    assert reach.parse_rule('alert udp any any -> any any (msg:"x"; sid:1;)') is None


@given(
    protocol=st.sampled_from(["tcp", "udp", "icmp", 47, 50, 132]),
    port=st.integers(1, 65535),
    host=st.sampled_from(["pypi.org", "files.pythonhosted.org", "evil.example", None]),
)
def test_only_web_traffic_to_allowed_names_passes_the_default_deny_policy(
    protocol: str | int, port: int, host: str | None
) -> None:
    flow = Flow(protocol, port, host)
    web = protocol == "tcp" and port in (80, 443)
    allowed = host in ("pypi.org", "files.pythonhosted.org")
    expected = "pass" if web and allowed else {"tcp": "reject"}.get(str(protocol), "drop")
    if web:  # web traffic is judged by the allow-list, whatever else holds
        expected = "pass" if allowed else "drop"
    assert DEFAULT_DENY.verdict(flow) == expected


def test_the_egress_checks_use_a_name_the_firewall_allows() -> None:
    assert Firewall(allowed_names=(".example.org",)).allowed_flow() == Flow(
        "tcp", 443, "www.example.org"
    )
    assert DEFAULT_DENY.verdict(DEFAULT_DENY.allowed_flow()) == "pass"


def test_without_the_default_deny_group_udp_and_other_ports_would_pass_the_rules() -> None:
    allow_list_only = Firewall(allowed_names=("pypi.org",), default_drop=False)
    assert allow_list_only.verdict(Flow("udp", 53)) == "pass"
    assert allow_list_only.verdict(Flow("tcp", 22)) == "pass"


# --- every stack ---------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_has_no_findings(stack_records: dict[str, Record], stack: str) -> None:
    assert reach.findings(network(stack_records, stack)) == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_data_tier_never_reaches_the_internet_even_without_its_acl(
    stack_records: dict[str, Record], stack: str
) -> None:
    net = network(stack_records, stack)
    assert net.tier("data")
    for data in net.tier("data"):
        assert net.to_internet(data).outcome == "denied-by-acl"
    net.acls.clear()  # the routes alone keep it in too
    for data in net.tier("data"):
        assert net.to_internet(data).outcome == "no-route"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_private_egress_crosses_one_firewall_endpoint_of_its_az_both_ways(
    stack_records: dict[str, Record], stack: str
) -> None:
    net = network(stack_records, stack)
    for private in net.tier("private"):
        forward = net.to_internet(private)
        back = net.reply(private, INTERNET, forward)
        assert forward.outcome == "internet" and back.outcome == "delivered"
        (there,) = forward.through("firewall")
        (returned,) = back.through("firewall")
        assert there == returned and there.az == private.az
        assert [h.kind for h in forward.hops] == [
            "subnet",
            "firewall",
            "nat",
            "internet-gateway",
        ]
        assert back.hops[-1].target == private.name


@pytest.mark.parametrize("stack", ["staging", "prod"])
@pytest.mark.parametrize("flow", reach.BLOCKED_FLOWS, ids=str)
def test_udp_icmp_non_web_tcp_and_unlisted_names_stop_at_the_firewall(
    stack_records: dict[str, Record], stack: str, flow: Flow
) -> None:
    net = network(stack_records, stack)
    for private in net.tier("private"):
        path = net.to_internet(private, flow)
        assert path.outcome == "dropped-by-firewall"
        assert [h.kind for h in path.hops] == ["subnet", "firewall"]


def test_dev_has_no_firewall_so_udp_leaves_through_the_nat(
    stack_records: dict[str, Record],
) -> None:
    net = network(stack_records, "dev")
    assert net.to_internet(net.tier("private")[0], Flow("udp", 53)).outcome == "internet"


def test_dev_egress_goes_through_its_single_nat_with_no_firewall(
    stack_records: dict[str, Record],
) -> None:
    net = network(stack_records, "dev")
    nats = {net.to_internet(p).through("nat")[0].target for p in net.tier("private")}
    assert len(nats) == 1
    assert all(not net.to_internet(p).through("firewall") for p in net.tier("private"))


@pytest.mark.parametrize("stack", STACKS)
def test_load_balancer_subnets_reach_private_targets_directly_and_hear_back_the_same_way(
    stack_records: dict[str, Record], stack: str
) -> None:
    net = network(stack_records, stack)
    for public in net.tier("public"):
        for private in net.tier("private"):
            forward = net.walk(public, reach.host(public), reach.host(private))
            back = net.reply(public, reach.host(private), forward)
            assert [h.target for h in forward.hops] == [public.name, private.name]
            assert [h.target for h in back.hops] == [private.name, public.name]


@pytest.mark.parametrize("stack", STACKS)
def test_only_load_balancer_and_nat_subnets_face_the_internet(
    stack_records: dict[str, Record], stack: str
) -> None:
    net = network(stack_records, stack)
    facing = {s.tier for s in net.internet_facing()}
    assert facing == {"public", "egress"}
    for lb in net.tier("public"):
        assert not [r for r in net.routes[lb.id] if r.target in net.firewall_endpoints]
        assert lb.id not in net.middlebox_subnet.values()


def test_the_preview_summary_names_the_egress_path_and_no_findings(
    stack_records: dict[str, Record],
) -> None:
    line = reach.summary(stack_records["prod"])
    assert line.startswith("Reachability: 10.30.0.0/16: 18 subnets")
    egress = "firewall (web to allowed names only; UDP, ICMP, non-web TCP dropped) then NAT"
    assert f"private egress via {egress}" in line and line.endswith("no findings")
    own = len(platform._runner_domains(settings.load("prod", stack_config("prod", ROOT)[0])))
    assert f"runner egress via firewall (+{own} names from its subnets only) then NAT" in line
    assert "runner egress" not in reach.summary(stack_records["dev"])  # dev has no runner


# --- the deploy runner's tier ---------------------------------------------------------------

GITHUB = Flow("tcp", 443, "github.com")


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_runner_subnets_reach_github_through_one_firewall_endpoint_of_their_az_both_ways(
    stack_records: dict[str, Record], stack: str
) -> None:
    net = network(stack_records, stack)
    runners = net.tier("runner")
    assert len(runners) == len(net.tier("private"))
    for runner in runners:
        forward = net.to_internet(runner, GITHUB)
        back = net.reply(runner, INTERNET, forward)
        assert [h.kind for h in forward.hops] == ["subnet", "firewall", "nat", "internet-gateway"]
        (there,) = forward.through("firewall")
        assert back.outcome == "delivered" and back.through("firewall") == [there]
        assert there.az == runner.az
        for name in runner_egress.DEFAULT_DOMAINS:
            host = "pkg" + name if name.startswith(".") else name
            assert net.to_internet(runner, Flow("tcp", 443, host)).outcome == "internet", name
        # the shared allow-list still serves it: pip installs the project's packages
        assert net.to_internet(runner, Flow("tcp", 443, "pypi.org")).outcome == "internet"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_private_subnets_do_not_reach_the_runners_names(
    stack_records: dict[str, Record], stack: str
) -> None:
    net = network(stack_records, stack)
    for private in net.tier("private"):
        for flow in (GITHUB, Flow("tcp", 443, "results-receiver.actions.githubusercontent.com")):
            assert net.to_internet(private, flow).outcome == "dropped-by-firewall"


@pytest.mark.parametrize("stack", ["staging", "prod"])
@pytest.mark.parametrize(
    "flow",
    [
        *reach.BLOCKED_FLOWS,
        Flow("tcp", 80, "github.com"),
        Flow("tcp", 443, "githubusercontent.com"),
    ],
    ids=str,
)
def test_the_runner_tier_is_held_like_the_private_one_beyond_its_names(
    stack_records: dict[str, Record], stack: str, flow: Flow
) -> None:
    net = network(stack_records, stack)
    for runner in net.tier("runner"):
        assert net.to_internet(runner, flow).outcome == "dropped-by-firewall"


def test_dev_has_no_runner_tier(stack_records: dict[str, Record]) -> None:
    assert network(stack_records, "dev").tier("runner") == []


def test_source_scoped_rules_read_back_from_their_text() -> None:
    (rule,) = [
        reach.parse_rule(r) for r in runner_egress.pass_rules(("10.0.248.0/24",), ["github.com"])
    ]
    assert rule is not None
    assert (rule.action, rule.protocol, rule.ports) == ("pass", "tls", frozenset({443}))
    assert rule.sources == (Net("10.0.248.0/24"),) and rule.names == ("github.com",)
    assert rule.matches(GITHUB, ipaddress.IPv4Address("10.0.248.9"))
    assert not rule.matches(GITHUB, ipaddress.IPv4Address("10.0.0.9"))
    assert not rule.matches(GITHUB)  # an unknown source is not in scope
    assert not rule.matches(Flow("tcp", 443, "api.github.com"), ipaddress.IPv4Address("10.0.248.9"))


# --- broken layouts it must catch ----------------------------------------------------------


def edited(record: Record, changes: dict[str, dict[str, Any]]) -> Record:
    """A copy of `record` with inputs of the named resources changed."""
    copied = copy.deepcopy(record)
    for resource in copied.resources:
        resource.inputs.update(changes.get(resource.name, {}))
    return copied


def named(record: Record, type_: str, tier: str) -> list[str]:
    return [r.id or "" for r in record.by_type(type_) if f"-{tier}-" in r.name]


def test_the_old_layout_nat_and_firewall_returns_in_the_public_tier_is_caught(
    stack_records: dict[str, Record],
) -> None:
    prod = stack_records["prod"]
    public = named(prod, "aws:ec2/subnet:Subnet", "public")
    public_tables = named(prod, "aws:ec2/routeTable:RouteTable", "public")
    changes = {f"gam-prod-network-nat-{i}": {"subnetId": public[i]} for i in range(3)}
    changes |= {
        f"gam-prod-network-egress-{i}-return-private-{i}": {"routeTableId": public_tables[i]}
        for i in range(3)
    }
    found = reach.findings(reach.networks(edited(prod, changes))[0])
    assert any("holds a NAT gateway" in f for f in found)
    assert any("routes 10.30.0.0/18 to the firewall" in f for f in found)
    assert any("is not direct both ways" in f for f in found)


def test_a_data_route_to_the_nat_without_the_acl_is_caught(
    stack_records: dict[str, Record],
) -> None:
    dev = stack_records["dev"]
    data_table = named(dev, "aws:ec2/routeTable:RouteTable", "data")[0]
    private_route = "gam-dev-network-private-0-internet"
    record = edited(dev, {private_route: {"routeTableId": data_table}})
    net = reach.networks(record)[0]
    net.acls.clear()
    assert any(
        f.startswith("data subnet gam-dev-network-data-0 reaches") for f in reach.findings(net)
    )


def test_egress_through_another_azs_endpoint_or_replies_around_the_firewall_are_caught(
    stack_records: dict[str, Record],
) -> None:
    prod = stack_records["prod"]
    other_endpoint = {r.name: r.plain_inputs() for r in prod.by_type("aws:ec2/route:Route")}[
        "gam-prod-network-private-1-internet"
    ]["vpcEndpointId"]
    crossed = edited(
        prod, {"gam-prod-network-private-0-internet": {"vpcEndpointId": other_endpoint}}
    )
    found = reach.findings(reach.networks(crossed)[0])
    assert any("exactly one firewall endpoint of its AZ" in f for f in found)
    assert any("replies cross" in f for f in found)

    around = edited(
        prod,
        {"gam-prod-network-egress-2-return-private-2": {"destinationCidrBlock": "10.99.0.0/16"}},
    )
    found = reach.findings(reach.networks(around)[0])
    assert (
        found
        == [f for f in found if "gam-prod-network-private-2" in f and "replies cross" in f]
        != []
    )


def test_a_policy_without_the_default_deny_group_is_caught(
    stack_records: dict[str, Record],
) -> None:
    prod = stack_records["prod"]
    policy = prod.one("aws:networkfirewall/firewallPolicy:FirewallPolicy")
    settings = copy.deepcopy(policy.plain_inputs()["firewallPolicy"])
    deny = next(g for g in prod.by_type(RULE_GROUP) if g.name.endswith("default-deny"))
    settings["statefulRuleGroupReferences"] = [
        r
        for r in settings["statefulRuleGroupReferences"]
        if r["resourceArn"] != deny.outputs["arn"]
    ]
    settings["statefulDefaultActions"] = ["aws:alert_established"]
    record = edited(prod, {policy.name: {"firewallPolicy": settings}})
    net = reach.networks(record)[0]
    found = reach.findings(net)
    assert any(f.startswith("udp/53 from gam-prod-network-private-0 does not stop") for f in found)
    assert "non-web egress leaks" in reach.summary(record)


def test_a_private_subnet_facing_the_internet_is_caught(stack_records: dict[str, Record]) -> None:
    dev = stack_records["dev"]
    igw = dev.one("aws:ec2/internetGateway:InternetGateway").id
    record = edited(
        dev, {"gam-dev-network-private-1-internet": {"natGatewayId": None, "gatewayId": igw}}
    )
    found = reach.findings(reach.networks(record)[0])
    assert "private subnet gam-dev-network-private-1 faces the internet" in " ".join(found)


def policy_edited(record: Record, edit: Any) -> Record:
    policy = record.one("aws:networkfirewall/firewallPolicy:FirewallPolicy")
    settings = copy.deepcopy(policy.plain_inputs()["firewallPolicy"])
    edit(settings["statefulRuleGroupReferences"])
    return edited(record, {policy.name: {"firewallPolicy": settings}})


def test_the_runner_group_behind_the_allow_list_is_caught(stack_records: dict[str, Record]) -> None:
    """The allow-list's generated rules drop every TLS flow they do not pass: behind them,
    the runner's pass rules would never be reached."""

    def swap(references: list[dict[str, Any]]) -> None:
        references[0]["priority"], references[1]["priority"] = 2, 1

    found = reach.findings(reach.networks(policy_edited(stack_records["prod"], swap))[0])
    assert any(
        f.startswith("runner subnet gam-prod-network-runner-0 does not reach github.com")
        for f in found
    )


def test_runner_rules_without_their_source_scope_are_caught(
    stack_records: dict[str, Record],
) -> None:
    prod = stack_records["prod"]
    group = next(g for g in prod.by_type(RULE_GROUP) if g.name.endswith("runner-egress"))
    rule_group = copy.deepcopy(group.plain_inputs()["ruleGroup"])
    text = rule_group["rulesSource"]["rulesString"]
    rule_group["rulesSource"]["rulesString"] = re.sub(
        r"pass tls \[[^]]+\]", "pass tls $HOME_NET", text
    )
    found = reach.findings(reach.networks(edited(prod, {group.name: {"ruleGroup": rule_group}}))[0])
    assert any(
        "runner subnet gam-prod-network-runner-0: the firewall passes no names" in f for f in found
    )
    assert any(
        f.startswith("private subnet gam-prod-network-private-0 reaches github.com, the runner's")
        for f in found
    )


def test_a_runner_subnet_around_the_firewall_is_caught(stack_records: dict[str, Record]) -> None:
    prod = stack_records["prod"]
    nat = prod.by_type("aws:ec2/natGateway:NatGateway")[0].id
    around = {"gam-prod-network-runner-0-internet": {"vpcEndpointId": None, "natGatewayId": nat}}
    found = reach.findings(reach.networks(edited(prod, around))[0])
    assert any(
        f.startswith("runner subnet gam-prod-network-runner-0 (euw1-az1) must leave through")
        for f in found
    )
