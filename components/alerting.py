"""The Alertmanager configuration of the Managed Prometheus workspace. Pure, no Pulumi.

Where alerts land, by their `severity` label (set by `components.slo` and by any other
rule file):

- `sev1`, `sev2` -> the pager topic (SNS, bound to PagerDuty): someone is woken;
- `sev3` (SLO tickets) and `info` (symptoms) -> the Slack topic; so does anything
  unlabelled (the root receiver), so no alert is lost for want of a label.

Noise control:

- grouping by `slo` and `alertname`: a burn over many series is one notification;
- inhibition: a firing page of an SLO (`alert_type=page`) silences that SLO's tickets
  and symptom alerts (`equal: [slo]`), and its sev1 silences its sev2;
- repeat intervals: pages every 1 h while firing, tickets and info once a day.
"""

from __future__ import annotations

from typing import Any

import yaml

PAGER_RECEIVER = "pager"
SLACK_RECEIVER = "slack"
PAGER_SEVERITIES = ("sev1", "sev2")
TICKET_SEVERITIES = ("sev3",)
INFO_SEVERITIES = ("info",)
GROUP_BY = ("slo", "alertname")


def _sns(topic_arn: str, region: str) -> dict[str, Any]:
    return {
        "topic_arn": topic_arn,
        "sigv4": {"region": region},
        "subject": "[{{ .Status | toUpper }}] {{ .CommonLabels.severity }} {{ .CommonLabels.alertname }}",
        "attributes": {
            "severity": "{{ .CommonLabels.severity }}",
            "slo": "{{ .CommonLabels.slo }}",
            # the owning team: PagerDuty's per-team subscriptions filter on it (ADR 0017)
            "team": "{{ .CommonLabels.team }}",
        },
    }


def _one_of(label: str, values: tuple[str, ...]) -> str:
    return f'{label}=~"{"|".join(values)}"'


def config(*, pager_topic_arn: str, slack_topic_arn: str, region: str) -> dict[str, Any]:
    """The Alertmanager configuration (`alertmanager_config`) as a mapping."""
    return {
        "route": {
            "receiver": SLACK_RECEIVER,
            "group_by": list(GROUP_BY),
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "24h",
            "routes": [
                {
                    "receiver": PAGER_RECEIVER,
                    "matchers": [_one_of("severity", PAGER_SEVERITIES)],
                    "group_wait": "10s",
                    "repeat_interval": "1h",
                },
                {
                    "receiver": SLACK_RECEIVER,
                    "matchers": [_one_of("severity", TICKET_SEVERITIES + INFO_SEVERITIES)],
                    "repeat_interval": "24h",
                },
            ],
        },
        "inhibit_rules": [
            {
                "source_matchers": ['alert_type="page"'],
                "target_matchers": ['alert_type=~"ticket|symptom"'],
                "equal": ["slo"],
            },
            {
                "source_matchers": ['severity="sev1"'],
                "target_matchers": ['severity="sev2"'],
                "equal": ["slo"],
            },
        ],
        "receivers": [
            {"name": PAGER_RECEIVER, "sns_configs": [_sns(pager_topic_arn, region)]},
            {"name": SLACK_RECEIVER, "sns_configs": [_sns(slack_topic_arn, region)]},
        ],
    }


def definition(*, pager_topic_arn: str, slack_topic_arn: str, region: str) -> str:
    """The workspace's Alertmanager definition document (AMP's YAML shape)."""
    body = config(pager_topic_arn=pager_topic_arn, slack_topic_arn=slack_topic_arn, region=region)
    return yaml.safe_dump(
        {"alertmanager_config": yaml.safe_dump(body, sort_keys=False)}, sort_keys=False
    )
