"""The offline engine: runs the real program in-process under Pulumi's mocks.

A `RecordingMonitor` (a subclass of the SDK's `MockMonitor`, passed to
`pulumi.runtime.set_mocks(monitor=...)`) captures every RegisterResource request
whole: type, name, URN, parent, custom/remote, inputs in the engine's encoding,
and the options the engine and policy packs see (protect, retainOnDelete,
deleteBeforeReplace, ignoreChanges, dependencies, propertyDependencies, provider,
aliases, additionalSecretOutputs...). `MockResourceArgs` alone lacks these.

Outputs come from the fakes in `gam_offline.fakes`; remote components (such as
`eks:index:Cluster`, whose children live in a provider plugin and are invisible
under mocks) get their outputs, and the children the engine would see, there too.
The same engine serves the preview command and the tests.

The program is the one of the project at hand (the nearest `Pulumi.yaml` above the
working directory, as `pulumi` finds it): its packages are imported from that
project's folder, never from wherever this tool was installed from.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import runpy
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from gam_offline import fakes
from gam_offline.fakes.registry import component_outputs
from gam_offline.records import (
    FAKE_ACCOUNT,
    RESOURCE_SIG,
    SIG,
    UNKNOWN,
    Record,
    RecordedResource,
    Ref,
    downgrade_references,
)

SECRET_PLACEHOLDER = "offline-secret-placeholder"
PROJECT_FILE = "Pulumi.yaml"


class ProjectNotFound(FileNotFoundError):
    """No `Pulumi.yaml` in the folder or above it."""


def find_project(start: Path | None = None) -> Path:
    """The folder of the nearest `Pulumi.yaml` at or above `start` (default: the working
    directory), as the `pulumi` command finds its project."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise ProjectNotFound(f"no {PROJECT_FILE} in {here} or any folder above it")


def project_name(root: Path) -> str:
    return str(yaml.safe_load((root / PROJECT_FILE).read_text()).get("name"))


def use_project(root: Path) -> None:
    """Make the project's own packages the ones `import` finds: its folder goes first on
    `sys.path`, and packages of the same names imported from elsewhere (another checkout,
    or the copy this tool was installed with) are forgotten. This tool's own package is
    left alone."""
    root = root.resolve()
    if str(root) in sys.path:
        sys.path.remove(str(root))
    sys.path.insert(0, str(root))
    mine = __name__.split(".")[0]
    packages = {p.parent.name for p in root.glob("*/__init__.py")} - {mine}
    for module_name, module in list(sys.modules.items()):
        if module_name.split(".")[0] not in packages:
            continue
        where = getattr(module, "__file__", None) or ""
        if where and not Path(where).resolve().is_relative_to(root):
            del sys.modules[module_name]


# --- the fake provider as pulumi Mocks ------------------------------------------


