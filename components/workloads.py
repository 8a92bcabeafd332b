"""WorkloadNamespaces: the namespaces the platform's workloads run in, each with its guards.

Per namespace: Pod Security Admission at `restricted` (enforce, audit and warn), a
ResourceQuota and a LimitRange (so every container has requests and limits), a
default-deny NetworkPolicy in both directions with exactly the allowances its role
needs, RBAC for the deployers and viewers the access entries name (ADR 0010), and a
PodDisruptionBudget default for the pods of the platform.

Allowances (the vpc-cni network policy agent enforces them):
- every namespace: DNS to kube-dns;
- `api`, `spa`: from the load balancer (the public subnets, target type IP) on their port;
- every namespace: from the ADOT collector (kube-system) on `METRICS_PORT` 9090, where
  pods expose Prometheus metrics on a container port named `metrics`;
- every namespace: the node's EKS Pod Identity agent (169.254.170.23:80), where its
  pods get their role's credentials;
- `spa`: HTTPS to the VPC's interface endpoints (the private subnets), for AppConfig;
- `api`, `workers`: to the data tier (PostgreSQL 5432, Redis 6379), and HTTPS out: the
  AWS endpoints (interface endpoints in the VPC, S3 through its gateway endpoint at
  public addresses) and what the egress firewall allows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import pulumi
import pulumi_kubernetes as k8s

from components.base import GamComponent, validate
from components.cluster_services import COLLECTOR_LABELS
from components.tags import problems as tag_problems

TYPE_TOKEN = "gam:k8s:WorkloadNamespaces"
Role = Literal["api", "workers", "spa"]
ROLES: tuple[Role, ...] = ("api", "workers", "spa")
PSA = "pod-security.kubernetes.io"
PART_OF = {"app.kubernetes.io/part-of": "gam"}
DEPLOYERS_GROUP = "gam:deployers"
VIEWERS_GROUP = "gam:viewers"
# The ports the load balancer reaches, by role.
SERVING_PORTS: Mapping[str, int] = {"api": 8000, "spa": 8080}
DATA_PORTS = (5432, 6379)
POD_IDENTITY_AGENT = "169.254.170.23/32"
# Workloads expose Prometheus metrics on a container port named `metrics`, this one.
METRICS_PORT = 9090
RBAC = "rbac.authorization.k8s.io"


@dataclass(frozen=True, kw_only=True)
class Quota:
    cpu: str = "8"
    memory: str = "16Gi"
    pods: int = 50


@dataclass(frozen=True, kw_only=True)
class WorkloadNamespacesArgs:
    provider: k8s.Provider
    """Required. The cluster's Kubernetes provider (`EksCluster.provider`)."""

    names: Mapping[str, str]
    """Required. The namespace of each role: `api`, `workers`, `spa`."""

    load_balancer_cidrs: Sequence[str]
    """Required. Where the load balancer's nodes live (the public subnets)."""

    data_cidrs: Sequence[str]
    """Required. The data tier's subnets."""

    endpoint_cidrs: Sequence[str]
    """Required. Where the VPC's interface endpoints live (the private subnets)."""

    tags: Mapping[str, str]
    """Required. The standard tags (labels carry the project and environment)."""

    quota: Quota = Quota()
    """Each namespace's quota. Default 8 CPUs, 16 GiB, 50 pods."""


def problems(args: WorkloadNamespacesArgs) -> list[str]:
    found = tag_problems(args.tags)
    if sorted(args.names) != sorted(ROLES):
        found.append(
            f"names must map exactly {list(ROLES)} to namespaces, not {sorted(args.names)}"
        )
    if not args.load_balancer_cidrs or not args.data_cidrs or not args.endpoint_cidrs:
        found.append("load_balancer_cidrs, data_cidrs and endpoint_cidrs must not be empty")
    return found


def _port(port: int, protocol: str = "TCP") -> dict[str, Any]:
    return {"port": port, "protocol": protocol}


def restricted_labels(environment: str) -> dict[str, str]:
    """A platform namespace's labels: Pod Security Admission at `restricted` (enforce,
    audit, warn), its environment, the platform's part-of."""
    return {
        f"{PSA}/enforce": "restricted",
        f"{PSA}/enforce-version": "latest",
        f"{PSA}/audit": "restricted",
        f"{PSA}/warn": "restricted",
        "gam.io/environment": environment,
        **PART_OF,
    }


# A one-shot Job the deployment waits for: a failed one is replaced (so retried) on the
# next `pulumi up` instead of blocking it.
REPLACE_UNREADY = {"pulumi.com/replaceUnready": "true"}


def restricted_job_pod(uid: int, containers: Sequence[Mapping[str, Any]], **spec: Any) -> Any:
    """A one-shot Job's pod spec at Pod Security `restricted`, running as `uid`: never
    restarted, each container small and locked down (no privilege escalation, a read-only
    root, no capabilities). `spec` adds the pod's other fields."""
    return {
        "restartPolicy": "Never",
        **spec,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": uid,
            "runAsGroup": uid,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                **container,
                "resources": {
                    "requests": {"cpu": "50m", "memory": "64Mi"},
                    "limits": {"memory": "256Mi"},
                },
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
            }
            for container in containers
        ],
    }


