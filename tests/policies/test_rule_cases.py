"""Every rule against its plain-data cases: the baseline passes, each break fires."""

from __future__ import annotations

import pytest

from tests.policies.casekit import RULES, Break, Case, all_cases, violations

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_compliant_baseline_has_no_violation(case: Case) -> None:
    assert violations(case, case.compliant) == []


@pytest.mark.parametrize(
    ("case", "brk"),
    [(c, b) for c in CASES for b in c.breaks],
    ids=lambda v: v.rule if isinstance(v, Case) else (v.path or "protect"),
)
def test_single_property_break_fires_the_rule(case: Case, brk: Break) -> None:
    assert violations(case, brk.apply(case.compliant)), (
        f"{case.rule} did not fire when {brk} was applied"
    )


def test_every_rule_has_a_compliant_and_a_violating_case() -> None:
    covered = {c.rule for c in CASES if c.breaks}
    assert sorted(set(RULES) - covered) == []


def test_cases_name_only_existing_rules() -> None:
    assert sorted({c.rule for c in CASES} - set(RULES)) == []
