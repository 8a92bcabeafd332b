"""The pure part of the EKS cluster: Kubernetes versions, add-on pins, node group shapes.

No Pulumi here: the settings validate with it, `components.eks` builds with it, and
the tests check it without mocks.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

# Kubernetes minor versions EKS offers, with the end of standard support (14 months after
# release; extended support follows for 12 more, at six times the control-plane price).
# From https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html; re-read
# with `aws eks describe-cluster-versions` before an upgrade (last on `VERSIONS_READ_ON`).
# Only versions in standard support: the cluster's `upgrade_policy` is STANDARD, so EKS
# would upgrade a cluster on a version past it by itself. 1.32 and 1.33 left standard
# support on 2026-03-23 and 2026-07-29; 1.34 leaves it at the end of 2026-12-02.
VERSIONS_READ_ON = "2026-12-02"
KUBERNETES_VERSIONS: Mapping[str, str] = {
    "1.34": "2026-12-02",
    "1.35": "2027-03-27",
}
# Cluster Autoscaler's minor follows the cluster's (its compatibility rule): the image
# tag per Kubernetes minor, each the newest patch release of that minor (kubernetes/
# autoscaler tags `cluster-autoscaler-1.x.y`, read 2026-12-02). The pinned chart
# (`cluster_services.CHARTS`) runs whichever the cluster's version names.
AUTOSCALER_TAGS: Mapping[str, str] = {
    "1.34": "v1.34.5",
    "1.35": "v1.35.2",
}
READ_ADDON_VERSIONS = (
    "aws eks describe-addon-versions --kubernetes-version <version> --addon-name <add-on>"
)

# The managed add-ons the cluster runs (settings key -> EKS add-on name).
ADDONS: Mapping[str, str] = {
    "vpcCni": "vpc-cni",
    "kubeProxy": "kube-proxy",
    "coredns": "coredns",
    "podIdentityAgent": "eks-pod-identity-agent",
    "ebsCsiDriver": "aws-ebs-csi-driver",
}
ADDON_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)-eksbuild\.\d+$")

NODE_GROUPS = ("system", "api", "worker", "gpu")
CapacityType = Literal["ON_DEMAND", "SPOT"]
TaintEffect = Literal["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]

# Graviton (arm64) families; everything else is taken as x86_64.
_GRAVITON = re.compile(r"^[a-z]+\d+g[a-z]*\.")
_GPU = re.compile(r"^(g4dn|g5|g5g|g6|g6e|p4d|p5)\.")
INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")


def is_graviton(instance_type: str) -> bool:
    return bool(_GRAVITON.match(instance_type))


def ami_type(instance_types: tuple[str, ...], gpu: bool) -> str:
    """The EKS-optimised Amazon Linux 2023 AMI for the group's instance types."""
    if gpu:
        return "AL2023_ARM_64_NVIDIA" if is_graviton(instance_types[0]) else "AL2023_x86_64_NVIDIA"
    return "AL2023_ARM_64_STANDARD" if is_graviton(instance_types[0]) else "AL2023_x86_64_STANDARD"


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: TaintEffect = "NO_SCHEDULE"


@dataclass(frozen=True)
class NodeGroupSpec:
    """One managed node group: what it runs on and how far it scales."""

    instance_types: tuple[str, ...]
    min_size: int
    desired_size: int
    max_size: int
    disk_size_gb: int = 50
    capacity_type: CapacityType = "ON_DEMAND"
    gpu: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()


# What each group is for: its labels and taints (not settings: workloads rely on them).
ROLE_LABEL = "gam.io/node-role"


def group_labels(group: str) -> dict[str, str]:
    return {ROLE_LABEL: group}


def group_taints(group: str) -> tuple[Taint, ...]:
    """`system` keeps to critical add-ons (CriticalAddonsOnly, as EKS's own add-ons
    tolerate), `worker` and `gpu` to the pods that ask for them; `api` takes the rest."""
    if group == "system":
        return (Taint("CriticalAddonsOnly", "true"),)
    if group in ("worker", "gpu"):
        return (Taint(ROLE_LABEL, group),)
    return ()


SUPPORT_WARNING_DAYS = 60


