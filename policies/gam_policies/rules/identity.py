"""Cognito user pools and API Gateway HTTP API stages."""

from __future__ import annotations

from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, fsbp, require, require_set
from gam_policies.rules._shared import below_minimum

USER_POOL = "aws:cognito/userPool:UserPool"
STAGE = "aws:apigatewayv2/stage:Stage"
PASSWORD = "passwordPolicy"
CHARACTER_CLASSES = ("requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols")


def _threat_protection(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource,
        "userPoolAddOns.advancedSecurityMode",
        "ENFORCED",
        "threat protection does not block risky sign-ins",
    )


def _password_policy(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from below_minimum(resource, f"{PASSWORD}.minimumLength", ctx.config["minimumLength"])
    for flag in CHARACTER_CLASSES:
        yield from require(resource, f"{PASSWORD}.{flag}", True, "weak password policy")


def _stage_access_logs(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require_set(resource, "accessLogSettings.destinationArn", "access logging is off")


RULES = [
    Rule(
        name="cognito-threat-protection",
        description=(
            "Without threat protection in enforcement mode, sign-ins from compromised "
            "credentials, credential stuffing and impossible travel are not blocked or challenged."
        ),
        severity="medium",
        remediation=(
            "Set `user_pool_add_ons.advanced_security_mode='ENFORCED'` (and "
            "`user_pool_tier='PLUS'`) on aws.cognito.UserPool."
        ),
        controls=(fsbp("Cognito.1"),),
        resource_types=(USER_POOL,),
        check=_threat_protection,
        reads={USER_POOL: ("userPoolAddOns.advancedSecurityMode",)},
    ),
    Rule(
        name="cognito-password-policy",
        description=(
            "Short passwords or passwords from one character class fall quickly to guessing "
            "and credential stuffing."
        ),
        severity="medium",
        remediation=(
            "Set `password_policy` on aws.cognito.UserPool with `minimum_length` at least the "
            "configured minimum and `require_lowercase`, `require_uppercase`, `require_numbers`, "
            "`require_symbols` all True."
        ),
        controls=(fsbp("Cognito.3"),),
        resource_types=(USER_POOL,),
        check=_password_policy,
        reads={
            USER_POOL: (
                f"{PASSWORD}.minimumLength",
                *(f"{PASSWORD}.{flag}" for flag in CHARACTER_CLASSES),
            )
        },
        config={
            "minimumLength": {
                "type": "integer",
                "default": 14,
                "description": "The shortest password a user pool may accept.",
            }
        },
    ),
    Rule(
        name="apigateway-v2-access-logging",
        description=(
            "Without access logs there is no record of who called the API, with what result, "
            "so abuse and authorizer failures cannot be investigated."
        ),
        severity="medium",
        remediation=(
            "Set `access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs("
            "destination_arn=log_group.arn, format=...)` on aws.apigatewayv2.Stage."
        ),
        controls=(fsbp("APIGateway.9"),),
        category="security",
        resource_types=(STAGE,),
        check=_stage_access_logs,
        reads={STAGE: ("accessLogSettings.destinationArn",)},
    ),
]
