"""Fakes of pulumi-eks v4 components (remote: their children live in the eks plugin).

Under mocks only the component's own registration happens. Its fake returns the
component's outputs and, as `Ref`s, the children the real engine would see, which
the engine records and hands to the program as resource references.
"""

from __future__ import annotations

import json
from typing import Any

from gam_offline.fakes.registry import PARTITION, digest, fake
from gam_offline.records import FakeContext, Ref


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