class FakeProvider(pulumi.runtime.Mocks):
    def __init__(self, region: str, account: str = FAKE_ACCOUNT) -> None:
        self.region = region
        self.account = account
        self.monitor: RecordingMonitor | None = None

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", dict(args.inputs)
        if not args.custom:
            outputs = component_outputs(args.typ, args.name, args.inputs, self.region, self.account)
            return None, {} if outputs is None else self._materialize(outputs)
        return fakes.resource_outputs(args.typ, args.name, args.inputs, self.region, self.account)

    def _materialize(self, value: Any) -> Any:
        """Turn Refs in a remote component's outputs into recorded children and references."""
        if isinstance(value, Ref):
            assert self.monitor is not None
            return self.monitor.register_synthetic(value, self)
        if isinstance(value, dict):
            return {k: self._materialize(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._materialize(v) for v in value]
        return value

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        answer = fakes.INVOKES.get(args.token)
        if answer is None:
            raise fakes.UnansweredInvoke(args.token)
        return answer(args.args, self.region, self.account), []


# --- the recording monitor ---------------------------------------------------------


def _struct_to_dict(struct: Any) -> dict[str, Any]:
    return json_format.MessageToDict(struct, preserving_proto_field_name=True)


def _aliases(request: Any) -> list[Any]:
    out: list[Any] = list(request.aliasURNs)
    for alias in request.aliases:
        out.append(alias.urn or json_format.MessageToDict(alias.spec))
    return out


def _options(request: Any) -> dict[str, Any]:
    return {
        "protect": bool(request.protect),
        "retainOnDelete": bool(request.retainOnDelete),
        "deleteBeforeReplace": bool(request.deleteBeforeReplace)
        if request.deleteBeforeReplaceDefined
        else None,
        "ignoreChanges": list(request.ignoreChanges),
        "replaceOnChanges": list(request.replaceOnChanges),
        "dependencies": list(request.dependencies),
        "propertyDependencies": {
            key: list(deps.urns) for key, deps in request.propertyDependencies.items()
        },
        "provider": request.provider or None,
        "aliases": _aliases(request),
        "additionalSecretOutputs": list(request.additionalSecretOutputs),
        "deletedWith": request.deletedWith or None,
        "customTimeouts": _struct_to_dict(request.customTimeouts)
        if request.HasField("customTimeouts")
        else None,
        "version": request.version or None,
    }


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps every registration whole, in order."""

    def __init__(self, mocks: FakeProvider) -> None:
        super().__init__(mocks)
        mocks.monitor = self
        self.recorded: list[RecordedResource] = []
        self.registered_outputs: dict[str, dict[str, Any]] = {}  # by URN, as registered
        self.stack_urn: str | None = None
        self.current_urn = ""

    def RegisterResource(self, request: Any) -> Any:
        self.current_urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = self.current_urn
            return super().RegisterResource(request)
        position = len(self.recorded)  # synthetic children of a remote component go after it
        inputs = _struct_to_dict(request.object)
        response = super().RegisterResource(_with_ids_for_references(request, inputs))
        self.recorded.insert(
            position,
            RecordedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                remote=bool(request.remote),
                id=response.id or None,
                inputs=inputs,
                outputs=_struct_to_dict(response.object),
                options=_options(request),
            ),
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """A component's outputs are what it registers, nothing else (the engine's state
        of a component starts with no outputs and takes these whole)."""
        outputs = _struct_to_dict(request.outputs)
        self.registered_outputs[request.urn] = outputs
        for resource in self.recorded:
            if resource.urn == request.urn and not resource.custom:
                resource.outputs = outputs
        return super().RegisterResourceOutputs(request)

    def register_synthetic(self, ref: Ref, mocks: FakeProvider) -> dict[str, Any]:
        """Record a remote component's child and return the engine's reference to it.

        A child named in another child's inputs (a `Ref` there) is recorded first; the
        input gets its id, and the property a dependency on it, as in the engine."""
        parent_urn = self.current_urn
        dependencies: dict[str, list[str]] = {}

        def resolve(value: Any, key: str) -> Any:
            if isinstance(value, Ref):
                reference = self.register_synthetic(value, mocks)
                dependencies.setdefault(key, []).append(reference["urn"])
                return reference["id"]
            if isinstance(value, dict):
                return {k: resolve(v, key) for k, v in value.items()}
            if isinstance(value, list):
                return [resolve(v, key) for v in value]
            return value

        inputs = {key: resolve(value, key) for key, value in ref.inputs.items()}
        resource_id, state = fakes.resource_outputs(
            ref.type, ref.name, inputs, mocks.region, mocks.account
        )
        urn = self.make_urn(parent_urn, ref.type, ref.name)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, resource_id, state)
        self.recorded.append(
            RecordedResource(
                urn=urn,
                type=ref.type,
                name=ref.name,
                parent=parent_urn,
                custom=True,
                remote=False,
                id=resource_id,
                inputs=json.loads(json.dumps(inputs)),
                outputs=json.loads(json.dumps(state)),
                options={
                    **_EMPTY_OPTIONS,
                    "dependencies": sorted({u for urns in dependencies.values() for u in urns}),
                    "propertyDependencies": dependencies,
                    "synthetic": True,
                },
            )
        )
        return {SIG: RESOURCE_SIG, "urn": urn, "id": resource_id, "packageVersion": ""}


_EMPTY_OPTIONS: dict[str, Any] = _options(resource_pb2.RegisterResourceRequest())


def _with_ids_for_references(request: Any, inputs: dict[str, Any]) -> Any:
    """The request the fakes answer: resource references among its inputs replaced by the
    referenced resource's id (a component's URN), as a provider gets them. The mock
    monitor would otherwise rebuild the referenced resource in its own thread, which
    for a component (`cluster=` of an eks.ManagedNodeGroup) waits forever on a lookup
    in another event loop."""
    downgraded = downgrade_references(inputs)
    if downgraded == inputs:
        return request
    forwarded = resource_pb2.RegisterResourceRequest()
    forwarded.CopyFrom(request)
    forwarded.object.Clear()
    forwarded.object.update(downgraded)
    return forwarded


# --- config ----------------------------------------------------------------------


def _flatten_secure(value: Any) -> tuple[Any, bool]:
    """Replace `secure:` values by placeholders; report whether any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], secret = _flatten_secure(v)
            found = found or secret
        return out, found
    if isinstance(value, list):
        pairs = [_flatten_secure(v) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def stack_config(stack: str, root: Path) -> tuple[dict[str, Any], set[str]]:
    """The stack file's config as plain values, and the keys that held secrets."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path.name} (known stacks: {known_stacks(root)})")
    document = yaml.safe_load(path.read_text()) or {}
    config: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for key, value in (document.get("config") or {}).items():
        config[key], secret = _flatten_secure(value)
        if secret:
            secret_keys.add(key)
    return config, secret_keys


def known_stacks(root: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def _runtime_value(value: Any) -> str:
    # The engine hands every config value to the program as a string; objects as JSON.
    if isinstance(value, str):
        return value
    return json.dumps(value)


# --- running -------------------------------------------------------------------------


def _resolve_outputs(outputs: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    async def resolve() -> tuple[dict[str, Any], set[str]]:
        values: dict[str, Any] = {}
        secrets: set[str] = set()
        for key, value in outputs.items():
            output = pulumi.Output.from_input(value)
            values[key] = await output.future(with_unknowns=True)
            if await output.is_secret():
                secrets.add(key)
        return values, secrets

    values, secrets = _sync_await(resolve())
    return json.loads(json.dumps(values, default=_json_default)), secrets


def _json_default(value: Any) -> Any:
    if isinstance(value, pulumi.Resource):
        return getattr(value, "_name", repr(value))
    if type(value).__name__ == "Unknown":
        return UNKNOWN
    return repr(value)


@contextmanager
def _event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A loop of the run's own, closed after it, with the loops of its worker threads.

    A failed program can leave tasks (applies, invokes) that must not run during the
    next one. The SDK calls the monitor from the loop's executor threads, and the mock
    monitor makes itself a loop in each: those are made here instead, so that they can
    be closed too. A loop left open is finalised at interpreter exit, after its selector
    is gone ("Exception ignored in BaseEventLoop.__del__").
    """
    loop = asyncio.new_event_loop()
    thread_loops: list[asyncio.AbstractEventLoop] = []

    def give_the_thread_a_loop() -> None:
        thread_loops.append(asyncio.new_event_loop())
        asyncio.set_event_loop(thread_loops[-1])

    loop.set_default_executor(ThreadPoolExecutor(initializer=give_the_thread_a_loop))
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())  # joins the threads
        asyncio.set_event_loop(None)
        for each in (*thread_loops, loop):
            each.close()


