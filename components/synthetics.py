"""Synthetics: CloudWatch Synthetics canaries for the SPA and the API workflow (ADR 0019).

- **Scripts live in the repository** (`observability/canaries/<check>/python/*.py`) and
  are zipped by the program, deterministically (`canary_zip`: sorted entries, fixed
  timestamps and modes), so an unchanged script never updates the canary.
- **Runtime**: `RUNTIME_VERSION`, a current Python runtime (the policy pack refuses a
  deprecated one: `synthetics-runtime-supported`).
- **Artifacts** (screenshots, HAR files, logs) go to a `SecureBucket` of their own, under
  its customer key, and the canaries write them SSE-KMS with that key.
- **Execution role**: the permissions the CloudWatch Synthetics guide documents for a
  canary, each scoped: objects of this bucket only, its key only through S3, the log
  groups of these canaries' Lambda functions only, metrics in the `CloudWatchSynthetics`
  namespace only; network interfaces only for a canary in the VPC.
- **Alarms**: one per canary on `SuccessPercent` (`alarm_specs`), created through the
  observability stack's `add_alarms`, so a failing canary notifies the topic of its
  severity. Their ARNs are the chaos drills' stop conditions (`components.chaos`).
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components import alarms
from components.account import Account
from components.base import GamComponent, validate
from components.buckets import Lifecycle, SecureBucket, SecureBucketArgs
from components.tags import problems as tag_problems
from components.values import url_problem

TYPE_TOKEN = "gam:observability:Synthetics"
RUNTIME_VERSION = "syn-python-selenium-14.0"
"""The newest Python runtime the CloudWatch guide lists (read 2026-12-01)."""
PROJECT = Path(__file__).resolve().parent.parent
SCRIPTS = PROJECT / "observability" / "canaries"
NAMESPACE = "CloudWatchSynthetics"
# Synthetics runs a canary between once a minute and once an hour (`rate(...)`).
EVERY_MINUTES = (1, 60)
RETENTION_DAYS = (1, 455)
CANARY_NAME_MAX = 255
# A run is given at most this long (Synthetics caps a run at 14 minutes).
TIMEOUT_SECONDS = 60
# zip entries get this date: the archive's bytes depend on the scripts only
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, kw_only=True)
class CanarySpec:
    """One canary: what it checks and how loud its failure is."""

    name: str
    """Short name (`spa`, `api`): the canary is `<component>-<name>`."""
    script: str
    """Its directory under `observability/canaries/`, holding `python/<module>.py`."""
    handler: str
    """`<module>.handler`."""
    url: str
    """The https URL it checks (passed as an environment variable)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """More environment variables for the script."""
    severity: alarms.Severity = "sev2"
    in_vpc: bool = False
    """Run in the private subnets (an internal URL); egress then passes the firewall."""


@dataclass(frozen=True, kw_only=True)
class SyntheticsArgs:
    canaries: Sequence[CanarySpec]
    """Required. The canaries; a check whose URL is not set is left out by the caller."""

    add_alarms: Callable[[Sequence[alarms.AlarmSpec]], list[aws.cloudwatch.MetricAlarm]]
    """Required. Creates the alarms and routes them by severity
    (`ObservabilityStack.add_alarms`)."""

    log_bucket: pulumi.Input[str]
    """Required. The access-log bucket the artifact bucket logs to."""

    artifacts_bucket: str
    """Required. The artifact bucket's (logical) name."""

    tags: Mapping[str, str]
    """Required. The standard tags."""

    every_minutes: int = 5
    """How often each canary runs, 1 to 60."""

    retention_days: int = 30
    """Days the run records and artifacts are kept, 1 to 455."""

    vpc_id: pulumi.Input[str] | None = None
    """For canaries in the VPC: the VPC, with `subnet_ids`."""

    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    """For canaries in the VPC: the private subnets."""

    runtime_version: str = RUNTIME_VERSION

    protect: bool = False


