"""Cognito and HTTP API cases: a user pool with threat protection and a strong password
policy, and a stage that writes access logs."""

from __future__ import annotations

from gam_policies.framework import Resource
from gam_policies.rules.identity import STAGE, USER_POOL
from tests.policies.baseline import ACCOUNT, resource
from tests.policies.casekit import Break, Case


def user_pool() -> Resource:
    props = {
        "name": "gam-users",
        "mfaConfiguration": "ON",
        "userPoolTier": "PLUS",
        "userPoolAddOns": {"advancedSecurityMode": "ENFORCED"},
        "passwordPolicy": {
            "minimumLength": 14,
            "requireLowercase": True,
            "requireUppercase": True,
            "requireNumbers": True,
            "requireSymbols": True,
        },
    }
    return resource(USER_POOL, "gam-users", props, protect=True)


def stage() -> Resource:
    props = {
        "apiId": "a1b2c3d4e5",
        "name": "$default",
        "accessLogSettings": {
            "destinationArn": f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/gam/api-access",
            "format": '{"requestId":"$context.requestId"}',
        },
    }
    return resource(STAGE, "gam-api-stage", props)


CASES = [
    Case(
        "cognito-threat-protection",
        user_pool(),
        (
            Break("userPoolAddOns.advancedSecurityMode", "AUDIT"),
            Break("userPoolAddOns.advancedSecurityMode", "OFF"),
            Break("userPoolAddOns"),
        ),
    ),
    Case(
        "cognito-password-policy",
        user_pool(),
        (
            Break("passwordPolicy.minimumLength", 8),
            Break("passwordPolicy.minimumLength"),
            Break("passwordPolicy.requireSymbols", False),
            Break("passwordPolicy.requireNumbers"),
            Break("passwordPolicy.requireUppercase", False),
            Break("passwordPolicy.requireLowercase", False),
            Break("passwordPolicy"),
        ),
    ),
    Case(
        "apigateway-v2-access-logging",
        stage(),
        (Break("accessLogSettings.destinationArn"), Break("accessLogSettings")),
    ),
]
