"""Network cases: an internet-facing ALB group (inline and as rule resources), an
internal group, subnets, a launch template, a VPC with its flow log, its DNS Firewall
association and its Resolver query log association, the default group."""

from __future__ import annotations

import json
from typing import Any

from gam_policies.framework import Resource
from gam_policies.rules import network
from tests.policies.baseline import resource
from tests.policies.casekit import Break, Case

WORLD, WORLD6, VPC_CIDR = "0.0.0.0/0", "::/0", "10.0.0.0/16"


def permission(port: float, cidrs: list[str], description: str, **extra: Any) -> dict[str, Any]:
    """An inline ingress/egress entry (ports as the engine sends them: floats)."""
    return {
        "description": description,
        "protocol": "tcp",
        "fromPort": port,
        "toPort": port,
        "cidrBlocks": cidrs,
        **extra,
    }


def alb_group() -> Resource:
    props = {
        "description": "Public ALB of the tile API",
        "vpcId": "main-id",
        "ingress": [
            permission(443.0, [WORLD], "HTTPS from the internet", ipv6CidrBlocks=[WORLD6]),
            permission(80.0, [WORLD], "HTTP, redirected to HTTPS"),
            {**permission(8000, [VPC_CIDR], "health checks from the VPC"), "toPort": 9000},
        ],
        "egress": [permission(8080, [VPC_CIDR], "to the tile API targets")],
    }
    return resource(network.SECURITY_GROUP, "alb", props, Exposure="internet")


def internal_group() -> Resource:
    props = {
        "description": "Tile API tasks",
        "vpcId": "main-id",
        "ingress": [permission(8080, [VPC_CIDR], "from the ALB")],
        "egress": [permission(443, [WORLD], "HTTPS to AWS APIs")],
    }
    return resource(network.SECURITY_GROUP, "tiles", props, Exposure="internal")


def ingress_rule(group: Resource, links: bool = False, **props: Any) -> Resource:
    defaults = {
        "description": "HTTPS from the internet",
        "ipProtocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrIpv4": WORLD,
    }
    if not links:
        defaults["securityGroupId"] = group.get("id")
    return resource(
        network.INGRESS_RULE,
        "alb-https",
        {**defaults, **props},
        {"securityGroupId": group} if links else None,
    )


def group_rule(group: Resource, direction: str, port: float, protocol: str = "tcp") -> Resource:
    props = {
        "type": direction,
        "description": f"{direction} {protocol} {port:g}",
        "protocol": protocol,
        "fromPort": port,
        "toPort": port,
        "cidrBlocks": [WORLD],
        "securityGroupId": group.get("id"),
    }
    return resource(network.SECURITY_GROUP_RULE, f"alb-{direction}-{port:g}", props)


def rules_stack() -> list[Resource]:
    """[group, ingress rule 443, group rule ingress 80, group rule egress all]."""
    group = alb_group()
    return [
        group,
        ingress_rule(group),
        group_rule(group, "ingress", 80),
        group_rule(group, "egress", 0, "-1"),
    ]


def subnet(tier: str, public_ip: bool) -> Resource:
    props = {"vpcId": "main-id", "cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": public_ip}
    return resource(network.SUBNET, f"{tier}-a", props, Tier=tier)


