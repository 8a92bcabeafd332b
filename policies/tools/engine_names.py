"""The engine names of the installed SDKs' resource types, and the walk that checks every
property path the pack's rules declare against them.

A generated resource class `X` of pulumi_aws / pulumi_eks takes its inputs as `XArgs`
(`@pulumi.input_type`) and exposes its outputs as its own properties; both carry
`@pulumi.getter(name="engineName")`, and so do the nested types (`@pulumi.input_type`
`...Args` under `_inputs`, `@pulumi.output_type` under `outputs`). pulumi's helpers
(`pulumi._types.input_type_types`, `output_type_types`, `resource_types`) read them as
{engine name: type}, which is what this walks. Only the modules asked for are imported
(every type of pulumi_aws: about ten seconds).

A resource rule reads what `Analyze` sends, the inputs after the provider's Check; a stack
rule reads what `AnalyzeStack` sends, the outputs. The engine adds two names to what the
classes declare:
- `id` among a provider resource's outputs (the bridged provider's state carries it; a
  component has none);
- `tagsAll` among the checked inputs of pulumi-aws types that have a `tagsAll` output
  (its Check fills it from `tags` and the provider's `defaultTags`: provider/tags.go).

Usage: .venv/bin/python policies/tools/engine_names.py   (the walk over the whole pack)
"""

from __future__ import annotations

import collections.abc as abc
import difflib
import functools
import importlib
import json
import re
import sys
import typing
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi import _types

POLICIES = Path(__file__).resolve().parent.parent
PACKAGES = ("pulumi_aws", "pulumi_eks")
INPUTS, OUTPUTS = "inputs", "outputs"
EACH = "[]"
_REGISTERED = re.compile(r'resource_modules="""(.*?)"""', re.S)


# --- the SDKs --------------------------------------------------------------------------


@functools.cache
def registry() -> dict[str, tuple[str, str]]:
    """Every resource type token of the SDKs -> (module, class name), as each package
    registers them (`_utilities.register(resource_modules=...)` in its `__init__`)."""
    found: dict[str, tuple[str, str]] = {}
    for package in PACKAGES:
        init = importlib.import_module(package).__file__
        assert init is not None
        match = _REGISTERED.search(Path(init).read_text(encoding="utf-8"))
        if match is None:
            raise SystemExit(f"{package} registers no resource modules")
        for module in json.loads(match.group(1)):
            for token, name in module["classes"].items():
                found[token] = (module["fqn"], name)
    return found


@functools.cache
def resource_class(token: str) -> type | None:
    entry = registry().get(token)
    if entry is None:
        return None
    module, name = entry
    with warnings.catch_warnings():  # deprecated types warn when their module loads
        warnings.simplefilter("ignore", DeprecationWarning)
        cls: type = getattr(importlib.import_module(module), name)
    return cls


def args_class(token: str) -> type:
    """The inputs of resource class `X`: the `@pulumi.input_type` its module exports beside
    it, `XArgs` (or `XInitArgs` where a nested type already took that name)."""
    cls = resource_class(token)
    assert cls is not None, token
    module = sys.modules[cls.__module__]
    found = [
        getattr(module, name)
        for name in (f"{cls.__name__}InitArgs", f"{cls.__name__}Args")
        if name in getattr(module, "__all__", ())
    ]
    if not found or not _types.is_input_type(found[0]):
        raise LookupError(f"{token}: its module exports no @pulumi.input_type for its inputs")
    args: type = found[0]
    return args


def is_component(token: str) -> bool:
    cls = resource_class(token)
    return cls is not None and issubclass(cls, pulumi.ComponentResource)


@functools.cache
def names(token: str, side: str) -> dict[str, Any]:
    """{engine name: type} of a resource type's inputs or outputs, as the engine sends them."""
    cls = resource_class(token)
    assert cls is not None, token
    if side == INPUTS:
        found = dict(_types.input_type_types(args_class(token)))
        if token.startswith("aws:") and "tagsAll" in names(token, OUTPUTS):
            found.setdefault("tagsAll", names(token, OUTPUTS)["tagsAll"])
        return found
    found = dict(_types.resource_types(cls))
    if issubclass(cls, pulumi.CustomResource):
        found.setdefault("id", str)
    return found


