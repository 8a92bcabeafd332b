"""The Markdown summary (`gam-infra preview --summary`), read back with a Markdown parser
(CommonMark with GFM tables and strikethrough, as GitHub renders a job summary)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gam_offline import reachability, summary
from gam_offline.analyzer import Exemption, NotApplicable, PolicyReport, Violation
from gam_offline.records import Record, RecordedResource
from tests.summary_reader import PARSER, parse, text


def _row(cell: str) -> dict[str, str]:
    _, sections = parse(f"### t\n\n| a | b |\n| --- | --- |\n| {cell} | end |\n")
    (table,) = sections["t"].tables
    (only,) = table
    return only


# Text with every character Markdown or HTML could read as markup, and then some.
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("`|\\*_[]()<>&!#~$:;.-+=/ \t\n"),
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    ),
    max_size=60,
)


def _visible(text: str) -> str:
    return "".join(text.split()).replace("`", "")


@given(TEXT)
@example("set `a|b` and ``x`y`` | then \\`z` or `w")
@example("*em* _em_ **b** [link](u) ![i](u) <b>x</b> &amp; ~~s~~ $x$ www.x.org https://x")
def test_prose_stays_in_its_cell_and_only_code_spans_are_markup(text: str) -> None:
    """Pipes do not split the cell, nothing becomes emphasis, links or HTML, and what a
    reader sees is the text itself (code spans drop their backticks)."""
    row = _row(summary.prose(text))
    assert row["b"] == "end"
    assert _visible(row["a"]) == _visible(text)


@given(TEXT)
@example("a|b `c` ``d``")
def test_code_shows_the_text_verbatim_in_one_cell(text: str) -> None:
    row = _row(summary.code(text))
    assert row["b"] == "end"
    assert row["a"] == " ".join(text.split())


def test_prose_keeps_its_code_spans() -> None:
    tokens = PARSER.parseInline(summary.prose("set `protect=True` on *the* <b>key</b>"))
    children = tokens[0].children or []
    assert [c.content for c in children if c.type == "code_inline"] == ["protect=True"]
    assert text(tokens[0]) == "set protect=True on *the* <b>key</b>"


# --- the whole summary --------------------------------------------------------------------


def _report(record: Record) -> PolicyReport:
    """A report for `record` with one violation, one advisory, one exemption planted."""
    (key,) = [k for k in record.by_type("aws:kms/key:Key") if k.name.endswith("network-logs-key")]
    vpc = record.one("aws:ec2/vpc:Vpc")
    return PolicyReport(
        pack="gam-platform-guardrails",
        version="0.1.0",
        policies_evaluated=3,
        levels={
            "protect-stateful-resources": "mandatory",
            "vpc-flow-logs": "advisory",
            "tags-required": "mandatory",
            "waf-logging": "disabled",
        },
        remediations={
            "protect-stateful-resources": "Pass `protect=True` | keep <data>.",
            "vpc-flow-logs": "Add a flow log.",
        },
        violations=[
            Violation(
                "protect-stateful-resources",
                "mandatory",
                "high",
                key.urn,
                "Description line.\nstateful resource without `protect` *now*.",
            ),
            Violation("vpc-flow-logs", "advisory", "medium", "", "stack-wide: no flow log."),
        ],
        exemptions=[Exemption("tags-required", vpc.urn, "shared VPC | tagged by PLAT-9")],
    )


@pytest.fixture(scope="module")
def dev(stack_records: dict[str, Record]) -> Record:
    return stack_records["dev"]


def test_summary_leads_with_the_verdict_and_the_totals(dev: Record) -> None:
    title, sections = parse(summary.render(dev, _report(dev)))
    assert title == "Offline preview of gam-platform/dev"
    assert sections[""].paragraphs == [
        f"{len(dev.resources)} resources. Policy pack gam-platform-guardrails@0.1.0 fails: "
        "3 policies evaluated, 1 mandatory and 1 advisory violations, 1 exemptions.",
        reachability.summary(dev),
    ]


def test_violations_name_resource_and_message_under_their_policy_with_its_remediation(
    dev: Record,
) -> None:
    _, sections = parse(summary.render(dev, _report(dev)))
    violations = sections["Violations"]
    assert violations.subsections == [
        "protect-stateful-resources: mandatory, severity high",
        "vpc-flow-logs: advisory, severity medium",
    ]
    assert violations.paragraphs == [
        "Remediation: Pass protect=True | keep <data>.",
        "Remediation: Add a flow log.",
    ]
    key, stack_wide = violations.tables
    assert key == [
        {
            "resource": "gam-dev-network-logs-key",
            "type": "aws:kms/key:Key",
            "message": "stateful resource without protect *now*.",
        }
    ]
    assert stack_wide == [
        {"resource": "(the stack)", "type": "", "message": "stack-wide: no flow log."}
    ]


def test_exemptions_show_the_resource_and_the_written_reason(dev: Record) -> None:
    _, sections = parse(summary.render(dev, _report(dev)))
    assert sections["Exemptions"].tables == [
        [
            {
                "policy": "tags-required",
                "resource": "gam-dev-network-vpc",
                "reason": "shared VPC | tagged by PLAT-9",
            }
        ]
    ]


def test_what_a_policy_did_not_judge_is_listed_with_why_never_as_passing(dev: Record) -> None:
    report = _report(dev)
    _, sections = parse(summary.render(dev, report))
    assert "Not applicable (not judged)" not in sections  # none: no section
    vpc = dev.one("aws:ec2/vpc:Vpc")
    report.not_applicable.append(
        NotApplicable("tags-required", vpc.urn, "registered without properties")
    )
    _, sections = parse(summary.render(dev, report))
    assert sections["Not applicable (not judged)"].tables == [
        [
            {
                "policy": "tags-required",
                "resource": "gam-dev-network-vpc",
                "reason": "registered without properties",
            }
        ]
    ]


def test_policies_evaluated_lists_every_policy_with_its_enforcement(dev: Record) -> None:
    report = _report(dev)
    _, sections = parse(summary.render(dev, report))
    (policies,) = sections["Policies evaluated"].tables
    assert {p["policy"]: p["enforcement"] for p in policies} == report.levels


def test_counts_by_type_add_up_to_every_resource_of_the_stack(dev: Record) -> None:
    _, sections = parse(summary.render(dev, None))
    (counts,) = sections[f"Counts by type ({len(dev.resources)} resources)"].tables
    assert {c["type"]: int(c["count"]) for c in counts} == Counter(r.type for r in dev.resources)
    assert [int(c["count"]) for c in counts] == sorted(
        (int(c["count"]) for c in counts), reverse=True
    )


def _resource(type_: str, name: str, parent: str | None, custom: bool = True) -> RecordedResource:
    urn = f"urn:pulumi:dev::gam-platform::{type_}::{name}"
    return RecordedResource(urn, type_, name, parent, custom, False, None, {}, {}, {})


def test_resources_by_component_list_each_resource_under_its_nearest_component() -> None:
    platform = _resource("gam:index:Platform", "gam-dev", None, custom=False)
    network = _resource("gam:network:Networking", "gam-dev-network", platform.urn, custom=False)
    vpc = _resource("aws:ec2/vpc:Vpc", "gam-dev-network-vpc", network.urn)
    bucket = _resource("aws:s3/bucket:Bucket", "gam-dev-logs", platform.urn)
    provider = _resource("pulumi:providers:aws", "default", None)
    record = Record("dev", "gam-platform", "eu-west-1", [platform, network, vpc, bucket, provider])
    _, sections = parse(summary.render(record, None))
    overview, *members = sections["Resources by component"].tables
    assert overview == [
        {"component": "gam-dev", "type": "gam:index:Platform", "resources": "2"},
        {"component": "gam-dev-network", "type": "gam:network:Networking", "resources": "1"},
        {"component": "(no component)", "type": "", "resources": "1"},
    ]
    assert [[(m["name"], m["kind"]) for m in table] for table in members] == [
        [("gam-dev-network", "component"), ("gam-dev-logs", "resource")],
        [("gam-dev-network-vpc", "resource")],
        [("default", "resource")],
    ]


def test_every_resource_of_a_stack_is_listed_once_or_is_a_top_level_component(
    dev: Record,
) -> None:
    _, sections = parse(summary.render(dev, None))
    overview, *members = sections["Resources by component"].tables
    listed = [m["name"] for table in members for m in table]
    urns = {r.urn for r in dev.resources}  # top-level: parented to the (unrecorded) stack
    top = [r.name for r in dev.resources if r.parent not in urns and not r.custom]
    assert sorted(listed + top) == sorted(r.name for r in dev.resources)
    assert sum(int(c["resources"]) for c in overview) == len(listed)


def test_without_the_pack_the_summary_says_policies_were_not_evaluated(dev: Record) -> None:
    markdown = summary.render(dev, None)
    _, sections = parse(markdown)
    assert "Violations" not in sections and "Policies evaluated" not in sections
    assert "Policies not evaluated" in markdown


def test_a_clean_report_says_none_and_passes(dev: Record) -> None:
    report = PolicyReport("pack", "1.0.0", 1, {"tags-required": "mandatory"})
    _, sections = parse(summary.render(dev, report))
    assert sections["Violations"].paragraphs == ["None."]
    assert sections["Exemptions"].paragraphs == ["None."]
    assert "Policy pack pack@1.0.0 passes: 1 policies evaluated" in sections[""].paragraphs[0]