def support_warning(version: str, today: date) -> str | None:
    """What to say when `version`'s standard support ends within `SUPPORT_WARNING_DAYS`
    of `today` (or has ended): EKS then upgrades the cluster by itself (`upgrade_policy`
    STANDARD), on its schedule rather than the team's. None when there is time."""
    ends = KUBERNETES_VERSIONS.get(version)
    if ends is None:
        return None
    left = (date.fromisoformat(ends) - today).days
    if left > SUPPORT_WARNING_DAYS:
        return None
    when = f"ended {-left} days ago" if left < 0 else f"ends in {left} days ({ends})"
    return (
        f"Kubernetes {version}'s standard support {when}: EKS will upgrade the cluster by "
        "itself. Plan the upgrade (gam:eks.kubernetesVersion, add-on versions) before then."
    )


def version_problems(version: str) -> list[str]:
    if version not in KUBERNETES_VERSIONS:
        return [
            f"Kubernetes {version!r} is not a version EKS offers; use one of "
            f"{list(KUBERNETES_VERSIONS)} (`aws eks describe-cluster-versions`)"
        ]
    return []


def addon_problems(versions: Mapping[str, str], kubernetes_version: str) -> list[str]:
    """Every add-on pinned, in EKS's format; kube-proxy on the cluster's minor version."""
    found = []
    missing = [k for k in ADDONS if not versions.get(k)]
    if missing:
        found.append(f"add-on versions lack {missing}; read them with `{READ_ADDON_VERSIONS}`")
    unknown = sorted(set(versions) - set(ADDONS))
    if unknown:
        found.append(f"add-on versions has unknown keys {unknown}; the keys are {list(ADDONS)}")
    bad = {k: v for k, v in versions.items() if k in ADDONS and v and not ADDON_VERSION.match(v)}
    if bad:
        found.append(f"add-on versions {bad} are not EKS add-on versions such as v1.2.3-eksbuild.1")
    proxy = ADDON_VERSION.match(versions.get("kubeProxy") or "")
    if proxy and f"{proxy.group(1)}.{proxy.group(2)}" != kubernetes_version:
        found.append(
            f"kube-proxy {versions['kubeProxy']} does not match Kubernetes {kubernetes_version}; "
            "kube-proxy follows the cluster's minor version"
        )
    return found


_RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def public_access_problems(cidrs: tuple[str, ...]) -> list[str]:
    """Public endpoint CIDRs: valid, public, and never the whole internet."""
    found = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            found.append(f"{cidr!r} is not a CIDR such as 203.0.113.0/24")
            continue
        if network.prefixlen < 8:
            found.append(
                f"{cidr} opens the API endpoint to a large part of the internet; list /8 or narrower"
            )
        elif any(
            network.version == 4 and network.subnet_of(block)  # type: ignore[arg-type]
            for block in _RFC1918
        ):
            found.append(f"{cidr} is private: the private endpoint already serves the VPC")
    return found


def node_group_problems(name: str, spec: NodeGroupSpec) -> list[str]:
    """What is wrong with one group's shape (`name` prefixes each problem, if given)."""
    found = [f"{p}" for p in _shape_problems(spec)]
    return [f"node group {name}: {p}" for p in found] if name else found


def _shape_problems(spec: NodeGroupSpec) -> list[str]:
    found = []
    if not spec.instance_types:
        found.append("instance types are empty")
    bad = [t for t in spec.instance_types if not INSTANCE_TYPE.match(t)]
    if bad:
        found.append(f"{bad} are not instance types such as m7g.large")
    arches = {is_graviton(t) for t in spec.instance_types}
    if len(arches) > 1:
        found.append("mixes Graviton and x86 types; one AMI serves one architecture")
    if spec.gpu and not all(_GPU.match(t) for t in spec.instance_types):
        found.append(f"{list(spec.instance_types)} are not NVIDIA GPU types (g5, g6...)")
    if not 0 <= spec.min_size <= spec.desired_size <= spec.max_size or spec.max_size < 1:
        found.append(
            f"sizes must satisfy 0 <= min ({spec.min_size}) <= desired "
            f"({spec.desired_size}) <= max ({spec.max_size}), max at least 1"
        )
    if not 20 <= spec.disk_size_gb <= 1000:
        found.append(f"disk size {spec.disk_size_gb} GB is outside 20-1000")
    return found
