"""EKS cases: the pulumi-eks component, the aws.eks.Cluster, node groups, launch templates.

Stack-policy baselines hold what `AnalyzeStack` sends: a component's registered outputs
(an eks.ManagedNodeGroup's `nodeGroup`, never its `subnetIds`), a resource's outputs.
"""

from __future__ import annotations

from gam_policies.rules import eks
from tests.policies.builders import in_subnets, make
from tests.policies.casekit import Break, Case

KEY = "arn:aws:kms:eu-west-1:111111111111:key/eks"
COMMON = {
    "enabledClusterLogTypes": list(eks.LOG_TYPES),
    "upgradePolicy": {"supportType": "STANDARD"},
}

COMPONENT = make(
    eks.COMPONENT,
    "platform",
    {
        **COMMON,
        "endpointPublicAccess": False,
        "endpointPrivateAccess": True,
        "encryptionConfigKeyArn": KEY,
        "authenticationMode": "API",
    },
)
CLUSTER = make(
    eks.CLUSTER,
    "platform-eksCluster",
    {
        **COMMON,
        "vpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
        "encryptionConfig": {"provider": {"keyArn": KEY}, "resources": ["secrets"]},
        "accessConfig": {"authenticationMode": "API"},
    },
)
LAUNCH_TEMPLATE = make(
    eks.LAUNCH_TEMPLATE,
    "nodes",
    {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
)
NODE_GROUP = make(eks.NODE_GROUP, "nodes", {"launchTemplate": {"id": "lt-1", "version": "1"}})
MANAGED_NODE_GROUP = make(
    eks.MANAGED_NODE_GROUP, "managed", {"enableIMDSv2": True, "instanceTypes": ["m7g.large"]}
)


def cluster_cases(
    rule: str, component: tuple[Break, ...], cluster: tuple[Break, ...]
) -> list[Case]:
    return [
        Case(rule=rule, compliant=COMPONENT, breaks=component),
        Case(rule=rule, compliant=CLUSTER, breaks=cluster),
    ]


CASES = [
    *cluster_cases(
        "eks-endpoint-not-public",
        (Break("endpointPublicAccess", True), Break("endpointPublicAccess")),
        (Break("vpcConfig.endpointPublicAccess", True), Break("vpcConfig.endpointPublicAccess")),
    ),
    Case(
        rule="eks-endpoint-not-public",
        compliant=make(
            eks.COMPONENT,
            "restricted",
            {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]},
        ),
        breaks=(
            Break("publicAccessCidrs", ["203.0.113.0/24", "0.0.0.0/0"]),
            Break("publicAccessCidrs", []),
            Break("publicAccessCidrs"),
        ),
    ),
    *cluster_cases(
        "eks-secrets-encryption",
        (Break("encryptionConfigKeyArn"), Break("encryptionConfigKeyArn", "")),
        (
            Break("encryptionConfig.provider.keyArn"),
            Break("encryptionConfig.resources", []),
            Break("encryptionConfig"),
        ),
    ),
    *cluster_cases(
        "eks-control-plane-logging",
        (Break("enabledClusterLogTypes", ["api", "audit"]), Break("enabledClusterLogTypes")),
        (Break("enabledClusterLogTypes.1"), Break("enabledClusterLogTypes")),
    ),
    *cluster_cases(
        "eks-authentication-mode-api",
        (
            Break("authenticationMode", "API_AND_CONFIG_MAP"),
            Break("authenticationMode", "CONFIG_MAP"),
            Break("authenticationMode"),
        ),
        (
            Break("accessConfig.authenticationMode", "API_AND_CONFIG_MAP"),
            Break("accessConfig"),
        ),
    ),
    *cluster_cases(
        "eks-standard-support",
        (Break("upgradePolicy.supportType", "EXTENDED"), Break("upgradePolicy")),
        (Break("upgradePolicy.supportType", "EXTENDED"), Break("upgradePolicy.supportType")),
    ),
    Case(
        rule="eks-node-group-private-subnets",
        compliant=in_subnets(eks.NODE_GROUP, "workers", {}, "subnetIds", "private"),
        breaks=(Break("tags.Tier", "public", index=1), Break("tags.Tier", index=2)),
    ),
    Case(  # a stack policy sees an eks.ManagedNodeGroup's outputs only: its NodeGroup is judged
        rule="eks-node-group-private-subnets",
        compliant=[
            make(eks.MANAGED_NODE_GROUP, "managed", {"nodeGroup": "managed"}),
            *in_subnets(eks.NODE_GROUP, "managed", {}, "subnetIds", "private"),
        ],
        breaks=(Break("tags.Tier", "public", index=2), Break("tags.Tier", index=3)),
    ),
    Case(
        rule="eks-node-imdsv2",
        compliant=LAUNCH_TEMPLATE,
        breaks=(
            Break("metadataOptions.httpTokens", "optional"),
            Break("metadataOptions.httpTokens"),
            Break("metadataOptions.httpPutResponseHopLimit", 3),
            Break("metadataOptions.httpPutResponseHopLimit"),
        ),
    ),
    Case(
        rule="eks-node-imdsv2",
        compliant=NODE_GROUP,
        breaks=(Break("launchTemplate"), Break("launchTemplate.id")),
    ),
    Case(
        rule="eks-node-imdsv2",
        compliant=MANAGED_NODE_GROUP,
        breaks=(Break("enableIMDSv2", False), Break("enableIMDSv2")),
    ),
]
