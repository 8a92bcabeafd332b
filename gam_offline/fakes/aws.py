"""Fakes of pulumi-aws resource types: what AWS computes, one function per type.

Each function gets the resource's inputs (engine names, camelCase) and a
`FakeContext`, and returns only what the provider computes; the registry already
echoes inputs and adds id, ARN and `tagsAll`. Values are deterministic, in AWS's
formats, in the stack's region and the fake account.
"""

from __future__ import annotations

from typing import Any

from gam_offline.fakes.registry import PARTITION, digest, fake
from gam_offline.records import FakeContext

Inputs = dict[str, Any]
Outputs = dict[str, Any]


def _hex(ctx: FakeContext, *parts: str) -> str:
    return digest(ctx.resource_id, *parts)


def _arn(ctx: FakeContext, service: str, resource: str, *, regional: bool = True) -> str:
    region = ctx.region if regional else ""
    return f"arn:{PARTITION}:{service}:{region}:{ctx.account}:{resource}"


# --- VPC ---------------------------------------------------------------------------


@fake("aws:ec2/vpc:Vpc", id_prefix="vpc")
def _vpc(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "ec2", f"vpc/{ctx.resource_id}"),
        "ownerId": ctx.account,
        "mainRouteTableId": f"rtb-{_hex(ctx, 'main')}",
        "defaultRouteTableId": f"rtb-{_hex(ctx, 'main')}",
        "defaultNetworkAclId": f"acl-{_hex(ctx, 'acl')}",
        "defaultSecurityGroupId": f"sg-{_hex(ctx, 'sg')}",
        "dhcpOptionsId": f"dopt-{_hex(ctx, 'dhcp')}",
        "instanceTenancy": inputs.get("instanceTenancy") or "default",
    }


@fake("aws:ec2/subnet:Subnet", id_prefix="subnet")
def _subnet(inputs: Inputs, ctx: FakeContext) -> Outputs:
    zone = str(inputs.get("availabilityZone") or f"{ctx.region}a")
    return {
        "arn": _arn(ctx, "ec2", f"subnet/{ctx.resource_id}"),
        "ownerId": ctx.account,
        "availabilityZone": zone,
        "mapPublicIpOnLaunch": bool(inputs.get("mapPublicIpOnLaunch", False)),
    }


@fake("aws:ec2/internetGateway:InternetGateway", id_prefix="igw")
def _internet_gateway(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "ec2", f"internet-gateway/{ctx.resource_id}"), "ownerId": ctx.account}


@fake("aws:ec2/eip:Eip", id_prefix="eipalloc")
def _eip(inputs: Inputs, ctx: FakeContext) -> Outputs:
    octets = [int(_hex(ctx, str(i))[:2], 16) for i in range(2)]
    address = f"203.0.{octets[0]}.{octets[1]}"  # TEST-NET-3: never a real address
    return {
        "allocationId": ctx.resource_id,
        "publicIp": address,
        "publicDns": f"ec2-{address.replace('.', '-')}.{ctx.region}.compute.amazonaws.com",
        "domain": inputs.get("domain") or "vpc",
    }


@fake("aws:ec2/natGateway:NatGateway", id_prefix="nat")
def _nat_gateway(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "networkInterfaceId": f"eni-{_hex(ctx, 'eni')}",
        "privateIp": "10.255.255.10",
        "publicIp": "203.0.113.10",
    }


@fake("aws:ec2/routeTable:RouteTable", id_prefix="rtb")
def _route_table(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "ec2", f"route-table/{ctx.resource_id}"), "ownerId": ctx.account}


@fake("aws:ec2/route:Route", id_prefix="r-rtb")
def _route(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"origin": "CreateRoute", "state": "active"}


@fake("aws:ec2/routeTableAssociation:RouteTableAssociation", id_prefix="rtbassoc")
def _route_table_association(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {}


@fake("aws:ec2/securityGroup:SecurityGroup", id_prefix="sg")
def _security_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "ec2", f"security-group/{ctx.resource_id}"),
        "ownerId": ctx.account,
        "name": inputs.get("name") or f"{ctx.name}-{digest(ctx.name, length=7)}",
    }


@fake("aws:ec2/securityGroupRule:SecurityGroupRule", id_prefix="sgrule")
def _ec2_security_group_rule(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"securityGroupRuleId": f"sgr-{_hex(ctx, 'rule')}"}


@fake("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", id_prefix="sg")
def _default_security_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "ec2", f"security-group/{ctx.resource_id}"),
        "ownerId": ctx.account,
        "name": "default",
    }


