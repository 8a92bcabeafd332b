"""SLOs as code: Prometheus rule files generated from the SLO catalog. Pure, no Pulumi.

Each SLO has an objective (`target`, the share of good events or good minutes over
`window_days`) and an SLI built from named metrics, of one of four kinds:

- `ratio`: good events over all events, two counters (`good_metric`, `total_metric`);
- `latency`: requests faster than `threshold_seconds`, from a histogram
  (`histogram_metric`'s `_bucket{le=...}` over its `_count`); the threshold must be one
  of the histogram's bucket bounds;
- `freshness`: minutes in which a last-success timestamp (`timestamp_metric`, seconds)
  is at most `max_age_seconds` old;
- `throughput`: minutes in which the workers keep up: the backlog (`backlog_metric`) is
  empty or they complete at least `min_per_second` (`processed_metric`, a counter).

What is generated per SLO (one rule file, `rule_file(slo)`), as in the SRE workbook
("Alerting on SLOs", multiwindow, multi-burn-rate):

- recording rules `slo:sli_error:ratio_rate<w>` for every window the alerts read, each
  labelled `slo=<name>` (time-slice SLIs first record `slo:sli_good:slice`, 1 or 0 per
  evaluation);
- `slo:objective:ratio` and `slo:error_budget:remaining` (1 = untouched, 0 = spent,
  negative = overspent), the error ratio over the SLO window against the budget;
- four burn-rate alerts (`BURN_ALERTS`): page on a fast burn (14.4x over 1h and 5m:
  sev1; 6x over 6h and 30m: sev2), ticket on a slow burn (3x over 1d and 2h; 1x over 3d
  and 6h: sev3). Both windows must burn: the long one says it matters, the short one
  that it is still happening, so a page resets minutes after the burn stops;
- one symptom alert, `<Name>SLIMissing` (info): the SLI's metrics are absent, so the
  SLO cannot be judged. A firing page of the same SLO silences it (inhibition, see
  `alerting.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

SliKind = Literal["ratio", "latency", "freshness", "throughput"]
SLI_KINDS: tuple[str, ...] = ("ratio", "latency", "freshness", "throughput")

METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
# Words the PromQL lexer reads as keywords or numbers wherever a metric name could stand,
# in any case: a metric so named cannot be written as a bare selector.
PROMQL_RESERVED = ("atan2", "on", "ignoring", "group_left", "group_right", "bool", "inf", "nan")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
SLO_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SLO_NAME_MAX = 40
# The targets a 30-day window can hold to: above 99.99 % the budget is minutes a month
# and the 1x/3d ticket fires on noise; below 50 % it is not an objective.
TARGET_MIN, TARGET_MAX = 0.5, 0.9999
# The longest alert window is 3 days: the SLO window must be longer; AMP keeps 150 days.
WINDOW_DAYS_MIN, WINDOW_DAYS_MAX = 7, 90
EVALUATION_INTERVAL = "1m"


@dataclass(frozen=True)
class BurnAlert:
    """One multiwindow burn-rate alert: fires when both windows burn faster than `factor`."""

    suffix: str
    factor: float
    long_window: str
    short_window: str
    severity: str
    alert_type: Literal["page", "ticket"]
    for_: str


BURN_ALERTS: tuple[BurnAlert, ...] = (
    BurnAlert("ErrorBudgetBurnFast", 14.4, "1h", "5m", "sev1", "page", "2m"),
    BurnAlert("ErrorBudgetBurnHigh", 6.0, "6h", "30m", "sev2", "page", "15m"),
    BurnAlert("ErrorBudgetBurnSlow", 3.0, "1d", "2h", "sev3", "ticket", "1h"),
    BurnAlert("ErrorBudgetBurnSlowest", 1.0, "3d", "6h", "sev3", "ticket", "3h"),
)
SYMPTOM_SEVERITY = "info"
WINDOWS: tuple[str, ...] = tuple(
    sorted(
        {w for a in BURN_ALERTS for w in (a.long_window, a.short_window)},
        key=lambda w: int(w[:-1]) * {"m": 1, "h": 60, "d": 1440}[w[-1]],
    )
)


@dataclass(frozen=True, kw_only=True)
class Sli:
    kind: SliKind
    good_metric: str | None = None
    total_metric: str | None = None
    histogram_metric: str | None = None
    threshold_seconds: float | None = None
    timestamp_metric: str | None = None
    max_age_seconds: float | None = None
    processed_metric: str | None = None
    backlog_metric: str | None = None
    min_per_second: float | None = None
    selector: Mapping[str, str] | None = None
    """Label matchers (exact values) every metric of the SLI is read with, e.g. {job: api}."""


@dataclass(frozen=True, kw_only=True)
class Slo:
    name: str
    description: str
    target: float
    window_days: int
    sli: Sli
    team: str = "platform"


_REQUIRED: dict[str, tuple[str, ...]] = {
    "ratio": ("good_metric", "total_metric"),
    "latency": ("histogram_metric", "threshold_seconds"),
    "freshness": ("timestamp_metric", "max_age_seconds"),
    "throughput": ("processed_metric", "backlog_metric", "min_per_second"),
}
_METRIC_FIELDS = (
    "good_metric",
    "total_metric",
    "histogram_metric",
    "timestamp_metric",
    "processed_metric",
    "backlog_metric",
)
_NUMBER_FIELDS = ("threshold_seconds", "max_age_seconds", "min_per_second")


def _camel(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(p.title() for p in rest)


def sli_problems(sli: Sli) -> list[str]:
    """What is wrong with one SLI, each naming the (camelCase) field."""
    if sli.kind not in _REQUIRED:
        return [f"kind {sli.kind!r} is not one of {list(SLI_KINDS)}"]
    found = []
    needed = _REQUIRED[sli.kind]
    missing = [_camel(f) for f in needed if getattr(sli, f) is None]
    if missing:
        found.append(f"a {sli.kind} SLI needs {missing}")
    stray = [
        _camel(f)
        for f in (*_METRIC_FIELDS, *_NUMBER_FIELDS)
        if f not in needed and getattr(sli, f) is not None
    ]
    if stray:
        found.append(f"{stray} do not apply to a {sli.kind} SLI; remove them")
    bad = [
        getattr(sli, f)
        for f in _METRIC_FIELDS
        if getattr(sli, f) is not None and not METRIC_NAME.match(getattr(sli, f))
    ]
    if bad:
        found.append(f"{bad} are not Prometheus metric names")
    reserved = [
        getattr(sli, f)
        for f in _METRIC_FIELDS
        if getattr(sli, f) is not None and getattr(sli, f).lower() in PROMQL_RESERVED
    ]
    if reserved:
        found.append(f"{reserved} are PromQL keywords; rename the metrics")
    histogram = sli.histogram_metric if sli.kind == "latency" else None
    if histogram and histogram.endswith(("_bucket", "_count", "_sum")):
        found.append("histogramMetric is the histogram's base name, without _bucket/_count/_sum")
    not_positive = [
        _camel(f) for f in _NUMBER_FIELDS if getattr(sli, f) is not None and getattr(sli, f) <= 0
    ]
    if not_positive:
        found.append(f"{not_positive} must be greater than 0")
    for label, value in (sli.selector or {}).items():
        if not LABEL_NAME.match(label) or label.startswith("__") or label == "le":
            found.append(f"selector label {label!r} is not a label name an SLI may select on")
        if not value or '"' in value or "\\" in value or "\n" in value:
            found.append(
                f"selector value {value!r} must be non-empty, without quotes or backslashes"
            )
    return found


def name_problems(name: str) -> list[str]:
    if SLO_NAME.match(name) and len(name) <= SLO_NAME_MAX:
        return []
    return [f"name {name!r} must be kebab-case (api-latency), at most {SLO_NAME_MAX} characters"]


def slo_problems(slo: Slo) -> list[str]:
    """What is wrong with one SLO (its name, objective, window and SLI)."""
    return (
        name_problems(slo.name)
        + objective_problems(slo)
        + [f"sli: {p}" for p in sli_problems(slo.sli)]
    )


def objective_problems(slo: Slo) -> list[str]:
    """What is wrong with an SLO's objective, window and description."""
    found = []
    if not TARGET_MIN <= slo.target <= TARGET_MAX:
        found.append(
            f"target {slo.target} must be between {TARGET_MIN} and {TARGET_MAX} (0.99 is 99 %)"
        )
    if not WINDOW_DAYS_MIN <= slo.window_days <= WINDOW_DAYS_MAX:
        found.append(
            f"windowDays {slo.window_days} must be {WINDOW_DAYS_MIN} to {WINDOW_DAYS_MAX} "
            "(longer than the 3-day alert window)"
        )
    if not slo.description.strip():
        found.append("description is empty; say what the user experiences")
    return found


