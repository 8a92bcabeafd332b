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
# The SPA's development server (Vite) is dev's only sign-in origin until the edge is on.
DEV_SPA = "http://localhost:5173"

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
        "edge": {
            "priceClass": "PriceClass_100",
            "rateLimit": 1000,
            "wafLogRetentionDays": 30,
            "continuousDeployment": {"enabled": False},
        },
        "identity": {
            "mfa": "OPTIONAL",
            "threatProtection": False,
            "callbackUrls": [f"{DEV_SPA}/auth/callback"],
            "logoutUrls": [f"{DEV_SPA}/"],
            "accessLogRetentionDays": 30,
        },
        "featureFlags": {"deploymentMinutes": 0, "bakeMinutes": 0, "growthPercent": 100},
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
        "edge": {
            "priceClass": "PriceClass_100",
            "rateLimit": 2000,
            "wafLogRetentionDays": 90,
            "continuousDeployment": {"enabled": True, "traffic": "header"},
        },
        "identity": {"mfa": "ON", "threatProtection": False, "accessLogRetentionDays": 90},
        "featureFlags": {"deploymentMinutes": 5, "bakeMinutes": 5, "growthPercent": 50},
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
        "edge": {
            "priceClass": "PriceClass_200",
            "rateLimit": 2000,
            "wafLogRetentionDays": 365,
            "continuousDeployment": {"enabled": True, "traffic": "weight", "weight": 0.05},
        },
        "identity": {"mfa": "ON", "threatProtection": True, "accessLogRetentionDays": 365},
        "featureFlags": {"deploymentMinutes": 20, "bakeMinutes": 30, "growthPercent": 20},
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
