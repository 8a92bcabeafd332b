"""Policy-document parsing (`_shared`, used by the IAM, KMS and S3 rules) and the
wildcard-action decision."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from gam_policies.rules._shared import judge_document, principals, statements
from gam_policies.rules.iam import is_wildcard_action

ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


class ReadOnlyList(Sequence):
    """The policy SDK hands lists over as read-only sequences like this one."""

    def __init__(self, items: list) -> None:
        self._items = items

    def __getitem__(self, index):
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)


@pytest.mark.parametrize(
    ("document", "count"),
    [
        (json.dumps({"Statement": [ALLOW, ALLOW]}), 2),
        (json.dumps({"Statement": ALLOW}), 1),  # a single statement object
        ({"Statement": [ALLOW]}, 1),  # already parsed
        ({"Statement": ReadOnlyList([ALLOW])}, 1),
        (json.dumps({"Statement": []}), 0),
    ],
)
def test_statements_reads_every_document_shape(document: object, count: int) -> None:
    found = statements(document)
    assert found is not None
    assert len(found) == count


@pytest.mark.parametrize(
    "document",
    [
        "",
        "{",
        "[]",
        json.dumps({"Version": "2012-10-17"}),
        json.dumps({"Statement": ["x"]}),
        42,
        None,
    ],
)
def test_statements_rejects_what_is_not_a_policy_document(document: object) -> None:
    assert statements(document) is None


@pytest.mark.parametrize(
    ("principal", "kind", "expected"),
    [
        ("*", "AWS", ["*"]),
        ({"AWS": "*"}, "AWS", ["*"]),
        ({"AWS": ["arn:aws:iam::1:root", "*"]}, "AWS", ["arn:aws:iam::1:root", "*"]),
        ({"Service": "ec2.amazonaws.com"}, "AWS", []),
        (
            {"Federated": "arn:aws:iam::1:oidc-provider/x"},
            "Federated",
            ["arn:aws:iam::1:oidc-provider/x"],
        ),
    ],
)
def test_principals(principal: object, kind: str, expected: list[str]) -> None:
    assert principals({"Principal": principal}, kind) == expected


@pytest.mark.parametrize(
    ("action", "resources", "wildcard"),
    [
        ("*", ["arn:aws:s3:::b"], True),
        ("s3:*", ["arn:aws:s3:::b/*"], True),
        ("logs:*", ["arn:aws:logs:eu-west-1:1:log-group:x"], True),  # any service, service-wide
        ("s3:Get*", ["*"], True),  # sensitive service, partial, every resource
        ("KMS:Decrypt*", ["*"], True),  # action names are case-insensitive
        ("iam:?assRole", ["*"], True),
        ("s3:Get*", ["arn:aws:s3:::b/*"], False),  # partial, scoped to one bucket
        ("ec2:Describe*", ["*"], False),  # partial on a non-sensitive service
        ("s3:GetObject", ["*"], False),
        (42, ["*"], False),
    ],
)
def test_is_wildcard_action(action: object, resources: list[str], wildcard: bool) -> None:
    assert is_wildcard_action(action, resources) is wildcard


def test_judge_document_only_judges_allow_statements() -> None:
    document = json.dumps({"Statement": [{**ALLOW, "Effect": "Deny"}, ALLOW]})
    assert list(judge_document("policy", document, lambda s: "judged.")) == [
        "`policy` statement 1 judged."
    ]
