"""The committed taggable-types list matches the installed SDKs (regenerated in memory),
grouped by the shape in which each type carries its tags."""

from __future__ import annotations

from typing import Any

import pytest

from gam_policies.rules.tags import TAG_SHAPES, TAGGABLE_TYPES
from tests.policies.tooling import answer, load_tool

gen = load_tool("gen_taggable_types")


def test_committed_list_matches_a_fresh_generation(sdk_survey: dict[str, Any]) -> None:
    fresh = answer(sdk_survey, "taggable")  # gen.render(gen.taggable_types())
    assert gen.OUTPUT.read_text(encoding="utf-8") == fresh, (
        "run: .venv/bin/python policies/tools/gen_taggable_types.py"
    )


def test_each_type_is_listed_under_the_shape_of_its_tags() -> None:
    assert list(TAGGABLE_TYPES) == sorted(TAGGABLE_TYPES)
    for taggable in ("aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:ec2/vpc:Vpc"):
        assert TAG_SHAPES[taggable] == "map"
    assert TAG_SHAPES["aws:autoscaling/group:Group"] == "list"
    assert TAG_SHAPES["eks:index:Cluster"] == "component"
    for untaggable in (
        "aws:iam/rolePolicy:RolePolicy",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
    ):
        assert untaggable not in TAG_SHAPES


def test_tags_that_select_other_resources_are_not_own_tags() -> None:
    assert sorted(gen.SELECTORS) == [
        "aws:devopsguru/resourceCollection:ResourceCollection",
        "aws:inspector/resourceGroup:ResourceGroup",
    ]
    assert not set(gen.SELECTORS) & set(TAG_SHAPES)
    assert all(gen.shape(token) is None for token in gen.SELECTORS)


def test_a_tags_shape_nobody_classified_stops_the_generator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gen, "SELECTORS", {})
    with pytest.raises(SystemExit, match=r"aws:inspector/resourceGroup:ResourceGroup.*classify it"):
        gen.shape("aws:inspector/resourceGroup:ResourceGroup")
