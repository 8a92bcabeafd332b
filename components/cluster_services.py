"""ClusterServices: the controllers and agents every workload relies on, as Helm releases
with pinned chart versions and their values in code (ADR 0011).

All run in `kube-system` on the system nodes (they tolerate its taint), each under its
own service account with its own Pod Identity role (ADR 0009), least privilege:

- AWS Load Balancer Controller: load balancers, target groups and their security groups,
  only those it created (tagged `elbv2.k8s.aws/cluster`); VPC and region passed as
  values, since pods cannot reach the instance metadata service (hop limit 1);
- External Secrets Operator, and a ClusterSecretStore for AWS Secrets Manager whose role
  reads only the platform's secrets (`<prefix>/*`);
- Cluster Autoscaler: scales only the node groups of this cluster (their ASGs carry
  `k8s.io/cluster-autoscaler/<cluster>: owned`);
- metrics-server: no AWS access, so no role;
- the AWS Distro for OpenTelemetry collector: metrics to Amazon Managed Prometheus (when
  a workspace is given: OTLP, the workload pods' metrics port, each node's kubelet and
  kube-state-metrics, ADR 0022) and traces to X-Ray;
- kube-state-metrics, when there is a workspace: only the collectors and the series
  `observability/metrics.yaml` lists; no AWS access, so no role;
- Fluent Bit: container logs to a CloudWatch log group it may only write to, with
  retention and its own key, and, when a log store is given (`LogShipping`), to that
  OpenSearch domain too (SigV4, `gam-logs-*` daily indices; ADR 0018), its role
  allowed to post documents to that domain only.

Every chart's images come through the ECR pull-through cache where it caches their
upstream (`IMAGES`, `image_prefixes`; ADR 0006), and every AWS API they call has an
interface endpoint behind the egress firewall (ADR 0004).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.eks import SYSTEM_TOLERATION, EksCluster
from components.eks_spec import AUTOSCALER_TAGS, group_labels
from components.log_search_documents import MERGE_LOG_KEY
from components.metrics_catalog import (
    KUBE_STATE_METRICS,
    KUBELET,
    WORKLOADS,
    MetricsCatalog,
    ksm_collectors,
)
from components.metrics_catalog import load as load_metrics
from components.tags import problems as tag_problems
from components.values import CACHE_UPSTREAMS, CREDENTIALED_UPSTREAMS, LOG_RETENTION_DAYS

TYPE_TOKEN = "gam:k8s:ClusterServices"
NAMESPACE = "kube-system"


@dataclass(frozen=True)
class Chart:
    name: str
    version: str
    repository: str


# Pinned charts: an upgrade is a reviewed change here (the pack requires exact versions).
CHARTS: Mapping[str, Chart] = {
    "aws-load-balancer-controller": Chart(
        "aws-load-balancer-controller", "1.14.1", "https://aws.github.io/eks-charts"
    ),
    "external-secrets": Chart("external-secrets", "0.20.4", "https://charts.external-secrets.io"),
    "cluster-autoscaler": Chart(
        "cluster-autoscaler", "9.59.0", "https://kubernetes.github.io/autoscaler"
    ),
    "metrics-server": Chart(
        "metrics-server", "3.13.0", "https://kubernetes-sigs.github.io/metrics-server/"
    ),
    "adot-collector": Chart(
        "opentelemetry-collector",
        "0.136.1",
        "https://open-telemetry.github.io/opentelemetry-helm-charts",
    ),
    "fluent-bit": Chart("aws-for-fluent-bit", "0.1.35", "https://aws.github.io/eks-charts"),
    "kube-state-metrics": Chart(
        "kube-state-metrics", "8.4.0", "https://prometheus-community.github.io/helm-charts"
    ),
}
SECRET_STORE = "aws-secrets-manager"
# Where they run: the system nodes.
ON_SYSTEM = {"nodeSelector": group_labels("system"), "tolerations": [SYSTEM_TOLERATION]}


@dataclass(frozen=True)
class Image:
    """One image a chart runs: where its values block sits, its upstream registry (a key of
    `values.CACHE_UPSTREAMS`), its repository there, and a tag when the chart's default
    does not fit."""

    path: tuple[str, ...]
    upstream: str
    repository: str
    tag: str | None = None
    registry_apart: bool = False
    """The chart composes `<registry>/<repository>`: the host goes in `registry`."""


# Every image each pinned chart runs with these values (read from the chart's values.yaml
# at its pinned version); upgrading a chart means re-reading them. External Secrets
# publishes to GHCR only (its default `oci.external-secrets.io` redirects there).
IMAGES: Mapping[str, tuple[Image, ...]] = {
    "aws-load-balancer-controller": (
        Image(("image",), "ecr-public", "eks/aws-load-balancer-controller"),
    ),
    "external-secrets": tuple(
        Image((*at, "image"), "ghcr", "external-secrets/external-secrets")
        for at in ((), ("webhook",), ("certController",))
    ),
    "cluster-autoscaler": (Image(("image",), "k8s", "autoscaling/cluster-autoscaler"),),
    "metrics-server": (Image(("image",), "k8s", "metrics-server/metrics-server"),),
    # the chart has no default image; its default tag (its collector's version, 0.136.0)
    # is no ADOT release: the nearest ADOT release above that collector
    "adot-collector": (
        Image(("image",), "ecr-public", "aws-observability/aws-otel-collector", "v0.46.0"),
    ),
    "fluent-bit": (Image(("image",), "ecr-public", "aws-observability/aws-for-fluent-bit"),),
    # `image.registry` + `/` + `image.repository` (its _helpers.tpl), tag v<appVersion>
    "kube-state-metrics": (
        Image(("image",), "k8s", "kube-state-metrics/kube-state-metrics", registry_apart=True),
    ),
}


def image_block(image: Image, prefixes: Mapping[str, str]) -> dict[str, str]:
    """The chart values of one image: through the cache when it caches the upstream
    (`prefixes`: `ImageCache.image_prefixes`), else from the upstream registry."""
    host = prefixes.get(image.upstream, CACHE_UPSTREAMS[image.upstream])
    block = (
        {"registry": host, "repository": image.repository}
        if image.registry_apart
        else {"repository": f"{host}/{image.repository}"}
    )
    return block | ({"tag": image.tag} if image.tag else {})


def images_of(key: str, kubernetes_version: str) -> tuple[Image, ...]:
    """The images chart `key` runs on a cluster of `kubernetes_version`: `IMAGES`, but the
    autoscaler's tag follows the cluster's minor (`eks_spec.AUTOSCALER_TAGS`)."""
    if key != "cluster-autoscaler":
        return tuple(IMAGES[key])
    return tuple(replace(i, tag=AUTOSCALER_TAGS[kubernetes_version]) for i in IMAGES[key])


def image_reference(block: Mapping[str, Any]) -> str:
    """Where the chart pulls an image block's image from (without its tag)."""
    registry = block.get("registry")
    return f"{registry}/{block['repository']}" if registry else str(block["repository"])


