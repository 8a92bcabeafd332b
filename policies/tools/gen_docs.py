"""Regenerate `docs/policies.md` from the policies' own metadata and the per-stack config.

Everything shown comes from the code (`all_rules()`: names, descriptions, remediation,
severities, categories, controls, resource types, config schemas) and from
`policies/config/<stack>.json`. A policy's level in a stack is resolved as the engine
does: the config file's entry (`"advisory"`, or an object's `enforcementLevel`), else
the policy's own level, which is mandatory for every policy of this pack.

Needs only the standard library and the pack's own code (`gam_policies`, put on
sys.path from `policies/`).

Usage: python policies/tools/gen_docs.py [--check]
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

POLICIES = Path(__file__).resolve().parent.parent
ROOT = POLICIES.parent
OUTPUT = ROOT / "docs" / "policies.md"
CONFIG_DIR = POLICIES / "config"
STACKS = ("dev", "staging", "prod")
DEFAULT_LEVEL = "mandatory"  # every policy's own level (gam_policies.pack.to_policy)
COMMAND = "python policies/tools/gen_docs.py"
MAX_LISTED_TYPES = 20

if str(POLICIES) not in sys.path:
    sys.path.insert(0, str(POLICIES))

from gam_policies.framework import (  # noqa: E402
    CIS,
    CIS_VERSION,
    FSBP,
    FSBP_VERSION,
    MIN_EXEMPTION_REASON,
    PACK_NAME,
    Rule,
)
from gam_policies.rules import DOMAINS, all_rules  # noqa: E402
from gam_policies.rules.tags import SHAPE_READS, TAG_SHAPES, TAGGABLE_TYPES  # noqa: E402

# --- config, as the engine resolves it ------------------------------------------------


def load_configs(config_dir: Path = CONFIG_DIR) -> dict[str, dict[str, Any]]:
    """Each stack's `--policy-pack-config` file ({} where the stack has none)."""
    configs: dict[str, dict[str, Any]] = {}
    for stack in STACKS:
        path = config_dir / f"{stack}.json"
        configs[stack] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return configs


def level(entry: Any) -> str:
    """The enforcement level a config entry gives its policy (absent: the policy's own)."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        return str(entry.get("enforcementLevel", DEFAULT_LEVEL))
    return DEFAULT_LEVEL


def overrides(entry: Any) -> dict[str, Any]:
    """The configuration properties a config entry sets (everything but the level)."""
    if not isinstance(entry, Mapping):
        return {}
    return {k: v for k, v in entry.items() if k != "enforcementLevel"}


def levels(rule: Rule, configs: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    return {stack: level(configs[stack].get(rule.name)) for stack in STACKS}


# --- rendering ----------------------------------------------------------------------------


def _code(value: Any) -> str:
    return f"`{json.dumps(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _paragraphs(docstring: str | None) -> list[str]:
    """A docstring's paragraphs, each on one line."""
    text = inspect.cleandoc(docstring or "")
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def _controls(rule: Rule) -> str:
    return ", ".join(str(c) for c in rule.controls)


def _checks(rule: Rule) -> str:
    if rule.is_stack_rule:
        return "stack policy (all resources of the stack together)"
    types = sorted(rule.resource_types)
    if set(types) == set(TAGGABLE_TYPES):
        return (
            f"every resource type that carries tags of its own ({len(types)} types, listed by "
            "the shape of their tags in `policies/gam_policies/taggable_types.json`)"
        )
    if len(types) > MAX_LISTED_TYPES:
        return f"{len(types)} resource types: " + ", ".join(f"`{t}`" for t in types)
    return ", ".join(f"`{t}`" for t in types)


def _reads(rule: Rule) -> str:
    """What the policy reads: per type, its declared property paths (`Rule.reads`); the
    tag policies' thousand-odd types by the shape of their tags."""
    side = "outputs" if rule.is_stack_rule else "inputs"
    reads = dict(rule.reads)
    shown: list[str] = []
    if set(reads) == set(TAGGABLE_TYPES):
        for shape, paths in SHAPE_READS.items():
            count = sum(1 for t in reads if TAG_SHAPES[t] == shape)
            listed = ", ".join(f"`{p}`" for p in paths)
            shown.append(f"{listed} of each `{shape}` type ({count})")
        reads = {}
    for type_ in sorted(reads):
        paths = ", ".join(f"`{p}`" for p in reads[type_]) or "no property"
        shown.append(f"`{type_}`: {paths}")
    return f"{side}: " + "; ".join(shown)


def _schema(spec: Mapping[str, Any]) -> str:
    """`integer, 7 to 30` / `array of string` / `integer, at least 1`."""
    kind = str(spec.get("type", "any"))
    if kind == "array" and isinstance(spec.get("items"), Mapping):
        kind += f" of {spec['items'].get('type', 'any')}"
    low, high = spec.get("minimum"), spec.get("maximum")
    if low is not None and high is not None:
        kind += f", {low} to {high}"
    elif low is not None:
        kind += f", at least {low}"
    elif high is not None:
        kind += f", at most {high}"
    return kind


