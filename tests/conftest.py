"""Shared fixtures: each stack is run once per test session, and its pack report made once."""

from __future__ import annotations

import pytest
from hypothesis import settings

from gam_offline import analyzer, engine
from gam_offline.records import Record
from tests.support import PACK_DIR, ROOT, STACKS

# No per-example deadline: a loaded CI machine (or tests in parallel on two cores) must
# not turn a slow example into a failure; example counts still bound each test.
settings.register_profile("gam", deadline=None)
settings.load_profile("gam")


@pytest.fixture(scope="session")
def stack_records() -> dict[str, Record]:
    return {stack: engine.run_stack(stack, ROOT) for stack in STACKS}


@pytest.fixture(scope="session")
def policy_reports(stack_records: dict[str, Record]) -> dict[str, analyzer.PolicyReport]:
    return {stack: analyzer.evaluate(record, PACK_DIR) for stack, record in stack_records.items()}
