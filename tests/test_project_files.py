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


def test_workflows_preview_and_deploy_every_stack_with_its_policy_config() -> None:
    workflows = {
        p.stem: yaml.safe_load(p.read_text())
        for p in (ROOT / ".github" / "workflows").glob("*.yml")
    }
    assert {"ci", "preview", "deploy", "drift"} <= set(workflows)
    assert any(
        "./dev check" in step.get("run", "") for step in workflows["ci"]["jobs"]["check"]["steps"]
    )
    for name in ("preview", "drift"):
        job = next(iter(workflows[name]["jobs"].values()))
        assert job["strategy"]["matrix"]["stack"] == ["dev", "staging", "prod"]
        pulumi_step = next(
            s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions")
        )
        assert pulumi_step["with"]["policyPacks"] == "policies"
        assert pulumi_step["with"]["policyPackConfigs"].startswith("policies/config/")
    for stack in ("dev", "staging", "prod"):
        assert (ROOT / "policies" / "config" / f"{stack}.json").exists()
