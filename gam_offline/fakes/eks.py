"""Fakes of pulumi-eks v4 components (remote: their children live in the eks plugin).

Under mocks only the component's own registration happens. Its fake returns the
component's outputs and, as `Ref`s, the children the real engine would see, which
the engine records and hands to the program as resource references. A `Ref` in a
child's inputs is a child too: the input gets its id.
"""

from __future__ import annotations

import json
from typing import Any

from gam_offline.fakes.registry import PARTITION, auto_name, digest, fake
from gam_offline.records import FakeContext, Ref

# The options for which pulumi-eks gives a managed node group a launch template of its own
# (`requiresCustomLaunchTemplate` in nodejs/eks/nodes/nodegroup.ts).
CUSTOM_LAUNCH_TEMPLATE_ARGS = (
    "kubeletExtraArgs",
    "bootstrapExtraArgs",
    "bottlerocketSettings",
    "nodeadmExtraOptions",
    "enableIMDSv2",
    "userData",
    "amiId",
    "enableEfaSupport",
)
# What pulumi-eks hands on from the component to the node group it creates.
NODE_GROUP_ARGS = (
    "amiType",
    "capacityType",
    "diskSize",
    "instanceTypes",
    "labels",
    "nodeGroupName",
    "nodeGroupNamePrefix",
    "releaseVersion",
    "taints",
    "tags",
    "version",
)


@fake("eks:index:Cluster")
def _eks_cluster(inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """`eks:index:Cluster`: the cluster it creates and its outputs."""
    name = str(inputs.get("name") or ctx.resource_id)
    issuer = f"oidc.eks.{ctx.region}.amazonaws.com/id/{digest(name, length=32).upper()}"
    endpoint = (
        f"https://{digest(name, 'endpoint', length=32).upper()}.gr7.{ctx.region}.eks.amazonaws.com"
    )
    cluster = Ref(
        "aws:eks/cluster:Cluster",
        f"{ctx.name}-eksCluster",
        {
            "name": name,
            "version": inputs.get("version"),
            "roleArn": f"arn:{PARTITION}:iam::{ctx.account}:role/{ctx.name}-eksRole",
            "vpcConfig": {
                "subnetIds": inputs.get("subnetIds") or inputs.get("privateSubnetIds") or [],
                "endpointPrivateAccess": inputs.get("endpointPrivateAccess", False),
                "endpointPublicAccess": inputs.get("endpointPublicAccess", True),
                "publicAccessCidrs": inputs.get("publicAccessCidrs") or ["0.0.0.0/0"],
            },
            "encryptionConfig": {
                "provider": {"keyArn": inputs["encryptionConfigKeyArn"]},
                "resources": ["secrets"],
            }
            if inputs.get("encryptionConfigKeyArn")
            else None,
            "enabledClusterLogTypes": inputs.get("enabledClusterLogTypes") or [],
            "accessConfig": {"authenticationMode": inputs.get("authenticationMode")},
            "upgradePolicy": inputs.get("upgradePolicy"),
            "tags": {**(inputs.get("tags") or {}), **(inputs.get("clusterTags") or {})},
            "endpoint": endpoint,
            "identities": [{"oidcs": [{"issuer": f"https://{issuer}"}]}],
        },
    )
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
                    "exec": {"command": "aws", "args": ["eks", "get-token", "--cluster-name", name]}
                },
            }
        ],
    }
    return {
        "eksCluster": cluster,
        "kubeconfig": kubeconfig,
        "kubeconfigJson": json.dumps(kubeconfig),
        "clusterSecurityGroupId": f"sg-{digest(name, 'cluster-sg')}",
        "nodeSecurityGroupId": f"sg-{digest(name, 'node-sg')}",
        "oidcIssuer": issuer,
        "oidcProviderUrl": f"https://{issuer}",
        "oidcProviderArn": f"arn:{PARTITION}:iam::{ctx.account}:oidc-provider/{issuer}",
    }


@fake("eks:index:ManagedNodeGroup")
def _managed_node_group(inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """`eks:index:ManagedNodeGroup`: its one output, the `aws:eks/nodeGroup:NodeGroup` it
    creates under the component's own name, and the launch template pulumi-eks makes for
    it when one of `CUSTOM_LAUNCH_TEMPLATE_ARGS` is set (with `enableIMDSv2`: tokens
    required, hop limit 2). pulumi-eks takes the cluster's subnets when `subnetIds` is
    unset; the fake knows only what the component is given, so its node group then lists
    none (and the subnet-tier policy refuses it: pass `subnet_ids`). The cluster's name is
    the one the `eks:index:Cluster` fake gives a cluster whose `name` is unset."""
    group: dict[str, Any] = {k: inputs[k] for k in NODE_GROUP_ARGS if inputs.get(k) is not None}
    scaling = inputs.get("scalingConfig") or {}
    cluster = inputs.get("cluster")  # the eks.Cluster component, by URN (a reference's id)
    group.update(
        clusterName=inputs.get("clusterName")
        or auto_name(str(cluster).rsplit("::", 1)[-1] if cluster else ctx.name),
        nodeRoleArn=inputs.get("nodeRoleArn")
        or f"arn:{PARTITION}:iam::{ctx.account}:role/{ctx.name}-node",
        subnetIds=inputs.get("subnetIds") or [],
        scalingConfig={
            "desiredSize": scaling.get("desiredSize", 2),
            "minSize": scaling.get("minSize", 1),
            "maxSize": scaling.get("maxSize", 2),
        },
    )
    if any(inputs.get(k) is not None for k in CUSTOM_LAUNCH_TEMPLATE_ARGS):
        imds = inputs.get("enableIMDSv2")
        template = Ref(
            "aws:ec2/launchTemplate:LaunchTemplate",
            f"{ctx.name}-launchTemplate",
            {
                "metadataOptions": {
                    "httpTokens": "required" if imds else "optional",
                    "httpPutResponseHopLimit": 2,
                    "httpEndpoint": "enabled",
                }
            }
            if imds is not None
            else {},
        )
        group["launchTemplate"] = {"id": template, "version": "1"}
        group.pop("diskSize", None)
    elif inputs.get("launchTemplate") is not None:
        group["launchTemplate"] = inputs["launchTemplate"]
    return {"nodeGroup": Ref("aws:eks/nodeGroup:NodeGroup", ctx.name, group)}
