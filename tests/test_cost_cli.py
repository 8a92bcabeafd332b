"""`gam-infra cost`: what it prints and writes, the budget check's exit code, the diff, and
the preview's one line."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from gam_offline import cli, engine, pricing
from infra import settings
from tests.support import ROOT
from tests.test_settings import BASE

# The committed program's stacks are run once for the run (`stack_records`); copies of the
# project that a test changes really run (this repository's modules are back after it).
# The engine's own tests cover `run_stack`.
pytestmark = pytest.mark.usefixtures("committed_program_run_once", "project_modules_restored")


def run_cost(stack: str, root: Path = ROOT, **options: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.cost(stack, root=root, out=out, err=err, **options)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the program and its stack and usage files, to change them safely."""
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("infra", "components", "stacks", "observability"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    for path in ROOT.glob("Pulumi*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _add_config(project: Path, stack: str, line: str) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    path.write_text(path.read_text() + f"  {line}\n")


def test_cost_prints_components_types_top_items_and_the_budget(tmp_path: Path) -> None:
    code, out, err = run_cost("prod", json_path=tmp_path / "prod.json")
    assert code == cli.EXIT_OK, err
    assert out.startswith(
        "Cost of prod a month, USD (eu-west-1 prices of 2026-12-01; usage: stacks/usage/prod.yaml)"
    )
    for part in (
        "By component:",
        "gam-prod-network",
        "By resource type:",
        "Top 10 items:",
        "Unpriced: none",
    ):
        assert part in out
    assert "3 x firewall endpoint x 730 h x $0.395" in out
    assert "against a budget of $5,500.00" in out
    record = json.loads((tmp_path / "prod.json").read_text())
    assert (
        record["stack"] == "prod" and record["unpriced"] == [] and record["budget"] == 5500
    )  # Pulumi.prod.yaml's own budget


def test_check_exits_0_within_the_budget() -> None:
    code, _, err = run_cost("dev", check=True)
    assert code == cli.EXIT_OK and err == ""


def test_check_exits_4_over_the_budget_and_says_by_how_much(project: Path) -> None:
    # a month of 100 TB out through the NAT gateways and the firewall, dev's budget as
    # committed (only the usage file changed: the shared record, no program run)
    path = project / "stacks" / "usage" / "dev.yaml"
    usage = yaml.safe_load(path.read_text())
    usage.setdefault("egress", {})["internetGb"] = 100_000
    path.write_text(yaml.safe_dump(usage))
    budget = settings.load("dev", engine.stack_config("dev", ROOT)[0]).monthly_budget_usd
    code, _, err = run_cost("dev", project, check=True)
    assert code == cli.EXIT_BUDGET
    assert err.startswith("error: dev is over its budget: Cost estimate: $")
    assert f"against a budget of ${budget:,.2f}" in err and "OVER by $" in err
    assert run_cost("dev", project)[0] == cli.EXIT_OK  # without --check, a report only


def test_check_exits_4_when_not_all_is_priced_since_the_total_is_then_a_lower_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(pricing.PRICERS, "aws:kms/key:Key")
    code, out, err = run_cost("dev", check=True)
    assert code == cli.EXIT_BUDGET
    keys = sum(r.type == "aws:kms/key:Key" for r in engine.run_stack("dev", ROOT).resources)
    assert f"Unpriced: {keys}\n{keys:>6}  aws:kms/key:Key: no pricer" in out
    assert err.startswith("error: dev is not all priced:")


@pytest.mark.parametrize(("tier", "budget"), [("dev", 400), ("staging", 1200), ("prod", 4000)])
def test_each_tier_has_its_default_budget(tier: str, budget: float) -> None:
    config = {
        "aws:region": "eu-west-1",
        "gam:owner": "team",
        "gam:costCenter": "cc-1",
        "gam:tier": tier,
        "gam:dnsFirewall": BASE["gam:dnsFirewall"],
        "gam:identity": BASE["gam:identity"],
        "gam:deployRunner": BASE["gam:deployRunner"],
        "gam:network": {
            "vpcCidr": "10.10.0.0/16",
            "availabilityZoneIds": ["euw1-az1", "euw1-az2", "euw1-az3"][
                : 3 if tier == "prod" else 2
            ],
        },
    }
    assert settings.load(f"{tier}-x", config).monthly_budget_usd == budget
    assert (
        settings.load(f"{tier}-x", {**config, "gam:monthlyBudgetUsd": "250"}).monthly_budget_usd
        == 250
    )


def test_a_budget_that_is_not_a_positive_amount_is_a_config_error(project: Path) -> None:
    _add_config(project, "dev", "gam:monthlyBudgetUsd: 0")
    code, out, err = run_cost("dev", project, check=True)
    assert code == cli.EXIT_CONFIG and out == ""
    assert "gam:monthlyBudgetUsd: Input should be greater than 0" in err


def test_a_bad_usage_file_exits_2_naming_the_file_and_each_key(project: Path) -> None:
    (project / "stacks" / "usage" / "dev.yaml").write_text(
        "egress: {internetGB: 5}\nresources: {gam-dev-network-nope: {ingestionGb: 1}}\n"
    )
    code, _, err = run_cost("dev", project)
    assert code == cli.EXIT_CONFIG
    assert (
        "stacks/usage/dev.yaml has 1 problem(s):" in err and "egress.internetGB: unknown key" in err
    )
    (project / "stacks" / "usage" / "dev.yaml").write_text(
        "resources: {gam-dev-network-nope: {ingestionGb: 1}}\n"
    )
    code, _, err = run_cost("dev", project)
    assert (
        code == cli.EXIT_CONFIG
        and "resources.gam-dev-network-nope: no resource of the stack" in err
    )


def test_without_a_usage_file_the_defaults_are_used_and_said(project: Path) -> None:
    (project / "stacks" / "usage" / "dev.yaml").unlink()
    code, out, _ = run_cost("dev", project)
    assert code == cli.EXIT_OK and "usage: defaults, no usage file" in out


def test_diff_prints_the_change_by_component_from_a_base_record(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    assert run_cost("dev", json_path=base)[0] == cli.EXIT_OK
    document = json.loads(base.read_text())
    document["by_component"]["gam-dev-network"]["total"] -= 100
    document["monthly_total"] -= 100
    base.write_text(json.dumps(document))
    code, out, _ = run_cost("dev", base_path=base)
    assert code == cli.EXIT_OK
    assert "Change against the base:" in out
    assert out.splitlines()[-1].split()[-1] == "+$100.00"


def test_a_base_that_is_not_a_cost_record_exits_2(tmp_path: Path) -> None:
    (tmp_path / "preview.json").write_text(json.dumps({"stack": "dev", "resources": []}))
    code, _, err = run_cost("dev", base_path=tmp_path / "preview.json")
    assert code == cli.EXIT_CONFIG and "lacks ['monthly_total', 'by_component']" in err
    code, _, err = run_cost("dev", base_path=tmp_path / "missing.json")
    assert code == cli.EXIT_CONFIG and "missing.json" in err


def test_summary_appends_markdown_with_the_diff(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("## Policies\n")
    base = tmp_path / "base.json"
    run_cost("staging", json_path=base)
    code, _, _ = run_cost("staging", summary_path=summary, base_path=base)
    assert code == cli.EXIT_OK
    text = summary.read_text()
    assert text.startswith("## Policies\n### Cost of `staging`: $")
    assert "**Change against the base: $0.00 a month**" in text


def test_the_command_line_runs_cost_with_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "dev.json"
    assert (
        cli.main(["cost", "--stack", "dev", "--check", "--json", str(target), "-C", str(ROOT)])
        == cli.EXIT_OK
    )
    assert "Cost estimate:" in capsys.readouterr().out and target.exists()


def test_the_preview_prints_the_estimate_against_the_budget_in_one_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.preview("dev", root=ROOT, pack_dir=None, out=out, err=err) == cli.EXIT_OK
    lines = [line for line in out.getvalue().splitlines() if line.startswith("Cost estimate:")]
    assert len(lines) == 1 and "against a budget of $500.00" in lines[0]


def test_a_preview_with_a_bad_usage_file_still_previews_and_warns(project: Path) -> None:
    (project / "stacks" / "usage" / "dev.yaml").write_text("egress: {internetGB: 5}\n")
    out, err = io.StringIO(), io.StringIO()
    assert cli.preview("dev", root=project, pack_dir=None, out=out, err=err) == cli.EXIT_OK
    assert "Cost estimate" not in out.getvalue()
    assert err.getvalue().startswith(
        "warning: no cost estimate: stacks/usage/dev.yaml has 1 problem(s):"
    )
