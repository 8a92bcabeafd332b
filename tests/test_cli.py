"""`gam-infra preview`: exit codes, what it prints, and the JSON record."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gam_offline import cli
from gam_policies.rules import all_rules
from tests import summary_reader
from tests.support import PACK_DIR, ROOT

# The committed program's stacks are run once for the run (`stack_records`), and judged
# once by each pack a test gives (this repository's, or a copy with a config changed);
# copies of the project that a test changes really run (this repository's modules are back
# after it). The engine's and the pack's own tests cover `run_stack` and `evaluate`; the
# fresh-process test below runs both for real.
pytestmark = pytest.mark.usefixtures(
    "committed_program_run_once", "committed_record_judged_once", "project_modules_restored"
)


def run(*args: str, root: Path = ROOT, pack: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = list(args)
    code = cli.preview(
        argv[0],
        Path(argv[1]) if len(argv) > 1 else None,
        root=root,
        pack_dir=PACK_DIR if pack else None,
        out=out,
        err=err,
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the project's entry files, to break a stack file safely."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "infra").mkdir()
    shutil.copy(ROOT / "infra" / "__main__.py", tmp_path / "infra" / "__main__.py")
    return tmp_path


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_preview_of_each_stack_exits_0_and_shows_the_networking_tree(stack: str) -> None:
    code, out, err = run(stack)
    assert code == cli.EXIT_OK, err
    assert f"# gam:network:Networking  gam-{stack}-network" in out
    assert "+ aws:ec2/vpc:Vpc" in out
    assert "Counts by type" in out and "Outputs:" in out and "vpcId:" in out
    (line,) = [x for x in out.splitlines() if x.startswith("Reachability: ")]
    assert line.endswith("; no findings")
    assert f"Preview of {stack}:" in out


def test_preview_with_the_pack_reports_policies_and_exits_0(tmp_path: Path) -> None:
    code, out, err = run("prod", str(tmp_path / "prod.json"), pack=True)
    assert code == cli.EXIT_OK, out + err
    assert "policies evaluated" in out and "mandatory violations: 0" in out
    policy = json.loads((tmp_path / "prod.json").read_text())["policy"]
    assert policy["policies_evaluated"] >= 60
    assert {"violations", "exemptions", "not_applicable", "policies_evaluated"} <= set(policy)


def test_json_record_has_the_documented_fields_and_options_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "dev.json"
    code, _, err = run("prod", str(target))
    assert code == cli.EXIT_OK, err
    record = json.loads(target.read_text())
    assert {"stack", "project", "resources", "outputs"} <= set(record)
    assert (record["stack"], record["project"]) == ("prod", "gam-platform")
    by_urn = {r["urn"]: r for r in record["resources"]}
    for resource in record["resources"]:
        assert {"urn", "type", "name", "parent", "custom", "inputs", "options"} <= set(resource)
    key = next(r for r in record["resources"] if r["name"] == "gam-prod-network-logs-key")
    assert key["options"]["protect"] is True  # prod protects its keys
    assert by_urn[key["parent"]]["type"] == "gam:network:Networking"
    assert {"protect", "retainOnDelete", "dependencies", "propertyDependencies", "provider"} <= set(
        key["options"]
    )


def test_bad_stack_file_exits_2_naming_each_key(project: Path) -> None:
    (project / "Pulumi.prod.yaml").write_text(
        "config:\n"
        "  aws:region: eu-west-1\n"
        "  gam:owner: team\n"
        "  gam:costCenter: cc-1\n"
        "  gam:colour: blue\n"
        "  gam:network:\n"
        "    vpcCidr: 10.300.0.0/16\n"
        "    azCount: 2\n"
    )
    code, out, err = run("prod", root=project)
    assert code == cli.EXIT_CONFIG
    assert out == ""
    for key in ("gam:colour", "gam:network.vpcCidr", "gam:network.azCount"):
        assert key in err
    assert "Traceback" not in err


def test_unknown_stack_exits_2(project: Path) -> None:
    code, _, err = run("qa", root=project)
    assert code == cli.EXIT_CONFIG and "Pulumi.qa.yaml" in err


def test_program_error_exits_1_with_one_paragraph(project: Path) -> None:
    (project / "infra" / "__main__.py").write_text(
        "raise RuntimeError('the database\\nexploded')\n"
    )
    code, _, err = run("dev", root=project)
    assert code == cli.EXIT_PROGRAM
    assert err.strip() == "error: the program failed: RuntimeError: the database exploded"
    assert "Traceback" not in err


def test_main_parses_arguments_and_returns_the_exit_code(tmp_path: Path, capsys) -> None:
    assert cli.main(["preview", "--stack", "dev", "--no-policy"]) == cli.EXIT_OK
    assert "gam-dev-network" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["preview"])


def test_a_pack_that_does_not_start_exits_1_with_one_paragraph(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("import sys\nsys.exit('no pack here')\n")
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    out, err = io.StringIO(), io.StringIO()
    code = cli.preview("dev", root=ROOT, pack_dir=tmp_path, out=out, err=err)
    assert code == cli.EXIT_PROGRAM
    assert err.getvalue().startswith(
        "error: the policy pack failed: RuntimeError: the policy pack did not start"
    )


def test_a_relative_pack_path_works_from_the_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert cli.main(["preview", "--stack", "dev", "--policy-pack", "policies"]) == cli.EXIT_OK


def test_main_writes_the_summary_where_summary_points(tmp_path: Path) -> None:
    target = tmp_path / "step-summary.md"
    assert cli.main(["preview", "--stack", "prod", "--summary", str(target)]) == cli.EXIT_OK
    _, sections = summary_reader.parse(target.read_text())
    assert sections["Violations"].paragraphs == ["None."]
    assert "Policy pack gam-platform-guardrails@" in sections[""].paragraphs[0]


def _pack_with_dev_config(tmp_path: Path, config: dict) -> Path:
    """A copy of the pack whose dev config is the committed one with `config`'s entries
    in place of its own."""
    pack = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", pack, ignore=shutil.ignore_patterns("__pycache__"))
    committed = json.loads((pack / "config" / "dev.json").read_text())
    (pack / "config" / "dev.json").write_text(json.dumps({**committed, **config}))
    return pack


def test_mandatory_violations_exit_3_and_are_listed_by_level_policy_and_urn(tmp_path: Path) -> None:
    # dev protects none of its keys and secrets
    pack = _pack_with_dev_config(tmp_path, {"protect-stateful-resources": "mandatory"})
    out, err = io.StringIO(), io.StringIO()
    code = cli.preview("dev", tmp_path / "dev.json", root=ROOT, pack_dir=pack, out=out, err=err)
    assert code == cli.EXIT_POLICY
    report = out.getvalue()
    found = json.loads((tmp_path / "dev.json").read_text())["policy"]["violations"]
    # dev's others are advisory, by design: unreplicated data buckets, a single-node cache,
    # a single-AZ database without deletion guards (prod's replicate, fail over, are guarded)
    violations = [v for v in found if v["level"] == "mandatory"]
    assert len(violations) > 1 and f"mandatory violations: {len(violations)}" in report
    assert "    protect-stateful-resources:\n      urn:pulumi:dev::gam-platform::" in report
    assert {(v["policy"], v["level"]) for v in violations} == {
        ("protect-stateful-resources", "mandatory")
    }
    assert {v["urn"].rsplit("::", 1)[1] for v in violations} >= {
        "gam-dev-network-logs-key",
        "gam-dev-network-vpc-flow-logs",  # audit evidence, tagged so
    }


def test_the_summary_of_a_failing_preview_shows_the_violation_with_the_packs_remediation(
    tmp_path: Path,
) -> None:
    # dev protects none of its keys, secrets and audit logs
    pack = _pack_with_dev_config(tmp_path, {"protect-stateful-resources": "mandatory"})
    target = tmp_path / "summary.md"
    out, err = io.StringIO(), io.StringIO()
    code = cli.preview("dev", root=ROOT, pack_dir=pack, out=out, err=err, summary_path=target)
    assert code == cli.EXIT_POLICY  # written all the same: a failing preview needs it most
    title, sections = summary_reader.parse(target.read_text())
    assert title == "Offline preview of gam-platform/dev"
    assert "Reachability: 10.10.0.0/16: 8 subnets" in target.read_text()
    violations = sections["Violations"]
    # first the mandatory one; dev's advisories (by design, see above) follow
    assert violations.subsections[0] == "protect-stateful-resources: mandatory, severity high"
    assert all(": advisory," in s for s in violations.subsections[1:])
    assert violations.paragraphs[0] == f"Remediation: {_remediation('protect-stateful-resources')}"
    assert {(v["resource"], v["type"]) for v in violations.tables[0]} >= {
        ("gam-dev-network-logs-key", "aws:kms/key:Key"),
        ("gam-dev-network-vpc-flow-logs", "aws:cloudwatch/logGroup:LogGroup"),
    }
    assert len(sections["Policies evaluated"].tables[0]) >= 60
    assert f"Summary written to {target}" in out.getvalue()


def _remediation(policy: str) -> str:
    """The rule's remediation as a reader sees it (code spans without their backticks)."""
    rule = next(r for r in all_rules() if r.name == policy)
    return " ".join(rule.remediation.replace("`", "").split())


