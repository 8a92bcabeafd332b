"""The engine's wire encoding: secrets carried from a resource's inputs to its outputs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gam_offline.records import SECRET_SIG, SIG, annotate_secrets, unwrap


def secret(value: Any) -> dict[str, Any]:
    return {SIG: SECRET_SIG, "value": value}


@pytest.mark.parametrize(
    ("outputs", "inputs", "expected"),
    [
        # a secret input makes its output secret
        (
            {"password": "p", "arn": "a"},
            {"password": secret("p")},
            {"password": secret("p"), "arn": "a"},
        ),
        # objects are matched key by key: only the secret field becomes secret
        (
            {"auth": {"token": "t", "user": "u"}},
            {"auth": {"token": secret("t"), "user": "u"}},
            {"auth": {"token": secret("t"), "user": "u"}},
        ),
        # a list with any secret item is secret whole
        ({"keys": ["a", "b"]}, {"keys": ["a", secret("b")]}, {"keys": secret(["a", "b"])}),
        # already secret, or not among the outputs: left as it is
        ({"password": secret("p")}, {"password": secret("p")}, {"password": secret("p")}),
        ({"arn": "a"}, {"password": secret("p")}, {"arn": "a"}),
    ],
)
def test_outputs_are_secret_where_their_inputs_were(
    outputs: dict[str, Any], inputs: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert annotate_secrets(outputs, inputs) == expected


PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    outputs=st.dictionaries(st.text(max_size=2), PLAIN, max_size=4),
    secrets=st.sets(st.text(max_size=2)),
)
def test_annotating_changes_only_what_is_secret_never_a_value(
    outputs: dict[str, Any], secrets: set[str]
) -> None:
    inputs = {key: secret(value) for key, value in outputs.items() if key in secrets}
    annotated = annotate_secrets(outputs, inputs)
    assert unwrap(annotated) == unwrap(outputs)
    assert {
        k for k, v in annotated.items() if isinstance(v, dict) and v.get(SIG) == SECRET_SIG
    } >= (secrets & set(outputs))
