"""ManagedGrafana: an Amazon Managed Grafana workspace, its data sources and the
repository's dashboards (ADR 0017).

- **Workspace**: sign-in through IAM Identity Center (`AWS_SSO`) or a SAML IdP, never
  API keys; `CUSTOMER_MANAGED` permissions through a role of its own that may only query
  this stack's Managed Prometheus workspace, read CloudWatch metrics and logs, read
  X-Ray traces and (when given) search one OpenSearch domain. Optionally in the VPC's
  private subnets (`subnet_ids`), to reach private data sources.
- **Who signs in**: IAM Identity Center groups get the Admin, Editor or Viewer role
  (`RoleAssociation`). Adding users to the groups is done in IAM Identity Center, not
  here. With SAML, the IdP's
  role attribute values map to Admin and Editor.
- **Inside Grafana** (pulumiverse-grafana, through a provider whose url is the
  workspace): the data sources (Prometheus with SigV4 to Managed Prometheus, CloudWatch,
  X-Ray, OpenSearch when its endpoint is given), one folder and the four dashboards of
  `observability/dashboards/`. The provider signs in as the workspace's `pulumi-provisioner`
  service account with a token that is not in the program or its state: each run mints
  one that outlives the run only briefly and hands it to the provider in `GRAFANA_AUTH`
  (`infra.grafana_token`, ADR 0021), so refreshes never meet an expired credential.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumiverse_grafana as grafana

from components import dashboards
from components.account import Account
from components.base import GamComponent, validate
from components.tags import problems as tag_problems

TYPE_TOKEN = "gam:observability:ManagedGrafana"
AUTHENTICATIONS = ("AWS_SSO", "SAML")
GRAFANA_VERSION = "10.4"
# The service account the provider signs in as, with a per-run token the provider
# plugin reads from this variable (ADR 0021).
PROVISIONER = "pulumi-provisioner"
TOKEN_VARIABLE = "GRAFANA_AUTH"
DATA_SOURCES = ("PROMETHEUS", "CLOUDWATCH", "XRAY", "AMAZON_OPENSEARCH_SERVICE")
FOLDER_UID = "gam-platform"
# The AWS APIs the workspace's data sources call, which a workspace in the VPC reaches
# through interface endpoints (its group admits HTTPS to the VPC only): Managed
# Prometheus, CloudWatch metrics and logs, X-Ray, STS, and EC2 for the region list.
VPC_ENDPOINTS = ("aps-workspaces", "monitoring", "logs", "xray", "sts", "ec2")


@dataclass(frozen=True, kw_only=True)
class SamlArgs:
    idp_metadata_url: str
    """The IdP's metadata URL (https)."""
    admin_role_values: Sequence[str]
    """Values of the role assertion that make a user Admin."""
    editor_role_values: Sequence[str]
    """Values of the role assertion that make a user Editor."""
    role_assertion: str = "role"
    """The assertion attribute that carries the role."""


@dataclass(frozen=True, kw_only=True)
class GrafanaArgs:
    prometheus_workspace_arn: pulumi.Input[str] | None = None
    """Required. The Managed Prometheus workspace Grafana queries (ObservabilityStack
    sets it to its own)."""
    prometheus_endpoint: pulumi.Input[str] | None = None
    """Required. Its query endpoint (`.../workspaces/ws-.../`)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Required. The standard tags."""
    authentication: Literal["AWS_SSO", "SAML"] = "AWS_SSO"
    admin_group_ids: Sequence[str] = ()
    """AWS_SSO: IAM Identity Center group ids whose members are Admins."""
    editor_group_ids: Sequence[str] = ()
    """AWS_SSO: IAM Identity Center group ids whose members are Editors."""
    viewer_group_ids: Sequence[str] = ()
    """AWS_SSO: IAM Identity Center group ids whose members are Viewers."""
    saml: SamlArgs | None = None
    """SAML: the IdP and its role mapping (required with SAML)."""
    opensearch_domain_arn: pulumi.Input[str] | None = None
    """The logs domain Grafana searches (with `opensearch_endpoint`). None: no OpenSearch."""
    opensearch_endpoint: pulumi.Input[str] | None = None
    """Its https endpoint."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """Private subnets to place the workspace's network interfaces in (with `vpc_id`)."""
    vpc_id: pulumi.Input[str] | None = None
    vpc_cidr: str | None = None
    """The VPC's CIDR, the only destination the workspace's interfaces may reach."""
    dashboard_names: Sequence[str] = field(default=dashboards.DASHBOARDS)
    manage_contents: bool = True
    """Manage the data sources, folder and dashboards inside Grafana, signed in with the
    run's token from `GRAFANA_AUTH` (ADR 0021). False: the workspace only (a stack's first
    deployment, before there is a workspace to mint a token for)."""
    protect: bool = False


