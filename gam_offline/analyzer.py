"""Offline policy enforcement: the pack as its own process, over the Analyzer protocol.

This does what the Pulumi engine does with `--policy-pack policies
--policy-pack-config policies/config/<stack>.json`: start the pack
(`python policies/__main__.py`, which prints its gRPC port), read its policies
and config schemas (GetAnalyzerInfo), fill in schema defaults under the stack's
config file and validate it (Configure), describe the stack (ConfigureStack),
call `Analyze` for every recorded resource (inputs as a Struct in the engine's
encoding, options as the engine sends them) and `AnalyzeStack` once with every
resource's outputs (a component: only what it registered), its parent and
dependencies. No policy logic lives on this side.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jsonschema
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from gam_offline.records import (
    Record,
    RecordedResource,
    annotate_secrets,
    downgrade_references,
)

PACK_FOLDER = "policies"  # the project's pack: <project root>/policies
# How the pack words an exemption in a not-applicable reason (gam_policies.framework).
_EXEMPTION = re.compile(r"^(?P<policy>\S+) exempted for (?P<target>\S+): (?P<reason>.+)$")
_LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "disabled": analyzer_pb2.DISABLED,
    "remediate": analyzer_pb2.REMEDIATE,
}
_LEVEL_NAMES = {v: k for k, v in _LEVELS.items()}
_SEVERITY_NAMES = {0: "unspecified", 1: "low", 2: "medium", 3: "high", 4: "critical"}


class PolicyConfigError(ValueError):
    """The stack's policy config does not fit the pack (as the engine would refuse it)."""


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    severity: str
    urn: str
    message: str


@dataclass(frozen=True)
class Exemption:
    policy: str
    urn: str
    reason: str


@dataclass(frozen=True)
class NotApplicable:
    """A policy that did not judge a resource, and why (not a pass: nothing was checked)."""

    policy: str
    urn: str  # "" when a stack policy reports it
    reason: str


@dataclass
class PolicyReport:
    pack: str
    version: str
    policies_evaluated: int
    levels: dict[str, str]
    remediations: dict[str, str] = field(default_factory=dict)  # policy -> how to fix it
    violations: list[Violation] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    seconds: float = 0.0

    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    def to_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "version": self.version,
            "policies_evaluated": self.policies_evaluated,
            "violations": [asdict(v) for v in self.violations],
            "exemptions": [asdict(e) for e in self.exemptions],
            "not_applicable": [asdict(n) for n in self.not_applicable],
            "seconds": round(self.seconds, 3),
        }


# --- the pack process -------------------------------------------------------------


