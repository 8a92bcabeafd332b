"""The shape every policy of the pack shares, and its adapter to CrossGuard.

A rule is a small pure check plus its metadata. Checks never talk to the engine:
they take a `Resource` (plain data, engine property names in camelCase) and a
`Context` (the stack's name and the policy's configuration) and yield violation
messages. That keeps every check testable with plain dictionaries, and keeps the
CrossGuard wiring (exemptions, not-applicable, reporting) in one place:
`to_policy` below.

Checks fail closed: a security property that is unset is a violation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from typing import Any, Literal

PACK_NAME = "gam-platform-guardrails"

Severity = Literal["low", "medium", "high", "critical"]
Category = Literal["security", "reliability", "cost", "governance"]

FSBP = "AWS Foundational Security Best Practices"
CIS = "CIS AWS Foundations Benchmark"
CIS_EKS = "CIS Amazon EKS Benchmark"
FSBP_VERSION = "1.0.0"
CIS_VERSION = "3.0.0"
CIS_EKS_VERSION = "1.7.0"

MIN_EXEMPTION_REASON = 10

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
        return {FSBP: FSBP_VERSION, CIS_EKS: CIS_EKS_VERSION}.get(self.framework, CIS_VERSION)

    def __str__(self) -> str:
        short = {FSBP: "FSBP", CIS_EKS: "CIS EKS"}.get(self.framework, "CIS")
        return f"{short} {self.reference}"


def fsbp(reference: str) -> Control:
    return Control(FSBP, reference)


def cis(reference: str) -> Control:
    return Control(CIS, reference)


def cis_eks(reference: str) -> Control:
    return Control(CIS_EKS, reference)


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

    @property
    def is_stack_rule(self) -> bool:
        return self.stack_check is not None

    def defaults(self) -> dict[str, Any]:
        return {key: spec["default"] for key, spec in self.config.items()}

    def applies_to(self, resource_type: str) -> bool:
        return resource_type in self.resource_types

    def run(self, resource: Resource, ctx: Context | None = None) -> list[str]:
        """Run a resource rule with its default config (for tests and docs)."""
        assert self.check is not None, f"{self.name} is a stack rule"
        ctx = ctx or Context(config=self.defaults())
        return list(self.check(resource, ctx))

    def run_stack(
        self, resources: Sequence[Resource], ctx: Context | None = None
    ) -> list[tuple[str, str]]:
        assert self.stack_check is not None, f"{self.name} is a resource rule"
        ctx = ctx or Context(config=self.defaults())
        return list(self.stack_check(resources, ctx))


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
    id, name or ARN match decides, for values that were passed as plain strings.
    """
    recorded = resource.property_dependencies.get(prop, ())
    if recorded:
        return target.urn in recorded
    value = resource.get(prop)
    values = list(value) if is_sequence(value) else [value]
    handles = {target.get("id"), target.get("arn"), target.get("bucket"), target.name} - {None}
    return any(v in handles for v in values if isinstance(v, str))
