"""observability/metrics.yaml: what the collector produces per scrape job, read once for
the dashboards' check and the collector's own filters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import metrics_catalog
from components.metrics_catalog import KSM_COLLECTORS, ksm_collectors, parse

GOOD = {
    "histograms": ["http_server_request_duration_seconds"],
    "everyJob": ["up"],
    "sources": {
        "workloads": ["http_server_request_duration_seconds", "gam_jobs_finished_total"],
        "kube-state-metrics": ["kube_node_status_capacity", "kube_pod_status_phase"],
        "kubelet": ["node_cpu_usage_seconds_total"],
    },
}


def test_the_committed_list_parses_and_names_only_jobs_the_collector_runs() -> None:
    catalog = metrics_catalog.load()
    assert set(catalog.sources) == set(metrics_catalog.JOBS)
    assert catalog.every_job == ("up",)


def test_produced_names_include_each_histograms_series() -> None:
    produced = parse(GOOD).produced()
    assert {
        "http_server_request_duration_seconds_bucket",
        "http_server_request_duration_seconds_count",
        "http_server_request_duration_seconds_sum",
        "gam_jobs_finished_total",
        "kube_pod_status_phase",
        "node_cpu_usage_seconds_total",
        "up",
    } <= produced
    assert "gam_jobs_finished_total_bucket" not in produced


def test_every_problem_is_named_by_its_key_at_once() -> None:
    bad = {
        "histograms": ["not_listed_anywhere"],
        "everyJob": [],
        "extra": 1,
        "sources": {
            "node-exporter": ["node_cpu_seconds_total"],
            "kubelet": ["ok_name", "bad-name", "ok_name"],
            "kube-state-metrics": ["kube_secret_info", "up"],
        },  # no workloads
    }
    with pytest.raises(ValueError) as raised:
        parse(bad)
    message = str(raised.value)
    for part in (
        "['extra'] are not keys",
        "sources.node-exporter is not a scrape job",
        "sources.workloads is missing",
        "sources.kubelet: ['bad-name'] are not metric names",
        "sources.kubelet: ['ok_name'] are listed twice",
        "everyJob must be a non-empty list",
        "histograms: ['not_listed_anywhere'] are in no source",
        "sources.kube-state-metrics: ['kube_secret_info', 'up'] are not kube_<resource>_",
    ):
        assert part in message, part


RESOURCES = sorted(KSM_COLLECTORS)


@given(
    st.lists(
        st.tuples(st.sampled_from(RESOURCES), st.sampled_from(["info", "status_phase", "labels"])),
        min_size=1,
    )
)
def test_kube_state_metrics_runs_exactly_the_collectors_its_names_come_from(
    picked: list[tuple[str, str]],
) -> None:
    names = [f"kube_{resource}_{suffix}" for resource, suffix in picked]
    assert ksm_collectors(names) == sorted({KSM_COLLECTORS[r] for r, _ in picked})


def test_a_name_of_no_known_collector_is_refused() -> None:
    with pytest.raises(ValueError, match="kube_secret_type"):
        ksm_collectors(["kube_node_info", "kube_secret_type"])
