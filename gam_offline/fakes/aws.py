"""Fakes of pulumi-aws resource types: what AWS computes, one function per type.

Each function gets the resource's inputs (engine names, camelCase) and a
`FakeContext`, and returns only what the provider computes; the registry already
echoes inputs and adds id, ARN and `tagsAll`. Values are deterministic, in AWS's
formats, in the stack's region and the fake account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from components.values import az_id_prefix
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


# A bucket's configuration resources: the provider's id is the bucket's name (an
# inventory's `<bucket>:<name>`); AWS computes nothing else for them.


@fake("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
def _bucket_ownership(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": inputs.get("bucket")}


@fake("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
def _bucket_public_access_block(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": inputs.get("bucket")}


@fake("aws:s3/bucketVersioning:BucketVersioning")
def _bucket_versioning(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": inputs.get("bucket")}


@fake("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
def _bucket_encryption(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": inputs.get("bucket")}


@fake("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
def _bucket_lifecycle(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "id": inputs.get("bucket"),
        "transitionDefaultMinimumObjectSize": "all_storage_classes_128K",
    }


@fake("aws:s3/bucketLogging:BucketLogging")
def _bucket_logging(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": inputs.get("bucket")}


@fake("aws:s3/bucketPolicy:BucketPolicy")
def _bucket_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": inputs.get("bucket")}


@fake("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
def _bucket_replication(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": inputs.get("bucket")}


@fake("aws:s3/inventory:Inventory")
def _bucket_inventory(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": f"{inputs.get('bucket')}:{inputs.get('name')}"}


# --- AWS Backup ---------------------------------------------------------------------------


@fake("aws:backup/vault:Vault")
def _backup_vault(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "backup", f"backup-vault:{ctx.resource_id}"), "recoveryPoints": 0}


@fake("aws:backup/plan:Plan")
def _backup_plan(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A plan's id is a UUID; each change makes a new version."""
    plan_id = _uuid(ctx, "plan")
    return {
        "id": plan_id,
        "arn": _arn(ctx, "backup", f"backup-plan:{plan_id}"),
        "version": digest(ctx.resource_id, "version", length=40),
    }


@fake("aws:backup/selection:Selection")
def _backup_selection(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": _uuid(ctx, "selection")}


def _uuid(ctx: FakeContext, *parts: str) -> str:
    h = digest(ctx.resource_id, *parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@fake("aws:sqs/queue:Queue")
def _queue(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "arn": _arn(ctx, "sqs", ctx.resource_id),
        "url": f"https://sqs.{ctx.region}.amazonaws.com/{ctx.account}/{ctx.resource_id}",
    }


@fake("aws:sns/topic:Topic")
def _topic(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "sns", ctx.resource_id), "owner": ctx.account}


@fake("aws:sqs/queuePolicy:QueuePolicy")
def _queue_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The provider's id is the queue's URL."""
    return {"id": inputs.get("queueUrl")}


@fake("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy")
def _redrive_allow_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": inputs.get("queueUrl")}


@fake("aws:sns/topicSubscription:TopicSubscription")
def _topic_subscription(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A subscription's id is its ARN: the topic's and a UUID."""
    arn = f"{inputs.get('topic')}:{_uuid(ctx, 'subscription')}"
    return {
        "id": arn,
        "arn": arn,
        "ownerId": ctx.account,
        "confirmationWasAuthenticated": True,
        "pendingConfirmation": False,
    }


# --- ElastiCache ---------------------------------------------------------------------------


@fake("aws:elasticache/subnetGroup:SubnetGroup")
def _cache_subnet_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "elasticache", f"subnetgroup:{ctx.resource_id}"), "vpcId": None}


@fake("aws:elasticache/user:User", id_input="userId")
def _cache_user(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "elasticache", f"user:{ctx.resource_id}")}


@fake("aws:elasticache/userGroup:UserGroup", id_input="userGroupId")
def _cache_user_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "elasticache", f"usergroup:{ctx.resource_id}")}


