"""S3 cases: one compliant bucket with all its configuration resources."""

from __future__ import annotations

import json
from typing import Any

from gam_policies.framework import Resource
from gam_policies.rules import s3
from tests.policies.builders import make
from tests.policies.casekit import Break, Case

BUCKET, SSE, VERSIONING, PAB, POLICY, LOGGING, LIFECYCLE, OWNERSHIP, REPLICATION = range(9)

TLS_ONLY_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::gam-data", "arn:aws:s3:::gam-data/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
)


REPLICATE = {"id": "all", "status": "Enabled", "destination": {"bucket": "arn:aws:s3:::replica"}}


def bucket_stack(purpose: str = "data", name: str = "data") -> list[Resource]:
    """A bucket and one compliant resource of each configuration kind, in index order."""
    bucket = make(
        s3.BUCKET[0],
        name,
        {
            "bucket": f"gam-{name}",
            "id": f"gam-{name}",
            "arn": f"arn:aws:s3:::gam-{name}",
            "tags": {"Purpose": purpose},
        },
    )
    kms = {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:aws:kms:eu-west-1:1:key/s3"}
    configs: list[tuple[tuple[str, ...], dict[str, Any]]] = [  # (kind, props), in index order
        (s3.SSE, {"rules": [{"applyServerSideEncryptionByDefault": kms}]}),
        (s3.VERSIONING, {"versioningConfiguration": {"status": "Enabled"}}),
        (s3.PUBLIC_ACCESS_BLOCK, dict.fromkeys(s3.PUBLIC_ACCESS_FLAGS, True)),
        (s3.POLICY, {"policy": TLS_ONLY_POLICY}),
        (s3.LOGGING, {"targetBucket": "gam-logs", "targetPrefix": f"{name}/"}),
        (s3.LIFECYCLE, {"rules": [{"id": "expire-old", "status": "Enabled"}]}),
        (s3.OWNERSHIP, {"rule": {"objectOwnership": "BucketOwnerEnforced"}}),
        (s3.REPLICATION, {"role": "arn:aws:iam::1:role/replication", "rules": [REPLICATE]}),
    ]
    return [bucket] + [
        make(kind[0], f"{name}-{index}", {"bucket": f"gam-{name}", **props}, {"bucket": bucket})
        for index, (kind, props) in enumerate(configs, start=1)
    ]


STACK = bucket_stack()
SSE_DEFAULT = "rules.0.applyServerSideEncryptionByDefault"

CASES = [
    Case(
        rule="s3-bucket-sse-kms",
        compliant=STACK,
        breaks=(
            Break(f"{SSE_DEFAULT}.sseAlgorithm", "AES256", index=SSE),
            Break(f"{SSE_DEFAULT}.kmsMasterKeyId", index=SSE),
            Break("rules", [], index=SSE),
            Break("rules", index=SSE),
        ),
    ),
    Case(
        rule="s3-bucket-versioning",
        compliant=STACK,
        breaks=(
            Break("versioningConfiguration.status", "Suspended", index=VERSIONING),
            Break("versioningConfiguration", index=VERSIONING),
        ),
    ),
    Case(
        rule="s3-bucket-public-access-block",
        compliant=STACK,
        breaks=(
            *(Break(flag, False, index=PAB) for flag in s3.PUBLIC_ACCESS_FLAGS),
            Break("restrictPublicBuckets", index=PAB),
        ),
    ),
    Case(
        rule="s3-bucket-tls-only",
        compliant=STACK,
        breaks=(
            Break("policy", TLS_ONLY_POLICY.replace('"Deny"', '"Allow"'), index=POLICY),
            Break("policy", TLS_ONLY_POLICY.replace('"false"', '"true"'), index=POLICY),
            Break("policy", TLS_ONLY_POLICY.replace('"s3:*"', '"s3:GetObject"'), index=POLICY),
            Break("policy", "{not json", index=POLICY),
            Break("policy", index=POLICY),
        ),
    ),
    Case(
        rule="s3-bucket-access-logging",
        compliant=STACK,
        breaks=(Break("targetBucket", index=LOGGING), Break("targetBucket", "", index=LOGGING)),
    ),
    Case(
        rule="s3-bucket-lifecycle",
        compliant=STACK,
        breaks=(
            Break("rules.0.status", "Disabled", index=LIFECYCLE),
            Break("rules", index=LIFECYCLE),
        ),
    ),
    Case(
        rule="s3-bucket-owner-enforced",
        compliant=STACK,
        breaks=(
            Break("rule.objectOwnership", "ObjectWriter", index=OWNERSHIP),
            Break("rule.objectOwnership", "BucketOwnerPreferred", index=OWNERSHIP),
            Break("rule", index=OWNERSHIP),
        ),
    ),
    Case(
        rule="s3-bucket-replication",
        compliant=STACK,
        breaks=(
            Break("rules.0.status", "Disabled", index=REPLICATION),
            Break("rules", index=REPLICATION),
            Break("role", index=REPLICATION),
        ),
    ),
]
