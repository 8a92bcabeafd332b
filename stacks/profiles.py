"""Environment profiles: what each tier defaults to, in the stack config's own shape.

A stack's `Pulumi.<stack>.yaml` holds only what differs from its tier's profile:
dev is cheap and small, staging is like prod but smaller, prod is highly available.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Literal

Tier = Literal["dev", "staging", "prod"]

# Egress that workloads need beyond the VPC endpoints: image registries and
# package indexes. Prefixing a domain with a dot allows its subdomains.
EGRESS_DOMAINS = (
    ".amazonaws.com",
    ".docker.io",
    ".docker.com",
    "ghcr.io",
    "pkg-containers.githubusercontent.com",
    "pypi.org",
    "files.pythonhosted.org",
    "registry.npmjs.org",
)

PROFILES: dict[str, dict[str, Any]] = {
    "dev": {
        "protectStatefulResources": False,
        "network": {
            "azCount": 2,
            "natGateways": "single",
            "flowLogRetentionDays": 30,
            "firewall": {"enabled": False},
        },
        "dnsFirewall": {"queryLogRetentionDays": 30},
        "imageCache": {"enabled": True},
    },
    "staging": {
        "protectStatefulResources": False,
        "network": {
            "azCount": 2,
            "natGateways": "per-az",
            "flowLogRetentionDays": 90,
            "firewall": {"enabled": True, "allowedDomains": list(EGRESS_DOMAINS)},
        },
        "dnsFirewall": {"queryLogRetentionDays": 90},
        "imageCache": {"enabled": True},
    },
    "prod": {
        "protectStatefulResources": True,
        "network": {
            "azCount": 3,
            "natGateways": "per-az",
            "flowLogRetentionDays": 365,
            "firewall": {"enabled": True, "allowedDomains": list(EGRESS_DOMAINS)},
        },
        "dnsFirewall": {"queryLogRetentionDays": 365},
        "imageCache": {"enabled": True},
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
