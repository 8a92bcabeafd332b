"""Logging cases: an encrypted log group with bounded retention, and an account trail."""

from __future__ import annotations

import json

from gam_policies.rules.logging import LOG_GROUP, RESOURCE_POLICY, TRAIL
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


def _logs_policy(**condition: object) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "es.amazonaws.com"},
                    "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                    "Resource": "arn:aws:logs:eu-west-1:111111111111:log-group:/gam/search:*",
                    **({"Condition": condition} if condition else {}),
                }
            ],
        }
    )


RESOURCE_POLICY_BASELINE = resource(
    RESOURCE_POLICY,
    "search-logs",
    {
        "policyName": "search-logs",
        "policyDocument": _logs_policy(StringEquals={"aws:SourceAccount": "111111111111"}),
    },
)

CASES = [
    Case(
        "log-resource-policy-scoped",
        RESOURCE_POLICY_BASELINE,
        (Break("policyDocument", _logs_policy()), Break("policyDocument")),
    ),
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
