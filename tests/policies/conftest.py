"""What the pack's tools find in the installed SDKs, found once for the test run.

Asking the SDKs imports their modules, and that is the cost (about ten seconds for every
type of pulumi_aws; less for the types the rules read, but mostly the same modules).
`sdk_survey` asks the questions of several tests in one process, after which each answer
costs nothing more, and shares the answers with the other xdist workers
(`tests/run_cache.py`: keyed by the source, `uv.lock` included, and here also by the SDK
versions installed).
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from typing import Any

import pytest

from gam_policies.rules import all_rules
from tests.policies.tooling import load_tool
from tests.run_cache import WANTED, RunCache

SDKS = ("pulumi", "pulumi-aws", "pulumi-eks", "pulumi-kubernetes")


def _sdk_versions() -> str:
    versions = " ".join(f"{name}=={metadata.version(name)}" for name in SDKS)
    return hashlib.sha256(versions.encode()).hexdigest()[:12]


def _answer(question: Any) -> Any:
    """The answer, or the `SystemExit` the tools stop with (a test re-raises it)."""
    try:
        return question()
    except SystemExit as stop:
        return stop


def _survey() -> dict[str, Any]:
    names = load_tool("engine_names")
    gen = load_tool("gen_taggable_types")
    rules = all_rules()
    judged = {t for rule in rules for t in (*rule.resource_types, *rule.reads)}
    return {
        # every type of the SDKs first: the rest then only reads loaded modules
        "taggable": _answer(lambda: gen.render(gen.taggable_types())),
        "walk": _answer(lambda: names.walk(rules)),
        "components": _answer(lambda: {t for t in judged if names.is_component(t)}),
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if any("sdk_survey" in getattr(item, "fixturenames", ()) for item in items):
        WANTED[_name()] = lambda cache: _survey()


def _name() -> str:
    return f"sdk-survey-{_sdk_versions()}"


@pytest.fixture(scope="session")
def sdk_survey(run_cache: RunCache) -> dict[str, Any]:
    """{"taggable": the taggable-types file regenerated, "walk": (count, problems) of the
    engine-name walk over every rule, "components": the types the rules judge that are
    components}; an answer the tool stopped with is its `SystemExit`."""
    return run_cache.get(_name(), _survey)
