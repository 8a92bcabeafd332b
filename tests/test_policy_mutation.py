"""The pack over gRPC against real shapes: each domain's cases, and a mutated prod stack.

Both run in one pack process (a `analyzer.session`), as the engine keeps one per update.
Each judgement is asked of the policy under test alone: the pack is configured (as the
engine configures it) with prod's config for that policy and every other one disabled,
which the SDK then skips, so a whole-stack request costs one policy's work, not eighty.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from pulumi.runtime.proto import analyzer_pb2

from gam_offline import analyzer
from gam_offline.records import Record, RecordedResource
from gam_policies.framework import Resource
from gam_policies.rules import all_rules
from tests.policies.casekit import Break, Case, all_cases, with_prop
from tests.support import PACK_DIR

RULES = {rule.name: rule for rule in all_rules()}
CASES = all_cases()
PROD_CONFIG = analyzer.stack_policy_config("prod", PACK_DIR)
# What prod's policy config exempts, by policy: resources the policy reports as exempted
# (not applicable) and so can never fire on, by design.
EXEMPTED = {
    name: {e["resource"] for e in entry.get("exemptions", [])}
    for name, entry in PROD_CONFIG.items()
    if isinstance(entry, dict)
}


@pytest.fixture(scope="module")
def pack() -> Iterator[analyzer.PackSession]:
    with analyzer.session("prod", "gam-platform", PACK_DIR) as session:
        yield session


def _only(pack: analyzer.PackSession, rule: str) -> None:
    """Configure the pack with prod's config for `rule` and every other policy disabled."""
    given = {name: "disabled" for name in RULES if name != rule}
    given[rule] = PROD_CONFIG.get(rule, {})
    config = analyzer.reconcile_config(pack.info, given)
    pack.stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=config))


def _recorded(resource: Resource) -> RecordedResource:
    """A case's resource as recorded: its props are the inputs `Analyze` sends and the
    outputs `AnalyzeStack` sends (a case holds the view of the rule it is written for)."""
    urn = resource.urn or f"urn:pulumi:prod::gam-platform::{resource.type}::{resource.name}"
    return RecordedResource(
        urn=urn,
        type=resource.type,
        name=resource.name,
        parent=resource.parent,
        custom=True,
        remote=False,
        id=resource.get("id"),
        inputs=dict(resource.props),
        outputs=dict(resource.props),
        options={
            "protect": resource.protect,
            "dependencies": list(resource.dependencies),
            "propertyDependencies": {k: list(v) for k, v in resource.property_dependencies.items()},
        },
    )


def _fired(pack: analyzer.PackSession, rule: str, subject: Resource | list[Resource]) -> bool:
    _only(pack, rule)
    report = pack.new_report()
    if isinstance(subject, list):
        pack.analyze_stack([_recorded(r) for r in subject], report)
    else:
        pack.analyze([_recorded(subject)], report)
    return any(v.policy == rule for v in report.violations)


def _domain(rule: str) -> str:
    return str((RULES[rule].check or RULES[rule].stack_check).__module__)


def _first_case_per_domain() -> list[Case]:
    seen: dict[str, Case] = {}
    for case in CASES:
        if case.breaks and case.stack == "prod" and not case.config:
            seen.setdefault(_domain(case.rule), case)
    return list(seen.values())


@pytest.mark.parametrize("case", _first_case_per_domain(), ids=lambda c: c.rule)
def test_each_domain_is_judged_end_to_end_over_the_protocol(
    pack: analyzer.PackSession, case: Case
) -> None:
    assert not _fired(pack, case.rule, case.compliant)
    assert _fired(pack, case.rule, case.breaks[0].apply(case.compliant))


def test_every_domain_has_an_end_to_end_case() -> None:
    assert {_domain(n) for n in RULES} == {_domain(c.rule) for c in _first_case_per_domain()}


