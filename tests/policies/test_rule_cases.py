"""Every rule against its plain-data cases: the baseline passes, each break fires."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from gam_policies.framework import Context, Rule
from gam_policies.rules import all_rules

import tests.policies as cases_package
from tests.policies.casekit import Break, Case

RULES = {rule.name: rule for rule in all_rules()}


def _cases() -> list[Case]:
    cases: list[Case] = []
    for info in pkgutil.iter_modules(cases_package.__path__):
        if info.name.startswith("cases_"):
            cases.extend(importlib.import_module(f"tests.policies.{info.name}").CASES)
    return cases


CASES = _cases()


def _violations(rule: Rule, case: Case, subject) -> list:
    ctx = Context(stack=case.stack, config={**rule.defaults(), **case.config})
    if rule.is_stack_rule:
        return rule.run_stack(subject, ctx)
    return rule.run(subject, ctx)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_compliant_baseline_has_no_violation(case: Case) -> None:
    assert _violations(RULES[case.rule], case, case.compliant) == []


@pytest.mark.parametrize(
    ("case", "brk"),
    [(c, b) for c in CASES for b in c.breaks],
    ids=lambda v: v.rule if isinstance(v, Case) else (v.path or "protect"),
)
def test_single_property_break_fires_the_rule(case: Case, brk: Break) -> None:
    assert _violations(RULES[case.rule], case, brk.apply(case.compliant)), (
        f"{case.rule} did not fire when {brk} was applied"
    )


def test_every_rule_has_a_compliant_and_a_violating_case() -> None:
    covered = {c.rule for c in CASES if c.breaks}
    assert sorted(set(RULES) - covered) == []


def test_cases_name_only_existing_rules() -> None:
    assert sorted({c.rule for c in CASES} - set(RULES)) == []