def start_pack(stack: str, project: str, pack_dir: Path) -> subprocess.Popen[str]:
    """Start the pack as the engine does (it boots while the caller goes on)."""
    pack_dir = pack_dir.resolve()  # the pack runs from its own folder
    env = {
        **os.environ,
        "PULUMI_PROJECT": project,
        "PULUMI_STACK": stack,
        "PULUMI_DRY_RUN": "true",
        "PULUMI_ORGANIZATION": "organization",
    }
    return subprocess.Popen(
        [sys.executable, "-u", str(pack_dir / "__main__.py")],
        cwd=pack_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextmanager
def running_pack(
    stack: str,
    project: str,
    pack_dir: Path,
    process: subprocess.Popen[str] | None = None,
) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """Yield a stub connected to the pack (`process`, or one started now); stop it after."""
    process = process or start_pack(stack, project, pack_dir)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.isdigit():
            stderr = process.stderr.read() if process.stderr else ""
            raise RuntimeError(
                f"the policy pack did not start (no port printed): {stderr.strip()[-2000:]}"
            )
        channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(channel).result(timeout=30)
        try:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
        finally:
            channel.close()
    finally:
        process.kill()
        process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


# --- config, as the engine reconciles it -------------------------------------------


def stack_policy_config(stack: str, pack_dir: Path) -> dict[str, Any]:
    path = pack_dir / "config" / f"{stack}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def reconcile_config(
    info: analyzer_pb2.AnalyzerInfo, given: Mapping[str, Any]
) -> dict[str, analyzer_pb2.PolicyConfig]:
    """Per policy: its enforcement level and its properties, schema defaults filled in
    and validated. Unknown policy names and invalid values are errors, as in the engine."""
    policies = {p.name: p for p in info.policies}
    problems = [
        f"{name}: no such policy in pack {info.name}" for name in given if name not in policies
    ]
    result: dict[str, analyzer_pb2.PolicyConfig] = {}
    for name, policy in policies.items():
        entry = given.get(name, {})
        if isinstance(entry, str):
            entry = {"enforcementLevel": entry}
        level = entry.get("enforcementLevel", _LEVEL_NAMES[policy.enforcementLevel])
        if level not in _LEVELS:
            problems.append(f"{name}: enforcement level {level!r} is not one of {sorted(_LEVELS)}")
            continue
        schema_props = _struct_dict(policy.configSchema.properties)
        properties = {k: spec["default"] for k, spec in schema_props.items() if "default" in spec}
        properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
        schema = {
            "type": "object",
            "properties": schema_props,
            "additionalProperties": False,
            "required": list(policy.configSchema.required),
        }
        for error in jsonschema.Draft7Validator(schema).iter_errors(properties):
            where = ".".join(str(p) for p in error.absolute_path) or "(config)"
            problems.append(f"{name}.{where}: {error.message}")
        config = analyzer_pb2.PolicyConfig(enforcementLevel=_LEVELS[level])
        config.properties.update(properties)
        result[name] = config
    if problems:
        raise PolicyConfigError(
            "policy config is invalid:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return result


def _struct_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


# --- requests ------------------------------------------------------------------------


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(downgrade_references(dict(value)))
    return struct


def _options(resource: RecordedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    opts = resource.options
    dbr = opts.get("deleteBeforeReplace")
    options = analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(opts.get("protect")),
        ignoreChanges=opts.get("ignoreChanges") or [],
        deleteBeforeReplace=bool(dbr),
        deleteBeforeReplaceDefined=dbr is not None,
        additionalSecretOutputs=opts.get("additionalSecretOutputs") or [],
        aliases=[a for a in opts.get("aliases") or [] if isinstance(a, str)],
        parent=resource.parent or "",
    )
    timeouts = opts.get("customTimeouts")
    if timeouts:
        options.customTimeouts.create = duration_seconds(timeouts.get("create", ""))
        options.customTimeouts.update = duration_seconds(timeouts.get("update", ""))
        options.customTimeouts.delete = duration_seconds(timeouts.get("delete", ""))
    return options


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_DURATION_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration_seconds(text: str) -> float:
    """A custom timeout as the engine hands it to analyzers: the program's Go duration
    string (`"30m"`, `"1h30m"`) in seconds; empty is 0 (none set)."""
    if not text:
        return 0.0
    parts = _DURATION_PART.findall(text)
    if "".join(n + u for n, u in parts) != text:
        raise ValueError(f"custom timeout {text!r} is not a duration such as 30m or 1h30m")
    return sum(float(n) * _DURATION_UNIT[u] for n, u in parts)


def _provider(
    resource: RecordedResource, by_urn: Mapping[str, RecordedResource]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    ref = resource.options.get("provider")
    provider = by_urn.get(ref.rsplit("::", 1)[0]) if ref else None
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        properties=_struct(provider.inputs),
        urn=provider.urn,
        name=provider.name,
    )


def analyze_request(
    resource: RecordedResource, by_urn: Mapping[str, RecordedResource]
) -> analyzer_pb2.AnalyzeRequest:
    request = analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        properties=_struct(resource.inputs),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource),
    )
    provider = _provider(resource, by_urn)
    if provider is not None:
        request.provider.CopyFrom(provider)
    return request


def stack_properties(resource: RecordedResource) -> dict[str, Any]:
    """What AnalyzeStack carries of a resource: its outputs, as the engine sends them
    (`Properties: v.Outputs`). A provider resource's are its planned state: here the
    fake's outputs, which hold its inputs, with its `id`, and secret wherever the input
    was. A component's are what it registered (`register_outputs`), nothing more."""
    if not resource.custom:
        return dict(resource.outputs)
    planned = annotate_secrets(resource.outputs, resource.inputs)
    return {**planned, "id": resource.id} if resource.id else planned


def stack_resource(
    resource: RecordedResource, by_urn: Mapping[str, RecordedResource]
) -> analyzer_pb2.AnalyzerResource:
    """A resource as AnalyzeStack sees it: its (planned) outputs, parent and dependencies."""
    out = analyzer_pb2.AnalyzerResource(
        type=resource.type,
        properties=_struct(stack_properties(resource)),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource),
        parent=resource.parent or "",
        dependencies=resource.options.get("dependencies") or [],
    )
    for key, urns in (resource.options.get("propertyDependencies") or {}).items():
        out.propertyDependencies[key].urns.extend(urns)
    provider = _provider(resource, by_urn)
    if provider is not None:
        out.provider.CopyFrom(provider)
    return out


