"""The program's naming function and the standard tags components check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import tags
from infra import naming

_part = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}", fullmatch=True)


def test_name_joins_project_stack_and_parts() -> None:
    assert naming.name("prod", "network") == "gam-prod-network"
    assert naming.name("dev", "data", "raw") == "gam-dev-data-raw"


@pytest.mark.parametrize("bad", ["Prod", "prod_1", "", "-x", "x-", "a b"])
def test_name_rejects_parts_aws_would_mangle(bad: str) -> None:
    with pytest.raises(ValueError, match="lower-case"):
        naming.name(bad, "network")


def test_name_is_short_enough_for_the_tightest_aws_limits() -> None:
    with pytest.raises(ValueError, match="longer than 48"):
        naming.name("staging", "a" * 40)


@given(stack=_part, parts=st.lists(_part, min_size=1, max_size=3))
def test_names_are_deterministic_lowercase_and_bounded(stack: str, parts: list[str]) -> None:
    try:
        result = naming.name(stack, *parts)
    except ValueError:
        assert len("-".join(["gam", stack, *parts])) > 48
        return
    assert result == naming.name(stack, *parts)
    assert result == result.lower() and len(result) <= 48 and result.startswith(f"gam-{stack}-")


def _tags(**extra: str) -> dict[str, str]:
    return tags.standard_tags(
        project="gam-platform", environment="dev", owner="t", cost_center="c", extra=extra
    )


def test_standard_tags_are_the_required_five() -> None:
    standard = _tags()
    assert tuple(standard) == tags.REQUIRED_TAGS
    assert standard["ManagedBy"] == "pulumi" and standard["Project"] == "gam-platform"


def test_extra_tags_add_but_never_replace() -> None:
    assert _tags(Team="x")["Team"] == "x"
    with pytest.raises(ValueError, match="Owner"):
        _tags(Owner="y")


def test_a_components_tag_check_names_the_missing_standard_tags() -> None:
    assert tags.problems(_tags()) == []
    (problem,) = tags.problems({"Project": "gam-platform", "Owner": ""})
    assert "['Environment', 'Owner', 'CostCenter', 'ManagedBy']" in problem
