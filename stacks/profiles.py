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
        "database": {
            "instanceClass": "db.t4g.small",
            "allocatedStorageGb": 20,
            "maxAllocatedStorageGb": 100,
            "multiAz": False,
            "readReplicas": 0,
            "proxy": False,
            "backupRetentionDays": 7,
            "deletionProtection": False,
            "finalSnapshot": False,
            "databaseInsights": "standard",
            "logRetentionDays": 30,
        },
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
        "database": {
            "instanceClass": "db.t4g.large",
            "allocatedStorageGb": 50,
            "maxAllocatedStorageGb": 200,
            "multiAz": True,
            "readReplicas": 0,
            "proxy": False,
            "backupRetentionDays": 14,
            "deletionProtection": True,
            "finalSnapshot": True,
            "databaseInsights": "standard",
            "logRetentionDays": 90,
        },
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
        # Graviton, memory-optimised: PostGIS joins and indexes want memory more than CPU.
        "database": {
            "instanceClass": "db.r7g.large",
            "allocatedStorageGb": 100,
            "maxAllocatedStorageGb": 1000,
            "multiAz": True,
            "readReplicas": 1,
            "proxy": True,
            "backupRetentionDays": 35,
            # DR: automated backups replicated to another region (a stack in this region
            # names another one).
            "backupReplicationRegion": "eu-central-1",
            "backupReplicationRetentionDays": 14,
            "deletionProtection": True,
            "finalSnapshot": True,
            "databaseInsights": "advanced",
            "logRetentionDays": 365,
        },
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