def test_an_exemption_with_its_reason_shows_in_the_report(tmp_path: Path) -> None:
    reason = "dev keys are recreated with the stack (PLAT-7)"
    exemption = {"resource": "gam-dev-network-logs-key", "reason": reason}
    entry = {"enforcementLevel": "advisory", "exemptions": [exemption]}
    pack = _pack_with_dev_config(tmp_path, {"protect-stateful-resources": entry})
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "summary.md"
    code = cli.preview("dev", root=ROOT, pack_dir=pack, out=out, err=err, summary_path=target)
    assert code == cli.EXIT_OK
    lines = out.getvalue().splitlines()
    (at,) = [
        i
        for i, line in enumerate(lines)
        if line.strip().startswith("protect-stateful-resources: urn:pulumi:dev::")
        and line.endswith("::gam-dev-network-logs-key")
    ]
    assert lines[at + 1].strip() == f"reason: {reason}"
    _, sections = summary_reader.parse(target.read_text())
    assert {
        "policy": "protect-stateful-resources",
        "resource": "gam-dev-network-logs-key",
        "reason": reason,
    } in sections["Exemptions"].tables[0]


def _copy_of_the_project(target: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", ".venv", ".tools", ".git", "*.json.tmp")
    for name in ("infra", "components", "stacks", "observability", "policies"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for path in ROOT.glob("Pulumi*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def _gam_infra(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "from gam_offline import cli; cli.run()"  # the console script's entry point
    return subprocess.run(
        [
            sys.executable,
            "-P",
            "-c",
            code,
            *args,
        ],  # -P: like the console script, not cwd on sys.path
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # the tool, as if installed
    )


def test_the_project_is_found_from_the_working_directory_not_the_tools_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another checkout, with a program of its own, previews as itself: from a folder
    inside it, and from anywhere with --cwd. Once as a fresh process with the tool
    imported from this repository (as if installed), the others in this process, where
    this repository's packages are already imported. Its program is small (the previews
    cost little) and reads a package of the same name as one of this repository's."""
    other = _copy_of_the_project(tmp_path / "other")
    (other / "stacks" / "__init__.py").write_text('CHECKOUT = "other"\n')
    (other / "infra" / "__main__.py").write_text(
        'import pulumi\n\nimport stacks\n\npulumi.export("checkout", stacks.CHECKOUT)\n'
    )
    elsewhere = _gam_infra("--cwd", str(other), "preview", "--stack", "dev", cwd=tmp_path)
    assert elsewhere.returncode == cli.EXIT_OK, elsewhere.stderr
    assert 'checkout: "other"' in elsewhere.stdout and "mandatory violations: 0" in elsewhere.stdout
    monkeypatch.chdir(other / "stacks")
    assert cli.main(["preview", "--stack", "dev", "--no-policy"]) == cli.EXIT_OK
    assert 'checkout: "other"' in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    assert cli.main(["preview", "--stack", "dev", "--no-policy", "-C", str(ROOT)]) == cli.EXIT_OK
    assert "checkout" not in capsys.readouterr().out


def test_outside_any_project_the_tool_says_so_and_exits_2(tmp_path: Path) -> None:
    done = _gam_infra("preview", "--stack", "dev", cwd=tmp_path)
    assert done.returncode == cli.EXIT_CONFIG
    assert "no Pulumi.yaml in" in done.stderr and "Traceback" not in done.stderr


def test_policies_that_judged_nothing_are_listed_as_not_applicable_with_why() -> None:
    from gam_offline import analyzer

    report = analyzer.PolicyReport("pack", "0.0.1", 80, {})
    report.not_applicable.append(
        analyzer.NotApplicable(
            "eks-secrets-encryption", "urn:x::eks", "registered without properties"
        )
    )
    out = io.StringIO()
    cli._policy(report, out)
    assert (
        "  not applicable (not judged): 1\n"
        "    eks-secrets-encryption: urn:x::eks\n"
        "      registered without properties\n"
    ) in out.getvalue()
