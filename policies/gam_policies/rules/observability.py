"""Managed Prometheus workspaces and X-Ray: customer managed encryption, logs on."""

from __future__ import annotations

from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, require, require_set
from gam_policies.rules.kms import customer_key

WORKSPACE = "aws:amp/workspace:Workspace"
XRAY_ENCRYPTION = "aws:xray/encryptionConfig:EncryptionConfig"


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
]
