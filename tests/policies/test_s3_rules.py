"""S3 logic the single-property cases cannot show: policy parsing, pairing, Purpose tags."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from gam_policies.framework import Context, Rule
from gam_policies.rules import s3
from tests.policies.cases_s3 import BUCKET, LOGGING, REPLICATION, SSE, bucket_stack

RULES = {rule.name: rule for rule in s3.RULES}
DENY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def violations(rule: Rule, resources: list) -> list[tuple[str, str]]:
    return rule.run_stack(resources, Context(stack="prod", config=rule.defaults()))


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"Principal": {"AWS": "*"}},
        {"Principal": {"AWS": ["*"]}},
        {"Action": ["s3:GetObject", "s3:*"]},
        {"Action": "*"},
        {"Condition": {"BoolIfExists": {"aws:SecureTransport": False}}},
        {"Condition": {"Bool": {"AWS:SecureTransport": ["false"]}}},
    ],
)
def test_tls_deny_statement_variants_are_recognised(change: dict[str, Any]) -> None:
    assert s3.denies_insecure_transport({**DENY, **change})


@pytest.mark.parametrize(
    "change",
    [
        {"Effect": "Allow"},
        {"Principal": {"AWS": "arn:aws:iam::111111111111:root"}},
        {"Action": "s3:PutObject"},
        {"Condition": {"StringEquals": {"aws:SecureTransport": "false"}}},
        {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Condition": {"Bool": {"aws:SecureTransport": ["false", "true"]}}},
        {"Condition": None},
    ],
)
def test_statements_that_do_not_deny_plain_http_are_rejected(change: dict[str, Any]) -> None:
    assert not s3.denies_insecure_transport({**DENY, **change})


@pytest.mark.parametrize("rule", s3.RULES, ids=lambda r: r.name)
def test_a_bucket_without_its_configuration_resource_is_a_violation(rule: Rule) -> None:
    (urn, message), *_ = violations(rule, bucket_stack()[:1])
    assert urn == bucket_stack()[BUCKET].urn
    assert "has no" in message


def test_configuration_of_another_bucket_does_not_count() -> None:
    mine, theirs = bucket_stack(name="mine"), bucket_stack(name="theirs")
    stack = [mine[BUCKET], *theirs]
    assert [u for u, _ in violations(RULES["s3-bucket-sse-kms"], stack)] == [mine[BUCKET].urn]


def test_a_literal_bucket_name_pairs_when_no_dependency_was_recorded() -> None:
    stack = bucket_stack()
    stack[SSE] = replace(stack[SSE], property_dependencies={})
    assert violations(RULES["s3-bucket-sse-kms"], stack) == []
    stack[SSE] = replace(stack[SSE], props={**stack[SSE].props, "bucket": "gam-other"})
    assert violations(RULES["s3-bucket-sse-kms"], stack) != []


def test_deprecated_v2_configuration_types_count() -> None:
    stack = bucket_stack()
    stack[SSE] = replace(stack[SSE], type=s3.SSE[1])
    assert violations(RULES["s3-bucket-sse-kms"], stack) == []


@pytest.mark.parametrize(
    ("purpose", "logging_applies", "replication_applies"),
    [
        ("logs", False, False),
        ("assets", True, False),
        ("artifacts", True, False),
        ("Data", True, True),
        ("Logs", True, True),  # tag values are case-sensitive, as in protection and backup rules
        ("data-lake", True, True),  # unknown purposes fail closed
        (None, True, True),
    ],
)
def test_purpose_tag_decides_logging_and_replication(
    purpose: str | None, logging_applies: bool, replication_applies: bool
) -> None:
    stack = bucket_stack()
    tags = {"Purpose": purpose} if purpose else {}
    bucket = replace(stack[BUCKET], props={**stack[BUCKET].props, "tags": tags})
    only_bucket = [bucket] + [
        r for i, r in enumerate(stack) if i not in (BUCKET, LOGGING, REPLICATION)
    ]
    assert bool(violations(RULES["s3-bucket-access-logging"], only_bucket)) == logging_applies
    assert bool(violations(RULES["s3-bucket-replication"], only_bucket)) == replication_applies