@fake("aws:elasticache/replicationGroup:ReplicationGroup", id_input="replicationGroupId")
def _replication_group(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """Endpoints as ElastiCache names them: `master.<id>.<hash>.<region short>.cache...`
    for the primary, `replica.` for the reader."""
    group = ctx.resource_id
    suffix = f"{digest(ctx.account, length=6)}.{az_id_prefix(ctx.region)}.cache.amazonaws.com"
    return {
        "arn": _arn(ctx, "elasticache", f"replicationgroup:{group}"),
        "primaryEndpointAddress": f"master.{group}.{suffix}",
        "readerEndpointAddress": f"replica.{group}.{suffix}",
        "memberClusters": [
            f"{group}-00{i + 1}" for i in range(int(inputs.get("numCacheClusters") or 1))
        ],
        "clusterEnabled": False,
        "engineVersionActual": f"{inputs.get('engineVersion') or '8.0'}.1",
    }


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


@fake("aws:ecr/repository:Repository")
def _repository(inputs: Inputs, ctx: FakeContext) -> Outputs:
    name = ctx.resource_id
    return {
        "arn": _arn(ctx, "ecr", f"repository/{name}"),
        "registryId": ctx.account,
        "repositoryUrl": f"{ctx.account}.dkr.ecr.{ctx.region}.amazonaws.com/{name}",
    }


@fake("aws:ecr/lifecyclePolicy:LifecyclePolicy", id_input="repository")
def _lifecycle_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"registryId": ctx.account}


@fake("aws:ecr/repositoryPolicy:RepositoryPolicy", id_input="repository")
def _repository_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"registryId": ctx.account}


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


# --- observability -------------------------------------------------------------------


