"""The project's files are what Pulumi, the pack and CI expect."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from gam_offline.engine import known_stacks
from tests.support import DATA, ROOT

SCHEMA = DATA / "pulumi-project.schema.json"
SECRET_WORDS = re.compile(r"(password|secret|token|apikey|api_key|webhook|privatekey)", re.I)


def test_pulumi_yaml_validates_against_pulumis_project_schema() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    jsonschema.validate(project, json.loads(SCHEMA.read_text()))
    assert project["name"] == "gam-platform"
    assert project["runtime"]["name"] == "python"
    assert (ROOT / project["main"] / "__main__.py").exists()


def test_there_is_a_stack_file_per_environment() -> None:
    assert known_stacks(ROOT) == ["dev", "prod", "staging"]


def _leaves(value, path=""):
    if isinstance(value, dict) and set(value) != {"secure"}:
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else key)
    else:
        yield path, value


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_stack_files_hold_only_gam_config_and_the_region(stack: str) -> None:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert "aws:region" in config
    assert all(key == "aws:region" or key.startswith("gam:") for key in config), config.keys()


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_secret_looking_values_are_only_secure_values(stack: str) -> None:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    for path, value in _leaves(config):
        if SECRET_WORDS.search(path):
            assert isinstance(value, dict) and set(value) == {"secure"}, path


def _locked_versions() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {p["name"]: p["version"] for p in lock["package"] if "version" in p}


def test_lockfile_pins_every_package_with_hashes() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    registry = [p for p in lock["package"] if "registry" in p.get("source", {})]
    assert registry
    for package in registry:
        artifacts = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert artifacts and all(a.get("hash", "").startswith("sha256:") for a in artifacts), (
            package["name"]
        )


def test_sdk_major_versions_are_the_current_ones() -> None:
    versions = _locked_versions()
    assert versions["pulumi-aws"].startswith("7.")
    assert versions["pulumi-eks"].startswith("4.")
    assert versions["pulumi-kubernetes"].startswith("4.")


def test_policy_pack_requirements_match_the_lockfile() -> None:
    versions = _locked_versions()
    pins = dict(
        line.split("==") for line in (ROOT / "policies" / "requirements.txt").read_text().split()
    )
    assert pins == {"pulumi": versions["pulumi"], "pulumi-policy": versions["pulumi-policy"]}


def test_console_script_is_declared() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["gam-infra"] == "gam_offline.cli:run"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "./dev check" in readme and "./dev preview" in readme
    assert "./dev check" in (ROOT / ".ci" / "run").read_text()


def test_policy_pack_manifest_is_python_with_a_version() -> None:
    manifest = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert re.match(r"^\d+\.\d+\.\d+$", manifest["version"])
    assert Path(ROOT / "policies" / "__main__.py").exists()


WORKFLOWS = ROOT / ".github" / "workflows"
# `uses: owner/repo[/path]@<40 hex> # v<version>`, the whole line.
PINNED = re.compile(r"^\s*(?:- )?uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(?:\.\d+)*$")


def _workflows() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted(WORKFLOWS.glob("*.yml"))}


def _steps(workflow: dict) -> list[tuple[str, dict]]:
    return [(job, step) for job, spec in workflow["jobs"].items() for step in spec["steps"]]


def _uses(step: dict) -> str:
    return str(step.get("uses", "")).split("@")[0]


def _pulumi_job(workflow: dict) -> dict:
    return next(
        job
        for job in workflow["jobs"].values()
        if any(_uses(s) == "pulumi/actions" for s in job["steps"])
    )


def test_workflows_preview_and_deploy_every_stack_with_its_policy_config() -> None:
    workflows = _workflows()
    assert {"ci", "preview", "deploy", "drift"} <= set(workflows)
    assert any(
        "./dev check" in step.get("run", "") for step in workflows["ci"]["jobs"]["check"]["steps"]
    )
    for name in ("preview", "drift"):
        job = _pulumi_job(workflows[name])
        assert job["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
        pulumi_step = next(s for s in job["steps"] if _uses(s) == "pulumi/actions")
        assert pulumi_step["with"]["policyPacks"] == "policies"
        assert pulumi_step["with"]["policyPackConfigs"].startswith("policies/config/")
    for stack in ("dev", "staging", "prod"):
        assert (ROOT / "policies" / "config" / f"{stack}.json").exists()


def test_runs_that_read_grafana_mint_a_token_before_and_revoke_it_after_whatever_happens() -> None:
    """ADR 0021: `pulumi up` and the refreshing drift preview sign in to Grafana with a
    token minted for the run; the PR preview does not refresh, so reads nothing there."""
    workflows = _workflows()
    for name in ("deploy", "drift"):
        steps = _pulumi_job(workflows[name])["steps"]
        runs = [str(s.get("run", "")) for s in steps]
        pulumi_at = next(i for i, s in enumerate(steps) if _uses(s) == "pulumi/actions")
        (mint,) = [i for i, r in enumerate(runs) if "infra.grafana_token mint" in r]
        (revoke,) = [i for i, r in enumerate(runs) if "infra.grafana_token revoke" in r]
        assert mint < pulumi_at < revoke, name
        assert '--github-env "$GITHUB_ENV"' in runs[mint]
        assert steps[revoke]["if"].startswith("always()")
        minutes = int(runs[mint].split("--minutes ")[1].split()[0])
        assert minutes > _pulumi_job(workflows[name])["timeout-minutes"], name
    preview = next(
        s for s in _pulumi_job(workflows["preview"])["steps"] if _uses(s) == "pulumi/actions"
    )
    assert "refresh" not in preview["with"]


def test_every_action_is_pinned_to_a_commit_sha_with_its_version_in_a_comment() -> None:
    for path in sorted(WORKFLOWS.glob("*.yml")):
        lines = [line for line in path.read_text().splitlines() if re.search(r"\buses:", line)]
        in_yaml = [s for _, s in _steps(yaml.safe_load(path.read_text())) if "uses" in s]
        assert len(lines) == len(in_yaml), f"{path.name}: a `uses:` not on a line of its own"
        for line in lines:
            assert PINNED.match(line), f"{path.name}: not pinned by SHA with a version: {line}"


def test_one_action_is_pinned_to_one_sha_and_version_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text().splitlines():
            if PINNED.match(line):
                action, pin = line.split("uses: ", 1)[1].split("@")
                pins.setdefault(action, set()).add(pin)
    assert pins and all(len(found) == 1 for found in pins.values()), pins
    (pulumi,) = pins["pulumi/actions"]
    assert int(pulumi.split("# v")[1].split(".")[0]) >= 7  # v6 runs on node20, being retired


def test_every_checkout_leaves_no_credentials_behind() -> None:
    for name, workflow in _workflows().items():
        for job, step in _steps(workflow):
            if _uses(step) == "actions/checkout":
                assert step.get("with", {}).get("persist-credentials") is False, (name, job)


def test_permissions_are_granted_per_job_and_only_what_the_job_uses() -> None:
    for name, workflow in _workflows().items():
        assert workflow["permissions"] == {}, f"{name}: top-level permissions must be {{}}"
        for job_name, job in workflow["jobs"].items():
            where = f"{name}.{job_name}"
            granted = job.get("permissions")
            assert isinstance(granted, dict), f"{where}: no permissions of its own"
            assert granted.get("contents") == "read", where
            assert set(granted.values()) <= {"read", "write"}, where
            uses = {_uses(s) for s in job["steps"]}
            comments = any(
                s.get("with", {}).get("comment-on-pr") is True
                for s in job["steps"]
                if _uses(s) == "pulumi/actions"
            )
            expected = {"contents": "read"}
            if "aws-actions/configure-aws-credentials" in uses:
                expected["id-token"] = "write"
            if comments:
                expected["pull-requests"] = "write"
            assert granted == expected, where


def test_one_pulumi_run_per_stack_at_a_time_and_deploys_are_never_cancelled() -> None:
    workflows = _workflows()
    for name in ("deploy", "drift", "preview"):
        job = _pulumi_job(workflows[name])
        concurrency = job["concurrency"]
        stack_expression = job.get("env", {}).get("STACK", "${{ matrix.stack }}")
        assert stack_expression.strip("${} ") in concurrency["group"], name
        assert concurrency["cancel-in-progress"] is False, name
    deploy = _pulumi_job(workflows["deploy"])
    assert deploy["environment"] == deploy["env"]["STACK"]  # the approval is the stack's


def test_pull_requests_get_the_policy_summary_of_every_stack() -> None:
    preview = _workflows()["preview"]
    offline = preview["jobs"]["offline"]
    assert offline["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
    script = "\n".join(s.get("run", "") for s in offline["steps"])
    summary = re.search(r"--summary \"?(\S+?)\"?\s", script)
    assert summary and "gam-infra preview" in script
    assert re.search(rf'cat "?{re.escape(summary[1])}"? >> "?\$GITHUB_STEP_SUMMARY', script)
    pulumi_step = next(s for s in _pulumi_job(preview)["steps"] if _uses(s) == "pulumi/actions")
    assert pulumi_step["with"]["comment-on-summary"] is True


def test_ci_checks_every_stacks_cost_against_its_budget() -> None:
    script = "\n".join(s.get("run", "") for _, s in _steps(_workflows()["ci"]))
    assert re.search(
        r"for stack in dev staging prod; do .*gam-infra cost --stack \"\$stack\" --check", script
    )
    assert 'exit "$status"' in script  # one stack over budget fails the job


def test_pull_requests_get_the_cost_change_against_their_base_in_the_job_summary() -> None:
    offline = _workflows()["preview"]["jobs"]["offline"]
    base = next(s for s in offline["steps"] if s.get("with", {}).get("path") == ".base")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    script = "\n".join(s.get("run", "") for s in offline["steps"])
    assert "--cwd .base cost" in script
    assert re.search(
        r'gam-infra cost --stack "\$STACK" --check .*--summary "\$GITHUB_STEP_SUMMARY"', script
    )


def test_dependabot_updates_uv_and_actions_weekly_in_one_group_each() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"uv", "github-actions"}
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        assert [g["patterns"] for g in update["groups"].values()] == [["*"]]


def test_dev_check_runs_zizmor_offline_over_the_workflows() -> None:
    dev = (ROOT / "dev").read_text()
    check = dev[dev.index("  check)") :]
    assert re.search(r"zizmor --offline .*\.github", check)
    dev_group = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    assert any(d.startswith("zizmor") for d in dev_group)
    assert "actionlint" not in dev