def _security_group_rule(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"securityGroupRuleId": ctx.resource_id}


fake("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", id_prefix="sgr")(
    _security_group_rule
)
fake("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", id_prefix="sgr")(
    _security_group_rule
)


@fake("aws:ec2/networkAcl:NetworkAcl", id_prefix="acl")
def _network_acl(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "ec2", f"network-acl/{ctx.resource_id}"), "ownerId": ctx.account}


@fake("aws:ec2/vpcEndpoint:VpcEndpoint", id_prefix="vpce")
def _vpc_endpoint(inputs: Inputs, ctx: FakeContext) -> Outputs:
    interface = inputs.get("vpcEndpointType") == "Interface"
    service = str(inputs.get("serviceName") or "")
    host = (
        f"{ctx.resource_id}-{_hex(ctx, 'dns')[:8]}.{service.split('.', 3)[-1]}.vpce.amazonaws.com"
    )
    return {
        "arn": _arn(ctx, "ec2", f"vpc-endpoint/{ctx.resource_id}"),
        "ownerId": ctx.account,
        "state": "available",
        "prefixListId": None if interface else f"pl-{_hex(ctx, 'pl')[:8]}",
        "dnsEntries": [{"dnsName": host, "hostedZoneId": "Z7HUB22UULQXV"}] if interface else [],
        "networkInterfaceIds": (
            [f"eni-{_hex(ctx, str(i))}" for i, _ in enumerate(inputs.get("subnetIds") or [])]
            if interface
            else []
        ),
        "requesterManaged": False,
    }


@fake("aws:ec2/flowLog:FlowLog", id_prefix="fl")
def _flow_log(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "ec2", f"vpc-flow-log/{ctx.resource_id}")}


@fake("aws:ec2/launchTemplate:LaunchTemplate", id_prefix="lt")
def _launch_template(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "ec2", f"launch-template/{ctx.resource_id}"),
        "latestVersion": 1,
        "defaultVersion": 1,
    }


@fake("aws:ec2/instance:Instance", id_prefix="i")
def _instance(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "ec2", f"instance/{ctx.resource_id}"),
        "privateIp": "10.255.0.10",
        "instanceState": "running",
        "primaryNetworkInterfaceId": f"eni-{_hex(ctx, 'eni')}",
    }


@fake("aws:ec2transitgateway/vpcAttachment:VpcAttachment", id_prefix="tgw-attach")
def _tgw_attachment(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "ec2", f"transit-gateway-attachment/{ctx.resource_id}"),
        "vpcOwnerId": ctx.account,
    }


# --- logs, keys, identity ------------------------------------------------------------


@fake("aws:cloudwatch/logGroup:LogGroup")
def _log_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "logs", f"log-group:{ctx.resource_id}"), "logGroupClass": "STANDARD"}


@fake("aws:kms/key:Key")
def _kms_key(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "kms", f"key/{ctx.resource_id}"),
        "keyId": ctx.resource_id,
        "keyUsage": inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
        "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "rotationPeriodInDays": inputs.get("rotationPeriodInDays") or 365,
    }


@fake("aws:iam/role:Role")
def _iam_role(inputs: Inputs, ctx: FakeContext) -> Outputs:
    path = str(inputs.get("path") or "/")
    return {
        "arn": _arn(ctx, "iam", f"role{path}{ctx.resource_id}", regional=False),
        "uniqueId": f"AROA{_hex(ctx, 'uid').upper()}",
        "createDate": "2026-01-01T00:00:00Z",
        "maxSessionDuration": inputs.get("maxSessionDuration") or 3600,
    }


@fake("aws:iam/rolePolicy:RolePolicy")
def _iam_role_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"name": inputs.get("name") or ctx.resource_id}


