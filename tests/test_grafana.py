"""Managed Grafana (ADR 0017): per profile in the committed stacks, and alone with SAML,
OpenSearch and a VPC: the workspace, its least-privilege role, the provider signed in
with a short-lived token, the data sources, the folder and the repository's dashboards."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

import pytest

from components import dashboards, grafana
from components.base import InvalidArgs
from components.observability import ObservabilityStack
from gam_offline.engine import run_program
from gam_offline.records import Record, RecordedResource
from tests.test_observability import ARGS
from tests.test_settings_observability import problems as settings_problems

WORKSPACE = "aws:grafana/workspace:Workspace"
AMP = "aws:amp/workspace:Workspace"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TOKEN = "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken"
ACCOUNT = "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount"
PROVIDER = "pulumi:providers:grafana"
DATA_SOURCE = "grafana:oss/dataSource:DataSource"
DASHBOARD = "grafana:oss/dashboard:Dashboard"
FOLDER = "grafana:oss/folder:Folder"
SAML = "aws:grafana/workspaceSamlConfiguration:WorkspaceSamlConfiguration"
ROLES = "aws:grafana/roleAssociation:RoleAssociation"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
OPENSEARCH = "aws:opensearch/domain:Domain"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
GROUP = "a1b2c3d4e5-11111111-2222-3333-4444-555555555555"
DOMAIN_ARN = "arn:aws:es:eu-west-1:123456789012:domain/gam-logs"
SAML_ARGS = grafana.SamlArgs(
    idp_metadata_url="https://idp.example.org/metadata.xml",
    admin_role_values=["grafana-admin"],
    editor_role_values=["grafana-editor"],
)


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return resource.plain_inputs()


def run(options: grafana.GrafanaArgs) -> Record:
    args = replace(ARGS, grafana=options)
    return run_program(
        lambda: ObservabilityStack("obs", args) and None, stack="test", region="eu-west-1"
    )


@functools.cache
def sso() -> Record:
    return run(
        grafana.GrafanaArgs(
            admin_group_ids=[GROUP], editor_group_ids=[GROUP], viewer_group_ids=[GROUP]
        )
    )


@functools.cache
def saml_in_vpc() -> Record:
    return run(
        grafana.GrafanaArgs(
            authentication="SAML",
            saml=SAML_ARGS,
            opensearch_domain_arn=DOMAIN_ARN,
            opensearch_endpoint="vpc-gam-logs.eu-west-1.es.amazonaws.com",
            subnet_ids=["subnet-0a", "subnet-0b"],
            vpc_id="vpc-0123",
            vpc_cidr="10.30.0.0/16",
        )
    )


def statements(record: Record) -> dict[str, dict[str, Any]]:
    (policy,) = [p for p in record.by_type(ROLE_POLICY) if "grafana" in p.name]
    return {s["Sid"]: s for s in json.loads(inputs(policy)["policy"])["Statement"]}


def test_grafana_is_switched_per_profile_off_in_dev_on_beyond(
    stack_records: dict[str, Record],
) -> None:
    assert stack_records["dev"].by_type(WORKSPACE) == []
    for stack in ("staging", "prod"):
        assert len(stack_records[stack].by_type(WORKSPACE)) == 1
        assert len(stack_records[stack].by_type(DASHBOARD)) == len(dashboards.DASHBOARDS)
    assert stack_records["prod"].one(WORKSPACE).protect
    assert "grafanaUrl" not in stack_records["dev"].outputs
    endpoint = stack_records["prod"].one(WORKSPACE).outputs["endpoint"]
    assert stack_records["prod"].outputs["grafanaUrl"] == f"https://{endpoint}"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_committed_workspaces_sign_in_through_identity_center_with_their_own_role(
    stack: str, stack_records: dict[str, Record]
) -> None:
    record = stack_records[stack]
    workspace = inputs(record.one(WORKSPACE))
    assert workspace["authenticationProviders"] == ["AWS_SSO"]
    assert workspace["permissionType"] == "CUSTOMER_MANAGED"
    assert workspace["accountAccessType"] == "CURRENT_ACCOUNT"
    (role,) = [r for r in record.by_type(ROLE) if r.name.endswith("-obs-grafana-role")]
    assert workspace["roleArn"] == role.outputs["arn"]
    (trust,) = json.loads(inputs(role)["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "grafana.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    config = json.loads(workspace["configuration"])
    assert config["plugins"] == {"pluginAdminEnabled": False}


def test_the_role_only_reads_and_queries_this_stacks_prometheus_workspace(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["prod"]
    found = statements(record)
    assert found["QueryThisPrometheusWorkspace"]["Resource"] == record.one(AMP).outputs["arn"]
    assert set(found) == {
        "QueryThisPrometheusWorkspace",
        "ReadCloudWatchMetrics",
        "QueryThisAccountsLogs",
        "ReadTraces",
        "SearchTheLogsDomain",
    }
    domain = record.one(OPENSEARCH).outputs["arn"]
    assert found["SearchTheLogsDomain"]["Resource"] == [domain, f"{domain}/*"]
    writes = ("Put", "Create", "Delete", "Update", "Write", "Tag", "Remote")
    for statement in found.values():
        for action in statement["Action"]:
            verb = action.split(":")[1]
            assert not verb.startswith(writes), action
            assert "*" not in action, action
    assert found["QueryThisAccountsLogs"]["Resource"] == "arn:aws:logs:eu-west-1:123456789012:*"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_provider_targets_the_workspace_and_keeps_no_credential_in_the_state(
    stack: str, stack_records: dict[str, Record]
) -> None:
    """The run's token reaches the provider as GRAFANA_AUTH (ADR 0021): no token resource,
    no `auth` input, so nothing in the state expires and breaks a later refresh."""
    record = stack_records[stack]
    workspace = record.one(WORKSPACE)
    provider = record.one(PROVIDER)
    assert inputs(provider)["url"] == f"https://{workspace.outputs['endpoint']}"
    assert "auth" not in inputs(provider)
    assert record.by_type(TOKEN) == []
    account = inputs(record.one(ACCOUNT))
    assert (account["name"], account["grafanaRole"]) == (grafana.PROVISIONER, "ADMIN")
    assert account["workspaceId"] == workspace.id
    assert record.outputs["grafanaWorkspaceId"] == workspace.id
    for resource in [*record.by_type(DATA_SOURCE), *record.by_type(DASHBOARD)]:
        assert resource.options["provider"].startswith(provider.urn + "::"), resource.name


def test_the_runs_token_in_the_environment_never_becomes_a_provider_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SDK would copy GRAFANA_AUTH into the provider's inputs (and the state); the
    component leaves it to the provider plugin's environment."""
    monkeypatch.setenv(grafana.TOKEN_VARIABLE, "glsa_minted_for_this_run")
    record = run(grafana.GrafanaArgs())
    assert "auth" not in record.one(PROVIDER).inputs
    assert "glsa_minted_for_this_run" not in json.dumps([r.inputs for r in record.resources])


