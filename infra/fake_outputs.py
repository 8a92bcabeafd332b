"""Type-specific computed outputs for the offline engine.

`FAKE_OUTPUTS` maps a type token to `fn(inputs, ctx) -> dict` of outputs that a
real provider would compute (inputs are echoed back by the engine already). For
remote components (not custom, e.g. `eks:index:Cluster`) the function returns the
component's outputs, and may return `Ref`s: children the real engine would see
(the component's provider registers them) that the engine records and hands to
the program as resource references.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from infra.engine_types import FakeContext
from infra.fakes import PARTITION, digest

FakeOutputs = Callable[[dict[str, Any], FakeContext], dict[str, Any]]


def _eks_cluster(inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """pulumi-eks v4 `eks:index:Cluster`: the cluster it creates and its outputs."""
    from infra.engine import Ref  # the engine imports this module

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


def _network_firewall(inputs: dict[str, Any], ctx: FakeContext) -> dict[str, Any]:
    """`aws:networkfirewall/firewall:Firewall`: one endpoint per subnet mapping.

    AWS reports `firewallStatuses[0].syncStates`, one per AZ, each with the attachment
    (subnet and endpoint) in that AZ. A fake cannot tell a subnet's AZ from its id, so
    `availabilityZone` is left out: programs select an endpoint by its subnet id.
    """
    subnets = [m.get("subnetId") for m in inputs.get("subnetMappings") or []]
    states = [
        {
            "attachments": [
                {"subnetId": subnet, "endpointId": f"vpce-{digest(ctx.resource_id, str(subnet))}"}
            ],
        }
        for subnet in subnets
    ]
    return {
        "firewallStatuses": [{"syncStates": states}],
        "updateToken": digest(ctx.resource_id, "update-token", length=36),
    }


FAKE_OUTPUTS: dict[str, FakeOutputs] = {
    "eks:index:Cluster": _eks_cluster,
    "aws:networkfirewall/firewall:Firewall": _network_firewall,
}
