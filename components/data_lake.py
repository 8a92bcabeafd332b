"""DataLake: the platform's buckets (`raw`, `processed`, `cdn-assets`) and the
`access-logs` bucket they log to, each a `SecureBucket`. Decisions, written where they
are made:

- S3 Inventory on `raw` and `processed` is the manifest of the critical datasets: daily,
  every version, Parquet, to `inventory/` in the log bucket, encrypted with SSE-KMS under
  the log bucket's key.
- The log bucket's policy admits S3's log delivery (`logging.s3.amazonaws.com`) to
  `s3-access/` and S3 Inventory (`s3.amazonaws.com`) to `inventory/`, and its key policy
  lets both encrypt there, all only for source buckets of this lake (`<name>-*`) in this
  account.
- `replica_region` (prod): `raw` and `processed` replicate, every new version, to
  replicas in that region, each encrypted under a key of its own there, and logging
  to a log bucket of their own there (S3 delivers access logs within a region only).
  Delete markers do not replicate: a deletion in the primary leaves the replica whole.
  The replication role may read only the two sources' versions, decrypt only through
  S3 in the primary region and write and encrypt only into the replicas.
- `access`: what another component needs added to a bucket of the lake (the edge's
  CloudFront distribution reading `cdn-assets` through OAC and decrypting with its key;
  its standard logs written to `access-logs`), by bucket role. The statements join the
  bucket's one policy after its own (the TLS deny first), and its key's policy: never a
  second `BucketPolicy`. They name resources made after the lake, so they are Outputs
  (`pulumi.deferred_output()` in the composition).
- `backup_retention_days` (every tier by default): AWS Backup takes a daily backup of
  `raw` and `processed` into a vault under its own key and keeps it that many days;
  the replication above is for a region's loss, the backup for deletion and corruption
  (which replication would copy).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.buckets import Lifecycle, SecureBucket, SecureBucketArgs, lifecycle_problems
from components.tags import problems as tag_problems

TYPE_TOKEN = "gam:storage:DataLake"
BUCKETS = ("access-logs", "raw", "processed", "cdn-assets")
REPLICATED = ("raw", "processed")
INVENTORIED = ("raw", "processed")
BACKED_UP = ("raw", "processed")
INVENTORY_FIELDS = (
    "Size",
    "LastModifiedDate",
    "StorageClass",
    "ETag",
    "ReplicationStatus",
    "EncryptionStatus",
    "ChecksumAlgorithm",
)
BACKUP_POLICIES = (
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
)
BACKUP_SCHEDULE = "cron(0 3 * * ? *)"
# What S3 writes into a log bucket: (statement id, service principal, key prefix).
DELIVERIES = (
    ("S3ServerAccessLogs", "logging.s3.amazonaws.com", "s3-access"),
    ("S3Inventory", "s3.amazonaws.com", "inventory"),
)


ACCESSIBLE = ("access-logs", "raw", "processed", "cdn-assets")


@dataclass(frozen=True, kw_only=True)
class BucketAccess:
    """Statements another component adds to one bucket of the lake."""

    policy_statements: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] = ()
    """Added to the bucket's policy, after its own."""
    key_statements: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] = ()
    """Added to the policy of the bucket's key, after its own."""


@dataclass(frozen=True, kw_only=True)
class DataLakeArgs:
    tags: Mapping[str, str]
    """Required. The standard tags."""
    raw: Lifecycle = field(default_factory=Lifecycle)
    processed: Lifecycle = field(default_factory=Lifecycle)
    cdn_assets: Lifecycle = field(default_factory=Lifecycle)
    access_logs: Lifecycle = field(default_factory=Lifecycle)
    replica_region: str | None = None
    """Replicate raw and processed to this region (prod). Default: no replication."""
    backup_retention_days: int | None = None
    """Back raw and processed up daily, kept this many days. Default: no backup."""
    access: Mapping[str, BucketAccess] = field(default_factory=dict)
    """By bucket role (one of `ACCESSIBLE`): statements for its policy and its key's.
    Default: none."""
    protect: bool = False
    """Protect the buckets, keys and vault from deletion. Default False."""


def _joined(
    first: pulumi.Input[Sequence[Any]], then: pulumi.Input[Sequence[Any]]
) -> pulumi.Output[list[Any]]:
    return pulumi.Output.all(first, then).apply(lambda v: [*v[0], *v[1]])


def _adding(access: BucketAccess) -> Callable[[pulumi.Output[str]], pulumi.Input[Sequence[Any]]]:
    return lambda _bucket_arn: access.policy_statements