def problems(args: GrafanaArgs) -> list[str]:
    found = tag_problems(args.tags)
    if args.prometheus_workspace_arn is None or args.prometheus_endpoint is None:
        found.append("prometheus_workspace_arn and prometheus_endpoint are required")
    return found + option_problems(args)


def option_problems(args: GrafanaArgs) -> list[str]:
    """What is wrong with the choices a stack makes (not the wiring)."""
    found = []
    if args.authentication not in AUTHENTICATIONS:
        found.append(f"authentication {args.authentication!r} is not one of {AUTHENTICATIONS}")
    if args.authentication == "SAML":
        if args.saml is None:
            found.append("SAML authentication needs saml (the IdP metadata and role values)")
        elif not args.saml.idp_metadata_url.startswith("https://"):
            found.append("saml.idp_metadata_url must be an https:// URL")
        if args.admin_group_ids or args.editor_group_ids or args.viewer_group_ids:
            found.append("admin/editor/viewer group ids are IAM Identity Center's: not with SAML")
    elif args.saml is not None:
        found.append("saml is for SAML authentication only")
    if (args.opensearch_domain_arn is None) != (args.opensearch_endpoint is None):
        found.append("opensearch_domain_arn and opensearch_endpoint go together")
    vpc = (args.subnet_ids is not None, args.vpc_id is not None, args.vpc_cidr is not None)
    if len(set(vpc)) > 1:
        found.append(
            "subnet_ids, vpc_id and vpc_cidr go together (the workspace's VPC configuration)"
        )
    unknown = sorted(set(args.dashboard_names) - set(dashboards.DASHBOARDS))
    if unknown:
        found.append(f"dashboards {unknown} are not in observability/dashboards")
    return found


def _https(endpoint: str) -> str:
    return endpoint if endpoint.startswith("https://") else f"https://{endpoint}"


