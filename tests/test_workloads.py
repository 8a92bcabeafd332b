"""Workload namespaces: each carries PSA restricted, quota, limits, default deny and RBAC."""

from __future__ import annotations

import pytest

from components import database_jobs
from components.cluster_services import COLLECTOR_LABELS
from components.workloads import DEPLOYERS_GROUP, METRICS_PORT, VIEWERS_GROUP, network_policies
from gam_offline.records import Record
from tests.support import STACKS

NAMESPACES = ("gam-api", "gam-workers", "gam-spa")
PSA = "pod-security.kubernetes.io"


def _in(record: Record, type_: str, namespace: str) -> list[dict]:
    found = [r.plain_inputs() for r in record.by_type(type_)]
    return [f for f in found if f["metadata"]["namespace"] == namespace]


def test_every_namespace_denies_by_default_and_resolves_dns() -> None:
    for role in ("api", "workers", "spa"):
        specs = network_policies(role, ["10.0.0.0/24"], ["10.0.8.0/24"])
        assert specs["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        assert {p["port"] for p in specs["allow-dns"]["egress"][0]["ports"]} == {53}


def test_only_serving_namespaces_admit_the_load_balancer_and_only_on_their_port() -> None:
    api = network_policies("api", ["10.0.0.0/24"], ["10.0.8.0/24"])["allow-load-balancer"]
    assert api["ingress"] == [
        {
            "from": [{"ipBlock": {"cidr": "10.0.0.0/24"}}],
            "ports": [{"port": 8000, "protocol": "TCP"}],
        }
    ]
    assert "allow-load-balancer" not in network_policies(
        "workers", ["10.0.0.0/24"], ["10.0.8.0/24"]
    )


def test_workers_reach_the_data_tier_and_https_and_the_spa_only_the_endpoints() -> None:
    workers = network_policies("workers", ["10.0.0.0/24"], ["10.0.8.0/24", "10.0.9.0/24"])
    data, https = workers["allow-data-and-aws"]["egress"]
    assert [b["ipBlock"]["cidr"] for b in data["to"]] == ["10.0.8.0/24", "10.0.9.0/24"]
    assert {p["port"] for p in data["ports"]} == {5432, 6379}
    assert https["ports"] == [{"port": 443, "protocol": "TCP"}]
    spa = network_policies("spa", ["10.0.0.0/24"], ["10.0.8.0/24"], ["10.0.64.0/18"])
    assert set(spa) == {
        "default-deny",
        "allow-dns",
        "allow-pod-identity-agent",
        "allow-metrics-scrape",
        "allow-load-balancer",
        "allow-aws-endpoints",
    }
    assert spa["allow-aws-endpoints"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "10.0.64.0/18"}}], "ports": [{"port": 443, "protocol": "TCP"}]}
    ]


def test_every_namespace_reaches_the_pod_identity_agent_and_only_on_its_port() -> None:
    # Without it the default deny cuts pods off from their role's credentials.
    for role in ("api", "workers", "spa"):
        agent = network_policies(role, ["10.0.0.0/24"], ["10.0.8.0/24"])["allow-pod-identity-agent"]
        assert agent["egress"] == [
            {
                "to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}],
                "ports": [{"port": 80, "protocol": "TCP"}],
            }
        ]


@pytest.mark.parametrize("stack", STACKS)
def test_each_namespace_carries_its_guards(stack_records: dict[str, Record], stack: str) -> None:
    record = stack_records[stack]
    namespaces = {
        r.plain_inputs()["metadata"]["name"]: r
        for r in record.by_type("kubernetes:core/v1:Namespace")
    }
    # the database Jobs' namespace is guarded too, by DatabaseJobs (test_postgis)
    assert set(namespaces) == {*NAMESPACES, database_jobs.NAMESPACE}
    namespaces.pop(database_jobs.NAMESPACE)
    provider = record.one("pulumi:providers:kubernetes")
    for name, namespace in namespaces.items():
        labels = namespace.plain_inputs()["metadata"]["labels"]
        assert {labels[f"{PSA}/{mode}"] for mode in ("enforce", "audit", "warn")} == {"restricted"}
        assert namespace.options["provider"].startswith(provider.urn)
        (quota,) = _in(record, "kubernetes:core/v1:ResourceQuota", name)
        assert set(quota["spec"]["hard"]) >= {"requests.cpu", "limits.memory", "pods"}
        assert len(_in(record, "kubernetes:core/v1:LimitRange", name)) == 1
        policies = {
            p["metadata"]["name"]
            for p in _in(record, "kubernetes:networking.k8s.io/v1:NetworkPolicy", name)
        }
        assert {"default-deny", "allow-dns", "allow-pod-identity-agent"} <= policies
        # the chaos drills bind FIS where they act (ADR 0019): tests/test_chaos.py
        bindings = [
            b
            for b in _in(record, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", name)
            if b["metadata"]["name"] != "fis-experiment"
        ]
        assert {b["subjects"][0]["name"] for b in bindings} == {DEPLOYERS_GROUP, VIEWERS_GROUP}
        (pdb,) = _in(record, "kubernetes:policy/v1:PodDisruptionBudget", name)
        assert pdb["spec"]["maxUnavailable"] == 1


def test_every_namespace_admits_only_the_collector_and_only_on_the_metrics_port() -> None:
    for role in ("api", "workers", "spa"):
        scrape = network_policies(role, ["10.0.0.0/24"], ["10.0.8.0/24"])["allow-metrics-scrape"]
        (rule,) = scrape["ingress"]
        assert rule["ports"] == [{"port": METRICS_PORT, "protocol": "TCP"}]
        assert rule["from"] == [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                },
                "podSelector": {"matchLabels": COLLECTOR_LABELS},
            }
        ]
