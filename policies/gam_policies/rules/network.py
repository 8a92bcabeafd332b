"""Network: internet ingress, rule descriptions, flow logs, public IPs, the default group,
Network Firewall encryption and source-scoped pass rules, DNS Firewall and Resolver query
logs on every VPC.

Tag conventions: a security group that may accept traffic from the internet (public
load balancers, edge) carries `Exposure=internet`. No subnet maps public IPs on launch,
whatever its tier: a subnet that must is exempted in the stack's policy config, with
the reason written there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from gam_policies.framework import Context, Resource, Rule, cis, fsbp, on, references, tags_of
from gam_policies.rules._shared import (
    SUBNET,
    Statement,
    as_list,
    items,
    judge_document,
    of_type,
    principals,
    shown,
    to_number,
    unreferenced,
)
from gam_policies.rules.kms import customer_key

RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
DNS_FIREWALL_ASSOCIATION = (
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
)
QUERY_LOG_ASSOCIATION = (
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"
)
TLS_INSPECTION = "aws:networkfirewall/tlsInspectionConfiguration:TlsInspectionConfiguration"
FIREWALL_RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup"
FIREWALL_PARTS = (
    "aws:networkfirewall/firewall:Firewall",
    "aws:networkfirewall/firewallPolicy:FirewallPolicy",
    FIREWALL_RULE_GROUP,
    TLS_INSPECTION,
)

PORT_PROTOCOLS = frozenset({"tcp", "udp", "6", "17"})
# What the provider fills in when no description is given: not a description.
PLACEHOLDER_DESCRIPTIONS = frozenset({"", "managed by pulumi", "managed by terraform"})

PUBLIC_INGRESS_CONTROLS = (fsbp("EC2.18"), fsbp("EC2.53"), fsbp("EC2.54"), cis("5.2"), cis("5.3"))
ALLOWED_PORTS_CONFIG = {
    "allowedPublicPorts": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 65535},
        "default": [80, 443],
        "description": "Ports that `Exposure=internet` security groups may open to 0.0.0.0/0 or ::/0.",
    }
}


def is_open(cidr: Any) -> bool:
    """True for a CIDR that spans the whole address space (0.0.0.0/0, ::/0, 0::/0, ...)."""
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0
    except ValueError:
        return False


def ports_allowed(protocol: Any, from_port: Any, to_port: Any, allowed: Collection[Any]) -> bool:
    """True if the rule opens only TCP/UDP ports from `allowed` (`-1`, ICMP, ... never are)."""
    low, high = to_number(from_port), to_number(to_port)
    if str(protocol).lower() not in PORT_PROTOCOLS or low is None or high is None or low > high:
        return False
    return sum(1 for port in set(allowed) if low <= port <= high) == high - low + 1


def public_ingress_problem(
    cidrs: list[Any], protocol: Any, from_port: Any, to_port: Any, internet: bool, ctx: Context
) -> str | None:
    """Why an ingress permission that may be open to the internet is not acceptable."""
    open_cidrs = [c for c in cidrs if is_open(c)]
    if not open_cidrs:
        return None
    if not internet:
        return f"allows ingress from {open_cidrs} but its group is not tagged `Exposure=internet`"
    allowed = ctx.config["allowedPublicPorts"]
    if not ports_allowed(protocol, from_port, to_port, allowed):
        return (
            f"allows ingress from {open_cidrs} on protocol {shown(protocol)} ports "
            f"{shown(from_port)}-{shown(to_port)}; only TCP/UDP ports {shown(allowed)} may be public"
        )
    return None


def _is_internet(group: Resource | None) -> bool:
    return group is not None and tags_of(group).get("Exposure") == "internet"


def _inline_public_ingress(resource: Resource, ctx: Context) -> Iterator[str]:
    for i, rule in enumerate(as_list(resource.get("ingress"))):
        cidrs = as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks"))
        ports = (rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"))
        problem = public_ingress_problem(cidrs, *ports, _is_internet(resource), ctx)
        if problem:
            yield f"`ingress.{i}` {problem}."


def _ingress_view(rule: Resource) -> tuple[list[Any], Any, Any, Any] | None:
    """(cidrs, protocol, fromPort, toPort) of an ingress rule resource; None for egress."""
    ports = (rule.get("fromPort"), rule.get("toPort"))
    if rule.type == INGRESS_RULE:
        return [rule.get("cidrIpv4"), rule.get("cidrIpv6")], rule.get("ipProtocol"), *ports
    if rule.get("type") == "ingress":
        cidrs = as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks"))
        return cidrs, rule.get("protocol"), *ports
    return None


def _rule_public_ingress(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    groups = of_type(resources, SECURITY_GROUP)
    for rule in of_type(resources, INGRESS_RULE, SECURITY_GROUP_RULE):
        view = _ingress_view(rule)
        if view is None:
            continue
        group = next((g for g in groups if references(rule, "securityGroupId", g)), None)
        problem = public_ingress_problem(*view, _is_internet(group), ctx)
        if problem:
            where = "" if group else " (its `securityGroupId` is not a group of this stack)"
            yield rule.urn, f"security group rule {rule.name} {problem}{where}."


def _descriptions(resource: Resource, ctx: Context) -> Iterator[str]:
    described = [("description", resource.get("description"))]
    if resource.type == SECURITY_GROUP:
        for direction in ("ingress", "egress"):
            entries = enumerate(as_list(resource.get(direction)))
            described += [
                (f"{direction}.{i}.description", e.get("description")) for i, e in entries
            ]
    for path, value in described:
        if not isinstance(value, str) or value.strip().lower() in PLACEHOLDER_DESCRIPTIONS:
            yield f"`{path}` is empty or the provider's placeholder; say what the traffic is for."


def _flow_logs(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    flow_logs = of_type(resources, FLOW_LOG)
    yield from unreferenced(of_type(resources, VPC), flow_logs, "vpcId", "VPC", FLOW_LOG)


def _dns_firewall(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    associations = of_type(resources, DNS_FIREWALL_ASSOCIATION)
    yield from unreferenced(
        of_type(resources, VPC), associations, "vpcId", "VPC", DNS_FIREWALL_ASSOCIATION
    )


def _query_logs(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    associations = of_type(resources, QUERY_LOG_ASSOCIATION)
    yield from unreferenced(
        of_type(resources, VPC), associations, "resourceId", "VPC", QUERY_LOG_ASSOCIATION
    )


def _subnet_public_ip(resource: Resource, ctx: Context) -> Iterator[str]:
    if resource.get("mapPublicIpOnLaunch") is True:
        tier = shown(tags_of(resource).get("Tier"))
        yield f"`mapPublicIpOnLaunch` is true (`tags.Tier` {tier}); no subnet may hand out public IPs."


def _open_to_anyone(statement: Statement) -> str | None:
    anyone = "*" in principals(statement, "AWS")
    if anyone and not statement.get("Condition") and "*" in as_list(statement.get("Resource")):
        return "allows any principal on any resource without a Condition (the default policy)."
    return None


def _endpoint_policy(resource: Resource, ctx: Context) -> Iterator[str]:
    if resource.get("vpcEndpointType") == "GatewayLoadBalancer":
        return  # takes no policy
    yield from judge_document("policy", resource.get("policy"), _open_to_anyone)


def _encryption_settings(resource: Resource) -> list[str]:
    """Where a firewall part keeps its encryption settings: one `encryptionConfiguration`,
    or a list, `encryptionConfigurations`, on a TLS inspection configuration."""
    if resource.type != TLS_INSPECTION:
        return ["encryptionConfiguration"]
    count = len(items(resource, "encryptionConfigurations"))
    return [f"encryptionConfigurations.{i}" for i in range(max(count, 1))]


def _firewall_key(resource: Resource, ctx: Context) -> Iterator[str]:
    for path in _encryption_settings(resource):
        kind = resource.get(f"{path}.type")
        if kind != "CUSTOMER_KMS":
            yield f"`{path}.type` is {shown(kind)}, expected 'CUSTOMER_KMS'."
            continue
        yield from customer_key(resource, f"{path}.keyId", "not on a customer key")


def _private_cidrs(source: str) -> bool:
    """Whether a Suricata source is a CIDR or a bracketed list of them, all RFC 1918."""
    blocks = source.removeprefix("[").removesuffix("]").split(",")
    try:
        networks = [ipaddress.IPv4Network(b, strict=True) for b in blocks]
    except ValueError:
        return False
    return all(any(n.subnet_of(r) for r in RFC1918) for n in networks)


def _pass_rules_scoped(resource: Resource, ctx: Context) -> Iterator[str]:
    text = resource.get("ruleGroup.rulesSource.rulesString")
    for n, line in enumerate(text.splitlines() if isinstance(text, str) else (), 1):
        words = line.split()
        if len(words) > 2 and words[0] == "pass" and not _private_cidrs(words[2]):
            yield (
                f"`ruleGroup.rulesSource.rulesString` line {n} passes {words[1]} from "
                f"{words[2]!r}, not from named private CIDRs."
            )


def _launch_template_public_ip(resource: Resource, ctx: Context) -> Iterator[str]:
    for i, nic in enumerate(as_list(resource.get("networkInterfaces"))):
        if str(nic.get("associatePublicIpAddress")).lower() == "true":
            yield f"`networkInterfaces.{i}.associatePublicIpAddress` is true."


def _default_group_closed(resource: Resource, ctx: Context) -> Iterator[str]:
    for direction in ("ingress", "egress"):
        if as_list(resource.get(direction)):
            yield f"`{direction}` is not empty; the default security group must have no rules."


RULES = [
    Rule(
        name="network-sg-public-ingress",
        description=(
            "Ingress from 0.0.0.0/0 or ::/0 exposes services to the whole internet; only "
            "designated internet-facing groups may open only the allowed web ports."
        ),
        severity="critical",
        remediation=(
            "In `ingress` of aws.ec2.SecurityGroup replace `cidr_blocks=['0.0.0.0/0']` / "
            "`ipv6_cidr_blocks=['::/0']` with `security_groups=[...]` or internal CIDRs; for a "
            "public load balancer tag the group `Exposure=internet` and open only ports 80/443."
        ),
        controls=PUBLIC_INGRESS_CONTROLS,
        resource_types=(SECURITY_GROUP,),
        check=_inline_public_ingress,
        config=ALLOWED_PORTS_CONFIG,
        reads={
            SECURITY_GROUP: (
                "tags",
                "ingress[].cidrBlocks",
                "ingress[].ipv6CidrBlocks",
                "ingress[].protocol",
                "ingress[].fromPort",
                "ingress[].toPort",
            )
        },
    ),
    Rule(
        name="network-sg-rule-public-ingress",
        description=(
            "Ingress rule resources from 0.0.0.0/0 or ::/0 expose services to the whole internet; "
            "only groups tagged `Exposure=internet` may open only the allowed web ports."
        ),
        severity="critical",
        remediation=(
            "On aws.vpc.SecurityGroupIngressRule use `referenced_security_group_id` or an internal "
            "`cidr_ipv4` instead of 0.0.0.0/0 (on aws.ec2.SecurityGroupRule: `cidr_blocks`); for "
            "a public load balancer tag its group `Exposure=internet` and open only ports 80/443."
        ),
        controls=PUBLIC_INGRESS_CONTROLS,
        stack_check=_rule_public_ingress,
        config=ALLOWED_PORTS_CONFIG,
        reads={
            SECURITY_GROUP: ("id", "arn", "tags"),
            INGRESS_RULE: (
                "securityGroupId",
                "cidrIpv4",
                "cidrIpv6",
                "ipProtocol",
                "fromPort",
                "toPort",
            ),
            SECURITY_GROUP_RULE: (
                "securityGroupId",
                "type",
                "cidrBlocks",
                "ipv6CidrBlocks",
                "protocol",
                "fromPort",
                "toPort",
            ),
        },
    ),
    Rule(
        name="network-sg-descriptions",
        description=(
            "Undescribed security groups and rules cannot be reviewed: nobody can tell which "
            "traffic is intended, so stale openings survive audits."
        ),
        severity="low",
        remediation=(
            "Set `description` on aws.ec2.SecurityGroup and on each of its `ingress`/`egress` "
            "entries, and on aws.vpc.SecurityGroupIngressRule / SecurityGroupEgressRule / "
            "aws.ec2.SecurityGroupRule."
        ),
        controls=(fsbp("EC2.18"),),
        category="governance",
        resource_types=(SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE, EGRESS_RULE),
        check=_descriptions,
        reads={
            SECURITY_GROUP: ("description", "ingress[].description", "egress[].description"),
            **on((SECURITY_GROUP_RULE, INGRESS_RULE, EGRESS_RULE), "description"),
        },
    ),
    Rule(
        name="network-vpc-flow-logs",
        description=(
            "Without VPC flow logs there is no record of network connections to detect or "
            "investigate lateral movement and exfiltration."
        ),
        severity="medium",
        remediation=(
            "Declare an aws.ec2.FlowLog with `vpc_id=vpc.id`, `traffic_type='ALL'` and a "
            "`log_destination` for every aws.ec2.Vpc."
        ),
        controls=(fsbp("EC2.6"), cis("3.7")),
        stack_check=_flow_logs,
        reads={VPC: ("id", "arn"), FLOW_LOG: ("vpcId",)},
    ),
    Rule(
        name="network-vpc-dns-firewall",
        description=(
            "The VPC resolver answers lookups inside the VPC, so DNS never crosses the egress "
            "firewall: without DNS Firewall, malware resolves its command-and-control domains "
            "and data leaves in lookups unfiltered."
        ),
        severity="high",
        remediation=(
            "Declare an aws.route53.ResolverFirewallRuleGroupAssociation with `vpc_id=vpc.id` "
            "and a rule group blocking AWS's managed threat lists (components.dns_firewall)."
        ),
        controls=(),  # no FSBP or CIS control asks for it; issue 7 of this project does
        stack_check=_dns_firewall,
        reads={VPC: ("id", "arn"), DNS_FIREWALL_ASSOCIATION: ("vpcId",)},
    ),
    Rule(
        name="network-vpc-resolver-query-logs",
        description=(
            "Without Resolver query logs there is no record of which workload looked up which "
            "domain, the first evidence of malware, tunnelling and misdirected traffic."
        ),
        severity="medium",
        remediation=(
            "Declare an aws.route53.ResolverQueryLogConfig with an encrypted log group as "
            "`destination_arn` and an aws.route53.ResolverQueryLogConfigAssociation with "
            "`resource_id=vpc.id` for every aws.ec2.Vpc."
        ),
        controls=(),  # no FSBP or CIS control asks for it; issue 7 of this project does
        stack_check=_query_logs,
        reads={VPC: ("id", "arn"), QUERY_LOG_ASSOCIATION: ("resourceId",)},
    ),
    Rule(
        name="network-subnet-public-ip",
        description=(
            "Subnets that hand out public IPs on launch put every instance started there on the "
            "internet. Nothing here needs one: NAT gateways use Elastic IPs and load balancers "
            "get their own, so no subnet may, public tier included."
        ),
        severity="high",
        remediation=(
            "Set `map_public_ip_on_launch=False` on aws.ec2.Subnet. A subnet that really must "
            "is exempted in the stack's policy config, with the reason."
        ),
        controls=(fsbp("EC2.15"),),
        resource_types=(SUBNET,),
        check=_subnet_public_ip,
        reads={SUBNET: ("mapPublicIpOnLaunch", "tags")},
    ),
    Rule(
        name="network-firewall-pass-rules-scoped",
        description=(
            "A hand-written Suricata pass rule lets traffic out ahead of the egress "
            "allow-list and the default-deny group; from `any` or `$HOME_NET` it opens its "
            "destination to every workload, without the checks the allow-list's settings "
            "make (no wildcard over a multi-tenant suffix)."
        ),
        severity="high",
        remediation=(
            "List names every subnet may reach in the allow-list "
            "(`gam:network.firewall.allowedDomains`); in a Suricata rule group write `pass` "
            "rules from the CIDRs of the subnets that need them, e.g. "
            "`pass tls [10.30.248.0/24,10.30.249.0/24] any -> $EXTERNAL_NET 443 (...)` "
            "(`components.runner_egress.pass_rules`)."
        ),
        controls=(),  # no FSBP or CIS control asks for it; ADR 0020 does
        resource_types=(FIREWALL_RULE_GROUP,),
        check=_pass_rules_scoped,
        reads={FIREWALL_RULE_GROUP: ("ruleGroup.rulesSource.rulesString",)},
    ),
    Rule(
        name="network-launch-template-no-public-ip",
        description=(
            "Launch templates that associate public IPs put instances (EKS nodes) directly on the "
            "internet, bypassing load balancers and WAF."
        ),
        severity="high",
        remediation=(
            "Set `associate_public_ip_address='false'` (or leave it unset) in every "
            "`network_interfaces` entry of aws.ec2.LaunchTemplate."
        ),
        controls=(fsbp("EC2.25"),),
        resource_types=(LAUNCH_TEMPLATE,),
        check=_launch_template_public_ip,
        reads={LAUNCH_TEMPLATE: ("networkInterfaces[].associatePublicIpAddress",)},
    ),
    Rule(
        name="network-firewall-customer-key",
        description=(
            "Network Firewall keeps its rules, policies and state under an AWS owned key by "
            "default: nobody in the account can audit its use, restrict it or revoke it."
        ),
        severity="medium",
        remediation=(
            "Set `encryption_configuration={'type': 'CUSTOMER_KMS', 'key_id': key.arn}` on "
            "aws.networkfirewall.Firewall, FirewallPolicy, RuleGroup and "
            "TlsInspectionConfiguration, with a key whose policy admits Network Firewall "
            "(`kms:ViaService`) for this account only."
        ),
        controls=(),  # no FSBP or CIS control asks for it; ADR 0004 does
        resource_types=FIREWALL_PARTS,
        check=_firewall_key,
        reads={
            **on(FIREWALL_PARTS, "encryptionConfiguration.type", "encryptionConfiguration.keyId"),
            TLS_INSPECTION: (
                "encryptionConfigurations[].type",
                "encryptionConfigurations[].keyId",
            ),
        },
    ),
    Rule(
        name="network-vpc-endpoint-policy",
        description=(
            "An endpoint without a policy admits every principal to every resource of the "
            "service: through the S3 gateway route, more specific than the NAT's, traffic to "
            "anyone's buckets bypasses the egress firewall."
        ),
        severity="high",
        remediation=(
            "Set `policy` on aws.ec2.VpcEndpoint: Allow statements conditioned on "
            "`aws:PrincipalAccount` / `aws:PrincipalOrgID` (and `aws:ResourceAccount` for "
            "S3), or naming the resources they admit."
        ),
        controls=(),  # no FSBP or CIS control asks for it; issue 7 of the tracker does
        resource_types=(VPC_ENDPOINT,),
        check=_endpoint_policy,
        reads={VPC_ENDPOINT: ("vpcEndpointType", "policy")},
    ),
    Rule(
        name="network-default-sg-closed",
        description=(
            "Resources launched without an explicit group land in the VPC's default group; if it "
            "has rules, they get traffic nobody designed for them."
        ),
        severity="medium",
        remediation=(
            "Adopt each VPC's default group with aws.ec2.DefaultSecurityGroup(vpc_id=...) and no "
            "`ingress` or `egress` arguments, which removes all its rules."
        ),
        controls=(fsbp("EC2.2"), cis("5.4")),
        resource_types=(DEFAULT_SECURITY_GROUP,),
        check=_default_group_closed,
        reads={DEFAULT_SECURITY_GROUP: ("ingress", "egress")},
    ),
]
