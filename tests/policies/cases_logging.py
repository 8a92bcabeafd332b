"""Logging cases: an encrypted log group with bounded retention, and an account trail."""

from __future__ import annotations

from gam_policies.rules.logging import LOG_GROUP, TRAIL
from tests.policies.baseline import KEY_ARN, resource
from tests.policies.casekit import Break, Case

LOG_GROUP_BASELINE = resource(
    LOG_GROUP, "tiles-api", {"name": "/gam/tiles-api", "retentionInDays": 90.0, "kmsKeyId": KEY_ARN}
)
TRAIL_BASELINE = resource(
    TRAIL,
    "account",
    {
        "s3BucketName": "gam-trail-logs",
        "isMultiRegionTrail": True,
        "includeGlobalServiceEvents": True,
        "enableLogFileValidation": True,
        "kmsKeyId": KEY_ARN,
    },
)

CASES = [
    Case(
        "cloudwatch-log-group-retention",
        LOG_GROUP_BASELINE,
        (Break("retentionInDays", 0), Break("retentionInDays", 14), Break("retentionInDays")),
    ),
    Case(  # a stricter stack raises the minimum
        "cloudwatch-log-group-retention",
        resource(LOG_GROUP, "audit", {"retentionInDays": 365, "kmsKeyId": KEY_ARN}),
        (Break("retentionInDays", 180),),
        config={"minimumRetentionDays": 365},
    ),
    Case(
        "cloudwatch-log-group-kms",
        LOG_GROUP_BASELINE,
        (Break("kmsKeyId"), Break("kmsKeyId", "alias/aws/logs")),
    ),
    Case(
        "cloudtrail-multi-region",
        TRAIL_BASELINE,
        (Break("isMultiRegionTrail", False), Break("isMultiRegionTrail")),
    ),
    Case(
        "cloudtrail-log-file-validation",
        TRAIL_BASELINE,
        (Break("enableLogFileValidation", False), Break("enableLogFileValidation")),
    ),
    Case(
        "cloudtrail-kms-encryption",
        TRAIL_BASELINE,
        (Break("kmsKeyId"), Break("kmsKeyId", "")),
    ),
]
