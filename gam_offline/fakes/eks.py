"""Fakes of pulumi-eks v4 components (remote: their children live in the eks plugin).

Under mocks only the component's own registration happens. Its fake returns the
component's outputs and, as `Ref`s, the children the real engine would see, with the
inputs pulumi-eks passes them; the engine records them (parented to the component) and
hands the program resource references.

Mirrored source: pulumi/pulumi-eks v4.3.0 plus the nine dependency-only commits up to
7bf0c1b1 (2026-08-12; `nodejs/eks` unchanged since v4.3.0 but for yarn.lock), for the
installed pulumi-eks 4.4.0 (`tests/test_fakes_eks.py` pins it: an upgrade fails that
test until these files are read again):

- `nodejs/eks/cluster/cluster.ts`, `createCore` and `createCluster`: the EKS service role,
  the cluster security group and its egress rule, the `aws.eks.Cluster`, kube-proxy and
  coredns add-ons when enabled, access entries, the OIDC provider when asked for, and
  the component's outputs;
- `nodejs/eks/servicerole.ts`: the service role's `aws.iam.Role` and policy attachments;
- `nodejs/eks/cluster/authenticationMode.ts`, `createAccessEntries`: one
  `aws.eks.AccessEntry` per entry and one `aws.eks.AccessPolicyAssociation` per policy;
- `nodejs/eks/nodes/securitygroup.ts`, `createNodeGroupSecurityGroup`: the node security
  group and its five rules;
- `nodejs/eks/nodes/nodegroup.ts`, `createManagedNodeGroup`: the `aws.eks.NodeGroup`
  (with a launch template of the program's own, so no `createMNGCustomLaunchTemplate`).

Not mirrored, and refused by name rather than faked wrong: the default node group,
authentication modes other than API (the aws-auth ConfigMap), pulumi-eks's VPC CNI
add-on (`useDefaultVpcCni` false), Fargate, Auto Mode, storage classes, and options of
`ManagedNodeGroup` that make pulumi-eks create a launch template. Also not registered:
the `kubernetes` provider pulumi-eks creates (`<name>-eks-k8s`) and the intermediate
`eks:index:ServiceRole` component (its children are parented to the cluster here).
Access entries' `accessPolicies` and `username`, which pulumi-eks spreads into the
`aws.eks.AccessEntry` inputs, are left out (the provider drops unknown inputs).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from gam_offline.fakes.aws import eks_cluster_security_group
from gam_offline.fakes.registry import PARTITION, auto_name, digest, fake, fake_id
from gam_offline.records import FakeContext, Ref

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
CLUSTER_POLICY = "AmazonEKSClusterPolicy"


class UnmirroredOption(ValueError):
    """The program uses a pulumi-eks option whose children the fakes do not mirror."""


def _refuse(component: str, found: list[str]) -> None:
    if found:
        raise UnmirroredOption(
            f"{component}: the offline fakes do not mirror {found} (gam_offline/fakes/eks.py); "
            "read pulumi-eks's source for them and extend the fake"
        )


def _sha1_8(text: str) -> str:
    """servicerole.ts names an attachment `${name}-${sha1(policy id)[:8]}`."""
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _sg_rule(name: str, **inputs: Any) -> Ref:
    return Ref(SG_RULE, name, inputs)


def _service_role(name: str, tags: dict[str, str]) -> tuple[list[Ref], str]:
    """servicerole.ts: `${name}-eksRole` with its role and the cluster policy."""
    role_name = f"{name}-eksRole-role"
    role = Ref(
        "aws:iam/role:Role",
        role_name,
        {
            "description": "Allows EKS to manage clusters on your behalf.",
            "assumeRolePolicy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Action": ["sts:AssumeRole", "sts:TagSession"],
                            "Effect": "Allow",
                            "Principal": {"Service": ["eks.amazonaws.com"]},
                        }
                    ],
                },
                separators=(",", ":"),
            ),
            "tags": tags,
        },
    )
    policy_id = f"arn:aws:iam::aws:policy/{CLUSTER_POLICY}"
    attachment = Ref(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        f"{name}-eksRole-{_sha1_8(policy_id)}",
        {
            "policyArn": f"arn:{PARTITION}:iam::aws:policy/{CLUSTER_POLICY}",
            "role": auto_name(role_name),
        },
    )
    return [role, attachment], auto_name(role_name)


def _node_security_group(
    name: str, vpc_id: Any, cluster_sg: str, cluster_name: str, tags: dict[str, str]
) -> tuple[list[Ref], str]:
    """securitygroup.ts, createNodeGroupSecurityGroup."""
    sg_name = f"{name}-nodeSecurityGroup"
    sg_inputs = {
        "vpcId": vpc_id,
        "revokeRulesOnDelete": True,
        "tags": {"Name": sg_name, f"kubernetes.io/cluster/{cluster_name}": "owned", **tags},
    }
    node_sg = fake_id(SG, sg_name, sg_inputs)
    from_cluster = (
        "Allow worker Kubelets and pods to receive communication from the cluster control plane"
    )
    ext_api = (
        "Allow pods running extension API servers on port 443 to receive communication "
        "from cluster control plane"
    )
    refs = [
        Ref(SG, sg_name, sg_inputs),
        _sg_rule(
            f"{name}-eksNodeIngressRule",
            description="Allow nodes to communicate with each other",
            type="ingress",
            fromPort=0,
            toPort=0,
            protocol="-1",
            securityGroupId=node_sg,
            self=True,
        ),
        _sg_rule(
            f"{name}-eksNodeClusterIngressRule",
            description=from_cluster,
            type="ingress",
            fromPort=1025,
            toPort=65535,
            protocol="tcp",
            securityGroupId=node_sg,
            sourceSecurityGroupId=cluster_sg,
        ),
        _sg_rule(
            f"{name}-eksExtApiServerClusterIngressRule",
            description=ext_api,
            type="ingress",
            fromPort=443,
            toPort=443,
            protocol="tcp",
            securityGroupId=node_sg,
            sourceSecurityGroupId=cluster_sg,
        ),
        _sg_rule(
            f"{name}-eksNodeInternetEgressRule",
            description="Allow internet access.",
            type="egress",
            fromPort=0,
            toPort=0,
            protocol="-1",
            cidrBlocks=["0.0.0.0/0"],
            securityGroupId=node_sg,
        ),
        _sg_rule(
            f"{name}-eksClusterIngressRule",
            description="Allow pods to communicate with the cluster API Server",
            type="ingress",
            fromPort=443,
            toPort=443,
            protocol="tcp",
            securityGroupId=cluster_sg,
            sourceSecurityGroupId=node_sg,
        ),
    ]
    return refs, node_sg


def _access_entries(name: str, cluster_name: str, entries: dict[str, Any]) -> list[Ref]:
    """authenticationMode.ts, createAccessEntries."""
    refs = []
    for key, entry in entries.items():
        refs.append(
            Ref(
                "aws:eks/accessEntry:AccessEntry",
                f"{name}-{key}",
                {
                    k: v
                    for k, v in {
                        "principalArn": entry.get("principalArn"),
                        "kubernetesGroups": entry.get("kubernetesGroups"),
                        "type": entry.get("type"),
                        "tags": entry.get("tags"),
                        "clusterName": cluster_name,
                        "userName": entry.get("username"),
                    }.items()
                    if v is not None
                },
            )
        )
        for association, policy in (entry.get("accessPolicies") or {}).items():
            refs.append(
                Ref(
                    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
                    f"{name}-{key}-{association}",
                    {
                        "accessScope": policy.get("accessScope"),
                        "principalArn": entry.get("principalArn"),
                        "policyArn": policy.get("policyArn"),
                        "clusterName": cluster_name,
                    },
                )
            )
    return refs


def _addon(name: str, addon: str, cluster_name: str, options: dict[str, Any], tags: Any) -> Ref:
    """cluster.ts: the kube-proxy and coredns add-ons pulumi-eks creates when enabled."""
    configuration = options.get("configurationValues")
    return Ref(
        "aws:eks/addon:Addon",
        f"{name}-{addon}",
        {
            k: v
            for k, v in {
                "clusterName": cluster_name,
                "addonName": addon,
                "preserve": True,
                "tags": tags,
                "resolveConflictsOnCreate": options.get("resolveConflictsOnCreate") or "OVERWRITE",
                "resolveConflictsOnUpdate": options.get("resolveConflictsOnUpdate") or "OVERWRITE",
                # unpinned, pulumi-eks asks aws.eks.getAddonVersion for the most recent
                "addonVersion": options.get("version"),
                "configurationValues": json.dumps(configuration) if configuration else None,
            }.items()
            if v is not None
        },
    )


@fake("eks:index:Cluster")
def _eks_cluster(inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """`eks:index:Cluster`: the children `createCore`/`createCluster` create, and outputs."""
    name = ctx.name
    mode = inputs.get("authenticationMode")
    _refuse(
        "eks:index:Cluster",
        [
            option
            for option, used in (
                (
                    "the default node group (set skipDefaultNodeGroup)",
                    not inputs.get("skipDefaultNodeGroup"),
                ),
                (f"authenticationMode {mode!r} (the aws-auth ConfigMap)", mode != "API"),
                (
                    "pulumi-eks's VPC CNI add-on (set useDefaultVpcCni)",
                    not inputs.get("useDefaultVpcCni"),
                ),
                ("fargate", bool(inputs.get("fargate"))),
                ("autoMode", bool((inputs.get("autoMode") or {}).get("enabled"))),
                ("storageClasses", bool(inputs.get("storageClasses"))),
                ("createInstanceRole", bool(inputs.get("createInstanceRole"))),
                ("clusterSecurityGroup", bool(inputs.get("clusterSecurityGroup"))),
            )
            if used
        ],
    )
    cluster_name = str(inputs.get("name") or auto_name(f"{name}-eksCluster"))
    tags = dict(inputs.get("tags") or {})
    role_refs, role_name = ([], "") if inputs.get("serviceRole") else _service_role(name, tags)
    role_arn = f"arn:{PARTITION}:iam::{ctx.account}:role/{role_name}"

    skip_groups = bool(inputs.get("skipDefaultSecurityGroups"))
    sg_name = f"{name}-eksClusterSecurityGroup"
    sg_inputs = {
        "vpcId": inputs.get("vpcId"),
        "revokeRulesOnDelete": True,
        "tags": {"Name": sg_name, **(inputs.get("clusterSecurityGroupTags") or {}), **tags},
    }
    cluster_sg = None if skip_groups else fake_id(SG, sg_name, sg_inputs)
    security = (
        []
        if skip_groups
        else [
            Ref(SG, sg_name, sg_inputs),
            _sg_rule(
                f"{name}-eksClusterInternetEgressRule",
                description="Allow internet access.",
                type="egress",
                fromPort=0,
                toPort=0,
                protocol="-1",
                cidrBlocks=["0.0.0.0/0"],
                securityGroupId=cluster_sg,
            ),
        ]
    )
    public = inputs.get("endpointPublicAccess")
    vpc_config = {
        "securityGroupIds": [cluster_sg] if cluster_sg else None,
        "subnetIds": inputs.get("subnetIds")
        or [*(inputs.get("publicSubnetIds") or []), *(inputs.get("privateSubnetIds") or [])],
        "endpointPrivateAccess": inputs.get("endpointPrivateAccess"),
        "endpointPublicAccess": public,
        "publicAccessCidrs": inputs.get("publicAccessCidrs"),
    }
    key = inputs.get("encryptionConfigKeyArn")
    cluster_inputs = {
        "name": inputs.get("name"),
        "roleArn": role_arn,
        "bootstrapSelfManagedAddons": inputs.get("bootstrapSelfManagedAddons", True),
        "vpcConfig": {k: v for k, v in vpc_config.items() if v is not None},
        "version": inputs.get("version"),
        "enabledClusterLogTypes": inputs.get("enabledClusterLogTypes"),
        "tags": {"Name": f"{name}-eksCluster", **(inputs.get("clusterTags") or {}), **tags},
        "encryptionConfig": {"provider": {"keyArn": key}, "resources": ["secrets"]}
        if key
        else None,
        "accessConfig": {
            "authenticationMode": mode,
            "bootstrapClusterCreatorAdminPermissions": True,
        },
        "upgradePolicy": inputs.get("upgradePolicy"),
        "deletionProtection": inputs.get("deletionProtection"),
    }
    cluster = Ref(
        "aws:eks/cluster:Cluster",
        f"{name}-eksCluster",
        {k: v for k, v in cluster_inputs.items() if v is not None},
    )
    children: list[Ref] = [*role_refs, *security, cluster]
    for addon, key_ in (
        ("kube-proxy", "kubeProxyAddonOptions"),
        ("coredns", "corednsAddonOptions"),
    ):
        options = inputs.get(key_) or {}
        # kube-proxy is on unless disabled; coredns only when enabled explicitly here
        # (there is no default node group to run it)
        enabled = options.get("enabled", addon == "kube-proxy") or options.get(
            "configurationValues"
        )
        if enabled:
            children.append(_addon(name, addon, cluster_name, options, inputs.get("tags")))
    children += _access_entries(name, cluster_name, inputs.get("accessEntries") or {})

    issuer = f"oidc.eks.{ctx.region}.amazonaws.com/id/{digest(cluster_name, length=32).upper()}"
    oidc_arn = None
    if inputs.get("createOidcProvider"):
        children.append(
            Ref(
                "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
                f"{name}-oidcProvider",
                {
                    "clientIdLists": ["sts.amazonaws.com"],
                    "url": f"https://{issuer}",
                    "thumbprintLists": [digest(ctx.region, "oidc-thumbprint", length=40)],
                },
            )
        )
        oidc_arn = f"arn:{PARTITION}:iam::{ctx.account}:oidc-provider/{issuer}"
    # without the default groups, both outputs are the group EKS creates (cluster.ts)
    eks_sg = eks_cluster_security_group(
        fake_id("aws:eks/cluster:Cluster", f"{name}-eksCluster", cluster.inputs)
    )
    node_sg = eks_sg
    if cluster_sg:
        node_refs, node_sg = _node_security_group(
            name, inputs.get("vpcId"), cluster_sg, cluster_name, tags
        )
        children += node_refs

    endpoint = f"https://{digest(cluster_name, 'endpoint', length=32).upper()}.gr7.{ctx.region}.eks.amazonaws.com"
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubernetes", "cluster": {"server": endpoint}}],
        "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
        "current-context": "aws",
        "users": [
            {
                "name": "aws",
                "user": {
                    "exec": {
                        "command": "aws",
                        "args": ["eks", "get-token", "--cluster-name", cluster_name],
                    }
                },
            }
        ],
    }
    outputs: dict[str, Any] = {
        "eksCluster": cluster,
        # the other children, where pulumi-eks exposes them (`core`, `nodeSecurityGroup`...)
        "core": {"children": [c for c in children if c is not cluster]},
        "kubeconfig": kubeconfig,
        "kubeconfigJson": json.dumps(kubeconfig),
        "clusterSecurityGroupId": cluster_sg or eks_sg,
        "nodeSecurityGroupId": node_sg,
        "oidcIssuer": issuer,
        "oidcProviderUrl": f"https://{issuer}",
    }
    if oidc_arn:
        outputs["oidcProviderArn"] = oidc_arn
    return outputs


@fake("eks:index:ManagedNodeGroup")
def _managed_node_group(inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """nodegroup.ts, createManagedNodeGroup with the program's own launch template: one
    `aws.eks.NodeGroup` named like the component, with pulumi-eks's scaling defaults."""
    custom = [
        k
        for k in (
            "kubeletExtraArgs",
            "bootstrapExtraArgs",
            "bottlerocketSettings",
            "nodeadmExtraOptions",
            "enableIMDSv2",
            "userData",
            "amiId",
            "enableEfaSupport",
            "nodeRole",
        )
        if inputs.get(k) is not None
    ]
    _refuse("eks:index:ManagedNodeGroup", custom)
    if not inputs.get("nodeRoleArn"):
        raise ValueError("eks:index:ManagedNodeGroup: nodeRoleArn is required (nodegroup.ts)")
    scaling = inputs.get("scalingConfig") or {}
    passed = {
        k: v
        for k, v in inputs.items()
        if k not in ("cluster", "ignoreScalingChanges", "operatingSystem", "gpu", "enableIMDSv2")
    }
    group = {
        **passed,
        "clusterName": inputs.get("clusterName"),
        "nodeRoleArn": inputs["nodeRoleArn"],
        "scalingConfig": {
            "desiredSize": scaling.get("desiredSize", 2),
            "minSize": scaling.get("minSize", 1),
            "maxSize": scaling.get("maxSize", 2),
        },
        "subnetIds": inputs.get("subnetIds") or [],
    }
    if not inputs.get("launchTemplate") and not inputs.get("version"):
        _refuse(
            "eks:index:ManagedNodeGroup", ["version defaulted from the cluster's (pass version)"]
        )
    return {
        "nodeGroup": Ref("aws:eks/nodeGroup:NodeGroup", ctx.name, group),
        "placementGroupName": "",
    }
