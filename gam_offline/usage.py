"""Usage: what the program cannot say about a stack (traffic, log volume, requests, users),
per month, from `stacks/usage/<stack>.yaml`, in the spirit of Infracost's usage file.

Each section holds the defaults for every resource of its kind; `resources` overrides them
for one resource, by its name, with the keys of that resource's section. Traffic (`egress`)
is stack-wide: the pricer of each gateway takes its share. Unknown keys are rejected, and
every problem is reported at once, by key. Counts are plain numbers (`2_000_000`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

USAGE_DIR = Path("stacks") / "usage"


class Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )


class Egress(Section):
    """Stack-wide traffic a month."""

    internet_gb: float = Field(default=100, ge=0)
    """GB between the private subnets and the internet, both directions: processed by the
    NAT gateways (their share each) and, when it is on, the firewall. Default 100."""
    internet_out_gb: float = Field(default=50, ge=0)
    """Of it, GB leaving AWS (data transfer out, on the internet gateway). Default 50."""
    aws_services_gb: float = Field(default=20, ge=0)
    """GB to AWS services through the interface endpoints (their share each). Default 20."""
    transit_gateway_gb: float = Field(default=0, ge=0)
    """GB sent through the transit gateway attachments. Default 0."""


class LogGroup(Section):
    ingestion_gb: float = Field(default=5, ge=0)
    """GB ingested a month by each log group. Default 5."""
    stored_gb: float | None = Field(default=None, ge=0)
    """GB stored. Default: the ingestion times the retention in months (12 when the
    group never expires): the steady state, on the ingested size (an upper bound)."""


class KmsKey(Section):
    requests: float = Field(default=100_000, ge=0)
    """API requests a month to each key. Default 100,000."""


class DnsFirewall(Section):
    queries: float = Field(default=20_000_000, ge=0)
    """DNS queries a month from the VPC, each one judged by DNS Firewall (Kubernetes'
    `ndots:5` multiplies a pod's lookups). Default 20,000,000."""


class EksCluster(Section):
    extended_support: bool = False
    """The cluster's Kubernetes version is in extended support (a cluster on support type
    STANDARD never is; one on EXTENDED, or unset, is priced so anyway). Default false."""


class RdsInstance(Section):
    backup_gb: float = Field(default=0, ge=0)
    """Backup storage beyond the free 100% of the provisioned storage, GB. Default 0."""


class RdsBackupReplication(Section):
    stored_gb: float = Field(default=100, ge=0)
    """GB of replicated automated backups kept in the DR region. Default 100."""
    transfer_gb: float = Field(default=50, ge=0)
    """GB copied to the DR region a month (changes since the last copy). Default 50."""


class S3Bucket(Section):
    standard_gb: float = Field(default=10, ge=0)
    """GB stored in S3 Standard. Default 10."""
    standard_ia_gb: float = Field(default=0, ge=0)
    """GB stored in S3 Standard-IA. Default 0."""
    glacier_ir_gb: float = Field(default=0, ge=0)
    """GB stored in S3 Glacier Instant Retrieval. Default 0."""
    put_requests: float = Field(default=100_000, ge=0)
    """PUT/COPY/POST/LIST requests a month. Default 100,000."""
    get_requests: float = Field(default=1_000_000, ge=0)
    """GET and other requests a month. Default 1,000,000."""


class Requests(Section):
    requests: float = Field(default=1_000_000, ge=0)
    """Requests a month. Default 1,000,000."""


class AppConfigProfile(Section):
    """Reads of one configuration profile (its feature flags) by its clients."""

    requests: float = Field(default=1_000_000, ge=0)
    """Configuration requests a month (`GetLatestConfiguration` polls). Default 1,000,000."""
    configurations_received: float = Field(default=1_000, ge=0)
    """Configurations delivered a month (each new version to each client). Default 1,000."""


class SnsTopic(Section):
    publishes: float = Field(default=1_000_000, ge=0)
    """Publish requests a month. Default 1,000,000."""


class Storage(Section):
    storage_gb: float = Field(default=10, ge=0)
    """GB stored. Default 10."""


class Secret(Section):
    api_calls: float = Field(default=100_000, ge=0)
    """API calls a month to each secret. Default 100,000."""


class CloudFront(Section):
    data_out_gb: float = Field(default=100, ge=0)
    """GB served to viewers a month. Default 100."""
    https_requests: float = Field(default=1_000_000, ge=0)
    """HTTPS requests a month. Default 1,000,000."""


class LogDelivery(Section):
    delivered_gb: float = Field(default=1, ge=0)
    """GB of logs a vended log delivery (CloudFront standard logging v2) writes a month.
    Default 1 (about 2 million requests' lines)."""


class CognitoUserPool(Section):
    monthly_active_users: float = Field(default=1_000, ge=0)
    """Monthly active users. Default 1,000."""


class PrometheusWorkspace(Section):
    samples: float = Field(default=1_000_000_000, ge=0)
    """Metric samples ingested a month. Default 1 billion."""
    storage_gb: float = Field(default=10, ge=0)
    """GB of metrics stored. Default 10."""


class GrafanaWorkspace(Section):
    editors: int = Field(default=2, ge=0)
    """Editor and admin users. Default 2."""
    viewers: int = Field(default=5, ge=0)
    """Viewer users. Default 5."""


class Canary(Section):
    runs: float | None = Field(default=None, ge=0)
    """Runs a month. Default: from a `rate(...)` schedule (none while `startCanary` is
    unset: the canary is stopped); required for `cron(...)`."""


class FisExperiment(Section):
    runs: float = Field(default=1 / 3, ge=0)
    """Experiments started from each template a month. Default 1/3 (a quarterly drill)."""


class CodebuildProject(Section):
    build_minutes: float = Field(default=1_000, ge=0)
    """Build minutes a month: for the deploy runner, the minutes its jobs run (deploys,
    drift checks, pull request previews). Default 1,000."""


class PrometheusRules(Section):
    series_per_selector: float = Field(default=10, ge=0)
    """Series each selector of a rule matches (pods, routes, status codes). Default 10."""
    scrape_interval_seconds: float = Field(default=30, gt=0)
    """How often the collectors scrape, so the samples a range holds. Default 30."""


class XraySampling(Section):
    traces: float = Field(default=1_000_000, ge=0)
    """Traces recorded a month under the sampling rule. Default 1,000,000."""


class LoadBalancer(Section):
    capacity_units: float = Field(default=1, ge=0)
    """Average LCUs (NLCUs for a network load balancer) an hour. Default 1."""


class Route53Zone(Section):
    queries: float = Field(default=1_000_000, ge=0)
    """DNS queries a month. Default 1,000,000."""


class S3Replication(Section):
    replicated_gb: float = Field(default=10, ge=0)
    """GB of new object versions replicated to the other region a month. Default 10."""
    objects: float = Field(default=100_000, ge=0)
    """Object versions replicated a month (PUT requests in the replica). Default 100,000."""


class S3Inventory(Section):
    objects: float = Field(default=1_000_000, ge=0)
    """Object versions each report lists. Default 1,000,000."""


class Usage(Section):
    """A stack's usage file: sections of defaults, then overrides by resource name."""

    egress: Egress = Egress()
    log_group: LogGroup = LogGroup()
    kms_key: KmsKey = KmsKey()
    eks_cluster: EksCluster = EksCluster()
    dns_firewall: DnsFirewall = DnsFirewall()
    rds_instance: RdsInstance = RdsInstance()
    rds_backup_replication: RdsBackupReplication = RdsBackupReplication()
    s3_bucket: S3Bucket = S3Bucket()
    sqs_queue: Requests = Requests()
    sns_topic: SnsTopic = SnsTopic()
    ecr_repository: Storage = Storage()
    secret: Secret = Secret()
    cloudfront: CloudFront = CloudFront()
    cloudfront_function: Requests = Requests()
    """Invocations of a CloudFront Function (the default behaviour's requests)."""
    log_delivery: LogDelivery = LogDelivery()
    waf_web_acl: Requests = Requests()
    cognito_user_pool: CognitoUserPool = CognitoUserPool()
    http_api: Requests = Requests()
    app_config_profile: AppConfigProfile = AppConfigProfile()
    prometheus_workspace: PrometheusWorkspace = PrometheusWorkspace()
    grafana_workspace: GrafanaWorkspace = GrafanaWorkspace()
    canary: Canary = Canary()
    fis_experiment: FisExperiment = FisExperiment()
    codebuild_project: CodebuildProject = CodebuildProject()
    xray_sampling: XraySampling = XraySampling()
    prometheus_rules: PrometheusRules = PrometheusRules()
    backup_vault: Storage = Storage()
    load_balancer: LoadBalancer = LoadBalancer()
    route53_zone: Route53Zone = Route53Zone()
    s3_replication: S3Replication = S3Replication()
    s3_inventory: S3Inventory = S3Inventory()
    resources: dict[str, dict[str, Any]] = {}
    """Overrides for one resource, by its name: `{gam-prod-network-vpc-flow-logs:
    {ingestionGb: 60}}`, with the keys of the resource's section."""

    def section(self, name: str, resource: str | None = None) -> Section:
        """Section `name` (camelCase, e.g. `logGroup`) with `resource`'s overrides applied."""
        defaults: Section = getattr(self, _field(name))
        override = self.resources.get(resource or "")
        if not override:
            return defaults
        return type(defaults).model_validate({**defaults.model_dump(by_alias=True), **override})


def _field(alias: str) -> str:
    for field, info in Usage.model_fields.items():
        if info.alias == alias:
            return field
    raise KeyError(f"no usage section {alias!r}")


STACK_WIDE = ("egress",)


class UsageError(ValueError):
    """Every problem with a usage file, each as (key, what to change)."""

    def __init__(self, name: str, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {key}: {message}" for key, message in problems)
        super().__init__(f"{name} has {len(problems)} problem(s):\n{lines}")


def _problems(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for item in error.errors():
        key = prefix + ".".join(str(p) for p in item["loc"])
        message = str(item["msg"])
        if item["type"] == "extra_forbidden":
            message = "unknown key (a typo?); remove it or fix its spelling"
        found.append((key, message))
    return found


def parse(document: Any, name: str = "usage file") -> Usage:
    """Validate a usage document (None: all defaults)."""
    try:
        return Usage.model_validate(document or {})
    except ValidationError as error:
        raise UsageError(name, _problems(error)) from None


def load(stack: str, root: Path) -> tuple[Usage, Path | None]:
    """The stack's usage and its file (None when the stack has none: all defaults)."""
    path = root / USAGE_DIR / f"{stack}.yaml"
    if not path.is_file():
        return Usage(), None
    name = str(path.relative_to(root))
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise UsageError(name, [("(file)", f"not YAML: {' '.join(str(error).split())}")]) from None
    return parse(document, name), path


def override_problems(
    usage: Usage, sections_by_name: Mapping[str, str | None]
) -> list[tuple[str, str]]:
    """Problems with `usage.resources`, given each resource's name and the usage section
    its type reads (None: its type reads no usage)."""
    found: list[tuple[str, str]] = []
    for name, override in usage.resources.items():
        key = f"resources.{name}"
        if name not in sections_by_name:
            found.append((key, "no resource of the stack has this name"))
            continue
        section = sections_by_name[name]
        if section is None or section in STACK_WIDE:
            what = f"set it under {section}" if section else "its type reads no usage"
            found.append((key, f"this resource takes no overrides ({what})"))
            continue
        defaults: Section = getattr(usage, _field(section))
        try:
            type(defaults).model_validate({**defaults.model_dump(by_alias=True), **override})
        except ValidationError as error:
            found += _problems(error, f"{key}.")
    return found