def guarded_namespace_policies() -> dict[str, dict[str, Any]]:
    """What every namespace of the platform starts from: deny all in both directions,
    then DNS to kube-dns."""
    return {
        "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-dns": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                            },
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [_port(53, "UDP"), _port(53, "TCP")],
                }
            ],
        },
    }


def network_policies(
    role: str,
    lb_cidrs: Sequence[str],
    data_cidrs: Sequence[str],
    endpoint_cidrs: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """The NetworkPolicy specs of one namespace, by name: deny all, then the allowances."""
    specs = guarded_namespace_policies()
    # Every workload namespace holds a Pod Identity role (`stacks.grants`): its pods get
    # credentials from the node's agent, which the default deny would otherwise cut off.
    specs["allow-pod-identity-agent"] = {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}], "ports": [_port(80)]},
        ],
    }
    specs["allow-metrics-scrape"] = {
        "podSelector": {},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                        },
                        "podSelector": {"matchLabels": dict(COLLECTOR_LABELS)},
                    }
                ],
                "ports": [_port(METRICS_PORT)],
            }
        ],
    }
    if role in SERVING_PORTS:
        specs["allow-load-balancer"] = {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"ipBlock": {"cidr": c}} for c in lb_cidrs],
                    "ports": [_port(SERVING_PORTS[role])],
                }
            ],
        }
    if role == "spa":
        specs["allow-aws-endpoints"] = {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": c}} for c in endpoint_cidrs], "ports": [_port(443)]}
            ],
        }
    if role in ("api", "workers"):
        specs["allow-data-and-aws"] = {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": c}} for c in data_cidrs],
                    "ports": [_port(p) for p in DATA_PORTS],
                },
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [_port(443)]},
            ],
        }
    return specs


class WorkloadNamespaces(GamComponent):
    """The workload namespaces, guarded."""

    names: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: WorkloadNamespacesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("WorkloadNamespaces", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self.names = {role: self._namespace(role, args.names[role]) for role in ROLES}
        self.register_outputs({"names": self.names})

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return self.child_opts(provider=self._args.provider, **kwargs)

    def _namespace(self, role: str, namespace: str) -> pulumi.Output[str]:
        args = self._args
        created = k8s.core.v1.Namespace(
            self.child_name(role),
            metadata={"name": namespace, "labels": restricted_labels(args.tags["Environment"])},
            opts=self._opts(),
        )
        within = self._opts(depends_on=[created])

        def meta(what: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=what, namespace=namespace, labels=PART_OF)

        k8s.core.v1.ResourceQuota(
            self.child_name(f"{role}-quota"),
            metadata=meta("quota"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(
                hard={
                    "requests.cpu": args.quota.cpu,
                    "limits.cpu": args.quota.cpu,
                    "requests.memory": args.quota.memory,
                    "limits.memory": args.quota.memory,
                    "pods": str(args.quota.pods),
                }
            ),
            opts=within,
        )
        k8s.core.v1.LimitRange(
            self.child_name(f"{role}-limits"),
            metadata=meta("container-defaults"),
            spec=k8s.core.v1.LimitRangeSpecArgs(
                limits=[
                    k8s.core.v1.LimitRangeItemArgs(
                        type="Container",
                        default_request={"cpu": "100m", "memory": "128Mi"},
                        default={"cpu": "500m", "memory": "512Mi"},
                        max={"cpu": "4", "memory": "8Gi"},
                    )
                ]
            ),
            opts=within,
        )
        for policy, spec in network_policies(
            role, args.load_balancer_cidrs, args.data_cidrs, args.endpoint_cidrs
        ).items():
            k8s.networking.v1.NetworkPolicy(
                self.child_name(f"{role}-{policy}"),
                metadata=meta(policy),
                spec=cast(
                    Any, spec
                ),  # the API's own field names, as `network_policies` builds them
                opts=within,
            )
        deployer = k8s.rbac.v1.Role(
            self.child_name(f"{role}-deployer"),
            metadata=meta("gam-deployer"),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=[
                        "",
                        "apps",
                        "batch",
                        "autoscaling",
                        "policy",
                        "networking.k8s.io",
                    ],
                    resources=[
                        "deployments",
                        "statefulsets",
                        "jobs",
                        "cronjobs",
                        "services",
                        "configmaps",
                        "serviceaccounts",
                        "horizontalpodautoscalers",
                        "poddisruptionbudgets",
                        "ingresses",
                        "pods",
                        "pods/log",
                    ],
                    verbs=["get", "list", "watch", "create", "update", "patch", "delete"],
                )
            ],
            opts=within,
        )
        k8s.rbac.v1.RoleBinding(
            self.child_name(f"{role}-deployers"),
            metadata=meta("gam-deployers"),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group=RBAC, kind="Role", name="gam-deployer"),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="Group", name=DEPLOYERS_GROUP, api_group=RBAC)],
            opts=self._opts(depends_on=[deployer]),
        )
        k8s.rbac.v1.RoleBinding(
            self.child_name(f"{role}-viewers"),
            metadata=meta("gam-viewers"),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group=RBAC, kind="ClusterRole", name="view"),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="Group", name=VIEWERS_GROUP, api_group=RBAC)],
            opts=within,
        )
        k8s.policy.v1.PodDisruptionBudget(
            self.child_name(f"{role}-pdb"),
            metadata=meta("gam-default"),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=PART_OF)
            ),
            opts=within,
        )
        return created.metadata.name
