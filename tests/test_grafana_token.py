"""The per-run Grafana token (ADR 0021), against a real boto3 Grafana client whose
requests are checked against the service's API model by botocore's Stubber (moto has no
Grafana): found by the stack's workspace name, minted for the provisioner account with
the lifetime asked for, exported masked, revoked, and refused with the next step to take
when there is nothing to mint for."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from components.grafana import PROVISIONER
from gam_offline.records import Record
from infra import grafana_token
from tests.support import ROOT

WORKSPACE = "g-abc123def4"
ACCOUNT = "sa-7"
KEY = "glsa_secret_1234"


@pytest.fixture
def grafana() -> Iterator[tuple[object, Stubber]]:
    client = boto3.client(
        "grafana",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def workspace(name: str, id_: str) -> dict[str, object]:
    return {
        "id": id_,
        "name": name,
        "authentication": {"providers": ["AWS_SSO"]},
        "created": "2026-12-01T00:00:00Z",
        "endpoint": f"{id_}.grafana-workspace.eu-west-1.amazonaws.com",
        "grafanaVersion": "10.4",
        "modified": "2026-12-01T00:00:00Z",
        "status": "ACTIVE",
    }


def expect_workspaces(stubber: Stubber, *names: str) -> None:
    # two pages: the workspace is found past the first one
    stubber.add_response(
        "list_workspaces",
        {"workspaces": [workspace("someone-elses", "g-0000000001")], "nextToken": "p2"},
        {},
    )
    stubber.add_response(
        "list_workspaces",
        {"workspaces": [workspace(n, WORKSPACE) for n in names]},
        {"nextToken": "p2"},
    )


def expect_accounts(stubber: Stubber, *names: str) -> None:
    stubber.add_response(
        "list_workspace_service_accounts",
        {
            "serviceAccounts": [
                {"id": f"sa-{i}", "name": n, "grafanaRole": "ADMIN", "isDisabled": "false"}
                for i, n in enumerate(names, start=6)
            ],
            "workspaceId": WORKSPACE,
        },
        {"workspaceId": WORKSPACE},
    )


def test_workspace_name_is_the_one_the_program_gives_it(
    stack_records: dict[str, Record],
) -> None:
    for stack in ("staging", "prod"):
        workspace_ = stack_records[stack].one("aws:grafana/workspace:Workspace")
        assert workspace_.plain_inputs()["name"] == grafana_token.workspace_name(stack)


def test_mint_finds_the_stacks_workspace_and_its_provisioner_and_sets_the_lifetime(
    grafana: tuple[object, Stubber],
) -> None:
    client, stubber = grafana
    expect_workspaces(stubber, "gam-prod-obs-grafana-workspace")
    expect_accounts(stubber, "someone", PROVISIONER)
    stubber.add_response(
        "create_workspace_service_account_token",
        {
            "serviceAccountId": ACCOUNT,
            "serviceAccountToken": {"id": "tok-1", "key": KEY, "name": "run-1"},
            "workspaceId": WORKSPACE,
        },
        {
            "workspaceId": WORKSPACE,
            "serviceAccountId": ACCOUNT,
            "name": "run-1",
            "secondsToLive": 90 * 60,
        },
    )
    minted = grafana_token.mint(client, stack="prod", minutes=90, token_name="run-1")
    assert minted == grafana_token.Minted(WORKSPACE, ACCOUNT, "tok-1", KEY)
    assert minted.handle == f"{WORKSPACE}/{ACCOUNT}/tok-1"


def test_a_stack_never_deployed_is_told_how_to_bootstrap(
    grafana: tuple[object, Stubber],
) -> None:
    client, stubber = grafana
    expect_workspaces(stubber, "gam-staging-obs-grafana-workspace")
    with pytest.raises(grafana_token.TokenError, match="manageContents false"):
        grafana_token.mint(client, stack="prod", minutes=60, token_name="x")


def test_a_workspace_without_the_provisioner_is_named(grafana: tuple[object, Stubber]) -> None:
    client, stubber = grafana
    expect_workspaces(stubber, "gam-prod-obs-grafana-workspace")
    expect_accounts(stubber, "someone")
    with pytest.raises(grafana_token.TokenError, match=f"no service account '{PROVISIONER}'"):
        grafana_token.mint(client, stack="prod", minutes=60, token_name="x")


@pytest.mark.parametrize("minutes", [0, grafana_token.MAX_MINUTES + 1])
def test_a_lifetime_beyond_a_day_or_below_a_minute_is_refused_before_any_call(
    grafana: tuple[object, Stubber], minutes: int
) -> None:
    client, _ = grafana
    with pytest.raises(grafana_token.TokenError, match="a day at most"):
        grafana_token.mint(client, stack="prod", minutes=minutes, token_name="x")


def test_revoke_deletes_the_token_its_handle_names(grafana: tuple[object, Stubber]) -> None:
    client, stubber = grafana
    stubber.add_response(
        "delete_workspace_service_account_token",
        {"serviceAccountId": ACCOUNT, "tokenId": "tok-1", "workspaceId": WORKSPACE},
        {"workspaceId": WORKSPACE, "serviceAccountId": ACCOUNT, "tokenId": "tok-1"},
    )
    grafana_token.revoke(client, f"{WORKSPACE}/{ACCOUNT}/tok-1")
    with pytest.raises(grafana_token.TokenError, match="not <workspace>"):
        grafana_token.revoke(client, "tok-1")


def test_the_key_is_masked_in_the_log_before_it_is_exported(
    grafana: tuple[object, Stubber], tmp_path: Path
) -> None:
    client, stubber = grafana
    expect_workspaces(stubber, "gam-prod-obs-grafana-workspace")
    expect_accounts(stubber, PROVISIONER)
    stubber.add_response(
        "create_workspace_service_account_token",
        {
            "serviceAccountId": "sa-6",
            "serviceAccountToken": {"id": "tok-2", "key": KEY, "name": "n"},
            "workspaceId": WORKSPACE,
        },
    )
    env, out, err = tmp_path / "github_env", io.StringIO(), io.StringIO()
    argv = ["mint", "--stack", "prod", "--name", "n", "--github-env", str(env)]
    assert grafana_token.main(argv, client=client, root=ROOT, out=out, err=err) == 0
    assert out.getvalue() == f"::add-mask::{KEY}\n"
    assert env.read_text().splitlines() == [
        f"GRAFANA_AUTH={KEY}",
        f"GRAFANA_TOKEN={WORKSPACE}/sa-6/tok-2",
    ]


def test_a_stack_without_grafana_needs_no_token_and_calls_nothing(
    grafana: tuple[object, Stubber],
) -> None:
    client, _ = grafana  # the stubber fails any call it was not told to expect
    out, err = io.StringIO(), io.StringIO()
    assert (
        grafana_token.main(["mint", "--stack", "dev"], client=client, root=ROOT, out=out, err=err)
        == 0
    )
    assert out.getvalue() == ""
    assert "no Grafana contents to manage" in err.getvalue()


def test_a_failed_mint_exits_non_zero_with_the_reason(grafana: tuple[object, Stubber]) -> None:
    client, stubber = grafana
    expect_workspaces(stubber)
    out, err = io.StringIO(), io.StringIO()
    assert (
        grafana_token.main(["mint", "--stack", "prod"], client=client, root=ROOT, out=out, err=err)
        == 1
    )
    assert out.getvalue() == ""
    assert err.getvalue().startswith("error: no Grafana workspace 'gam-prod-obs-grafana-workspace'")
