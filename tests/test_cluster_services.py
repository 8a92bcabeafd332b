"""Cluster services: pinned Helm releases on the system nodes, each with its own role."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import metrics_catalog
from components.cluster_services import (
    CHARTS,
    IMAGES,
    KSM_TARGET,
    ON_SYSTEM,
    collector_rules,
    image_reference,
    image_values,
    kube_state_metrics_values,
    load_balancer_controller_policy,
    scrape_config,
    uncached,
)
from components.eks_spec import AUTOSCALER_TAGS, KUBERNETES_VERSIONS
from components.values import CACHE_UPSTREAMS
from gam_offline.records import Record
from tests.support import STACKS

RELEASE = "kubernetes:helm.sh/v3:Release"
DOMAIN = "aws:opensearch/domain:Domain"
EXACT = re.compile(r"^\d+\.\d+\.\d+$")
# service account -> the release it serves; metrics-server needs no AWS access
ROLES = {
    "aws-load-balancer-controller": "aws-load-balancer-controller",
    "external-secrets": "external-secrets",
    "cluster-autoscaler": "cluster-autoscaler",
    "adot-collector": "adot-collector",
    "fluent-bit": "fluent-bit",
}


@pytest.mark.parametrize("stack", STACKS)
def test_every_service_is_a_release_with_an_exact_chart_version(
    stack_records: dict[str, Record], stack: str
) -> None:
    releases = {
        r.plain_inputs()["name"]: r.plain_inputs() for r in stack_records[stack].by_type(RELEASE)
    }
    assert set(releases) == set(CHARTS)
    for key, release in releases.items():
        assert (release["chart"], release["version"]) == (CHARTS[key].name, CHARTS[key].version)
        assert EXACT.match(release["version"])
        assert release["repositoryOpts"]["repo"].startswith("https://")
        assert release["namespace"] == "kube-system"


@pytest.mark.parametrize("stack", STACKS)
def test_each_service_account_has_its_own_role_trusting_only_it(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    associations = {
        a.plain_inputs()["serviceAccount"]: a.plain_inputs()
        for a in record.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if a.plain_inputs()["namespace"] == "kube-system"  # the workloads': test_workload_grants
    }
    # the log store's setup Job (ADR 0018) has one too, where there is a log store
    expected = set(ROLES) | ({"log-search-setup"} if record.by_type(DOMAIN) else set())
    assert set(associations) == expected
    roles = {r.outputs["arn"]: r for r in record.by_type("aws:iam/role:Role")}
    assert len({a["roleArn"] for a in associations.values()}) == len(expected)  # one role each
    for account, association in associations.items():
        trust = json.loads(roles[association["roleArn"]].plain_inputs()["assumeRolePolicy"])
        pinned = trust["Statement"][0]["Condition"]["StringEquals"]
        assert pinned["aws:RequestTag/kubernetes-service-account"] == account
        assert pinned["aws:RequestTag/kubernetes-namespace"] == "kube-system"


def test_the_secret_store_reads_only_the_platforms_secrets(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["prod"]
    store = record.one("kubernetes:external-secrets.io/v1:ClusterSecretStore").plain_inputs()
    assert store["spec"]["provider"]["aws"]["service"] == "SecretsManager"
    policies = [p.plain_inputs() for p in record.by_type("aws:iam/rolePolicy:RolePolicy")]
    eso = next(p for p in policies if "external-secrets" in p["role"])
    read, decrypt = json.loads(eso["policy"])["Statement"]
    assert read["Resource"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:gam-prod/*"
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
    }


def test_the_load_balancer_controller_changes_only_what_it_tagged() -> None:
    statements = {s["Sid"]: s for s in json.loads(load_balancer_controller_policy())["Statement"]}
    for sid in ("CreateOnlyTagged", "TagWhatItCreates", "ManageOnlyWhatItTagged"):
        assert statements[sid]["Condition"], sid
    assert all(
        a.split(":")[1].startswith(("Describe", "List", "Get"))
        for a in statements["Read"]["Action"]
    )
    assert not any(
        "*" in a
        for s in statements.values()
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    )


def test_the_autoscaler_scales_only_this_clusters_groups(stack_records: dict[str, Record]) -> None:
    policies = [
        p.plain_inputs() for p in stack_records["dev"].by_type("aws:iam/rolePolicy:RolePolicy")
    ]
    autoscaler = next(p for p in policies if "cluster-autoscaler" in p["role"])
    scale = json.loads(autoscaler["policy"])["Statement"][2]
    assert scale["Condition"] == {
        "StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/gam-dev-eks": "owned"}
    }


CATALOG = metrics_catalog.load()


def jobs(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {job["job_name"]: job for job in config["scrape_configs"]}


def collector_values(record: Record) -> dict[str, Any]:
    (collector,) = [r for r in record.by_type(RELEASE) if r.name.endswith("adot-collector")]
    values: dict[str, Any] = collector.plain_inputs()["values"]
    return values


def test_the_collector_scrapes_only_the_metrics_ports_of_the_given_namespaces() -> None:
    job = jobs(scrape_config(["gam-api", "gam-workers"], CATALOG))["workloads"]
    assert job["kubernetes_sd_configs"] == [
        {"role": "pod", "namespaces": {"names": ["gam-api", "gam-workers"]}}
    ]
    keep = job["relabel_configs"][0]
    assert keep == {
        "source_labels": ["__meta_kubernetes_pod_container_port_name"],
        "regex": "metrics",
        "action": "keep",
    }
    assert {r.get("target_label") for r in job["relabel_configs"][1:]} == {
        "namespace",
        "pod",
        "job",
    }


def test_the_collector_scrapes_each_kubelets_resource_metrics_verifying_its_certificate() -> None:
    job = jobs(scrape_config(["gam-api"], CATALOG))["kubelet"]
    assert job["kubernetes_sd_configs"] == [{"role": "node"}]  # <InternalIP>:10250
    assert (job["scheme"], job["metrics_path"]) == ("https", "/metrics/resource")
    account = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert job["authorization"] == {"credentials_file": f"{account}/token"}
    assert job["tls_config"] == {"ca_file": f"{account}/ca.crt", "insecure_skip_verify": False}
    assert job["relabel_configs"] == [
        {"source_labels": ["__meta_kubernetes_node_name"], "target_label": "node"}
    ]
    (keep,) = job["metric_relabel_configs"]
    assert (keep["source_labels"], keep["action"]) == (["__name__"], "keep")
    assert set(keep["regex"].split("|")) == set(CATALOG.job("kubelet"))


@given(
    st.sets(st.sampled_from(["node_cpu_usage_seconds_total", "a_b", "x", "up_total"]), min_size=1)
)
def test_the_kubelet_job_keeps_exactly_the_names_the_catalog_lists(names: set[str]) -> None:
    catalog = metrics_catalog.MetricsCatalog(
        sources={"kubelet": tuple(sorted(names))}, every_job=("up",), histograms=()
    )
    (keep,) = jobs(scrape_config([], catalog))["kubelet"]["metric_relabel_configs"]
    pattern = re.compile(f"^(?:{keep['regex']})$")  # Prometheus anchors the regex
    candidates = names | {"node_cpu_usage_seconds", "a_b_c", "xx", "up"}
    assert {n for n in candidates if pattern.match(n)} == names


def test_without_workload_namespaces_the_collector_still_scrapes_the_cluster_but_not_pods() -> None:
    assert set(jobs(scrape_config([], CATALOG))) == {"kubelet", "kube-state-metrics"}
    assert all("pods" not in rule["resources"] for rule in collector_rules([]))


def test_kube_state_metrics_is_a_static_target_the_collector_needs_no_rights_for() -> None:
    job = jobs(scrape_config([], CATALOG))["kube-state-metrics"]
    assert job["static_configs"] == [{"targets": [KSM_TARGET]}]
    port = kube_state_metrics_values(CATALOG)["service"]["port"]
    assert f"kube-state-metrics.kube-system.svc:{port}" == KSM_TARGET


def test_the_collectors_cluster_role_reads_node_metrics_but_never_proxies_to_a_kubelet() -> None:
    rules = collector_rules(["gam-api"])
    assert rules == [
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]},
        {"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
    ]
    granted = {r for rule in rules for r in rule["resources"]}
    assert "nodes/proxy" not in granted and not any("*" in r for r in granted)


def test_kube_state_metrics_runs_only_the_collectors_and_exports_only_the_series_listed() -> None:
    values = kube_state_metrics_values(CATALOG)
    names = CATALOG.job("kube-state-metrics")
    assert values["metricAllowlist"] == list(names)
    assert values["collectors"] == ["deployments", "nodes", "pods"]
    assert values["nodeSelector"] == ON_SYSTEM["nodeSelector"]
    assert values["tolerations"] == ON_SYSTEM["tolerations"]
    assert values["prometheusScrape"] is False


def test_kube_state_metrics_pulls_from_registry_k8s_io_through_the_cache() -> None:
    assert image_values("kube-state-metrics", {})["image"] == {
        "registry": "registry.k8s.io",
        "repository": "kube-state-metrics/kube-state-metrics",
    }
    block = image_values("kube-state-metrics", {"k8s": f"{PREFIX}/k8s"})["image"]
    assert image_reference(block) == f"{PREFIX}/k8s/kube-state-metrics/kube-state-metrics"


@pytest.mark.parametrize("stack", STACKS)
def test_the_collector_sends_what_it_scrapes_to_the_workspace_with_only_the_rights_it_needs(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    values = collector_values(record)
    metrics = values["config"]["service"]["pipelines"]["metrics"]
    assert metrics["receivers"] == ["otlp", "prometheus"]
    assert metrics["exporters"] == ["prometheusremotewrite"]
    namespaces = sorted(record.masked_outputs()["workloadNamespaces"].values())
    found = jobs(values["config"]["receivers"]["prometheus"]["config"])
    assert sorted(found["workloads"]["kubernetes_sd_configs"][0]["namespaces"]["names"]) == (
        namespaces
    )
    assert values["clusterRole"] == {"create": True, "rules": collector_rules(namespaces)}


@pytest.mark.parametrize("stack", STACKS)
def test_every_source_of_the_metrics_list_is_a_job_the_stacks_collector_runs(
    stack_records: dict[str, Record], stack: str
) -> None:
    """observability/metrics.yaml is the contract the dashboards are checked against: in
    every stack, each of its sources is scraped, with the names it lists."""
    record = stack_records[stack]
    found = jobs(collector_values(record)["config"]["receivers"]["prometheus"]["config"])
    assert set(CATALOG.sources) <= set(found)
    (keep,) = found["kubelet"]["metric_relabel_configs"]
    assert set(keep["regex"].split("|")) == set(CATALOG.job("kubelet"))
    (ksm,) = [
        r.plain_inputs() for r in record.by_type(RELEASE) if r.name.endswith("kube-state-metrics")
    ]
    assert ksm["values"]["metricAllowlist"] == list(CATALOG.job("kube-state-metrics"))
    assert found["kube-state-metrics"]["static_configs"] == [
        {
            "targets": [
                f"{ksm['name']}.{ksm['namespace']}.svc:{int(ksm['values']['service']['port'])}"
            ]
        }
    ]


# --- images through the pull-through cache (ADR 0006) -------------------------------------

UPSTREAM_HOSTS = tuple(CACHE_UPSTREAMS.values())
PREFIX = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gam-prod"
CACHED = st.sets(st.sampled_from(list(CACHE_UPSTREAMS))).map(
    lambda cached: {u: f"{PREFIX}/{u}" for u in cached}
)


def repositories(values: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """Every image block in chart values (where it pulls from), with the dotted path of
    its block."""
    if isinstance(values, Mapping):
        if isinstance(values.get("repository"), str):
            yield ".".join(path), image_reference(values)
        for key, value in values.items():
            yield from repositories(value, (*path, key))


def test_every_chart_declares_its_images_and_external_secrets_all_three() -> None:
    assert set(IMAGES) == set(CHARTS)
    blocks = {key: dict(repositories(image_values(key, {}))) for key in IMAGES}
    assert all(blocks.values())
    assert set(blocks["external-secrets"]) == {"image", "webhook.image", "certController.image"}


def test_with_every_upstream_cached_no_chart_image_points_at_an_upstream_registry() -> None:
    prefixes = {u: f"{PREFIX}/{u}" for u in CACHE_UPSTREAMS}
    for key in IMAGES:
        for path, repository in repositories(image_values(key, prefixes)):
            assert repository.startswith(f"{PREFIX}/"), (key, path, repository)
            assert not repository.startswith(UPSTREAM_HOSTS), (key, path)
    assert uncached(prefixes) == {}


@given(CACHED)
def test_an_image_comes_through_the_cache_exactly_when_it_caches_the_upstream(
    prefixes: dict[str, str],
) -> None:
    for key, images in IMAGES.items():
        values = image_values(key, prefixes)
        for image in images:
            block = values
            for name in image.path:
                block = block[name]
            host = prefixes.get(image.upstream, CACHE_UPSTREAMS[image.upstream])
            assert image_reference(block) == f"{host}/{image.repository}"
            assert (key in uncached(prefixes).get(image.upstream, [])) == (
                image.upstream not in prefixes
            )


def test_the_collector_pins_an_adot_release_not_the_charts_collector_version() -> None:
    block = image_values("adot-collector", {})["image"]
    assert block["repository"] == "public.ecr.aws/aws-observability/aws-otel-collector"
    assert re.fullmatch(r"v0\.\d+\.\d+", block["tag"])


@pytest.mark.parametrize("stack", STACKS)
def test_every_release_pulls_through_the_stacks_cache_but_what_it_does_not_cache_yet(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    prefixes = record.outputs["imagePrefixes"]
    waiting = uncached(prefixes)
    # the stacks have not stored GHCR credentials: External Secrets' images wait for them
    assert waiting == {"ghcr": ["external-secrets"]}
    for release in record.by_type(RELEASE):
        key = release.plain_inputs()["name"]
        found = dict(repositories(release.plain_inputs()["values"]))
        assert len(found) == len(IMAGES[key]), key
        for path, repository in found.items():
            if key in waiting["ghcr"]:
                assert repository.startswith(f"{CACHE_UPSTREAMS['ghcr']}/"), (key, path)
            else:
                assert repository.startswith(tuple(prefixes.values())), (key, path, repository)
    # behind the firewall (staging, prod) the preview says what it will block, and how to
    # stop it; dev pulls from GHCR meanwhile
    warnings = [m for _, m in record.diagnostics if "credentialsStored" in m]
    if stack == "dev":
        assert warnings == []
    else:
        (warning,) = warnings
        assert "external-secrets" in warning and "ghcr" in warning and "firewall" in warning


@pytest.mark.parametrize("stack", STACKS)
def test_the_load_balancer_controller_calls_no_api_without_an_endpoint(
    stack_records: dict[str, Record], stack: str
) -> None:
    releases = {r.plain_inputs()["name"]: r for r in stack_records[stack].by_type(RELEASE)}
    values = releases["aws-load-balancer-controller"].plain_inputs()["values"]
    assert (values["enableShield"], values["enableWaf"], values["enableWafv2"]) == (
        False,
        False,
        True,
    )
    actions = {
        a
        for s in json.loads(load_balancer_controller_policy())["Statement"]
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert {a.split(":")[0] for a in actions} == {
        "ec2",
        "elasticloadbalancing",
        "wafv2",
        "iam",
    }


def test_there_is_an_autoscaler_of_the_same_minor_for_every_kubernetes_version() -> None:
    assert set(AUTOSCALER_TAGS) == set(KUBERNETES_VERSIONS)
    for minor, tag in AUTOSCALER_TAGS.items():
        assert re.fullmatch(rf"v{re.escape(minor)}\.\d+", tag), (minor, tag)


@pytest.mark.parametrize("stack", STACKS)
def test_the_autoscaler_runs_the_minor_of_its_cluster(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    (cluster,) = record.by_type("aws:eks/cluster:Cluster")
    version = cluster.plain_inputs()["version"]
    (autoscaler,) = [
        r.plain_inputs()
        for r in record.by_type(RELEASE)
        if r.plain_inputs()["name"] == "cluster-autoscaler"
    ]
    assert autoscaler["values"]["image"]["tag"] == AUTOSCALER_TAGS[version]
    assert autoscaler["values"]["image"]["repository"].endswith("/autoscaling/cluster-autoscaler")
