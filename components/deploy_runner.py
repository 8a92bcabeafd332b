"""DeployRunner: a CodeBuild project that runs the stack's GitHub Actions Pulumi jobs
inside the VPC (CodeBuild-hosted GitHub Actions runner, ADR 0020).

The EKS API endpoint is private (ADR 0010), so `pulumi up` must run where it is
reachable. A job asks for the runner with the label `runner_label(project)`; GitHub sends
the `workflow_job` event to the project's webhook, which starts a build that registers
an ephemeral runner, takes that one job and ends.

- In subnets of its own (the network's runner tier, whose egress the firewall lets reach
  GitHub), with a security group of its own that admits nothing and lets
  out TCP 443 only; the cluster admits it with `EksCluster.admit_api`.
- The service role holds what a VPC build needs and nothing else: its own log group,
  the network interfaces CodeBuild documents for VPC builds (creating the interface
  permission only in these subnets, for CodeBuild), the project's key and the GitHub
  connection. The job still assumes the deploy role by OIDC; the runner's role grants no
  AWS access a workflow could use.
- The GitHub connection (AWS CodeConnections) is created once in the console (the
  handshake with GitHub cannot be automated); its ARN is an argument, required.
- Build logs to a log group with retention, encrypted with the project's customer key,
  which also encrypts the build's artifacts; privileged mode off (no Docker daemon).
- The webhook starts builds for queued workflow jobs of the named workflows only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS

TYPE_TOKEN = "gam:ci:DeployRunner"
SERVICE = "codebuild.amazonaws.com"
HTTPS = 443
# Linux x86 on-demand sizes, smallest first (build-env-ref-compute-types).
COMPUTE_TYPES = ("BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE")
# The CodeBuild curated Ubuntu image: the nearest to GitHub's ubuntu-latest.
IMAGE = "aws/codebuild/standard:7.0"
WORKFLOWS = ("deploy", "drift", "preview")
REPOSITORY_URL = re.compile(r"^https://github\.com/[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:"
    r"connection/[0-9a-f-]{36}$"
)
PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$")
# What CodeBuild does with the network for a build in a VPC (CodeBuild user guide,
# "Allow CodeBuild access to AWS services required to create a VPC network interface").
NETWORK_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcs",
)
KEY_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
)
CONNECTION_ACTIONS = (
    "codeconnections:GetConnection",
    "codeconnections:GetConnectionToken",
    "codeconnections:UseConnection",
    "codestar-connections:GetConnection",
    "codestar-connections:GetConnectionToken",
    "codestar-connections:UseConnection",
)


def runner_label(project_name: str) -> str:
    """The `runs-on` label that sends a job to this project's runner."""
    return f"codebuild-{project_name}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"