ENDPOINT_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
            }
        ]
    }
)
OPEN_POLICY = json.dumps(
    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
)
TOKEN_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Resource": "arn:aws:iam::123456789012:role/*",
            }
        ]
    }
)
FIREWALL_KEY = {
    "type": "CUSTOMER_KMS",
    "keyId": "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-1111-2222-333344445555",
}
VPC = resource(network.VPC, "main", {"cidrBlock": VPC_CIDR, "enableDnsHostnames": True})
SCOPED_PASS_RULES = tuple(
    f"pass tls [10.30.248.0/24,10.30.249.0/24] any -> $EXTERNAL_NET 443 "
    f'(msg:"deploy runner: TLS to {name}"; flow:to_server, established; tls.sni; '
    f'content:"{name}"; startswith; nocase; endswith; sid:{sid}; rev:1;)'
    for sid, name in ((9100001, "github.com"), (9100002, "api.github.com"))
)
DENY_RULE = (
    'drop udp $HOME_NET any -> $EXTERNAL_NET any (msg:"egress UDP denied"; sid:9000001; rev:1;)'
)
FLOW_LOG_PROPS = {
    "trafficType": "ALL",
    "logDestinationType": "cloud-watch-logs",
    "logDestination": "arn:aws:logs:eu-west-1:1:log-group:flow",
}

DNS_ASSOCIATION_PROPS = {
    "firewallRuleGroupId": "rslvr-frg-0123456789abcdef",
    "priority": 1000.0,
    "mutationProtection": "ENABLED",
}
QUERY_LOG_PROPS = {"resolverQueryLogConfigId": "rslvr-qlc-0123456789abcdef"}

CASES = [
    Case(
        "network-sg-public-ingress",
        alb_group(),
        (
            Break("tags.Exposure", "internal"),
            Break("tags.Exposure"),
            Break("ingress.0.toPort", 444),
            Break("ingress.0.fromPort"),
            Break("ingress.0.protocol", "-1"),
            Break("ingress.1.protocol", "icmp"),
            Break("ingress.2.cidrBlocks", [WORLD]),
        ),
    ),
    Case(
        "network-sg-public-ingress",
        internal_group(),
        (
            Break("ingress.0.ipv6CidrBlocks", [WORLD6]),
            Break("ingress.0.cidrBlocks", [WORLD]),
            Break("ingress", [permission(22, [WORLD], "SSH from anywhere")]),
        ),
    ),
    Case(  # a stack that also serves 8443 publicly lists it in allowedPublicPorts
        "network-sg-public-ingress",
        resource(
            network.SECURITY_GROUP,
            "alt",
            {"description": "alt", "ingress": [permission(8443, [WORLD], "alt")]},
            Exposure="internet",
        ),
        (Break("ingress.0.toPort", 8444),),
        config={"allowedPublicPorts": [443, 8443]},
    ),
    Case(
        "network-sg-rule-public-ingress",
        rules_stack(),
        (
            Break("tags.Exposure", "internal", index=0),
            Break("fromPort", 22, index=1),
            Break("ipProtocol", "-1", index=1),
            Break("securityGroupId", "sg-elsewhere", index=1),
            Break("toPort", 8080, index=2),
            Break("type", "ingress", index=3),
        ),
    ),
    Case(  # an internal group's rule opened to the world
        "network-sg-rule-public-ingress",
        [internal_group(), ingress_rule(internal_group(), links=True, cidrIpv4=VPC_CIDR)],
        (Break("cidrIpv4", WORLD, index=1),),
    ),
    Case(  # in a preview the group id is unknown: the property dependency links them
        "network-sg-rule-public-ingress",
        [alb_group(), ingress_rule(alb_group(), links=True)],
        (Break("tags.Exposure", "internal", index=0), Break("fromPort", 0, index=1)),
    ),
    Case(
        "network-sg-descriptions",
        alb_group(),
        (
            Break("description", "Managed by Pulumi"),
            Break("description"),
            Break("ingress.1.description"),
            Break("egress.0.description", " "),
        ),
    ),
    Case(
        "network-sg-descriptions",
        ingress_rule(alb_group()),
        (Break("description"), Break("description", "")),
    ),
    Case(
        "network-sg-descriptions", rules_stack()[3], (Break("description", "Managed by Terraform"),)
    ),
    Case(
        "network-vpc-flow-logs",
        [VPC, resource(network.FLOW_LOG, "main-flow", {**FLOW_LOG_PROPS, "vpcId": VPC.get("id")})],
        (Break("vpcId", "vpc-other", index=1), Break("vpcId", index=1)),
    ),
    Case(
        "network-vpc-flow-logs",
        [VPC, resource(network.FLOW_LOG, "main-flow", FLOW_LOG_PROPS, {"vpcId": VPC})],
        (),
    ),
    *(
        Case(
            "network-vpc-endpoint-policy",
            resource(
                network.VPC_ENDPOINT, "s3", {"vpcEndpointType": kind, "policy": ENDPOINT_POLICY}
            ),
            (
                Break("policy"),
                Break("policy", ""),
                Break("policy", OPEN_POLICY),
                Break("policy", "not json"),
            ),
        )
        for kind in ("Gateway", "Interface")
    ),
    # a token call names the roles it may assume: no Condition needed
    Case(
        "network-vpc-endpoint-policy",
        resource(
            network.VPC_ENDPOINT, "sts", {"vpcEndpointType": "Interface", "policy": TOKEN_POLICY}
        ),
        (
            Break(
                "policy",
                TOKEN_POLICY.replace("role/*", "*").replace("arn:aws:iam::123456789012:*", "*"),
            ),
        ),
    ),
    Case(
        "network-vpc-dns-firewall",
        [
            VPC,
            resource(
                network.DNS_FIREWALL_ASSOCIATION,
                "main-dns",
                {**DNS_ASSOCIATION_PROPS, "vpcId": VPC.get("id")},
            ),
        ],
        (Break("vpcId", "vpc-other", index=1), Break("vpcId", index=1)),
    ),
    Case(  # in a preview the VPC's id is unknown: the property dependency links them
        "network-vpc-dns-firewall",
        [
            VPC,
            resource(
                network.DNS_FIREWALL_ASSOCIATION, "main-dns", DNS_ASSOCIATION_PROPS, {"vpcId": VPC}
            ),
        ],
        (),
    ),
    Case(
        "network-vpc-resolver-query-logs",
        [
            VPC,
            resource(
                network.QUERY_LOG_ASSOCIATION,
                "main-queries",
                {**QUERY_LOG_PROPS, "resourceId": VPC.get("id")},
            ),
        ],
        (Break("resourceId", "vpc-other", index=1), Break("resourceId", index=1)),
    ),
    Case(
        "network-vpc-resolver-query-logs",
        [
            VPC,
            resource(
                network.QUERY_LOG_ASSOCIATION, "main-queries", QUERY_LOG_PROPS, {"resourceId": VPC}
            ),
        ],
        (),
    ),
    # no tier may hand out public IPs, the public (load balancer) tier included
    Case(
        "network-subnet-public-ip", subnet("public", False), (Break("mapPublicIpOnLaunch", True),)
    ),
    Case("network-subnet-public-ip", subnet("data", False), (Break("mapPublicIpOnLaunch", True),)),
    *(
        Case(
            "network-firewall-customer-key",
            resource(kind, "egress", {"encryptionConfiguration": FIREWALL_KEY}),
            (
                Break("encryptionConfiguration"),
                Break("encryptionConfiguration.type", "AWS_OWNED_KMS_KEY"),
                Break("encryptionConfiguration.keyId"),
                Break("encryptionConfiguration.keyId", "alias/aws/network-firewall"),
            ),
        )
        for kind in network.FIREWALL_PARTS
        if kind != network.TLS_INSPECTION
    ),
    Case(  # a TLS inspection configuration holds a list of them
        "network-firewall-customer-key",
        resource(network.TLS_INSPECTION, "inspect", {"encryptionConfigurations": [FIREWALL_KEY]}),
        (
            Break("encryptionConfigurations", []),
            Break("encryptionConfigurations"),
            Break("encryptionConfigurations.0.type", "AWS_OWNED_KMS_KEY"),
            Break("encryptionConfigurations.0.keyId"),
        ),
    ),
    Case(
        "network-firewall-pass-rules-scoped",
        resource(
            network.FIREWALL_RULE_GROUP,
            "runner-egress",
            {"ruleGroup": {"rulesSource": {"rulesString": "\n".join(SCOPED_PASS_RULES)}}},
        ),
        tuple(
            Break("ruleGroup.rulesSource.rulesString", text)
            for text in (
                SCOPED_PASS_RULES[0].replace("[10.30.248.0/24,10.30.249.0/24]", "$HOME_NET"),
                SCOPED_PASS_RULES[0].replace("[10.30.248.0/24,10.30.249.0/24]", "any"),
                SCOPED_PASS_RULES[0].replace("10.30.249.0/24", "0.0.0.0/0"),
                SCOPED_PASS_RULES[1]
                + "\n"
                + SCOPED_PASS_RULES[0].replace("10.30.248.0/24", "!10.30.0.0/16"),
                SCOPED_PASS_RULES[0].replace("[10.30.248.0/24,10.30.249.0/24]", "$RUNNER_NET"),
            )
        ),
    ),
    Case(  # no pass rule at all, and the allow-list's generated group: nothing to judge
        "network-firewall-pass-rules-scoped",
        resource(
            network.FIREWALL_RULE_GROUP,
            "default-deny",
            {"ruleGroup": {"rulesSource": {"rulesString": DENY_RULE}}},
        ),
        (Break("ruleGroup.rulesSource.rulesString", DENY_RULE.replace("drop", "pass")),),
    ),
    Case(
        "network-launch-template-no-public-ip",
        resource(
            network.LAUNCH_TEMPLATE,
            "nodes",
            {
                "networkInterfaces": [
                    {
                        "deviceIndex": 0,
                        "associatePublicIpAddress": "false",
                        "securityGroups": ["tiles-id"],
                    }
                ]
            },
        ),
        (
            Break("networkInterfaces.0.associatePublicIpAddress", "true"),
            Break("networkInterfaces.0.associatePublicIpAddress", True),
        ),
    ),
    Case(
        "network-default-sg-closed",
        resource(network.DEFAULT_SECURITY_GROUP, "main-default", {"vpcId": VPC.get("id")}),
        (
            Break("ingress", [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]),
            Break("egress", [permission(0, [WORLD], "all", protocol="-1")]),
        ),
    ),
]
