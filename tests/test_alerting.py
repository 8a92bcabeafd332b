"""The Alertmanager definition (components/alerting.py): a walk of its routing tree and
its inhibition rules with sample alerts, as Alertmanager evaluates them, on the YAML the
workspace receives."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import yaml

from components import alerting, slo
from tests.test_settings_observability import default_catalog

PAGER = "arn:aws:sns:eu-west-1:123456789012:gam-test-obs-pager-topic"
SLACK = "arn:aws:sns:eu-west-1:123456789012:gam-test-obs-slack-topic"
Labels = Mapping[str, str]


def parsed() -> dict[str, Any]:
    """The definition as the workspace receives it: YAML holding the config as YAML."""
    document = yaml.safe_load(
        alerting.definition(pager_topic_arn=PAGER, slack_topic_arn=SLACK, region="eu-west-1")
    )
    assert set(document) == {"alertmanager_config"}
    config: dict[str, Any] = yaml.safe_load(document["alertmanager_config"])
    return config


CONFIG = parsed()
_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"(.*)"\s*$')


def matches(matcher: str, labels: Labels) -> bool:
    """One Alertmanager matcher: regexes are anchored, a missing label is empty."""
    found = _MATCHER.match(matcher)
    assert found, f"not a matcher: {matcher!r}"
    name, op, value = found.groups()
    actual = labels.get(name, "")
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    hit = re.fullmatch(value, actual) is not None
    return hit if op == "=~" else not hit


def all_match(matchers: Sequence[str], labels: Labels) -> bool:
    return all(matches(m, labels) for m in matchers)


def walk(
    route: Mapping[str, Any], labels: Labels, inherited: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The routes an alert lands on (receiver and effective settings), depth first, the
    first matching child only unless it says `continue`; a node no child takes keeps it."""
    settings = {**(inherited or {}), **{k: v for k, v in route.items() if k != "routes"}}
    landed: list[dict[str, Any]] = []
    for child in route.get("routes", []):
        if all_match(child.get("matchers", []), labels):
            landed += walk(child, labels, settings)
            if not child.get("continue", False):
                break
    return landed or [settings]


def receiver_topic(receiver: str) -> str:
    (entry,) = [r for r in CONFIG["receivers"] if r["name"] == receiver]
    (sns,) = entry["sns_configs"]
    return str(sns["topic_arn"])


def lands(labels: Labels) -> list[str]:
    return [receiver_topic(r["receiver"]) for r in walk(CONFIG["route"], labels)]


def inhibited(target: Labels, firing: Sequence[Labels]) -> bool:
    """Alertmanager's inhibition: a firing source alert mutes a target alert whose
    `equal` labels it shares (an alert never mutes itself)."""
    for rule in CONFIG["inhibit_rules"]:
        if not all_match(rule["target_matchers"], target):
            continue
        for source in firing:
            if source is target or not all_match(rule["source_matchers"], source):
                continue
            if all(source.get(k, "") == target.get(k, "") for k in rule["equal"]):
                return True
    return False


def alerts_of(item: slo.Slo) -> dict[str, dict[str, str]]:
    """The labels each generated alert of an SLO fires with."""
    return {
        r["alert"]: {"alertname": r["alert"], **r["labels"]}
        for g in slo.rule_file(item)["groups"]
        for r in g["rules"]
        if "alert" in r
    }


CATALOG = default_catalog()


@pytest.mark.parametrize(
    ("labels", "topic"),
    [
        (
            {
                "alertname": "ApiLatencyErrorBudgetBurnFast",
                "severity": "sev1",
                "slo": "api-latency",
            },
            PAGER,
        ),
        (
            {
                "alertname": "ApiLatencyErrorBudgetBurnHigh",
                "severity": "sev2",
                "slo": "api-latency",
            },
            PAGER,
        ),
        (
            {
                "alertname": "ApiLatencyErrorBudgetBurnSlow",
                "severity": "sev3",
                "slo": "api-latency",
            },
            SLACK,
        ),
        ({"alertname": "ApiLatencySLIMissing", "severity": "info", "slo": "api-latency"}, SLACK),
        ({"alertname": "SomethingUnlabelled"}, SLACK),
        ({"alertname": "Odd", "severity": "sev10"}, SLACK),
        ({"alertname": "Odd", "severity": "SEV1"}, SLACK),
    ],
)
def test_each_sample_alert_lands_on_exactly_one_topic_by_severity(
    labels: Labels, topic: str
) -> None:
    assert lands(labels) == [topic]


@pytest.mark.parametrize("item", CATALOG, ids=lambda s: s.name)
def test_every_generated_alert_pages_or_posts_as_its_kind_says(item: slo.Slo) -> None:
    for name, labels in alerts_of(item).items():
        expected = PAGER if labels["alert_type"] == "page" else SLACK
        assert lands(labels) == [expected], name


def test_a_firing_page_silences_its_own_tickets_and_symptoms_only() -> None:
    latency = alerts_of(next(s for s in CATALOG if s.name == "api-latency"))
    jobs = alerts_of(next(s for s in CATALOG if s.name == "job-completion"))
    page = latency["ApiLatencyErrorBudgetBurnFast"]
    firing = [page, *latency.values(), jobs["JobCompletionErrorBudgetBurnSlow"]]
    assert inhibited(latency["ApiLatencyErrorBudgetBurnSlow"], firing)
    assert inhibited(latency["ApiLatencyErrorBudgetBurnSlowest"], firing)
    assert inhibited(latency["ApiLatencySLIMissing"], firing)
    assert inhibited(latency["ApiLatencyErrorBudgetBurnHigh"], firing)  # sev1 mutes sev2
    assert not inhibited(page, firing)
    assert not inhibited(jobs["JobCompletionErrorBudgetBurnSlow"], firing)  # another SLO


def test_without_a_page_the_tickets_and_symptoms_get_through() -> None:
    latency = alerts_of(next(s for s in CATALOG if s.name == "api-latency"))
    firing = [latency["ApiLatencyErrorBudgetBurnSlow"], latency["ApiLatencySLIMissing"]]
    assert not any(inhibited(alert, firing) for alert in firing)
    high = latency["ApiLatencyErrorBudgetBurnHigh"]
    assert not inhibited(high, [high])  # a sev2 alone pages


def test_pages_repeat_hourly_and_the_rest_daily_grouped_by_slo() -> None:
    route = CONFIG["route"]
    assert route["group_by"] == ["slo", "alertname"]
    (page,) = walk(route, {"severity": "sev1"})
    (ticket,) = walk(route, {"severity": "sev3"})
    (info,) = walk(route, {"severity": "info"})
    assert page["repeat_interval"] == "1h" and page["group_wait"] == "10s"
    assert ticket["repeat_interval"] == info["repeat_interval"] == "24h"
    assert all(r["group_by"] == ["slo", "alertname"] for r in (page, ticket, info))


def test_the_receivers_publish_to_sns_with_sigv4_in_the_region() -> None:
    assert {r["name"] for r in CONFIG["receivers"]} == {"pager", "slack"}
    for receiver in CONFIG["receivers"]:
        (sns,) = receiver["sns_configs"]
        assert sns["sigv4"] == {"region": "eu-west-1"}
        assert sns["attributes"]["severity"] == "{{ .CommonLabels.severity }}"
