"""DatabaseJobs: Kubernetes Jobs that prepare the database before the workloads start.

Why Jobs in the cluster (ADR 0015): `pulumi up` runs in CI, which has no network path to
the data subnets, and should not. The cluster has one (its security group is admitted
by `PostgisDatabase`), and the Kubernetes provider reaches the cluster's API as it does
for every other in-cluster resource. Pulumi waits for a Job to complete, so what depends
on a Job is created only once it has succeeded: that is the ordering the blueprint asks
for (extensions, then migrations, then workers and API).

- `extensions`: creates `EXTENSIONS` idempotently (`CREATE EXTENSION IF NOT EXISTS`, in
  one transaction) and records the versions installed in `gam_platform.extension_versions`
  (and in its log). It runs after the database instance and the secret store.
- `migrations` (when an image is given): the application's own image running its
  migration command (Alembic: `alembic upgrade head`), after `extensions`. Workloads pass
  `depends_on=[jobs.migrations]`. A new image is a new Job spec: the Job is replaced,
  so every release migrates before its workloads roll.

Credentials never pass through Pulumi: an `ExternalSecret` (External Secrets Operator)
copies the RDS-managed master secret into a Kubernetes Secret, which the Jobs read by
reference (`secretKeyRef`). The spec holds the secret's ARN, never its value.

The Jobs and that Secret live in a namespace of their own (`namespace`), which no
workload shares and no deployer's access entry names: pods that deployers create in the
workload namespaces cannot mount the master secret. It is guarded like the workload
namespaces (Pod Security Admission `restricted`, a small quota, default deny) and allows
only DNS and PostgreSQL to the data subnets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from components.postgis import PostgisDatabase
from components.postgis_values import EXTENSIONS, IDENTIFIER, PORT
from components.workloads import (
    PART_OF,
    REPLACE_UNREADY,
    guarded_namespace_policies,
    restricted_job_pod,
    restricted_labels,
)

TYPE_TOKEN = "gam:database:DatabaseJobs"
NAMESPACE = "gam-database-jobs"

# Pulumi waits for the ExternalSecret to report Ready (synced) before the Jobs.
WAIT_READY = {"pulumi.com/waitFor": "condition=Ready"}
# The official postgres image runs as `postgres`, uid 70 in its Alpine variant.
CLIENT_UID = 70
# Room for the two Jobs' pods and their retries, nothing more.
QUOTA = {"pods": "4", "requests.cpu": "1", "requests.memory": "512Mi", "limits.memory": "1Gi"}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def iam_user_sql(user: str) -> str:
    """Idempotent: a login role that authenticates with IAM tokens only (`rds_iam`)."""
    if not IDENTIFIER.match(user):
        raise ValueError(f"database user {user!r} must be a lower-case identifier")
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{user}') "
        f"THEN CREATE ROLE {user} LOGIN; END IF; END $$; GRANT rds_iam TO {user};"
    )


def extension_sql(extensions: Sequence[str] = EXTENSIONS, iam_users: Sequence[str] = ()) -> str:
    """Idempotent: creates what is missing, records the versions installed, and creates
    the workloads' IAM-authenticated users (their table privileges are the migrations')."""
    names = ", ".join(f"'{e}'" for e in extensions)
    return "\n".join(
        [
            *(f"CREATE EXTENSION IF NOT EXISTS {e};" for e in extensions),
            *(iam_user_sql(u) for u in iam_users),
            "CREATE SCHEMA IF NOT EXISTS gam_platform;",
            "CREATE TABLE IF NOT EXISTS gam_platform.extension_versions ("
            "extname name NOT NULL, extversion text NOT NULL, "
            "recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (extname, extversion));",
            "INSERT INTO gam_platform.extension_versions (extname, extversion) "
            f"SELECT extname, extversion FROM pg_extension WHERE extname IN ({names}) "
            "ON CONFLICT DO NOTHING;",
            f"SELECT extname, extversion FROM pg_extension WHERE extname IN ({names}) ORDER BY 1;",
        ]
    )


@dataclass(frozen=True, kw_only=True)
class Migration:
    image: str
    """The application's image (pinned by digest), from ECR."""
    command: tuple[str, ...] = ("alembic", "upgrade", "head")


@dataclass(frozen=True, kw_only=True)
class DatabaseJobsArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    database: PostgisDatabase
    secret_store: pulumi.Resource
    """The External Secrets store (a ClusterSecretStore reading Secrets Manager)."""
    secret_store_name: str
    data_cidrs: Sequence[str]
    """The data subnets: the only place the Jobs' pods may connect to (PostgreSQL)."""
    environment: str
    """The stack's environment, labelled on the namespace."""
    client_image: str
    """A PostgreSQL client image, pinned, below `image_registry`
    (`docker/library/postgres:17.6-alpine`: the engine's own version)."""
    image_registry: pulumi.Input[str] = "public.ecr.aws"
    """Where `client_image` is pulled from: the ECR pull-through cache's prefix for
    public.ecr.aws when there is one."""
    iam_users: Sequence[str] = ()
    """Database users created for IAM authentication (the workloads')."""
    after: Sequence[pulumi.Resource] = ()
    """What else the credentials wait for (the secret store's grant on the secret)."""
    migration: Migration | None = None
    namespace: str = NAMESPACE
    """The Jobs' own namespace, created here (not a workload namespace)."""
    labels: Mapping[str, str] = field(default_factory=dict)


