"""The Networking component under the offline engine: what it registers, per profile."""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections import Counter
from dataclasses import replace
from typing import Any, NamedTuple

import pulumi
import pulumi_aws
import pytest

from components import cidr
from components.base import InvalidArgs
from components.networking import (
    TYPE_TOKEN,
    Networking,
    NetworkingArgs,
    _endpoint_in,
    problems,
)
from components.tags import REQUIRED_TAGS, standard_tags
from gam_offline import reachability
from gam_offline.engine import RecordingMonitor, run_program
from gam_offline.records import Record, RecordedResource

TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)
DEV = NetworkingArgs(vpc_cidr="10.10.0.0/16", az_count=2, nat_gateways="single", tags=TAGS)
PROD = NetworkingArgs(
    vpc_cidr="10.20.0.0/18",
    az_count=3,
    nat_gateways="per-az",
    network_firewall=True,
    egress_allowed_domains=("pypi.org", ".pythonhosted.org"),
    transit_gateway_id="tgw-0123456789abcdef0",
    runner_subnets=True,
    runner_allowed_domains=("github.com", ".actions.githubusercontent.com"),
    flow_log_retention_days=731,
    protect=True,
    tags=TAGS,
)
BYO_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555"
# the disabled paths: no NAT, no interface endpoints, the caller's key
BARE = replace(
    DEV, az_count=3, nat_gateways="none", interface_endpoints=(), flow_log_kms_key_arn=BYO_KEY
)
PROFILES = {"dev": DEV, "prod": PROD, "bare": BARE}
OUTPUTS = (
    "vpc_id",
    "public_subnet_ids",
    "private_subnet_ids",
    "data_subnet_ids",
    "route_table_ids",
    "endpoint_security_group_id",
    "runner_subnet_ids",
)

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
FIREWALL = "aws:networkfirewall/firewall:Firewall"
RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup"


def run(args: NetworkingArgs) -> Record:
    def program() -> None:
        network = Networking("net", args)
        for name in OUTPUTS:
            pulumi.export(name, getattr(network, name))

    return run_program(program, stack="test", region="eu-west-1")


@functools.cache
def record_of(profile: str) -> Record:
    """One run per profile, shared by every test (a run takes most of a second)."""
    return run(PROFILES[profile])


class Profile(NamedTuple):
    args: NetworkingArgs
    record: Record


@pytest.fixture(params=list(PROFILES))
def profile(request: pytest.FixtureRequest) -> Profile:
    return Profile(PROFILES[request.param], record_of(request.param))


@pytest.fixture(params=list(PROFILES))
def record(request: pytest.FixtureRequest) -> Record:
    return record_of(request.param)


@pytest.fixture
def dev() -> Record:
    return record_of("dev")


@pytest.fixture
def prod() -> Record:
    return record_of("prod")


# --- reading a record ------------------------------------------------------------------


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return resource.plain_inputs()


def subnets(record: Record, tier: str) -> list[RecordedResource]:
    """The tier's subnets in AZ order."""
    found = [s for s in record.by_type(SUBNET) if inputs(s)["tags"]["Tier"] == tier]
    return sorted(found, key=lambda s: inputs(s)["availabilityZone"])


def table_of(record: Record, subnet: RecordedResource) -> str:
    (table,) = [
        inputs(a)["routeTableId"]
        for a in record.by_type(ASSOCIATION)
        if inputs(a)["subnetId"] == subnet.id
    ]
    return str(table)


def tables(record: Record, tier: str) -> list[str]:
    return [table_of(record, s) for s in subnets(record, tier)]


def routes(record: Record, table: str) -> dict[str, dict[str, Any]]:
    """The table's routes by destination."""
    found = [inputs(r) for r in record.by_type(ROUTE) if inputs(r)["routeTableId"] == table]
    return {r["destinationCidrBlock"]: r for r in found}


def nat_in(record: Record, subnet: RecordedResource) -> str:
    (nat,) = [n.id for n in record.by_type(NAT) if inputs(n)["subnetId"] == subnet.id]
    return str(nat)


def firewall_endpoint_in(record: Record, subnet: RecordedResource) -> str:
    statuses = record.one(FIREWALL).outputs["firewallStatuses"]
    (endpoint,) = [
        a["endpointId"]
        for state in statuses[0]["syncStates"]
        for a in state["attachments"]
        if a["subnetId"] == subnet.id
    ]
    return str(endpoint)


def log_key(record: Record) -> RecordedResource:
    (key,) = [k for k in record.by_type(KEY) if k.name == "net-logs-key"]
    return key


def ids(resources: list[RecordedResource]) -> list[str]:
    return sorted(str(r.id) for r in resources)


def taggable(type_: str) -> bool:
    """Whether the pulumi-aws resource of that type takes `tags` (read from the SDK)."""
    package, module_and_class = type_.split(":", 1)
    module, class_name = module_and_class.split(":")
    if package != "aws":
        return False
    cls = getattr(getattr(pulumi_aws, module.split("/")[0]), class_name)
    return "tags" in inspect.signature(cls._internal_init).parameters