# --- the run -----------------------------------------------------------------------------


def _collect(report: PolicyReport, response: analyzer_pb2.AnalyzeResponse, urn: str) -> None:
    for d in response.diagnostics:
        report.violations.append(
            Violation(
                policy=d.policyName,
                level=_LEVEL_NAMES.get(d.enforcementLevel, "advisory"),
                severity=_SEVERITY_NAMES.get(d.severity, "unspecified"),
                urn=d.urn or urn,
                message=d.message,
            )
        )
    for na in response.not_applicable:
        for line in na.reason.splitlines() or [""]:
            match = _EXEMPTION.match(line)
            if match and match["policy"] == na.policy_name:
                report.exemptions.append(
                    Exemption(na.policy_name, match["target"], match["reason"])
                )
            else:
                report.not_applicable.append(NotApplicable(na.policy_name, urn, line))


class PackSession:
    """A configured pack process: analyze resources or whole stacks, as often as needed."""

    def __init__(
        self,
        stub: analyzer_pb2_grpc.AnalyzerStub,
        info: analyzer_pb2.AnalyzerInfo,
        levels: dict[str, str],
        version: str,
    ) -> None:
        self.stub = stub
        self.info = info
        self.levels = levels
        self.version = version

    def new_report(self) -> PolicyReport:
        evaluated = sum(1 for level in self.levels.values() if level != "disabled")
        remediations = {p.name: p.remediation_steps for p in self.info.policies}
        return PolicyReport(
            self.info.name, self.version, evaluated, dict(self.levels), remediations
        )

    def analyze(self, resources: Sequence[RecordedResource], report: PolicyReport) -> None:
        """`Analyze` for each resource (pipelined, as the engine does per step)."""
        by_urn = {r.urn: r for r in resources}
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [
                (r.urn, pool.submit(self.stub.Analyze, analyze_request(r, by_urn)))
                for r in resources
            ]
            for urn, future in futures:
                _collect(report, future.result(), urn)

    def analyze_stack(self, resources: Sequence[RecordedResource], report: PolicyReport) -> None:
        by_urn = {r.urn: r for r in resources}
        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[stack_resource(r, by_urn) for r in resources]
        )
        _collect(report, self.stub.AnalyzeStack(request), "")


def pack_version(pack_dir: Path) -> str:
    """The version the CLI reports: PulumiPolicy.yaml's (Python packs report 0.0.1)."""
    manifest = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text()) or {}
    return str(manifest.get("version") or "0.0.1")


@contextmanager
def session(
    stack: str,
    project: str,
    pack_dir: Path,
    config: Mapping[str, Any] | None = None,
    process: subprocess.Popen[str] | None = None,
) -> Iterator[PackSession]:
    """Start (or take) and configure the pack for one stack, as the engine does. The
    pack lives in its project (`<root>/policies`), whose folder the handshake names."""
    root = pack_dir.resolve().parent
    given = stack_policy_config(stack, pack_dir) if config is None else config
    with running_pack(stack, project, pack_dir, process) as stub:
        try:
            stub.Handshake(
                analyzer_pb2.AnalyzerHandshakeRequest(
                    root_directory=str(root), program_directory=str(root)
                )
            )
        except grpc.RpcError as error:  # older packs do not implement it; the engine goes on too
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        policy_config = reconcile_config(info, given)
        stub.Configure(analyzer_pb2.ConfigureAnalyzerRequest(policyConfig=policy_config))
        stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack, project=project, organization="organization", dry_run=True
            )
        )
        levels = {name: _LEVEL_NAMES[c.enforcementLevel] for name, c in policy_config.items()}
        yield PackSession(stub, info, levels, pack_version(pack_dir))


def evaluate(
    record: Record,
    pack_dir: Path,
    config: Mapping[str, Any] | None = None,
    process: subprocess.Popen[str] | None = None,
) -> PolicyReport:
    """Run the pack over a recorded stack, exactly as the engine would. `process`: a pack
    started earlier with `start_pack` (its boot then overlaps the program's run)."""
    started = time.perf_counter()
    with session(record.stack, record.project, pack_dir, config, process) as pack:
        report = pack.new_report()
        pack.analyze(record.resources, report)
        pack.analyze_stack(record.resources, report)
    report.seconds = time.perf_counter() - started
    return report
