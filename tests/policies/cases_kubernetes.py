"""Kubernetes cases: namespace guards, privileged pods, Helm chart pins, Pod Identity trust."""

from __future__ import annotations

import json

from gam_policies.framework import Resource
from gam_policies.rules import kubernetes as k8s
from tests.policies.builders import make
from tests.policies.casekit import Break, Case

NS = "gam-api"


def namespace_stack() -> list[Resource]:
    """[namespace, quota, default-deny policy, an allowance beside it]."""
    namespace = make(
        k8s.NAMESPACE,
        NS,
        {"metadata": {"name": NS, "labels": {k8s.PSA_ENFORCE: "restricted"}}},
    )
    quota = make(
        k8s.RESOURCE_QUOTA,
        f"{NS}-quota",
        {"metadata": {"name": "quota", "namespace": NS}, "spec": {"hard": {"pods": "50"}}},
    )
    deny = make(
        k8s.NETWORK_POLICY,
        f"{NS}-default-deny",
        {
            "metadata": {"name": "default-deny", "namespace": NS},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
    )
    dns = make(
        k8s.NETWORK_POLICY,
        f"{NS}-allow-dns",
        {
            "metadata": {"name": "allow-dns", "namespace": NS},
            "spec": {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"port": 53}]}],
            },
        },
    )
    return [namespace, quota, deny, dns]


def deployment(kind: str = "kubernetes:apps/v1:Deployment") -> Resource:
    container = {
        "name": "api",
        "image": "api:1",
        "securityContext": {"privileged": False, "allowPrivilegeEscalation": False},
    }
    return make(
        kind,
        "api",
        {"spec": {"template": {"spec": {"hostNetwork": False, "containers": [container]}}}},
    )


def pod_identity_stack() -> list[Resource]:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:RequestTag/kubernetes-namespace": NS,
                        "aws:RequestTag/kubernetes-service-account": "api",
                    }
                },
            }
        ],
    }
    role = make(
        k8s.ROLE,
        "api-role",
        {"arn": "arn:aws:iam::1:role/api", "assumeRolePolicy": json.dumps(trust)},
    )
    association = make(
        k8s.POD_IDENTITY,
        "api-identity",
        {"namespace": NS, "serviceAccount": "api", "roleArn": role.get("arn"), "clusterName": "c"},
        {"roleArn": role},
    )
    return [association, role]


CASES = [
    Case(
        "k8s-namespace-guards",
        namespace_stack(),
        (
            Break("metadata.labels", {k8s.PSA_ENFORCE: "baseline"}),
            Break("metadata.labels"),
            Break("metadata.namespace", "elsewhere", index=1),
            Break("spec.podSelector", {"matchLabels": {"app": "api"}}, index=2),
            Break("spec.policyTypes", ["Ingress"], index=2),
            Break("spec.ingress", [{"from": [{"podSelector": {}}]}], index=2),
        ),
    ),
    Case(
        "k8s-no-privileged-pods",
        deployment(),
        (
            Break("spec.template.spec.hostNetwork", True),
            Break("spec.template.spec.hostPID", True),
            Break("spec.template.spec.containers.0.securityContext.privileged", True),
            Break("spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation", True),
        ),
    ),
    Case(
        "k8s-no-privileged-pods",
        deployment("kubernetes:batch/v1:Job"),  # the database Jobs (ADR 0015)
        (
            Break("spec.template.spec.hostIPC", True),
            Break("spec.template.spec.containers.0.securityContext.privileged", True),
            Break("spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation", True),
        ),
    ),
    Case(
        "helm-chart-version-pinned",
        make(k8s.HELM_RELEASE, "metrics-server", {"chart": "metrics-server", "version": "3.13.0"}),
        (
            Break("version"),
            Break("version", "^3.13.0"),
            Break("version", "3.x"),
            Break("version", ""),
        ),
    ),
    Case(
        "k8s-service-account-role-trust",
        pod_identity_stack(),
        (
            Break("serviceAccount", "other", index=0),
            Break("namespace", "gam-workers", index=0),
            Break(
                "assumeRolePolicy",
                json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "pods.eks.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
                index=1,
            ),
        ),
    ),
]
