"""ObservabilityStack: Managed Prometheus with the SLO rules and Alertmanager, the alert
topics, CloudWatch alarms and X-Ray (ADR 0012).

- **Amazon Managed Prometheus** workspace, encrypted with a customer key, its logs
  (rule and Alertmanager errors) in a log group on that key. Collectors (ADOT on EKS)
  remote-write to it: the stack outputs the URL, the region and the workspace ARN.
- **SLO rules**: one rule group namespace per SLO of the catalog (`components.slo`):
  recording rules for the SLI and error budget, burn-rate alerts.
- **Alertmanager** (`components.alerting`): sev1/sev2 to the pager topic, sev3/info to
  the Slack topic, with grouping, inhibition and repeat intervals.
- **Topics**: pager (bound to PagerDuty) and Slack, on a key of their own that only
  Managed Prometheus and CloudWatch alarms may use; the topic policies let only this
  workspace and this account's alarms publish. Subscriptions exist only when their endpoint is set (secure
  config); otherwise the topics wait for one.
- **CloudWatch alarms** (`components.alarms`): NAT gateways and the egress firewall
  now; `add_alarms` for the components that come later (RDS, Redis, SQS, OpenSearch).
- **X-Ray**: traces encrypted with the customer key, one sampling rule (a reservoir of
  one request a second, then `trace_sampling_rate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pulumi
import pulumi_aws as aws
import yaml

from components import alarms, alerting, grafana, pagerduty, slo
from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS

TYPE_TOKEN = "gam:observability:ObservabilityStack"
# X-Ray evaluates rules lowest priority first; the default rule is 10000.
SAMPLING_PRIORITY = 1000
SAMPLING_RESERVOIR = 1
SAMPLING_RULE_NAME_MAX = 32
TOPICS = ("pager", "slack")


@dataclass(frozen=True, kw_only=True)
class ObservabilityArgs:
    slos: Sequence[slo.Slo]
    """Required. The SLO catalog (validated by `components.slo`)."""

    tags: Mapping[str, str]
    """Required. The standard tags."""

    log_retention_days: int = 365
    """Retention of the workspace's log group, a CloudWatch Logs retention."""

    trace_sampling_rate: float = 0.05
    """X-Ray: the share traced after the reservoir, 0 to 1."""

    pager_endpoint: pulumi.Input[str] | None = None
    """https endpoint subscribed to the pager topic (a secret). None: no subscription."""

    slack_endpoint: pulumi.Input[str] | None = None
    """https endpoint subscribed to the Slack topic (a secret). None: no subscription."""

    nat_gateway_ids: Sequence[pulumi.Input[str]] = ()
    """NAT gateways to alarm on."""

    firewall_name: pulumi.Input[str] | None = None
    """The egress Network Firewall to alarm on, with `firewall_zones`."""

    firewall_zones: Sequence[pulumi.Input[str]] = ()
    """The AZ names of the firewall's endpoints."""

    protect: bool = False
    """Protect the keys and the workspace from deletion (prod)."""

    grafana: grafana.GrafanaArgs | None = None
    """Managed Grafana over this workspace (ADR 0017). None: no Grafana."""

    pager_duty: pagerduty.PagerDutyArgs | None = None
    """PagerDuty as code behind the pager topic (ADR 0017). None: no PagerDuty."""


def problems(name: str, args: ObservabilityArgs) -> list[str]:
    found = tag_problems(args.tags)
    for item in args.slos:
        found += [f"slo {item.name}: {p}" for p in slo.slo_problems(item)]
    names = [item.name for item in args.slos]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        found.append(f"slos {repeated} are named more than once")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"log_retention_days {args.log_retention_days!r} is not a CloudWatch Logs "
            f"retention; use one of {LOG_RETENTION_DAYS}"
        )
    if not 0 <= args.trace_sampling_rate <= 1:
        found.append(f"trace_sampling_rate {args.trace_sampling_rate} must be 0 to 1")
    if len(f"{name}-sampling") > SAMPLING_RULE_NAME_MAX:
        found.append(
            f"name {name!r} is too long for the X-Ray sampling rule's name "
            f"({SAMPLING_RULE_NAME_MAX} characters with '-sampling'); use a shorter one"
        )
    if args.firewall_name is not None and not args.firewall_zones:
        found.append("firewall_name needs firewall_zones (its endpoints' AZs)")
    if args.grafana is not None:
        found += [f"grafana: {p}" for p in grafana.option_problems(args.grafana)]
    if args.pager_duty is not None:
        found += [f"pager_duty: {p}" for p in pagerduty.option_problems(args.pager_duty)]
        if args.pager_endpoint is not None:
            found.append("pager_endpoint and pager_duty both subscribe the pager topic: set one")
        teams = {t.name for t in args.pager_duty.teams}
        orphans = sorted({s.team for s in args.slos} - teams)
        if orphans:
            found.append(f"slo teams {orphans} have no PagerDuty team to page")
    return found


