"""Managed Prometheus and X-Ray cases: an encrypted, logging workspace; KMS traces.
Managed Grafana: a role of its own; tokens that live a day at most."""

from __future__ import annotations

from gam_policies.framework import Resource
from gam_policies.rules.observability import (
    GRAFANA,
    GRAFANA_API_KEY,
    GRAFANA_TOKEN,
    WORKSPACE,
    XRAY_ENCRYPTION,
)
from tests.policies.baseline import ACCOUNT, KEY_ARN, resource
from tests.policies.casekit import Break, Case

LOG_GROUP_ARN = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/vendedlogs/gam/prometheus:*"


def workspace() -> Resource:
    props = {"kmsKeyArn": KEY_ARN, "loggingConfiguration": {"logGroupArn": LOG_GROUP_ARN}}
    return resource(WORKSPACE, "metrics", props)


CASES = [
    Case(
        "amp-workspace-kms-encryption",
        workspace(),
        (
            Break("kmsKeyArn"),
            Break("kmsKeyArn", ""),
            Break("kmsKeyArn", f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/aws/aps"),
        ),
    ),
    Case(
        "amp-workspace-logging",
        workspace(),
        (
            Break("loggingConfiguration"),
            Break("loggingConfiguration.logGroupArn"),
            Break("loggingConfiguration.logGroupArn", ""),
        ),
    ),
    Case(
        "xray-encryption-kms",
        resource(XRAY_ENCRYPTION, "traces", {"type": "KMS", "keyId": KEY_ARN}),
        (
            Break("type", "NONE"),
            Break("type"),
            Break("keyId"),
            Break("keyId", "alias/aws/xray"),
        ),
    ),
    Case(
        "grafana-workspace-own-role",
        resource(
            GRAFANA,
            "dashboards",
            {
                "permissionType": "CUSTOMER_MANAGED",
                "roleArn": f"arn:aws:iam::{ACCOUNT}:role/grafana",
                "authenticationProviders": ["AWS_SSO"],
            },
        ),
        (
            Break("permissionType", "SERVICE_MANAGED"),
            Break("permissionType"),
            Break("roleArn"),
            Break("roleArn", ""),
        ),
    ),
    Case(
        "grafana-token-lifetime",
        resource(GRAFANA_TOKEN, "provisioner", {"secondsToLive": 3600}),
        (Break("secondsToLive", 86401), Break("secondsToLive", 2592000), Break("secondsToLive")),
    ),
    Case(
        "grafana-token-lifetime",
        resource(GRAFANA_API_KEY, "legacy-key", {"secondsToLive": 86400}),
        (Break("secondsToLive", 86401),),
    ),
]
