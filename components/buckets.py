"""SecureBucket: one S3 bucket with every companion resource pulumi-aws v7 splits it into.

Every bucket has: versioning; default encryption (SSE-KMS under a key of its own, with
an S3 Bucket Key); all four public-access-block flags; ACLs disabled
(`BucketOwnerEnforced`); a lifecycle configuration (incomplete multipart uploads
aborted, noncurrent versions expired, and the transitions/expiry of `Lifecycle`); a
policy that denies every request not made over TLS (`tls_deny_statement`, exact); and
server access logging to the log bucket. Decisions, written where they are made:

- A log bucket (`purpose="logs"`) is encrypted like the others: S3's log delivery
  (`logging.s3.amazonaws.com`) writes to it under the bucket's key once the key policy
  lets it (`key_statements`), and logs to no other bucket.
- `region`: pulumi-aws v7's per-resource region. A replica bucket, its key and its
  companions name the DR region themselves; no second provider is needed (ADR 0016).
- A bucket has one policy: what others need in it (log delivery, CloudFront's reads)
  comes in as `policy_statements`, after the TLS deny, never as a second `BucketPolicy`.
- Grants (`grant_read`, `grant_write`) are inline role policies with exactly the S3
  actions on this bucket and the KMS actions on its key, the latter only through S3 in
  the bucket's region (`kms:ViaService`): `read_document`, `write_document`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems

TYPE_TOKEN = "gam:storage:SecureBucket"
PURPOSES = ("data", "logs", "assets", "artifacts")

READ_OBJECT_ACTIONS = ("s3:GetObject",)
READ_BUCKET_ACTIONS = ("s3:ListBucket",)
WRITE_OBJECT_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
READ_KEY_ACTIONS = ("kms:Decrypt",)
# multipart uploads read back the data key they wrote with: Decrypt as well
WRITE_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")

# Minimum days in a storage class before S3 accepts the next transition.
MIN_DAYS_BEFORE_IA = 30


@dataclass(frozen=True, kw_only=True)
class Lifecycle:
    """What happens to a bucket's objects over time. All days count from creation."""

    infrequent_access_after_days: int | None = None
    """Move current versions to S3 Standard-IA (at least 30). Default: never."""
    glacier_after_days: int | None = None
    """Move current versions to S3 Glacier Instant Retrieval. Default: never."""
    intelligent_tiering: bool = False
    """Move current versions to S3 Intelligent-Tiering at once (excludes the two above)."""
    expire_after_days: int | None = None
    """Expire current versions (the retention). Default: never."""
    noncurrent_versions_expire_after_days: int = 30
    """Delete versions this many days after they stop being current."""
    abort_incomplete_uploads_after_days: int = 7
    """Abort multipart uploads left incomplete this long."""


def lifecycle_problems(lifecycle: Lifecycle, where: str = "lifecycle") -> list[str]:
    """Every problem with a lifecycle, each naming its field."""
    found = []
    ia, glacier, expire = (
        lifecycle.infrequent_access_after_days,
        lifecycle.glacier_after_days,
        lifecycle.expire_after_days,
    )
    if ia is not None and ia < MIN_DAYS_BEFORE_IA:
        found.append(
            f"{where}.infrequent_access_after_days is {ia}; S3 needs at least {MIN_DAYS_BEFORE_IA}"
        )
    if lifecycle.intelligent_tiering and (ia is not None or glacier is not None):
        found.append(
            f"{where}: intelligent_tiering excludes infrequent_access/glacier transitions; "
            "choose one"
        )
    days = [d for d in (ia, glacier, expire) if d is not None]
    if any(d < 1 for d in days) or days != sorted(set(days)):
        found.append(
            f"{where}: days must be positive and increase from infrequent access to glacier "
            f"to expiry (got {ia}, {glacier}, {expire})"
        )
    for name in ("noncurrent_versions_expire_after_days", "abort_incomplete_uploads_after_days"):
        if getattr(lifecycle, name) < 1:
            found.append(f"{where}.{name} must be at least 1")
    return found


def lifecycle_rules(lifecycle: Lifecycle) -> list[Any]:
    """The lifecycle configuration's rules (pulumi input shape): housekeeping everywhere,
    then the current versions' transitions and expiry where there are any."""
    rules: list[dict[str, Any]] = [
        {
            "id": "housekeeping",
            "status": "Enabled",
            "filter": {},
            "abort_incomplete_multipart_upload": {
                "days_after_initiation": lifecycle.abort_incomplete_uploads_after_days
            },
            "noncurrent_version_expiration": {
                "noncurrent_days": lifecycle.noncurrent_versions_expire_after_days
            },
        }
    ]
    transitions = []
    if lifecycle.intelligent_tiering:
        transitions.append({"days": 0, "storage_class": "INTELLIGENT_TIERING"})
    if lifecycle.infrequent_access_after_days is not None:
        transitions.append(
            {"days": lifecycle.infrequent_access_after_days, "storage_class": "STANDARD_IA"}
        )
    if lifecycle.glacier_after_days is not None:
        transitions.append({"days": lifecycle.glacier_after_days, "storage_class": "GLACIER_IR"})
    current: dict[str, Any] = {"id": "current-versions", "status": "Enabled", "filter": {}}
    if transitions:
        current["transitions"] = transitions
    if lifecycle.expire_after_days is not None:
        current["expiration"] = {"days": lifecycle.expire_after_days}
    if len(current) > 3:
        rules.append(current)
    return rules


