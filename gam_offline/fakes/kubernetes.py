"""Fakes of pulumi-kubernetes resource types: what the API server computes.

Kubernetes objects are named by `metadata.name`, or auto-named by Pulumi from the
logical name; the id is `<namespace>/<name>`. The API server adds a uid and a
resource version; a Job reports its completion, as Pulumi awaits it.
"""

from __future__ import annotations

from typing import Any

from gam_offline.fakes.registry import auto_name, digest, fake
from gam_offline.records import FakeContext

Inputs = dict[str, Any]
Outputs = dict[str, Any]


def _metadata(inputs: Inputs, ctx: FakeContext) -> dict[str, Any]:
    metadata = dict(inputs.get("metadata") or {})
    metadata.setdefault("name", auto_name(ctx.name))
    metadata.setdefault("namespace", "default")
    h = digest(ctx.name, "uid", length=32)
    metadata.update(
        uid=f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}",
        resourceVersion=str(int(digest(ctx.name, "rv", length=6), 16)),
        creationTimestamp="2026-01-01T00:00:00Z",
    )
    return metadata


def _id(metadata: dict[str, Any]) -> str:
    return f"{metadata['namespace']}/{metadata['name']}"


@fake("kubernetes:batch/v1:Job")
def _job(inputs: Inputs, ctx: FakeContext) -> Outputs:
    metadata = _metadata(inputs, ctx)
    return {
        "id": _id(metadata),
        "metadata": metadata,
        "status": {
            "succeeded": 1,
            "startTime": "2026-01-01T00:00:00Z",
            "completionTime": "2026-01-01T00:01:00Z",
            "conditions": [{"type": "Complete", "status": "True"}],
        },
    }


@fake("kubernetes:external-secrets.io/v1:ExternalSecret")
def _external_secret(inputs: Inputs, ctx: FakeContext) -> Outputs:
    metadata = _metadata(inputs, ctx)
    return {
        "id": _id(metadata),
        "metadata": metadata,
        "status": {
            "binding": {"name": ((inputs.get("spec") or {}).get("target") or {}).get("name")},
            "conditions": [{"type": "Ready", "status": "True", "reason": "SecretSynced"}],
        },
    }
