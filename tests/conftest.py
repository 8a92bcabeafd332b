"""Shared fixtures: each stack is run once per test session, and its pack report made once."""

from __future__ import annotations

import pytest

from infra import engine, policy
from infra.engine_types import Record

STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def stack_records() -> dict[str, Record]:
    return {stack: engine.run_stack(stack) for stack in STACKS}


@pytest.fixture(scope="session")
def policy_reports(stack_records: dict[str, Record]) -> dict[str, policy.PolicyReport]:
    return {stack: policy.evaluate(record) for stack, record in stack_records.items()}