def problems(args: DataLakeArgs) -> list[str]:
    found = tag_problems(args.tags)
    for name in ("raw", "processed", "cdn_assets", "access_logs"):
        found += lifecycle_problems(getattr(args, name), name)
    if args.backup_retention_days is not None and args.backup_retention_days < 1:
        found.append("backup_retention_days must be at least 1")
    strangers = sorted(set(args.access) - set(ACCESSIBLE))
    if strangers:
        found.append(f"access names {strangers}, which are not buckets of the lake {ACCESSIBLE}")
    return found


def replication_document(
    sources: list[tuple[str, str]],
    replicas: list[tuple[str, str]],
    source_region: str,
    replica_region: str,
) -> dict[str, Any]:
    """The replication role's policy: (bucket ARN, key ARN) of each source and replica."""
    src_buckets = [b for b, _ in sources]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadReplicationConfiguration",
                "Effect": "Allow",
                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                "Resource": src_buckets,
            },
            {
                "Sid": "ReadSourceVersions",
                "Effect": "Allow",
                "Action": [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                "Resource": [f"{b}/*" for b in src_buckets],
            },
            {
                "Sid": "WriteReplicas",
                "Effect": "Allow",
                "Action": ["s3:ReplicateObject", "s3:ReplicateTags"],
                "Resource": [f"{b}/*" for b, _ in replicas],
            },
            {
                "Sid": "DecryptSources",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": [k for _, k in sources],
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{source_region}.amazonaws.com"}
                },
            },
            {
                "Sid": "EncryptReplicas",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": [k for _, k in replicas],
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{replica_region}.amazonaws.com"}
                },
            },
        ],
    }