# --- types ------------------------------------------------------------------------------


def unwrap(hint: Any) -> Any:
    """T from Input[T], Output[T], Optional[T] and their nestings."""
    while True:
        unwrapped = _types.unwrap_type(hint)
        if unwrapped is hint:
            return hint
        hint = unwrapped


def _origin(hint: Any) -> Any:
    return typing.get_origin(hint)


def is_list(hint: Any) -> bool:
    return _origin(hint) in (list, abc.Sequence, typing.Sequence)


def is_map(hint: Any) -> bool:
    return _origin(hint) in (dict, abc.Mapping, typing.Mapping)


def members(hint: Any) -> dict[str, Any] | None:
    """{engine name: type} of a nested input or output type; None for anything else."""
    if isinstance(hint, type) and _types.is_input_type(hint):
        return dict(_types.input_type_types(hint))
    if isinstance(hint, type) and _types.is_output_type(hint):
        return dict(_types.output_type_types(hint))
    return None


def _kind(hint: Any) -> str:
    if is_list(hint):
        return "a list"
    if is_map(hint):
        return "a map (its keys are data, not property names)"
    if isinstance(hint, type) and issubclass(hint, pulumi.Resource):
        return f"a reference to a {hint.__name__} resource (its id, to a policy)"
    return f"a {getattr(hint, '__name__', hint)}"


def _steps(path: str) -> list[str]:
    steps: list[str] = []
    for part in path.split("."):
        name = part.removesuffix(EACH)
        steps += [name, EACH] if part.endswith(EACH) else [name]
    return steps


def problem(token: str, path: str, side: str) -> str | None:
    """Why `path` is not something the engine sends for `token` on `side`; None if it is."""
    if resource_class(token) is None:
        return f"{token} is not a resource type of {', '.join(PACKAGES)}"
    props: dict[str, Any] | None = names(token, side)
    hint: Any = None
    where = ""
    for step in _steps(path):
        if step == EACH:
            if not is_list(hint):
                return f"`{where}` is {_kind(hint)}, not a list: `[]` cannot step into it"
            hint, where = unwrap(typing.get_args(hint)[0]), f"{where}[]"
            props = members(hint)
            continue
        if props is None:
            if is_list(hint):
                return f"`{where}` is a list: step into its items with `{where}[]`"
            return f"`{where}` is {_kind(hint)}: it has no property `{step}`"
        if step not in props:
            close = difflib.get_close_matches(step, props, n=1)
            hint_text = f" (did you mean `{close[0]}`?)" if close else ""
            shown = f"{where}.{step}" if where else step
            return f"`{shown}` is not among the {side} of {token}{hint_text}"
        hint = unwrap(props[step])
        where = f"{where}.{step}" if where else step
        props = members(hint)
    return None


# --- the walk over the pack's rules ---------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """One property path a rule declares it reads, and the side of the engine it reads."""

    rule: str
    type: str
    path: str
    side: str


def declared(rules: Iterable[Any]) -> Iterator[Declared]:
    """Every (type, path) each rule declares in `reads`: resource rules read inputs, stack
    rules outputs."""
    for rule in rules:
        side = OUTPUTS if rule.is_stack_rule else INPUTS
        for type_, paths in rule.reads.items():
            for path in paths:
                yield Declared(rule.name, type_, path, side)


def walk(rules: Iterable[Any]) -> tuple[int, list[str]]:
    """(distinct (type, path, side) checked, one line per problem, naming rule/type/path)."""
    problems: list[str] = []
    checked: set[tuple[str, str, str]] = set()
    for entry in declared(rules):
        key = (entry.type, entry.path, entry.side)
        found = problem(*key)
        checked.add(key)
        if found:
            problems.append(f"{entry.rule}: {entry.type} `{entry.path}` ({entry.side}): {found}")
    return len(checked), problems


def main() -> int:
    if str(POLICIES) not in sys.path:
        sys.path.insert(0, str(POLICIES))
    from gam_policies.rules import all_rules

    count, problems = walk(all_rules())
    print("\n".join(problems) or f"{count} (type, path) pairs checked: every one is an engine name")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
