"""Secrets Manager cases: a secret under a customer key, rotated by a declared rotation."""

from __future__ import annotations

from gam_policies.framework import Resource
from gam_policies.rules.secrets import SECRET, SECRET_ROTATION
from tests.policies.baseline import ACCOUNT, KEY_ARN, resource
from tests.policies.casekit import Break, Case

ROTATION_PROPS = {
    "rotationLambdaArn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:rotate-api-key",
    "rotationRules": {"automaticallyAfterDays": 30.0},
}


def secret() -> Resource:
    props = {"name": "gam/tiles/api-key", "kmsKeyId": KEY_ARN, "recoveryWindowInDays": 30}
    return resource(SECRET, "tiles-api-key", props, protect=True)


CASES = [
    Case(
        "secretsmanager-secret-cmk",
        secret(),
        (Break("kmsKeyId"), Break("kmsKeyId", "alias/aws/secretsmanager")),
    ),
    Case(
        "secretsmanager-secret-rotation",
        [
            secret(),
            resource(
                SECRET_ROTATION,
                "tiles-api-key-rotation",
                {**ROTATION_PROPS, "secretId": secret().get("arn")},
            ),
        ],
        (
            Break("secretId", "arn:aws:secretsmanager:eu-west-1:1:secret:other", index=1),
            Break("secretId", index=1),
            Break("rotationEnabled", False, index=1),
        ),
    ),
    Case(  # in a preview the secret's id is unknown: the property dependency links them
        "secretsmanager-secret-rotation",
        [
            secret(),
            resource(
                SECRET_ROTATION, "tiles-api-key-rotation", ROTATION_PROPS, {"secretId": secret()}
            ),
        ],
        (Break("rotationEnabled", False, index=1),),
    ),
]