class ObservabilityStack(GamComponent):
    """Managed Prometheus, SLO rules, Alertmanager, alert topics, alarms and X-Ray."""

    workspace_arn: pulumi.Output[str]
    workspace_id: pulumi.Output[str]
    remote_write_url: pulumi.Output[str]
    region: pulumi.Output[str]
    topic_arns: pulumi.Output[dict[str, str]]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("ObservabilityStack", problems(name, args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)

        telemetry_key = self._telemetry_key()
        workspace = self._workspace(telemetry_key)
        self._topics = self._alert_topics(workspace)
        self._rules(workspace)
        aws.amp.AlertManagerDefinition(
            self.child_name("alertmanager"),
            workspace_id=workspace.id,
            definition=pulumi.Output.all(
                self._topics["pager"].arn, self._topics["slack"].arn, self._account.region
            ).apply(
                lambda v: alerting.definition(
                    pager_topic_arn=v[0], slack_topic_arn=v[1], region=v[2]
                )
            ),
            opts=self.child_opts(),
        )
        self._tracing(telemetry_key)
        self.grafana: grafana.ManagedGrafana | None = None
        if args.grafana is not None:
            self.grafana = grafana.ManagedGrafana(
                self.child_name("grafana"),
                replace(
                    args.grafana,
                    prometheus_workspace_arn=workspace.arn,
                    prometheus_endpoint=workspace.prometheus_endpoint,
                    tags=args.tags,
                    protect=args.protect,
                ),
                self.child_opts(),
            )
        if args.pager_duty is not None:
            pagerduty.PagerDutyOnCall(
                self.child_name("pagerduty"),
                replace(args.pager_duty, pager_topic_arn=self._topics["pager"].arn, tags=args.tags),
                self.child_opts(),
            )

        specs = [
            s for i, nat in enumerate(args.nat_gateway_ids) for s in alarms.nat_gateway(i, nat)
        ]
        if args.firewall_name is not None:
            specs += [
                s
                for i, zone in enumerate(args.firewall_zones)
                for s in alarms.network_firewall(i, args.firewall_name, zone)
            ]
        self.add_alarms(specs)

        self.workspace_arn = workspace.arn
        self.workspace_id = workspace.id
        self.remote_write_url = workspace.prometheus_endpoint.apply(
            lambda url: f"{url.rstrip('/')}/api/v1/remote_write"
        )
        self.region = self._account.region
        self.topic_arns = pulumi.Output.all(**{k: t.arn for k, t in self._topics.items()})
        self.register_outputs(
            {
                "workspaceArn": self.workspace_arn,
                "workspaceId": self.workspace_id,
                "remoteWriteUrl": self.remote_write_url,
                "region": self.region,
                "topicArns": self.topic_arns,
            }
        )

    # --- alarms -----------------------------------------------------------------

    def add_alarms(self, specs: Sequence[alarms.AlarmSpec]) -> list[aws.cloudwatch.MetricAlarm]:
        """Create CloudWatch alarms from specs, each notifying the topic of its severity
        (alarm and back to OK). The hook other components' alarms go through."""
        created = []
        for spec in specs:
            topic = self._topics[alarms.topic_for(spec.severity)].arn
            role = f"alarm-{spec.role}"
            created.append(
                aws.cloudwatch.MetricAlarm(
                    self.child_name(role),
                    name=self.child_name(role),
                    alarm_description=f"[{spec.severity}] {spec.description}",
                    namespace=spec.namespace,
                    metric_name=spec.metric,
                    dimensions=dict(spec.dimensions),
                    statistic=spec.statistic,
                    threshold=spec.threshold,
                    comparison_operator=spec.comparison,
                    period=spec.period,
                    evaluation_periods=spec.evaluation_periods,
                    datapoints_to_alarm=spec.datapoints_to_alarm,
                    treat_missing_data=spec.treat_missing_data,
                    alarm_actions=[topic],
                    ok_actions=[topic],
                    tags=self.tags(role, Severity=spec.severity),
                    opts=self.child_opts(),
                )
            )
        return created

    # --- workspace and rules ----------------------------------------------------------

    def _log_group_name(self) -> str:
        # vended logs: the /aws/vendedlogs/ prefix keeps the account's log resource policy small
        return f"/aws/vendedlogs/gam/{self._name}/prometheus"

    def _telemetry_key(self) -> aws.kms.Key:
        """Encrypts the workspace, its logs and the traces. Managed Prometheus and X-Ray
        use it through grants the deploying principal creates (the account administers
        the key); CloudWatch Logs may use it for the workspace's log group only."""
        logs = self._account.logs_may_use(
            "CloudWatchLogsUsesItForTheWorkspaceLogGroupOnly", self._log_group_name()
        )
        return customer_key(
            self,
            self._account,
            "telemetry-key",
            f"Encrypts the metrics, their logs and the traces of {self._name}",
            [logs],
            protect=self._args.protect,
        )

    def _workspace(self, key: aws.kms.Key) -> aws.amp.Workspace:
        group = aws.cloudwatch.LogGroup(
            self.child_name("prometheus-logs"),
            name=self._log_group_name(),
            retention_in_days=self._args.log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags("prometheus-logs"),
            opts=self.child_opts(),
        )
        return aws.amp.Workspace(
            self.child_name("prometheus"),
            alias=self.child_name("prometheus"),
            kms_key_arn=key.arn,
            logging_configuration=aws.amp.WorkspaceLoggingConfigurationArgs(
                log_group_arn=pulumi.Output.concat(group.arn, ":*")
            ),
            tags=self.tags("prometheus"),
            opts=self.child_opts(protect=self._args.protect),
        )

    def _rules(self, workspace: aws.amp.Workspace) -> None:
        for item in self._args.slos:
            aws.amp.RuleGroupNamespace(
                self.child_name(f"slo-{item.name}"),
                name=f"slo-{item.name}",
                workspace_id=workspace.id,
                data=yaml.safe_dump(slo.rule_file(item), sort_keys=False),
                tags=self.tags(f"slo-{item.name}"),
                opts=self.child_opts(),
            )

    # --- topics -----------------------------------------------------------------------

    def _alert_topics(self, workspace: aws.amp.Workspace) -> dict[str, aws.sns.Topic]:
        """The pager and Slack topics, on a key that only the publishers may use."""
        same_account = {"StringEquals": {"aws:SourceAccount": self._account.id}}
        encrypt = ["kms:GenerateDataKey*", "kms:Decrypt"]
        # CloudWatch passes its alarm's account to KMS; Managed Prometheus is not documented
        # to, and a condition it does not meet would drop every page silently. The topic
        # policies below still let only this workspace publish.
        use = [
            {
                "Sid": "AlarmsOfThisAccountEncryptNotifications",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": encrypt,
                "Resource": "*",
                "Condition": same_account,
            },
            {
                "Sid": "ManagedPrometheusEncryptsNotifications",
                "Effect": "Allow",
                "Principal": {"Service": "aps.amazonaws.com"},
                "Action": encrypt,
                "Resource": "*",
            },
        ]
        key = customer_key(
            self,
            self._account,
            "alerts-key",
            f"Encrypts the alert notifications of {self._name}",
            use,
            protect=self._args.protect,
        )
        endpoints = {"pager": self._args.pager_endpoint, "slack": self._args.slack_endpoint}
        topics = {}
        for role in TOPICS:
            topic = aws.sns.Topic(
                self.child_name(f"{role}-topic"),
                name=self.child_name(f"{role}-topic"),
                kms_master_key_id=key.arn,
                tags=self.tags(f"{role}-topic"),
                opts=self.child_opts(),
            )
            aws.sns.TopicPolicy(
                self.child_name(f"{role}-topic-policy"),
                arn=topic.arn,
                policy=pulumi.Output.json_dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "PrometheusOfThisWorkspacePublishes",
                                "Effect": "Allow",
                                "Principal": {"Service": "aps.amazonaws.com"},
                                "Action": ["sns:Publish", "sns:GetTopicAttributes"],
                                "Resource": topic.arn,
                                "Condition": {
                                    **same_account,
                                    "ArnEquals": {"aws:SourceArn": workspace.arn},
                                },
                            },
                            {
                                "Sid": "CloudWatchAlarmsOfThisAccountPublish",
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Resource": topic.arn,
                                "Condition": same_account,
                            },
                        ],
                    }
                ),
                opts=self.child_opts(),
            )
            endpoint = endpoints[role]
            if endpoint is not None:
                aws.sns.TopicSubscription(
                    self.child_name(f"{role}-subscription"),
                    topic=topic.arn,
                    protocol="https",
                    endpoint=pulumi.Output.secret(endpoint),
                    endpoint_auto_confirms=True,
                    opts=self.child_opts(),
                )
            topics[role] = topic
        return topics

    # --- tracing ----------------------------------------------------------------------

    def _tracing(self, key: aws.kms.Key) -> None:
        aws.xray.EncryptionConfig(
            self.child_name("xray-encryption"),
            type="KMS",
            key_id=key.arn,
            opts=self.child_opts(),
        )
        aws.xray.SamplingRule(
            self.child_name("xray-sampling"),
            rule_name=self.child_name("sampling"),
            priority=SAMPLING_PRIORITY,
            reservoir_size=SAMPLING_RESERVOIR,
            fixed_rate=self._args.trace_sampling_rate,
            host="*",
            http_method="*",
            url_path="*",
            service_name="*",
            service_type="*",
            resource_arn="*",
            version=1,
            tags=self.tags("xray-sampling"),
            opts=self.child_opts(),
        )
