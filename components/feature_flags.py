"""FeatureFlags: AWS AppConfig feature flags for the SPA and the API (blueprint 0).

One application per stack, one environment (the stack's), a feature-flags configuration
profile whose content AppConfig hosts, and a deployment strategy: flags reach clients
gradually (linear growth), then bake; an alarm on any environment monitor during the
deployment or the bake rolls the flags back (ADR 0014). AppConfig reads the alarms with
a role of its own that may describe alarms and nothing else.

Flag values are not managed here: the application team authors versions
(`aws appconfig create-hosted-configuration-version`) and deploys them with the strategy
(`aws appconfig start-deployment`). `grant_read(role)` lets a workload read them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.account import Account
from components.base import GamComponent, validate
from components.tags import problems as tag_problems

TYPE_TOKEN = "gam:flags:FeatureFlags"
PROFILE_TYPE = "AWS.AppConfig.FeatureFlags"
READ_ACTIONS = ("appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration")
MAX_MONITORS = 5  # AppConfig's limit per environment


@dataclass(frozen=True, kw_only=True)
class FeatureFlagsArgs:
    environment: str
    """Required. The environment's name (the stack's)."""
    rollback_alarm_arns: Sequence[pulumi.Input[str]]
    """Required, 1 to 5. CloudWatch alarms that roll a deployment back while they fire."""
    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`)."""
    deployment_minutes: int = 10
    """How long a deployment takes to reach every client. Default 10 (0 to 1440)."""
    bake_minutes: int = 10
    """How long AppConfig watches the alarms after it. Default 10 (0 to 1440)."""
    growth_percent: float = 20.0
    """The share of clients added at each linear step. Default 20 (1 to 100)."""


def problems(args: FeatureFlagsArgs) -> list[str]:
    found = tag_problems(args.tags)
    if not 1 <= len(args.rollback_alarm_arns) <= MAX_MONITORS:
        found.append(
            f"rollback_alarm_arns lists {len(args.rollback_alarm_arns)}; give 1 to "
            f"{MAX_MONITORS} alarms (without one a bad flag is never rolled back)"
        )
    for key in ("deployment_minutes", "bake_minutes"):
        if not 0 <= getattr(args, key) <= 1440:
            found.append(f"{key} must be 0 to 1440")
    if not 1 <= args.growth_percent <= 100:
        found.append("growth_percent must be 1 to 100")
    if not args.environment:
        found.append("environment is empty")
    return found


def read_policy(configuration_arn: str) -> str:
    """The policy that reads this one configuration (an environment's profile)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadFeatureFlags",
                    "Effect": "Allow",
                    "Action": list(READ_ACTIONS),
                    "Resource": configuration_arn,
                }
            ],
        }
    )


class FeatureFlags(GamComponent):
    """An AppConfig application, environment, feature-flags profile and rollout strategy."""

    application_id: pulumi.Output[str]
    environment_id: pulumi.Output[str]
    profile_id: pulumi.Output[str]
    deployment_strategy_id: pulumi.Output[str]
    configuration_arn: pulumi.Output[str]
    """`.../application/<app>/environment/<env>/configuration/<profile>`: what readers read."""

    def __init__(
        self, name: str, args: FeatureFlagsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("FeatureFlags", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        account = Account(self)
        application = aws.appconfig.Application(
            self.child_name("app"),
            name=self.child_name("app"),
            description=f"{name}: feature flags of the SPA and the API",
            tags=self.tags("app"),
            opts=self.child_opts(),
        )
        monitor_role = aws.iam.Role(
            self.child_name("alarm-reader"),
            description="AppConfig reads the rollback alarms",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "appconfig.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            tags=self.tags("alarm-reader"),
            opts=self.child_opts(),
        )
        aws.iam.RolePolicy(
            self.child_name("alarm-reader"),
            role=monitor_role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DescribeTheRollbackAlarms",
                            "Effect": "Allow",
                            "Action": "cloudwatch:DescribeAlarms",
                            "Resource": list(args.rollback_alarm_arns),
                        }
                    ],
                }
            ),
            opts=self.child_opts(),
        )
        environment = aws.appconfig.Environment(
            self.child_name("env"),
            name=args.environment,
            application_id=application.id,
            description=f"{name}: the {args.environment} stack",
            monitors=[
                {"alarm_arn": arn, "alarm_role_arn": monitor_role.arn}
                for arn in args.rollback_alarm_arns
            ],
            tags=self.tags("env"),
            opts=self.child_opts(),
        )
        profile = aws.appconfig.ConfigurationProfile(
            self.child_name("flags"),
            name="feature-flags",
            application_id=application.id,
            type=PROFILE_TYPE,
            location_uri="hosted",
            description=f"{name}: feature flags",
            tags=self.tags("flags"),
            opts=self.child_opts(),
        )
        strategy = aws.appconfig.DeploymentStrategy(
            self.child_name("rollout"),
            name=self.child_name("rollout"),
            description=f"{name}: linear rollout, then bake; rolled back on alarm",
            deployment_duration_in_minutes=args.deployment_minutes,
            final_bake_time_in_minutes=args.bake_minutes,
            growth_factor=args.growth_percent,
            growth_type="LINEAR",
            replicate_to="NONE",
            tags=self.tags("rollout"),
            opts=self.child_opts(),
        )
        self.application_id = application.id
        self.environment_id = environment.environment_id
        self.profile_id = profile.configuration_profile_id
        self.deployment_strategy_id = strategy.id
        self.configuration_arn = pulumi.Output.concat(
            account.arn("appconfig", "application/"),
            application.id,
            "/environment/",
            environment.environment_id,
            "/configuration/",
            profile.configuration_profile_id,
        )
        self.register_outputs(
            {
                "applicationId": self.application_id,
                "environmentId": self.environment_id,
                "profileId": self.profile_id,
                "deploymentStrategyId": self.deployment_strategy_id,
            }
        )

    def grant_read(self, role: aws.iam.Role) -> aws.iam.RolePolicy:
        """Let `role` read this stack's flags (and nothing else in AppConfig)."""
        return aws.iam.RolePolicy(
            self.child_name(f"read-{role.pulumi_resource_name}"),
            role=role.id,
            policy=self.configuration_arn.apply(read_policy),
            opts=self.child_opts(),
        )
