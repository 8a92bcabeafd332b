"""Usage files: documented defaults, unknown keys rejected, every problem named at once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gam_offline import usage
from gam_offline.usage import Usage, UsageError, override_problems, parse
from tests.support import ROOT, STACKS


def problems(document: object) -> dict[str, str]:
    with pytest.raises(UsageError) as caught:
        parse(document, "stacks/usage/x.yaml")
    return dict(caught.value.problems)


def test_no_usage_file_means_the_documented_defaults() -> None:
    assert parse(None) == Usage()
    assert parse({}).egress.internet_gb == 100
    assert parse({}).log_group.ingestion_gb == 5


def test_every_usage_key_documents_its_default() -> None:
    undocumented = [
        f"{section}.{field}"
        for section in Usage.model_fields
        if section != "resources"
        for field, info in type(getattr(Usage(), section)).model_fields.items()
        if "Default" not in (info.description or "")
    ]
    assert undocumented == []


@pytest.mark.parametrize("stack", STACKS)
def test_committed_usage_files_are_valid(stack: str) -> None:
    found, path = usage.load(stack, ROOT)
    assert path == ROOT / "stacks" / "usage" / f"{stack}.yaml"
    assert found != Usage()


def test_unknown_keys_and_bad_values_are_all_reported_by_key() -> None:
    found = problems(
        {
            "egres": {},
            "egress": {"internetGB": 1, "awsServicesGb": -5},
            "logGroup": {"ingestionGb": "lots"},
        }
    )
    assert set(found) == {
        "egres",
        "egress.internetGB",
        "egress.awsServicesGb",
        "logGroup.ingestionGb",
    }
    assert "unknown key" in found["egres"] and "unknown key" in found["egress.internetGB"]
    assert "greater than or equal to 0" in found["egress.awsServicesGb"]


def test_the_message_names_the_file_and_counts_the_problems() -> None:
    with pytest.raises(UsageError) as caught:
        parse({"kmsKey": {"request": 1}}, "stacks/usage/dev.yaml")
    assert str(caught.value).startswith(
        "stacks/usage/dev.yaml has 1 problem(s):\n  kmsKey.request: unknown key"
    )


def test_overrides_must_name_a_resource_of_the_stack_and_the_keys_of_its_section() -> None:
    found = dict(
        override_problems(
            parse(
                {
                    "resources": {
                        "flow-logs": {"ingestionGb": 3, "storedGB": 1},
                        "gone": {"ingestionGb": 1},
                        "nat": {"internetGb": 1},
                        "vpc": {"anything": 1},
                    }
                }
            ),
            {"flow-logs": "logGroup", "nat": "egress", "vpc": None},
        )
    )
    assert set(found) == {
        "resources.flow-logs.storedGB",
        "resources.gone",
        "resources.nat",
        "resources.vpc",
    }
    assert "no resource of the stack" in found["resources.gone"]
    assert "set it under egress" in found["resources.nat"]
    assert "reads no usage" in found["resources.vpc"]


@given(gb=st.floats(0, 1e6, allow_nan=False), requests=st.integers(0, 10**9))
def test_any_non_negative_amount_is_accepted_and_kept(gb: float, requests: int) -> None:
    found = parse(
        yaml.safe_load(f"logGroup: {{ingestionGb: {gb!r}}}\nkmsKey: {{requests: {requests}}}")
    )
    assert (found.log_group.ingestion_gb, found.kms_key.requests) == (gb, requests)


def test_a_usage_file_that_is_not_yaml_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "stacks" / "usage").mkdir(parents=True)
    (tmp_path / "stacks" / "usage" / "dev.yaml").write_text("egress: {internetGb: [\n")
    with pytest.raises(
        UsageError, match=r"stacks/usage/dev.yaml has 1 problem\(s\):\n  \(file\): not YAML"
    ):
        usage.load("dev", tmp_path)
