"""FargateFallback: an ECS cluster on Fargate capacity for lightweight tasks (blueprint 1.3),
optional and off by default (`gam:fargate.enabled`).

Container Insights on (enhanced); ECS Exec sessions are encrypted with a customer key
and logged, encrypted, to a log group of their own with retention; capacity providers
FARGATE and FARGATE_SPOT, on-demand by default (`spot_weight` moves tasks to spot).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS

TYPE_TOKEN = "gam:ecs:FargateFallback"


@dataclass(frozen=True, kw_only=True)
class FargateFallbackArgs:
    tags: Mapping[str, str]
    """Required. The standard tags."""

    exec_log_retention_days: int = 365
    """Retention of the ECS Exec session logs."""

    spot_weight: int = 0
    """Share of tasks on FARGATE_SPOT against 1 on FARGATE. Default 0: on demand only."""

    protect: bool = False


def problems(args: FargateFallbackArgs) -> list[str]:
    found = tag_problems(args.tags)
    if args.exec_log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"exec_log_retention_days {args.exec_log_retention_days!r} is not a CloudWatch Logs retention"
        )
    if not 0 <= args.spot_weight <= 10:
        found.append(f"spot_weight {args.spot_weight} must be 0 to 10")
    return found


class FargateFallback(GamComponent):
    """An ECS cluster on Fargate, Container Insights on, ECS Exec encrypted and logged."""

    cluster_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: FargateFallbackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("FargateFallback", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        account = Account(self)
        group_name = f"/gam/{name}/exec"
        use = account.logs_may_use("CloudWatchLogsUsesItForTheExecLogsOnly", group_name)
        key = customer_key(
            self,
            account,
            "exec-key",
            f"Encrypts ECS Exec sessions and their logs in {name}",
            [use],
            protect=args.protect,
        )
        group = aws.cloudwatch.LogGroup(
            self.child_name("exec-logs"),
            name=group_name,
            retention_in_days=args.exec_log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags("exec-logs"),
            opts=self.child_opts(),
        )
        cluster = aws.ecs.Cluster(
            self.child_name("cluster"),
            name=name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enhanced")],
            configuration=aws.ecs.ClusterConfigurationArgs(
                execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                    kms_key_id=key.arn,
                    logging="OVERRIDE",
                    log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                        cloud_watch_encryption_enabled=True,
                        cloud_watch_log_group_name=group.name,
                    ),
                )
            ),
            tags=self.tags("cluster"),
            opts=self.child_opts(),
        )
        strategy = [
            aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                capacity_provider="FARGATE", base=1, weight=1
            )
        ]
        if args.spot_weight:
            strategy.append(
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE_SPOT", weight=args.spot_weight
                )
            )
        aws.ecs.ClusterCapacityProviders(
            self.child_name("capacity"),
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=strategy,
            opts=self.child_opts(),
        )
        self.cluster_arn = cluster.arn
        self.register_outputs({"clusterArn": self.cluster_arn})
