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


@fake("aws:eks/cluster:Cluster")
def _eks_cluster(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "eks", f"cluster/{ctx.resource_id}"),
        "status": "ACTIVE",
        "platformVersion": "eks.1",
        "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
        "clusterId": digest(ctx.resource_id, "cluster-id", length=36),
    }


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


# --- RDS (PostgisDatabase) --------------------------------------------------------------


def _rds_resource_id(ctx: FakeContext, prefix: str = "db") -> str:
    """RDS resource ids: a prefix and 26 upper-case letters and digits (db-ABC...)."""
    return (
        f"{prefix}-{_hex(ctx, 'resource-id', prefix)[:17].upper()}{_hex(ctx, 'rest')[:9].upper()}"
    )


@fake("aws:rds/instance:Instance", id_input="identifier")
def _db_instance(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """Since provider v5 an instance's id is its resource id (db-...); `identifier` names it."""
    identifier = ctx.resource_id
    resource_id = _rds_resource_id(ctx)
    port = int(inputs.get("port") or 5432)
    address = f"{identifier}.c{_hex(ctx, 'cluster')[:11]}.{ctx.region}.rds.amazonaws.com"
    key = inputs.get("masterUserSecretKmsKeyId") or inputs.get("kmsKeyId")
    secret = _arn(
        ctx, "secretsmanager", f"secret:rds!db-{digest(identifier, length=36)}-{_hex(ctx, 's')[:6]}"
    )
    return {
        "id": resource_id,
        "resourceId": resource_id,
        "arn": _arn(ctx, "rds", f"db:{identifier}"),
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "hostedZoneId": "Z29XKXDKYMONMX",
        "status": "available",
        "engineVersionActual": inputs.get("engineVersion"),
        "caCertIdentifier": inputs.get("caCertIdentifier") or "rds-ca-rsa2048-g1",
        "masterUserSecrets": (
            [{"secretArn": secret, "secretStatus": "active", "kmsKeyId": key}]
            if inputs.get("manageMasterUserPassword")
            else []
        ),
        "replicas": [],
        "latestRestorableTime": "2026-01-01T00:00:00Z",
    }


@fake("aws:rds/parameterGroup:ParameterGroup")
def _db_parameter_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """`name_prefix` gets a 26-digit suffix, as the provider makes one."""
    name = inputs.get("name") or f"{inputs.get('namePrefix') or ''}{_hex(ctx, 'suffix')[:26]}"
    return {"id": name, "name": name, "arn": _arn(ctx, "rds", f"pg:{name}")}


@fake("aws:rds/subnetGroup:SubnetGroup")
def _db_subnet_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "rds", f"subgrp:{ctx.resource_id}"),
        "supportedNetworkTypes": ["IPV4"],
        "vpcId": f"vpc-{_hex(ctx, 'vpc')}",
    }


@fake("aws:rds/proxy:Proxy")
def _db_proxy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "rds", f"db-proxy:prx-{_hex(ctx, 'proxy')}"),
        "endpoint": f"{ctx.resource_id}.proxy-c{_hex(ctx, 'cluster')[:11]}.{ctx.region}.rds.amazonaws.com",
    }


@fake("aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", id_input="dbProxyName")
def _db_proxy_target_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "name": "default",
        "arn": _arn(ctx, "rds", f"target-group:prx-tg-{_hex(ctx, 'tg')}"),
    }


@fake("aws:rds/proxyTarget:ProxyTarget")
def _db_proxy_target(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is `<proxy>/<target group>/RDS_INSTANCE/<instance identifier>`."""
    proxy, group = inputs.get("dbProxyName"), inputs.get("targetGroupName")
    instance = inputs.get("dbInstanceIdentifier")
    return {
        "id": f"{proxy}/{group}/RDS_INSTANCE/{instance}",
        "type": "RDS_INSTANCE",
        "port": 5432,
        "rdsResourceId": instance,
        "targetArn": _arn(ctx, "rds", f"db:{instance}"),
    }


@fake("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
def _db_backups_replication(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is the replicated backups' ARN (`auto-backup:ab-...`). A fake does not know
    its provider's region: it reports the stack's."""
    arn = _arn(ctx, "rds", f"auto-backup:ab-{_hex(ctx, 'ab')[:26]}")
    return {"id": arn, "retentionPeriod": inputs.get("retentionPeriod") or 7}


@fake("aws:secretsmanager/secretRotation:SecretRotation", id_input="secretId")
def _secret_rotation(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """Its id is the secret's ARN."""
    return {"rotationEnabled": True}


@fake("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _role_policy_attachment(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is `<role>-<20 digits>`, as the provider makes it."""
    return {"id": f"{inputs.get('role')}-{int(_hex(ctx, 'attach')[:15], 16):020d}"[:84]}


# --- AWS Backup ---------------------------------------------------------------------


@fake("aws:backup/vault:Vault")
def _backup_vault(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "backup", f"backup-vault:{ctx.resource_id}"), "recoveryPoints": 0}


@fake("aws:backup/plan:Plan")
def _backup_plan(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """Plan ids are UUIDs."""
    h = _hex(ctx, "plan") + _hex(ctx, "plan2")
    plan_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return {
        "id": plan_id,
        "arn": _arn(ctx, "backup", f"backup-plan:{plan_id}"),
        "version": _hex(ctx, "version")[:16],
    }


@fake("aws:backup/selection:Selection")
def _backup_selection(inputs: Inputs, ctx: FakeContext) -> Outputs:
    h = _hex(ctx, "selection") + _hex(ctx, "selection2")
    return {"id": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"}
