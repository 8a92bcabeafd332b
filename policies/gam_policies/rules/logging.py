"""CloudWatch log groups and CloudTrail trails."""

from __future__ import annotations

from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, cis, fsbp, require
from gam_policies.rules._shared import below_minimum, judge_document, unscoped_grant
from gam_policies.rules.kms import customer_key

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TRAIL = "aws:cloudtrail/trail:Trail"
RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"


def _retention(resource: Resource, ctx: Context) -> Iterator[str]:
    # Unset and 0 both mean "never expire"; the minimum is at least 1, so both fail.
    yield from below_minimum(resource, "retentionInDays", ctx.config["minimumRetentionDays"])


def _log_group_kms(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from customer_key(resource, "kmsKeyId", "log group is not encrypted with a customer key")


def _resource_policy_scoped(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from judge_document("policyDocument", resource.get("policyDocument"), unscoped_grant)


def _multi_region(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(resource, "isMultiRegionTrail", True, "trail covers one region only")


def _log_file_validation(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(resource, "enableLogFileValidation", True, "log file validation is off")


def _trail_kms(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from customer_key(
        resource, "kmsKeyId", "trail logs are not encrypted with a customer key"
    )


RULES = [
    Rule(
        name="log-resource-policy-scoped",
        description=(
            "An account's CloudWatch Logs resource policy that lets a service (OpenSearch, "
            "Route 53, EventBridge) write without a Condition lets that service write for "
            "any account into these log groups (the confused deputy)."
        ),
        severity="high",
        remediation=(
            "In `policy_document` of aws.cloudwatch.LogResourcePolicy, name the log groups "
            "and add `{'StringEquals': {'aws:SourceAccount': account_id}}` (and "
            "`aws:SourceArn` where the service passes it) to each Allow."
        ),
        controls=(),
        resource_types=(RESOURCE_POLICY,),
        check=_resource_policy_scoped,
        reads={RESOURCE_POLICY: ("policyDocument",)},
    ),
    Rule(
        name="cloudwatch-log-group-retention",
        description=(
            "Log groups kept too briefly lose the evidence incident investigations need, and "
            "never-expiring ones keep personal data and cost without bound."
        ),
        severity="medium",
        remediation=(
            "Set `retention_in_days` on aws.cloudwatch.LogGroup to a supported value of at least "
            "the configured minimum (e.g. 30, 90, 365)."
        ),
        controls=(fsbp("CloudWatch.16"),),
        resource_types=(LOG_GROUP,),
        check=_retention,
        reads={LOG_GROUP: ("retentionInDays",)},
        config={
            "minimumRetentionDays": {
                "type": "integer",
                "default": 30,
                "minimum": 1,
                "description": "Smallest accepted `retentionInDays` (0, never expire, is rejected).",
            }
        },
    ),
    Rule(
        name="cloudwatch-log-group-kms",
        description=(
            "Logs carry request data, identifiers and sometimes secrets; without a customer key "
            "their access cannot be restricted or audited through a key policy."
        ),
        severity="medium",
        remediation=(
            "Set `kms_key_id` on aws.cloudwatch.LogGroup to the ARN of a customer managed "
            "aws.kms.Key whose policy allows the `logs.<region>.amazonaws.com` principal."
        ),
        controls=(cis("3.5"),),
        resource_types=(LOG_GROUP,),
        check=_log_group_kms,
        reads={LOG_GROUP: ("kmsKeyId",)},
    ),
    Rule(
        name="cloudtrail-multi-region",
        description=(
            "A single-region trail misses API activity in every other region, where an attacker "
            "can operate unrecorded."
        ),
        severity="high",
        remediation="Set `is_multi_region_trail=True` on aws.cloudtrail.Trail.",
        controls=(fsbp("CloudTrail.1"), cis("3.1")),
        resource_types=(TRAIL,),
        check=_multi_region,
        reads={TRAIL: ("isMultiRegionTrail",)},
    ),
    Rule(
        name="cloudtrail-log-file-validation",
        description=(
            "Without log file validation, deleted or altered CloudTrail logs cannot be detected, "
            "so an attacker can cover their tracks."
        ),
        severity="medium",
        remediation="Set `enable_log_file_validation=True` on aws.cloudtrail.Trail.",
        controls=(fsbp("CloudTrail.4"), cis("3.2")),
        resource_types=(TRAIL,),
        check=_log_file_validation,
        reads={TRAIL: ("enableLogFileValidation",)},
    ),
    Rule(
        name="cloudtrail-kms-encryption",
        description=(
            "CloudTrail logs describe the whole account's activity; without a customer key anyone "
            "with read access to the bucket can read them."
        ),
        severity="medium",
        remediation=(
            "Set `kms_key_id` on aws.cloudtrail.Trail to the ARN of a customer managed "
            "aws.kms.Key whose policy allows `cloudtrail.amazonaws.com` to encrypt."
        ),
        controls=(fsbp("CloudTrail.2"), cis("3.5")),
        resource_types=(TRAIL,),
        check=_trail_kms,
        reads={TRAIL: ("kmsKeyId",)},
    ),
]
