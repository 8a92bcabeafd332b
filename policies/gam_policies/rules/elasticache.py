"""ElastiCache: replication groups (Redis OSS / Valkey) and serverless caches.

A serverless cache is always encrypted in transit and spread over several zones,
so only its key and its authentication are checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, fsbp, require, require_set
from gam_policies.rules._shared import items

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SERVERLESS_CACHE = "aws:elasticache/serverlessCache:ServerlessCache"


def _at_rest_encryption(resource: Resource, ctx: Context) -> Iterator[str]:
    if resource.type == REPLICATION_GROUP:
        yield from require(
            resource, "atRestEncryptionEnabled", True, "Cached data is not encrypted at rest"
        )
    yield from require_set(resource, "kmsKeyId", "Cached data is not encrypted with a customer key")


def _in_transit_encryption(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(resource, "transitEncryptionEnabled", True, "Clients connect without TLS")
    if resource.get("transitEncryptionMode") == "preferred":
        yield "Clients may still connect without TLS: `transitEncryptionMode` is 'preferred'."


def _auth(resource: Resource, ctx: Context) -> Iterator[str]:
    if resource.type == SERVERLESS_CACHE:
        yield from require_set(resource, "userGroupId", "Any client on the network can connect")
    elif not (
        resource.get("authToken") or resource.get("authTokenWo") or items(resource, "userGroupIds")
    ):
        yield "Any client on the network can connect: set `authToken` or `userGroupIds`."


def _automatic_failover(resource: Resource, ctx: Context) -> Iterator[str]:
    what = "The primary node has no automatic failover to another zone"
    yield from require(resource, "automaticFailoverEnabled", True, what)
    yield from require(resource, "multiAzEnabled", True, what)


RULES: list[Rule] = [
    Rule(
        name="elasticache-at-rest-encryption",
        description=(
            "Cached data, snapshots and swap hold copies of application data; without "
            "encryption under a customer key, anyone with a snapshot can read them."
        ),
        severity="high",
        remediation=(
            "Set `at_rest_encryption_enabled=True` and `kms_key_id=key.arn` on "
            "aws.elasticache.ReplicationGroup (`kms_key_id=` on aws.elasticache.ServerlessCache)."
        ),
        controls=(fsbp("ElastiCache.4"),),
        resource_types=(REPLICATION_GROUP, SERVERLESS_CACHE),
        check=_at_rest_encryption,
        reads={
            REPLICATION_GROUP: ("atRestEncryptionEnabled", "kmsKeyId"),
            SERVERLESS_CACHE: ("kmsKeyId",),
        },
    ),
    Rule(
        name="elasticache-in-transit-encryption",
        description=(
            "Without TLS, cached data and AUTH tokens cross the VPC in clear text, "
            "readable by anything that can capture traffic."
        ),
        severity="high",
        remediation=(
            "Set `transit_encryption_enabled=True` (and `transit_encryption_mode='required'` "
            "once clients use TLS) on aws.elasticache.ReplicationGroup."
        ),
        controls=(fsbp("ElastiCache.5"),),
        resource_types=(REPLICATION_GROUP,),
        check=_in_transit_encryption,
        reads={REPLICATION_GROUP: ("transitEncryptionEnabled", "transitEncryptionMode")},
    ),
    Rule(
        name="elasticache-auth",
        description=(
            "A cache without authentication serves and accepts data from any client that "
            "reaches its port."
        ),
        severity="high",
        remediation=(
            "Set `user_group_ids=[group.user_group_id]` (RBAC, preferred) or `auth_token_wo=` "
            "on aws.elasticache.ReplicationGroup; `user_group_id=` on "
            "aws.elasticache.ServerlessCache."
        ),
        controls=(fsbp("ElastiCache.6"),),
        resource_types=(REPLICATION_GROUP, SERVERLESS_CACHE),
        check=_auth,
        reads={
            REPLICATION_GROUP: ("authToken", "authTokenWo", "userGroupIds"),
            SERVERLESS_CACHE: ("userGroupId",),
        },
    ),
    Rule(
        name="elasticache-automatic-failover",
        description=(
            "Without automatic failover across zones, losing the primary node or its zone "
            "takes the cache down until someone intervenes."
        ),
        severity="medium",
        remediation=(
            "Set `automatic_failover_enabled=True`, `multi_az_enabled=True` and "
            "`num_cache_clusters=2` or more on aws.elasticache.ReplicationGroup."
        ),
        controls=(fsbp("ElastiCache.3"),),
        category="reliability",
        resource_types=(REPLICATION_GROUP,),
        check=_automatic_failover,
        reads={REPLICATION_GROUP: ("automaticFailoverEnabled", "multiAzEnabled")},
    ),
]