def test_the_pack_judges_only_the_policy_its_config_leaves_enabled(
    pack: analyzer.PackSession,
) -> None:
    """What `_only` relies on: configured again, the pack runs the one policy left on."""
    assert {p.name for p in pack.info.policies} == set(RULES)
    case = next(c for c in _first_case_per_domain() if isinstance(c.compliant, Resource))
    mutated = case.breaks[0].apply(case.compliant)
    assert isinstance(mutated, Resource)
    broken = _recorded(mutated)
    other = next(name for name in RULES if name != case.rule)
    for enabled in (other, case.rule):
        _only(pack, enabled)
        report = pack.new_report()
        pack.analyze([broken], report)
        fired = {v.policy for v in report.violations}
        assert fired <= {enabled} and (case.rule in fired) == (enabled == case.rule)


# --- mutation of the recorded prod stack ---------------------------------------------


def _mutated(resource: RecordedResource, brk: Break) -> RecordedResource:
    """One property changed as a program change would: in inputs and planned outputs, and
    a changed link no longer carries the dependency the old value had."""
    if brk.protect is not None:
        return dataclasses.replace(resource, options={**resource.options, "protect": brk.protect})
    top = brk.path.split(".")[0]
    outputs = resource.outputs
    if top in outputs:
        outputs = with_prop(outputs, brk.path, brk.value)
    dependencies = dict(resource.options.get("propertyDependencies") or {})
    dependencies.pop(top, None)
    return dataclasses.replace(
        resource,
        inputs=with_prop(resource.inputs, brk.path, brk.value),
        outputs=outputs,
        options={**resource.options, "propertyDependencies": dependencies},
    )


def _types(case: Case) -> set[str]:
    subject = case.compliant
    return {r.type for r in subject} if isinstance(subject, list) else {subject.type}


def _target_type(case: Case, brk: Break) -> str:
    subject = case.compliant
    return subject[brk.index].type if isinstance(subject, list) else subject.type


def _judged(record: Record, rule: str, type_: str) -> list[RecordedResource]:
    """The recorded resources of `type_` that prod's config does not exempt from `rule`."""
    exempt = EXEMPTED.get(rule, set())
    return [r for r in record.by_type(type_) if not {r.name, r.urn} & exempt]


def _fires_on(pack: analyzer.PackSession, record: Record, case: Case, brk: Break) -> bool:
    target = _target_type(case, brk)
    _only(pack, case.rule)
    report = pack.new_report()
    if RULES[case.rule].is_stack_rule:
        resources = [_mutated(r, brk) if r.type == target else r for r in record.resources]
        pack.analyze_stack(resources, report)
    else:
        pack.analyze([_mutated(_judged(record, case.rule, target)[0], brk)], report)
    return any(v.policy == case.rule for v in report.violations)


def _candidates(record: Record) -> dict[str, list[tuple[Case, Break]]]:
    """Per rule, the single-property breaks of its prod cases whose resource types the
    recorded prod stack has, not all exempted (the others wait for later components)."""
    found: dict[str, list[tuple[Case, Break]]] = {}
    for case in CASES:
        if case.stack == "prod" and all(_judged(record, case.rule, t) for t in _types(case)):
            found.setdefault(case.rule, []).extend((case, brk) for brk in case.breaks)
    return found


def test_breaking_one_property_of_recorded_prod_fires_each_policy_that_applies(
    pack: analyzer.PackSession,
    stack_records: dict[str, Record],
    policy_reports: dict[str, analyzer.PolicyReport],
) -> None:
    prod = stack_records["prod"]
    # the unmutated stack is clean: the whole pack over it, with prod's config
    assert policy_reports["prod"].violations == []
    candidates = _candidates(prod)
    silent = [
        rule
        for rule, breaks in candidates.items()
        if not any(_fires_on(pack, prod, case, brk) for case, brk in breaks)
    ]
    assert silent == [], silent
    # every resource policy that can judge something in prod was mutation-tested
    applicable = {
        name
        for name, rule in RULES.items()
        if any(_judged(prod, name, type_) for type_ in rule.resource_types)
    }
    assert applicable <= set(candidates), sorted(applicable - set(candidates))
