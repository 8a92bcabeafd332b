"""ElastiCache cases: a Valkey replication group and a serverless cache."""

from __future__ import annotations

from gam_policies.rules import elasticache
from tests.policies.builders import make
from tests.policies.casekit import Break, Case

KEY = "arn:aws:kms:eu-west-1:111111111111:key/cache"

REPLICATION_GROUP = make(
    elasticache.REPLICATION_GROUP,
    "cache",
    {
        "engine": "valkey",
        "numCacheClusters": 2,
        "atRestEncryptionEnabled": True,
        "kmsKeyId": KEY,
        "transitEncryptionEnabled": True,
        "transitEncryptionMode": "required",
        "userGroupIds": ["gam-cache-users"],
        "automaticFailoverEnabled": True,
        "multiAzEnabled": True,
    },
)
SERVERLESS_CACHE = make(
    elasticache.SERVERLESS_CACHE,
    "sessions",
    {"engine": "valkey", "kmsKeyId": KEY, "userGroupId": "gam-cache-users"},
)

CASES = [
    Case(
        rule="elasticache-at-rest-encryption",
        compliant=REPLICATION_GROUP,
        breaks=(
            Break("atRestEncryptionEnabled", False),
            Break("atRestEncryptionEnabled"),
            Break("kmsKeyId"),
        ),
    ),
    Case(
        rule="elasticache-at-rest-encryption",
        compliant=SERVERLESS_CACHE,
        breaks=(Break("kmsKeyId"),),
    ),
    Case(
        rule="elasticache-in-transit-encryption",
        compliant=REPLICATION_GROUP,
        breaks=(
            Break("transitEncryptionEnabled", False),
            Break("transitEncryptionEnabled"),
            Break("transitEncryptionMode", "preferred"),
        ),
    ),
    Case(
        rule="elasticache-auth",
        compliant=REPLICATION_GROUP,
        breaks=(Break("userGroupIds", []), Break("userGroupIds")),
    ),
    Case(
        rule="elasticache-auth",
        compliant=make(elasticache.REPLICATION_GROUP, "token", {"authTokenWo": "s3cr3t"}),
        breaks=(Break("authTokenWo"),),
    ),
    Case(rule="elasticache-auth", compliant=SERVERLESS_CACHE, breaks=(Break("userGroupId"),)),
    Case(
        rule="elasticache-automatic-failover",
        compliant=REPLICATION_GROUP,
        breaks=(
            Break("automaticFailoverEnabled", False),
            Break("automaticFailoverEnabled"),
            Break("multiAzEnabled", False),
            Break("multiAzEnabled"),
        ),
    ),
]
