"""CodeBuild projects (the deploy runner, ADR 0020): a customer key for what they write,
no Docker daemon in the build container, build logs kept in CloudWatch Logs."""

from __future__ import annotations

from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, fsbp, require
from gam_policies.rules.kms import customer_key

PROJECT = "aws:codebuild/project:Project"


def _encrypted(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from customer_key(
        resource, "encryptionKey", "build artifacts are not encrypted with a customer key"
    )


def _unprivileged(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource,
        "environment.privilegedMode",
        False,
        "the build container runs a Docker daemon with root on its host",
    )


def _logged(resource: Resource, ctx: Context) -> Iterator[str]:
    status = resource.get("logsConfig.cloudwatchLogs.status")
    if status == "DISABLED":
        yield "build logs are off: `logsConfig.cloudwatchLogs.status` is 'DISABLED'."
    elif not resource.get("logsConfig.cloudwatchLogs.groupName"):
        yield (
            "build logs go to a log group CodeBuild creates, without retention or a customer "
            "key: `logsConfig.cloudwatchLogs.groupName` is not set."
        )


RULES = [
    Rule(
        name="codebuild-project-encryption-key",
        description=(
            "Without a customer managed key CodeBuild encrypts what a build writes (artifacts, "
            "caches) with the AWS managed key, whose use no key policy can limit or audit."
        ),
        severity="medium",
        remediation=(
            "Set `encryption_key` on aws.codebuild.Project to a customer managed aws.kms.Key ARN "
            "(not `alias/aws/s3`) and let the service role use it."
        ),
        controls=(),  # FSBP covers report group exports (CodeBuild.7), not the project key
        resource_types=(PROJECT,),
        check=_encrypted,
        reads={PROJECT: ("encryptionKey",)},
    ),
    Rule(
        name="codebuild-project-unprivileged",
        description=(
            "Privileged mode runs a Docker daemon in the build container with access to the host: "
            "a job (a pull request's preview included) could escape the build's isolation."
        ),
        severity="high",
        remediation=(
            "Set `environment.privileged_mode=False` on aws.codebuild.Project; build images "
            "elsewhere (a registry's own build service) rather than in the deploy runner."
        ),
        controls=(fsbp("CodeBuild.5"),),
        resource_types=(PROJECT,),
        check=_unprivileged,
        reads={PROJECT: ("environment.privilegedMode",)},
    ),
    Rule(
        name="codebuild-project-logging",
        description=(
            "A build's log is the record of what a deploy did with the deploy role; without a "
            "log group of the platform's (retention, customer key) it is lost or kept unencrypted "
            "forever."
        ),
        severity="medium",
        remediation=(
            "Set `logs_config.cloudwatch_logs` on aws.codebuild.Project with `status='ENABLED'` "
            "and the `group_name` of an aws.cloudwatch.LogGroup with retention and a customer key."
        ),
        controls=(fsbp("CodeBuild.4"),),
        resource_types=(PROJECT,),
        check=_logged,
        reads={
            PROJECT: ("logsConfig.cloudwatchLogs.status", "logsConfig.cloudwatchLogs.groupName")
        },
    ),
]
