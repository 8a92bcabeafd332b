"""Fakes of pulumi-kubernetes resource types: what the API server computes.

The id is `<namespace>/<name>` for namespaced objects and `<name>` for cluster-scoped
ones (as pulumi-kubernetes reports it); `metadata` gains the server's `uid`,
`resourceVersion` and `creationTimestamp`. One fake per type.
"""

from __future__ import annotations

import uuid
from typing import Any

from gam_offline.fakes.registry import fake
from gam_offline.records import FakeContext

Inputs = dict[str, Any]
Outputs = dict[str, Any]


def _object(inputs: Inputs, ctx: FakeContext, *, namespaced: bool = True) -> Outputs:
    metadata = dict(inputs.get("metadata") or {})
    name = metadata.get("name") or ctx.resource_id
    metadata.setdefault("name", name)
    if namespaced:
        metadata.setdefault("namespace", "default")
    metadata.update(
        uid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.account}/{ctx.name}")),
        resourceVersion="1",
        creationTimestamp="2026-01-01T00:00:00Z",
    )
    object_id = f"{metadata['namespace']}/{name}" if namespaced else str(name)
    return {"id": object_id, "metadata": metadata}


@fake("kubernetes:core/v1:Namespace")
def _namespace(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return {**_object(inputs, ctx, namespaced=False), "status": {"phase": "Active"}}


# Namespaced objects the API server only stamps: metadata, nothing computed beside it.
for _plain in (
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:core/v1:LimitRange",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
):
    fake(_plain)(_object)


@fake("kubernetes:core/v1:ResourceQuota")
def _resource_quota(inputs: Inputs, ctx: FakeContext) -> Outputs:
    hard = (inputs.get("spec") or {}).get("hard") or {}
    return {**_object(inputs, ctx), "status": {"hard": hard, "used": dict.fromkeys(hard, "0")}}


@fake("kubernetes:policy/v1:PodDisruptionBudget")
def _pod_disruption_budget(inputs: Inputs, ctx: FakeContext) -> Outputs:
    status = {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0}
    return {**_object(inputs, ctx), "status": status}


@fake("kubernetes:helm.sh/v3:Release")
def _helm_release(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """The release as Helm reports it after an install; the id is `<namespace>/<name>`."""
    namespace = inputs.get("namespace") or "default"
    name = inputs.get("name") or ctx.resource_id
    return {
        "id": f"{namespace}/{name}",
        "status": {
            "name": name,
            "namespace": namespace,
            "chart": inputs.get("chart"),
            "version": inputs.get("version"),
            "revision": 1,
            "status": "deployed",
        },
    }


@fake("kubernetes:external-secrets.io/v1:ClusterSecretStore")
def _cluster_secret_store(inputs: Inputs, ctx: FakeContext) -> Outputs:
    return _object(inputs, ctx, namespaced=False)


@fake("kubernetes:batch/v1:Job")
def _job(inputs: Inputs, ctx: FakeContext) -> Outputs:
    """A Job reports its completion, as Pulumi awaits it."""
    return {
        **_object(inputs, ctx),
        "status": {
            "succeeded": 1,
            "startTime": "2026-01-01T00:00:00Z",
            "completionTime": "2026-01-01T00:01:00Z",
            "conditions": [{"type": "Complete", "status": "True"}],
        },
    }


@fake("kubernetes:external-secrets.io/v1:ExternalSecret")
def _external_secret(inputs: Inputs, ctx: FakeContext) -> Outputs:
    target = ((inputs.get("spec") or {}).get("target") or {}).get("name")
    return {
        **_object(inputs, ctx),
        "status": {
            "binding": {"name": target},
            "conditions": [{"type": "Ready", "status": "True", "reason": "SecretSynced"}],
        },
    }