class ManagedGrafana(GamComponent):
    """A Managed Grafana workspace with its data sources, folder and dashboards."""

    endpoint: pulumi.Output[str]
    workspace_id: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    """The workspace's role: what a data source must admit (OpenSearch maps it)."""
    security_group_id: pulumi.Output[str] | None
    """In the VPC: the workspace's interfaces' group, for data sources to admit."""

    def __init__(
        self, name: str, args: GrafanaArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("ManagedGrafana", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)

        role = self._role()
        self.security_group_id = None
        workspace = aws.grafana.Workspace(
            self.child_name("workspace"),
            name=self.child_name("workspace"),
            description=f"Dashboards of {name}",
            account_access_type="CURRENT_ACCOUNT",
            authentication_providers=[args.authentication],
            permission_type="CUSTOMER_MANAGED",
            role_arn=role.arn,
            data_sources=list(DATA_SOURCES),
            grafana_version=GRAFANA_VERSION,
            # plugins only as reviewed code; alerting stays in Alertmanager (ADR 0012)
            configuration=json.dumps(
                {"plugins": {"pluginAdminEnabled": False}, "unifiedAlerting": {"enabled": False}}
            ),
            vpc_configuration=self._vpc(),
            tags=self.tags("workspace"),
            opts=self.child_opts(protect=args.protect),
        )
        self._sign_in(workspace)
        aws.grafana.WorkspaceServiceAccount(
            self.child_name("provisioner"),
            name=PROVISIONER,
            grafana_role="ADMIN",  # it creates data sources
            workspace_id=workspace.id,
            opts=self.child_opts(),
        )
        if args.manage_contents:
            # pulumiverse-grafana's SDK copies GRAFANA_AUTH from the program's environment
            # into the provider's inputs, so into the state, where a new token each run
            # would be a diff; the provider plugin reads it from its own environment.
            # Keep the run's token the plugin's alone (ADR 0021).
            os.environ.pop(TOKEN_VARIABLE, None)
            self._contents(
                grafana.Provider(
                    self.child_name("grafana"),
                    url=workspace.endpoint.apply(_https),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )

        self.workspace_id = workspace.id
        self.endpoint = workspace.endpoint.apply(_https)
        self.role_arn = role.arn
        self.register_outputs(
            {"workspaceId": self.workspace_id, "endpoint": self.endpoint, "roleArn": role.arn}
        )

    # --- the workspace's role ---------------------------------------------------------

    def _role(self) -> aws.iam.Role:
        """Assumed by Managed Grafana for this account's workspaces only; it may query,
        never write, the data sources."""
        account = self._account.id
        trust = pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "grafana.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": account},
                            "ArnLike": {
                                "aws:SourceArn": self._account.arn("grafana", "/workspaces/*")
                            },
                        },
                    }
                ],
            }
        )
        role = aws.iam.Role(
            self.child_name("role"),
            assume_role_policy=trust,
            description=f"Managed Grafana of {self._name}: reads its data sources",
            tags=self.tags("role"),
            opts=self.child_opts(),
        )
        aws.iam.RolePolicy(
            self.child_name("role-policy"),
            role=role.id,
            policy=self._policy(),
            opts=self.child_opts(),
        )
        return role

    def _policy(self) -> pulumi.Output[str]:
        args = self._args
        statements: list[object] = [
            {
                "Sid": "QueryThisPrometheusWorkspace",
                "Effect": "Allow",
                "Action": [
                    "aps:QueryMetrics",
                    "aps:GetSeries",
                    "aps:GetLabels",
                    "aps:GetMetricMetadata",
                ],
                "Resource": args.prometheus_workspace_arn,
            },
            {
                # CloudWatch metrics and these reads have no resource-level permissions
                "Sid": "ReadCloudWatchMetrics",
                "Effect": "Allow",
                "Action": [
                    "cloudwatch:DescribeAlarmsForMetric",
                    "cloudwatch:DescribeAlarmHistory",
                    "cloudwatch:DescribeAlarms",
                    "cloudwatch:ListMetrics",
                    "cloudwatch:GetMetricData",
                    "cloudwatch:GetInsightRuleReport",
                    "ec2:DescribeRegions",
                    "tag:GetResources",
                ],
                "Resource": "*",
            },
            {
                "Sid": "QueryThisAccountsLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:DescribeLogGroups",
                    "logs:GetLogGroupFields",
                    "logs:StartQuery",
                    "logs:StopQuery",
                    "logs:GetQueryResults",
                    "logs:GetLogEvents",
                ],
                "Resource": self._account.arn("logs", "*"),
            },
            {
                "Sid": "ReadTraces",
                "Effect": "Allow",
                "Action": [
                    "xray:BatchGetTraces",
                    "xray:GetTraceSummaries",
                    "xray:GetTraceGraph",
                    "xray:GetGroups",
                    "xray:GetTimeSeriesServiceStatistics",
                    "xray:GetInsightSummaries",
                    "xray:GetInsight",
                    "xray:GetServiceGraph",
                ],
                "Resource": "*",
            },
        ]
        if args.opensearch_domain_arn is not None:
            statements.append(
                {
                    "Sid": "SearchTheLogsDomain",
                    "Effect": "Allow",
                    "Action": ["es:ESHttpGet", "es:ESHttpPost"],
                    "Resource": [
                        args.opensearch_domain_arn,
                        pulumi.Output.concat(args.opensearch_domain_arn, "/*"),
                    ],
                }
            )
        return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})

    def _vpc(self) -> aws.grafana.WorkspaceVpcConfigurationArgs | None:
        """In the private subnets, the workspace reaches private data sources; it may
        only open HTTPS connections, to the VPC."""
        args = self._args
        if args.vpc_id is None or args.vpc_cidr is None or args.subnet_ids is None:
            return None
        group = aws.ec2.SecurityGroup(
            self.child_name("workspace-sg"),
            description="Managed Grafana: HTTPS to the data sources in the VPC",
            vpc_id=args.vpc_id,
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=[args.vpc_cidr],
                    description="HTTPS to OpenSearch and the interface endpoints",
                )
            ],
            tags=self.tags("workspace-sg"),
            opts=self.child_opts(),
        )
        self.security_group_id = group.id
        return aws.grafana.WorkspaceVpcConfigurationArgs(
            security_group_ids=[group.id], subnet_ids=args.subnet_ids
        )

    # --- who signs in -----------------------------------------------------------------

    def _sign_in(self, workspace: aws.grafana.Workspace) -> None:
        args = self._args
        if args.saml is not None:
            aws.grafana.WorkspaceSamlConfiguration(
                self.child_name("saml"),
                workspace_id=workspace.id,
                idp_metadata_url=args.saml.idp_metadata_url,
                admin_role_values=list(args.saml.admin_role_values),
                editor_role_values=list(args.saml.editor_role_values),
                role_assertion=args.saml.role_assertion,
                opts=self.child_opts(),
            )
        for role, groups in (
            ("ADMIN", args.admin_group_ids),
            ("EDITOR", args.editor_group_ids),
            ("VIEWER", args.viewer_group_ids),
        ):
            if groups:
                aws.grafana.RoleAssociation(
                    self.child_name(f"{role.lower()}s"),
                    workspace_id=workspace.id,
                    role=role,
                    group_ids=list(groups),
                    opts=self.child_opts(),
                )

    # --- inside Grafana ---------------------------------------------------------------

    def _contents(self, provider: grafana.Provider) -> None:
        args = self._args
        region = self._account.region
        opts = pulumi.ResourceOptions(parent=self, provider=provider)
        endpoint = pulumi.Output.from_input(args.prometheus_endpoint or "")
        sigv4 = {"sigV4Auth": True, "sigV4AuthType": "ec2_iam_role", "sigV4Region": region}
        # CloudWatch's and X-Ray's plugins: the workspace's role, in the stack's region
        workspace_role = pulumi.Output.json_dumps(
            {"authType": "ec2_iam_role", "defaultRegion": region}
        )
        sources = [
            grafana.oss.DataSource(
                self.child_name("prometheus"),
                name="Managed Prometheus",
                uid=dashboards.PROMETHEUS_UID,
                type="prometheus",
                url=endpoint.apply(lambda url: url.rstrip("/")),
                is_default=True,
                json_data_encoded=pulumi.Output.json_dumps(
                    {**sigv4, "httpMethod": "POST", "sigV4Service": "aps"}
                ),
                opts=opts,
            ),
            grafana.oss.DataSource(
                self.child_name("cloudwatch"),
                name="CloudWatch",
                uid=dashboards.CLOUDWATCH_UID,
                type="cloudwatch",
                json_data_encoded=workspace_role,
                opts=opts,
            ),
            grafana.oss.DataSource(
                self.child_name("xray"),
                name="X-Ray",
                uid=dashboards.XRAY_UID,
                type="grafana-x-ray-datasource",
                json_data_encoded=workspace_role,
                opts=opts,
            ),
        ]
        if args.opensearch_endpoint is not None:
            sources.append(
                grafana.oss.DataSource(
                    self.child_name("opensearch"),
                    name="OpenSearch logs",
                    uid=dashboards.OPENSEARCH_UID,
                    type="grafana-opensearch-datasource",
                    url=pulumi.Output.from_input(args.opensearch_endpoint).apply(_https),
                    json_data_encoded=pulumi.Output.json_dumps(
                        {
                            **sigv4,
                            "sigV4Service": "es",
                            "database": "logs-*",
                            "flavor": "opensearch",
                        }
                    ),
                    opts=opts,
                )
            )
        folder = grafana.oss.Folder(
            self.child_name("folder"), title="GAM platform", uid=FOLDER_UID, opts=opts
        )
        for name in args.dashboard_names:
            grafana.oss.Dashboard(
                self.child_name(f"dashboard-{name}"),
                folder=folder.uid,
                config_json=json.dumps(dashboards.load(name), sort_keys=True),
                overwrite=True,
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=sources),
            )
