"""What each workload may do in AWS: the one table the workload roles are built from.

A workload is one Kubernetes service account in one of the workload namespaces, holding a
Pod Identity role (ADR 0009). Its grants come from the data stores' own grant methods
(`SecureBucket.grant_read/grant_write`, `PipelineMessaging.grant_consume/grant_publish`,
`Cache.grant_connect`, `PostgisDatabase.grant_connect`, `FeatureFlags.grant_read`), so each
is exact for its resource and its key. Image pulls are the nodes' (their role), not a pod's.

- `api` (namespace `api`): takes uploads into `raw`, serves results from `processed`,
  announces pipeline events on the topic; the cache, the database as `gam_api`, the flags.
- `worker` (namespace `workers`, Dask/Celery): consumes every pipeline queue (the topic fans
  out to them, so nobody sends to a queue directly), reads `raw` and `processed`, writes
  `processed`, announces the next stage on the topic; the cache, the database as
  `gam_worker`.
- `spa` (namespace `spa`): reads the feature flags, nothing else.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class WorkloadGrants:
    namespace: str
    """Which workload namespace (a key of `gam:workloads.namespaces`: api, workers, spa)."""
    service_account: str
    read_buckets: tuple[str, ...] = ()
    write_buckets: tuple[str, ...] = ()
    consume_queues: bool = False
    """Every pipeline queue (`gam:messaging.queues`)."""
    publish_events: bool = False
    cache: bool = False
    database_user: str | None = None
    """The PostgreSQL user it connects as with an IAM token (created by the database Job)."""
    feature_flags: bool = False


WORKLOADS: dict[str, WorkloadGrants] = {
    "api": WorkloadGrants(
        namespace="api",
        service_account="gam-api",
        read_buckets=("processed",),
        write_buckets=("raw",),
        publish_events=True,
        cache=True,
        database_user="gam_api",
        feature_flags=True,
    ),
    "worker": WorkloadGrants(
        namespace="workers",
        service_account="gam-worker",
        read_buckets=("raw", "processed"),
        write_buckets=("processed",),
        consume_queues=True,
        publish_events=True,
        cache=True,
        database_user="gam_worker",
    ),
    "spa": WorkloadGrants(namespace="spa", service_account="gam-spa", feature_flags=True),
}


def database_users(workloads: Mapping[str, WorkloadGrants] = WORKLOADS) -> tuple[str, ...]:
    """The IAM-authenticated database users the workloads connect as, in order."""
    return tuple(sorted({g.database_user for g in workloads.values() if g.database_user}))


def problems(
    workloads: Mapping[str, WorkloadGrants],
    *,
    namespaces: Collection[str],
    buckets: Collection[str],
) -> list[str]:
    """Grants that name a namespace or bucket the stack does not have, or repeat a
    service account."""
    found = []
    for name, grants in workloads.items():
        if grants.namespace not in namespaces:
            found.append(
                f"{name}: namespace {grants.namespace!r} is not one of {sorted(namespaces)}"
            )
        unknown = sorted(set(grants.read_buckets + grants.write_buckets) - set(buckets))
        if unknown:
            found.append(f"{name}: buckets {unknown} are not in the data lake {sorted(buckets)}")
    accounts = [(g.namespace, g.service_account) for g in workloads.values()]
    repeated = sorted({a for a in accounts if accounts.count(a) > 1})
    if repeated:
        found.append(f"service accounts {repeated} hold more than one workload role")
    return found
