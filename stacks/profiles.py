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
# The SPA's development server (Vite): dev's sign-in origin (the dev stack adds the edge's host).
DEV_SPA = "http://localhost:5173"


def _data_lake(
    *, raw_days: int, log_days: int, noncurrent_days: int, backup_days: int
) -> dict[str, Any]:
    """The lake's lifecycle in one tier: raw to Standard-IA at 30 days, Glacier Instant
    Retrieval at 90, expired after `raw_days`; processed in Intelligent-Tiering; access
    logs kept `log_days`; old versions kept `noncurrent_days`; backups `backup_days`."""
    return {
        "raw": {
            "infrequentAccessAfterDays": 30,
            "glacierAfterDays": 90,
            "expireAfterDays": raw_days,
        },
        "processed": {"intelligentTiering": True},
        "accessLogs": {"expireAfterDays": log_days},
        "noncurrentVersionsExpireAfterDays": noncurrent_days,
        "backupRetentionDays": backup_days,
    }


# The SLO catalog (ADR 0012): objectives over 30 days and the metrics their SLIs read.
# Names are the `slo` label of every generated series and alert; a stack overrides a
# field (`gam:observability: {slos: {api-latency: {target: 0.9}}}`) or adds an SLO.
SLOS: dict[str, dict[str, Any]] = {
    "api-latency": {
        "description": "API requests answer within 500 ms (p95).",
        "target": 0.95,
        "sli": {
            "kind": "latency",
            "histogramMetric": "http_server_request_duration_seconds",
            "thresholdSeconds": 0.5,
            "selector": {"job": "gam-api"},
        },
    },
    "job-completion": {
        "description": "Submitted processing jobs complete successfully.",
        "target": 0.99,
        "sli": {
            "kind": "ratio",
            "goodMetric": "gam_jobs_succeeded_total",
            "totalMetric": "gam_jobs_finished_total",
        },
    },
    "data-freshness": {
        "description": "Published datasets are at most two hours behind their sources.",
        "target": 0.99,
        "sli": {
            "kind": "freshness",
            "timestampMetric": "gam_dataset_last_success_timestamp_seconds",
            "maxAgeSeconds": 7200,
        },
    },
    "spa-availability": {
        "description": "The single-page app loads.",
        "target": 0.999,
        "sli": {
            "kind": "ratio",
            "goodMetric": "gam_spa_page_loads_ok_total",
            "totalMetric": "gam_spa_page_loads_total",
        },
    },
    "ingestion-success": {
        "description": "Ingested files are accepted and indexed.",
        "target": 0.995,
        "sli": {
            "kind": "ratio",
            "goodMetric": "gam_ingestion_files_succeeded_total",
            "totalMetric": "gam_ingestion_files_total",
        },
    },
    "worker-throughput": {
        "description": "Workers keep up: the queue is empty or drains at 0.5 tasks/s or more.",
        "target": 0.99,
        "sli": {
            "kind": "throughput",
            "processedMetric": "gam_worker_tasks_completed_total",
            "backlogMetric": "gam_worker_queue_length",
            "minPerSecond": 0.5,
        },
    },
}