def tls_deny_statement(bucket_arn: str) -> dict[str, Any]:
    """The statement that refuses every request made without TLS, to everyone."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _statement(sid: str, actions: Sequence[str], resource: str, **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resource, **extra}


def _through_s3(region: str) -> dict[str, Any]:
    return {"Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}}


def read_document(bucket_arn: str, key_arn: str, region: str) -> dict[str, Any]:
    """List one bucket and read its objects; decrypt with its key, only through S3."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement("ListBucket", READ_BUCKET_ACTIONS, bucket_arn),
            _statement("ReadObjects", READ_OBJECT_ACTIONS, f"{bucket_arn}/*"),
            _statement("DecryptThroughS3", READ_KEY_ACTIONS, key_arn, **_through_s3(region)),
        ],
    }


def write_document(bucket_arn: str, key_arn: str, region: str) -> dict[str, Any]:
    """Put objects (multipart uploads too) into one bucket; encrypt with its key, only
    through S3. No delete: versions expire by lifecycle, not by workloads."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement("WriteObjects", WRITE_OBJECT_ACTIONS, f"{bucket_arn}/*"),
            _statement("EncryptThroughS3", WRITE_KEY_ACTIONS, key_arn, **_through_s3(region)),
        ],
    }


@dataclass(frozen=True, kw_only=True)
class SecureBucketArgs:
    purpose: Literal["data", "logs", "assets", "artifacts"]
    """Required. The `Purpose` tag the policy pack reads (data buckets are held strictest)."""

    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`)."""

    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    """Transitions and expiry. Default: housekeeping only."""

    log_bucket: pulumi.Input[str] | None = None
    """The bucket (name) server access logs go to, in the same region. Required unless
    `purpose` is logs."""

    key_statements: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] = ()
    """Key policy statements opening the bucket's key to a service (e.g. log delivery); an
    Output when they name resources made after the bucket (a CloudFront distribution)."""

    policy_statements: Callable[[pulumi.Output[str]], pulumi.Input[Sequence[Any]]] | None = None
    """Given the bucket's ARN, statements added to its policy after the TLS deny (e.g. log
    delivery). Default: none."""

    region: str | None = None
    """The bucket's region when not the provider's (a DR replica). Default: the provider's."""

    protect: bool = False
    """Protect the bucket and its key from deletion. Default False."""


def problems(args: SecureBucketArgs) -> list[str]:
    found = tag_problems(args.tags)
    if args.purpose not in PURPOSES:
        found.append(f"purpose {args.purpose!r} is not one of {PURPOSES}")
    if args.purpose != "logs" and args.log_bucket is None:
        found.append("log_bucket is required: every bucket but a log bucket logs its access")
    return found + lifecycle_problems(args.lifecycle)


class SecureBucket(GamComponent):
    """One bucket and its companions; `grant_read` / `grant_write` for IAM roles."""

    bucket_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate(f"SecureBucket {name!r}", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        account = Account(self)
        self._region: pulumi.Input[str] = args.region or account.region

        self.key = customer_key(
            self,
            account,
            "key",
            f"Objects of the {name} bucket",
            args.key_statements,
            protect=args.protect,
            region=args.region,
        )
        bucket = aws.s3.Bucket(
            self.child_name("bucket"),
            force_destroy=False,
            tags=self.tags("bucket", Purpose=args.purpose),
            opts=self.child_opts(protect=args.protect),
            region=args.region,
        )
        self.bucket = bucket
        on_bucket = self.child_opts(depends_on=[bucket])
        aws.s3.BucketOwnershipControls(
            self.child_name("ownership"),
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=on_bucket,
            region=args.region,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            self.child_name("public-access"),
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=on_bucket,
            region=args.region,
        )
        self.versioning = aws.s3.BucketVersioning(
            self.child_name("versioning"),
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=on_bucket,
            region=args.region,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            self.child_name("encryption"),
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": self.key.arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=on_bucket,
            region=args.region,
        )
        aws.s3.BucketLifecycleConfiguration(
            self.child_name("lifecycle"),
            bucket=bucket.id,
            rules=lifecycle_rules(args.lifecycle),
            opts=self.child_opts(depends_on=[self.versioning]),
            region=args.region,
        )
        if args.log_bucket is not None:
            aws.s3.BucketLogging(
                self.child_name("logging"),
                bucket=bucket.id,
                target_bucket=args.log_bucket,
                target_prefix=f"s3-access/{name}/",
                opts=on_bucket,
                region=args.region,
            )
        extra = args.policy_statements(bucket.arn) if args.policy_statements else []
        document = pulumi.Output.all(bucket.arn, extra).apply(
            lambda v: {"Version": "2012-10-17", "Statement": [tls_deny_statement(v[0]), *v[1]]}
        )
        self.policy = aws.s3.BucketPolicy(
            self.child_name("policy"),
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(document),
            opts=self.child_opts(depends_on=[public_access]),
            region=args.region,
        )
        self.bucket_name = bucket.bucket
        self.arn = bucket.arn
        self.key_arn = self.key.arn
        self.register_outputs({"bucket_name": self.bucket_name, "arn": self.arn})

    def _grant(self, role: aws.iam.Role, what: str, document: Any) -> aws.iam.RolePolicy:
        policy = pulumi.Output.all(self.arn, self.key_arn, self._region).apply(
            lambda v: document(v[0], v[1], v[2])
        )
        return aws.iam.RolePolicy(
            f"{self.child_name(what)}-{role._name}",
            role=role.name,
            policy=pulumi.Output.json_dumps(policy),
            opts=self.child_opts(),
        )

    def grant_read(self, role: aws.iam.Role) -> aws.iam.RolePolicy:
        """Let `role` list the bucket, read its objects and decrypt them (through S3)."""
        return self._grant(role, "read", read_document)

    def grant_write(self, role: aws.iam.Role) -> aws.iam.RolePolicy:
        """Let `role` put objects (multipart too) and encrypt them (through S3). No delete."""
        return self._grant(role, "write", write_document)
