"""KMS cases: one compliant customer managed key with an explicit key policy."""

from __future__ import annotations

import json

from gam_policies.framework import Resource
from gam_policies.rules.kms import KEY
from tests.policies.baseline import ACCOUNT, document, resource
from tests.policies.casekit import Break, Case

ROOT = {
    "Sid": "AccountAdmin",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
VIA_S3 = {
    "Sid": "AnyPrincipalOfTheAccountThroughS3",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
    "Resource": "*",
    "Condition": {
        "StringEquals": {
            "kms:CallerAccount": ACCOUNT,
            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
        }
    },
}
PUBLIC = {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}


def key(**props: object) -> Resource:
    defaults = {
        "enableKeyRotation": True,
        "deletionWindowInDays": 30.0,
        "policy": document(ROOT, VIA_S3),
    }
    return resource(KEY, "data-key", {**defaults, **props}, protect=True)


CASES = [
    Case(
        "kms-key-rotation", key(), (Break("enableKeyRotation", False), Break("enableKeyRotation"))
    ),
    Case(  # asymmetric keys cannot rotate: exempt until the spec turns symmetric
        "kms-key-rotation",
        key(customerMasterKeySpec="RSA_2048", keyUsage="SIGN_VERIFY", enableKeyRotation=False),
        (Break("customerMasterKeySpec", "SYMMETRIC_DEFAULT"), Break("customerMasterKeySpec")),
    ),
    Case(  # prod.json raises the minimum to 30
        "kms-key-deletion-window",
        key(),
        (Break("deletionWindowInDays", 29), Break("deletionWindowInDays")),
        config={"minimumDays": 30},
    ),
    Case(
        "kms-key-deletion-window",
        key(deletionWindowInDays=7),
        (Break("deletionWindowInDays", 6), Break("deletionWindowInDays", "7")),
        stack="dev",
    ),
    Case(
        "kms-key-policy",
        key(),
        (
            Break("policy"),
            Break("policy", document(ROOT, PUBLIC)),
            Break("policy", document(ROOT, {**PUBLIC, "Principal": {"AWS": ["*"]}})),
            Break("policy", json.dumps({"Statement": PUBLIC})),
            Break("policy", "not a policy"),
        ),
    ),
]
