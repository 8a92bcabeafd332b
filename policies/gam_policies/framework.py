"""The shape every policy of the pack shares, and its adapter to CrossGuard.

A rule is a small pure check plus its metadata. Checks never talk to the engine:
they take a `Resource` (plain data, engine property names in camelCase) and a
`Context` (the stack's name and the policy's configuration) and yield violation
messages. That keeps every check testable with plain dictionaries, and keeps the
CrossGuard wiring (exemptions, not-applicable, reporting) in one place:
`to_policy` below.

Checks fail closed: a security property that is unset is a violation.

Every rule declares the property paths it reads, per resource type (`Rule.reads`), and
can read nothing else: its check sees the props through a guard that raises
`UndeclaredRead` on any other path. The declarations are what a test checks against the
installed SDKs' engine names (`tests/policies/test_property_paths.py`).

Components are judged only where they carry properties: a remote component's own
registration may omit its inputs (pulumi/pulumi#10533), so a rule on a component type
reports an empty property set as not applicable, and its children are judged instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

PACK_NAME = "gam-platform-guardrails"

Severity = Literal["low", "medium", "high", "critical"]
Category = Literal["security", "reliability", "cost", "governance"]

FSBP = "AWS Foundational Security Best Practices"
CIS = "CIS AWS Foundations Benchmark"
FSBP_VERSION = "1.0.0"
CIS_VERSION = "3.0.0"

MIN_EXEMPTION_REASON = 10

# The component types the rules judge (ComponentResources, not provider resources): their
# property set may be empty in a real run. A test keeps this in step with the SDKs.
COMPONENT_TYPES = frozenset({"eks:index:Cluster", "eks:index:ManagedNodeGroup"})

# Every policy's configuration accepts exemptions: one resource (by URN or by
# logical name), one reason of at least MIN_EXEMPTION_REASON characters. The
# schema is enforced where the configuration is validated (by the engine, and by
# the offline client exactly as the engine does).
EXEMPTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "default": [],
    "description": "Resources exempted from this policy, each with a written reason.",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["resource", "reason"],
        "properties": {
            "resource": {"type": "string", "minLength": 1},
            "reason": {"type": "string", "minLength": MIN_EXEMPTION_REASON},
        },
    },
}


@dataclass(frozen=True)
class Control:
    """A reference to the control a policy implements, e.g. FSBP S3.4."""

    framework: str
    reference: str

    @property
    def version(self) -> str:
        return FSBP_VERSION if self.framework == FSBP else CIS_VERSION

    def __str__(self) -> str:
        short = "FSBP" if self.framework == FSBP else "CIS"
        return f"{short} {self.reference}"


def fsbp(reference: str) -> Control:
    return Control(FSBP, reference)


def cis(reference: str) -> Control:
    return Control(CIS, reference)


@dataclass(frozen=True)
class Resource:
    """What a check sees of one resource: the engine's view, as plain data."""

    type: str
    props: Mapping[str, Any]
    name: str = "resource"
    urn: str = ""
    protect: bool = False
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, path: str, default: Any = None) -> Any:
        return dig(self.props, path, default)


@dataclass(frozen=True)
class Context:
    """The stack being analyzed and the policy's configuration (defaults applied)."""

    stack: str = "dev"
    config: Mapping[str, Any] = field(default_factory=dict)


