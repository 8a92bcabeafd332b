"""The token Pulumi's Grafana provider signs in with, minted per run (ADR 0021).

Nothing in the program or its state holds a Grafana credential: before `pulumi up` or a
refreshing preview, the job mints a token for the workspace's `pulumi-provisioner`
service account that lives a little longer than the job, hands it to the provider in
`GRAFANA_AUTH`, and revokes it afterwards:

    python -m infra.grafana_token mint --stack prod --minutes 90 --github-env "$GITHUB_ENV"
    python -m infra.grafana_token revoke --stack prod --token "$GRAFANA_TOKEN"

From a shell: `export GRAFANA_AUTH=$(python -m infra.grafana_token mint --stack dev)`.
A stack without Grafana, or whose Grafana contents are not managed
(`gam:observability.grafana.manageContents: false`), needs no token: `mint` says so and
succeeds without one.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from components.grafana import PROVISIONER, TOKEN_VARIABLE
from infra import naming

MAX_MINUTES = 24 * 60
"""The policy pack's `grafana-token-lifetime` bound: a day at most."""


class TokenError(RuntimeError):
    """What stops a token from being minted, and what to do about it."""


@dataclass(frozen=True)
class Minted:
    workspace_id: str
    service_account_id: str
    token_id: str
    key: str

    @property
    def handle(self) -> str:
        """What `revoke --token` takes: `<workspace>/<service account>/<token>`."""
        return f"{self.workspace_id}/{self.service_account_id}/{self.token_id}"


def workspace_name(stack: str) -> str:
    """The stack's workspace, as `stacks.platform` names it (observability stack `obs`,
    its Grafana `grafana`, the workspace `workspace`)."""
    return naming.name(stack, "obs", "grafana", "workspace")


def _pages(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = getattr(client, operation)(**params)
        items += page.get(key, [])
        if not page.get("nextToken"):
            return items
        params["nextToken"] = page["nextToken"]


def mint(client: Any, *, stack: str, minutes: int, token_name: str) -> Minted:
    """A token of the provisioner account of `stack`'s workspace, living `minutes`."""
    if not 1 <= minutes <= MAX_MINUTES:
        raise TokenError(f"--minutes {minutes} must be 1 to {MAX_MINUTES} (a day at most)")
    name = workspace_name(stack)
    workspaces = [w for w in _pages(client, "list_workspaces", "workspaces") if w["name"] == name]
    if not workspaces:
        raise TokenError(
            f"no Grafana workspace {name!r} in this account and region yet. A stack's "
            "first deployment creates it without its contents: deploy once with "
            "gam:observability.grafana.manageContents false, then remove that setting "
            "(README, 'Grafana')"
        )
    workspace_id = workspaces[0]["id"]
    accounts = [
        a
        for a in _pages(
            client, "list_workspace_service_accounts", "serviceAccounts", workspaceId=workspace_id
        )
        if a["name"] == PROVISIONER
    ]
    if not accounts:
        raise TokenError(
            f"workspace {workspace_id} has no service account {PROVISIONER!r}: deploy the "
            "stack (it creates the account) and mint again"
        )
    account_id = accounts[0]["id"]
    token = client.create_workspace_service_account_token(
        workspaceId=workspace_id,
        serviceAccountId=account_id,
        name=token_name,
        secondsToLive=minutes * 60,
    )["serviceAccountToken"]
    return Minted(workspace_id, account_id, token["id"], token["key"])


def revoke(client: Any, handle: str) -> None:
    """Delete the token `handle` names (`Minted.handle`)."""
    parts = handle.split("/")
    if len(parts) != 3 or not all(parts):
        raise TokenError(f"--token {handle!r} is not <workspace>/<service account>/<token>")
    workspace_id, account_id, token_id = parts
    client.delete_workspace_service_account_token(
        workspaceId=workspace_id, serviceAccountId=account_id, tokenId=token_id
    )


def to_github_env(minted: Minted, out: IO[str], env_file: IO[str]) -> None:
    """Mask the key in the job's log, then export GRAFANA_AUTH and GRAFANA_TOKEN (the
    handle, for `revoke`) to the job's later steps."""
    out.write(f"::add-mask::{minted.key}\n")
    env_file.write(f"{TOKEN_VARIABLE}={minted.key}\nGRAFANA_TOKEN={minted.handle}\n")


def needs_token(stack: str, root: Path) -> str | None:
    """The stack's region when it manages contents inside a Grafana workspace, else None."""
    from gam_offline.engine import stack_config
    from infra import settings

    loaded = settings.load(stack, stack_config(stack, root)[0])
    observability = loaded.observability
    grafana = observability.grafana
    managed = observability.enabled and grafana.enabled and grafana.manage_contents
    return loaded.region if managed else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra.grafana_token", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    mint_ = commands.add_parser("mint", help="mint a token and print or export it")
    mint_.add_argument("--stack", required=True)
    mint_.add_argument("--minutes", type=int, default=60, help="its lifetime (default 60)")
    mint_.add_argument(
        "--name",
        default=f"pulumi-run-{time.time_ns()}",
        help="the token's name, unique in its service account (default: from the clock)",
    )
    mint_.add_argument(
        "--github-env", type=Path, help="export to this file ($GITHUB_ENV), not stdout"
    )
    revoke_ = commands.add_parser("revoke", help="delete a minted token")
    revoke_.add_argument("--stack", required=True)
    revoke_.add_argument("--token", required=True, help="GRAFANA_TOKEN from mint")
    return parser


def main(
    argv: Sequence[str] | None = None,
    client: Any = None,
    root: Path = Path("."),
    out: IO[str] = sys.stdout,
    err: IO[str] = sys.stderr,
) -> int:
    args = _parser().parse_args(argv)
    region = needs_token(args.stack, root)
    if region is None:
        err.write(f"{args.stack}: no Grafana contents to manage, so no token\n")
        return 0
    if client is None:
        import boto3

        client = boto3.client("grafana", region_name=region)
    try:
        if args.command == "revoke":
            revoke(client, args.token)
            return 0
        minted = mint(client, stack=args.stack, minutes=args.minutes, token_name=args.name)
    except TokenError as error:
        err.write(f"error: {error}\n")
        return 1
    if args.github_env is None:
        out.write(minted.key + "\n")
    else:
        with args.github_env.open("a") as env_file:
            to_github_env(minted, out, env_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