def problems(name: str, args: SyntheticsArgs) -> list[str]:
    found = tag_problems(args.tags)
    low, high = EVERY_MINUTES
    if not low <= args.every_minutes <= high:
        found.append(f"every_minutes {args.every_minutes} must be {low} to {high}")
    low, high = RETENTION_DAYS
    if not low <= args.retention_days <= high:
        found.append(f"retention_days {args.retention_days} must be {low} to {high}")
    names = [c.name for c in args.canaries]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        found.append(f"canaries {repeated} are named more than once")
    for canary in args.canaries:
        where = f"canary {canary.name}"
        if not canary.name.replace("-", "").isalnum() or canary.name.lower() != canary.name:
            found.append(f"{where}: name must be lower-case letters, digits and hyphens")
        if len(f"{name}-{canary.name}") > CANARY_NAME_MAX:
            found.append(f"{where}: '{name}-{canary.name}' is over {CANARY_NAME_MAX} characters")
        problem = url_problem(canary.url)
        if problem or not canary.url.startswith("https://"):
            found.append(f"{where}: url {canary.url!r} must be an https URL with a host")
        if canary.severity not in alarms.SEVERITIES:
            found.append(f"{where}: severity {canary.severity!r} is not one of {alarms.SEVERITIES}")
        module = canary.handler.removesuffix(".handler")
        if not canary.handler.endswith(".handler") or not module:
            found.append(f"{where}: handler {canary.handler!r} must be '<module>.handler'")
        elif not (SCRIPTS / canary.script / "python" / f"{module}.py").is_file():
            found.append(
                f"{where}: no script observability/canaries/{canary.script}/python/{module}.py"
            )
        if canary.in_vpc and (args.vpc_id is None or args.subnet_ids is None):
            found.append(f"{where}: in_vpc needs vpc_id and subnet_ids")
    return found


# --- pure parts -------------------------------------------------------------------------


def canary_zip(script: str) -> bytes:
    """The script directory as a zip the runtime loads (`python/<module>.py`), the same
    bytes for the same files: sorted entries, fixed date and mode."""
    root = SCRIPTS / script
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            entry = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=ZIP_DATE)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def write_zip(script: str) -> str:
    """Write the script's zip under `build/canaries/` and return its path relative to the
    project (Pulumi runs the program there). The name carries the zip's hash: the
    provider sees a new path, so updates the canary, exactly when a script changes."""
    data = canary_zip(script)
    relative = Path("build", "canaries", f"{script}-{hashlib.sha256(data).hexdigest()[:16]}.zip")
    target = PROJECT / relative
    if not target.is_file() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_bytes(data)
        os.replace(scratch, target)  # atomic: parallel runs never read half a zip
    return relative.as_posix()


def schedule_expression(every_minutes: int) -> str:
    """`rate(...)` as Synthetics writes it."""
    if every_minutes == 60:
        return "rate(1 hour)"
    return f"rate({every_minutes} minute{'s' if every_minutes > 1 else ''})"


def runs_per_month(every_minutes: int, hours_per_month: float = 730) -> float:
    return hours_per_month * 60 / every_minutes


def alarm_specs(canary: CanarySpec, canary_name: str, every_minutes: int) -> list[alarms.AlarmSpec]:
    """The canary failed in two of its last three runs (or stopped reporting): its
    check is failing for users. The period is at least the canary's interval, so every
    period holds a run."""
    period = max(300, every_minutes * 60)
    return [
        alarms.AlarmSpec(
            role=f"canary-{canary.name}-failing",
            description=f"Synthetics canary {canary_name} fails: {canary.url} is not working",
            namespace=NAMESPACE,
            metric="SuccessPercent",
            dimensions={"CanaryName": canary_name},
            statistic="Average",
            threshold=100,
            comparison="LessThanThreshold",
            period=period,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            severity=canary.severity,
            # a canary that stops reporting is a blind spot, not good news
            treat_missing_data="breaching",
        )
    ]