# --- counts ------------------------------------------------------------------------------


def test_dev_like_profile_registers_exactly_these_resources(dev: Record) -> None:
    assert Counter(r.type for r in dev.resources) == {
        TYPE_TOKEN: 1,
        "aws:ec2/vpc:Vpc": 1,
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
        SUBNET: 8,  # 4 tiers (public, private, data, egress) x 2 AZs
        "aws:ec2/routeTable:RouteTable": 8,
        ASSOCIATION: 8,
        "aws:ec2/internetGateway:InternetGateway": 1,
        "aws:ec2/eip:Eip": 1,
        NAT: 1,
        ROUTE: 6,  # public -> IGW, egress -> IGW, private -> NAT, per AZ
        "aws:ec2/networkAcl:NetworkAcl": 1,
        ENDPOINT: 21,  # S3 gateway + 20 interface endpoints
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
        KEY: 1,
        LOG_GROUP: 1,
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:ec2/flowLog:FlowLog": 1,
    }
    assert len(dev.resources) == 65


def test_prod_like_profile_registers_exactly_these_resources(prod: Record) -> None:
    assert Counter(r.type for r in prod.resources) == {
        TYPE_TOKEN: 1,
        "aws:ec2/vpc:Vpc": 1,
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
        SUBNET: 21,  # all 7 tiers (with firewall, NAT, transit gateway, runner) x 3 AZs
        "aws:ec2/routeTable:RouteTable": 21,
        ASSOCIATION: 21,
        "aws:ec2/internetGateway:InternetGateway": 1,
        "aws:ec2/eip:Eip": 3,
        NAT: 3,
        ROUTE: 21,  # public, egress, private, runner, firewall -> out; egress -> 2 returns
        "aws:ec2/networkAcl:NetworkAcl": 1,
        ENDPOINT: 21,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
        KEY: 2,  # logs, firewall
        LOG_GROUP: 3,  # flow logs, firewall flow, firewall alert
        "aws:iam/role:Role": 1,
        "aws:iam/rolePolicy:RolePolicy": 1,
        "aws:ec2/flowLog:FlowLog": 1,
        "aws:ec2transitgateway/vpcAttachment:VpcAttachment": 1,
        "aws:networkfirewall/ruleGroup:RuleGroup": 3,  # runner's, allow-list, default deny
        "aws:networkfirewall/firewallPolicy:FirewallPolicy": 1,
        FIREWALL: 1,
        "aws:networkfirewall/loggingConfiguration:LoggingConfiguration": 1,
    }
    assert len(prod.resources) == 133


def test_nat_gateways_follow_the_mode_each_with_a_vpc_eip(profile: Profile) -> None:
    args, record = profile
    count = {"none": 0, "single": 1, "per-az": args.az_count}[args.nat_gateways]
    nats = record.by_type(NAT)
    egress = subnets(record, "egress")
    assert len(nats) == len(record.by_type("aws:ec2/eip:Eip")) == count
    assert {inputs(n)["subnetId"] for n in nats} == {s.id for s in egress[:count]}
    assert all(inputs(e)["domain"] == "vpc" for e in record.by_type("aws:ec2/eip:Eip"))


def test_without_nat_the_private_tier_has_no_way_out_and_there_are_no_egress_subnets() -> None:
    record = record_of("bare")
    assert all(routes(record, t) == {} for t in tables(record, "private"))
    assert subnets(record, "egress") == []


# --- subnets and routing ----------------------------------------------------------------


def test_each_tier_has_one_subnet_per_az_with_the_planned_cidr(profile: Profile) -> None:
    args, record = profile
    plan = cidr.plan(args.vpc_cidr, args.az_count)
    zones = [f"eu-west-1{c}" for c in "abc"[: args.az_count]]
    present = {inputs(s)["tags"]["Tier"] for s in record.by_type(SUBNET)}
    optional = {
        "egress": args.nat_gateways != "none",
        "firewall": args.network_firewall,
        "transit": args.transit_gateway_id is not None,
        "runner": args.runner_subnets,
    }
    assert present == {t for t in cidr.TIERS if optional.get(t, True)}
    for tier in present:
        found = subnets(record, tier)
        assert [inputs(s)["cidrBlock"] for s in found] == list(plan.tier(tier))
        assert [inputs(s)["availabilityZone"] for s in found] == zones


def test_no_subnet_maps_public_ips_on_launch(record: Record) -> None:
    for subnet in record.by_type(SUBNET):
        assert inputs(subnet)["mapPublicIpOnLaunch"] is False, subnet.name


