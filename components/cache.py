"""Cache: an ElastiCache (Valkey or Redis OSS) replication group in the data subnets.
Decisions, written where they are made (ADR 0016):

- Encrypted at rest under a customer key of the cache's own, and in transit with TLS
  required (`transit_encryption_mode="required"`): no plain-text client is accepted.
- Authentication is RBAC with IAM: the user group holds a disabled `default` user (no
  one connects without a user) and one application user that authenticates with IAM
  (`authentication_mode.type="iam"`, user id = user name). No password or token exists,
  so none is in config, state or Secrets Manager, and none needs rotating: a workload
  role is let in with `grant_connect(role)` (`elasticache:Connect` on the group and the
  user) and signs a short-lived token with its credentials (redis-py's credential
  provider; IAM connections last at most 12 hours, then reconnect).
- The application user may run every command but the `@dangerous` ones (FLUSHALL,
  KEYS, CONFIG, DEBUG...), on every key and channel (Celery uses pub/sub).
- `num_cache_clusters` of 2 or more turns on Multi-AZ with automatic failover (staging,
  prod); 1 (dev) is a single node.
- The security group admits the cache port only from the security groups passed in
  (`client_security_group_ids`, or later `admit(...)`), and has no egress rule.
- Daily snapshots kept `snapshot_retention_days`; a final snapshot on deletion. The slow
  log and the engine log go, as JSON, to log groups under the cache's key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS

TYPE_TOKEN = "gam:cache:Cache"
PORT = 6379
APP_ACCESS = "on ~* &* +@all -@dangerous"
DEFAULT_USER_ACCESS = "off -@all"
LOG_TYPES = ("slow-log", "engine-log")
CONNECT_ACTIONS = ("elasticache:Connect",)


@dataclass(frozen=True, kw_only=True)
class CacheArgs:
    vpc_id: pulumi.Input[str]
    """Required. The VPC of the data subnets."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Required. The data subnets (Tier=data), one per availability zone."""
    tags: Mapping[str, str]
    """Required. The standard tags."""
    engine: Literal["valkey", "redis"] = "valkey"
    engine_version: str = "8.0"
    node_type: str = "cache.t4g.micro"
    num_cache_clusters: int = 1
    """Nodes (a primary and replicas). 2 or more: Multi-AZ with automatic failover."""
    client_security_group_ids: Sequence[pulumi.Input[str]] = ()
    """The security groups whose members may connect. Default: none yet (see `admit`)."""
    snapshot_retention_days: int = 1
    log_retention_days: int = 30
    protect: bool = False


def problems(args: CacheArgs) -> list[str]:
    found = tag_problems(args.tags)
    if args.engine not in ("valkey", "redis"):
        found.append(f"engine {args.engine!r} is not valkey or redis")
    if not args.node_type.startswith("cache."):
        found.append(f"node_type {args.node_type!r} is not an ElastiCache node type (cache.*)")
    if not 1 <= args.num_cache_clusters <= 6:
        found.append("num_cache_clusters must be 1 to 6")
    if not 1 <= args.snapshot_retention_days <= 35:
        found.append("snapshot_retention_days must be 1 to 35")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(f"log_retention_days {args.log_retention_days} is not a CloudWatch period")
    return found


