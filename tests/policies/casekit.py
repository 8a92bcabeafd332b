"""Policy test cases as plain data: a compliant baseline and single-property breaks.

A `Case` names one rule, a compliant baseline (one resource for a resource rule,
a list for a stack rule) and `breaks`: each changes exactly one property of the
baseline (`DELETE` removes it) and must make the rule fire.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any

from gam_policies.framework import Resource

DELETE = object()


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
