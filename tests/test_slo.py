"""SLOs as code (components/slo.py): the rule files generated from a catalog, pure.

Every PromQL expression is parsed by a real parser (`promql-parser`, the Rust
Prometheus parser's Python binding): an expression that does not parse fails here.
"""

from __future__ import annotations

import re
from dataclasses import replace

import promql_parser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import slo
from stacks.profiles import SLOS
from tests.support import ROOT
from tests.test_settings_observability import default_catalog

CATALOG = default_catalog()


def parse(expr: str) -> object:
    return promql_parser.parse(expr)


def _ratio(target: float = 0.99, window: int = 30) -> slo.Slo:
    return slo.Slo(
        name="job-completion",
        description="Jobs complete.",
        target=target,
        window_days=window,
        sli=slo.Sli(kind="ratio", good_metric="jobs_ok_total", total_metric="jobs_total"),
    )


# --- the parser is a real judge --------------------------------------------------------


@pytest.mark.parametrize(
    "broken",
    ["sum(rate(x[5m])", "1 - (a / )", "rate(x[5 minutes])", 'x{slo="a}', "a > bool"],
)
def test_the_parser_rejects_broken_promql(broken: str) -> None:
    with pytest.raises(ValueError):
        parse(broken)


@pytest.mark.parametrize("item", CATALOG, ids=lambda s: s.name)
def test_every_expression_of_the_default_catalog_parses(item: slo.Slo) -> None:
    exprs = slo.expressions(slo.rule_file(item))
    assert len(exprs) >= len(slo.WINDOWS) + 2 + len(slo.BURN_ALERTS) + 1
    for expr in exprs:
        parse(expr)


# --- what each SLO gets ------------------------------------------------------------------


def test_the_default_catalog_is_the_blueprints_six_slos() -> None:
    assert [s.name for s in CATALOG] == sorted(
        [
            "api-latency",
            "job-completion",
            "data-freshness",
            "spa-availability",
            "ingestion-success",
            "worker-throughput",
        ]
    )
    assert set(SLOS) == {s.name for s in CATALOG}


def test_each_slo_pages_on_fast_burn_and_tickets_on_slow_burn_as_the_workbook() -> None:
    rules = slo.alerting_rules(_ratio(target=0.999))
    burn = {r["alert"]: r for r in rules if r["labels"]["alert_type"] in ("page", "ticket")}
    expected = {
        "JobCompletionErrorBudgetBurnFast": ("1h", "5m", "0.0144", "sev1", "page"),
        "JobCompletionErrorBudgetBurnHigh": ("6h", "30m", "0.006", "sev2", "page"),
        "JobCompletionErrorBudgetBurnSlow": ("1d", "2h", "0.003", "sev3", "ticket"),
        "JobCompletionErrorBudgetBurnSlowest": ("3d", "6h", "0.001", "sev3", "ticket"),
    }
    assert set(burn) == set(expected)
    for name, (long_, short, limit, severity, kind) in expected.items():
        rule = burn[name]
        tree = parse(rule["expr"])
        assert isinstance(tree, promql_parser.BinaryExpr)
        assert str(tree.op) == "and", name
        assert rule["expr"] == (
            f'slo:sli_error:ratio_rate{long_}{{slo="job-completion"}} > {limit} and '
            f'slo:sli_error:ratio_rate{short}{{slo="job-completion"}} > {limit}'
        )
        assert rule["labels"]["severity"] == severity
        assert rule["labels"]["alert_type"] == kind
        assert rule["labels"]["slo"] == "job-completion"


def test_each_slo_has_one_symptom_alert_for_missing_sli_metrics() -> None:
    symptoms = [r for r in slo.alerting_rules(_ratio()) if r["labels"]["alert_type"] == "symptom"]
    assert [r["alert"] for r in symptoms] == ["JobCompletionSLIMissing"]
    assert symptoms[0]["labels"]["severity"] == "info"
    assert symptoms[0]["expr"] == "absent(jobs_total)"


