"""Every case of every domain again, with the values shaped as the engine sends them.

The policy SDK wraps props in read-only proxies (lists are `Sequence`s, not `list`;
objects are `Mapping`s, not `dict`), and the engine's Struct encoding turns every
number into a float, in the props and in the policy's configuration alike. A check
that walks lists with `isinstance(x, list)`, compares `type(x) is int` or prints a
configured number passes the plain-data cases and misbehaves in a real preview. This
replays every baseline and every break of `test_rule_cases` in that shape and expects
exactly the violations of the plain data, messages included.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pulumi_policy.proxy import unknown_checking_proxy

from gam_policies.framework import Resource
from tests.policies.casekit import Break, Case, all_cases, case_config, violations

CASES = all_cases()


def _floats(value: Any) -> Any:
    """Plain data as the Struct encoding returns it: every number a float."""
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


@pytest.mark.parametrize(
    ("case", "brk"),
    [(c, None) for c in CASES] + [(c, b) for c in CASES for b in c.breaks],
    ids=lambda v: v.rule if isinstance(v, Case) else (v.path or "protect") if v else "baseline",
)
def test_engine_shape_gets_the_violations_of_plain_data(case: Case, brk: Break | None) -> None:
    subject = brk.apply(case.compliant) if brk else case.compliant
    engine = violations(case, _engine_view(subject), _floats(case_config(case)))
    assert engine == violations(case, subject)
