"""Secrets Manager: customer managed keys and rotation.

Only secrets the program declares are checked; RDS-managed master secrets
(`manage_master_user_password`) are created and rotated by RDS itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gam_policies.framework import Context, Resource, Rule, fsbp
from gam_policies.rules._shared import of_type, unreferenced
from gam_policies.rules.kms import customer_key

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


def _secret_cmk(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from customer_key(resource, "kmsKeyId", "secret is not encrypted with a customer key")


def _rotation(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    rotations = [
        r for r in of_type(resources, SECRET_ROTATION) if r.get("rotationEnabled") is not False
    ]
    secrets = of_type(resources, SECRET)
    yield from unreferenced(secrets, rotations, "secretId", "secret", f"enabled {SECRET_ROTATION}")


RULES = [
    Rule(
        name="secretsmanager-secret-cmk",
        description=(
            "Secrets under the AWS managed key can be read by any principal with "
            "secretsmanager:GetSecretValue; a customer key adds a key policy as a second gate."
        ),
        severity="high",
        remediation=(
            "Set `kms_key_id` on aws.secretsmanager.Secret to a customer managed aws.kms.Key ARN "
            "(not `alias/aws/secretsmanager`)."
        ),
        controls=(fsbp("SecretsManager.1"),),
        resource_types=(SECRET,),
        check=_secret_cmk,
        reads={SECRET: ("kmsKeyId",)},
    ),
    Rule(
        name="secretsmanager-secret-rotation",
        description=(
            "A secret that never rotates stays valid forever once leaked (logs, laptops, former "
            "staff)."
        ),
        severity="medium",
        remediation=(
            "Declare an aws.secretsmanager.SecretRotation with `secret_id=secret.id`, a "
            "`rotation_lambda_arn` and `rotation_rules.automatically_after_days` for every secret."
        ),
        controls=(fsbp("SecretsManager.1"),),
        stack_check=_rotation,
        reads={SECRET: ("id", "arn"), SECRET_ROTATION: ("secretId", "rotationEnabled")},
    ),
]