def image_values(key: str, prefixes: Mapping[str, str]) -> dict[str, Any]:
    """The image values of chart `key` (nested as the chart reads them)."""
    values: dict[str, Any] = {}
    for image in IMAGES[key]:
        _put(values, image.path, image_block(image, prefixes))
    return values


def uncached(prefixes: Mapping[str, str]) -> dict[str, list[str]]:
    """Per upstream the cache does not cache: the charts whose images still come from it."""
    found: dict[str, list[str]] = {}
    for key, images in IMAGES.items():
        for upstream in sorted({i.upstream for i in images} - set(prefixes)):
            found.setdefault(upstream, []).append(key)
    return found


def _put(values: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    *parents, last = path
    for name in parents:
        values = values.setdefault(name, {})
    values[last] = value


@dataclass(frozen=True, kw_only=True)
class LogShipping:
    """An OpenSearch domain Fluent Bit ships to."""

    endpoint: pulumi.Input[str]
    """The domain's endpoint (host name)."""
    domain_arn: pulumi.Input[str]
    index_prefix: str
    """Daily indices `<prefix>-YYYY.MM.DD`."""


@dataclass(frozen=True, kw_only=True)
class ClusterServicesArgs:
    cluster: EksCluster
    """Required. The cluster (its provider, name and `workload_role`)."""

    vpc_id: pulumi.Input[str]
    """Required. For the load balancer controller (it cannot read it from IMDS)."""

    secrets_prefix: str
    """Required. The platform's secrets in Secrets Manager (`<prefix>/...`): all that the
    secret store may read."""

    tags: Mapping[str, str]
    """Required. The standard tags."""

    prometheus_workspace_id: pulumi.Input[str] | None = None
    """Amazon Managed Prometheus workspace (ws-...) for metrics: the observability stack's,
    or one from settings. Default: traces only."""

    image_prefixes: pulumi.Input[Mapping[str, str]] | None = None
    """The image cache's prefix per upstream (`ImageCache.image_prefixes`): every chart's
    images are pulled through it where it caches their upstream (ADR 0006). Default: none,
    the charts pull from the upstream registries (blocked behind the egress firewall)."""

    egress_filtered: bool = False
    """The egress firewall is on (ADR 0004): the preview warns of each upstream the cache
    does not cache yet, naming the charts whose pulls the firewall will block."""

    log_retention_days: int = 365
    """Retention of the container logs."""

    scrape_namespaces: Sequence[str] = ()
    """Namespaces whose pods the collector scrapes for Prometheus metrics (their container
    port named `metrics`), when there is a workspace; the kubelets and kube-state-metrics
    are scraped whenever there is one."""
    log_shipping: LogShipping | None = None
    """Also ship the container logs to this OpenSearch domain. Default: CloudWatch only."""

    protect: bool = False


def problems(args: ClusterServicesArgs) -> list[str]:
    found = tag_problems(args.tags)
    if not args.secrets_prefix or "*" in args.secrets_prefix:
        found.append(
            f"secrets_prefix {args.secrets_prefix!r} must name a prefix, without wildcards"
        )
    workspace = args.prometheus_workspace_id
    if isinstance(workspace, str) and not workspace.startswith("ws-"):
        found.append(f"prometheus_workspace_id {workspace!r} is not a workspace id (ws-...)")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"log_retention_days {args.log_retention_days!r} is not a CloudWatch Logs retention"
        )
    if isinstance(args.image_prefixes, Mapping):
        unknown = sorted(set(args.image_prefixes) - set(CACHE_UPSTREAMS))
        if unknown:
            found.append(
                f"image_prefixes {unknown} are not cache upstreams; "
                f"use keys of {list(CACHE_UPSTREAMS)}"
            )
    return found


