"""The `gam:observability` settings: the SLO catalog, alert endpoints, defaults per tier."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from components import slo
from infra import settings
from infra.settings import SettingsError
from tests.support import ROOT, STACKS

BASE = {
    "aws:region": "eu-west-1",
    "gam:owner": "platform",
    "gam:costCenter": "cc-1",
    "gam:network": {"vpcCidr": "10.10.0.0/16"},
    "gam:dnsFirewall": {
        "domainListIds": {
            "malware": "rslvr-fdl-0000000000000001",
            "botnetCommandAndControl": "rslvr-fdl-0000000000000002",
            "aggregateThreat": "rslvr-fdl-0000000000000003",
        }
    },
}


def load(observability: dict[str, Any] | None = None) -> settings.Settings:
    config = dict(BASE)
    if observability is not None:
        config["gam:observability"] = observability
    return settings.load("dev", config)


def problems(observability: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load(observability)
    return dict(caught.value.problems)


def default_catalog() -> tuple[slo.Slo, ...]:
    return load().observability.catalog()


@pytest.mark.parametrize("stack", STACKS)
def test_every_tier_has_the_six_slos_each_with_target_window_and_metrics(stack: str) -> None:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    obs = settings.load(stack, config).observability
    assert obs.enabled
    catalog = obs.catalog()
    assert len(catalog) == 6
    for item in catalog:
        assert slo.slo_problems(item) == []
        assert 0.5 <= item.target < 1 and item.window_days == 30
        metrics = [
            getattr(item.sli, f) for f in ("good_metric", "total_metric", "histogram_metric")
        ]
        metrics += [getattr(item.sli, f) for f in ("timestamp_metric", "processed_metric")]
        assert any(metrics), item.name


def test_a_stack_overrides_one_field_of_one_slo_and_keeps_the_rest() -> None:
    obs = load({"slos": {"api-latency": {"target": 0.9}}}).observability
    assert obs.slos["api-latency"].target == 0.9
    assert obs.slos["api-latency"].sli.histogram_metric == "http_server_request_duration_seconds"
    assert len(obs.slos) == 6


def test_unknown_keys_are_rejected_by_their_full_key() -> None:
    found = problems(
        {"slos": {"api-latency": {"targt": 0.9, "sli": {"tresholdSeconds": 1}}}, "opsGenie": 1}
    )
    assert "gam:observability.slos.api-latency.targt" in found
    assert "gam:observability.slos.api-latency.sli.tresholdSeconds" in found
    assert "gam:observability.opsGenie" in found
    assert all("unknown key" in message for message in found.values())


def test_every_problem_of_the_catalog_is_reported_at_once_by_key() -> None:
    found = problems(
        {
            "slos": {
                "api-latency": {"target": 1.5, "windowDays": 400},
                "job-completion": {"sli": {"kind": "ratio", "goodMetric": "bad name"}},
                "Bad_Name": {
                    "description": "x",
                    "target": 0.9,
                    "sli": {"kind": "freshness", "timestampMetric": "t", "maxAgeSeconds": 60},
                },
            },
            "logRetentionDays": 31,
            "traceSamplingRate": 2,
        }
    )
    assert "target 1.5" in found["gam:observability.slos.api-latency"]
    assert "windowDays 400" in found["gam:observability.slos.api-latency"]
    assert "not Prometheus metric names" in found["gam:observability.slos.job-completion.sli"]
    assert "name 'Bad_Name'" in found["gam:observability.slos"]
    assert "gam:observability.logRetentionDays" in found
    assert "gam:observability.traceSamplingRate" in found


def test_alert_endpoints_must_be_https_and_are_never_echoed() -> None:
    found = problems({"alerting": {"pagerDutyWebhookUrl": "http://events.example/secret-key-123"}})
    message = found["gam:observability.alerting.pagerDutyWebhookUrl"]
    assert "https://" in message and "secret-key-123" not in message
    ok = load({"alerting": {"slackWebhookUrl": "https://hooks.example/abc"}})
    assert ok.observability.alerting.slack_webhook_url == "https://hooks.example/abc"


@pytest.mark.parametrize("stack", STACKS)
def test_no_committed_stack_file_holds_an_alert_endpoint(stack: str) -> None:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    alerting = (config.get("gam:observability") or {}).get("alerting") or {}
    assert alerting == {}