@dataclass(frozen=True, kw_only=True)
class DeployRunnerArgs:
    vpc_id: pulumi.Input[str]
    """Required. The VPC (`Networking.vpc_id`)."""

    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Required. The runner's own subnets (`Networking.runner_subnet_ids`): egress through
    the NAT gateways, and the firewall where there is one, which passes the runner's names
    from these subnets only (ADR 0020)."""

    repository_url: str
    """Required. The GitHub repository whose workflows use the runner,
    `https://github.com/<owner>/<repo>`."""

    connection_arn: str | None
    """Required. The AWS CodeConnections connection to GitHub, created once in the
    console (README, "The deploy runner"). None is refused, by name."""

    tags: Mapping[str, str]
    """Required. The standard tags."""

    compute_type: str = "BUILD_GENERAL1_SMALL"
    """One of `COMPUTE_TYPES`. Default the smallest (2 vCPUs, 3 GB)."""

    log_retention_days: int = 365
    """Retention of the build logs. Default 365."""

    build_timeout_minutes: int = 120
    """A build (one job) ends after this, 5 to 480. Default 120, above the jobs' own
    `timeout-minutes`."""

    concurrent_builds: int = 4
    """At most this many jobs at once, 1 to 20. Default 4."""

    workflows: tuple[str, ...] = WORKFLOWS
    """The workflow names (`name:`) whose queued jobs start a build. Default deploy,
    drift, preview."""

    protect: bool = False
    """Protect the key from deletion. Default False (set it in prod)."""


def problems(args: DeployRunnerArgs) -> list[str]:
    """Every problem with `args`, each saying what to change."""
    found = tag_problems(args.tags)
    if isinstance(args.vpc_id, str) and not args.vpc_id.startswith("vpc-"):
        found.append(f"vpc_id {args.vpc_id!r} is not a VPC id (vpc-0123abcd...)")
    if not REPOSITORY_URL.match(args.repository_url):
        found.append(
            f"repository_url {args.repository_url!r} is not a GitHub repository URL "
            "(https://github.com/<owner>/<repo>)"
        )
    if args.connection_arn is None:
        found.append(
            "connection_arn is required: the ARN of the CodeConnections connection to GitHub, "
            "created once in the console"
        )
    elif not CONNECTION_ARN.match(args.connection_arn):
        found.append(
            f"connection_arn {args.connection_arn!r} is not a connection ARN "
            "(arn:aws:codeconnections:<region>:<account>:connection/<uuid>)"
        )
    if args.compute_type not in COMPUTE_TYPES:
        found.append(f"compute_type {args.compute_type!r} is not one of {list(COMPUTE_TYPES)}")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"log_retention_days {args.log_retention_days!r} is not a CloudWatch Logs retention"
        )
    if not 5 <= args.build_timeout_minutes <= 480:
        found.append(f"build_timeout_minutes {args.build_timeout_minutes} must be 5 to 480")
    if not 1 <= args.concurrent_builds <= 20:
        found.append(f"concurrent_builds {args.concurrent_builds} must be 1 to 20")
    bad = [w for w in args.workflows if not re.match(r"^[A-Za-z0-9 _.-]+$", w)]
    if not args.workflows or bad:
        found.append(f"workflows {list(args.workflows)} must name at least one workflow, plainly")
    return found


def service_policy(
    *,
    log_group_arn: str,
    key_arn: str,
    connection_arn: str,
    subnet_arns: Sequence[str],
    network_interfaces_arn: str,
) -> dict[str, Any]:
    """The runner's service role policy: its logs, a VPC build's network interfaces (the
    permission to attach them only in `subnet_arns`, only for CodeBuild), its key and the
    GitHub connection."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ItsOwnBuildLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            },
            {
                "Sid": "VpcBuildNetworkInterfaces",
                "Effect": "Allow",
                "Action": list(NETWORK_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "AttachInterfacesInItsSubnetsOnly",
                "Effect": "Allow",
                "Action": "ec2:CreateNetworkInterfacePermission",
                "Resource": network_interfaces_arn,
                "Condition": {
                    "StringEquals": {
                        "ec2:Subnet": list(subnet_arns),
                        "ec2:AuthorizedService": SERVICE,
                    }
                },
            },
            {
                "Sid": "ItsOwnKey",
                "Effect": "Allow",
                "Action": list(KEY_ACTIONS),
                "Resource": key_arn,
            },
            {
                "Sid": "TheGitHubConnection",
                "Effect": "Allow",
                "Action": list(CONNECTION_ACTIONS),
                "Resource": connection_arn,
            },
        ],
    }


