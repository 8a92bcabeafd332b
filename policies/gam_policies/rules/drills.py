"""Synthetics canaries and FIS chaos drills (ADR 0019): a drill that cannot be stopped,
or leaves no log; canary artifacts (screenshots, HAR files) unencrypted or under an AWS
managed key; a canary on a runtime AWS has deprecated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, require
from gam_policies.rules._shared import as_list
from gam_policies.rules.kms import customer_key

FIS_TEMPLATE = "aws:fis/experimentTemplate:ExperimentTemplate"
CANARY = "aws:synthetics/canary:Canary"
ALARM_SOURCE = "aws:cloudwatch:alarm"

# The oldest supported version of each Synthetics runtime family: every older one is
# deprecated (CloudWatch guide, "Runtime versions support policy", read 2026-12-01:
# syn-python-selenium up to 5.1 deprecated 2026-02-03, syn-nodejs-puppeteer up to 7.0
# 2026-01-22, syn-nodejs-2.x and the first runtime, syn-1.0, long before).
SUPPORTED_FROM: dict[str, tuple[int, int]] = {
    "syn-python-selenium": (6, 0),
    "syn-nodejs-puppeteer": (8, 0),
    "syn-nodejs-playwright": (1, 0),
    "syn-nodejs": (3, 0),
    "syn-java": (1, 0),
}
_RUNTIME = re.compile(r"^(syn-[a-z-]+?)-(\d+)\.(\d+)(-beta)?$")


def runtime_problem(version: object) -> str | None:
    """Why a runtime version may not be used: deprecated, beta or unknown; None if fine."""
    match = _RUNTIME.match(str(version)) if isinstance(version, str) else None
    if match is None or match.group(1) not in SUPPORTED_FROM:
        return f"runtime {version!r} is not a known Synthetics runtime family"
    if match.group(4):
        return f"runtime {version!r} is a beta preview"
    family, major, minor = match.group(1), int(match.group(2)), int(match.group(3))
    oldest = SUPPORTED_FROM[family]
    if (major, minor) < oldest:
        return (
            f"runtime {version!r} is deprecated (AWS supports {family} from "
            f"{oldest[0]}.{oldest[1]}): new canaries cannot be created on it"
        )
    return None


def _stop_conditions(resource: Resource, ctx: Context) -> Iterator[str]:
    conditions = as_list(resource.get("stopConditions"))
    alarms = [
        c for c in conditions if c.get("source") == ALARM_SOURCE and str(c.get("value") or "")
    ]
    others = [c.get("source") for c in conditions if c.get("source") != ALARM_SOURCE]
    if others:
        yield f"stop conditions {others} are not CloudWatch alarms (source `{ALARM_SOURCE}`)."
    if not alarms:
        yield (
            "the experiment has no stop condition on a CloudWatch alarm: nothing ends it "
            "when users start to suffer."
        )


def _log(resource: Resource, ctx: Context) -> Iterator[str]:
    group = resource.get("logConfiguration.cloudwatchLogsConfiguration.logGroupArn")
    bucket = resource.get("logConfiguration.s3Configuration.bucketName")
    if not group and not bucket:
        yield "experiment logging is off: `logConfiguration` names no log group or bucket."


def _artifacts(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource,
        "artifactConfig.s3Encryption.encryptionMode",
        "SSE_KMS",
        "canary artifacts are not encrypted with a KMS key",
    )
    if resource.get("artifactConfig.s3Encryption.encryptionMode") == "SSE_KMS":
        yield from customer_key(
            resource,
            "artifactConfig.s3Encryption.kmsKeyArn",
            "canary artifacts are not encrypted with a customer key",
        )


def _runtime(resource: Resource, ctx: Context) -> Iterator[str]:
    problem = runtime_problem(resource.get("runtimeVersion"))
    if problem:
        yield f"{problem}."


RULES = [
    Rule(
        name="fis-template-stop-condition",
        description=(
            "A fault injection experiment without a stop condition on an alarm runs to its "
            "end whatever it does to users: a drill becomes an outage."
        ),
        severity="high",
        remediation=(
            "Give aws.fis.ExperimentTemplate `stop_conditions` with "
            f'`source="{ALARM_SOURCE}"` and `value` the ARN of an SLO alarm '
            "(ChaosDrillsArgs.stop_alarm_arns), and no `none` condition."
        ),
        controls=(),  # no FSBP or CIS control covers FIS; ADR 0019 does
        category="reliability",
        resource_types=(FIS_TEMPLATE,),
        check=_stop_conditions,
        reads={FIS_TEMPLATE: ("stopConditions[].source", "stopConditions[].value")},
    ),
    Rule(
        name="fis-template-logging",
        description=(
            "Without the experiment log, what a drill did (targets resolved, actions run, "
            "why it stopped) is lost: the drill cannot be reviewed."
        ),
        severity="medium",
        remediation=(
            "Set `log_configuration` on aws.fis.ExperimentTemplate with "
            "`cloudwatch_logs_configuration.log_group_arn` (an encrypted log group, `:*`)."
        ),
        controls=(),  # no FSBP or CIS control covers FIS; ADR 0019 does
        category="reliability",
        resource_types=(FIS_TEMPLATE,),
        check=_log,
        reads={
            FIS_TEMPLATE: (
                "logConfiguration.cloudwatchLogsConfiguration.logGroupArn",
                "logConfiguration.s3Configuration.bucketName",
            )
        },
    ),
    Rule(
        name="synthetics-artifacts-kms",
        description=(
            "Canary artifacts hold screenshots, HAR files and logs of the pages and API "
            "answers they checked; without a customer key their access cannot be "
            "restricted or audited through a key policy."
        ),
        severity="medium",
        remediation=(
            "Set `artifact_config.s3_encryption` on aws.synthetics.Canary to "
            '`encryption_mode="SSE_KMS"` and `kms_key_arn` a customer managed key ARN '
            "(the artifact SecureBucket's)."
        ),
        controls=(),  # no FSBP or CIS control covers Synthetics; ADR 0019 does
        resource_types=(CANARY,),
        check=_artifacts,
        reads={
            CANARY: (
                "artifactConfig.s3Encryption.encryptionMode",
                "artifactConfig.s3Encryption.kmsKeyArn",
            )
        },
    ),
    Rule(
        name="synthetics-runtime-supported",
        description=(
            "AWS refuses to create or update a canary on a deprecated runtime and stops "
            "patching its browser and libraries: the check breaks on the next deploy."
        ),
        severity="medium",
        remediation=(
            "Set `runtime_version` on aws.synthetics.Canary to a supported runtime "
            "(components.synthetics.RUNTIME_VERSION) and move the script to it."
        ),
        controls=(),  # no FSBP or CIS control covers Synthetics; ADR 0019 does
        category="reliability",
        resource_types=(CANARY,),
        check=_runtime,
        reads={CANARY: ("runtimeVersion",)},
    ),
]
