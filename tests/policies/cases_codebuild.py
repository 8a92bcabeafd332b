"""CodeBuild cases: the deploy runner's project, compliant, and each control broken."""

from __future__ import annotations

from gam_policies.rules.codebuild import PROJECT
from tests.policies.baseline import KEY_ARN, resource
from tests.policies.casekit import Break, Case


def project():
    return resource(
        PROJECT,
        "gam-prod-runner",
        {
            "name": "gam-prod-runner",
            "encryptionKey": KEY_ARN,
            "environment": {
                "type": "LINUX_CONTAINER",
                "computeType": "BUILD_GENERAL1_SMALL",
                "image": "aws/codebuild/standard:7.0",
                "privilegedMode": False,
            },
            "logsConfig": {
                "cloudwatchLogs": {
                    "status": "ENABLED",
                    "groupName": "/aws/codebuild/gam-prod-runner",
                }
            },
        },
    )


CASES = [
    Case(
        "codebuild-project-encryption-key",
        project(),
        (
            Break("encryptionKey"),
            Break("encryptionKey", ""),
            Break("encryptionKey", "alias/aws/s3"),
        ),
    ),
    Case(
        "codebuild-project-unprivileged",
        project(),
        (Break("environment.privilegedMode", True), Break("environment.privilegedMode")),
    ),
    Case(
        "codebuild-project-logging",
        project(),
        (
            Break("logsConfig.cloudwatchLogs.status", "DISABLED"),
            Break("logsConfig.cloudwatchLogs.groupName"),
            Break("logsConfig"),
        ),
    ),
]
