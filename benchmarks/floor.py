"""The floor: the least a Pulumi Python program with N resources can cost under mocks.

    python -m benchmarks.floor --count 80            # plain CustomResources
    python -m benchmarks.floor --count 80 --typed    # real pulumi_aws resources

Runs a bare program under the SDK's stock mocks (`pulumi.runtime.set_mocks` with a
trivial `Mocks` and the stock `MockMonitor`: no monitor argument), registers `count`
resources and waits for them the way `pulumi.runtime.mocks.test` and the engine do
(`run_pulumi_func`). Plain: `pulumi.CustomResource("bench:index:Plain", f"r{i}",
{"value": i})`. Typed: `aws.ec2.Subnet` with two inputs, which adds what the
provider SDK's generated classes cost (their import, their args classes, their
output properties) and so shows the SDK's intrinsic per-resource cost.

As a process it prints one JSON line of its own timers (seconds) to stdout; the
benchmark imports it too, to time the same registration warm (imports paid).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

_started = time.perf_counter()

import pulumi  # noqa: E402  (timed on purpose)
from pulumi.runtime import mocks as pulumi_mocks  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402

IMPORT_PULUMI_SECONDS = time.perf_counter() - _started
PLAIN_TYPE = "bench:index:Plain"


class EchoMocks(pulumi.runtime.Mocks):
    """Outputs are the inputs, the id is the name."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        return args.name, dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list]:
        return dict(args.args), []


def register_plain(count: int) -> None:
    for i in range(count):
        pulumi.CustomResource(PLAIN_TYPE, f"r{i}", {"value": i})


def import_typed() -> Any:
    """`aws.ec2.Subnet`, as the program reaches it: `import pulumi_aws as aws`, then the
    lazy `aws.ec2` module, loaded whole on first use."""
    import pulumi_aws as aws

    return aws.ec2.Subnet


def register_typed(count: int) -> None:
    subnet = import_typed()
    for i in range(count):
        subnet(f"s{i}", vpc_id="vpc-0bench", cidr_block=f"10.{i // 256}.{i % 256}.0/24")


def run(register: Callable[[int], None], count: int) -> None:
    """One program run under the stock mocks, from a fresh root stack to the last RPC."""
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.settings.SETTINGS.rpc_manager.clear()
    pulumi.runtime.settings.SETTINGS.outputs.clear()
    pulumi_mocks.set_mocks(EchoMocks(), project="bench", stack="floor", preview=True)
    _sync_await(run_pulumi_func(lambda: register(count)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.floor", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True, help="how many resources")
    parser.add_argument("--typed", action="store_true", help="aws.ec2.Subnet, not plain")
    args = parser.parse_args(argv)
    figures: dict[str, float] = {"import_pulumi": IMPORT_PULUMI_SECONDS}
    if args.typed:
        started = time.perf_counter()
        import_typed()
        figures["import_provider"] = time.perf_counter() - started
    started = time.perf_counter()
    run(register_typed if args.typed else register_plain, args.count)
    figures["register"] = time.perf_counter() - started
    figures["process"] = time.perf_counter() - _started
    # Closed here, not by the garbage collector at exit (which may find its self-pipe gone).
    asyncio.get_event_loop().close()
    json.dump({k: round(v, 4) for k, v in figures.items()}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
