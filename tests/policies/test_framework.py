"""The framework's guarantees, on plain data: a check reads only what its rule declares,
every rule declares what it reads, and a component without properties is not judged."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gam_policies.framework import (
    COMPONENT_TYPES,
    Context,
    Resource,
    Rule,
    UndeclaredRead,
    dig,
    fsbp,
)
from gam_policies.rules import all_rules

TYPE = "aws:test/thing:Thing"


def rule(reads: Mapping[str, tuple[str, ...]], check: Any = None, **fields: Any) -> Rule:
    return Rule(
        name="probe",
        description="reads what it is told",
        severity="low",
        remediation="none",
        controls=(fsbp("X.1"),),
        resource_types=tuple(reads),
        check=check or (lambda resource, ctx: iter(())),
        reads=reads,
        **fields,
    )


def reading(*paths: str) -> Any:
    """A check that reads `paths` with `Resource.get` and reports each value it found."""

    def check(resource: Resource, ctx: Context) -> Iterator[str]:
        for path in paths:
            yield f"{path}={resource.get(path)!r}"

    return check


# --- a check reads only what its rule declares -------------------------------------------


def test_a_declared_path_reads_as_the_raw_value() -> None:
    probe = rule(
        {TYPE: ("vpcConfig.endpointPublicAccess",)}, reading("vpcConfig.endpointPublicAccess")
    )
    thing = Resource(TYPE, {"vpcConfig": {"endpointPublicAccess": False, "subnetIds": ["s"]}})
    assert probe.run(thing) == ["vpcConfig.endpointPublicAccess=False"]


@pytest.mark.parametrize(
    ("read", "undeclared"),
    [
        ("replicateSourceDb", "`replicateSourceDb`"),  # a misspelling in the check
        ("vpcConfig.subnetIds", "`vpcConfig.subnetIds`"),  # a sibling of a declared path
        ("ingress.0.fromPort", "`ingress[].fromPort`"),  # a field of a list's items
    ],
)
def test_a_check_that_reads_an_undeclared_path_fails_loudly(read: str, undeclared: str) -> None:
    probe = rule(
        {
            TYPE: (
                "replicationSourceIdentifier",
                "vpcConfig.endpointPublicAccess",
                "ingress[].toPort",
            )
        },
        reading(read),
    )
    thing = Resource(
        TYPE,
        {
            "replicateSourceDb": "db-1",
            "vpcConfig": {"endpointPublicAccess": True, "subnetIds": ["s"]},
            "ingress": [{"fromPort": 22, "toPort": 22}],
        },
    )
    with pytest.raises(UndeclaredRead, match=re.escape(f"{undeclared} of {TYPE} is read but not")):
        probe.run(thing)


def test_a_declared_path_gives_its_whole_value_and_lists_their_declared_items() -> None:
    probe = rule({TYPE: ("tags", "ingress[].toPort")})
    thing = probe.guarded(
        Resource(TYPE, {"tags": {"Tier": "public"}, "ingress": [{"toPort": 443, "fromPort": 0}]})
    )
    assert thing.get("tags") == {"Tier": "public"}  # a map read whole: its keys are data
    (item,) = thing.get("ingress")
    assert dict(item) == {"toPort": 443}  # iteration shows the declared keys only
    assert "toPort" in item and len(thing.get("ingress")) == 1
    with pytest.raises(UndeclaredRead):
        _ = "fromPort" in item


def test_a_stack_rule_reads_only_the_types_it_declares() -> None:
    def check(resources: Any, ctx: Context) -> Iterator[tuple[str, str]]:
        for resource in resources:
            yield resource.urn, str(resource.get("subnetIds"))

    probe = Rule(
        name="probe",
        description="d",
        severity="low",
        remediation="r",
        controls=(fsbp("X.1"),),
        stack_check=check,
        reads={"aws:eks/nodeGroup:NodeGroup": ("subnetIds",)},
    )
    group = Resource("aws:eks/nodeGroup:NodeGroup", {"subnetIds": ["a"]}, urn="g")
    assert probe.run_stack([group]) == [("g", "['a']")]
    managed = Resource("eks:index:ManagedNodeGroup", {"subnetIds": ["a"]}, urn="m")
    with pytest.raises(UndeclaredRead, match="eks:index:ManagedNodeGroup"):
        probe.run_stack([group, managed])


STEPS = st.sampled_from(["a", "b", "c"])
DATA = st.dictionaries(
    STEPS,
    st.recursive(
        st.integers(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(STEPS, inner, max_size=3),
        max_leaves=12,
    ),
    max_size=3,
)
PATHS = st.lists(
    st.lists(st.tuples(STEPS, st.booleans()), min_size=1, max_size=3).map(
        lambda steps: ".".join(name + ("[]" if each else "") for name, each in steps)
    ),
    min_size=1,
    max_size=4,
)


def _leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], int]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, str(index)))
    else:
        yield path, value


def _trie(paths: list[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        for part in path.split("."):
            node = node.setdefault(part.removesuffix("[]"), {})
            if part.endswith("[]"):
                node = node.setdefault("[]", {})
    return root


def _covered(data: Any, trie: dict[str, Any], steps: tuple[str, ...]) -> bool:
    """The oracle: a leaf path is readable when it stays on declared steps until it reaches
    a path declared whole (a single object where a list is declared counts as its item)."""
    node, value = trie, data
    for step in steps:
        while node and isinstance(value, dict) and set(node) == {"[]"}:
            node = node["[]"]
        if not node:
            return True
        key = "[]" if isinstance(value, list) else step
        if key not in node:
            return False
        node, value = node[key], value[int(step)] if isinstance(value, list) else value[step]
    return True


@given(data=DATA, paths=PATHS)
def test_the_guard_yields_exactly_the_declared_paths_with_their_values(
    data: dict[str, Any], paths: list[str]
) -> None:
    guarded = rule({TYPE: tuple(paths)}).guarded(Resource(TYPE, data))
    for steps, value in _leaves(data):
        path = ".".join(steps)
        try:
            read = dig(guarded.props, path)
        except UndeclaredRead:
            assert not _covered(data, _trie(paths), steps), path
        else:
            assert _covered(data, _trie(paths), steps), path
            assert read == value


# --- every rule declares what it reads ------------------------------------------------


def test_every_rule_of_the_pack_declares_paths_for_each_type_it_judges() -> None:
    for each in all_rules():
        assert any(each.reads.values()), each.name
        if not each.is_stack_rule:
            assert set(each.reads) == set(each.resource_types), each.name


@pytest.mark.parametrize(
    ("reads", "problem"),
    [
        ({}, "declares no property path"),
        ({TYPE: ()}, "declares no property path"),
        ({TYPE: ("ingress.[]",)}, "malformed paths"),
        ({TYPE: ("tags Tier",)}, "malformed paths"),
    ],
)
def test_a_rule_without_valid_declarations_is_refused_by_name(
    reads: dict[str, tuple[str, ...]], problem: str
) -> None:
    with pytest.raises(ValueError, match=rf"rule probe: .*{problem}"):
        Rule(
            name="probe",
            description="d",
            severity="low",
            remediation="r",
            controls=(fsbp("X.1"),),
            resource_types=(TYPE,),
            check=lambda resource, ctx: iter(()),
            reads=reads,
        )


def test_a_resource_rule_must_declare_each_type_it_judges() -> None:
    with pytest.raises(ValueError, match=r"undeclared \['aws:test/other:Other'\]"):
        Rule(
            name="probe",
            description="d",
            severity="low",
            remediation="r",
            controls=(fsbp("X.1"),),
            resource_types=(TYPE, "aws:test/other:Other"),
            check=lambda resource, ctx: iter(()),
            reads={TYPE: ("name",)},
        )


# --- components without properties -------------------------------------------------------


@pytest.mark.parametrize("component", sorted(COMPONENT_TYPES))
def test_a_component_without_properties_is_not_applicable_never_a_pass(component: str) -> None:
    probe = rule({component: ("tags",)}, reading("tags"))
    empty = Resource(component, {}, urn=f"urn:x::{component}::c")
    reason = probe.not_applicable(empty)
    assert reason is not None and "registered without properties" in reason
    assert empty.urn in reason
    assert probe.run(empty) == []
    given_tags = Resource(component, {"tags": {"A": "b"}})
    assert probe.not_applicable(given_tags) is None
    assert probe.run(given_tags) == ["tags={'A': 'b'}"]


def test_a_provider_resource_without_properties_is_still_judged() -> None:
    probe = rule({TYPE: ("kmsKeyId",)}, reading("kmsKeyId"))
    assert probe.not_applicable(Resource(TYPE, {})) is None
    assert probe.run(Resource(TYPE, {})) == ["kmsKeyId=None"]