# --- PromQL ----------------------------------------------------------------------------


def _number(value: float) -> str:
    """A float as PromQL reads it, without exponent noise (0.001 not 1e-03)."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text or "0"


def _selector(sli: Sli, **extra: str) -> str:
    labels = {**(sli.selector or {}), **extra}
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _slo_selector(slo: Slo) -> str:
    return f'{{slo="{slo.name}"}}'


def good_slice_expr(slo: Slo) -> str | None:
    """A time-slice SLI's 1-or-0 expression (None for event SLIs)."""
    sli = slo.sli
    if sli.kind == "freshness":
        age = f"time() - max({sli.timestamp_metric}{_selector(sli)})"
        return f"({age}) <= bool {_number(sli.max_age_seconds or 0)}"
    if sli.kind == "throughput":
        keeping_up = (
            f"(sum(rate({sli.processed_metric}{_selector(sli)}[5m])) >= bool "
            f"{_number(sli.min_per_second or 0)})"
        )
        drained = f"(sum({sli.backlog_metric}{_selector(sli)}) == bool 0)"
        return f"clamp_max({keeping_up} + {drained}, 1)"
    return None


def error_ratio_expr(slo: Slo, window: str) -> str:
    """The SLI's error ratio over `window` (0 = all good, 1 = all bad)."""
    sli = slo.sli
    if sli.kind == "ratio":
        good = f"sum(rate({sli.good_metric}{_selector(sli)}[{window}]))"
        total = f"sum(rate({sli.total_metric}{_selector(sli)}[{window}]))"
        return f"1 - ({good} / {total})"
    if sli.kind == "latency":
        bound = _number(sli.threshold_seconds or 0)
        fast = f"sum(rate({sli.histogram_metric}_bucket{_selector(sli, le=bound)}[{window}]))"
        total = f"sum(rate({sli.histogram_metric}_count{_selector(sli)}[{window}]))"
        return f"1 - ({fast} / {total})"
    return f"1 - avg_over_time(slo:sli_good:slice{_slo_selector(slo)}[{window}])"


