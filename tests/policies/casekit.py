"""Policy test cases as plain data: a compliant baseline and single-property breaks.

A `Case` names one rule, a compliant baseline (one resource for a resource rule,
a list for a stack rule) and `breaks`: each changes exactly one property of the
baseline (`DELETE` removes it) and must make the rule fire.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gam_policies.framework import Context, Resource
from gam_policies.rules import all_rules

DELETE = object()
RULES = {rule.name: rule for rule in all_rules()}


@dataclass(frozen=True)
class Break:
    path: str
    value: Any = DELETE
    index: int = 0  # which resource of a stack baseline to change
    protect: bool | None = None  # change the `protect` option instead of a property

    def apply(self, baseline: Resource | list[Resource]) -> Resource | list[Resource]:
        if isinstance(baseline, list):
            changed = list(baseline)
            changed[self.index] = self.apply(baseline[self.index])  # type: ignore[assignment]
            return changed
        if self.protect is not None:
            return replace(baseline, protect=self.protect)
        return replace(baseline, props=with_prop(baseline.props, self.path, self.value))


@dataclass(frozen=True)
class Case:
    rule: str
    compliant: Resource | list[Resource]
    breaks: tuple[Break, ...]
    stack: str = "prod"
    config: dict[str, Any] = field(default_factory=dict)  # overrides over the rule's defaults


def with_prop(props: Any, path: str, value: Any) -> Any:
    """A deep copy of `props` with `path` (dotted, list indexes as numbers) set or deleted."""
    result = copy.deepcopy(dict(props))
    steps = path.split(".")
    node: Any = result
    for step in steps[:-1]:
        key: Any = int(step) if isinstance(node, list) else step
        if isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]
    last: Any = int(steps[-1]) if isinstance(node, list) else steps[-1]
    if value is DELETE:
        if isinstance(node, list):
            node.pop(last)
        else:
            node.pop(last, None)
    else:
        node[last] = value
    return result


def all_cases() -> list[Case]:
    """Every case of every `tests/policies/cases_*.py` module."""
    import tests.policies as package

    cases: list[Case] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("cases_"):
            cases.extend(importlib.import_module(f"tests.policies.{info.name}").CASES)
    return cases


def case_config(case: Case) -> dict[str, Any]:
    """The configuration a case runs with: the rule's defaults, then the case's overrides."""
    return {**RULES[case.rule].defaults(), **case.config}


def violations(
    case: Case, subject: Resource | list[Resource], config: Mapping[str, Any] | None = None
) -> list[Any]:
    """Run the case's rule on `subject` (its baseline or a break of it), with `config`
    or else `case_config(case)`: messages for a resource rule, (URN, message) for a stack rule."""
    rule = RULES[case.rule]
    ctx = Context(stack=case.stack, config=case_config(case) if config is None else config)
    if isinstance(subject, list):
        return rule.run_stack(subject, ctx)
    return rule.run(subject, ctx)