def test_every_window_an_alert_reads_is_recorded_for_its_slo() -> None:
    for item in CATALOG:
        recorded = {
            (r["record"], r["labels"]["slo"]) for r in slo.recording_rules(item) if "record" in r
        }
        for rule in slo.alerting_rules(item):
            for series in re.findall(
                r"(slo:sli_error:ratio_rate\w+)\{slo=\"([^\"]+)\"\}", rule["expr"]
            ):
                assert series in recorded, (item.name, series)


def test_the_error_budget_remaining_is_the_window_error_over_the_budget() -> None:
    rules = {r["record"]: r for r in slo.recording_rules(_ratio(target=0.99, window=28))}
    assert rules["slo:error_budget:remaining"]["expr"] == (
        '1 - (avg_over_time(slo:sli_error:ratio_rate5m{slo="job-completion"}[28d]) / 0.01)'
    )
    assert rules["slo:objective:ratio"]["expr"] == "vector(0.99)"


def test_a_ratio_sli_is_the_share_of_bad_events() -> None:
    rules = {r["record"]: r for r in slo.recording_rules(_ratio())}
    assert rules["slo:sli_error:ratio_rate1h"]["expr"] == (
        "1 - (sum(rate(jobs_ok_total[1h])) / sum(rate(jobs_total[1h])))"
    )


def test_a_latency_sli_reads_the_bucket_at_its_threshold_with_its_selector() -> None:
    item = next(s for s in CATALOG if s.name == "api-latency")
    expr = slo.error_ratio_expr(item, "5m")
    assert expr == (
        '1 - (sum(rate(http_server_request_duration_seconds_bucket{job="gam-api",le="0.5"}[5m]))'
        ' / sum(rate(http_server_request_duration_seconds_count{job="gam-api"}[5m])))'
    )


def test_time_slice_slis_record_good_minutes_and_average_them() -> None:
    for name in ("data-freshness", "worker-throughput"):
        item = next(s for s in CATALOG if s.name == name)
        records = [r["record"] for r in slo.recording_rules(item)]
        assert records[0] == "slo:sli_good:slice"
        assert slo.error_ratio_expr(item, "6h") == (
            f'1 - avg_over_time(slo:sli_good:slice{{slo="{name}"}}[6h])'
        )
    fresh = next(s for s in CATALOG if s.name == "data-freshness")
    assert slo.good_slice_expr(fresh) == (
        "(time() - max(gam_dataset_last_success_timestamp_seconds)) <= bool 7200"
    )


def test_every_rule_carries_its_slo_and_team_labels() -> None:
    for item in CATALOG:
        for group in slo.rule_file(item)["groups"]:
            assert group["name"].startswith(f"slo-{item.name}-")
            for rule in group["rules"]:
                assert rule["labels"]["slo"] == item.name
                assert rule["labels"]["team"] == item.team


# --- invalid SLOs: every problem, named -----------------------------------------------------


def test_an_invalid_slo_reports_every_problem_by_field() -> None:
    bad = slo.Slo(
        name="API_latency",
        description=" ",
        target=0.99999,
        window_days=3,
        sli=slo.Sli(
            kind="latency",
            histogram_metric="http duration_bucket",
            good_metric="ok_total",
            threshold_seconds=-1,
            selector={"le": "1", "job": 'a"b'},
        ),
    )
    found = " | ".join(slo.slo_problems(bad))
    for part in (
        "name 'API_latency'",
        "target 0.99999",
        "windowDays 3",
        "description is empty",
        "['goodMetric'] do not apply",
        "not Prometheus metric names",
        "without _bucket/_count/_sum",
        "['thresholdSeconds'] must be greater than 0",
        "selector label 'le'",
        "selector value 'a\"b'",
    ):
        assert part in found, part


