"""FIS templates and Synthetics canaries: a stoppable, logged drill; encrypted artifacts
on a supported runtime."""

from __future__ import annotations

from gam_policies.framework import Resource
from gam_policies.rules.drills import CANARY, FIS_TEMPLATE
from tests.policies.baseline import ACCOUNT, KEY_ARN, resource
from tests.policies.casekit import Break, Case

ALARM_ARN = f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:gam-prod-obs-alarm-canary-spa-failing"
LOG_GROUP_ARN = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/vendedlogs/fis/gam-prod-chaos:*"


def template() -> Resource:
    props = {
        "stopConditions": [{"source": "aws:cloudwatch:alarm", "value": ALARM_ARN}],
        "logConfiguration": {
            "logSchemaVersion": 2,
            "cloudwatchLogsConfiguration": {"logGroupArn": LOG_GROUP_ARN},
        },
    }
    return resource(FIS_TEMPLATE, "drill", props)


def canary() -> Resource:
    props = {
        "runtimeVersion": "syn-python-selenium-14.0",
        "artifactConfig": {"s3Encryption": {"encryptionMode": "SSE_KMS", "kmsKeyArn": KEY_ARN}},
    }
    return resource(CANARY, "canary", props)


CASES = [
    Case(
        "fis-template-stop-condition",
        template(),
        (
            Break("stopConditions"),
            Break("stopConditions", []),
            Break("stopConditions", [{"source": "none"}]),
            Break("stopConditions", [{"source": "aws:cloudwatch:alarm"}]),
            Break(
                "stopConditions",
                [{"source": "aws:cloudwatch:alarm", "value": ALARM_ARN}, {"source": "none"}],
            ),
        ),
    ),
    Case(
        "fis-template-logging",
        template(),
        (Break("logConfiguration"), Break("logConfiguration.cloudwatchLogsConfiguration")),
    ),
    Case(
        "synthetics-artifacts-kms",
        canary(),
        (
            Break("artifactConfig"),
            Break("artifactConfig.s3Encryption.encryptionMode", "SSE_S3"),
            Break("artifactConfig.s3Encryption.kmsKeyArn"),
            Break("artifactConfig.s3Encryption.kmsKeyArn", "alias/aws/s3"),
        ),
    ),
    Case(
        "synthetics-runtime-supported",
        canary(),
        (
            Break("runtimeVersion", "syn-python-selenium-5.1"),
            Break("runtimeVersion", "syn-nodejs-puppeteer-7.0"),
            Break("runtimeVersion", "syn-nodejs-2.2"),
            Break("runtimeVersion", "syn-1.0"),
            Break("runtimeVersion", "syn-python-selenium-15.0-beta"),
            Break("runtimeVersion"),
        ),
    ),
]
