"""Kubernetes: what the program creates inside the cluster, judged as the engine sends it
(`kubernetes:<group>/<version>:<Kind>` with `metadata` and `spec`), and the Pod Identity
associations that hand service accounts an AWS role.

Every namespace the program creates is a workload namespace and carries its guards;
a namespace that cannot (an agent that needs host access) is exempted by name, with
the reason, in `policies/config/<stack>.json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gam_policies.framework import Context, Resource, Rule, cis_eks, dig, references
from gam_policies.rules._shared import as_list, of_type, statements

NAMESPACE = "kubernetes:core/v1:Namespace"
RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
ROLE = "aws:iam/role:Role"
PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
POD_SPEC_PATHS: Mapping[str, str] = {
    "kubernetes:core/v1:Pod": "spec",
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
}
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def _name(resource: Resource) -> Any:
    return dig(resource.props, "metadata.name")


def _in(resource: Resource, namespace: Any) -> bool:
    return dig(resource.props, "metadata.namespace") == namespace


def _default_deny(policy: Resource) -> bool:
    spec = dig(policy.props, "spec") or {}
    selector = spec.get("podSelector") or {}
    selects_all = not selector.get("matchLabels") and not selector.get("matchExpressions")
    types = set(as_list(spec.get("policyTypes")))
    return (
        selects_all
        and {"Ingress", "Egress"} <= types
        and not as_list(spec.get("ingress"))
        and not as_list(spec.get("egress"))
    )


def _namespace_guards(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    quotas = of_type(resources, RESOURCE_QUOTA)
    policies = of_type(resources, NETWORK_POLICY)
    for namespace in of_type(resources, NAMESPACE):
        name = _name(namespace)
        labels = dig(namespace.props, "metadata.labels") or {}
        level = labels.get(PSA_ENFORCE)
        if level != "restricted":
            yield (
                namespace.urn,
                (f"namespace {name}: label `{PSA_ENFORCE}` is {level!r}, expected 'restricted'."),
            )
        if not any(_in(q, name) for q in quotas):
            yield namespace.urn, f"namespace {name} has no ResourceQuota."
        if not any(_in(p, name) and _default_deny(p) for p in policies):
            yield (
                namespace.urn,
                (
                    f"namespace {name} has no default-deny NetworkPolicy (empty podSelector, "
                    "policyTypes Ingress and Egress, no rules)."
                ),
            )


def _no_privileged_pods(resource: Resource, ctx: Context) -> Iterator[str]:
    path = POD_SPEC_PATHS[resource.type]
    spec = resource.get(path) or {}
    for field in HOST_NAMESPACES:
        if spec.get(field) is True:
            yield f"`{path}.{field}` is true: the pod shares the node's namespace."
    for kind in CONTAINER_LISTS:
        for i, container in enumerate(as_list(spec.get(kind))):
            if dig(container, "securityContext.privileged") is True:
                yield f"`{path}.{kind}.{i}.securityContext.privileged` is true."
            if dig(container, "securityContext.allowPrivilegeEscalation") is True:
                yield f"`{path}.{kind}.{i}.securityContext.allowPrivilegeEscalation` is true."


def _chart_pinned(resource: Resource, ctx: Context) -> Iterator[str]:
    version = resource.get("version")
    if not isinstance(version, str) or not EXACT_VERSION.match(version):
        yield f"`version` is {version!r}: pin the chart to an exact version (1.2.3)."


def _trust_pins(role: Resource, namespace: Any, account: Any) -> bool:
    for statement in statements(role.get("assumeRolePolicy")) or []:
        service = as_list((statement.get("Principal") or {}).get("Service"))
        equals = (statement.get("Condition") or {}).get("StringEquals") or {}
        if (
            statement.get("Effect") == "Allow"
            and "pods.eks.amazonaws.com" in service
            and equals.get("aws:RequestTag/kubernetes-namespace") == namespace
            and equals.get("aws:RequestTag/kubernetes-service-account") == account
        ):
            return True
    return False


def _service_account_trust(
    resources: Sequence[Resource], ctx: Context
) -> Iterator[tuple[str, str]]:
    roles = of_type(resources, ROLE)
    for association in of_type(resources, POD_IDENTITY):
        namespace, account = association.get("namespace"), association.get("serviceAccount")
        role = next((r for r in roles if references(association, "roleArn", r)), None)
        if role is None:
            yield (
                association.urn,
                (
                    f"{namespace}/{account}: `roleArn` is not a role of this stack, so its trust "
                    "cannot be checked."
                ),
            )
        elif not _trust_pins(role, namespace, account):
            yield (
                association.urn,
                (
                    f"{namespace}/{account}: role {role.name} does not trust pods.eks.amazonaws.com "
                    "for exactly this namespace and service account (StringEquals on "
                    "aws:RequestTag/kubernetes-namespace and kubernetes-service-account)."
                ),
            )


RULES = [
    Rule(
        name="k8s-namespace-guards",
        description=(
            "A workload namespace without Pod Security Admission at `restricted`, a quota and "
            "a default-deny network policy lets one workload run privileged pods, starve the "
            "cluster, or reach every other pod."
        ),
        severity="high",
        remediation=(
            "Label the Namespace `pod-security.kubernetes.io/enforce: restricted`, and create "
            "in it a ResourceQuota and a NetworkPolicy with `podSelector: {}`, `policyTypes: "
            "[Ingress, Egress]` and no rules (allow what is needed in further policies)."
        ),
        controls=(cis_eks("4.3.2"), cis_eks("4.6.1")),
        stack_check=_namespace_guards,
        reads={
            NAMESPACE: ("metadata.name", "metadata.labels"),
            RESOURCE_QUOTA: ("metadata.namespace",),
            NETWORK_POLICY: (
                "metadata.namespace",
                "spec.podSelector.matchLabels",
                "spec.podSelector.matchExpressions",
                "spec.policyTypes",
                "spec.ingress",
                "spec.egress",
            ),
        },
    ),
    Rule(
        name="k8s-no-privileged-pods",
        description=(
            "A privileged container, privilege escalation or a host namespace gives a pod "
            "the node: its credentials, its network and every other pod on it."
        ),
        severity="critical",
        remediation=(
            "Remove `privileged: true` and `allowPrivilegeEscalation: true` from container "
            "security contexts and `hostNetwork`/`hostPID`/`hostIPC` from the pod spec."
        ),
        controls=(cis_eks("4.2.1"), cis_eks("4.2.2"), cis_eks("4.2.3"), cis_eks("4.2.4")),
        resource_types=tuple(POD_SPEC_PATHS),
        check=_no_privileged_pods,
        reads={
            kind: tuple(
                [f"{path}.{field}" for field in HOST_NAMESPACES]
                + [
                    f"{path}.{lst}[].securityContext.{flag}"
                    for lst in CONTAINER_LISTS
                    for flag in ("privileged", "allowPrivilegeEscalation")
                ]
            )
            for kind, path in POD_SPEC_PATHS.items()
        },
    ),
    Rule(
        name="helm-chart-version-pinned",
        description=(
            "A Helm release without an exact chart version installs whatever the repository "
            "serves at deploy time: an unreviewed upgrade on any `pulumi up`."
        ),
        severity="medium",
        remediation="Set `version=` on kubernetes.helm.v3.Release to an exact chart version (1.2.3).",
        controls=(cis_eks("5.1.4"),),
        category="reliability",
        resource_types=(HELM_RELEASE,),
        check=_chart_pinned,
        reads={HELM_RELEASE: ("version",)},
    ),
    Rule(
        name="k8s-service-account-role-trust",
        description=(
            "A Pod Identity association whose role trusts any session of the Pod Identity "
            "service lets a second association, in any namespace, assume the same role."
        ),
        severity="high",
        remediation=(
            "Create the role with `EksCluster.workload_role(namespace, service_account, "
            "policy)`: its trust pins aws:RequestTag/kubernetes-namespace and "
            "kubernetes-service-account to the association's (ADR 0009)."
        ),
        controls=(cis_eks("4.1.6"),),
        stack_check=_service_account_trust,
        reads={
            POD_IDENTITY: ("namespace", "serviceAccount", "roleArn"),
            ROLE: ("assumeRolePolicy", "arn"),
        },
    ),
]
