"""S3 buckets. pulumi-aws v7 splits a bucket's configuration into one resource per
aspect, so every rule here is a stack rule: it pairs each bucket with the
configuration resources whose `bucket` points at it and reports on the bucket
(exempt a bucket by its own name or URN).

Buckets carry a `Purpose` tag (data, logs, assets, artifacts); a bucket without
one, or with any other value (tag values are case-sensitive), is treated as a data
bucket, the strictest case (`_shared.is_data_bucket`, as in the protection and backup
rules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from gam_policies.framework import (
    Context,
    Resource,
    Rule,
    StackCheck,
    cis,
    dig,
    fsbp,
    on,
    require,
    require_set,
)
from gam_policies.rules._shared import (
    BUCKET_TYPES,
    Statement,
    as_list,
    is_data_bucket,
    items,
    linked_to,
    principals,
    purpose,
    statements,
)


def _tokens(name: str, *, v2: bool = False) -> tuple[str, ...]:
    """Type tokens of an S3 resource class, with its deprecated `...V2` alias if it has one."""
    module = name[0].lower() + name[1:]
    return (f"aws:s3/{module}:{name}",) + ((f"aws:s3/{module}V2:{name}V2",) if v2 else ())


BUCKET = BUCKET_TYPES  # aws:s3/bucket:Bucket and its deprecated BucketV2 alias
SSE = _tokens("BucketServerSideEncryptionConfiguration", v2=True)
VERSIONING = _tokens("BucketVersioning", v2=True)
PUBLIC_ACCESS_BLOCK = _tokens("BucketPublicAccessBlock")
POLICY = _tokens("BucketPolicy")
LOGGING = _tokens("BucketLogging", v2=True)
LIFECYCLE = _tokens("BucketLifecycleConfiguration", v2=True)
OWNERSHIP = _tokens("BucketOwnershipControls")
REPLICATION = _tokens("BucketReplicationConfig")

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def _per_bucket(
    config_types: tuple[str, ...],
    what: str,
    evaluate: Callable[[Resource], Iterable[str]],
    applies: Callable[[Resource], bool] = lambda bucket: True,
) -> StackCheck:
    """A stack check: every bucket that `applies` has a `config_types` resource that passes."""

    def check(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
        for bucket in resources:
            if bucket.type not in BUCKET or not applies(bucket):
                continue
            configs = linked_to(bucket, resources, config_types, "bucket")
            if not configs:
                yield bucket.urn, f"Bucket `{bucket.name}` has no {what} ({config_types[0]})."
            for config in configs:
                for message in evaluate(config):
                    yield bucket.urn, f"Bucket `{bucket.name}`: {message}"

    return check


def _reads(
    config_types: tuple[str, ...], *paths: str, bucket: tuple[str, ...] = ()
) -> dict[str, tuple[str, ...]]:
    """What a per-bucket rule reads: of each configuration resource its `bucket` link and
    `paths`; of the bucket its `id` and `arn` (what the link names) and the `bucket` paths."""
    return {**on(BUCKET, "id", "arn", *bucket), **on(config_types, "bucket", *paths)}


def _with_enabled_rule(config: Resource) -> bool:
    return any(dig(rule, "status") == "Enabled" for rule in items(config, "rules"))


# --- checks of one configuration resource -------------------------------------------


def _sse_kms(config: Resource) -> Iterator[str]:
    rules = items(config, "rules")
    if not rules:
        yield "default encryption has no rule: `rules` is not set."
    for index, rule in enumerate(rules):
        path = f"rules.{index}.applyServerSideEncryptionByDefault"
        algorithm = dig(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
        if algorithm not in KMS_ALGORITHMS:
            yield f"default encryption is not SSE-KMS: `{path}.sseAlgorithm` is {algorithm!r}."
        if not dig(rule, "applyServerSideEncryptionByDefault.kmsMasterKeyId"):
            yield f"default encryption uses no customer key: `{path}.kmsMasterKeyId` is not set."


def _versioning(config: Resource) -> Iterator[str]:
    yield from require(config, "versioningConfiguration.status", "Enabled", "versioning is off")


def _public_access_block(config: Resource) -> Iterator[str]:
    for flag in PUBLIC_ACCESS_FLAGS:
        yield from require(config, flag, True, "public access is not blocked")


def _tls_only(config: Resource) -> Iterator[str]:
    if not any(denies_insecure_transport(s) for s in statements(config.get("policy")) or ()):
        yield (
            "`policy` has no statement that denies `s3:*` to every principal when "
            "`aws:SecureTransport` is false."
        )


def _access_logging(config: Resource) -> Iterator[str]:
    yield from require_set(config, "targetBucket", "access logs have no destination")


def _lifecycle(config: Resource) -> Iterator[str]:
    if not _with_enabled_rule(config):
        yield "the lifecycle configuration has no rule whose `rules[].status` is 'Enabled'."


def _owner_enforced(config: Resource) -> Iterator[str]:
    yield from require(
        config, "rule.objectOwnership", "BucketOwnerEnforced", "object ACLs are still honoured"
    )


def _replication(config: Resource) -> Iterator[str]:
    yield from require_set(config, "role", "replication has no IAM role")
    if not _with_enabled_rule(config):
        yield "replication has no rule whose `rules[].status` is 'Enabled'."


# --- bucket policy statements --------------------------------------------------------


def _lower(value: Any) -> list[str]:
    """A policy element that may be one value or a list, as lower-cased strings."""
    return [str(v).lower() for v in as_list(value) if v is not None]


def denies_insecure_transport(statement: Statement) -> bool:
    """Deny, to everyone, every S3 action, when the request did not come over TLS."""
    every_action = bool({"s3:*", "*"} & set(_lower(statement.get("Action"))))
    return (
        statement.get("Effect") == "Deny"
        and "*" in principals(statement, "AWS")
        and every_action
        and _insecure_transport_condition(statement.get("Condition"))
    )


def _insecure_transport_condition(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    for operator, clauses in condition.items():
        if str(operator).lower() not in ("bool", "boolifexists") or not isinstance(
            clauses, Mapping
        ):
            continue
        for key, value in clauses.items():
            if str(key).lower() == "aws:securetransport" and _lower(value) == ["false"]:
                return True
    return False


# --- rules -------------------------------------------------------------------------

RULES: list[Rule] = [
    Rule(
        name="s3-bucket-sse-kms",
        description=(
            "Objects encrypted only with S3-managed keys can be read by anyone granted "
            "s3:GetObject; SSE-KMS with a customer key adds a key policy and CloudTrail "
            "record to every decryption."
        ),
        severity="high",
        remediation=(
            "Add `aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[{"
            '"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", '
            '"kms_master_key_id": key.arn}, "bucket_key_enabled": True}])`.'
        ),
        controls=(fsbp("S3.17"),),
        stack_check=_per_bucket(SSE, "default encryption configuration", _sse_kms),
        reads=_reads(
            SSE,
            "rules[].applyServerSideEncryptionByDefault.sseAlgorithm",
            "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId",
        ),
    ),
    Rule(
        name="s3-bucket-versioning",
        description=(
            "Without versioning an overwrite or delete, accidental or malicious, destroys the "
            "only copy of an object."
        ),
        severity="medium",
        remediation=(
            "Add `aws.s3.BucketVersioning(bucket=bucket.id, "
            'versioning_configuration={"status": "Enabled"})`.'
        ),
        controls=(fsbp("S3.14"),),
        category="reliability",
        stack_check=_per_bucket(VERSIONING, "versioning configuration", _versioning),
        reads=_reads(VERSIONING, "versioningConfiguration.status"),
    ),
    Rule(
        name="s3-bucket-public-access-block",
        description=(
            "A bucket without all four public access block settings can be made public by "
            "a single ACL or policy change."
        ),
        severity="critical",
        remediation=(
            "Add `aws.s3.BucketPublicAccessBlock(bucket=bucket.id, block_public_acls=True, "
            "block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)`."
        ),
        controls=(fsbp("S3.8"), cis("2.1.4")),
        stack_check=_per_bucket(PUBLIC_ACCESS_BLOCK, "public access block", _public_access_block),
        reads=_reads(PUBLIC_ACCESS_BLOCK, *PUBLIC_ACCESS_FLAGS),
    ),
    Rule(
        name="s3-bucket-tls-only",
        description=(
            "Unless the bucket policy denies plain-HTTP requests, objects and credentials "
            "can cross the network unencrypted."
        ),
        severity="high",
        remediation=(
            "Add `aws.s3.BucketPolicy(bucket=bucket.id, policy=...)` whose JSON has a statement "
            '`{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [bucket ARN, '
            'bucket ARN + "/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`.'
        ),
        controls=(fsbp("S3.5"), cis("2.1.1")),
        stack_check=_per_bucket(POLICY, "bucket policy", _tls_only),
        reads=_reads(POLICY, "policy"),
    ),
    Rule(
        name="s3-bucket-access-logging",
        description=(
            "Without server access logs there is no record of who read or changed objects "
            "for an investigation; log buckets themselves are exempt."
        ),
        severity="medium",
        remediation=(
            "Add `aws.s3.BucketLogging(bucket=bucket.id, target_bucket=log_bucket.id, "
            'target_prefix=f"{name}/")` pointing at a bucket tagged `Purpose=logs`.'
        ),
        controls=(fsbp("S3.9"),),
        stack_check=_per_bucket(
            LOGGING, "access logging", _access_logging, lambda b: purpose(b) != "logs"
        ),
        reads=_reads(LOGGING, "targetBucket", bucket=("tags",)),
    ),
    Rule(
        name="s3-bucket-lifecycle",
        description=(
            "Without an enabled lifecycle rule, old versions, incomplete uploads and stale "
            "objects accumulate and are billed forever."
        ),
        severity="low",
        remediation=(
            "Add `aws.s3.BucketLifecycleConfiguration(bucket=bucket.id, rules=[{...}])` with "
            'at least one rule with `"status": "Enabled"` (expire noncurrent versions, abort '
            "incomplete multipart uploads, transition or expire objects)."
        ),
        controls=(fsbp("S3.13"),),
        category="cost",
        stack_check=_per_bucket(LIFECYCLE, "lifecycle configuration", _lifecycle),
        reads=_reads(LIFECYCLE, "rules[].status"),
    ),
    Rule(
        name="s3-bucket-owner-enforced",
        description=(
            "While ACLs are honoured, objects written by other accounts stay theirs and "
            "access can be granted outside the bucket policy."
        ),
        severity="medium",
        remediation=(
            "Add `aws.s3.BucketOwnershipControls(bucket=bucket.id, "
            'rule={"object_ownership": "BucketOwnerEnforced"})`.'
        ),
        controls=(fsbp("S3.12"),),
        stack_check=_per_bucket(OWNERSHIP, "ownership controls", _owner_enforced),
        reads=_reads(OWNERSHIP, "rule.objectOwnership"),
    ),
    Rule(
        name="s3-bucket-replication",
        description=(
            "A data bucket kept in one region is lost with that region; replication keeps a "
            "second copy (a bucket without a known non-data Purpose tag counts as a data bucket)."
        ),
        severity="medium",
        remediation=(
            "Add `aws.s3.BucketReplicationConfig(bucket=bucket.id, role=replication_role.arn, "
            'rules=[{"status": "Enabled", "destination": {"bucket": replica.arn}, ...}], '
            "opts=pulumi.ResourceOptions(depends_on=[versioning]))` to a versioned bucket in "
            "another region."
        ),
        controls=(fsbp("S3.7"),),
        category="reliability",
        stack_check=_per_bucket(
            REPLICATION, "replication configuration", _replication, is_data_bucket
        ),
        reads=_reads(REPLICATION, "role", "rules[].status", bucket=("tags",)),
    ),
]