def test_subnets_carry_their_tier_and_load_balancer_role(record: Record) -> None:
    roles = {"public": "kubernetes.io/role/elb", "private": "kubernetes.io/role/internal-elb"}
    for subnet in record.by_type(SUBNET):
        tags = inputs(subnet)["tags"]
        assert tags["Tier"] in cidr.TIERS
        expected = roles.get(tags["Tier"])
        assert {k for k in tags if k.startswith("kubernetes.io/")} == ({expected} - {None})
        if expected:
            assert tags[expected] == "1"


def test_public_route_tables_send_the_internet_to_the_gateway_and_nothing_else(
    record: Record,
) -> None:
    igw = record.one("aws:ec2/internetGateway:InternetGateway").id
    for table in tables(record, "public"):
        assert routes(record, table) == {
            "0.0.0.0/0": {
                "routeTableId": table,
                "destinationCidrBlock": "0.0.0.0/0",
                "gatewayId": igw,
            }
        }


def test_egress_route_tables_send_internet_traffic_to_the_internet_gateway(record: Record) -> None:
    igw = record.one("aws:ec2/internetGateway:InternetGateway").id
    for table in tables(record, "egress"):
        assert routes(record, table)["0.0.0.0/0"]["gatewayId"] == igw


def test_data_and_transit_route_tables_have_no_route_at_all(record: Record) -> None:
    for table in tables(record, "data") + tables(record, "transit"):
        assert routes(record, table) == {}


def test_dev_private_subnets_leave_through_the_single_nat(dev: Record) -> None:
    nat = nat_in(dev, subnets(dev, "egress")[0])
    for table in tables(dev, "private"):
        assert routes(dev, table).keys() == {"0.0.0.0/0"}
        assert routes(dev, table)["0.0.0.0/0"]["natGatewayId"] == nat


def test_prod_egress_passes_the_firewall_of_its_az_before_its_nat(prod: Record) -> None:
    egress, private = subnets(prod, "egress"), subnets(prod, "private")
    firewall = subnets(prod, "firewall")
    for az in range(3):
        endpoint = firewall_endpoint_in(prod, firewall[az])
        private_routes = routes(prod, table_of(prod, private[az]))
        assert private_routes.keys() == {"0.0.0.0/0"}
        assert private_routes["0.0.0.0/0"]["vpcEndpointId"] == endpoint
        firewall_routes = routes(prod, table_of(prod, firewall[az]))
        assert firewall_routes["0.0.0.0/0"]["natGatewayId"] == nat_in(prod, egress[az])
        # the NAT's replies re-enter the same firewall endpoint: symmetric flows
        return_route = routes(prod, table_of(prod, egress[az]))[inputs(private[az])["cidrBlock"]]
        assert return_route["vpcEndpointId"] == endpoint


def test_runner_subnets_leave_like_the_private_ones_through_their_azs_firewall_endpoint(
    prod: Record,
) -> None:
    egress, runner = subnets(prod, "egress"), subnets(prod, "runner")
    for az, firewall in enumerate(subnets(prod, "firewall")):
        endpoint = firewall_endpoint_in(prod, firewall)
        runner_routes = routes(prod, table_of(prod, runner[az]))
        assert runner_routes.keys() == {"0.0.0.0/0"}
        assert runner_routes["0.0.0.0/0"]["vpcEndpointId"] == endpoint
        return_route = routes(prod, table_of(prod, egress[az]))[inputs(runner[az])["cidrBlock"]]
        assert return_route["vpcEndpointId"] == endpoint


def test_without_a_firewall_runner_subnets_leave_through_the_nat() -> None:
    record = run(replace(DEV, runner_subnets=True))
    nat = nat_in(record, subnets(record, "egress")[0])
    assert len(subnets(record, "runner")) == DEV.az_count
    for table in tables(record, "runner"):
        assert routes(record, table).keys() == {"0.0.0.0/0"}
        assert routes(record, table)["0.0.0.0/0"]["natGatewayId"] == nat
    assert sorted(record.outputs["runner_subnet_ids"]) == ids(subnets(record, "runner"))


def test_without_runner_subnets_there_is_neither_tier_nor_output(dev: Record) -> None:
    assert subnets(dev, "runner") == []
    assert dev.outputs["runner_subnet_ids"] is None


def test_single_nat_behind_the_firewall_returns_each_az_through_its_own_endpoint() -> None:
    record = run(replace(PROD, nat_gateways="single"))
    first_egress = table_of(record, subnets(record, "egress")[0])
    returns = routes(record, first_egress)
    for private, firewall in zip(
        subnets(record, "private"), subnets(record, "firewall"), strict=True
    ):
        endpoint = firewall_endpoint_in(record, firewall)
        assert returns[inputs(private)["cidrBlock"]]["vpcEndpointId"] == endpoint


def test_s3_gateway_endpoint_serves_the_private_and_runner_route_tables_only(
    record: Record,
) -> None:
    (s3,) = [e for e in record.by_type(ENDPOINT) if inputs(e)["vpcEndpointType"] == "Gateway"]
    assert inputs(s3)["serviceName"] == "com.amazonaws.eu-west-1.s3"
    expected = tables(record, "private") + tables(record, "runner")
    assert sorted(inputs(s3)["routeTableIds"]) == sorted(expected)