class DeployRunner(GamComponent):
    """A CodeBuild-hosted GitHub Actions runner in the VPC's runner subnets."""

    project_name: pulumi.Output[str]
    label: str
    """The `runs-on` label of the jobs that should run here."""
    security_group_id: pulumi.Output[str]
    """The runner's group: what the EKS cluster admits on 443 (`EksCluster.admit_api`)."""
    role_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: DeployRunnerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        found = problems(args)
        if not PROJECT_NAME.match(name):
            found.append(f"name {name!r} is not a CodeBuild project name")
        validate("DeployRunner", found)
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        assert args.connection_arn is not None  # validated above
        account = Account(self)
        group_name = f"/aws/codebuild/{name}"
        key = customer_key(
            self,
            account,
            "key",
            f"Encrypts the build logs and artifacts of {name}",
            [account.logs_may_use("CloudWatchLogsUsesItForTheBuildLogsOnly", group_name)],
            protect=args.protect,
        )
        logs = aws.cloudwatch.LogGroup(
            self.child_name("logs"),
            name=group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags("logs"),
            opts=self.child_opts(),
        )
        group = aws.ec2.SecurityGroup(
            self.child_name("sg"),
            description=f"{name}: GitHub Actions jobs; admits nothing, HTTPS out only",
            vpc_id=args.vpc_id,
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="HTTPS: GitHub, AWS endpoints, the EKS API, packages",
                    protocol="tcp",
                    from_port=HTTPS,
                    to_port=HTTPS,
                    cidr_blocks=["0.0.0.0/0"],
                )
            ],
            tags=self.tags("sg"),
            opts=self.child_opts(),
        )
        project_arn = account.arn("codebuild", f"project/{name}")
        trust = pulumi.Output.all(account.id, project_arn).apply(
            lambda v: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CodeBuildForThisProjectOnly",
                            "Effect": "Allow",
                            "Principal": {"Service": SERVICE},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": v[0]},
                                "ArnEquals": {"aws:SourceArn": v[1]},
                            },
                        }
                    ],
                }
            )
        )
        role = aws.iam.Role(
            self.child_name("role"),
            description=f"Service role of the CodeBuild project {name}",
            assume_role_policy=trust,
            tags=self.tags("role"),
            opts=self.child_opts(),
        )
        subnet_arns: pulumi.Output[list[str]] = pulumi.Output.all(
            account.arn("ec2", "subnet/"), pulumi.Output.from_input(args.subnet_ids)
        ).apply(lambda v: [f"{v[0]}{subnet}" for subnet in v[1]])
        connection = args.connection_arn
        policy = aws.iam.RolePolicy(
            self.child_name("role-policy"),
            role=role.id,
            policy=pulumi.Output.all(
                logs.arn, key.arn, subnet_arns, account.arn("ec2", "network-interface/*")
            ).apply(
                lambda v: json.dumps(
                    service_policy(
                        log_group_arn=v[0],
                        key_arn=v[1],
                        connection_arn=connection,
                        subnet_arns=v[2],
                        network_interfaces_arn=v[3],
                    )
                )
            ),
            opts=self.child_opts(),
        )
        cb = aws.codebuild
        project = cb.Project(
            self.child_name("project"),
            name=name,
            description=f"GitHub Actions runner for the Pulumi jobs of {args.repository_url}",
            service_role=role.arn,
            encryption_key=key.arn,
            build_timeout=args.build_timeout_minutes,
            concurrent_build_limit=args.concurrent_builds,
            source=cb.ProjectSourceArgs(
                type="GITHUB",
                location=args.repository_url,
                git_clone_depth=1,
                auth=cb.ProjectSourceAuthArgs(type="CODECONNECTIONS", resource=connection),
            ),
            artifacts=cb.ProjectArtifactsArgs(type="NO_ARTIFACTS"),
            environment=cb.ProjectEnvironmentArgs(
                type="LINUX_CONTAINER",
                compute_type=args.compute_type,
                image=IMAGE,
                image_pull_credentials_type="CODEBUILD",
                privileged_mode=False,
            ),
            logs_config=cb.ProjectLogsConfigArgs(
                cloudwatch_logs=cb.ProjectLogsConfigCloudwatchLogsArgs(
                    status="ENABLED", group_name=logs.name
                ),
                s3_logs=cb.ProjectLogsConfigS3LogsArgs(status="DISABLED"),
            ),
            vpc_config=cb.ProjectVpcConfigArgs(
                vpc_id=args.vpc_id, subnets=args.subnet_ids, security_group_ids=[group.id]
            ),
            tags=self.tags("project"),
            # CodeBuild checks the role's network permissions when the project is created.
            opts=self.child_opts(depends_on=[policy]),
        )
        pattern = "^(" + "|".join(re.escape(w) for w in args.workflows) + ")$"
        cb.Webhook(
            self.child_name("webhook"),
            project_name=project.name,
            build_type="BUILD",
            filter_groups=[
                cb.WebhookFilterGroupArgs(
                    filters=[
                        cb.WebhookFilterGroupFilterArgs(
                            type="EVENT", pattern="WORKFLOW_JOB_QUEUED"
                        ),
                        cb.WebhookFilterGroupFilterArgs(type="WORKFLOW_NAME", pattern=pattern),
                    ]
                )
            ],
            opts=self.child_opts(),
        )
        self.project_name = project.name
        self.label = runner_label(name)
        self.security_group_id = group.id
        self.role_arn = role.arn
        self.log_group_name = logs.name
        self.register_outputs(
            {
                "projectName": self.project_name,
                "runnerLabel": self.label,
                "securityGroupId": self.security_group_id,
                "roleArn": self.role_arn,
                "logGroupName": self.log_group_name,
            }
        )
