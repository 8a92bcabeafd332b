"""The committed taggable-types list matches the installed SDKs (regenerated in memory)."""

from __future__ import annotations

from gam_policies.rules.tags import TAGGABLE_TYPES
from tests.policies.tooling import load_tool


def test_committed_list_matches_a_fresh_generation() -> None:
    tool = load_tool("gen_taggable_types")
    assert tool.OUTPUT.read_text(encoding="utf-8") == tool.render(tool.taggable_types()), (
        "run: .venv/bin/python policies/tools/gen_taggable_types.py"
    )


def test_list_holds_taggable_and_omits_untaggable_types() -> None:
    assert list(TAGGABLE_TYPES) == sorted(TAGGABLE_TYPES)
    for taggable in ("aws:s3/bucket:Bucket", "aws:kms/key:Key", "eks:index:Cluster"):
        assert taggable in TAGGABLE_TYPES
    for untaggable in (
        "aws:iam/rolePolicy:RolePolicy",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
    ):
        assert untaggable not in TAGGABLE_TYPES