def test_data_subnets_acl_admits_only_private_and_data_cidrs(record: Record) -> None:
    acl = inputs(record.one("aws:ec2/networkAcl:NetworkAcl"))
    peers = {inputs(s)["cidrBlock"] for tier in ("private", "data") for s in subnets(record, tier)}
    assert sorted(acl["subnetIds"]) == ids(subnets(record, "data"))
    for direction in ("ingress", "egress"):
        assert {rule["cidrBlock"] for rule in acl[direction]} == peers
        assert all(rule["action"] == "allow" for rule in acl[direction])


# --- security groups and endpoints -------------------------------------------------------


def test_default_security_group_is_adopted_with_no_rules(record: Record) -> None:
    default = inputs(record.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"))
    assert not default.get("ingress")
    assert not default.get("egress")


def test_every_security_group_and_rule_is_described(record: Record) -> None:
    kinds = (
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    )
    found = [r for r in record.resources if r.type in kinds]
    assert found
    assert all(inputs(r).get("description") for r in found)


def test_interface_endpoints_accept_https_from_the_vpc_only(record: Record) -> None:
    sg = record.one("aws:ec2/securityGroup:SecurityGroup")
    (rule,) = record.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    vpc_cidr = inputs(record.one("aws:ec2/vpc:Vpc"))["cidrBlock"]
    assert inputs(rule) | {"tags": None} == {
        "securityGroupId": sg.id,
        "description": inputs(rule)["description"],
        "ipProtocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrIpv4": vpc_cidr,
        "tags": None,
    }
    assert "Exposure" not in inputs(sg)["tags"]
    assert record.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []


def test_interface_endpoints_sit_in_the_private_subnets_with_private_dns(
    profile: Profile,
) -> None:
    args, record = profile
    interface = [e for e in record.by_type(ENDPOINT) if inputs(e)["vpcEndpointType"] == "Interface"]
    private = ids(subnets(record, "private"))
    sg = record.one("aws:ec2/securityGroup:SecurityGroup").id
    assert sorted(inputs(e)["serviceName"].rsplit("eu-west-1.", 1)[1] for e in interface) == sorted(
        args.interface_endpoints
    )
    for endpoint in interface:
        assert inputs(endpoint)["privateDnsEnabled"] is True
        assert sorted(inputs(endpoint)["subnetIds"]) == private
        assert inputs(endpoint)["securityGroupIds"] == [sg]


def test_transit_gateway_attachment_uses_its_own_28s_only_when_asked(
    dev: Record, prod: Record
) -> None:
    attachment = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
    assert dev.by_type(attachment) == []
    assert subnets(dev, "transit") == []
    attached = inputs(prod.one(attachment))
    assert attached["transitGatewayId"] == PROD.transit_gateway_id
    transit = subnets(prod, "transit")
    assert sorted(attached["subnetIds"]) == ids(transit)
    assert all(inputs(s)["cidrBlock"].endswith("/28") for s in transit)
    assert len(set(tables(prod, "transit"))) == len(transit)


def test_transit_gateway_routes_go_from_every_private_table_after_the_attachment() -> None:
    routes = ("10.200.0.0/16", "192.168.0.0/20")
    record = run(replace(PROD, transit_gateway_routes=routes))
    attachment = record.one("aws:ec2transitgateway/vpcAttachment:VpcAttachment")
    private_tables = {
        t.id for t in record.by_type("aws:ec2/routeTable:RouteTable") if "-private-" in t.name
    }
    to_tgw = [r for r in record.by_type(ROUTE) if inputs(r).get("transitGatewayId")]
    assert sorted(
        (inputs(r)["routeTableId"], inputs(r)["destinationCidrBlock"]) for r in to_tgw
    ) == sorted((table, cidr_) for table in private_tables for cidr_ in routes)
    assert all(attachment.urn in r.options["dependencies"] for r in to_tgw)


# --- logging and the firewall -----------------------------------------------------------


def test_flow_logs_capture_all_traffic_into_an_encrypted_retained_log_group(
    profile: Profile,
) -> None:
    args, record = profile
    flow_log = inputs(record.one("aws:ec2/flowLog:FlowLog"))
    key = args.flow_log_kms_key_arn or log_key(record).outputs["arn"]
    (group,) = [g for g in record.by_type(LOG_GROUP) if g.name == "net-vpc-flow-logs"]
    assert flow_log["trafficType"] == "ALL"
    assert flow_log["logDestinationType"] == "cloud-watch-logs"
    assert flow_log["logDestination"] == group.outputs["arn"]
    assert flow_log["iamRoleArn"] == record.one("aws:iam/role:Role").outputs["arn"]
    for log_group in record.by_type(LOG_GROUP):
        assert inputs(log_group)["kmsKeyId"] == key
        assert inputs(log_group)["retentionInDays"] == args.flow_log_retention_days


def test_flow_logs_role_trusts_only_this_account_and_writes_only_its_group(record: Record) -> None:
    trust = json.loads(inputs(record.one("aws:iam/role:Role"))["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    policy = json.loads(inputs(record.one("aws:iam/rolePolicy:RolePolicy"))["policy"])
    (group,) = [g for g in record.by_type(LOG_GROUP) if g.name == "net-vpc-flow-logs"]
    arn = group.outputs["arn"]
    assert [s["Resource"] for s in policy["Statement"]] == [[arn, f"{arn}:*"]]


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_log_key_rotates_and_lets_logs_use_it_for_these_groups_only(name: str) -> None:
    record = record_of(name)
    key = log_key(record)
    policy = json.loads(inputs(key)["policy"])
    assert inputs(key)["enableKeyRotation"] is True
    assert inputs(key)["deletionWindowInDays"] == 30
    admin, logs = policy["Statement"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context == "arn:aws:logs:eu-west-1:123456789012:log-group:/gam/net/*"
    assert all(inputs(g)["name"].startswith("/gam/net/") for g in record.by_type(LOG_GROUP))


def test_the_keys_are_protected_when_asked(dev: Record, prod: Record) -> None:
    assert [k.protect for k in dev.by_type(KEY)] == [False]
    assert [k.protect for k in prod.by_type(KEY)] == [True, True]


def test_a_given_log_key_replaces_the_created_one() -> None:
    record = record_of("bare")
    assert record.by_type(KEY) == []
    assert [inputs(g)["kmsKeyId"] for g in record.by_type(LOG_GROUP)] == [BYO_KEY]


def rule_group(record: Record, role: str) -> dict[str, Any]:
    (group,) = [g for g in record.by_type(RULE_GROUP) if g.name == f"net-{role}"]
    return inputs(group)


def test_firewall_allows_only_the_listed_domains_and_drops_the_rest(prod: Record) -> None:
    group = rule_group(prod, "egress-allowlist")
    assert group["type"] == "STATEFUL"
    assert group["ruleGroup"]["rulesSource"]["rulesSourceList"] == {
        "generatedRulesType": "ALLOWLIST",
        "targetTypes": ["HTTP_HOST", "TLS_SNI"],
        "targets": list(PROD.egress_allowed_domains),
    }
    policy = inputs(prod.one("aws:networkfirewall/firewallPolicy:FirewallPolicy"))["firewallPolicy"]
    assert policy["statelessDefaultActions"] == ["aws:forward_to_sfe"]
    assert policy["statelessFragmentDefaultActions"] == ["aws:forward_to_sfe"]
    assert policy["statefulEngineOptions"]["ruleOrder"] == "STRICT_ORDER"
    assert group["ruleGroup"]["statefulRuleOptions"]["ruleOrder"] == "STRICT_ORDER"
    # held until the application layer is readable: a two-segment ClientHello passes
    assert policy["statefulDefaultActions"] == [
        "aws:drop_established_app_layer",
        "aws:alert_established_app_layer",
    ]
    arns = {g.name: g.outputs["arn"] for g in prod.by_type(RULE_GROUP)}
    # the runner's pass rules first: the allow-list's generated rules drop what they miss
    assert policy["statefulRuleGroupReferences"] == [
        {"resourceArn": arns["net-runner-egress"], "priority": 1},
        {"resourceArn": arns["net-egress-allowlist"], "priority": 2},
        {"resourceArn": arns["net-egress-default-deny"], "priority": 3},
    ]


def test_without_runner_subnets_the_policy_has_the_allow_list_then_the_default_deny() -> None:
    record = run(replace(PROD, runner_subnets=False, runner_allowed_domains=()))
    policy = inputs(record.one("aws:networkfirewall/firewallPolicy:FirewallPolicy"))
    arns = {g.name: g.outputs["arn"] for g in record.by_type(RULE_GROUP)}
    assert policy["firewallPolicy"]["statefulRuleGroupReferences"] == [
        {"resourceArn": arns["net-egress-allowlist"], "priority": 1},
        {"resourceArn": arns["net-egress-default-deny"], "priority": 2},
    ]


def test_the_runner_group_passes_its_domains_from_the_runner_cidrs_only(prod: Record) -> None:
    group = rule_group(prod, "runner-egress")
    runner = [inputs(s)["cidrBlock"] for s in subnets(prod, "runner")]
    assert group["type"] == "STATEFUL"
    assert group["capacity"] >= len(PROD.runner_allowed_domains)
    assert group["ruleGroup"]["statefulRuleOptions"]["ruleOrder"] == "STRICT_ORDER"
    rules = group["ruleGroup"]["rulesSource"]["rulesString"].splitlines()
    assert len(rules) == len(PROD.runner_allowed_domains)
    assert all(r.startswith(f"pass tls [{','.join(runner)}] any -> ") for r in rules)


def test_after_the_allow_list_non_web_egress_is_dropped_or_rejected(prod: Record) -> None:
    group = rule_group(prod, "egress-default-deny")
    assert group["ruleGroup"]["statefulRuleOptions"]["ruleOrder"] == "STRICT_ORDER"
    rules = group["ruleGroup"]["rulesSource"]["rulesString"].splitlines()
    headers = [r.split(" (")[0] for r in rules]
    assert headers == [
        "drop udp $HOME_NET any -> $EXTERNAL_NET any",
        "drop icmp $HOME_NET any -> $EXTERNAL_NET any",
        "reject tcp $HOME_NET any -> $EXTERNAL_NET ![80,443]",
        "drop ip $HOME_NET any -> $EXTERNAL_NET any",
    ]
    assert "ip_proto:!6;" in rules[3]  # the catch-all spares TCP, which the rules above judge
    sids = [re.search(r"sid:(\d+);", r).group(1) for r in rules]  # type: ignore[union-attr]
    assert len(set(sids)) == len(rules)
    assert all('msg:"' in r and "rev:1;" in r for r in rules)


def test_firewall_sits_in_the_firewall_subnets_and_logs_flows_and_alerts(prod: Record) -> None:
    firewall = prod.one(FIREWALL)
    mapped = [m["subnetId"] for m in inputs(firewall)["subnetMappings"]]
    assert sorted(mapped) == ids(subnets(prod, "firewall"))
    logging = inputs(prod.one("aws:networkfirewall/loggingConfiguration:LoggingConfiguration"))
    configs = logging["loggingConfiguration"]["logDestinationConfigs"]
    groups = {inputs(g)["name"] for g in prod.by_type(LOG_GROUP)}
    assert logging["firewallArn"] == firewall.outputs["arn"]
    assert {c["logType"] for c in configs} == {"FLOW", "ALERT"}
    assert all(c["logDestination"]["logGroup"] in groups for c in configs)


def test_every_firewall_part_is_encrypted_with_the_firewall_key(prod: Record) -> None:
    (key,) = [k for k in prod.by_type(KEY) if k.name == "net-firewall-key"]
    parts = [
        prod.one(FIREWALL),
        prod.one("aws:networkfirewall/firewallPolicy:FirewallPolicy"),
        *prod.by_type(RULE_GROUP),
    ]
    for part in parts:
        assert inputs(part)["encryptionConfiguration"] == {
            "type": "CUSTOMER_KMS",
            "keyId": key.outputs["arn"],
        }, part.name
    assert inputs(key)["enableKeyRotation"] is True


def test_the_firewall_key_admits_network_firewall_for_this_account_only(prod: Record) -> None:
    (key,) = [k for k in prod.by_type(KEY) if k.name == "net-firewall-key"]
    admin, use = json.loads(inputs(key)["policy"])["Statement"]
    root = {"AWS": "arn:aws:iam::123456789012:root"}
    assert admin["Principal"] == use["Principal"] == root
    # the account manages the key but cannot encrypt or decrypt with it directly
    assert not any(
        a.startswith(("kms:Encrypt", "kms:Decrypt", "kms:Generate")) for a in admin["Action"]
    )
    assert "kms:*" not in admin["Action"]
    assert use["Condition"] == {
        "StringEquals": {
            "kms:ViaService": "network-firewall.eu-west-1.amazonaws.com",
            "kms:CallerAccount": "123456789012",
        }
    }


def test_a_missing_firewall_endpoint_fails_with_a_clear_message() -> None:
    statuses = [
        {"sync_states": [{"attachments": [{"subnet_id": "subnet-a", "endpoint_id": "vpce-a"}]}]}
    ]
    assert _endpoint_in(statuses, "subnet-a") == "vpce-a"
    with pytest.raises(ValueError, match="no endpoint in subnet subnet-b"):
        _endpoint_in(statuses, "subnet-b")


def test_in_prod_the_firewall_refuses_deletion_and_subnet_and_policy_changes(
    dev: Record, prod: Record
) -> None:
    flags = ("deleteProtection", "subnetChangeProtection", "firewallPolicyChangeProtection")
    assert all(inputs(prod.one(FIREWALL))[f] is True for f in flags)
    assert record_of("dev").by_type(FIREWALL) == []


def test_network_evidence_logs_are_tagged_audit_and_in_prod_protected_and_retained(
    dev: Record, prod: Record
) -> None:
    for record, kept in ((dev, False), (prod, True)):
        for group in record.by_type(LOG_GROUP):
            assert inputs(group)["tags"]["Evidence"] == "audit"
            assert group.options["protect"] is kept
            assert group.options["retainOnDelete"] is kept


def test_flow_logs_record_which_workload_connected_behind_the_nat(record: Record) -> None:
    fields = inputs(record.one("aws:ec2/flowLog:FlowLog"))["logFormat"].split()
    needed: tuple[str, ...] = (
        "pkt-srcaddr",
        "pkt-dstaddr",
        "flow-direction",
        "traffic-path",
        "tcp-flags",
    )
    needed += ("subnet-id", "az-id", "action", "log-status", "srcaddr", "dstaddr", "dstport")
    assert {f"${{{n}}}" for n in needed} <= set(fields)
    assert all(re.fullmatch(r"\$\{[a-z-]+\}", f) for f in fields)


# --- availability zones ---------------------------------------------------------------


def test_pinned_zone_ids_place_every_tier_by_id_not_by_name() -> None:
    ids = ("euw1-az3", "euw1-az1", "euw1-az2")
    record = run(replace(PROD, availability_zone_ids=ids))
    for tier in ("public", "private", "data", "egress", "firewall", "transit"):
        found = [s for s in record.by_type(SUBNET) if inputs(s)["tags"]["Tier"] == tier]
        assert sorted(inputs(s)["availabilityZoneId"] for s in found) == sorted(ids)
        assert all("availabilityZone" not in inputs(s) for s in found)
    assert reachability.findings(reachability.networks(record)[0]) == []


@pytest.mark.parametrize(
    ("ids", "says"),
    [
        (("euw1-az1", "eu-west-1a"), "are not AZ IDs"),
        (("euw1-az1",), "lists 1 zones for az_count 2"),
        (("euw1-az1", "euw1-az1"), "lists a zone twice"),
        (("euw1-az1", "use1-az1"), "mix regions"),
    ],
)
def test_bad_zone_ids_are_refused(ids: tuple[str, ...], says: str) -> None:
    assert any(says in p for p in problems(replace(DEV, availability_zone_ids=ids)))


# --- endpoint policies ----------------------------------------------------------------


def policy_of(record: Record, service: str) -> dict[str, Any]:
    (endpoint,) = [
        e for e in record.by_type(ENDPOINT) if inputs(e)["serviceName"].endswith(f".{service}")
    ]
    return dict(json.loads(inputs(endpoint)["policy"]))


def test_every_endpoint_carries_a_policy(record: Record) -> None:
    assert all(inputs(e).get("policy") for e in record.by_type(ENDPOINT))


def test_the_s3_endpoint_admits_our_buckets_and_the_aws_owned_ones_we_pull_from(
    dev: Record,
) -> None:
    ours, owned = policy_of(dev, "s3")["Statement"]
    assert ours["Condition"] == {
        "StringEquals": {
            "aws:PrincipalAccount": "123456789012",
            "aws:ResourceAccount": "123456789012",
        }
    }
    assert owned["Action"] == "s3:GetObject"
    assert owned["Resource"] == [
        "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*",
        "arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/*",
        "arn:aws:s3:::amazonlinux-2-repos-eu-west-1/*",
    ]
    assert owned["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}


def test_interface_endpoints_admit_our_principals_and_token_calls_for_our_resources_only(
    dev: Record,
) -> None:
    only_ours = {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}
    for service in DEV.interface_endpoints:
        first, *rest = policy_of(dev, service)["Statement"]
        assert first["Condition"] == only_ours
        if service == "sts":
            (token,) = rest
            assert token["Action"] == "sts:AssumeRoleWithWebIdentity"
            assert token["Resource"] == "arn:aws:iam::123456789012:role/*"
        elif service == "eks-auth":
            (token,) = rest
            assert token["Resource"] == "arn:aws:eks:eu-west-1:123456789012:cluster/*"
        else:
            assert rest == []


def test_with_an_organization_endpoints_admit_its_principals_and_buckets() -> None:
    record = run(replace(DEV, endpoint_organization_id="o-a1b2c3d4e5"))
    ours = policy_of(record, "s3")["Statement"][0]["Condition"]
    assert ours == {
        "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:ResourceOrgID": "o-a1b2c3d4e5"}
    }
    assert policy_of(record, "kms")["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}
    }


# --- the tree, tags, outputs ------------------------------------------------------------


def test_every_child_descends_from_the_component(record: Record) -> None:
    (component,) = record.by_type(TYPE_TOKEN)
    for resource in record.resources:
        if resource is not component:
            assert component in list(record.ancestors(resource)), resource.name
            assert resource.name.startswith("net-"), resource.name


def test_every_taggable_child_has_the_standard_tags_and_its_name(record: Record) -> None:
    tagged = [r for r in record.resources if r.custom and taggable(r.type)]
    assert len(tagged) > len(record.resources) / 2
    for resource in tagged:
        tags = inputs(resource).get("tags") or {}
        assert {k: tags.get(k) for k in REQUIRED_TAGS} == {k: TAGS[k] for k in REQUIRED_TAGS}
        assert tags["Name"] == resource.name


def test_outputs_resolve_to_the_registered_ids(record: Record) -> None:
    out = record.outputs
    assert out["vpc_id"] == record.one("aws:ec2/vpc:Vpc").id
    for tier in ("public", "private", "data"):
        assert sorted(out[f"{tier}_subnet_ids"]) == ids(subnets(record, tier))
        assert sorted(out["route_table_ids"][tier]) == sorted(tables(record, tier))
    assert out["endpoint_security_group_id"] == record.one("aws:ec2/securityGroup:SecurityGroup").id


# --- invalid arguments ----------------------------------------------------------------


def test_all_invalid_arguments_are_reported_at_once_before_any_resource() -> None:
    bad = NetworkingArgs(
        vpc_cidr="10.0.0.0/24",
        az_count=5,
        nat_gateways="none",
        tags={"Project": "gam-platform"},
        flow_log_retention_days=42,
        flow_log_kms_key_arn="alias/logs",
        interface_endpoints=("sts", "sts", "s3", "Bad Name"),
        transit_gateway_id="vpc-123",
        network_firewall=True,
        egress_allowed_domains=("https://example.com",),
    )
    with pytest.raises(InvalidArgs) as raised:
        run_program(lambda: Networking("net", bad))
    monitor = pulumi.runtime.settings.get_monitor()
    assert isinstance(monitor, RecordingMonitor)
    assert monitor.recorded == []
    assert len(raised.value.problems) == 11
    assert "too small for the subnet plan" in str(raised.value)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"vpc_cidr": "10.0.0.0/24"}, "use a /16 to /20"),
        ({"az_count": 4}, "az_count must be from 2 to 3"),
        ({"nat_gateways": "two"}, "nat_gateways must be one of"),
        ({"tags": {}}, "build them with components.tags.standard_tags"),
        ({"flow_log_retention_days": 0}, "use one of"),
        ({"flow_log_kms_key_arn": "1234abcd"}, "leave it unset to create a key"),
        ({"interface_endpoints": ("ecr api",)}, "not service names"),
        ({"interface_endpoints": ("sts", "sts")}, "list each once"),
        ({"interface_endpoints": ("s3",)}, "S3 always has a gateway endpoint"),
        ({"transit_gateway_id": "tgw"}, "not a transit gateway id"),
        ({"transit_gateway_routes": ("10.200.0.0/16",)}, "need transit_gateway_id"),
        (
            {
                "transit_gateway_id": "tgw-0123456789abcdef0",
                "transit_gateway_routes": ("10.10.1.0/24",),
            },
            "overlaps the VPC",
        ),
        (
            {
                "transit_gateway_id": "tgw-0123456789abcdef0",
                "transit_gateway_routes": ("10.200.0.0/16", "10.200.4.0/22"),
            },
            "list each range once",
        ),
        ({"network_firewall": True}, "needs egress_allowed_domains"),
        ({"egress_allowed_domains": ("example.com",)}, "turn the firewall on"),
        (
            {
                "network_firewall": True,
                "egress_allowed_domains": ("a.com",),
                "nat_gateways": "none",
            },
            "set nat_gateways to 'single' or 'per-az'",
        ),
        ({"egress_allowed_domains": ("Example.COM",)}, "not lower-case domain names"),
        (
            {"network_firewall": True, "egress_allowed_domains": (".amazonaws.com",)},
            "cover multi-tenant suffixes ['amazonaws.com']",
        ),
        (
            {
                "network_firewall": True,
                "egress_allowed_domains": (".elb.amazonaws.com", "pypi.org"),
            },
            "['.elb.amazonaws.com'] cover multi-tenant",
        ),
        (
            {"network_firewall": True, "egress_allowed_domains": (".cloudfront.net",)},
            "multi-tenant suffixes ['cloudfront.net']",
        ),
        ({"endpoint_organization_id": "org-1"}, "not an organization id"),
        ({"runner_subnets": True, "nat_gateways": "none"}, "runner_subnets=True needs a way out"),
        ({"runner_allowed_domains": ("github.com",)}, "turn both on or remove the domains"),
        (
            {
                "network_firewall": True,
                "egress_allowed_domains": ("a.com",),
                "runner_subnets": True,
            },
            "runner_allowed_domains lists no domain",
        ),
        (
            {
                "network_firewall": True,
                "egress_allowed_domains": ("a.com",),
                "runner_subnets": True,
                "runner_allowed_domains": (".githubusercontent.com",),
            },
            "runner_allowed_domains ['.githubusercontent.com'] are or cover multi-tenant",
        ),
        ({"egress_allowed_domains": tuple(f"d{i}.com" for i in range(500))}, "use wildcards"),
    ],
)
def test_each_invalid_argument_says_what_to_change(change: dict[str, Any], says: str) -> None:
    found = problems(replace(DEV, **change))
    assert any(says in p for p in found), found


def test_valid_profiles_have_no_problems() -> None:
    assert problems(DEV) == problems(PROD) == []
