"""EKS: the pulumi-eks v4 `eks:index:Cluster` component (its inputs) and the
`aws:eks/cluster:Cluster` it creates, node groups and launch templates.

The cluster rules judge both the component and the cluster it creates: the
component's message points at the argument the program actually sets, the cluster
check covers clusters created without the component, and any run where the
component's registration carries no inputs (a remote component's may not, see
pulumi/pulumi#10533: then the component is reported not applicable). Where node
groups must be judged on what they are given (their subnets), the
`aws:eks/nodeGroup:NodeGroup` is judged: an `eks:index:ManagedNodeGroup` creates one,
and a component's stack view holds only the outputs it registers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gam_policies.framework import (
    Context,
    Resource,
    Rule,
    fsbp,
    on,
    require,
    require_set,
)
from gam_policies.rules._shared import (
    SUBNET_READS,
    items,
    number,
    shown,
    subnet_tier_violations,
)

COMPONENT = "eks:index:Cluster"
CLUSTER = "aws:eks/cluster:Cluster"
CLUSTERS = (COMPONENT, CLUSTER)
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
OPEN_CIDRS = ("0.0.0.0/0", "::/0")
MAX_HOP_LIMIT = 2


def _path(resource: Resource, component: str, cluster: str) -> str:
    """The property path on the pulumi-eks component or on aws.eks.Cluster."""
    return component if resource.type == COMPONENT else cluster


def _endpoint_not_public(resource: Resource, ctx: Context) -> Iterator[str]:
    public = _path(resource, "endpointPublicAccess", "vpcConfig.endpointPublicAccess")
    cidrs_path = _path(resource, "publicAccessCidrs", "vpcConfig.publicAccessCidrs")
    if resource.get(public) is False:
        return
    cidrs = items(resource, cidrs_path)
    if not cidrs or any(cidr in OPEN_CIDRS for cidr in cidrs):
        yield (
            f"The API endpoint is open to the internet: `{public}` is not False and "
            f"`{cidrs_path}` is {cidrs or 'unset (0.0.0.0/0)'}."
        )


def _secrets_encryption(resource: Resource, ctx: Context) -> Iterator[str]:
    what = "Kubernetes secrets are not envelope-encrypted with a KMS key"
    if resource.type == COMPONENT:
        yield from require_set(resource, "encryptionConfigKeyArn", what)
        return
    yield from require_set(resource, "encryptionConfig.provider.keyArn", what)
    if "secrets" not in items(resource, "encryptionConfig.resources"):
        yield f"{what}: `encryptionConfig.resources` does not include 'secrets'."


def _control_plane_logging(resource: Resource, ctx: Context) -> Iterator[str]:
    enabled = items(resource, "enabledClusterLogTypes")
    missing = [log for log in LOG_TYPES if log not in enabled]
    if missing:
        yield f"Control-plane logs are not kept: `enabledClusterLogTypes` lacks {', '.join(missing)}."


def _authentication_mode(resource: Resource, ctx: Context) -> Iterator[str]:
    path = _path(resource, "authenticationMode", "accessConfig.authenticationMode")
    yield from require(resource, path, "API", "Cluster access is not managed by access entries")


def _standard_support(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource,
        "upgradePolicy.supportType",
        "STANDARD",
        "The cluster may enter paid extended support",
    )


def _node_groups_in_private_subnets(
    resources: Sequence[Resource], ctx: Context
) -> Iterator[tuple[str, str]]:
    for group in resources:
        if group.type == NODE_GROUP:
            for message in subnet_tier_violations(group, "subnetIds", resources, "private"):
                yield group.urn, message


def _imdsv2(resource: Resource, ctx: Context) -> Iterator[str]:
    if resource.type == LAUNCH_TEMPLATE:
        what = "Instances can use IMDSv1"
        yield from require(resource, "metadataOptions.httpTokens", "required", what)
        hops = number(resource, "metadataOptions.httpPutResponseHopLimit")
        if hops is None or hops > MAX_HOP_LIMIT:
            yield (
                "Containers can reach instance credentials: "
                f"`metadataOptions.httpPutResponseHopLimit` is {shown(hops)}, at most {MAX_HOP_LIMIT}."
            )
    elif resource.type == NODE_GROUP:
        if not (resource.get("launchTemplate.id") or resource.get("launchTemplate.name")):
            yield "Nodes use the EKS default launch template, which allows IMDSv1: set `launchTemplate`."
    elif not (resource.get("enableIMDSv2") is True or resource.get("launchTemplate")):
        yield "Nodes can use IMDSv1: set `enableIMDSv2` to True or pass a `launchTemplate`."


RULES: list[Rule] = [
    Rule(
        name="eks-endpoint-not-public",
        description=(
            "A Kubernetes API endpoint open to 0.0.0.0/0 exposes the control plane to "
            "credential stuffing and any future API server vulnerability."
        ),
        severity="high",
        remediation=(
            "Set `endpoint_public_access=False` and `endpoint_private_access=True` on "
            "eks.Cluster (aws.eks.Cluster: `vpc_config={'endpoint_public_access': False, "
            "'endpoint_private_access': True, ...}`), or keep it public with "
            "`public_access_cidrs=` the office/VPN CIDRs only."
        ),
        controls=(fsbp("EKS.1"),),
        resource_types=CLUSTERS,
        check=_endpoint_not_public,
        reads={
            COMPONENT: ("endpointPublicAccess", "publicAccessCidrs"),
            CLUSTER: ("vpcConfig.endpointPublicAccess", "vpcConfig.publicAccessCidrs"),
        },
    ),
    Rule(
        name="eks-secrets-encryption",
        description=(
            "Without envelope encryption, Kubernetes secrets sit in etcd protected only by "
            "AWS-managed disk encryption, outside any key policy we control."
        ),
        severity="high",
        remediation=(
            "Set `encryption_config_key_arn=key.arn` on eks.Cluster (aws.eks.Cluster: "
            "`encryption_config={'provider': {'key_arn': key.arn}, 'resources': ['secrets']}`)."
        ),
        controls=(fsbp("EKS.3"),),
        resource_types=CLUSTERS,
        check=_secrets_encryption,
        reads={
            COMPONENT: ("encryptionConfigKeyArn",),
            CLUSTER: ("encryptionConfig.provider.keyArn", "encryptionConfig.resources"),
        },
    ),
    Rule(
        name="eks-control-plane-logging",
        description=(
            "Without all control-plane logs, who did what in the cluster (audit), who "
            "authenticated, and why scheduling failed cannot be reconstructed."
        ),
        severity="medium",
        remediation=(
            'Set `enabled_cluster_log_types=["api", "audit", "authenticator", '
            '"controllerManager", "scheduler"]` on eks.Cluster / aws.eks.Cluster.'
        ),
        controls=(fsbp("EKS.8"),),
        resource_types=CLUSTERS,
        check=_control_plane_logging,
        reads=on(CLUSTERS, "enabledClusterLogTypes"),
    ),
    Rule(
        name="eks-authentication-mode-api",
        description=(
            "The aws-auth ConfigMap grants cluster access from inside the cluster, so anyone "
            "who can edit it can make themselves admin; API mode uses IAM-governed, "
            "CloudTrail-logged access entries only."
        ),
        severity="high",
        remediation=(
            "Set `authentication_mode=eks.AuthenticationMode.API` and grant access with "
            "`access_entries=` on eks.Cluster (aws.eks.Cluster: "
            "`access_config={'authentication_mode': 'API'}` plus aws.eks.AccessEntry)."
        ),
        controls=(fsbp("EKS.1"),),
        resource_types=CLUSTERS,
        check=_authentication_mode,
        reads={
            COMPONENT: ("authenticationMode",),
            CLUSTER: ("accessConfig.authenticationMode",),
        },
    ),
    Rule(
        name="eks-standard-support",
        description=(
            "A cluster left on extended support is billed several times the standard "
            "control-plane price once its Kubernetes version leaves standard support."
        ),
        severity="low",
        remediation=(
            "Set `upgrade_policy={'support_type': 'STANDARD'}` on eks.Cluster / "
            "aws.eks.Cluster, and upgrade Kubernetes before standard support ends."
        ),
        controls=(fsbp("EKS.2"),),
        category="cost",
        resource_types=CLUSTERS,
        check=_standard_support,
        reads=on(CLUSTERS, "upgradePolicy.supportType"),
    ),
    Rule(
        name="eks-node-group-private-subnets",
        description=(
            "Nodes in public subnets can be given public addresses and reached from the "
            "internet; worker nodes belong in the private tier."
        ),
        severity="high",
        remediation=(
            "Pass only subnets tagged `Tier=private` as `subnet_ids=` to aws.eks.NodeGroup / "
            "eks.ManagedNodeGroup (judged on the aws.eks.NodeGroup it creates)."
        ),
        controls=(fsbp("EC2.9"),),
        stack_check=_node_groups_in_private_subnets,
        reads={NODE_GROUP: ("subnetIds",), **SUBNET_READS},
    ),
    Rule(
        name="eks-node-imdsv2",
        description=(
            "With IMDSv1 or a high hop limit, an SSRF bug or any pod can read the node "
            "role's credentials from the instance metadata service."
        ),
        severity="high",
        remediation=(
            "On aws.ec2.LaunchTemplate set `metadata_options={'http_tokens': 'required', "
            "'http_put_response_hop_limit': 1}` (2 at most); give aws.eks.NodeGroup such a "
            "`launch_template=`, or set `enable_imd_sv2=True` on eks.ManagedNodeGroup."
        ),
        controls=(fsbp("EC2.170"), fsbp("EC2.8")),
        resource_types=(LAUNCH_TEMPLATE, NODE_GROUP, MANAGED_NODE_GROUP),
        check=_imdsv2,
        reads={
            LAUNCH_TEMPLATE: (
                "metadataOptions.httpTokens",
                "metadataOptions.httpPutResponseHopLimit",
            ),
            NODE_GROUP: ("launchTemplate.id", "launchTemplate.name"),
            MANAGED_NODE_GROUP: ("enableIMDSv2", "launchTemplate"),
        },
    ),
]