class _Diagnostics(logging.Handler):
    """Collects what the program logs to the engine (pulumi.log, SDK deprecation notes)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append((record.levelname.lower(), record.getMessage()))


def run_program(
    program: Callable[[], Any],
    *,
    stack: str = "dev",
    project: str = "gam-platform",
    region: str = "us-east-1",
    config: Mapping[str, Any] | None = None,
    secret_keys: set[str] | None = None,
    source: Path | None = None,
) -> Record:
    """Run `program` under the recording mocks and return everything it registered.

    `config` holds full keys (`gam:network`, `aws:region`) with plain values; it
    replaces any config of an earlier run. `source`: the program's folder; Python
    warnings raised from code there are reported as diagnostics. Exceptions from the
    program propagate.
    """
    started = time.perf_counter()
    full_config = {"aws:region": region, **(config or {})}
    pulumi.runtime.set_all_config(
        {k: _runtime_value(v) for k, v in full_config.items()}, sorted(secret_keys or ())
    )
    provider = FakeProvider(str(full_config["aws:region"]))
    monitor = RecordingMonitor(provider)
    diagnostics = _Diagnostics()
    logger = logging.getLogger(f"gam.engine.{stack}")
    logger.propagate = False
    logger.handlers = [diagnostics]
    logger.setLevel(logging.DEBUG)
    # A fresh run: no root stack, no RPCs or failures left over from an earlier one.
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.settings.SETTINGS.rpc_manager.clear()
    pulumi.runtime.settings.SETTINGS.outputs.clear()
    with _event_loop(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pulumi_mocks.set_mocks(
            provider, project=project, stack=stack, preview=True, monitor=monitor, logger=logger
        )
        root = pulumi.runtime.settings.get_root_resource()
        _sync_await(run_pulumi_func(program))
        outputs, secrets = _resolve_outputs(getattr(root, "outputs", {}) or {})
    # Python warnings count when raised in the program's code; the SDKs' own import-time
    # notes do not, and their notes about how we use them also reach the engine log above.
    diagnostics.messages.extend(
        ("warning", f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})")
        for w in caught
        if source is not None and _is_within(w.filename, source)
    )
    return Record(
        stack=stack,
        project=project,
        region=provider.region,
        resources=monitor.recorded,
        outputs=outputs,
        secret_outputs=secrets,
        diagnostics=[m for m in diagnostics.messages if m[0] != "debug"],
        seconds=time.perf_counter() - started,
    )


def _is_within(filename: str, folder: Path) -> bool:
    path = Path(filename).resolve()
    return path.is_relative_to(folder.resolve()) and ".venv" not in path.parts


def main_program(root: Path) -> Callable[[], None]:
    """The program `Pulumi.yaml`'s `main` names, as a callable, importing its packages
    from `root`."""
    project = yaml.safe_load((root / PROJECT_FILE).read_text())
    main = root / (project.get("main") or ".")
    entry = main / "__main__.py" if main.is_dir() else main

    def program() -> None:
        use_project(root)
        runpy.run_path(str(entry), run_name="__main__")

    return program


def run_stack(stack: str, root: Path) -> Record:
    """Run the project's program with its `Pulumi.<stack>.yaml`, secrets as placeholders."""
    config, secret_keys = stack_config(stack, root)
    region = str(config.get("aws:region") or os.environ.get("AWS_REGION") or "us-east-1")
    return run_program(
        main_program(root),
        stack=stack,
        project=project_name(root),
        region=region,
        config=config,
        secret_keys=secret_keys,
        source=root,
    )