def _camel_name(slo: Slo) -> str:
    return "".join(part.title() for part in slo.name.split("-"))


def _labels(slo: Slo, **extra: str) -> dict[str, str]:
    return {"slo": slo.name, "team": slo.team, **extra}


def recording_rules(slo: Slo) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    slice_expr = good_slice_expr(slo)
    if slice_expr is not None:
        rules.append({"record": "slo:sli_good:slice", "expr": slice_expr, "labels": _labels(slo)})
    rules += [
        {
            "record": f"slo:sli_error:ratio_rate{w}",
            "expr": error_ratio_expr(slo, w),
            "labels": _labels(slo),
        }
        for w in WINDOWS
    ]
    budget = _number(round(1 - slo.target, 10))
    window_error = (
        f"avg_over_time(slo:sli_error:ratio_rate5m{_slo_selector(slo)}[{slo.window_days}d])"
    )
    rules += [
        {
            "record": "slo:objective:ratio",
            "expr": f"vector({_number(slo.target)})",
            "labels": _labels(slo),
        },
        {
            "record": "slo:error_budget:remaining",
            "expr": f"1 - ({window_error} / {budget})",
            "labels": _labels(slo),
        },
    ]
    return rules


def burn_condition(slo: Slo, alert: BurnAlert) -> str:
    limit = _number(round(alert.factor * (1 - slo.target), 10))
    sel = _slo_selector(slo)
    return (
        f"slo:sli_error:ratio_rate{alert.long_window}{sel} > {limit}"
        f" and slo:sli_error:ratio_rate{alert.short_window}{sel} > {limit}"
    )


def absent_expr(slo: Slo) -> str:
    sli = slo.sli
    by_kind: dict[str, list[str | None]] = {
        "ratio": [sli.total_metric],
        "latency": [f"{sli.histogram_metric}_count"],
        "freshness": [sli.timestamp_metric],
        "throughput": [sli.processed_metric, sli.backlog_metric],
    }
    metrics = by_kind[sli.kind]
    return " or ".join(f"absent({m}{_selector(sli)})" for m in metrics)


def alerting_rules(slo: Slo) -> list[dict[str, Any]]:
    name = _camel_name(slo)
    budget_pct = _number(round((1 - slo.target) * 100, 6))
    rules: list[dict[str, Any]] = [
        {
            "alert": f"{name}{alert.suffix}",
            "expr": burn_condition(slo, alert),
            "for": alert.for_,
            "labels": _labels(slo, severity=alert.severity, alert_type=alert.alert_type),
            "annotations": {
                "summary": f"{slo.name}: error budget burning at {_number(alert.factor)}x "
                f"over {alert.long_window} and {alert.short_window}",
                "description": f"{slo.description} Objective {_number(slo.target * 100)} % over "
                f"{slo.window_days} days ({budget_pct} % error budget).",
                "runbook": f"docs/runbooks/slo.md#{slo.name}",
            },
        }
        for alert in BURN_ALERTS
    ]
    rules.append(
        {
            "alert": f"{name}SLIMissing",
            "expr": absent_expr(slo),
            "for": "15m",
            "labels": _labels(slo, severity=SYMPTOM_SEVERITY, alert_type="symptom"),
            "annotations": {
                "summary": f"{slo.name}: the SLI's metrics are absent; the SLO cannot be judged",
                "runbook": f"docs/runbooks/slo.md#{slo.name}",
            },
        }
    )
    return rules


def rule_file(slo: Slo) -> dict[str, Any]:
    """The Prometheus rule file of one SLO: a recording group and an alerting group."""
    return {
        "groups": [
            {
                "name": f"slo-{slo.name}-sli",
                "interval": EVALUATION_INTERVAL,
                "rules": recording_rules(slo),
            },
            {
                "name": f"slo-{slo.name}-alerts",
                "interval": EVALUATION_INTERVAL,
                "rules": alerting_rules(slo),
            },
        ]
    }


def expressions(rules_file: Mapping[str, Any]) -> list[str]:
    """Every PromQL expression in a rule file."""
    return [rule["expr"] for group in rules_file["groups"] for rule in group["rules"]]