# The log store per tier (ADR 0018): dev off (a one-node domain is ~$30 a month of a
# $500 budget for logs CloudWatch already holds; `enabled: true` gives this size);
# staging two small nodes in two zones, so the Job and Fluent Bit's output run before
# prod; prod three data nodes in three zones and three dedicated masters.
LOG_SEARCH_PROFILES: dict[str, dict[str, Any]] = {
    "dev": {
        "enabled": False,
        "instanceType": "t3.small.search",
        "instanceCount": 1,
        "zoneCount": 1,
        "dedicatedMasterType": None,
        "volumeSizeGb": 10,
        "warmAfterDays": 3,
        "retentionDays": 14,
        "logRetentionDays": 30,
    },
    "staging": {
        "enabled": True,
        "instanceType": "t3.medium.search",
        "instanceCount": 2,
        "zoneCount": 2,
        "dedicatedMasterType": None,
        "volumeSizeGb": 20,
        "warmAfterDays": 7,
        "retentionDays": 30,
        "logRetentionDays": 90,
    },
    "prod": {
        "enabled": True,
        "instanceType": "m7g.large.search",
        "instanceCount": 3,
        "zoneCount": 3,
        "dedicatedMasterType": "m7g.large.search",
        "volumeSizeGb": 100,
        "warmAfterDays": 7,
        "retentionDays": 60,
        "logRetentionDays": 365,
    },
}

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
        "dataLake": _data_lake(raw_days=365, log_days=90, noncurrent_days=7, backup_days=7),
        "registries": {"keepReleaseImages": 3},
        "cache": {
            "nodeType": "cache.t4g.micro",
            "numCacheClusters": 1,
            "snapshotRetentionDays": 1,
            "logRetentionDays": 30,
        },
        "observability": {
            "enabled": True,
            "slos": SLOS,
            "logRetentionDays": 30,
            "grafana": {"enabled": False},
            "traceSamplingRate": 1,
            "synthetics": {"everyMinutes": 30, "retentionDays": 7},
            "chaos": {"enabled": False, "logRetentionDays": 30},
        },
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
        "eks": EKS_PROFILES["dev"],
        "logSearch": LOG_SEARCH_PROFILES["dev"],
        "clusterServices": {"containerLogRetentionDays": 30},
        # The API endpoint is reached from a workstation (publicAccessCidrs) or a runner.
        "deployRunner": {"enabled": False, "logRetentionDays": 30},
        "workloads": {"quotaCpu": "4", "quotaMemory": "8Gi", "quotaPods": 30},
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
        "dataLake": _data_lake(raw_days=730, log_days=365, noncurrent_days=30, backup_days=14),
        "registries": {"keepReleaseImages": 5},
        "cache": {
            "nodeType": "cache.t4g.small",
            "numCacheClusters": 2,
            "snapshotRetentionDays": 7,
            "logRetentionDays": 90,
        },
        "observability": {
            "enabled": True,
            "slos": SLOS,
            "logRetentionDays": 90,
            "grafana": {"enabled": True, "inVpc": True},
            "traceSamplingRate": 0.1,
            "synthetics": {"everyMinutes": 10, "retentionDays": 30},
            "chaos": {"enabled": False, "logRetentionDays": 90},
        },
        "edge": {
            "priceClass": "PriceClass_100",
            "rateLimit": 2000,
            "wafLogRetentionDays": 90,
            "continuousDeployment": {"enabled": True, "traffic": "header"},
        },
        "identity": {"mfa": "ON", "threatProtection": False, "accessLogRetentionDays": 90},
        "featureFlags": {"deploymentMinutes": 5, "bakeMinutes": 5, "growthPercent": 50},
        "eks": EKS_PROFILES["staging"],
        "logSearch": LOG_SEARCH_PROFILES["staging"],
        "clusterServices": {"containerLogRetentionDays": 90},
        # The private API endpoint is reached from inside the VPC only (ADR 0020).
        "deployRunner": {"enabled": True, "logRetentionDays": 90},
        "workloads": {"quotaCpu": "8", "quotaMemory": "16Gi", "quotaPods": 50},
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
        "dataLake": {
            **_data_lake(raw_days=3650, log_days=730, noncurrent_days=90, backup_days=35),
            "replicate": True,
        },
        "registries": {"keepReleaseImages": 10},
        "cache": {
            "nodeType": "cache.m7g.large",
            "numCacheClusters": 3,
            "snapshotRetentionDays": 14,
            "logRetentionDays": 365,
        },
        "observability": {
            "enabled": True,
            "slos": SLOS,
            "logRetentionDays": 365,
            "grafana": {"enabled": True, "inVpc": True},
            "traceSamplingRate": 0.05,
            "synthetics": {"everyMinutes": 5, "retentionDays": 90},
            "chaos": {"enabled": False, "logRetentionDays": 365},
        },
        "edge": {
            "priceClass": "PriceClass_200",
            "rateLimit": 2000,
            "wafLogRetentionDays": 365,
            "continuousDeployment": {"enabled": True, "traffic": "weight", "weight": 0.05},
        },
        "identity": {"mfa": "ON", "threatProtection": True, "accessLogRetentionDays": 365},
        "featureFlags": {"deploymentMinutes": 20, "bakeMinutes": 30, "growthPercent": 20},
        "eks": EKS_PROFILES["prod"],
        "logSearch": LOG_SEARCH_PROFILES["prod"],
        "clusterServices": {"containerLogRetentionDays": 365},
        # The private API endpoint is reached from inside the VPC only (ADR 0020).
        "deployRunner": {"enabled": True, "logRetentionDays": 365},
        "workloads": {"quotaCpu": "32", "quotaMemory": "64Gi", "quotaPods": 200},
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
