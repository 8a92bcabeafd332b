"""Managed Prometheus workspaces and X-Ray: customer managed encryption, logs on.
Managed Grafana: a role of its own, and only short-lived tokens."""

from __future__ import annotations

from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, require, require_set
from gam_policies.rules.kms import customer_key

WORKSPACE = "aws:amp/workspace:Workspace"
XRAY_ENCRYPTION = "aws:xray/encryptionConfig:EncryptionConfig"
GRAFANA = "aws:grafana/workspace:Workspace"
GRAFANA_API_KEY = "aws:grafana/workspaceApiKey:WorkspaceApiKey"
GRAFANA_TOKEN = "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken"


def _workspace_key(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from customer_key(
        resource, "kmsKeyArn", "workspace metrics are not encrypted with a customer key"
    )


def _workspace_logs(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require_set(
        resource,
        "loggingConfiguration.logGroupArn",
        "workspace logs (rule evaluation and Alertmanager errors) are off",
    )


def _traces_key(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(resource, "type", "KMS", "traces are not encrypted with a KMS key")
    if resource.get("type") == "KMS":
        yield from customer_key(resource, "keyId", "traces are not encrypted with a customer key")


def _grafana_role(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource,
        "permissionType",
        "CUSTOMER_MANAGED",
        "the workspace reads its data sources through AWS managed policies over every "
        "workspace, log group and domain of the account",
    )
    if resource.get("permissionType") == "CUSTOMER_MANAGED":
        yield from require_set(resource, "roleArn", "the workspace has no role of its own")


def _grafana_token_lifetime(resource: Resource, ctx: Context) -> Iterator[str]:
    seconds = resource.get("secondsToLive")
    limit = ctx.config["maximumSeconds"]
    # numbers arrive as floats over gRPC
    number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
    if not number or seconds > limit:
        shown = f"{seconds:g} seconds" if number else "unset" if seconds is None else repr(seconds)
        yield (
            f"a Grafana key or token whose `secondsToLive` is {shown}, more than {limit:g}: "
            "a leaked one keeps admin access to the dashboards and data sources."
        )


RULES = [
    Rule(
        name="amp-workspace-kms-encryption",
        description=(
            "Metrics reveal the platform's load, tenants and failures; without a customer key "
            "their access cannot be restricted or audited through a key policy."
        ),
        severity="medium",
        remediation="Set `kms_key_arn` on aws.amp.Workspace to a customer managed aws.kms.Key ARN.",
        controls=(),  # no FSBP or CIS control covers Managed Prometheus; ADR 0012 does
        resource_types=(WORKSPACE,),
        check=_workspace_key,
        reads={WORKSPACE: ("kmsKeyArn",)},
    ),
    Rule(
        name="amp-workspace-logging",
        description=(
            "Without workspace logs a recording or alerting rule that fails to evaluate, or "
            "an alert Alertmanager cannot deliver, fails silently: the SLO alerts stop."
        ),
        severity="medium",
        remediation=(
            "Set `logging_configuration.log_group_arn` on aws.amp.Workspace to an encrypted "
            "CloudWatch log group's ARN followed by `:*`."
        ),
        controls=(),  # no FSBP or CIS control covers Managed Prometheus; ADR 0012 does
        category="reliability",
        resource_types=(WORKSPACE,),
        check=_workspace_logs,
        reads={WORKSPACE: ("loggingConfiguration.logGroupArn",)},
    ),
    Rule(
        name="xray-encryption-kms",
        description=(
            "Traces carry request paths, parameters and identifiers; with the default "
            "encryption their access cannot be restricted or audited through a key policy."
        ),
        severity="low",
        remediation=(
            'Create aws.xray.EncryptionConfig with `type="KMS"` and `key_id` a customer '
            "managed aws.kms.Key ARN."
        ),
        controls=(),  # no FSBP or CIS control covers X-Ray encryption; ADR 0012 does
        resource_types=(XRAY_ENCRYPTION,),
        check=_traces_key,
        reads={XRAY_ENCRYPTION: ("type", "keyId")},
    ),
    Rule(
        name="grafana-workspace-own-role",
        description=(
            "A service-managed workspace reads its data sources through AWS managed "
            "policies that reach every Prometheus workspace, log group and OpenSearch "
            "domain of the account; a role of its own limits it to this stack's."
        ),
        severity="medium",
        remediation=(
            'Set `permission_type="CUSTOMER_MANAGED"` and `role_arn` to a role whose '
            "policy grants queries on this stack's data sources only (components.grafana)."
        ),
        controls=(),  # no FSBP or CIS control covers Managed Grafana; ADR 0017 does
        resource_types=(GRAFANA,),
        check=_grafana_role,
        reads={GRAFANA: ("permissionType", "roleArn")},
    ),
    Rule(
        name="grafana-token-lifetime",
        description=(
            "Workspace API keys and service account tokens are bearer credentials to the "
            "Grafana API; a long-lived one outlives the deployment that needed it."
        ),
        severity="high",
        remediation=(
            "Give aws.grafana.WorkspaceServiceAccountToken (never WorkspaceApiKey) a "
            "`seconds_to_live` of at most `maximumSeconds`, and replace it when a "
            "deployment needs it again (ADR 0017)."
        ),
        controls=(),  # no FSBP or CIS control covers Managed Grafana; ADR 0017 does
        resource_types=(GRAFANA_API_KEY, GRAFANA_TOKEN),
        check=_grafana_token_lifetime,
        config={
            "maximumSeconds": {
                "type": "integer",
                "default": 86400,
                "minimum": 60,
                "maximum": 2592000,
                "description": "Longest accepted `secondsToLive` (AWS allows up to 30 days).",
            }
        },
        reads={GRAFANA_API_KEY: ("secondsToLive",), GRAFANA_TOKEN: ("secondsToLive",)},
    ),
]