ResourceCheck = Callable[[Resource, Context], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], Context], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """One policy: a pure check and the metadata the report and docs show.

    Exactly one of `check` (with `resource_types`) or `stack_check` is set.
    `config` holds JSON-schema properties, each with a default of the right type.
    `reads` declares, per resource type, the property paths the check reads (engine
    names; `[]` steps into each item of a list: `ingress[].cidrBlocks`). A path gives its
    whole value (a map of tags, a policy document); its prefixes may only be walked
    through. A resource rule declares each of its `resource_types` (inputs, as `Analyze`
    sends them); a stack rule declares the types it reads (outputs, as `AnalyzeStack`
    sends them).
    """

    name: str
    description: str
    severity: Severity
    remediation: str
    controls: tuple[Control, ...]
    category: Category = "security"
    resource_types: tuple[str, ...] = ()
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if (self.check is None) == (self.stack_check is None):
            problems.append("set exactly one of `check` and `stack_check`")
        if self.check is not None and set(self.reads) != set(self.resource_types):
            problems.append(
                "`reads` must declare each of `resource_types` and nothing else: "
                f"undeclared {sorted(set(self.resource_types) - set(self.reads))}, "
                f"extra {sorted(set(self.reads) - set(self.resource_types))}"
            )
        if not any(self.reads.values()):
            problems.append("`reads` declares no property path")
        bad = [f"{t}: {p!r}" for t, paths in self.reads.items() for p in paths if not _valid(p)]
        if bad:
            problems.append(f"malformed paths {bad}")
        if problems:
            raise ValueError(f"rule {self.name}: " + "; ".join(problems))

    @property
    def is_stack_rule(self) -> bool:
        return self.stack_check is not None

    @cached_property
    def _tries(self) -> dict[str, _Node]:
        return {type_: _Node.of(paths) for type_, paths in self.reads.items()}

    def guarded(self, resource: Resource) -> Resource:
        """`resource` with props that yield only what the rule declares for its type."""
        node = self._tries.get(resource.type) or _Node.of(())
        return replace(resource, props=_Guarded(resource.props, node, resource.type, ""))

    def not_applicable(self, resource: Resource) -> str | None:
        """Why the rule does not judge `resource`: a component registered without properties."""
        if resource.type in COMPONENT_TYPES and not resource.props:
            return (
                f"{self.name} not applicable to {resource.urn or resource.name}: the component "
                f"{resource.type} was registered without properties (a remote component's "
                "registration may omit its inputs); the resources it creates are judged instead."
            )
        return None

    def defaults(self) -> dict[str, Any]:
        return {key: spec["default"] for key, spec in self.config.items()}

    def applies_to(self, resource_type: str) -> bool:
        return resource_type in self.resource_types

    def run(self, resource: Resource, ctx: Context | None = None) -> list[str]:
        """The violations of one resource (default config unless `ctx`); none where the
        rule is not applicable (see `not_applicable`)."""
        assert self.check is not None, f"{self.name} is a stack rule"
        if self.not_applicable(resource):
            return []
        ctx = ctx or Context(config=self.defaults())
        return list(self.check(self.guarded(resource), ctx))

    def run_stack(
        self, resources: Sequence[Resource], ctx: Context | None = None
    ) -> list[tuple[str, str]]:
        """(URN, message) for each violation in the stack (default config unless `ctx`)."""
        assert self.stack_check is not None, f"{self.name} is a resource rule"
        ctx = ctx or Context(config=self.defaults())
        return list(self.stack_check([self.guarded(r) for r in resources], ctx))


# --- declared reads ----------------------------------------------------------------


class UndeclaredRead(Exception):
    """A check read a property path its rule does not declare in `reads`. Not a KeyError:
    `Mapping.get` and `in` would swallow that."""


EACH = "[]"


def _steps(path: str) -> list[str]:
    """`ingress[].cidrBlocks` -> ["ingress", "[]", "cidrBlocks"]."""
    steps: list[str] = []
    for part in path.split("."):
        name = part.removesuffix(EACH)
        steps += [name, EACH] if part.endswith(EACH) else [name]
    return steps


def _valid(path: str) -> bool:
    return bool(path) and all(
        part and part.removesuffix(EACH).isidentifier() for part in path.split(".")
    )


@dataclass
class _Node:
    """One step of the declared paths: its readable children (`[]`: each list item)."""

    children: dict[str, _Node] = field(default_factory=dict)

    @classmethod
    def of(cls, paths: Iterable[str]) -> _Node:
        root = cls()
        for path in paths:
            node = root
            for step in _steps(path):
                node = node.children.setdefault(step, cls())
        return root


def _shown(where: str, step: str) -> str:
    if step == EACH:
        return f"{where}[]"
    return f"{where}.{step}" if where else step


def _wrap(value: Any, node: _Node, type_: str, where: str) -> Any:
    """A declared path's whole value where nothing beneath it is declared, else a guard.
    A single object where a list is declared is read as its one item (as `as_list` does)."""
    if not node.children:
        return value
    if isinstance(value, Mapping):
        if set(node.children) == {EACH}:
            return _wrap(value, node.children[EACH], type_, f"{where}[]")
        return _Guarded(value, node, type_, where)
    if is_sequence(value):
        return _GuardedList(value, node, type_, where)
    return value


