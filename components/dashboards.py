"""The Grafana dashboards kept in the repository, and the metrics they may read. Pure.

`observability/dashboards/<name>.json` are Grafana dashboard models (as Grafana exports
them), provisioned as they are by `components.grafana`. Their queries name the data
sources by the uids below, which the component gives the data sources it creates.

A Prometheus query may read only what is produced: the SLO rules' recorded series
(`components.slo`), the SLI metrics of the catalog, and the names the collector
remote-writes (`observability/metrics.yaml`, one list per scrape job, read by
`components.metrics_catalog`). `known_metrics` is that set; `tests/test_dashboards.py`
parses every query and checks it against it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from components import metrics_catalog, slo

ROOT = Path(__file__).resolve().parent.parent / "observability"
DASHBOARD_DIR = ROOT / "dashboards"
METRICS_FILE = metrics_catalog.METRICS_FILE
DASHBOARDS = (
    "pipeline-health",
    "model-convergence",
    "infrastructure-capacity",
    "spa-user-experience",
)
# The data sources' uids (what the dashboards' `datasource.uid` refer to).
PROMETHEUS_UID = "gam-amp"
CLOUDWATCH_UID = "gam-cloudwatch"
XRAY_UID = "gam-xray"
OPENSEARCH_UID = "gam-opensearch"
DATASOURCE_UIDS = (PROMETHEUS_UID, CLOUDWATCH_UID, XRAY_UID, OPENSEARCH_UID)
UID_MAX = 40  # Grafana's limit on a dashboard uid
# Grafana's own interval variables, as a range they stand for when a query is parsed.
GRAFANA_RANGES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1d"}


def load(name: str, folder: Path = DASHBOARD_DIR) -> dict[str, Any]:
    """One dashboard model by name."""
    document: dict[str, Any] = json.loads((folder / f"{name}.json").read_text())
    return document


def load_all(folder: Path = DASHBOARD_DIR) -> dict[str, dict[str, Any]]:
    return {name: load(name, folder) for name in DASHBOARDS}


def collector_metrics(path: Path = METRICS_FILE) -> set[str]:
    """Every series name the collector produces (histograms with their suffixes)."""
    return metrics_catalog.load(path).produced()


def rule_metrics(slos: Iterable[slo.Slo]) -> set[str]:
    """The series the SLO rules record."""
    return {
        rule["record"]
        for item in slos
        for group in slo.rule_file(item)["groups"]
        for rule in group["rules"]
        if "record" in rule
    }


def known_metrics(slos: Iterable[slo.Slo], path: Path = METRICS_FILE) -> set[str]:
    """What a dashboard may read: the rules' series and the collectors' metrics."""
    return rule_metrics(slos) | collector_metrics(path)


def _datasource_uid(node: Mapping[str, Any]) -> str | None:
    source = node.get("datasource")
    return source.get("uid") if isinstance(source, Mapping) else None


def panels(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every panel, those inside rows included."""
    found: list[Mapping[str, Any]] = []
    for panel in document.get("panels") or []:
        found.append(panel)
        found += list(panel.get("panels") or [])
    return found


def prometheus_queries(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every target on the Prometheus data source, Grafana's
    interval variables replaced by the range they stand for."""
    queries = []
    for panel in panels(document):
        for target in panel.get("targets") or []:
            uid = _datasource_uid(target) or _datasource_uid(panel)
            if uid == PROMETHEUS_UID:
                expr = str(target.get("expr") or "")
                for variable, value in GRAFANA_RANGES.items():
                    expr = expr.replace(variable, value)
                queries.append((str(panel.get("title")), expr))
    return queries


def structure_problems(document: Mapping[str, Any]) -> list[str]:
    """What makes a document not a dashboard model this repository provisions."""
    found = []
    uid = document.get("uid")
    if not isinstance(uid, str) or not 0 < len(uid) <= UID_MAX:
        found.append(f"uid {uid!r} must be a string of 1 to {UID_MAX} characters")
    if not isinstance(document.get("title"), str) or not document["title"].strip():
        found.append("title is missing")
    if not isinstance(document.get("schemaVersion"), int):
        found.append("schemaVersion must be an integer (Grafana migrates older models)")
    if "id" in document and document["id"] is not None:
        found.append("id must be absent or null: Grafana assigns it per instance")
    every = panels(document)
    if not every:
        found.append("panels is empty")
    ids = [p.get("id") for p in every]
    if len(set(ids)) != len(ids) or not all(isinstance(i, int) for i in ids):
        found.append(f"panel ids {ids} must be distinct integers")
    for panel in every:
        title = panel.get("title") or f"panel {panel.get('id')}"
        if not panel.get("type"):
            found.append(f"{title}: type is missing")
        if panel.get("type") == "row":
            continue
        grid = panel.get("gridPos") or {}
        if not all(isinstance(grid.get(k), int) for k in ("h", "w", "x", "y")):
            found.append(f"{title}: gridPos needs integer h, w, x, y")
        targets = panel.get("targets") or []
        if not targets:
            found.append(f"{title}: no targets")
        for target in targets:
            uid = _datasource_uid(target) or _datasource_uid(panel)
            if uid not in DATASOURCE_UIDS:
                found.append(f"{title}: data source {uid!r} is not one of {DATASOURCE_UIDS}")
            if uid == PROMETHEUS_UID and not str(target.get("expr") or "").strip():
                found.append(f"{title}: a Prometheus target without expr")
    return found
