"""docs/policies.md is what the rules and config files say; the config files keep the rules'
guarantees (security never relaxed, prod all mandatory, thresholds of the schema's type)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gam_policies.framework import EXEMPTIONS_SCHEMA
from gam_policies.rules import all_rules
from tests.policies.tooling import load_tool

ROOT = Path(__file__).resolve().parents[2]
gen_docs = load_tool("gen_docs")
RULES = {rule.name: rule for rule in all_rules()}
CONFIGS: dict[str, dict[str, Any]] = gen_docs.load_configs()
ENTRIES = [
    (stack, name, entry) for stack, config in CONFIGS.items() for name, entry in config.items()
]
LEVELS = ("mandatory", "advisory", "disabled")


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    for kind, name in ((float, "number"), (str, "string"), (list, "array"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def test_docs_are_up_to_date() -> None:
    committed = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert gen_docs.render() == committed, (
        "docs/policies.md is stale: run `python policies/tools/gen_docs.py` and commit it"
    )


def test_check_reports_a_stale_file_in_one_line_and_write_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "docs" / "policies.md"
    monkeypatch.setattr(gen_docs, "ROOT", tmp_path)
    monkeypatch.setattr(gen_docs, "OUTPUT", output)
    assert gen_docs.main(["--check"]) == 1  # missing counts as stale
    assert gen_docs.main([]) == 0
    assert gen_docs.main(["--check"]) == 0
    output.write_text(output.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    capsys.readouterr()
    assert gen_docs.main(["--check"]) == 1
    message = capsys.readouterr().out
    assert message.count("\n") == 1 and "python policies/tools/gen_docs.py" in message


def test_every_stack_has_a_config_file() -> None:
    assert sorted(CONFIGS) == sorted(gen_docs.STACKS)
    assert all((ROOT / "policies" / "config" / f"{s}.json").exists() for s in gen_docs.STACKS)


@pytest.mark.parametrize(
    ("entry", "level"),
    [
        (None, "mandatory"),  # not listed: the policy's own level
        ("advisory", "advisory"),
        ("disabled", "disabled"),
        ({"minimumDays": 30}, "mandatory"),  # properties only: the level stays
        ({"enforcementLevel": "advisory", "minimumDays": 30}, "advisory"),
    ],
)
def test_levels_are_resolved_as_the_engine_does(entry: Any, level: str) -> None:
    assert gen_docs.level(entry) == level


def test_every_config_entry_names_an_existing_rule_and_a_known_level() -> None:
    assert [(s, n) for s, n, _ in ENTRIES if n not in RULES] == []
    assert [(s, n) for s, n, e in ENTRIES if gen_docs.level(e) not in LEVELS] == []


def test_no_security_rule_is_relaxed_in_any_stack() -> None:
    relaxed = [
        (stack, name)
        for stack, name, entry in ENTRIES
        if name in RULES
        and RULES[name].category == "security"
        and gen_docs.level(entry) != "mandatory"
    ]
    assert relaxed == []


def test_prod_has_no_advisory_or_disabled_entries() -> None:
    assert {n: e for n, e in CONFIGS["prod"].items() if gen_docs.level(e) != "mandatory"} == {}


def test_thresholds_have_the_json_type_of_the_schema_default() -> None:
    wrong = []
    for stack, name, entry in ENTRIES:
        rule = RULES.get(name)
        schema = {**rule.config, "exemptions": EXEMPTIONS_SCHEMA} if rule else {}
        for key, value in gen_docs.overrides(entry).items():
            spec = schema.get(key)
            expected = _json_type(spec["default"]) if spec else "(no such property)"
            if _json_type(value) != expected:
                wrong.append(f"{stack}: {name}.{key} = {value!r}, expected {expected}")
    assert wrong == []


def test_json_types() -> None:
    values: tuple[Any, ...] = (7, 7.0, "7", True, [7], {}, None)
    assert [_json_type(v) for v in values] == [
        "integer",
        "number",
        "string",
        "boolean",
        "array",
        "object",
        "null",
    ]
