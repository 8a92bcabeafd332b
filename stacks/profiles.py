"""Environment profiles: what each tier defaults to, in the stack config's own shape.

A stack's `Pulumi.<stack>.yaml` holds only what differs from its tier's profile:
dev is cheap and small, staging is like prod but smaller, prod is highly available.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

Tier = Literal["dev", "staging", "prod"]

# Egress that workloads need beyond the VPC endpoints, as exact hosts: package indexes.
# AWS APIs go through interface endpoints and container images through ECR, so no
# multi-tenant suffix (.amazonaws.com, .cloudfront.net...) is ever listed.
EGRESS_DOMAINS = ("pypi.org", "files.pythonhosted.org")
# Dev has no firewall, so its NAT carries AWS API traffic as well: an interface endpoint
# in 2 AZs costs $16 a month and pays for itself only above ~420 GB a month of NAT data
# (ADR 0007); image layers come from S3 through the free gateway endpoint anyway.
DEV_INTERFACE_ENDPOINTS: tuple[str, ...] = ()

# EKS node groups per tier (ADR 0010, "Capacity"): Graviton throughout; workers scale to
# zero outside prod, prod spreads system and api nodes over its three zones.
EKS_PROFILES: dict[str, dict[str, Any]] = {
    "dev": {
        "logRetentionDays": 30,
        "nodeGroups": {
            "system": {
                "instanceTypes": ["t4g.large"],
                "minSize": 1,
                "desiredSize": 1,
                "maxSize": 2,
            },
            "api": {"instanceTypes": ["t4g.large"], "minSize": 1, "desiredSize": 1, "maxSize": 2},
            "worker": {
                "instanceTypes": ["r7g.large"],
                "minSize": 0,
                "desiredSize": 0,
                "maxSize": 3,
            },
        },
    },
    "staging": {
        "logRetentionDays": 90,
        "nodeGroups": {
            "system": {
                "instanceTypes": ["t4g.large"],
                "minSize": 2,
                "desiredSize": 2,
                "maxSize": 3,
            },
            "api": {"instanceTypes": ["m7g.large"], "minSize": 1, "desiredSize": 1, "maxSize": 4},
            "worker": {
                "instanceTypes": ["r7g.large"],
                "minSize": 0,
                "desiredSize": 0,
                "maxSize": 4,
            },
        },
    },
    "prod": {
        "logRetentionDays": 365,
        "nodeGroups": {
            "system": {
                "instanceTypes": ["m7g.large"],
                "minSize": 3,
                "desiredSize": 3,
                "maxSize": 4,
            },
            "api": {"instanceTypes": ["m7g.xlarge"], "minSize": 3, "desiredSize": 3, "maxSize": 9},
            "worker": {
                "instanceTypes": ["r7g.xlarge"],
                "minSize": 1,
                "desiredSize": 2,
                "maxSize": 10,
            },
        },
    },
}

PROFILES: dict[str, dict[str, Any]] = {
    "dev": {
        "monthlyBudgetUsd": 400,
        "protectStatefulResources": False,
        "network": {
            "azCount": 2,
            "natGateways": "single",
            "flowLogRetentionDays": 30,
            "interfaceEndpoints": list(DEV_INTERFACE_ENDPOINTS),
            "firewall": {"enabled": False},
        },
        "dnsFirewall": {"queryLogRetentionDays": 30},
        "imageCache": {"enabled": True},
        "eks": EKS_PROFILES["dev"],
        "clusterServices": {"containerLogRetentionDays": 30},
        "workloads": {"quotaCpu": "4", "quotaMemory": "8Gi", "quotaPods": 30},
    },
    "staging": {
        "monthlyBudgetUsd": 1200,
        "protectStatefulResources": False,
        "network": {
            "azCount": 2,
            "natGateways": "per-az",
            "flowLogRetentionDays": 90,
            "firewall": {"enabled": True, "allowedDomains": list(EGRESS_DOMAINS)},
        },
        "dnsFirewall": {"queryLogRetentionDays": 90},
        "imageCache": {"enabled": True},
        "eks": EKS_PROFILES["staging"],
        "clusterServices": {"containerLogRetentionDays": 90},
        "workloads": {"quotaCpu": "8", "quotaMemory": "16Gi", "quotaPods": 50},
    },
    "prod": {
        "monthlyBudgetUsd": 4000,
        "protectStatefulResources": True,
        "network": {
            "azCount": 3,
            "natGateways": "per-az",
            "flowLogRetentionDays": 365,
            "firewall": {"enabled": True, "allowedDomains": list(EGRESS_DOMAINS)},
        },
        "dnsFirewall": {"queryLogRetentionDays": 365},
        "imageCache": {"enabled": True},
        "eks": EKS_PROFILES["prod"],
        "clusterServices": {"containerLogRetentionDays": 365},
        "workloads": {"quotaCpu": "32", "quotaMemory": "64Gi", "quotaPods": 200},
    },
}


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`, recursing into mappings; lists and scalars replace."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