def execution_policy(
    *,
    bucket_arn: str,
    key_arn: str,
    region: str,
    log_group_arns: Sequence[str],
    in_vpc: bool,
) -> dict[str, Any]:
    """What a canary's Lambda needs (CloudWatch Synthetics guide, "Required roles and
    permissions for canaries"), each scoped as far as the action allows."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteArtifacts",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": f"{bucket_arn}/*",
        },
        {
            "Sid": "LocateArtifactBucket",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation"],
            "Resource": bucket_arn,
        },
        {
            # the runtime lists buckets before it writes; the action has no resource scope
            "Sid": "ListBuckets",
            "Effect": "Allow",
            "Action": ["s3:ListAllMyBuckets"],
            "Resource": "*",
        },
        {
            "Sid": "EncryptArtifactsThroughS3",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": list(log_group_arns),
        },
        {
            "Sid": "PublishSyntheticsMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
        },
    ]
    if in_vpc:
        statements.append(
            {
                # Lambda's network interfaces in the VPC; EC2 scopes none of the three
                "Sid": "AttachToVpc",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                ],
                "Resource": "*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


# --- component --------------------------------------------------------------------------


class Synthetics(GamComponent):
    """The canaries, their artifact bucket, execution role and alarms."""

    canary_names: dict[str, pulumi.Output[str]]
    alarm_arns: dict[str, pulumi.Output[str]]
    """The failure alarm of each canary, by its short name."""
    artifacts_bucket_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: SyntheticsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("Synthetics", problems(name, args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        account = Account(self)

        bucket = SecureBucket(
            args.artifacts_bucket,
            SecureBucketArgs(
                purpose="artifacts",
                lifecycle=Lifecycle(
                    expire_after_days=args.retention_days,
                    noncurrent_versions_expire_after_days=1,
                ),
                log_bucket=args.log_bucket,
                protect=args.protect,
                tags=args.tags,
            ),
            opts=self.child_opts(),
        )
        names = {c.name: self.child_name(c.name) for c in args.canaries}
        in_vpc = any(c.in_vpc for c in args.canaries)
        role = self._role(account, bucket, list(names.values()), in_vpc)
        group = self._security_group() if in_vpc else None

        self.canary_names = {}
        self.alarm_arns = {}
        for canary in args.canaries:
            canary_name = names[canary.name]
            created = aws.synthetics.Canary(
                canary_name,
                name=canary_name,
                runtime_version=args.runtime_version,
                handler=canary.handler,
                zip_file=write_zip(canary.script),
                execution_role_arn=role.arn,
                artifact_s3_location=pulumi.Output.concat("s3://", bucket.bucket_name, "/"),
                artifact_config=aws.synthetics.CanaryArtifactConfigArgs(
                    s3_encryption=aws.synthetics.CanaryArtifactConfigS3EncryptionArgs(
                        encryption_mode="SSE_KMS", kms_key_arn=bucket.key_arn
                    )
                ),
                schedule=aws.synthetics.CanaryScheduleArgs(
                    expression=schedule_expression(args.every_minutes)
                ),
                run_config=aws.synthetics.CanaryRunConfigArgs(
                    timeout_in_seconds=min(TIMEOUT_SECONDS, args.every_minutes * 60),
                    active_tracing=False,
                    environment_variables={"TARGET_URL": canary.url, **canary.environment},
                ),
                vpc_config=aws.synthetics.CanaryVpcConfigArgs(
                    subnet_ids=args.subnet_ids, security_group_ids=[group.id]
                )
                if canary.in_vpc and group is not None
                else None,
                success_retention_period=args.retention_days,
                failure_retention_period=args.retention_days,
                start_canary=True,
                delete_lambda=True,
                tags=self.tags(canary.name),
                opts=self.child_opts(depends_on=[role]),
            )
            (alarm,) = args.add_alarms(alarm_specs(canary, canary_name, args.every_minutes))
            self.canary_names[canary.name] = created.name
            self.alarm_arns[canary.name] = alarm.arn
        self.artifacts_bucket_name = bucket.bucket_name
        self.register_outputs(
            {
                "canaryNames": self.canary_names,
                "alarmArns": self.alarm_arns,
                "artifactsBucketName": self.artifacts_bucket_name,
            }
        )

    def _role(
        self, account: Account, bucket: SecureBucket, canary_names: list[str], in_vpc: bool
    ) -> aws.iam.Role:
        role = aws.iam.Role(
            self.child_name("role"),
            description=f"Runs the Synthetics canaries of {self._name}",
            assume_role_policy=account.trusted_by("lambda.amazonaws.com"),
            tags=self.tags("role"),
            opts=self.child_opts(),
        )
        log_groups = [
            account.arn("logs", f"log-group:/aws/lambda/cwsyn-{n}-*") for n in canary_names
        ]
        policy = pulumi.Output.all(
            bucket.arn, bucket.key_arn, account.region, pulumi.Output.all(*log_groups)
        ).apply(
            lambda v: execution_policy(
                bucket_arn=v[0],
                key_arn=v[1],
                region=v[2],
                log_group_arns=[f"{g}:*" for g in v[3]] + list(v[3]),
                in_vpc=in_vpc,
            )
        )
        aws.iam.RolePolicy(
            self.child_name("role-policy"),
            role=role.name,
            policy=pulumi.Output.json_dumps(policy),
            opts=self.child_opts(),
        )
        return role

    def _security_group(self) -> aws.ec2.SecurityGroup:
        """Canaries in the VPC only call out, over HTTPS."""
        return aws.ec2.SecurityGroup(
            self.child_name("sg"),
            description=f"Synthetics canaries of {self._name}: HTTPS out only",
            vpc_id=self._args.vpc_id,
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="HTTPS to the checked URLs",
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=["0.0.0.0/0"],
                )
            ],
            tags=self.tags("sg"),
            opts=self.child_opts(),
        )
