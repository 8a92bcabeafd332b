"""IAM cases: a scoped identity policy (three resource kinds) and an OIDC trust policy."""

from __future__ import annotations

import json
from collections.abc import Mapping

from gam_policies.framework import Resource
from gam_policies.rules import iam
from tests.policies.baseline import ACCOUNT, document, resource
from tests.policies.casekit import Break, Case

READ_TILES = {
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": ["arn:aws:s3:::gam-tiles", "arn:aws:s3:::gam-tiles/*"],
}
DESCRIBE = {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}
OWN_ACCOUNT_READS = {  # a sensitive partial wildcard on `*`, constrained by a Condition
    "Effect": "Allow",
    "Action": "s3:Get*",
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}},
}
DENY_EVERYTHING_INSECURE = {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
SCOPED = document(READ_TILES, DESCRIBE, OWN_ACCOUNT_READS, DENY_EVERYTHING_INSECURE)
ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}

ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
PINNED = {
    "StringEquals": {
        f"{ISSUER}:aud": "sts.amazonaws.com",
        f"{ISSUER}:sub": "system:serviceaccount:tiles:tiler",
    }
}


def trust(condition: Mapping[str, object] | None) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    return document({**statement, "Condition": condition} if condition else statement)


def identity_policies() -> list[tuple[Resource, str]]:
    """The same scoped document on each identity-policy kind, with the path that holds it."""
    return [
        (resource(iam.IDENTITY_POLICY_TYPES[0], "tiles-read", {"policy": SCOPED}), "policy"),
        (
            resource(
                iam.IDENTITY_POLICY_TYPES[1], "tiler-inline", {"policy": SCOPED, "role": "tiler"}
            ),
            "policy",
        ),
        (
            resource(
                iam.ROLE,
                "tiler",
                {
                    "assumeRolePolicy": trust(PINNED),
                    "inlinePolicies": [{"name": "read", "policy": SCOPED}],
                },
            ),
            "inlinePolicies.0.policy",
        ),
    ]


def role(condition: Mapping[str, object] | None = PINNED) -> Resource:
    return resource(iam.ROLE, "tiler", {"assumeRolePolicy": trust(condition)})


WILDCARDS = (
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::gam-tiles/*"},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:Get*"], "Resource": "*"},
    {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow", "Action": "iam:Pass*", "Resource": "*"},
    {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:eu-west-1:1:log-group:x"},
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    ADMIN,
)

CASES = [
    *(
        Case(
            "iam-no-admin-statements",
            baseline,
            (
                Break(path, document(READ_TILES, ADMIN)),
                Break(path, json.dumps({"Statement": {**ADMIN, "Action": ["*:*"]}})),
                Break(path),
                Break(path, "{"),
            ),
        )
        for baseline, path in identity_policies()
    ),
    *(
        Case(
            "iam-no-wildcard-actions",
            baseline,
            (*tuple(Break(path, document(READ_TILES, w)) for w in WILDCARDS), Break(path)),
        )
        for baseline, path in identity_policies()
    ),
    Case(
        "iam-oidc-trust-pinned",
        role(),
        (
            Break(
                "assumeRolePolicy", trust({"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"}})
            ),
            Break(
                "assumeRolePolicy",
                trust({"StringLike": {**PINNED["StringEquals"], f"{ISSUER}:sub": "*"}}),
            ),
            Break("assumeRolePolicy", trust({"StringNotEquals": PINNED["StringEquals"]})),
            Break(
                "assumeRolePolicy",
                trust(
                    {"StringEquals": {"other.example.com:aud": "x", "other.example.com:sub": "y"}}
                ),
            ),
            Break("assumeRolePolicy", trust(None)),
            Break("assumeRolePolicy"),
        ),
    ),
    Case(  # GitHub Actions: the subject pinned to one repository's main branch with StringLike
        "iam-oidc-trust-pinned",
        resource(
            iam.ROLE,
            "deployer",
            {
                "assumeRolePolicy": document(
                    {
                        "Effect": "Allow",
                        "Principal": {
                            "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
                        },
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                            },
                            "StringLike": {
                                "token.actions.githubusercontent.com:sub": "repo:gam/gam-platform:ref:refs/heads/main"
                            },
                        },
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    },
                )
            },
        ),
        (
            Break(
                "assumeRolePolicy",
                trust({"StringEquals": {f"{ISSUER}:sub": "system:serviceaccount:tiles:tiler"}}),
            ),
        ),
    ),
]
