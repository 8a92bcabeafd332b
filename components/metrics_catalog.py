"""What the ADOT collector produces, from `observability/metrics.yaml`. Pure.

The file lists, per scrape job of the collector (`components.cluster_services.scrape_config`),
the metric names that job produces: the dashboards may read only those (and the SLO rules'
series; `components.dashboards`), and the collector keeps only those where it filters (the
kubelet's job) or asks its exporter for only those (kube-state-metrics' allow-list and
collectors). One list, read here, serves both: a name added to it is scraped and readable
in the same change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

METRICS_FILE = Path(__file__).resolve().parent.parent / "observability" / "metrics.yaml"
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")
METRIC_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

# The collector's scrape jobs (`cluster_services.scrape_config`) a source may be.
WORKLOADS = "workloads"
KUBELET = "kubelet"
KUBE_STATE_METRICS = "kube-state-metrics"
JOBS = (WORKLOADS, KUBELET, KUBE_STATE_METRICS)

# kube-state-metrics names its series `kube_<resource>_...`; the collector (`--resources`)
# that produces each resource's, for the resources a dashboard may want.
KSM_COLLECTORS = {
    "node": "nodes",
    "pod": "pods",
    "deployment": "deployments",
    "daemonset": "daemonsets",
    "statefulset": "statefulsets",
    "job": "jobs",
    "cronjob": "cronjobs",
    "horizontalpodautoscaler": "horizontalpodautoscalers",
    "persistentvolumeclaim": "persistentvolumeclaims",
    "persistentvolume": "persistentvolumes",
    "poddisruptionbudget": "poddisruptionbudgets",
    "resourcequota": "resourcequotas",
    "namespace": "namespaces",
}


@dataclass(frozen=True)
class MetricsCatalog:
    sources: Mapping[str, tuple[str, ...]]
    """Per scrape job (a key of `JOBS`), the metric names it produces."""
    every_job: tuple[str, ...]
    """What the Prometheus receiver writes for every target of every job (`up`)."""
    histograms: tuple[str, ...]
    """Names of `sources` that are histograms: produced with `HISTOGRAM_SUFFIXES`."""

    def produced(self) -> set[str]:
        """Every series name the collector writes (histograms with their suffixes)."""
        names = {n for names in self.sources.values() for n in names} | set(self.every_job)
        return names | {f"{h}{s}" for h in self.histograms for s in HISTOGRAM_SUFFIXES}

    def job(self, name: str) -> tuple[str, ...]:
        return self.sources.get(name, ())


def _names(value: Any, key: str, found: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        found.append(f"{key} must be a non-empty list of metric names")
        return ()
    bad = [v for v in value if not isinstance(v, str) or not METRIC_NAME.match(v)]
    if bad:
        found.append(f"{key}: {bad} are not metric names ([a-zA-Z_][a-zA-Z0-9_]*)")
    twice = sorted({v for v in value if value.count(v) > 1})
    if twice:
        found.append(f"{key}: {twice} are listed twice")
    return tuple(v for v in value if isinstance(v, str))


def ksm_collector_problems(names: Sequence[str]) -> list[str]:
    """kube-state-metrics names whose resource has no known collector."""
    unknown = [n for n in names if _ksm_resource(n) not in KSM_COLLECTORS]
    if not unknown:
        return []
    return [
        f"sources.{KUBE_STATE_METRICS}: {unknown} are not kube_<resource>_... series of a "
        f"resource in {sorted(KSM_COLLECTORS)}"
    ]


def _ksm_resource(name: str) -> str:
    parts = name.split("_")
    return parts[1] if len(parts) > 2 and parts[0] == "kube" else ""


def ksm_collectors(names: Sequence[str]) -> list[str]:
    """The kube-state-metrics collectors (`--resources`) that produce `names`, sorted."""
    problems = ksm_collector_problems(names)
    if problems:
        raise ValueError("\n".join(problems))
    return sorted({KSM_COLLECTORS[_ksm_resource(n)] for n in names})


def parse(document: Any) -> MetricsCatalog:
    """The catalog of a metrics.yaml document; every problem named by its key, at once."""
    found: list[str] = []
    if not isinstance(document, Mapping):
        raise ValueError("metrics.yaml must be a mapping with sources, everyJob, histograms")
    unknown = sorted(set(document) - {"sources", "everyJob", "histograms"})
    if unknown:
        found.append(f"{unknown} are not keys of metrics.yaml (sources, everyJob, histograms)")
    raw = document.get("sources")
    sources: dict[str, tuple[str, ...]] = {}
    if not isinstance(raw, Mapping) or not raw:
        found.append("sources must map scrape jobs to their metric names")
    else:
        for job, names in raw.items():
            if job not in JOBS:
                found.append(f"sources.{job} is not a scrape job of the collector {list(JOBS)}")
            sources[str(job)] = _names(names, f"sources.{job}", found)
        found += [
            f"sources.{job} is missing: each job lists what it keeps"
            for job in JOBS
            if job not in raw
        ]
    every_job = _names(document.get("everyJob"), "everyJob", found)
    histograms = (
        _names(document["histograms"], "histograms", found) if "histograms" in document else ()
    )
    listed = {n for names in sources.values() for n in names}
    strays = [h for h in histograms if h not in listed]
    if strays:
        found.append(f"histograms: {strays} are in no source")
    found += ksm_collector_problems(sources.get(KUBE_STATE_METRICS, ()))
    if found:
        raise ValueError("observability/metrics.yaml:\n" + "\n".join(found))
    return MetricsCatalog(sources=sources, every_job=every_job, histograms=histograms)


def load(path: Path = METRICS_FILE) -> MetricsCatalog:
    return parse(yaml.safe_load(path.read_text()))