class DataLake(GamComponent):
    """The lake's buckets by role (`buckets["raw"]`...), its log bucket and replicas."""

    def __init__(
        self, name: str, args: DataLakeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate(f"DataLake {name!r}", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        account = Account(self)
        child = self.child_opts()
        sources = pulumi.Output.concat("arn:", account.partition, ":s3:::", name, "-*")

        self.access_logs = self._log_bucket("access-logs", args, account, sources, None)
        self.buckets: dict[str, SecureBucket] = {"access-logs": self.access_logs}
        for role, purpose, lifecycle in (
            ("raw", "data", args.raw),
            ("processed", "data", args.processed),
            ("cdn-assets", "assets", args.cdn_assets),
        ):
            access = args.access.get(role, BucketAccess())
            self.buckets[role] = SecureBucket(
                self.child_name(role),
                SecureBucketArgs(
                    purpose=purpose,  # type: ignore[arg-type]
                    lifecycle=lifecycle,
                    log_bucket=self.access_logs.bucket_name,
                    key_statements=access.key_statements,
                    policy_statements=_adding(access) if role in args.access else None,
                    protect=args.protect,
                    tags=args.tags,
                ),
                opts=child,
            )
        for role in INVENTORIED:
            aws.s3.Inventory(
                self.child_name(f"{role}-inventory"),
                bucket=self.buckets[role].bucket_name,
                name="daily-manifest",
                included_object_versions="All",
                schedule={"frequency": "Daily"},
                optional_fields=list(INVENTORY_FIELDS),
                destination={
                    "bucket": {
                        "bucket_arn": self.access_logs.arn,
                        "account_id": account.id,
                        "format": "Parquet",
                        "prefix": f"inventory/{role}",
                        "encryption": {"sse_kms": {"key_id": self.access_logs.key_arn}},
                    }
                },
                opts=child,
            )
        self.replicas: dict[str, SecureBucket] = {}
        if args.replica_region:
            self._replicate(name, args, account, sources)
        if args.backup_retention_days:
            self._back_up(args, account)
        self.register_outputs({"bucket_names": {k: b.bucket_name for k, b in self.buckets.items()}})

    def _log_bucket(
        self,
        role: str,
        args: DataLakeArgs,
        account: Account,
        sources: pulumi.Output[str],
        region: str | None,
    ) -> SecureBucket:
        from_lake = {
            "StringEquals": {"aws:SourceAccount": account.id},
            "ArnLike": {"aws:SourceArn": sources},
        }

        # the lake's own log bucket takes what others deliver; a DR one only S3's
        access = args.access.get(role, BucketAccess()) if region is None else BucketAccess()

        def deliveries(arn: pulumi.Output[str]) -> pulumi.Output[list[Any]]:
            return _joined(own(arn), access.policy_statements)

        def own(arn: pulumi.Output[str]) -> pulumi.Output[list[dict[str, Any]]]:
            return pulumi.Output.all(arn, from_lake).apply(
                lambda v: [
                    {
                        "Sid": sid,
                        "Effect": "Allow",
                        "Principal": {"Service": service},
                        "Action": "s3:PutObject",
                        "Resource": f"{v[0]}/{prefix}/*",
                        "Condition": v[1],
                    }
                    for sid, service, prefix in DELIVERIES
                ]
            )

        # S3 (log delivery, inventory) encrypts what it writes here under the bucket's key
        encrypts = [
            {
                "Sid": f"{sid}Encrypts",
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "kms:GenerateDataKey",
                "Resource": "*",
                "Condition": from_lake,
            }
            for sid, service, _ in DELIVERIES
        ]
        return SecureBucket(
            self.child_name(role),
            SecureBucketArgs(
                purpose="logs",
                lifecycle=args.access_logs,
                key_statements=_joined(encrypts, access.key_statements),
                policy_statements=deliveries,
                region=region,
                protect=args.protect,
                tags=args.tags,
            ),
            opts=self.child_opts(),
        )

    def _replicate(
        self, name: str, args: DataLakeArgs, account: Account, sources: pulumi.Output[str]
    ) -> None:
        region = args.replica_region
        assert region is not None
        dr_logs = self._log_bucket("dr-access-logs", args, account, sources, region)
        self.buckets["dr-access-logs"] = dr_logs
        for role in REPLICATED:
            self.replicas[role] = SecureBucket(
                self.child_name(f"{role}-replica"),
                SecureBucketArgs(
                    purpose="data",
                    lifecycle=getattr(args, role),
                    log_bucket=dr_logs.bucket_name,
                    region=region,
                    protect=args.protect,
                    tags=args.tags,
                ),
                opts=self.child_opts(),
            )
        replication_role = aws.iam.Role(
            self.child_name("replication-role"),
            assume_role_policy=account.trusted_by("s3.amazonaws.com"),
            tags=self.tags("replication-role"),
            opts=self.child_opts(),
        )
        pairs = [(self.buckets[r], self.replicas[r]) for r in REPLICATED]
        document = pulumi.Output.all(
            [pulumi.Output.all(s.arn, s.key_arn) for s, _ in pairs],
            [pulumi.Output.all(r.arn, r.key_arn) for _, r in pairs],
            account.region,
        ).apply(
            lambda v: replication_document(
                [tuple(x) for x in v[0]], [tuple(x) for x in v[1]], v[2], region
            )
        )
        policy = aws.iam.RolePolicy(
            self.child_name("replication-policy"),
            role=replication_role.name,
            policy=pulumi.Output.json_dumps(document),
            opts=self.child_opts(),
        )
        for role, (source, replica) in zip(REPLICATED, pairs, strict=True):
            rule: Any = {
                "id": "to-dr-region",
                "status": "Enabled",
                "priority": 1,
                "filter": {},
                "delete_marker_replication": {"status": "Disabled"},
                "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                "destination": {
                    "bucket": replica.arn,
                    "storage_class": "STANDARD",
                    "encryption_configuration": {"replica_kms_key_id": replica.key_arn},
                },
            }
            aws.s3.BucketReplicationConfig(
                self.child_name(f"{role}-replication"),
                bucket=source.bucket.id,
                role=replication_role.arn,
                rules=[rule],
                opts=self.child_opts(depends_on=[source.versioning, replica.versioning, policy]),
            )

    def _back_up(self, args: DataLakeArgs, account: Account) -> None:
        key = customer_key(
            self,
            account,
            "backup-key",
            "AWS Backup vault of the data lake",
            [],
            protect=args.protect,
        )
        vault = aws.backup.Vault(
            self.child_name("backup-vault"),
            kms_key_arn=key.arn,
            tags=self.tags("backup-vault"),
            opts=self.child_opts(protect=args.protect),
        )
        plan = aws.backup.Plan(
            self.child_name("backup-plan"),
            rules=[
                {
                    "rule_name": "daily",
                    "target_vault_name": vault.name,
                    "schedule": BACKUP_SCHEDULE,
                    "start_window": 60,
                    "completion_window": 360,
                    "lifecycle": {"delete_after": args.backup_retention_days},
                }
            ],
            tags=self.tags("backup-plan"),
            opts=self.child_opts(),
        )
        role = aws.iam.Role(
            self.child_name("backup-role"),
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "backup.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            tags=self.tags("backup-role"),
            opts=self.child_opts(),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                self.child_name(f"backup-role-{arn.rsplit('For', 1)[1].lower()}"),
                role=role.name,
                policy_arn=arn,
                opts=self.child_opts(),
            )
            for arn in BACKUP_POLICIES
        ]
        aws.backup.Selection(
            self.child_name("backup-selection"),
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=[self.buckets[r].arn for r in BACKED_UP],
            opts=self.child_opts(depends_on=attachments),
        )
