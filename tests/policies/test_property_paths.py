"""Every property path a rule reads is a name the engine sends for its type.

The paths come from the rules' own declarations (`Rule.reads`), which their checks
cannot step outside of (`test_framework.py`). Each is walked through the installed
SDKs' classes (`policies/tools/engine_names.py`): resource rules against input names
(what `Analyze` sends), stack rules against output names (what `AnalyzeStack` sends),
step by step into nested types and list items. A misspelled, input-only, output-only
or component-input path fails here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from gam_policies.framework import COMPONENT_TYPES, Rule
from gam_policies.rules import all_rules
from tests.policies.tooling import answer, load_tool

names = load_tool("engine_names")
RULES = {rule.name: rule for rule in all_rules()}


def test_every_path_every_rule_declares_is_an_engine_name(sdk_survey: dict[str, Any]) -> None:
    count, problems = answer(sdk_survey, "walk")  # names.walk over every rule
    assert problems == []
    declared = {(d.type, d.path, d.side) for d in names.declared(RULES.values())}
    assert count == len(declared)


def test_the_walk_covers_every_rule_and_both_sides() -> None:
    walked = list(names.declared(RULES.values()))
    assert {d.rule for d in walked} == set(RULES)
    assert {d.side for d in walked} == {names.INPUTS, names.OUTPUTS}


def planted(rule: str, type_: str, path: str) -> Rule:
    """`rule` with `path` declared for `type_` beside what it already declares for it, and
    its other types left out: walking them (every taggable type, for `tags-required`) is
    the whole pack's test above, and would import most of the SDKs again."""
    original = RULES[rule]
    types = original.resource_types if original.is_stack_rule else (type_,)
    reads = {type_: (*original.reads[type_], path)}
    return replace(original, resource_types=types, reads=reads)


@pytest.mark.parametrize(
    ("rule", "type_", "path", "expected"),
    [
        # the audit's finding: instances call it replicateSourceDb, clusters not
        (
            "backup-plan-coverage",
            "aws:rds/cluster:Cluster",
            "replicateSourceDb",
            "not among the outputs of aws:rds/cluster:Cluster (did you mean "
            "`replicationSourceIdentifier`?)",
        ),
        # a typo one level down
        (
            "eks-endpoint-not-public",
            "aws:eks/cluster:Cluster",
            "vpcConfig.endpointPublicAcess",
            "`vpcConfig.endpointPublicAcess` is not among the inputs",
        ),
        # a component's inputs are not among what a stack policy sees of it
        (
            "eks-node-group-private-subnets",
            "aws:eks/nodeGroup:NodeGroup",
            "subnetId",
            "did you mean `subnetIds`?",
        ),
        # an output that is no input, read by a resource policy
        (
            "network-sg-public-ingress",
            "aws:ec2/securityGroup:SecurityGroup",
            "arn",
            "`arn` is not among the inputs of aws:ec2/securityGroup:SecurityGroup",
        ),
        # a list read as if it were one object
        (
            "network-sg-public-ingress",
            "aws:ec2/securityGroup:SecurityGroup",
            "ingress.cidrBlocks",
            "`ingress` is a list: step into its items with `ingress[]`",
        ),
        # a map's keys are data
        (
            "network-subnet-public-ip",
            "aws:ec2/subnet:Subnet",
            "tags.Tier",
            "`tags` is a map",
        ),
        # pulumi-aws adds `tagsAll` to checked inputs only where the type has one
        (
            "tags-required",
            "aws:autoscaling/group:Group",
            "tagsAll",
            "not among the inputs of aws:autoscaling/group:Group",
        ),
    ],
)
def test_a_planted_misspelled_path_fails_the_walk(
    rule: str, type_: str, path: str, expected: str
) -> None:
    _, problems = names.walk([planted(rule, type_, path)])
    assert len(problems) == 1, problems
    assert f"{rule}: {type_} `{path}`" in problems[0]
    assert expected in problems[0]


def test_a_component_read_by_a_stack_policy_shows_only_its_outputs() -> None:
    misread = replace(
        RULES["eks-node-group-private-subnets"],
        reads={"eks:index:ManagedNodeGroup": ("subnetIds",)},
    )
    _, problems = names.walk([misread])
    assert problems == [
        "eks-node-group-private-subnets: eks:index:ManagedNodeGroup `subnetIds` (outputs): "
        "`subnetIds` is not among the outputs of eks:index:ManagedNodeGroup"
    ]
    assert names.problem("eks:index:ManagedNodeGroup", "subnetIds", names.INPUTS) is None
    assert names.problem("eks:index:ManagedNodeGroup", "nodeGroup", names.OUTPUTS) is None


def test_a_type_the_sdks_do_not_have_fails_the_walk() -> None:
    misnamed = replace(
        RULES["kms-key-rotation"],
        resource_types=("aws:kms/keys:Key",),
        reads={"aws:kms/keys:Key": ("enableKeyRotation",)},
    )
    _, problems = names.walk([misnamed])
    assert len(problems) == 1 and "aws:kms/keys:Key is not a resource type" in problems[0]


def test_only_provider_resources_carry_an_id_among_their_outputs() -> None:
    assert names.problem("aws:ec2/vpc:Vpc", "id", names.OUTPUTS) is None
    assert names.problem("eks:index:Cluster", "id", names.OUTPUTS) is not None
    assert names.problem("aws:ec2/vpc:Vpc", "id", names.INPUTS) is not None


def test_the_component_types_the_pack_knows_are_the_sdks_components(
    sdk_survey: dict[str, Any],
) -> None:
    # {t for t in every type a rule judges if names.is_component(t)}
    assert answer(sdk_survey, "components") == set(COMPONENT_TYPES)
