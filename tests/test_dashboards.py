"""The dashboards kept in observability/dashboards: valid Grafana models whose every
Prometheus query parses and reads only what the SLO rules or the collectors produce."""

from __future__ import annotations

import copy
from typing import Any

import promql_parser
import pytest

from components import dashboards, metrics_catalog
from tests.test_settings_observability import default_catalog

KNOWN = dashboards.known_metrics(default_catalog())
DASHBOARDS = dashboards.load_all()


def metrics_read(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (parsed, not pattern-matched)."""
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            name = node.name
            for matcher in node.matchers.matchers:
                if matcher.name == "__name__":
                    name = matcher.value
            if name:
                found.add(name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def problems(document: dict[str, Any], known: set[str] = KNOWN) -> list[str]:
    """Structure problems, queries that do not parse, and metrics nothing produces."""
    found = dashboards.structure_problems(document)
    for title, expr in dashboards.prometheus_queries(document):
        try:
            unknown = sorted(metrics_read(expr) - known)
        except ValueError as error:
            found.append(f"{title}: {expr!r} does not parse ({error})")
            continue
        if unknown:
            found.append(f"{title}: {unknown} are produced by no rule or collector")
    return found


@pytest.mark.parametrize("name", dashboards.DASHBOARDS)
def test_each_dashboard_is_valid_and_reads_only_produced_metrics(name: str) -> None:
    document = DASHBOARDS[name]
    assert problems(document) == []
    assert document["uid"] == f"gam-{name}"
    assert dashboards.prometheus_queries(document), "a dashboard with no Prometheus query"


def test_the_four_dashboards_of_the_blueprint_are_kept_and_nothing_else() -> None:
    files = {p.stem for p in dashboards.DASHBOARD_DIR.glob("*.json")}
    assert (
        files
        == set(dashboards.DASHBOARDS)
        == {
            "pipeline-health",
            "model-convergence",
            "infrastructure-capacity",
            "spa-user-experience",
        }
    )
    uids = [d["uid"] for d in DASHBOARDS.values()]
    assert len(set(uids)) == len(uids)


def test_a_query_reading_an_unknown_metric_is_reported() -> None:
    document = copy.deepcopy(DASHBOARDS["pipeline-health"])
    document["panels"][0]["targets"][0]["expr"] = 'sum(rate(gam_made_up_total{job="x"}[5m]))'
    (found,) = problems(document)
    assert "['gam_made_up_total'] are produced by no rule or collector" in found


def test_a_query_that_does_not_parse_is_reported() -> None:
    document = copy.deepcopy(DASHBOARDS["pipeline-health"])
    document["panels"][0]["targets"][0]["expr"] = "sum(rate(gam_jobs_finished_total[5m])"
    (found,) = problems(document)
    assert "does not parse" in found


def test_a_name_read_through_the_name_label_is_checked_too() -> None:
    assert metrics_read('{__name__="gam_made_up"} + on() up') == {"gam_made_up", "up"}


def test_the_metric_names_come_from_the_rules_the_catalog_and_the_collector_list() -> None:
    assert {
        "slo:error_budget:remaining",
        "slo:sli_error:ratio_rate1h",
        "slo:objective:ratio",
    } <= KNOWN
    # histograms are produced with their suffixes
    assert {
        "http_server_request_duration_seconds_bucket",
        "http_server_request_duration_seconds_count",
    } <= KNOWN
    for item in default_catalog():
        sli = item.sli
        for metric in (sli.good_metric, sli.total_metric, sli.timestamp_metric):
            assert metric is None or metric in KNOWN, metric


def test_structure_problems_name_what_is_missing() -> None:
    broken = {
        "uid": "x" * 41,
        "schemaVersion": "39",
        "id": 7,
        "panels": [
            {"id": 1, "type": "timeseries", "title": "A", "gridPos": {"h": 8}},
            {
                "id": 1,
                "type": "stat",
                "title": "B",
                "gridPos": {"h": 1, "w": 1, "x": 0, "y": 0},
                "targets": [{"refId": "A", "datasource": {"uid": "elsewhere"}}],
            },
        ],
    }
    found = " | ".join(dashboards.structure_problems(broken))
    for part in (
        "uid 'xxx",
        "title is missing",
        "schemaVersion must be an integer",
        "id must be absent",
        "must be distinct integers",
        "A: gridPos needs",
        "A: no targets",
        "B: data source 'elsewhere'",
    ):
        assert part in found, part


def test_grafana_interval_variables_are_read_as_ranges() -> None:
    document = {
        "panels": [
            {
                "id": 1,
                "datasource": {"uid": dashboards.PROMETHEUS_UID},
                "title": "T",
                "targets": [{"expr": "rate(up[$__rate_interval])"}],
            }
        ]
    }
    assert dashboards.prometheus_queries(document) == [("T", "rate(up[5m])")]


def test_every_series_scraped_from_the_cluster_is_read_by_a_dashboard() -> None:
    """Ingestion is billed per sample: the kubelet's and kube-state-metrics' series the
    collector keeps (observability/metrics.yaml) are only those a dashboard reads."""
    catalog = metrics_catalog.load()
    read = {
        name
        for document in DASHBOARDS.values()
        for _, expr in dashboards.prometheus_queries(document)
        for name in metrics_read(expr)
    }
    for job in (metrics_catalog.KUBELET, metrics_catalog.KUBE_STATE_METRICS):
        assert set(catalog.job(job)) <= read, job