@pytest.mark.parametrize("word", [*slo.PROMQL_RESERVED, "On", "NaN"])
def test_a_metric_named_like_a_promql_keyword_is_refused_as_it_would_not_parse(word: str) -> None:
    sli = slo.Sli(kind="ratio", good_metric="ok_total", total_metric=word)
    assert slo.sli_problems(sli) == [f"[{word!r}] are PromQL keywords; rename the metrics"]
    with pytest.raises(ValueError):
        parse(slo.error_ratio_expr(replace(_ratio(), sli=sli), "5m"))


def test_an_sli_missing_its_metrics_names_them() -> None:
    assert slo.sli_problems(slo.Sli(kind="throughput", processed_metric="done_total")) == [
        "a throughput SLI needs ['backlogMetric', 'minPerSecond']"
    ]


# --- any valid catalog ----------------------------------------------------------------------

metric = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,20}", fullmatch=True).filter(
    lambda m: not m.endswith(("_bucket", "_count", "_sum")) and m.lower() not in slo.PROMQL_RESERVED
)
selector = st.dictionaries(
    st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(lambda k: k != "le"),
    st.from_regex(r"[A-Za-z0-9 ._/-]{1,12}", fullmatch=True),
    max_size=2,
)
positive = st.floats(min_value=0.001, max_value=1e5, allow_nan=False, allow_infinity=False)
slis = st.one_of(
    st.builds(
        slo.Sli, kind=st.just("ratio"), good_metric=metric, total_metric=metric, selector=selector
    ),
    st.builds(
        slo.Sli,
        kind=st.just("latency"),
        histogram_metric=metric,
        threshold_seconds=positive,
        selector=selector,
    ),
    st.builds(
        slo.Sli,
        kind=st.just("freshness"),
        timestamp_metric=metric,
        max_age_seconds=positive,
        selector=selector,
    ),
    st.builds(
        slo.Sli,
        kind=st.just("throughput"),
        processed_metric=metric,
        backlog_metric=metric,
        min_per_second=positive,
        selector=selector,
    ),
)
slos = st.builds(
    slo.Slo,
    name=st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True),
    description=st.just("Users are served."),
    target=st.floats(min_value=slo.TARGET_MIN, max_value=slo.TARGET_MAX),
    window_days=st.integers(slo.WINDOW_DAYS_MIN, slo.WINDOW_DAYS_MAX),
    sli=slis,
)


@given(slos)
def test_any_valid_slo_generates_rules_that_all_parse(item: slo.Slo) -> None:
    assert slo.slo_problems(item) == []
    rules_file = slo.rule_file(item)
    for expr in slo.expressions(rules_file):
        parse(expr)
    alerts = [r for g in rules_file["groups"] for r in g["rules"] if "alert" in r]
    assert len(alerts) == len(slo.BURN_ALERTS) + 1
    budget = 1 - item.target
    for alert, rule in zip(slo.BURN_ALERTS, alerts, strict=False):
        limit = float(rule["expr"].rsplit(" > ", 1)[1])
        assert limit == pytest.approx(alert.factor * budget, rel=1e-6, abs=1e-9)


@given(slos, st.floats(min_value=-1, max_value=2), st.integers(-10, 400))
def test_an_slo_outside_the_bounds_is_refused(item: slo.Slo, target: float, days: int) -> None:
    outside_target = not slo.TARGET_MIN <= target <= slo.TARGET_MAX
    outside_window = not slo.WINDOW_DAYS_MIN <= days <= slo.WINDOW_DAYS_MAX
    found = " ".join(slo.slo_problems(replace(item, target=target, window_days=days)))
    assert ("target" in found) == outside_target
    assert ("windowDays" in found) == outside_window


def test_the_runbook_has_a_section_for_every_slo_its_alerts_link_to() -> None:
    runbook = (ROOT / "docs" / "runbooks" / "slo.md").read_text()
    sections = set(re.findall(r"^## (\S+)$", runbook, flags=re.M))
    for item in CATALOG:
        links = {r["annotations"]["runbook"] for r in slo.alerting_rules(item)}
        assert links == {f"docs/runbooks/slo.md#{item.name}"}
        assert item.name in sections