class _Guarded(Mapping[str, Any]):
    """A read-only view of a mapping that yields only the declared keys (and raises
    `UndeclaredRead` for any other); iteration and length cover the declared keys present."""

    __slots__ = ("_data", "_node", "_type", "_where")

    def __init__(self, data: Mapping[str, Any], node: _Node, type_: str, where: str) -> None:
        self._data, self._node, self._type, self._where = data, node, type_, where

    def _child(self, key: str) -> _Node:
        child = self._node.children.get(key) if key != EACH else None
        if child is None:
            raise UndeclaredRead(
                f"`{_shown(self._where, key)}` of {self._type} is read but not declared "
                "in the rule's `reads`"
            )
        return child

    def __getitem__(self, key: str) -> Any:
        child = self._child(key)
        return _wrap(self._data[key], child, self._type, _shown(self._where, key))

    def get(self, key: str, default: Any = None) -> Any:
        child = self._child(key)
        if key not in self._data:
            return default
        return _wrap(self._data[key], child, self._type, _shown(self._where, key))

    def __contains__(self, key: object) -> bool:
        self._child(str(key))
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._node.children if key in self._data)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"<declared view of {self._type} {self._where or 'props'}>"


class _GuardedList(Sequence[Any]):
    """A read-only view of a list whose items are guarded by the `[]` step's declarations."""

    __slots__ = ("_data", "_node", "_type", "_where")

    def __init__(self, data: Sequence[Any], node: _Node, type_: str, where: str) -> None:
        self._data, self._node, self._type, self._where = data, node, type_, where

    def _item(self, value: Any) -> Any:
        child = self._node.children.get(EACH)
        if child is None:
            raise UndeclaredRead(
                f"`{_shown(self._where, EACH)}` of {self._type} is read but not declared "
                "in the rule's `reads` (a list's items are declared with `[]`)"
            )
        return _wrap(value, child, self._type, _shown(self._where, EACH))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._item(v) for v in self._data[index]]
        return self._item(self._data[index])

    def __iter__(self) -> Iterator[Any]:
        return (self._item(v) for v in self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"<declared view of {self._type} {self._where}>"


def on(types: Iterable[str], *paths: str) -> dict[str, tuple[str, ...]]:
    """`reads` for several types that a rule reads alike: `on(DATABASES, "kmsKeyId")`."""
    return dict.fromkeys(types, paths)


# --- helpers shared by the checks ------------------------------------------------


def is_sequence(value: Any) -> bool:
    """Lists as checks see them: plain lists in tests, read-only proxies from the engine."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def dig(value: Any, path: str, default: Any = None) -> Any:
    """`dig(props, "a.b.0.c")`: walk dicts and lists; `default` where a step is missing."""
    current = value
    for step in path.split("."):
        if isinstance(current, Mapping) and step in current:
            current = current[step]
        elif is_sequence(current) and step.isdigit() and int(step) < len(current):
            current = current[int(step)]
        else:
            return default
        if current is None:
            return default
    return current


def require(resource: Resource, path: str, expected: Any, what: str) -> Iterator[str]:
    """Yield a violation unless `path` equals `expected`; unset counts as a violation."""
    actual = resource.get(path)
    if actual != expected:
        shown = "unset" if actual is None else repr(actual)
        yield f"{what}: `{path}` is {shown}, expected {expected!r}."


def require_set(resource: Resource, path: str, what: str) -> Iterator[str]:
    """Yield a violation unless `path` holds a non-empty value."""
    value = resource.get(path)
    if value is None or (isinstance(value, Sized) and not value):
        yield f"{what}: `{path}` is not set."


def tags_of(resource: Resource) -> Mapping[str, Any]:
    tags = resource.get("tags")
    return tags if isinstance(tags, Mapping) else {}


def exemption_for(rule_name: str, resource: Resource, config: Mapping[str, Any]) -> str | None:
    """The written reason if `resource` is exempted from `rule_name` in `config`."""
    for entry in config.get("exemptions") or ():
        target = entry.get("resource")
        reason = entry.get("reason") or ""
        if target in (resource.urn, resource.name) and len(reason) >= MIN_EXEMPTION_REASON:
            return f"{rule_name} exempted for {resource.urn or resource.name}: {reason}"
    return None


def references(resource: Resource, prop: str, target: Resource) -> bool:
    """True if `resource`'s property `prop` points at `target`.

    The engine sends property dependencies (URNs) even while ids are unknown in a
    preview, so where they were recorded for `prop` they decide alone (the value is
    not read: an unknown value would stop the whole stack rule). Otherwise a literal
    match with the target's `id` or `arn` (which its rule declares) or its logical name
    decides, for values that were passed as plain strings.
    """
    recorded = resource.property_dependencies.get(prop, ())
    if recorded:
        return target.urn in recorded
    value = resource.get(prop)
    values = list(value) if is_sequence(value) else [value]
    handles = {target.get("id"), target.get("arn"), target.name} - {None}
    return any(v in handles for v in values if isinstance(v, str))