def _config_lines(rule: Rule, configs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if not rule.config:
        return ["- **Configuration**: `exemptions` only."]
    lines = ["- **Configuration** (besides `exemptions`):"]
    for key in sorted(rule.config):
        spec = rule.config[key]
        set_in = [
            f"{stack} {_code(overrides(configs[stack].get(rule.name))[key])}"
            for stack in STACKS
            if key in overrides(configs[stack].get(rule.name))
        ]
        where = f"; set in {', '.join(set_in)}" if set_in else ""
        description = str(spec.get("description", "")).rstrip(".")
        lines.append(
            f"  - `{key}` ({_schema(spec)}): {description}. "
            f"Default {_code(spec.get('default'))}{where}."
        )
    return lines


def _entry(rule: Rule, configs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    by_stack = levels(rule, configs)
    return [
        f"### {rule.name}",
        "",
        f"- **Severity**: {rule.severity}; **category**: {rule.category}",
        f"- **Checks**: {_checks(rule)}",
        f"- **Reads**, of the {_reads(rule)}",
        f"- **Why**: {rule.description}",
        f"- **How to fix**: {rule.remediation}",
        f"- **Controls**: {_controls(rule)}",
        "- **Level**: " + ", ".join(f"{stack} {by_stack[stack]}" for stack in STACKS),
        *_config_lines(rule, configs),
        "",
    ]


def _intro(rules: list[Rule]) -> list[str]:
    stack_rules = sum(1 for r in rules if r.is_stack_rule)
    example = {
        "rds-multi-az": {
            "enforcementLevel": "mandatory",
            "exemptions": [
                {
                    "resource": "reporting-db",
                    "reason": "read-only reporting copy, rebuilt from snapshots on loss",
                }
            ],
        }
    }
    return [
        "# Policies",
        "",
        f"<!-- Generated by `{COMMAND}` from the rules in policies/gam_policies/rules/ and "
        "policies/config/*.json. Do not edit by hand. -->",
        "",
        f"`{PACK_NAME}` (`policies/`) is the CrossGuard policy pack that checks what this "
        "program declares before anything reaches AWS. Its "
        f"{len(rules)} policies ({len(rules) - stack_rules} resource policies, each judging "
        f"one resource, and {stack_rules} stack policies, judging resources together) "
        f"implement controls of the {FSBP} (FSBP, v{FSBP_VERSION}) and the {CIS} (CIS, "
        f"v{CIS_VERSION}). A policy's level in a stack comes from "
        '`policies/config/<stack>.json`: the file\'s entry (`"advisory"`, `"disabled"`, or '
        'an object with `"enforcementLevel"` and configuration properties), else '
        f"{DEFAULT_LEVEL}. A mandatory violation fails the preview or update; an advisory "
        "one is reported and lets it go on; a disabled policy is not run. Run it for real, "
        "against the stack's AWS account:",
        "",
        "```sh",
        "pulumi preview --stack dev --policy-pack policies "
        "--policy-pack-config policies/config/dev.json",
        "```",
        "",
        "Offline, with no AWS account, `./dev preview` (or "
        "`.venv/bin/gam-infra preview --stack prod`) runs the same pack over the Analyzer "
        "protocol with the same config files.",
        "",
        "**What a policy sees.** A resource policy judges one resource's inputs as `Analyze` "
        "sends them (after the provider's Check: pulumi-aws adds `tagsAll` there); a stack "
        "policy judges every resource's outputs as `AnalyzeStack` sends them, which for a "
        "component are only what it registers. Each policy declares the property paths it "
        "reads (**Reads** below; `[]` steps into a list's items) and cannot read others; "
        "`tests/policies/test_property_paths.py` checks every one against the installed "
        "SDKs' engine names. A component whose registration carries no properties (a remote "
        "component's may not, pulumi/pulumi#10533) is reported *not applicable* by the "
        "policies on its type, never as passing; the resources it creates are judged.",
        "",
        "**Exemptions.** Each policy's configuration takes `exemptions: "
        '[{"resource": <URN or logical name>, "reason": <at least '
        f"{MIN_EXEMPTION_REASON} characters>}}]`. An exempted resource is reported as "
        "not applicable with its reason, so every exemption shows in every report (offline, "
        "in the Pulumi CLI and in Pulumi Cloud). A stack policy is exempted for the resource "
        "its violation names (an S3 rule: the bucket). For example, in a config file:",
        "",
        "```json",
        json.dumps(example, indent=2),
        "```",
        "",
        f"This file is generated: after changing a rule or a config file run `{COMMAND}`; "
        "`tests/policies/test_docs.py` fails while it is stale.",
        "",
    ]


def _summary(rules: list[Rule], configs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = [
        "## Summary",
        "",
        "Levels per stack; each policy's section below says more.",
        "",
        "| Policy | Category | Severity | dev | staging | prod | Controls |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rule in sorted(rules, key=lambda r: r.name):
        by_stack = levels(rule, configs)
        cells = [
            f"[{rule.name}](#{rule.name})",
            rule.category,
            rule.severity,
            *(by_stack[stack] for stack in STACKS),
            _controls(rule),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return [*lines, ""]


def _domains(rules: Iterable[Rule]) -> list[tuple[str, str | None, list[Rule]]]:
    """(domain, module docstring, its rules in their module order), in DOMAINS order."""
    wanted = {r.name for r in rules}
    found: list[tuple[str, str | None, list[Rule]]] = []
    for domain in DOMAINS:
        module = importlib.import_module(f"gam_policies.rules.{domain}")
        found.append((domain, module.__doc__, [r for r in module.RULES if r.name in wanted]))
    return found


def render(
    rules: list[Rule] | None = None, configs: Mapping[str, Mapping[str, Any]] | None = None
) -> str:
    rules = all_rules() if rules is None else rules
    configs = load_configs() if configs is None else configs
    lines = [*_intro(rules), *_summary(rules, configs)]
    for domain, docstring, members in _domains(rules):
        if not members:
            continue
        lines += [f"## {domain}", "", *(p for para in _paragraphs(docstring) for p in (para, ""))]
        for rule in members:
            lines += _entry(rule, configs)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    text = render()
    shown = OUTPUT.relative_to(ROOT)
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{shown} is stale: run `{COMMAND}` and commit the result")
            return 1
        print(f"{shown} is up to date")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {shown} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