def connect_document(group_arn: str, user_arn: str) -> dict[str, Any]:
    """IAM authentication to the replication group as the application user, nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": list(CONNECT_ACTIONS), "Resource": [group_arn, user_arn]}
        ],
    }


class Cache(GamComponent):
    """The replication group; `endpoint`, `user_name`; `grant_connect`, `admit`."""

    def __init__(
        self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate(f"Cache {name!r}", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        account = Account(self)
        log_prefix = f"/gam/{name}"
        logs_use = account.logs_may_use(
            "CloudWatchLogsUsesItForTheCachesLogGroups", f"{log_prefix}/*"
        )
        self.key = customer_key(
            self, account, "key", f"Data, snapshots and logs of {name}", [logs_use],
            protect=args.protect,
        )  # fmt: skip
        self.security_group = aws.ec2.SecurityGroup(
            self.child_name("sg"),
            description=f"{name}: the cache port, from its clients' security groups only",
            vpc_id=args.vpc_id,
            tags=self.tags("sg"),
            opts=self.child_opts(),
        )
        for index, client in enumerate(args.client_security_group_ids):
            self.admit(f"client-{index}", client)
        subnets = aws.elasticache.SubnetGroup(
            self.child_name("subnets"),
            description=f"{name}: the data subnets",
            subnet_ids=args.subnet_ids,
            tags=self.tags("subnets"),
            opts=self.child_opts(),
        )
        self.user_name = f"{name}-app"
        default_user = aws.elasticache.User(
            self.child_name("default-user"),
            user_id=f"{name}-default",
            user_name="default",
            engine=args.engine,
            access_string=DEFAULT_USER_ACCESS,
            authentication_mode={"type": "no-password-required"},
            tags=self.tags("default-user"),
            opts=self.child_opts(),
        )
        self.app_user = aws.elasticache.User(
            self.child_name("app-user"),
            user_id=self.user_name,
            user_name=self.user_name,
            engine=args.engine,
            access_string=APP_ACCESS,
            authentication_mode={"type": "iam"},
            tags=self.tags("app-user"),
            opts=self.child_opts(),
        )
        users = aws.elasticache.UserGroup(
            self.child_name("users"),
            user_group_id=f"{name}-users",
            engine=args.engine,
            user_ids=[default_user.user_id, self.app_user.user_id],
            tags=self.tags("users"),
            opts=self.child_opts(),
        )
        logs = {
            log_type: aws.cloudwatch.LogGroup(
                self.child_name(log_type),
                name=f"{log_prefix}/{log_type}",
                retention_in_days=args.log_retention_days,
                kms_key_id=self.key.arn,
                tags=self.tags(log_type),
                opts=self.child_opts(),
            )
            for log_type in LOG_TYPES
        }
        failover = args.num_cache_clusters >= 2
        self.group = aws.elasticache.ReplicationGroup(
            self.child_name("group"),
            description=f"{name}: {args.engine} {args.engine_version}",
            engine=args.engine,
            engine_version=args.engine_version,
            node_type=args.node_type,
            port=PORT,
            num_cache_clusters=args.num_cache_clusters,
            automatic_failover_enabled=failover,
            multi_az_enabled=failover,
            subnet_group_name=subnets.name,
            security_group_ids=[self.security_group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=self.key.arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            user_group_ids=[users.user_group_id],
            snapshot_retention_limit=args.snapshot_retention_days,
            snapshot_window="02:00-03:00",
            maintenance_window="sun:04:00-sun:05:00",
            final_snapshot_identifier=f"{name}-final",
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[
                {
                    "destination": group.name,
                    "destination_type": "cloudwatch-logs",
                    "log_format": "json",
                    "log_type": log_type,
                }
                for log_type, group in logs.items()
            ],
            tags=self.tags("group"),
            opts=self.child_opts(protect=args.protect),
        )
        self.endpoint = self.group.primary_endpoint_address
        self.register_outputs({"endpoint": self.endpoint, "user_name": self.user_name})

    def admit(self, role: str, security_group_id: pulumi.Input[str]) -> None:
        """Let members of `security_group_id` reach the cache port."""
        self.admit_group(
            f"sg-from-{role}",
            self.security_group.id,
            security_group_id,
            PORT,
            f"{self._name} clients ({role})",
        )

    def grant_connect(self, role: aws.iam.Role) -> aws.iam.RolePolicy:
        """Let `role` connect (IAM authentication) as the application user."""
        policy = pulumi.Output.all(self.group.arn, self.app_user.arn).apply(
            lambda v: json.dumps(connect_document(v[0], v[1]))
        )
        return aws.iam.RolePolicy(
            f"{self.child_name('connect')}-{role._name}",
            role=role.name,
            policy=policy,
            opts=self.child_opts(),
        )