@fake("aws:amp/workspace:Workspace")
def _amp_workspace(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """Its id is `ws-` and a UUID; the endpoint is the one collectors remote-write under."""
    workspace_id = f"ws-{_uuid(ctx, 'workspace')}"
    return {
        "id": workspace_id,
        "arn": _arn(ctx, "aps", f"workspace/{workspace_id}"),
        "prometheusEndpoint": f"https://aps-workspaces.{ctx.region}.amazonaws.com/workspaces/{workspace_id}/",
    }


@fake("aws:amp/ruleGroupNamespace:RuleGroupNamespace")
def _amp_rule_group_namespace(inputs: Inputs, ctx: FakeContext) -> Outputs:
    workspace = str(inputs.get("workspaceId") or "ws-unknown")
    arn = _arn(ctx, "aps", f"rulegroupsnamespace/{workspace}/{inputs.get('name')}")
    return {"id": arn, "arn": arn}


@fake("aws:amp/alertManagerDefinition:AlertManagerDefinition")
def _amp_alert_manager_definition(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": str(inputs.get("workspaceId") or ctx.resource_id)}


@fake("aws:sns/topicPolicy:TopicPolicy")
def _sns_topic_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": str(inputs.get("arn")), "owner": ctx.account}


@fake("aws:cloudwatch/metricAlarm:MetricAlarm", id_input="name")
def _metric_alarm(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "cloudwatch", f"alarm:{ctx.resource_id}")}


@fake("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", id_input="policyName")
def _log_resource_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {}


# --- OpenSearch Service ------------------------------------------------------------------


@fake("aws:opensearch/domain:Domain", id_input="domainName")
def _opensearch_domain(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A VPC domain: `endpoint` is its VPC endpoint (`vpc-<name>-<id>.<region>.es...`),
    Dashboards under `/_dashboards` on it."""
    name = ctx.resource_id
    endpoint = f"vpc-{name}-{digest(ctx.account, name, length=26)}.{ctx.region}.es.amazonaws.com"
    return {
        "arn": _arn(ctx, "es", f"domain/{name}"),
        "domainId": f"{ctx.account}/{name}",
        "endpoint": endpoint,
        "dashboardEndpoint": f"{endpoint}/_dashboards",
        "engineType": "OpenSearch",
    }


@fake("aws:xray/encryptionConfig:EncryptionConfig")
def _xray_encryption_config(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": ctx.region}


@fake("aws:xray/samplingRule:SamplingRule", id_input="ruleName")
def _xray_sampling_rule(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"arn": _arn(ctx, "xray", f"sampling-rule/{ctx.resource_id}")}


# --- Managed Grafana -----------------------------------------------------------------


@fake("aws:grafana/workspace:Workspace")
def _grafana_workspace(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """Its id is `g-` and ten hex digits; users and the provider reach it at `endpoint`."""
    workspace_id = f"g-{_hex(ctx, 'workspace')[:10]}"
    return {
        "id": workspace_id,
        "arn": _arn(ctx, "grafana", f"/workspaces/{workspace_id}"),
        "endpoint": f"{workspace_id}.grafana-workspace.{ctx.region}.amazonaws.com",
        "grafanaVersion": inputs.get("grafanaVersion") or "10.4",
        "samlConfigurationStatus": "NOT_CONFIGURED",
    }


@fake("aws:grafana/workspaceSamlConfiguration:WorkspaceSamlConfiguration")
def _grafana_saml(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": str(inputs.get("workspaceId")), "status": "CONFIGURED"}


@fake("aws:grafana/roleAssociation:RoleAssociation")
def _grafana_role_association(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": f"{inputs.get('workspaceId')}/{inputs.get('role')}"}


@fake("aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount")
def _grafana_service_account(inputs: Inputs, ctx: FakeContext) -> Outputs:
    account_id = str(int(_hex(ctx, "sa")[:4], 16) % 100 + 2)
    return {"id": f"{inputs.get('workspaceId')},{account_id}", "serviceAccountId": account_id}


@fake("aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken")
def _grafana_service_account_token(inputs: Inputs, ctx: FakeContext) -> Outputs:
    token_id = str(int(_hex(ctx, "token")[:4], 16) % 100 + 1)
    return {
        "id": f"{inputs.get('workspaceId')},{inputs.get('serviceAccountId')},{token_id}",
        "serviceAccountTokenId": token_id,
        "key": f"glsa_{_hex(ctx, 'key')}{_hex(ctx, 'key2')[:15]}",
        "createdAt": "2026-01-01T00:00:00Z",
        "expiresAt": "2026-01-01T01:00:00Z",
    }


# --- CloudFront, ACM, Route 53 records ------------------------------------------------
# CloudFront is global: its ARNs carry no region (`arn:aws:cloudfront::<account>:...`).


def _cloudfront_id(ctx: FakeContext, *parts: str) -> str:
    """CloudFront's ids: `E` and 13 upper-case letters and digits (E2QWRUHEXAMPLE)."""
    return "E" + _hex(ctx, *parts)[:13].upper()


@fake("aws:cloudfront/distribution:Distribution")
def _distribution(inputs: Inputs, ctx: FakeContext) -> Outputs:
    distribution_id = _cloudfront_id(ctx, "distribution")
    return {
        "id": distribution_id,
        "arn": f"arn:{PARTITION}:cloudfront::{ctx.account}:distribution/{distribution_id}",
        "domainName": f"d{_hex(ctx, 'domain')[:13]}.cloudfront.net",
        "hostedZoneId": "Z2FDTNDATAQYW2",  # every distribution's alias target zone
        "status": "Deployed",
        "etag": _hex(ctx, "etag")[:14].upper(),
        "callerReference": _uuid(ctx, "caller"),
        "inProgressValidationBatches": 0,
        "lastModifiedTime": "2026-01-01T00:00:00Z",
        "staging": bool(inputs.get("staging", False)),
    }


@fake("aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy")
def _continuous_deployment_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": _uuid(ctx, "policy"), "etag": _hex(ctx, "etag")[:14].upper()}


def _cloudfront_policy(kind: str) -> None:
    def outputs(inputs: Inputs, ctx: FakeContext) -> Outputs:
        policy_id = _uuid(ctx, kind)
        arn = f"arn:{PARTITION}:cloudfront::{ctx.account}:{kind}/{policy_id}"
        return {"id": policy_id, "arn": arn, "etag": _hex(ctx, "etag")[:14].upper()}

    token = kind[0].lower() + kind.title().replace("-", "")[1:]
    name = token[0].upper() + token[1:]
    fake(f"aws:cloudfront/{token}:{name}")(outputs)


for _kind in ("cache-policy", "origin-request-policy", "response-headers-policy"):
    _cloudfront_policy(_kind)


@fake("aws:cloudfront/originAccessControl:OriginAccessControl")
def _origin_access_control(inputs: Inputs, ctx: FakeContext) -> Outputs:
    oac_id = _cloudfront_id(ctx, "oac")
    return {
        "id": oac_id,
        "arn": f"arn:{PARTITION}:cloudfront::{ctx.account}:origin-access-control/{oac_id}",
        "etag": _hex(ctx, "etag")[:14].upper(),
    }


@fake("aws:cloudfront/function:Function")
def _cloudfront_function(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """Published to LIVE when `publish` is set; ARNs by name, global like CloudFront's."""
    return {
        "arn": f"arn:{PARTITION}:cloudfront::{ctx.account}:function/{ctx.resource_id}",
        "etag": _hex(ctx, "etag")[:14].upper(),
        "liveStageEtag": _hex(ctx, "live")[:14].upper() if inputs.get("publish") else "",
        "status": "UNASSOCIATED",
    }


# --- CloudWatch Logs vended log delivery (CloudFront standard logging v2) ----------------


@fake("aws:cloudwatch/logDeliverySource:LogDeliverySource")
def _log_delivery_source(inputs: Inputs, ctx: FakeContext) -> Outputs:
    arn = str(inputs.get("resourceArn") or "")
    return {
        "arn": _arn(ctx, "logs", f"delivery-source:{ctx.resource_id}"),
        "service": arn.split(":")[2] if arn.count(":") >= 2 else "",
    }


@fake("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
def _log_delivery_destination(inputs: Inputs, ctx: FakeContext) -> Outputs:
    target = str(
        (inputs.get("deliveryDestinationConfiguration") or {}).get("destinationResourceArn")
    )
    kinds = {"s3": "S3", "logs": "CWL", "firehose": "FH"}
    return {
        "arn": _arn(ctx, "logs", f"delivery-destination:{ctx.resource_id}"),
        "deliveryDestinationType": kinds.get(target.split(":")[2] if ":" in target else "", "S3"),
    }


@fake("aws:cloudwatch/logDelivery:LogDelivery")
def _log_delivery(inputs: Inputs, ctx: FakeContext) -> Outputs:
    delivery_id = _hex(ctx, "delivery")[:16]
    return {"id": delivery_id, "arn": _arn(ctx, "logs", f"delivery:{delivery_id}")}


@fake("aws:acm/certificate:Certificate")
def _certificate(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A DNS-validated certificate: one CNAME per name to prove control of the domain."""
    arn = _arn(ctx, "acm", f"certificate/{_uuid(ctx, 'certificate')}")
    names = [inputs.get("domainName"), *(inputs.get("subjectAlternativeNames") or [])]
    options = [
        {
            "domainName": name,
            "resourceRecordName": f"_{_hex(ctx, str(name))[:32]}.{name}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{_hex(ctx, 'value', str(name))[:32]}.acm-validations.aws.",
        }
        for name in names
        if name
    ]
    return {
        "id": arn,
        "arn": arn,
        "domainValidationOptions": options,
        "status": "PENDING_VALIDATION",
        "type": "AMAZON_ISSUED",
        "keyAlgorithm": inputs.get("keyAlgorithm") or "RSA_2048",
        "validationMethod": inputs.get("validationMethod"),
    }


@fake("aws:acm/certificateValidation:CertificateValidation", id_input="certificateArn")
def _certificate_validation(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": "2026-01-01 00:00:00 +0000 UTC"}


@fake("aws:route53/record:Record")
def _record(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """Its id is `<zone>_<name>_<type>`; `fqdn` the name without the trailing dot."""
    name = str(inputs.get("name") or "").rstrip(".")
    return {"id": f"{inputs.get('zoneId')}_{name}_{inputs.get('type')}", "fqdn": name}


# --- WAFv2 ---------------------------------------------------------------------------
# A web ACL's ARN is `arn:aws:wafv2:<region>:<account>:<global|regional>/webacl/<name>/<id>`;
# CLOUDFRONT-scope ACLs live in us-east-1 with `global`.


@fake("aws:wafv2/webAcl:WebAcl")
def _web_acl(inputs: Inputs, ctx: FakeContext) -> Outputs:
    scope = "global" if inputs.get("scope") == "CLOUDFRONT" else "regional"
    acl_id = _uuid(ctx, "acl")
    name = inputs.get("name") or ctx.resource_id
    return {
        "id": acl_id,
        "arn": _arn(ctx, "wafv2", f"{scope}/webacl/{name}/{acl_id}"),
        "capacity": 700 + 50 * len(inputs.get("rules") or []),
        "lockToken": _uuid(ctx, "lock"),
        "applicationIntegrationUrl": "",
    }


@fake("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", id_input="resourceArn")
def _web_acl_logging(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {}


@fake("aws:wafv2/webAclAssociation:WebAclAssociation")
def _web_acl_association(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {"id": f"{inputs.get('webAclArn')},{inputs.get('resourceArn')}"}


# --- Cognito, API Gateway (HTTP APIs), CloudWatch alarms ---------------------------------


def _alnum(ctx: FakeContext, length: int, *parts: str, upper: bool = False) -> str:
    """Base-36 characters from the digest: ids such as API Gateway's (`a1b2c3d4e5`)."""
    number = int(digest(ctx.resource_id, *parts, length=32), 16)
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while len(out) < length:
        number, rest = divmod(number, 36)
        out += chars[rest]
    return out.upper() if upper else out


@fake("aws:cognito/userPool:UserPool")
def _user_pool(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A pool's id is `<region>_` and 9 letters and digits; its tokens' issuer is
    `https://cognito-idp.<region>.amazonaws.com/<id>`."""
    pool_id = f"{ctx.region}_{_alnum(ctx, 9, 'pool').capitalize()}"
    return {
        "id": pool_id,
        "arn": _arn(ctx, "cognito-idp", f"userpool/{pool_id}"),
        "endpoint": f"cognito-idp.{ctx.region}.amazonaws.com/{pool_id}",
        "creationDate": "2026-01-01T00:00:00Z",
        "estimatedNumberOfUsers": 0,
        "userPoolTier": inputs.get("userPoolTier") or "ESSENTIALS",
    }


@fake("aws:cognito/userPoolClient:UserPoolClient")
def _user_pool_client(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A client's id is 26 lower-case letters and digits; no secret unless generated."""
    secret = _hex(ctx, "secret") * 3 if inputs.get("generateSecret") else None
    return {"id": _alnum(ctx, 26, "client"), "clientSecret": secret}


@fake("aws:cognito/userPoolDomain:UserPoolDomain", id_input="domain")
def _user_pool_domain(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {
        "awsAccountId": ctx.account,
        "cloudfrontDistribution": f"d{_hex(ctx, 'cf')[:13]}.cloudfront.net",
        "cloudfrontDistributionArn": f"d{_hex(ctx, 'cf')[:13]}.cloudfront.net",
        "cloudfrontDistributionZoneId": "Z2FDTNDATAQYW2",
        "s3Bucket": "aws-cognito-prod-dub-assets",
        "version": "20260101000000",
    }


@fake("aws:apigatewayv2/api:Api")
def _http_api(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """An API's id is 10 letters and digits; its ARN `arn:aws:apigateway:<region>::/apis/<id>`."""
    api_id = _alnum(ctx, 10, "api")
    return {
        "id": api_id,
        "arn": f"arn:{PARTITION}:apigateway:{ctx.region}::/apis/{api_id}",
        "apiEndpoint": f"https://{api_id}.execute-api.{ctx.region}.amazonaws.com",
        "executionArn": _arn(ctx, "execute-api", api_id),
        "routeSelectionExpression": "$request.method $request.path",
        "apiKeySelectionExpression": "$request.header.x-api-key",
        "ipAddressType": "ipv4",
    }


def _api_child(kind: str, length: int = 7) -> Callable[[Inputs, FakeContext], Outputs]:
    def outputs(inputs: Inputs, ctx: FakeContext) -> Outputs:
        child_id = _alnum(ctx, length, kind)
        arn = f"arn:{PARTITION}:apigateway:{ctx.region}::/apis/{inputs.get('apiId')}/{kind}/{child_id}"
        return {"id": child_id, "arn": arn}

    return outputs


fake("aws:apigatewayv2/authorizer:Authorizer")(_api_child("authorizers", 6))
fake("aws:apigatewayv2/integration:Integration")(_api_child("integrations"))
fake("aws:apigatewayv2/route:Route")(_api_child("routes"))


@fake("aws:apigatewayv2/stage:Stage")
def _stage(inputs: Inputs, ctx: FakeContext) -> Outputs:
    api, name = inputs.get("apiId"), inputs.get("name")
    return {
        "id": name,
        "arn": f"arn:{PARTITION}:apigateway:{ctx.region}::/apis/{api}/stages/{name}",
        "executionArn": _arn(ctx, "execute-api", f"{api}/{name}"),
        "invokeUrl": f"https://{api}.execute-api.{ctx.region}.amazonaws.com/",
    }


@fake("aws:apigatewayv2/vpcLink:VpcLink")
def _vpc_link(inputs: Inputs, ctx: FakeContext) -> Outputs:
    link_id = _alnum(ctx, 6, "vpclink")
    return {"id": link_id, "arn": f"arn:{PARTITION}:apigateway:{ctx.region}::/vpclinks/{link_id}"}


# --- AppConfig ------------------------------------------------------------------------
# Ids are 7 lower-case letters and digits; the provider's id of an environment or a
# profile is `<its id>:<application id>`.


@fake("aws:appconfig/application:Application")
def _appconfig_application(inputs: Inputs, ctx: FakeContext) -> Outputs:
    app_id = _alnum(ctx, 7, "app")
    return {"id": app_id, "arn": _arn(ctx, "appconfig", f"application/{app_id}")}


@fake("aws:appconfig/environment:Environment")
def _appconfig_environment(inputs: Inputs, ctx: FakeContext) -> Outputs:
    app, env = inputs.get("applicationId"), _alnum(ctx, 7, "env")
    return {
        "id": f"{env}:{app}",
        "environmentId": env,
        "arn": _arn(ctx, "appconfig", f"application/{app}/environment/{env}"),
        "state": "READY_FOR_DEPLOYMENT",
    }


@fake("aws:appconfig/configurationProfile:ConfigurationProfile")
def _appconfig_profile(inputs: Inputs, ctx: FakeContext) -> Outputs:
    app, profile = inputs.get("applicationId"), _alnum(ctx, 7, "profile")
    return {
        "id": f"{profile}:{app}",
        "configurationProfileId": profile,
        "arn": _arn(ctx, "appconfig", f"application/{app}/configurationprofile/{profile}"),
    }


@fake("aws:appconfig/deploymentStrategy:DeploymentStrategy")
def _appconfig_strategy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    strategy_id = _alnum(ctx, 7, "strategy")
    return {"id": strategy_id, "arn": _arn(ctx, "appconfig", f"deploymentstrategy/{strategy_id}")}


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


# --- Synthetics and FIS (ADR 0019) ---------------------------------------------------


@fake("aws:synthetics/canary:Canary", id_input="name")
def _synthetics_canary(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The id is the canary's name; Synthetics creates a Lambda function `cwsyn-<name>-<id>`
    and its layer, and the canary starts RUNNING when `startCanary` is set."""
    name = str(inputs.get("name") or ctx.resource_id)
    function = f"cwsyn-{name}-{_uuid(ctx, 'function')}"
    return {
        "arn": _arn(ctx, "synthetics", f"canary:{name}"),
        "engineArn": _arn(ctx, "lambda", f"function:{function}:1"),
        "sourceLocationArn": _arn(ctx, "lambda", f"layer:cwsyn-{name}-{_hex(ctx, 'layer')}:1"),
        "status": "RUNNING" if inputs.get("startCanary") else "READY",
        "timelines": [{"created": "2026-01-01T00:00:00Z"}],
        "successRetentionPeriod": inputs.get("successRetentionPeriod") or 31,
        "failureRetentionPeriod": inputs.get("failureRetentionPeriod") or 31,
    }


@fake("aws:fis/experimentTemplate:ExperimentTemplate")
def _fis_experiment_template(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """FIS names a template `EXT` and 14 base-62 characters; its ARN holds that id."""
    template_id = "EXT" + "".join(c for c in _hex(ctx, "template") if c.isalnum())[:14].upper()
    return {
        "id": template_id,
        "arn": _arn(ctx, "fis", f"experiment-template/{template_id}"),
    }


# --- CodeBuild ------------------------------------------------------------------------


@fake("aws:codebuild/project:Project")
def _codebuild_project(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A project's id is its ARN."""
    arn = _arn(ctx, "codebuild", f"project/{inputs.get('name') or ctx.resource_id}")
    return {"id": arn, "arn": arn, "badgeUrl": "", "publicProjectAlias": ""}


@fake("aws:codebuild/webhook:Webhook", id_input="projectName")
def _codebuild_webhook(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """CodeBuild creates the webhook in GitHub: its URL there and CodeBuild's payload URL."""
    return {
        "url": f"https://api.github.com/repos/example/repo/hooks/{int(_hex(ctx, 'hook'), 16) % 10**9}",
        "payloadUrl": f"https://codebuild.{ctx.region}.amazonaws.com/webhooks?t={_hex(ctx, 't')}&v=1",
        "secret": "",
    }
