"""The cases of the platform-wide domains again, with props shaped as the engine sends them.

The policy SDK wraps props in read-only proxies (lists are `Sequence`s, not `list`) and
the engine's Struct encoding turns every number into a float. A check that walks lists
with `isinstance(x, list)` or compares `type(x) is int` passes the plain-data cases and
fails in a real preview; this replays every baseline and break in that shape.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any

import pytest
from gam_policies.framework import Context, Resource
from gam_policies.rules import all_rules
from pulumi_policy.proxy import unknown_checking_proxy

from tests.policies.casekit import Case

DOMAINS = (
    "edge",
    "messaging",
    "kms",
    "iam",
    "network",
    "logging",
    "secrets",
    "tags",
    "protection",
    "stack",
)
RULES = {rule.name: rule for rule in all_rules()}
CASES = [c for d in DOMAINS for c in importlib.import_module(f"tests.policies.cases_{d}").CASES]


def _floats(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_floats(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _engine_view(subject: Resource | list[Resource]) -> Any:
    if isinstance(subject, list):
        return [_engine_view(r) for r in subject]
    return replace(subject, props=unknown_checking_proxy(_floats(dict(subject.props))))


def _violations(case: Case, subject: Resource | list[Resource]) -> list[Any]:
    rule = RULES[case.rule]
    ctx = Context(stack=case.stack, config={**rule.defaults(), **case.config})
    view = _engine_view(subject)
    return rule.run_stack(view, ctx) if rule.is_stack_rule else rule.run(view, ctx)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_baseline_passes_in_engine_shape(case: Case) -> None:
    assert _violations(case, case.compliant) == []


@pytest.mark.parametrize("case", [c for c in CASES if c.breaks], ids=lambda c: c.rule)
def test_every_break_fires_in_engine_shape(case: Case) -> None:
    silent = [b for b in case.breaks if not _violations(case, b.apply(case.compliant))]
    assert silent == []
