"""The registry of fakes, and what every fake resource gets whatever its type.

Every custom resource gets an id (in the format AWS uses for its kind where the
fake names a prefix, else its name), an ARN in the stack's region and the fake
account, its inputs echoed back, `tagsAll`, and an auto-name where the program
left `name` unset (as Pulumi's auto-naming would). The type's own fake adds what
only a provider computes; where AWS builds the id from other values (a secret's ARN,
`<group>:<list>` for a DNS Firewall rule), the fake returns it as `id`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gam_offline.records import FakeContext

PARTITION = "aws"

FakeOutputs = Callable[[dict[str, Any], FakeContext], dict[str, Any]]


@dataclass(frozen=True)
class Fake:
    """How one type is faked: its computed outputs and how its id looks."""

    outputs: FakeOutputs
    id_prefix: str | None = None
    """AWS's id prefix (`vpc` -> `vpc-0a1b...`). None: the id is the `id_input` value."""
    id_input: str = "name"
    """The input that names the resource and is its id when there is no prefix."""
    id_digits: int = 17
    """How many hex digits follow the prefix (17 for EC2 ids, 16 for Route 53 Resolver's)."""


FAKES: dict[str, Fake] = {}


def fake(
    type_: str, *, id_prefix: str | None = None, id_input: str = "name", id_digits: int = 17
) -> Callable[[FakeOutputs], FakeOutputs]:
    """Register the decorated function as the fake of `type_` (one per type)."""

    def register(outputs: FakeOutputs) -> FakeOutputs:
        if type_ in FAKES:
            raise ValueError(f"{type_} already has a fake ({FAKES[type_].outputs.__name__})")
        FAKES[type_] = Fake(outputs, id_prefix, id_input, id_digits)
        return outputs

    return register


# Providers whose resources are not AWS's and have no ARN.
NO_ARN_PACKAGES = ("grafana:", "pagerduty:")
# Services whose ARNs carry no region or no account.
_GLOBAL = {"iam", "cloudfront", "route53", "organizations", "s3", "wafv2-global"}


def digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def auto_name(name: str) -> str:
    """Pulumi auto-naming: the logical name plus a 7-character suffix (deterministic here)."""
    return f"{name}-{digest(name, length=7)}"


def fake_id(type_: str, name: str, inputs: Mapping[str, Any]) -> str:
    entry = FAKES.get(type_)
    if entry is not None and entry.id_prefix:
        return f"{entry.id_prefix}-{digest(type_, name, length=entry.id_digits)}"
    id_input = entry.id_input if entry is not None else "name"
    return str(inputs.get(id_input) or auto_name(name))


def fake_arn(type_: str, resource_id: str, region: str, account: str) -> str:
    """`arn:aws:<service>:<region>:<account>:<kind>/<id>`; a fake overrides it where AWS's
    format for the kind differs."""
    module, _, rest = type_.partition("/")
    service = module.split(":", 1)[1] if ":" in module else module
    kind = rest.split(":", 1)[0].lower()
    scope_region = "" if service in _GLOBAL else region
    return f"arn:{PARTITION}:{service}:{scope_region}:{account}:{kind}/{resource_id}"


def resource_outputs(
    type_: str, name: str, inputs: Mapping[str, Any], region: str, account: str
) -> tuple[str, dict[str, Any]]:
    """(id, state) for one custom resource: its inputs plus computed outputs. A resource
    naming its own `region` (pulumi-aws v7) lives there, not in the provider's."""
    region = str(inputs.get("region") or region)
    resource_id = fake_id(type_, name, inputs)
    entry = FAKES.get(type_)
    state: dict[str, Any] = dict(inputs)
    if not type_.startswith(NO_ARN_PACKAGES):
        state.setdefault("arn", fake_arn(type_, resource_id, region, account))
    if entry is None or not entry.id_prefix:
        state.setdefault(entry.id_input if entry else "name", resource_id)
    tags = inputs.get("tags")
    if isinstance(tags, dict):
        state.setdefault("tagsAll", tags)
    if entry is not None:
        ctx = FakeContext(region=region, account=account, resource_id=resource_id, name=name)
        state.update(entry.outputs(dict(inputs), ctx))
    return str(state.pop("id", resource_id)), state


def component_outputs(
    type_: str, name: str, inputs: Mapping[str, Any], region: str, account: str
) -> dict[str, Any] | None:
    """A remote component's outputs (None: not a component the fakes know)."""
    entry = FAKES.get(type_)
    if entry is None:
        return None
    ctx = FakeContext(region, account, auto_name(name), name)
    return entry.outputs(dict(inputs), ctx)