@fake("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _iam_role_policy_attachment(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is `<role>-<20 digits>`."""
    return {"id": f"{inputs.get('role')}-{int(_hex(ctx, 'attachment'), 16) % 10**20:020d}"}


@fake("aws:iam/policy:Policy")
def _iam_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A managed policy's id is its ARN."""
    arn = _arn(ctx, "iam", f"policy{inputs.get('path') or '/'}{ctx.resource_id}", regional=False)
    return {
        "id": arn,
        "arn": arn,
        "policyId": f"ANPA{_hex(ctx, 'pid').upper()}",
        "attachmentCount": 0,
    }


@fake("aws:secretsmanager/secret:Secret")
def _secret(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A secret's id is its ARN: its name and six characters Secrets Manager adds."""
    arn = _arn(ctx, "secretsmanager", f"secret:{ctx.resource_id}-{_hex(ctx, 'suffix')[:6]}")
    return {"id": arn, "arn": arn}


# --- storage and messaging ------------------------------------------------------------


@fake("aws:s3/bucket:Bucket", id_input="bucket")
def _bucket(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": f"arn:{PARTITION}:s3:::{ctx.resource_id}",
        "bucketDomainName": f"{ctx.resource_id}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{ctx.resource_id}.s3.{ctx.region}.amazonaws.com",
        "hostedZoneId": "Z1BKCTXD74EZPE",
        "region": ctx.region,
    }


@fake("aws:sqs/queue:Queue")
def _queue(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "sqs", ctx.resource_id),
        "url": f"https://sqs.{ctx.region}.amazonaws.com/{ctx.account}/{ctx.resource_id}",
    }


@fake("aws:sns/topic:Topic")
def _topic(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "sns", ctx.resource_id), "owner": ctx.account}


# --- Network Firewall --------------------------------------------------------------------


@fake("aws:networkfirewall/firewall:Firewall")
def _network_firewall(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """One endpoint per subnet mapping.

    AWS reports `firewallStatuses[0].syncStates`, one per AZ, each with the attachment
    (subnet and endpoint) in that AZ. A fake cannot tell a subnet's AZ from its id, so
    `availabilityZone` is left out: programs select an endpoint by its subnet id.
    """
    subnets = [m.get("subnetId") for m in inputs.get("subnetMappings") or []]
    states = [
        {"attachments": [{"subnetId": subnet, "endpointId": f"vpce-{_hex(ctx, str(subnet))}"}]}
        for subnet in subnets
    ]
    return {
        "arn": _arn(ctx, "network-firewall", f"firewall/{ctx.resource_id}"),
        "firewallStatuses": [{"syncStates": states}],
        "updateToken": digest(ctx.resource_id, "update-token", length=36),
    }


@fake("aws:networkfirewall/firewallPolicy:FirewallPolicy")
def _firewall_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "network-firewall", f"firewall-policy/{ctx.resource_id}"),
        "updateToken": digest(ctx.resource_id, "update-token", length=36),
    }


@fake("aws:networkfirewall/ruleGroup:RuleGroup")
def _rule_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    kind = "stateful" if inputs.get("type") == "STATEFUL" else "stateless"
    return {
        "arn": _arn(ctx, "network-firewall", f"{kind}-rulegroup/{ctx.resource_id}"),
        "updateToken": digest(ctx.resource_id, "update-token", length=36),
    }