def test_a_first_deployment_creates_the_workspace_without_its_contents() -> None:
    record = run(grafana.GrafanaArgs(manage_contents=False))
    assert len(record.by_type(WORKSPACE)) == 1
    assert inputs(record.one(ACCOUNT))["name"] == grafana.PROVISIONER
    for kind in (PROVIDER, DATA_SOURCE, FOLDER, DASHBOARD):
        assert record.by_type(kind) == [], kind


def test_the_dashboards_are_the_repositorys_json_in_one_folder(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["prod"]
    folder = record.one(FOLDER)
    models = {}
    for dashboard in record.by_type(DASHBOARD):
        props = inputs(dashboard)
        assert props["folder"] == folder.outputs["uid"]
        model = json.loads(props["configJson"])
        models[model["uid"]] = model
    assert models == {d["uid"]: d for d in dashboards.load_all().values()}


def test_the_data_sources_have_the_uids_the_dashboards_use_and_sign_with_sigv4(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["prod"]
    sources = {inputs(s)["uid"]: inputs(s) for s in record.by_type(DATA_SOURCE)}
    assert set(sources) == {
        dashboards.PROMETHEUS_UID,
        dashboards.CLOUDWATCH_UID,
        dashboards.XRAY_UID,
        dashboards.OPENSEARCH_UID,
    }
    prometheus = sources[dashboards.PROMETHEUS_UID]
    assert prometheus["type"] == "prometheus"
    assert prometheus["url"] == record.one(AMP).outputs["prometheusEndpoint"].rstrip("/")
    json_data = json.loads(prometheus["jsonDataEncoded"])
    assert json_data["sigV4Auth"] is True
    assert json_data["sigV4Service"] == "aps"
    assert json_data["sigV4Region"] == "eu-west-1"
    for uid in (dashboards.CLOUDWATCH_UID, dashboards.XRAY_UID):
        assert json.loads(sources[uid]["jsonDataEncoded"])["authType"] == "ec2_iam_role"
    used = {
        t["datasource"]["uid"]
        for d in dashboards.load_all().values()
        for p in dashboards.panels(d)
        for t in p["targets"]
    }
    assert used <= set(sources)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_grafana_searches_the_stacks_log_store_from_the_private_subnets(
    stack: str, stack_records: dict[str, Record]
) -> None:
    record = stack_records[stack]
    (opensearch,) = [
        inputs(s)
        for s in record.by_type(DATA_SOURCE)
        if inputs(s)["uid"] == dashboards.OPENSEARCH_UID
    ]
    assert opensearch["url"] == f"https://{record.one(OPENSEARCH).outputs['endpoint']}"
    json_data = json.loads(opensearch["jsonDataEncoded"])
    assert (json_data["sigV4Auth"], json_data["sigV4Service"]) == (True, "es")
    vpc = inputs(record.one(WORKSPACE))["vpcConfiguration"]
    assert vpc["subnetIds"] == record.outputs["privateSubnetIds"]


def test_a_workspace_in_the_vpc_gets_an_endpoint_for_each_api_it_queries(
    stack_records: dict[str, Record],
) -> None:
    def services(stack: str) -> set[str]:
        return {  # com.amazonaws.<region>.<service>
            inputs(e)["serviceName"].split(".", 3)[3]
            for e in stack_records[stack].by_type(ENDPOINT)
            if inputs(e)["vpcEndpointType"] == "Interface"
        }

    for stack in ("staging", "prod"):
        assert set(grafana.VPC_ENDPOINTS) <= services(stack), stack
    # "monitoring" is there for Grafana's CloudWatch data source only: dev has no Grafana
    assert "monitoring" not in services("dev")


# --- alone --------------------------------------------------------------------------------


def test_identity_center_groups_become_admins_editors_and_viewers() -> None:
    record = sso()
    roles = {inputs(r)["role"]: inputs(r) for r in record.by_type(ROLES)}
    assert set(roles) == {"ADMIN", "EDITOR", "VIEWER"}
    workspace_id = record.one(WORKSPACE).id
    for association in roles.values():
        assert association["groupIds"] == [GROUP]
        assert association["workspaceId"] == workspace_id
    assert record.by_type(SAML) == []


def test_saml_maps_the_idps_roles_and_opensearch_is_searched_from_the_vpc() -> None:
    record = saml_in_vpc()
    workspace = inputs(record.one(WORKSPACE))
    assert workspace["authenticationProviders"] == ["SAML"]
    saml = inputs(record.one(SAML))
    assert saml["idpMetadataUrl"] == SAML_ARGS.idp_metadata_url
    assert saml["adminRoleValues"] == ["grafana-admin"]
    assert saml["editorRoleValues"] == ["grafana-editor"]
    assert record.by_type(ROLES) == []

    search = statements(record)["SearchTheLogsDomain"]
    assert search["Action"] == ["es:ESHttpGet", "es:ESHttpPost"]
    assert search["Resource"] == [DOMAIN_ARN, f"{DOMAIN_ARN}/*"]
    (opensearch,) = [
        inputs(s)
        for s in record.by_type(DATA_SOURCE)
        if inputs(s)["uid"] == dashboards.OPENSEARCH_UID
    ]
    assert opensearch["url"] == "https://vpc-gam-logs.eu-west-1.es.amazonaws.com"

    vpc = workspace["vpcConfiguration"]
    assert vpc["subnetIds"] == ["subnet-0a", "subnet-0b"]
    (group,) = [g for g in record.by_type(SECURITY_GROUP) if "grafana" in g.name]
    assert vpc["securityGroupIds"] == [group.id]
    (egress,) = inputs(group)["egress"]
    assert (egress["protocol"], egress["fromPort"], egress["toPort"]) == ("tcp", 443, 443)
    assert egress["cidrBlocks"] == ["10.30.0.0/16"]
    assert not inputs(group).get("ingress")


def test_invalid_grafana_choices_are_reported_at_once_before_anything_exists() -> None:
    bad = grafana.GrafanaArgs(
        authentication="SAML",
        admin_group_ids=[GROUP],
        opensearch_endpoint="logs.example.org",
        vpc_id="vpc-0123",
        dashboard_names=["nope"],
    )
    found = " | ".join(grafana.option_problems(bad))
    for part in (
        "SAML authentication needs saml",
        "viewer group ids are IAM Identity Center's",
        "opensearch_domain_arn and opensearch_endpoint go together",
        "subnet_ids, vpc_id and vpc_cidr go together",
        "dashboards ['nope']",
    ):
        assert part in found, part
    sso_with_saml = grafana.GrafanaArgs(saml=SAML_ARGS)
    assert grafana.option_problems(sso_with_saml) == ["saml is for SAML authentication only"]
    assert "prometheus_workspace_arn" in " ".join(grafana.problems(grafana.GrafanaArgs()))
    with pytest.raises(InvalidArgs, match="grafana: SAML authentication needs saml"):
        run(bad)


def test_grafana_settings_problems_name_their_key() -> None:
    found = settings_problems(
        {
            "grafana": {
                "enabled": True,
                "authentication": "SAML",
                "adminGroupIds": ["not-a-group"],
            }
        }
    )
    assert "not IAM Identity Center group ids" in found["gam:observability.grafana.adminGroupIds"]
    found = settings_problems({"grafana": {"authentication": "SAML"}})
    assert "SAML authentication needs saml" in found["gam:observability.grafana"]
    found = settings_problems({"grafana": {"saml": {"idpMetadataUrl": "http://idp"}}})
    assert "must be an https:// URL" in found["gam:observability.grafana.saml.idpMetadataUrl"]
    assert "required" in found["gam:observability.grafana.saml.adminRoleValues"]
