"""KMS keys: rotation, a deletion window, an explicit key policy without public principals.

Also `customer_key`, the check other domains (log groups, trails, secrets, queues, topics)
use for "encrypted with a customer managed key": an unset key and an AWS managed key
(`alias/aws/...`) both fail.
"""

from __future__ import annotations

from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, cis, fsbp, require, require_set
from gam_policies.rules._shared import Statement, below_minimum, judge_document, principals

KEY = "aws:kms/key:Key"


def customer_key(resource: Resource, path: str, what: str) -> Iterator[str]:
    """A violation unless `path` names a customer managed key (not unset, not `alias/aws/...`)."""
    yield from require_set(resource, path, what)
    key = resource.get(path)
    if isinstance(key, str) and "alias/aws/" in key:
        yield f"{what}: `{path}` is the AWS managed key {key!r}; use a customer managed key."


def _rotation(resource: Resource, ctx: Context) -> Iterator[str]:
    # Only symmetric encryption keys can rotate automatically (asymmetric and HMAC cannot).
    if resource.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return
    yield from require(resource, "enableKeyRotation", True, "automatic key rotation is off")


def _deletion_window(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from below_minimum(resource, "deletionWindowInDays", ctx.config["minimumDays"])


def _public_principal(statement: Statement) -> str | None:
    if "*" in principals(statement, "AWS") and not statement.get("Condition"):
        return "allows Principal `*` without a Condition (anyone, in any account)."
    return None


def _key_policy(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from judge_document("policy", resource.get("policy"), _public_principal)


RULES = [
    Rule(
        name="kms-key-rotation",
        description=(
            "Without automatic rotation a key's material lives forever, so a leaked or "
            "cryptanalysed key keeps decrypting everything it ever protected."
        ),
        severity="medium",
        remediation="Set `enable_key_rotation=True` on aws.kms.Key.",
        controls=(fsbp("KMS.4"), cis("3.6")),
        resource_types=(KEY,),
        check=_rotation,
        reads={KEY: ("customerMasterKeySpec", "enableKeyRotation")},
    ),
    Rule(
        name="kms-key-deletion-window",
        description=(
            "A short deletion window leaves little time to notice and cancel a mistaken or "
            "malicious key deletion, after which all data under the key is unrecoverable."
        ),
        severity="high",
        remediation=(
            "Set `deletion_window_in_days` on aws.kms.Key to at least the configured minimum "
            "(30 in prod)."
        ),
        controls=(fsbp("KMS.3"),),
        resource_types=(KEY,),
        check=_deletion_window,
        reads={KEY: ("deletionWindowInDays",)},
        config={
            "minimumDays": {
                "type": "integer",
                "default": 7,
                "minimum": 7,
                "maximum": 30,
                "description": "Smallest accepted `deletionWindowInDays` (AWS allows 7 to 30).",
            }
        },
    ),
    Rule(
        name="kms-key-policy",
        description=(
            "A key without an explicit policy gets the default (whole account via IAM), and a "
            "policy allowing Principal `*` without a Condition opens the key to every AWS account."
        ),
        severity="critical",
        remediation=(
            "Pass an explicit key policy as `policy` on aws.kms.Key (e.g. from "
            "aws.iam.get_policy_document) naming the principals; constrain any `*` principal "
            "with a Condition such as `kms:CallerAccount` or `kms:ViaService`."
        ),
        controls=(fsbp("KMS.5"),),
        resource_types=(KEY,),
        check=_key_policy,
        reads={KEY: ("policy",)},
    ),
]