@fake("aws:networkfirewall/loggingConfiguration:LoggingConfiguration")
def _firewall_logging(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {}


# --- EKS ------------------------------------------------------------------------------


def eks_cluster_security_group(cluster_id: str) -> str:
    """The security group EKS creates for a cluster (`vpcConfig.clusterSecurityGroupId`)."""
    return f"sg-{digest(cluster_id, 'eks-cluster-sg')}"


@fake("aws:eks/cluster:Cluster")
def _eks_cluster(inputs: Inputs, ctx: FakeContext) -> Outputs:
    name = str(inputs.get("name") or ctx.resource_id)
    issuer = f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{digest(name, length=32).upper()}"
    endpoint = (
        f"https://{digest(name, 'endpoint', length=32).upper()}.gr7.{ctx.region}.eks.amazonaws.com"
    )
    return {
        "arn": _arn(ctx, "eks", f"cluster/{ctx.resource_id}"),
        "status": "ACTIVE",
        "platformVersion": "eks.1",
        "endpoint": endpoint,
        "identities": [{"oidcs": [{"issuer": issuer}]}],
        "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
        "clusterId": digest(ctx.resource_id, "cluster-id", length=36),
        "vpcConfig": {
            **(inputs.get("vpcConfig") or {}),
            "clusterSecurityGroupId": eks_cluster_security_group(ctx.resource_id),
        },
        "kubernetesNetworkConfig": {"ipFamily": "ipv4", "serviceIpv4Cidr": "172.20.0.0/16"},
    }


@fake("aws:eks/nodeGroup:NodeGroup")
def _eks_node_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is `<cluster>:<node group>`."""
    group = str(inputs.get("nodeGroupName") or ctx.resource_id)
    cluster = inputs.get("clusterName")
    return {
        "id": f"{cluster}:{group}",
        "nodeGroupName": group,
        "arn": _arn(ctx, "eks", f"nodegroup/{cluster}/{group}/{digest(group, length=8)}"),
        "status": "ACTIVE",
        "resources": [{"autoscalingGroups": [{"name": f"eks-{group}-{digest(group, length=8)}"}]}],
    }


@fake("aws:eks/addon:Addon")
def _eks_addon(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is `<cluster>:<add-on>`."""
    cluster, addon = inputs.get("clusterName"), inputs.get("addonName")
    return {
        "id": f"{cluster}:{addon}",
        "arn": _arn(ctx, "eks", f"addon/{cluster}/{addon}/{digest(str(addon), length=8)}"),
    }


@fake("aws:eks/accessEntry:AccessEntry")
def _eks_access_entry(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is `<cluster>:<principal ARN>`."""
    cluster, principal = inputs.get("clusterName"), inputs.get("principalArn")
    return {
        "id": f"{cluster}:{principal}",
        "accessEntryArn": _arn(
            ctx, "eks", f"access-entry/{cluster}/{digest(str(principal), length=8)}"
        ),
        "type": inputs.get("type") or "STANDARD",
    }


@fake("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
def _eks_access_policy_association(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is `<cluster>#<principal ARN>#<policy ARN>`."""
    parts = (inputs.get("clusterName"), inputs.get("principalArn"), inputs.get("policyArn"))
    return {"id": "#".join(str(p) for p in parts), "associatedAt": "2026-01-01T00:00:00Z"}


@fake("aws:eks/podIdentityAssociation:PodIdentityAssociation")
def _eks_pod_identity_association(inputs: Inputs, ctx: FakeContext) -> Outputs:
    association = f"a-{_hex(ctx, 'association')}"
    cluster = inputs.get("clusterName")
    return {
        "id": f"{cluster},{association}",
        "associationId": association,
        "associationArn": _arn(ctx, "eks", f"podidentityassociation/{cluster}/{association}"),
    }


# --- ECS ------------------------------------------------------------------------------


@fake("aws:ecs/cluster:Cluster")
def _ecs_cluster(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A cluster's id is its ARN."""
    arn = _arn(ctx, "ecs", f"cluster/{inputs.get('name') or ctx.resource_id}")
    return {"id": arn, "arn": arn}


@fake("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", id_input="clusterName")
def _ecs_capacity_providers(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {}


# --- ECR ------------------------------------------------------------------------------


@fake("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", id_input="ecrRepositoryPrefix")
def _pull_through_cache_rule(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"registryId": ctx.account}


@fake("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", id_input="prefix")
def _repository_creation_template(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"registryId": ctx.account}


# --- Route 53 Resolver: DNS Firewall and query logging ---------------------------------
# Resolver ids are a prefix and 16 hex digits (rslvr-frg-0123456789abcdef).


def _resolver_arn(ctx: FakeContext, kind: str) -> str:
    return _arn(ctx, "route53resolver", f"{kind}/{ctx.resource_id}")


@fake(
    "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup",
    id_prefix="rslvr-frg",
    id_digits=16,
)
def _resolver_firewall_rule_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _resolver_arn(ctx, "firewall-rule-group"),
        "ownerId": ctx.account,
        "shareStatus": "NOT_SHARED",
    }


@fake("aws:route53/resolverFirewallRule:ResolverFirewallRule")
def _resolver_firewall_rule(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A rule has no id of its own in AWS: the provider's is `<group id>:<domain list id>`."""
    group, domains = inputs.get("firewallRuleGroupId"), inputs.get("firewallDomainListId")
    return {
        "id": f"{group}:{domains}",
        "firewallDomainRedirectionAction": inputs.get("firewallDomainRedirectionAction")
        or "INSPECT_REDIRECTION_DOMAIN",
    }


@fake(
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation",
    id_prefix="rslvr-frgassoc",
    id_digits=16,
)
def _resolver_firewall_association(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _resolver_arn(ctx, "firewall-rule-group-association"),
        "mutationProtection": inputs.get("mutationProtection") or "DISABLED",
    }


@fake(
    "aws:route53/resolverFirewallConfig:ResolverFirewallConfig", id_prefix="rslvr-fc", id_digits=16
)
def _resolver_firewall_config(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"ownerId": ctx.account}


@fake(
    "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig", id_prefix="rslvr-qlc", id_digits=16
)
def _resolver_query_log_config(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _resolver_arn(ctx, "resolver-query-log-config"),
        "ownerId": ctx.account,
        "shareStatus": "NOT_SHARED",
    }


@fake(
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation",
    id_prefix="rslvr-qlcassoc",
    id_digits=16,
)
def _resolver_query_log_association(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {}
