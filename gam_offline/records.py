"""Plain data of the offline engine: recorded resources, the whole record, the engine's
wire encoding, and what fakes see (`FakeContext`) and return (`Ref`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

FAKE_ACCOUNT = "123456789012"

# The engine's wire encoding of secrets and resource references inside a Struct.
SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
MASK = "[secret]"


@dataclass(frozen=True)
class FakeContext:
    """What a fake-output function knows about the resource it answers for."""

    region: str
    account: str
    resource_id: str
    name: str


@dataclass(frozen=True)
class Ref:
    """A child that a remote component creates; a fake may return one among its outputs.

    The engine records it (the real engine sees it too, and so do policy packs)
    and hands the program a resource reference to it.
    """

    type: str
    name: str
    inputs: Mapping[str, Any]


@dataclass
class RecordedResource:
    """One RegisterResource call as the engine would see it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    remote: bool
    id: str | None
    inputs: dict[str, Any]  # engine encoding (camelCase names, secret/resource signatures)
    outputs: dict[str, Any]  # the same encoding; what the fake provider returned
    options: dict[str, Any]

    @property
    def protect(self) -> bool:
        return bool(self.options.get("protect"))

    def plain_inputs(self) -> dict[str, Any]:
        """Inputs with secrets unwrapped (for assertions in tests)."""
        return unwrap(self.inputs)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "remote": self.remote,
            "id": self.id,
            "inputs": mask(self.inputs),
            "options": self.options,
        }


@dataclass
class Record:
    """Everything one offline run registered, in registration order."""

    stack: str
    project: str
    region: str
    resources: list[RecordedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)
    diagnostics: list[tuple[str, str]] = field(default_factory=list)  # (severity, message)
    seconds: float = 0.0

    def by_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> RecordedResource:
        found = self.by_type(type_)
        assert len(found) == 1, f"expected exactly one {type_}, found {len(found)}"
        return found[0]

    def get(self, urn: str) -> RecordedResource:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise KeyError(urn)

    def children_of(self, urn: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.parent == urn]

    def ancestors(self, resource: RecordedResource) -> Iterator[RecordedResource]:
        by_urn = {r.urn: r for r in self.resources}
        current = resource
        while current.parent in by_urn:
            current = by_urn[current.parent]
            yield current

    def masked_outputs(self) -> dict[str, Any]:
        return {k: MASK if k in self.secret_outputs else mask(v) for k, v in self.outputs.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "project": self.project,
            "region": self.region,
            "seconds": round(self.seconds, 3),
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.masked_outputs(),
            "diagnostics": [{"severity": s, "message": m} for s, m in self.diagnostics],
        }


def _is_sig(value: Any, sig: str) -> bool:
    return isinstance(value, dict) and value.get(SIG) == sig


def _convert(
    value: Any,
    secret: Callable[[dict[str, Any]], Any],
    reference: Callable[[dict[str, Any]], Any],
    unknown: Any = None,
) -> Any:
    """Walk a value in the engine's encoding, replacing secrets, references (and unknowns)."""
    if _is_sig(value, SECRET_SIG):
        return secret(value)
    if _is_sig(value, RESOURCE_SIG):
        return reference(value)
    if unknown is not None and value == UNKNOWN:
        return unknown
    if isinstance(value, dict):
        return {k: _convert(v, secret, reference, unknown) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v, secret, reference, unknown) for v in value]
    return value


def _reference_id(reference: dict[str, Any]) -> Any:
    return reference.get("id") or reference.get("urn")


def unwrap(value: Any) -> Any:
    """Engine encoding -> plain values: secrets unwrapped, references to their id or URN."""
    return _convert(value, lambda s: unwrap(s.get("value")), _reference_id)


def mask(value: Any) -> Any:
    """Engine encoding -> display values: secrets masked, references as URNs, unknowns marked."""
    return _convert(value, lambda _: MASK, lambda r: r.get("urn"), "[unknown]")


def _contains_secret(value: Any) -> bool:
    if _is_sig(value, SECRET_SIG):
        return True
    if isinstance(value, dict):
        return any(_contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secret(v) for v in value)
    return False


def _is_object(value: Any) -> bool:
    """A plain object of the encoding (not a secret, a resource reference or an asset)."""
    return isinstance(value, dict) and SIG not in value


def annotate_secrets(outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`outputs` with each value whose input held a secret made secret, as the engine does
    with what a provider returns (`annotateSecrets` in pulumi's provider plugin): objects
    are matched key by key, any other value is secret whole (a list, if any item was)."""
    result = dict(outputs)
    for key, given in inputs.items():
        if key not in result:
            continue
        out = result[key]
        if _is_object(out) and _is_object(given):
            result[key] = annotate_secrets(out, given)
        elif not _is_sig(out, SECRET_SIG) and _contains_secret(given):
            result[key] = {SIG: SECRET_SIG, "value": out}
    return result


def downgrade_references(value: Any) -> Any:
    """Resource references as the engine sends them to analyzers: the referenced resource's
    id (its URN where it has none). Secrets keep their encoding."""
    return _convert(
        value, lambda s: {**s, "value": downgrade_references(s.get("value"))}, _reference_id
    )
