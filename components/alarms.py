"""CloudWatch alarms for the managed services, as data: what to watch and how loud.

Each builder returns `AlarmSpec`s; `ObservabilityStack.add_alarms` creates them and
routes each to a topic by its severity (`topic_for`): sev1/sev2 to the pager topic,
sev3/info to the Slack topic, as Alertmanager routes Prometheus alerts
(`components.alerting`). The builders for RDS, Redis, SQS and OpenSearch are hooks for
the components that create those services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pulumi

Severity = Literal["sev1", "sev2", "sev3", "info"]
PAGER_SEVERITIES: tuple[str, ...] = ("sev1", "sev2")
SEVERITIES: tuple[str, ...] = ("sev1", "sev2", "sev3", "info")


@dataclass(frozen=True, kw_only=True)
class AlarmSpec:
    role: str
    """Names the alarm (`<component>-alarm-<role>`), unique within the stack's alarms."""
    description: str
    namespace: str
    metric: str
    dimensions: Mapping[str, pulumi.Input[str]]
    statistic: str
    threshold: float
    comparison: str = "GreaterThanThreshold"
    period: int = 300
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    severity: Severity = "sev3"
    treat_missing_data: str = "notBreaching"


def topic_for(severity: str) -> Literal["pager", "slack"]:
    """The topic an alarm of this severity notifies."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r} is not one of {SEVERITIES}")
    return "pager" if severity in PAGER_SEVERITIES else "slack"


def nat_gateway(index: int, nat_id: pulumi.Input[str]) -> list[AlarmSpec]:
    """A NAT gateway out of source ports fails new connections (sev2); dropped packets
    are a ticket."""
    dims = {"NatGatewayId": nat_id}
    return [
        AlarmSpec(
            role=f"nat-{index}-port-allocation",
            description=f"NAT gateway {index} cannot allocate source ports: new egress connections fail",
            namespace="AWS/NATGateway",
            metric="ErrorPortAllocation",
            dimensions=dims,
            statistic="Sum",
            threshold=0,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            severity="sev2",
        ),
        AlarmSpec(
            role=f"nat-{index}-packets-dropped",
            description=f"NAT gateway {index} drops packets",
            namespace="AWS/NATGateway",
            metric="PacketsDropCount",
            dimensions=dims,
            statistic="Sum",
            threshold=100,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            severity="sev3",
        ),
    ]


def network_firewall(
    index: int, firewall_name: pulumi.Input[str], zone: pulumi.Input[str]
) -> list[AlarmSpec]:
    """Drops by the egress firewall in one AZ: denied egress is expected now and then
    (a dependency not yet allow-listed), a sustained rate is worth a look (info)."""
    return [
        AlarmSpec(
            role=f"firewall-{index}-dropped",
            description=f"Network Firewall drops egress in AZ {index}: a blocked dependency or a probe",
            namespace="AWS/NetworkFirewall",
            metric="DroppedPackets",
            dimensions={
                "FirewallName": firewall_name,
                "AvailabilityZone": zone,
                "Engine": "Stateful",
            },
            statistic="Sum",
            threshold=1000,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            severity="info",
        )
    ]


def rds(name: str, instance_id: pulumi.Input[str], *, replica: bool = False) -> list[AlarmSpec]:
    """Hook for the database component: CPU, free storage, replica lag."""
    dims = {"DBInstanceIdentifier": instance_id}
    specs = [
        AlarmSpec(
            role=f"{name}-cpu",
            description=f"{name}: CPU above 80 % for 15 minutes",
            namespace="AWS/RDS",
            metric="CPUUtilization",
            dimensions=dims,
            statistic="Average",
            threshold=80,
            evaluation_periods=3,
            severity="sev3",
        ),
        AlarmSpec(
            role=f"{name}-free-storage",
            description=f"{name}: under 10 GiB of free storage",
            namespace="AWS/RDS",
            metric="FreeStorageSpace",
            dimensions=dims,
            statistic="Minimum",
            threshold=10 * 1024**3,
            comparison="LessThanThreshold",
            severity="sev2",
        ),
    ]
    if replica:
        specs.append(
            AlarmSpec(
                role=f"{name}-replica-lag",
                description=f"{name}: replica more than 5 minutes behind",
                namespace="AWS/RDS",
                metric="ReplicaLag",
                dimensions=dims,
                statistic="Maximum",
                threshold=300,
                evaluation_periods=3,
                severity="sev3",
            )
        )
    return specs


def redis(name: str, replication_group_id: pulumi.Input[str]) -> list[AlarmSpec]:
    """Hook for the cache component: memory nearly full (evictions next)."""
    return [
        AlarmSpec(
            role=f"{name}-memory",
            description=f"{name}: memory above 85 %",
            namespace="AWS/ElastiCache",
            metric="DatabaseMemoryUsagePercentage",
            dimensions={"ReplicationGroupId": replication_group_id},
            statistic="Maximum",
            threshold=85,
            evaluation_periods=3,
            severity="sev3",
        )
    ]


def sqs(
    name: str, queue_name: pulumi.Input[str], dead_letter_queue_name: pulumi.Input[str]
) -> list[AlarmSpec]:
    """Hook for the queue component: work waiting too long; anything in the DLQ."""
    return [
        AlarmSpec(
            role=f"{name}-oldest-message",
            description=f"{name}: the oldest message has waited more than 15 minutes",
            namespace="AWS/SQS",
            metric="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": queue_name},
            statistic="Maximum",
            threshold=900,
            evaluation_periods=2,
            severity="sev2",
        ),
        AlarmSpec(
            role=f"{name}-dead-letters",
            description=f"{name}: messages in the dead-letter queue",
            namespace="AWS/SQS",
            metric="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dead_letter_queue_name},
            statistic="Maximum",
            threshold=0,
            severity="sev3",
        ),
    ]


def opensearch(
    name: str, domain_name: pulumi.Input[str], account_id: pulumi.Input[str]
) -> list[AlarmSpec]:
    """Hook for the log store: cluster red (sev2: data unavailable), yellow (sev3)."""
    dims = {"DomainName": domain_name, "ClientId": account_id}
    return [
        AlarmSpec(
            role=f"{name}-red",
            description=f"{name}: cluster status red, primary shards unassigned",
            namespace="AWS/ES",
            metric="ClusterStatus.red",
            dimensions=dims,
            statistic="Maximum",
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
            period=60,
            evaluation_periods=5,
            severity="sev2",
        ),
        AlarmSpec(
            role=f"{name}-yellow",
            description=f"{name}: cluster status yellow, replica shards unassigned",
            namespace="AWS/ES",
            metric="ClusterStatus.yellow",
            dimensions=dims,
            statistic="Maximum",
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
            period=60,
            evaluation_periods=15,
            severity="sev3",
        ),
    ]