_CACHE_IT = {
    u: f'Store its credentials (README, "Image cache"), then add {u} to '
    "gam:imageCache.credentialsStored."
    for u in CREDENTIALED_UPSTREAMS
}


def _copy_along(values: Mapping[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    """A copy of `values` whose dicts along `paths` are new, so setting them leaves the
    caller's untouched."""
    copied = dict(values)
    for path in paths:
        node = copied
        for name in path[:-1]:
            node[name] = dict(node.get(name, {}))
            node = node[name]
    return copied


def _document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# The collector's pods (the chart labels them with its release), which the workload
# namespaces admit on `METRICS_PORT` (`components.workloads`).
COLLECTOR_LABELS = {"app.kubernetes.io/instance": "adot-collector"}


# The service account's token and the cluster's CA, mounted into the collector's pods.
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
SCRAPE_INTERVAL = "30s"
# kube-state-metrics' Service (the chart names it after the release) and port.
KSM_PORT = 8080
KSM_TARGET = f"kube-state-metrics.{NAMESPACE}.svc:{KSM_PORT}"
# Nodes' and containers' usage from the kubelet, rather than from node-exporter, which is a
# privileged daemon set with the host's mounts (ADR 0022).
KUBELET_PATH = "/metrics/resource"


def scrape_config(
    namespaces: Sequence[str], catalog: MetricsCatalog | None = None
) -> dict[str, Any]:
    """Prometheus scrape configuration, every 30 s, one job per source of `catalog`
    (`observability/metrics.yaml`):

    - `workloads`: the pods of `namespaces` that expose a container port named
      `metrics`, labelled with their namespace and pod (none without namespaces);
    - `kubelet`: each node's kubelet on its HTTPS port, `/metrics/resource`, as the
      collector's service account, its certificate verified against the cluster's CA,
      labelled with the node, keeping only the names the catalog lists;
    - `kube-state-metrics`: its Service (it exports only the listed names itself)."""
    catalog = catalog or load_metrics()
    jobs = []
    if namespaces:
        jobs.append(_workloads_job(namespaces))
    jobs.append(
        {
            "job_name": KUBELET,
            "scrape_interval": SCRAPE_INTERVAL,
            "scheme": "https",
            "metrics_path": KUBELET_PATH,
            "kubernetes_sd_configs": [{"role": "node"}],
            "authorization": {"credentials_file": f"{SERVICE_ACCOUNT_DIR}/token"},
            "tls_config": {
                "ca_file": f"{SERVICE_ACCOUNT_DIR}/ca.crt",
                "insecure_skip_verify": False,
            },
            "relabel_configs": [
                {"source_labels": ["__meta_kubernetes_node_name"], "target_label": "node"}
            ],
            "metric_relabel_configs": [
                {
                    "source_labels": ["__name__"],
                    "regex": "|".join(catalog.job(KUBELET)),
                    "action": "keep",
                }
            ],
        }
    )
    jobs.append(
        {
            "job_name": KUBE_STATE_METRICS,
            "scrape_interval": SCRAPE_INTERVAL,
            "static_configs": [{"targets": [KSM_TARGET]}],
        }
    )
    return {"scrape_configs": jobs}


def _workloads_job(namespaces: Sequence[str]) -> dict[str, Any]:
    meta = "__meta_kubernetes_pod_"
    return {
        "job_name": WORKLOADS,
        "scrape_interval": SCRAPE_INTERVAL,
        "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"names": list(namespaces)}}],
        "relabel_configs": [
            {
                "source_labels": [f"{meta}container_port_name"],
                "regex": "metrics",
                "action": "keep",
            },
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": [f"{meta}name"], "target_label": "pod"},
            {
                "source_labels": [f"{meta}label_app_kubernetes_io_name"],
                "target_label": "job",
            },
        ],
    }


def collector_rules(namespaces: Sequence[str]) -> list[dict[str, Any]]:
    """The collector's cluster role for `scrape_config(namespaces)`: discover the nodes and
    read their kubelets' metrics (`nodes/metrics`: the kubelet authorizes `/metrics/*`
    as that subresource; not `nodes/proxy`, which would reach every kubelet API), and
    watch the pods when it scrapes workloads. kube-state-metrics is a static target."""
    rules: list[dict[str, Any]] = [
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch"]},
        {"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
    ]
    if namespaces:
        rules.append({"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]})
    return rules


def kube_state_metrics_values(catalog: MetricsCatalog | None = None) -> dict[str, Any]:
    """kube-state-metrics with only the collectors (resources) the catalog's names need,
    exporting only those names; its ClusterRole follows the collectors (the chart's)."""
    names = (catalog or load_metrics()).job(KUBE_STATE_METRICS)
    return {
        "collectors": ksm_collectors(names),
        "metricAllowlist": list(names),
        "service": {"port": KSM_PORT},
        "prometheusScrape": False,  # the collector scrapes it by name, not by annotation
        **ON_SYSTEM,
    }


def _read_secret_document(secrets: str, secretsmanager: str) -> str:
    """Read `secrets` (an ARN or pattern), decrypting through Secrets Manager only."""
    return _document(
        {
            "Sid": "ReadTheseSecretsOnly",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
                "secretsmanager:ListSecretVersionIds",
            ],
            "Resource": secrets,
        },
        {
            "Sid": "DecryptThroughSecretsManagerOnly",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": secretsmanager}},
        },
    )


def load_balancer_controller_policy(cluster_tag: str = "elbv2.k8s.aws/cluster") -> str:
    """Read what it must see; create only tagged; change and delete only what it tagged.
    No Shield (off in its values) and no ACM: ingresses name their certificate
    (`alb.ingress.kubernetes.io/certificate-arn`) rather than have it discovered by host,
    which would call ACM, an API without an endpoint here (ADR 0011)."""
    describe = {
        "Sid": "Read",
        "Effect": "Allow",
        "Action": [
            "ec2:DescribeAccountAttributes",
            "ec2:DescribeAddresses",
            "ec2:DescribeAvailabilityZones",
            "ec2:DescribeInternetGateways",
            "ec2:DescribeVpcs",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeInstances",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeTags",
            "ec2:DescribeRouteTables",
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeListenerCertificates",
            "elasticloadbalancing:DescribeListenerAttributes",
            "elasticloadbalancing:DescribeRules",
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTargetHealth",
            "elasticloadbalancing:DescribeTags",
            "elasticloadbalancing:DescribeSSLPolicies",
            "wafv2:GetWebACL",
            "wafv2:GetWebACLForResource",
        ],
        "Resource": "*",
    }
    create = {
        "Sid": "CreateOnlyTagged",
        "Effect": "Allow",
        "Action": [
            "ec2:CreateSecurityGroup",
            "elasticloadbalancing:CreateLoadBalancer",
            "elasticloadbalancing:CreateTargetGroup",
        ],
        "Resource": "*",
        "Condition": {"Null": {f"aws:RequestTag/{cluster_tag}": "false"}},
    }
    tag_on_create = {
        "Sid": "TagWhatItCreates",
        "Effect": "Allow",
        "Action": ["ec2:CreateTags", "elasticloadbalancing:AddTags"],
        "Resource": "*",
        "Condition": {"Null": {f"aws:RequestTag/{cluster_tag}": "false"}},
    }
    manage = {
        "Sid": "ManageOnlyWhatItTagged",
        "Effect": "Allow",
        "Action": [
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:DeleteSecurityGroup",
            "ec2:DeleteTags",
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
            "elasticloadbalancing:SetIpAddressType",
            "elasticloadbalancing:SetSecurityGroups",
            "elasticloadbalancing:SetSubnets",
            "elasticloadbalancing:DeleteLoadBalancer",
            "elasticloadbalancing:ModifyTargetGroup",
            "elasticloadbalancing:ModifyTargetGroupAttributes",
            "elasticloadbalancing:DeleteTargetGroup",
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DeregisterTargets",
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:DeleteListener",
            "elasticloadbalancing:ModifyListener",
            "elasticloadbalancing:CreateRule",
            "elasticloadbalancing:DeleteRule",
            "elasticloadbalancing:ModifyRule",
            "elasticloadbalancing:AddListenerCertificates",
            "elasticloadbalancing:RemoveListenerCertificates",
            "elasticloadbalancing:RemoveTags",
            "elasticloadbalancing:SetWebAcl",
            "wafv2:AssociateWebACL",
            "wafv2:DisassociateWebACL",
        ],
        "Resource": "*",
        "Condition": {"Null": {f"aws:ResourceTag/{cluster_tag}": "false"}},
    }
    service_linked = {
        "Sid": "ElbServiceLinkedRoleOnly",
        "Effect": "Allow",
        "Action": "iam:CreateServiceLinkedRole",
        "Resource": "*",
        "Condition": {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}},
    }
    return _document(describe, create, tag_on_create, manage, service_linked)


class ClusterServices(GamComponent):
    """The cluster's controllers and agents."""

    log_group_name: pulumi.Output[str]
    secret_store: k8s.apiextensions.CustomResource
    """The ClusterSecretStore (named `SECRET_STORE`) over Secrets Manager."""
    fluent_bit_role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ClusterServicesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("ClusterServices", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)
        self._roles: dict[str, aws.iam.Role] = {}
        cluster = args.cluster
        region = self._account.region
        if args.image_prefixes is not None and args.egress_filtered:
            pulumi.Output.from_input(args.image_prefixes).apply(self._warn_uncached)

        self._release(
            "aws-load-balancer-controller",
            {
                "clusterName": cluster.cluster_name,
                "region": region,
                "vpcId": args.vpc_id,
                "serviceAccount": {"name": "aws-load-balancer-controller"},
                "replicaCount": 2,
                # Shield Advanced (not subscribed) and WAF Classic (retired) would be called
                # on every ALB through the firewall; WAFv2 associates the API's regional
                # web ACL (ADR 0013) over its endpoint.
                "enableShield": False,
                "enableWaf": False,
                "enableWafv2": True,
                **ON_SYSTEM,
            },
            role=("aws-load-balancer-controller", load_balancer_controller_policy()),
        )
        eso = self._release(
            "external-secrets",
            {"installCRDs": True, "serviceAccount": {"name": "external-secrets"}, **ON_SYSTEM},
            role=("external-secrets", self._secrets_policy()),
        )
        self.secret_store = k8s.apiextensions.CustomResource(
            self.child_name("secret-store"),
            api_version="external-secrets.io/v1",
            kind="ClusterSecretStore",
            metadata={"name": SECRET_STORE},
            spec={"provider": {"aws": {"service": "SecretsManager", "region": region}}},
            opts=self.child_opts(provider=cluster.provider, depends_on=[eso]),
        )
        self._release(
            "cluster-autoscaler",
            {
                "autoDiscovery": {"clusterName": cluster.cluster_name},
                "awsRegion": region,
                "rbac": {"serviceAccount": {"name": "cluster-autoscaler"}},
                "extraArgs": {
                    "balance-similar-node-groups": True,
                    "skip-nodes-with-system-pods": False,
                },
                **ON_SYSTEM,
            },
            role=("cluster-autoscaler", self._autoscaler_policy()),
        )
        self._release("metrics-server", {"replicas": 2, **ON_SYSTEM})
        if args.prometheus_workspace_id is not None:  # its series have nowhere to go else
            self._release("kube-state-metrics", kube_state_metrics_values())
        self._release(
            "adot-collector",
            self._collector_values(),
            role=("adot-collector", self._collector_policy()),
        )
        group = self._log_group()
        self.log_group_name = group.name
        self._release(
            "fluent-bit",
            self._fluent_bit_values(group),
            role=("fluent-bit", self._logs_policy(group)),
        )
        self.fluent_bit_role_arn = self._roles["fluent-bit"].arn
        self.register_outputs({"logGroupName": self.log_group_name})

    def _release(
        self, key: str, values: Mapping[str, Any], role: tuple[str, pulumi.Input[str]] | None = None
    ) -> k8s.helm.v3.Release:
        chart = CHARTS[key]
        depends: list[pulumi.Resource] = []
        if role is not None:
            self._roles[key] = self._args.cluster.workload_role(NAMESPACE, role[0], role[1])
            depends.append(self._roles[key])
        return k8s.helm.v3.Release(
            self.child_name(key),
            name=key,
            chart=chart.name,
            version=chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository),
            namespace=NAMESPACE,
            values=self._with_images(key, values),
            atomic=True,
            cleanup_on_fail=True,
            opts=self.child_opts(provider=self._args.cluster.provider, depends_on=depends),
        )

    def read_secret(self, what: str, secret_arn: pulumi.Input[str]) -> aws.iam.RolePolicy:
        """Let the secret store also read one secret outside the platform's prefix (the
        RDS-managed master secret, `rds!db-...`): that ARN exactly, decrypted through
        Secrets Manager. Pass the policy to `depends_on` of what syncs the secret."""
        document = pulumi.Output.all(secret_arn, self._account.regional_service("secretsmanager"))
        return aws.iam.RolePolicy(
            self.child_name(f"external-secrets-{what}"),
            role=self._roles["external-secrets"].name,
            policy=document.apply(lambda v: _read_secret_document(v[0], v[1])),
            opts=self.child_opts(),
        )

    def _with_images(self, key: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` with each image block of the chart set (`image_block`), through the
        cache when there is one."""
        images = images_of(key, self._args.cluster.kubernetes_version)
        merged = _copy_along(values, [i.path for i in images])
        prefixes = self._args.image_prefixes
        for image in images:
            block: pulumi.Input[dict[str, str]] = image_block(image, {})
            if prefixes is not None:
                block = pulumi.Output.from_input(prefixes).apply(partial(image_block, image))
            _put(merged, image.path, block)
        return merged

    def _warn_uncached(self, prefixes: Mapping[str, str]) -> None:
        for upstream, keys in uncached(prefixes).items():
            pulumi.log.warn(
                f"{keys} pull from {CACHE_UPSTREAMS[upstream]} directly, which the egress "
                f"firewall blocks: the image cache does not cache it yet. "
                f"{_CACHE_IT.get(upstream, '')}",
                self,
            )

    # --- the roles' policies -------------------------------------------------------------

    def _secrets_policy(self) -> pulumi.Output[str]:
        secrets = self._account.arn("secretsmanager", f"secret:{self._args.secrets_prefix}/*")
        return pulumi.Output.all(secrets, self._account.regional_service("secretsmanager")).apply(
            lambda v: _read_secret_document(v[0], v[1])
        )

    def _autoscaler_policy(self) -> pulumi.Output[str]:
        cluster = self._args.cluster
        groups = self._account.arn("eks", "nodegroup/")
        return pulumi.Output.all(cluster.cluster_name, groups).apply(
            lambda v: _document(
                {
                    "Sid": "Read",
                    "Effect": "Allow",
                    "Action": [
                        "autoscaling:DescribeAutoScalingGroups",
                        "autoscaling:DescribeAutoScalingInstances",
                        "autoscaling:DescribeLaunchConfigurations",
                        "autoscaling:DescribeScalingActivities",
                        "autoscaling:DescribeTags",
                        "ec2:DescribeImages",
                        "ec2:DescribeInstanceTypes",
                        "ec2:DescribeLaunchTemplateVersions",
                        "ec2:GetInstanceTypesFromInstanceRequirements",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "ReadThisClustersNodeGroups",
                    "Effect": "Allow",
                    "Action": "eks:DescribeNodegroup",
                    "Resource": f"{v[1]}{v[0]}/*",
                },
                {
                    "Sid": "ScaleThisClustersGroupsOnly",
                    "Effect": "Allow",
                    "Action": [
                        "autoscaling:SetDesiredCapacity",
                        "autoscaling:TerminateInstanceInAutoScalingGroup",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            f"aws:ResourceTag/k8s.io/cluster-autoscaler/{v[0]}": "owned"
                        }
                    },
                },
            )
        )

    def _collector_values(self) -> dict[str, Any]:
        exporters: dict[str, Any] = {"awsxray": {}}
        pipelines: dict[str, Any] = {
            "traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["awsxray"]}
        }
        workspace = self._args.prometheus_workspace_id
        if workspace is not None:
            exporters["prometheusremotewrite"] = {
                "endpoint": pulumi.Output.concat(
                    "https://aps-workspaces.",
                    self._account.region,
                    ".amazonaws.com/workspaces/",
                    workspace,
                    "/api/v1/remote_write",
                ),
                "auth": {"authenticator": "sigv4auth"},
            }
            pipelines["metrics"] = {
                "receivers": ["otlp"],
                "processors": ["batch"],
                "exporters": ["prometheusremotewrite"],
            }
        receivers: dict[str, Any] = {}
        scraping: dict[str, Any] = {}
        if "metrics" in pipelines:
            namespaces = self._args.scrape_namespaces
            receivers["prometheus"] = {"config": scrape_config(namespaces)}
            pipelines["metrics"]["receivers"].append("prometheus")
            scraping["clusterRole"] = {"create": True, "rules": collector_rules(namespaces)}
        return {
            "mode": "deployment",
            "command": {"name": "awscollector"},
            "serviceAccount": {"create": True, "name": "adot-collector"},
            **scraping,
            "config": {
                "extensions": {"sigv4auth": {"region": self._account.region}},
                **({"receivers": receivers} if receivers else {}),
                "exporters": exporters,
                "service": {"extensions": ["health_check", "sigv4auth"], "pipelines": pipelines},
            },
            **ON_SYSTEM,
        }

    def _collector_policy(self) -> pulumi.Output[str]:
        statements: list[Any] = [
            {
                "Sid": "SendTraces",
                "Effect": "Allow",
                "Action": [
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                ],
                "Resource": "*",
            }
        ]
        workspace = self._args.prometheus_workspace_id
        if workspace is not None:
            statements.append(
                {
                    "Sid": "WriteMetricsToOneWorkspace",
                    "Effect": "Allow",
                    "Action": "aps:RemoteWrite",
                    "Resource": self._account.arn(
                        "aps", pulumi.Output.concat("workspace/", workspace)
                    ),
                }
            )
        return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})

    # --- container logs --------------------------------------------------------------------

    def _log_group(self) -> aws.cloudwatch.LogGroup:
        group_name = f"/gam/{self._name}/containers"
        use = self._account.logs_may_use("CloudWatchLogsUsesItForTheContainerLogsOnly", group_name)
        key = customer_key(
            self,
            self._account,
            "logs-key",
            f"Encrypts the container logs of {self._name}",
            [use],
            protect=self._args.protect,
        )
        return aws.cloudwatch.LogGroup(
            self.child_name("container-logs"),
            name=group_name,
            retention_in_days=self._args.log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags("container-logs"),
            opts=self.child_opts(),
        )

    def _fluent_bit_values(self, group: aws.cloudwatch.LogGroup) -> dict[str, Any]:
        region = self._account.region
        shipping = self._args.log_shipping
        opensearch: dict[str, Any] = {"enabled": False}
        if shipping is not None:
            opensearch = {
                "enabled": True,
                "match": "kube.*",
                "host": shipping.endpoint,
                "port": "443",
                "tls": "On",
                "awsAuth": "On",
                "awsRegion": region,
                "logstashFormat": "On",
                "logstashPrefix": shipping.index_prefix,
                "suppressTypeName": "On",
                "replaceDots": "On",
                "traceError": "On",
            }
        return {
            "serviceAccount": {"name": "fluent-bit"},
            "filter": {"mergeLog": "On", "mergeLogKey": MERGE_LOG_KEY},
            "cloudWatchLogs": {"enabled": True, "region": region, "logGroupName": group.name},
            "opensearch": opensearch,
            "firehose": {"enabled": False},
            "kinesis": {"enabled": False},
            "elasticsearch": {"enabled": False},
            "tolerations": [{"operator": "Exists"}],  # a daemon set: every node
        }

    def _logs_policy(self, group: aws.cloudwatch.LogGroup) -> pulumi.Output[str]:
        shipping = self._args.log_shipping
        domain = shipping.domain_arn if shipping is not None else ""
        return pulumi.Output.all(group.arn, domain).apply(
            lambda v: fluent_bit_policy(v[0], v[1] or None)
        )


def fluent_bit_policy(log_group_arn: str, domain_arn: str | None = None) -> str:
    """Write to the container log group only; post documents to the log domain only."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteToTheContainerLogGroupOnly",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
        }
    ]
    if domain_arn is not None:
        statements.append(
            {
                "Sid": "ShipToTheLogDomainOnly",
                "Effect": "Allow",
                "Action": ["es:ESHttpPost", "es:ESHttpPut"],
                "Resource": [domain_arn, f"{domain_arn}/*"],
            }
        )
    return _document(*statements)