def problems(args: DatabaseJobsArgs) -> list[str]:
    found = []
    if not _DNS_LABEL.match(args.namespace) or args.namespace.startswith("kube-"):
        found.append(f"namespace {args.namespace!r} is not a namespace name (a DNS label)")
    if not args.data_cidrs:
        found.append("data_cidrs is empty: the Jobs could reach no database")
    images = [("client_image", args.client_image)]
    if args.migration:
        images.append(("migration.image", args.migration.image))
        if not args.migration.command:
            found.append("migration.command is empty; say how the image migrates")
    found += [
        f"iam_users: {u!r} is not a lower-case identifier"
        for u in args.iam_users
        if not IDENTIFIER.match(u)
    ]
    for what, image in images:
        if not image or image.endswith(":latest") or ":" not in image.rsplit("/", 1)[-1]:
            found.append(f"{what} {image!r} must be pinned (a tag or @sha256: digest), not latest")
    return found


class DatabaseJobs(pulumi.ComponentResource):
    """The extension Job and the migration gate, in one namespace of the cluster."""

    extensions: k8s.batch.v1.Job
    migrations: k8s.batch.v1.Job | None

    def __init__(
        self, name: str, args: DatabaseJobsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        found = problems(args)
        if found:
            raise ValueError("invalid arguments for DatabaseJobs:\n  - " + "\n  - ".join(found))
        super().__init__(TYPE_TOKEN, name, None, opts)
        self._name = name
        self._args = args
        labels = {"app.kubernetes.io/part-of": "gam-platform", **args.labels}
        namespace = self._namespace()
        k8s_opts = pulumi.ResourceOptions(
            parent=self, provider=args.provider, depends_on=[namespace]
        )
        secret_name = f"{name}-master"
        credentials = k8s.apiextensions.CustomResource(
            f"{name}-master",
            api_version="external-secrets.io/v1",
            kind="ExternalSecret",
            metadata={
                "name": secret_name,
                "namespace": args.namespace,
                "labels": labels,
                "annotations": WAIT_READY,
            },
            spec={
                "refreshInterval": "15m",  # follows the rotation within 15 minutes
                "secretStoreRef": {"kind": "ClusterSecretStore", "name": args.secret_store_name},
                "target": {"name": secret_name, "creationPolicy": "Owner"},
                "data": [
                    {
                        "secretKey": key,
                        "remoteRef": {"key": args.database.secret_arn, "property": key},
                    }
                    for key in ("username", "password")
                ],
            },
            opts=pulumi.ResourceOptions.merge(
                k8s_opts,
                pulumi.ResourceOptions(
                    depends_on=[args.database.instance, args.secret_store, *args.after]
                ),
            ),
        )
        self.extensions = self._job(
            "extensions",
            pulumi.Output.concat(args.image_registry, "/", args.client_image),
            [
                *("psql", "--no-psqlrc", "--set", "ON_ERROR_STOP=1"),
                *("--command", extension_sql(iam_users=args.iam_users)),
            ],
            secret_name,
            labels,
            [args.database.instance, args.secret_store, credentials, namespace],
        )
        self.migrations = None
        if args.migration is not None:
            self.migrations = self._job(
                "migrations",
                args.migration.image,
                list(args.migration.command),
                secret_name,
                labels,
                [self.extensions],
            )
        self.register_outputs({})

    def _namespace(self) -> k8s.core.v1.Namespace:
        """The Jobs' namespace with its quota and network policies."""
        args = self._args
        namespace = k8s.core.v1.Namespace(
            f"{self._name}-namespace",
            metadata={"name": args.namespace, "labels": restricted_labels(args.environment)},
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
        )
        within = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[namespace])

        def meta(name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=name, namespace=args.namespace, labels=PART_OF)

        k8s.core.v1.ResourceQuota(
            f"{self._name}-quota",
            metadata=meta("quota"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=QUOTA),
            opts=within,
        )
        policies = guarded_namespace_policies()
        policies["allow-database"] = {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": c}} for c in args.data_cidrs],
                    "ports": [{"port": PORT, "protocol": "TCP"}],
                }
            ],
        }
        for policy, spec in policies.items():
            k8s.networking.v1.NetworkPolicy(
                f"{self._name}-{policy}",
                metadata=meta(policy),
                spec=cast(Any, spec),  # the API's own field names
                opts=within,
            )
        return namespace

    def _job(
        self,
        role: str,
        image: pulumi.Input[str],
        command: list[str],
        secret_name: str,
        labels: Mapping[str, str],
        after: Sequence[pulumi.Resource],
    ) -> k8s.batch.v1.Job:
        database = self._args.database
        env = [
            {"name": "PGHOST", "value": database.address},
            {"name": "PGPORT", "value": database.port.apply(str)},
            {"name": "PGDATABASE", "value": database.database_name},
            {"name": "PGSSLMODE", "value": "require"},
            {"name": "PGCONNECT_TIMEOUT", "value": "10"},
            *(
                {
                    "name": variable,
                    "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}},
                }
                for variable, key in (("PGUSER", "username"), ("PGPASSWORD", "password"))
            ),
        ]
        job_labels = {**labels, "app.kubernetes.io/name": f"{self._name}-{role}"}
        # Plain mappings, as Kubernetes writes them (the SDK's TypedDicts are exhaustive).
        metadata: Any = {
            "namespace": self._args.namespace,
            "labels": job_labels,
            "annotations": REPLACE_UNREADY,
        }
        spec: Any = {
            "backoffLimit": 4,
            "activeDeadlineSeconds": 1800,
            "template": {
                "metadata": {"labels": job_labels},
                "spec": restricted_job_pod(
                    CLIENT_UID,
                    [{"name": role, "image": image, "command": command, "env": env}],
                    automountServiceAccountToken=False,
                ),
            },
        }
        return k8s.batch.v1.Job(
            f"{self._name}-{role}",
            metadata=metadata,
            spec=spec,
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=self._args.provider,
                depends_on=list(after),
                custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m"),
            ),
        )
