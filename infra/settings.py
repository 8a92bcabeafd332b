"""Typed stack settings: the stack's config merged over its tier's profile, validated.

`load(stack, config)` takes the stack's config as full keys (`gam:network`,
`aws:region`) with plain values, merges the `gam:` part over the profile of the
stack's tier (`stacks.profiles`), validates the result and returns `Settings`.
Every problem is collected and raised as one `SettingsError`, each naming its
config key (`gam:network.vpcCidr`) and what to change.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components import (
    cidr,
    database_jobs,
    deploy_runner,
    eks_spec,
    grafana,
    pagerduty,
    postgis_values,
    runner_egress,
    slo,
)
from components.tags import standard_tags
from components.values import (
    AZ_ID,
    CACHE_NAMESPACE_MAX,
    CACHE_UPSTREAMS,
    CREDENTIALED_UPSTREAMS,
    DEFAULT_INTERFACE_ENDPOINTS,
    DOMAIN,
    DOMAIN_LIST_ID,
    DR_REGIONS,
    ECR_PREFIX,
    LOG_RETENTION_DAYS,
    MANAGED_DOMAIN_LISTS,
    READ_DOMAIN_LISTS,
    TGW_ID,
    az_id_prefix,
    multi_tenant,
    url_problem,
)
from infra import naming
from stacks.profiles import PROFILES, Tier, deep_merge

NAMESPACE = "gam"
REGION_KEY = "aws:region"

_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_NAME_PART = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


def _cloudwatch_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"{value} is not a CloudWatch Logs retention period; use one of {LOG_RETENTION_DAYS}"
        )
    return value


# Days a log group keeps its events: one of the periods CloudWatch Logs accepts.
LogRetentionDays = Annotated[int, AfterValidator(_cloudwatch_retention)]


class _Model(BaseModel):
    """Strict shape shared by every settings section: camelCase keys, no unknown keys."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


def _private_cidr(value: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a valid IPv4 CIDR ({exc}); write it like 10.20.0.0/16"
        ) from exc
    if not network.is_private:
        raise ValueError(
            f"{value} is not a private (RFC 1918) range; use one inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        )
    return network


class FirewallSettings(_Model):
    """AWS Network Firewall on the egress path."""

    enabled: bool = False
    """Default: off (the prod profile turns it on)."""
    allowed_domains: tuple[str, ...] = ()
    """Egress allow-list for HTTP/TLS (`.example.com` matches subdomains). Required when
    enabled. No wildcard may cover a multi-tenant suffix such as `.amazonaws.com` or
    `.cloudfront.net` (anyone's endpoints live there): list exact hosts."""

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        problems = []
        bad = [d for d in domains if not DOMAIN.match(d)]
        if bad:
            problems.append(
                f"not domain names: {bad}; write them like `pypi.org` or `.example.com`"
            )
        shared = sorted(d for d in domains if multi_tenant(d))
        if shared:
            problems.append(
                f"{shared} cover multi-tenant suffixes where anyone's endpoints live; list exact "
                "hosts (AWS APIs go through network.interfaceEndpoints)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return domains

    @model_validator(mode="after")
    def _domains_when_enabled(self) -> FirewallSettings:
        if self.enabled and not self.allowed_domains:
            raise ValueError(
                "the firewall is enabled but allowedDomains is empty: list the domains egress may reach"
            )
        return self


class NetworkSettings(_Model):
    vpc_cidr: str
    """The VPC's private IPv4 range, /16 to /20. No default: each stack picks its own."""
    az_count: int = Field(default=2, ge=2, le=3)
    """Availability zones, 2 or 3 (3 in prod). Default from the profile."""
    nat_gateways: Literal["single", "per-az"] = "single"
    """One NAT gateway (cheap, dev) or one per AZ (HA). Default from the profile."""
    flow_log_retention_days: LogRetentionDays = 30
    """Retention of VPC flow logs, a CloudWatch-allowed value. Default from the profile."""
    transit_gateway_id: str | None = None
    """Attach the VPC to this transit gateway (tgw-...). Default: no attachment."""
    transit_gateway_routes: tuple[str, ...] = ()
    """CIDRs routed from private subnets to the transit gateway. Requires transitGatewayId."""
    availability_zone_ids: tuple[str, ...] = ()
    """The AZs by ID (`euw1-az1`), one per AZ: stable across accounts and incidents.
    Required in staging and prod; read them with `aws ec2 describe-availability-zones`."""
    interface_endpoints: tuple[str, ...] = DEFAULT_INTERFACE_ENDPOINTS
    """Interface endpoints (service suffixes such as `ecr.api`). Default from the profile,
    else every endpoint the platform uses (`components.values.DEFAULT_INTERFACE_ENDPOINTS`)."""
    endpoint_organization_id: str | None = None
    """Let endpoint policies admit this AWS Organization (o-...) instead of this account."""
    firewall: FirewallSettings = FirewallSettings()

    @field_validator("availability_zone_ids")
    @classmethod
    def _zone_ids(cls, ids: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        bad = [z for z in ids if not AZ_ID.match(z)]
        if bad:
            raise ValueError(f"{bad} are not availability zone IDs such as euw1-az1")
        if ids and len(ids) != info.data.get("az_count"):
            raise ValueError(f"lists {len(ids)} zones; azCount is {info.data.get('az_count')}")
        if len(set(ids)) != len(ids):
            raise ValueError("lists a zone twice; list each once")
        return ids

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_cidr(cls, value: str) -> str:
        network = _private_cidr(value)
        if not 16 <= network.prefixlen <= 20:
            raise ValueError(
                f"{value} is a /{network.prefixlen}; the subnet plan needs a /16 to /20"
            )
        return value

    @field_validator("transit_gateway_routes")
    @classmethod
    def _transit_gateway_routes(
        cls, routes: tuple[str, ...], info: ValidationInfo
    ) -> tuple[str, ...]:
        # vpcCidr and transitGatewayId are declared (so validated) before this field.
        found = cidr.route_problems(info.data.get("vpc_cidr") or "", routes)
        if routes and not info.data.get("transit_gateway_id"):
            found.append("they need transitGatewayId; set both or neither")
        if found:
            raise ValueError("; ".join(found))
        return routes

    @field_validator("transit_gateway_id")
    @classmethod
    def _tgw(cls, value: str | None) -> str | None:
        if value is not None and not TGW_ID.match(value):
            raise ValueError(
                f"{value!r} is not a transit gateway id; it looks like tgw-0123456789abcdef0"
            )
        return value


class DomainListIds(_Model):
    """The region's ids of AWS's managed DNS Firewall domain lists (`READ_DOMAIN_LISTS`)."""

    malware: str | None = None
    """AWSManagedDomainsMalwareDomainList."""
    botnet_command_and_control: str | None = None
    """AWSManagedDomainsBotnetCommandandControl."""
    aggregate_threat: str | None = None
    """AWSManagedDomainsAggregateThreatList."""

    @field_validator("malware", "botnet_command_and_control", "aggregate_threat")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not DOMAIN_LIST_ID.match(value):
            raise ValueError(
                f"{value!r} is not a domain list id (rslvr-fdl- and 16 hex digits); "
                f"read this region's with `{READ_DOMAIN_LISTS}`"
            )
        return value

    def by_key(self) -> dict[str, str]:
        """The ids by `MANAGED_DOMAIN_LISTS` key (camelCase), the set ones only."""
        return {k: v for k, v in self.model_dump(by_alias=True).items() if v}


class DnsFirewallSettings(_Model):
    """Route 53 Resolver DNS Firewall on the VPC, with query logs (ADR 0008)."""

    enabled: bool = True
    """Default: on in every tier (the pack requires it on every VPC)."""
    domain_list_ids: DomainListIds = DomainListIds()
    """Required when enabled: per region, so set in the stack file."""
    block_response: Literal["NXDOMAIN", "NODATA"] = "NXDOMAIN"
    """What a blocked lookup gets. Default NXDOMAIN."""
    fail_open: bool = True
    """Answer lookups DNS Firewall cannot evaluate (default; ADR 0008)."""
    query_log_retention_days: LogRetentionDays = 365
    """Retention of the Resolver query logs, a CloudWatch-allowed value. Default from the profile."""

    @model_validator(mode="after")
    def _ids_when_enabled(self) -> DnsFirewallSettings:
        missing = [
            key for key, _ in MANAGED_DOMAIN_LISTS if key not in self.domain_list_ids.by_key()
        ]
        if self.enabled and missing:
            raise ValueError(
                f"the DNS firewall is enabled but domainListIds lacks {missing}: they are per "
                f"region, read them with `{READ_DOMAIN_LISTS}`"
            )
        return self


class ImageCacheSettings(_Model):
    """ECR pull-through cache for the public registries (ADR 0006)."""

    enabled: bool = True
    """Default: on in every tier."""
    upstreams: tuple[str, ...] = tuple(CACHE_UPSTREAMS)
    """Registries to cache, from ecr-public, k8s, quay, docker-hub, ghcr. Default: all."""
    credentials_stored: tuple[str, ...] = ()
    """docker-hub and/or ghcr once their secret holds credentials (README, "Image cache"):
    their rules are created then. Default: none."""

    @field_validator("upstreams")
    @classmethod
    def _upstreams(cls, upstreams: tuple[str, ...]) -> tuple[str, ...]:
        found = []
        unknown = [u for u in upstreams if u not in CACHE_UPSTREAMS]
        if unknown:
            found.append(f"{unknown} are not known; choose from {list(CACHE_UPSTREAMS)}")
        repeated = sorted({u for u in upstreams if upstreams.count(u) > 1})
        if repeated:
            found.append(f"{repeated} listed more than once; list each once")
        if found:
            raise ValueError("; ".join(found))
        return upstreams

    @field_validator("credentials_stored")
    @classmethod
    def _stored(cls, stored: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        found = []
        stray = [u for u in stored if u not in CREDENTIALED_UPSTREAMS]
        if stray:
            found.append(f"{stray} take no credentials; only {list(CREDENTIALED_UPSTREAMS)} do")
        off = [u for u in stored if u not in stray and u not in (info.data.get("upstreams") or ())]
        if off:
            found.append(f"{off} are not in upstreams; add them there or remove them here")
        if found:
            raise ValueError("; ".join(found))
        return stored


# --- data stores, messaging, registries (issue 11) ---------------------------------------


class BucketLifecycleSettings(_Model):
    """What happens to one bucket's objects over time (days from creation)."""

    infrequent_access_after_days: int | None = Field(default=None, ge=30)
    """Move to S3 Standard-IA (at least 30). Default: never."""
    glacier_after_days: int | None = Field(default=None, ge=1)
    """Move to S3 Glacier Instant Retrieval. Default: never."""
    intelligent_tiering: bool = False
    """Move to S3 Intelligent-Tiering at once (excludes the two above). Default false."""
    expire_after_days: int | None = Field(default=None, ge=1)
    """The retention: expire current versions. Default: never."""

    @model_validator(mode="after")
    def _order(self) -> BucketLifecycleSettings:
        ia, glacier, expire = (
            self.infrequent_access_after_days,
            self.glacier_after_days,
            self.expire_after_days,
        )
        if self.intelligent_tiering and (ia is not None or glacier is not None):
            raise ValueError(
                "intelligentTiering excludes infrequentAccessAfterDays/glacierAfterDays; choose one"
            )
        days = [d for d in (ia, glacier, expire) if d is not None]
        if days != sorted(set(days)):
            raise ValueError(
                "days must increase from infrequentAccessAfterDays to glacierAfterDays to "
                f"expireAfterDays (got {ia}, {glacier}, {expire})"
            )
        return self


class DataLakeSettings(_Model):
    """The S3 data lake: raw, processed, cdn-assets and access-logs buckets (ADR 0016)."""

    raw: BucketLifecycleSettings = BucketLifecycleSettings()
    processed: BucketLifecycleSettings = BucketLifecycleSettings()
    cdn_assets: BucketLifecycleSettings = BucketLifecycleSettings()
    access_logs: BucketLifecycleSettings = BucketLifecycleSettings()
    noncurrent_versions_expire_after_days: int = Field(default=30, ge=1)
    """Delete object versions this long after they stop being current (every bucket)."""
    abort_incomplete_uploads_after_days: int = Field(default=7, ge=1)
    """Abort multipart uploads left incomplete this long (every bucket)."""
    replicate: bool = False
    """Replicate raw and processed to the DR region. Default from the profile (prod only)."""
    replica_region: str | None = None
    """The DR region. Default: the stack region's in `components.values.DR_REGIONS`
    (eu-west-1: eu-central-1); set it for a region not listed there."""
    backup_retention_days: int | None = Field(default=35, ge=1)
    """AWS Backup of raw and processed, daily, kept this long; null: none. Default 35."""

    @field_validator("replica_region")
    @classmethod
    def _replica_region(cls, value: str | None) -> str | None:
        if value is not None and not _REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region name such as eu-central-1")
        return value


class QueueSettings(_Model):
    """One pipeline event queue (and its dead-letter queue)."""

    visibility_timeout_seconds: int = Field(default=300, ge=0, le=43_200)
    """How long a received message stays hidden: longer than the work it starts. Default 300."""
    retention_seconds: int = Field(default=345_600, ge=60, le=1_209_600)
    """How long an unconsumed message is kept. Default 4 days."""
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    """Receives before a message moves to the dead-letter queue. Default 5."""


class MessagingSettings(_Model):
    """The pipeline's SQS queues, each with a DLQ, fed by one encrypted SNS topic."""

    queues: dict[str, QueueSettings] = Field(
        default_factory=lambda: {
            "ingestion": QueueSettings(),
            "preprocessing": QueueSettings(visibility_timeout_seconds=900),
            "model-runs": QueueSettings(visibility_timeout_seconds=3600),
        }
    )
    """Queues by name. Default: ingestion, preprocessing (15 min), model-runs (1 h)."""

    @field_validator("queues")
    @classmethod
    def _names(cls, queues: dict[str, QueueSettings]) -> dict[str, QueueSettings]:
        bad = [q for q in queues if not _NAME_PART.match(q)]
        if bad or not queues:
            raise ValueError(
                f"queue names must be lower-case letters, digits and hyphens, at least one; "
                f"not {bad or '{}'}"
            )
        return queues


class RegistriesSettings(_Model):
    """Private ECR repositories, one per service, under `gam-<stack>/`."""

    services: tuple[str, ...] = ("api", "worker", "spa")
    """One repository each. Default api, worker, spa."""
    keep_release_images: int = Field(default=10, ge=1)
    """Release images (tags starting with `v`) kept per repository. Default from the profile."""
    keep_other_images: int = Field(default=20, ge=1)
    """Other tagged images (commit builds) kept per repository. Default 20."""
    release_role_arn: str | None = None
    """The IAM role of the release pipeline: in prod the only principal that may push
    (unset: nobody may). Default: none."""

    @field_validator("services")
    @classmethod
    def _services(cls, services: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in services if not ECR_PREFIX.match(s)]
        if bad or not services or len(set(services)) != len(services):
            raise ValueError(
                f"list one or more distinct lower-case service names; {bad or services} will not do"
            )
        return services

    @field_validator("release_role_arn")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None and not _ROLE_ARN.match(value):
            raise ValueError(
                f"{value!r} is not an IAM role ARN (arn:aws:iam::123456789012:role/name)"
            )
        return value


class CacheSettings(_Model):
    """ElastiCache (Valkey or Redis OSS) in the data subnets, IAM-authenticated (ADR 0016)."""

    enabled: bool = True
    engine: Literal["valkey", "redis"] = "valkey"
    """valkey (default) or redis."""
    engine_version: str = "8.0"
    """The engine's major.minor version. Default 8.0 (Valkey)."""
    node_type: str = "cache.t4g.micro"
    """The node type (cache.*). Default from the profile."""
    num_cache_clusters: int = Field(default=1, ge=1, le=6)
    """Nodes; 2 or more turn on Multi-AZ and automatic failover (required beyond dev)."""
    snapshot_retention_days: int = Field(default=1, ge=1, le=35)
    """Days daily snapshots are kept. Default from the profile."""
    log_retention_days: LogRetentionDays = 30
    """Retention of the slow and engine logs, a CloudWatch-allowed value. Default from the profile."""

    @field_validator("engine_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.match(r"^\d+\.\d+$", value):
            raise ValueError(f"{value!r} is not a major.minor version such as 8.0")
        return value

    @field_validator("node_type")
    @classmethod
    def _node_type(cls, value: str) -> str:
        if not re.match(r"^cache\.[a-z0-9]+\.[a-z0-9]+$", value):
            raise ValueError(f"{value!r} is not an ElastiCache node type such as cache.t4g.small")
        return value


# --- observability (ADR 0012) -------------------------------------------------------


class SliSettings(_Model):
    """An SLI: its kind and the metrics it reads (`components.slo`)."""

    kind: Literal["ratio", "latency", "freshness", "throughput"]
    good_metric: str | None = None
    """ratio: the counter of good events."""
    total_metric: str | None = None
    """ratio: the counter of all events."""
    histogram_metric: str | None = None
    """latency: the histogram's base name (its _bucket and _count are read)."""
    threshold_seconds: float | None = None
    """latency: a bucket bound; requests at most this slow are good."""
    timestamp_metric: str | None = None
    """freshness: a gauge of the last success, Unix seconds."""
    max_age_seconds: float | None = None
    """freshness: the oldest the data may be in a good minute."""
    processed_metric: str | None = None
    """throughput: the counter of completed work."""
    backlog_metric: str | None = None
    """throughput: the gauge of waiting work."""
    min_per_second: float | None = None
    """throughput: the rate that keeps up while there is a backlog."""
    selector: dict[str, str] = {}
    """Label values every metric is read with, e.g. {job: gam-api}."""

    def spec(self) -> slo.Sli:
        fields = self.model_dump(exclude={"selector"})
        return slo.Sli(**fields, selector=dict(self.selector))

    @model_validator(mode="after")
    def _valid(self) -> SliSettings:
        found = slo.sli_problems(self.spec())
        if found:
            raise ValueError("; ".join(found))
        return self


class SloSettings(_Model):
    """One SLO of the catalog: an objective over a window, and its SLI."""

    description: str = Field(min_length=1)
    """What the user experiences when it holds."""
    target: float
    """The share of good events or minutes, 0.5 to 0.9999 (0.99 is 99 %)."""
    window_days: int = 30
    """The SLO window in days, 7 to 90. Default 30 (the burn-rate factors assume it)."""
    team: str = "platform"
    """Who answers its pages (the `team` label)."""
    sli: SliSettings

    @model_validator(mode="after")
    def _objective(self) -> SloSettings:
        found = slo.objective_problems(as_slo("named-by-its-key", self))
        if found:
            raise ValueError("; ".join(found))
        return self


class AlertingSettings(_Model):
    """Where alerts go. The endpoints are secrets: only ever `secure:` values."""

    pager_duty_webhook_url: str | None = None
    """The PagerDuty integration URL subscribed to the pager topic (https). Default: none
    (the topic exists without a subscription)."""
    slack_webhook_url: str | None = None
    """The https endpoint subscribed to the Slack topic. Default: none."""

    @field_validator("pager_duty_webhook_url", "slack_webhook_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            # the value is a secret: never repeat it in the message
            raise ValueError("must be an https:// URL (set it with `pulumi config set --secret`)")
        return value


_IDC_GROUP = re.compile(
    r"^([0-9a-f]{10}-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


class GrafanaSamlSettings(_Model):
    """A SAML IdP for Managed Grafana and how its role assertion maps to Grafana roles."""

    idp_metadata_url: str
    """The IdP's metadata URL (https)."""
    admin_role_values: list[str] = Field(min_length=1)
    """Role assertion values that make a user Admin."""
    editor_role_values: list[str] = Field(min_length=1)
    """Role assertion values that make a user Editor."""
    role_assertion: str = "role"

    @field_validator("idp_metadata_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError(f"{value!r} must be an https:// URL")
        return value


class GrafanaSettings(_Model):
    """Amazon Managed Grafana over the stack's Managed Prometheus (ADR 0017)."""

    enabled: bool = False
    """Default from the profile: off in dev, on in staging and prod."""
    authentication: Literal["AWS_SSO", "SAML"] = "AWS_SSO"
    """AWS_SSO: IAM Identity Center (enabled in the organisation); SAML: `saml`."""
    admin_group_ids: list[str] = []
    """AWS_SSO: IAM Identity Center group ids whose members are Admins."""
    editor_group_ids: list[str] = []
    """AWS_SSO: IAM Identity Center group ids whose members are Editors."""
    viewer_group_ids: list[str] = []
    """AWS_SSO: IAM Identity Center group ids whose members are Viewers."""
    saml: GrafanaSamlSettings | None = None
    open_search_domain_arn: str | None = None
    """A logs domain outside this stack that Grafana searches, with `openSearchEndpoint`.
    Default: none; with `gam:logSearch` on, Grafana searches this stack's log store."""
    open_search_endpoint: str | None = None
    in_vpc: bool = False
    """Place the workspace in the private subnets (to reach private data sources, such as
    the VPC-only log store). Default from the profile: on in staging and prod."""
    manage_contents: bool = True
    """Manage the data sources, folder and dashboards inside Grafana with a token minted
    per run (`python -m infra.grafana_token`, ADR 0021). Set false for a stack's first
    deployment only, before its workspace exists."""

    @field_validator("admin_group_ids", "editor_group_ids", "viewer_group_ids")
    @classmethod
    def _group_ids(cls, ids: list[str]) -> list[str]:
        bad = [i for i in ids if not _IDC_GROUP.match(i)]
        if bad:
            raise ValueError(f"{bad} are not IAM Identity Center group ids")
        return ids

    @model_validator(mode="after")
    def _consistent(self) -> GrafanaSettings:
        found = grafana.option_problems(self.spec())
        if found:
            raise ValueError("; ".join(found))
        return self

    def spec(self) -> grafana.GrafanaArgs:
        saml = self.saml
        return grafana.GrafanaArgs(
            authentication=self.authentication,
            admin_group_ids=tuple(self.admin_group_ids),
            editor_group_ids=tuple(self.editor_group_ids),
            viewer_group_ids=tuple(self.viewer_group_ids),
            saml=None
            if saml is None
            else grafana.SamlArgs(
                idp_metadata_url=saml.idp_metadata_url,
                admin_role_values=tuple(saml.admin_role_values),
                editor_role_values=tuple(saml.editor_role_values),
                role_assertion=saml.role_assertion,
            ),
            opensearch_domain_arn=self.open_search_domain_arn,
            opensearch_endpoint=self.open_search_endpoint,
            manage_contents=self.manage_contents,
        )


class EscalationLevelSettings(_Model):
    """One level of a team's escalation: who is notified, after how long."""

    delay_minutes: int = Field(default=30, ge=1, le=1440)
    """Minutes without an acknowledgement before the next level."""
    schedule_ids: list[str] = []
    """PagerDuty schedule ids (P...)."""
    user_ids: list[str] = []
    """PagerDuty user ids (P...)."""

    def spec(self) -> pagerduty.EscalationLevel:
        return pagerduty.EscalationLevel(
            delay_minutes=self.delay_minutes,
            schedule_ids=tuple(self.schedule_ids),
            user_ids=tuple(self.user_ids),
        )

    @model_validator(mode="after")
    def _valid(self) -> EscalationLevelSettings:
        found = pagerduty.level_problems(self.spec())
        if found:
            raise ValueError("; ".join(found))
        return self


class PagerDutyTeamSettings(_Model):
    description: str = ""
    escalation: list[EscalationLevelSettings] = Field(min_length=1)
    """The team's own levels, first to last (the backstop's first level follows)."""


class PagerDutySettings(_Model):
    """PagerDuty as code (ADR 0017): on when `token` is set (a secret)."""

    token: str | None = None
    """A PagerDuty REST API token: only ever `pulumi config set --secret`. Default: none
    (PagerDuty is not managed here)."""
    service_region: Literal["us", "eu"] = "us"
    teams: dict[str, PagerDutyTeamSettings] = {}
    """By name (the SLOs' `team`): each gets a team, a policy and a service."""
    backstop: str = "platform"
    """The team paged after any other team's last level, and for pages naming no team."""
    num_loops: int = Field(default=2, ge=0, le=pagerduty.MAX_LOOPS)

    def spec(self) -> pagerduty.PagerDutyArgs | None:
        if self.token is None:
            return None
        return pagerduty.PagerDutyArgs(
            token=self.token,
            teams=[
                pagerduty.Team(
                    name=name,
                    description=team.description,
                    levels=[level.spec() for level in team.escalation],
                )
                for name, team in sorted(self.teams.items())
            ],
            backstop=self.backstop,
            service_region=self.service_region,
            num_loops=self.num_loops,
        )

    @model_validator(mode="after")
    def _valid(self) -> PagerDutySettings:
        spec = self.spec()
        found = pagerduty.option_problems(spec) if spec is not None else []
        if found:
            # never echo the token: the problems name teams and ids only
            raise ValueError("; ".join(found))
        return self


class SyntheticsSettings(_Model):
    """CloudWatch Synthetics canaries (ADR 0019). A canary whose URL is unset is skipped."""

    enabled: bool = True
    spa_url: str | None = None
    """The SPA's https URL, loaded in a browser. Default: none (no SPA canary)."""
    api_url: str | None = None
    """The API's https base URL, for the workflow check. Default: none (no API canary)."""
    api_paths: tuple[str, ...] = ("/healthz",)
    """The workflow: unauthenticated paths requested in order, each to answer 2xx JSON."""
    api_in_vpc: bool = False
    """Run the API canary in the private subnets (an internal API URL)."""
    every_minutes: int = Field(default=5, ge=1, le=60)
    """How often each canary runs. Default from the profile."""
    severity: Literal["sev1", "sev2", "sev3", "info"] = "sev2"
    """How loud a failing canary's alarm is (sev1/sev2 page)."""
    retention_days: int = Field(default=30, ge=1, le=455)
    """Days run records and artifacts are kept. Default from the profile."""

    @field_validator("spa_url", "api_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and (url_problem(value) or not value.startswith("https://")):
            raise ValueError(f"{value!r} must be an https URL with a host")
        return value

    @field_validator("api_paths")
    @classmethod
    def _paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [p for p in value if not p.startswith("/") or "," in p]
        if bad or not value:
            raise ValueError(f"paths {list(bad)} must start with / and hold no comma; give one")
        return value


class ChaosSettings(_Model):
    """AWS FIS drills (ADR 0019): templates only; nobody runs them but the runbook."""

    enabled: bool = False
    """Default from the profile: off in prod, on in staging."""
    node_termination_percent: int = Field(default=34, ge=1, le=100)
    """The share of the worker node group's instances the node drill terminates."""
    pod_namespace: Literal["api", "workers", "spa"] = "workers"
    """The workload namespace (by role) the pod drill acts in."""
    pod_selector: str = "app.kubernetes.io/part-of=gam"
    """The label selector of the pods the pod drill may delete."""
    pod_percent: int = Field(default=25, ge=1, le=100)
    """The share of those pods it deletes."""
    database: bool = True
    """The database drill (a reboot, with failover when Multi-AZ)."""
    log_retention_days: LogRetentionDays = 365
    """Retention of the experiment log."""


class ObservabilitySettings(_Model):
    """Managed Prometheus, SLO rules, Alertmanager, alarms, X-Ray (ADR 0012); Managed
    Grafana and PagerDuty (ADR 0017)."""

    enabled: bool = True
    """Default: on in every tier."""
    slos: dict[str, SloSettings] = {}
    """The SLO catalog by name (kebab-case). Default from the profile (six SLOs)."""
    log_retention_days: LogRetentionDays = 365
    """Retention of the workspace's logs, a CloudWatch-allowed value. Default from the profile."""
    trace_sampling_rate: float = Field(default=0.05, ge=0, le=1)
    """X-Ray: the share of requests traced beyond the first each second. Default from the profile."""
    alerting: AlertingSettings = AlertingSettings()
    grafana: GrafanaSettings = GrafanaSettings()
    pager_duty: PagerDutySettings = PagerDutySettings()
    synthetics: SyntheticsSettings = SyntheticsSettings()
    chaos: ChaosSettings = ChaosSettings()

    @model_validator(mode="after")
    def _pages_have_owners(self) -> ObservabilitySettings:
        spec = self.pager_duty.spec()
        if spec is None:
            return self
        found = []
        if self.alerting.pager_duty_webhook_url is not None:
            found.append(
                "alerting.pagerDutyWebhookUrl and pagerDuty.token both subscribe the pager "
                "topic: remove the webhook URL"
            )
        orphans = sorted({item.team for item in self.slos.values()} - set(self.pager_duty.teams))
        if orphans:
            found.append(f"pagerDuty.teams has no team {orphans} for the SLOs they own")
        if found:
            raise ValueError("; ".join(found))
        return self

    @model_validator(mode="after")
    def _drills_stop_on_canaries(self) -> ObservabilitySettings:
        canaries = self.synthetics.enabled and (self.synthetics.spa_url or self.synthetics.api_url)
        if self.chaos.enabled and not canaries:
            raise ValueError(
                "chaos.enabled: the drills stop on the canaries' alarms; set "
                "synthetics.spaUrl or synthetics.apiUrl (synthetics enabled), or turn chaos off"
            )
        return self

    def catalog(self) -> tuple[slo.Slo, ...]:
        return tuple(as_slo(name, item) for name, item in sorted(self.slos.items()))


class LogSearchSettings(_Model):
    """The OpenSearch domain for logs (`components.log_search`, ADR 0018)."""

    enabled: bool = False
    """Default from the profile: off in dev (cost), on in staging and prod."""
    engine_version: str = "OpenSearch_2.19"
    """OpenSearch_X.Y, 2.11 or later (`aws opensearch list-versions`)."""
    instance_type: str = "t3.small.search"
    """Data nodes' type. Default from the profile."""
    instance_count: int = Field(default=1, ge=1, le=20)
    """Data nodes, a multiple of zoneCount. Default from the profile."""
    zone_count: Literal[1, 2, 3] = 1
    """Zones the data nodes spread over (zone awareness above 1). Default from the profile."""
    dedicated_master_type: str | None = None
    """Dedicated master nodes' type (three of them); null: none. Required in prod."""
    volume_size_gb: int = Field(default=10, ge=10, le=3072)
    """gp3 per data node, GB. Default from the profile."""
    warm_after_days: int = Field(default=7, ge=1)
    """Days after which an index turns read-only and is merged (ISM warm state)."""
    retention_days: int = Field(default=30, ge=2)
    """Days after which an index is deleted (ISM delete state), above warmAfterDays."""
    log_retention_days: LogRetentionDays = 365
    """Retention of the domain's audit, application and slow logs in CloudWatch."""
    admin_role_arns: list[str] = []
    """People's IAM roles with all_access in the security plugin."""
    reader_role_arns: list[str] = []
    """People's IAM roles with readall."""
    setup_image: str = "lambda/python:3.13"
    """The setup Job's image on ECR Public (`<repository>:<tag>`), pulled through the
    image cache: Python 3 with botocore."""

    @field_validator("engine_version")
    @classmethod
    def _engine(cls, value: str) -> str:
        match = re.match(r"^OpenSearch_(\d+)\.(\d+)$", value)
        if not match or (int(match[1]), int(match[2])) < (2, 11):
            raise ValueError(f"{value!r} is not OpenSearch_X.Y at 2.11 or later")
        return value

    @field_validator("instance_type", "dedicated_master_type")
    @classmethod
    def _instance_type(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[a-z0-9]+\.[a-z0-9]+\.search$", value):
            raise ValueError(
                f"{value!r} is not an OpenSearch instance type such as m7g.large.search"
            )
        return value

    @field_validator("admin_role_arns", "reader_role_arns")
    @classmethod
    def _roles(cls, arns: list[str]) -> list[str]:
        bad = [a for a in arns if not _ROLE_ARN.match(a)]
        if bad:
            raise ValueError(f"{bad} are not IAM role ARNs")
        return arns

    @field_validator("setup_image")
    @classmethod
    def _image(cls, value: str) -> str:
        if not re.match(r"^[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$", value) or value.endswith(
            ":latest"
        ):
            raise ValueError(f"{value!r} must be an ECR Public repository with a tag or digest")
        return value

    @model_validator(mode="after")
    def _shape(self) -> LogSearchSettings:
        found = []
        if self.instance_count % self.zone_count:
            found.append(
                f"instanceCount {self.instance_count} must be a multiple of zoneCount {self.zone_count}"
            )
        if self.warm_after_days >= self.retention_days:
            found.append(
                f"warmAfterDays {self.warm_after_days} must be below retentionDays {self.retention_days}"
            )
        if found:
            raise ValueError("; ".join(found))
        return self


def as_slo(name: str, item: SloSettings) -> slo.Slo:
    return slo.Slo(
        name=name,
        description=item.description,
        target=item.target,
        window_days=item.window_days,
        team=item.team,
        sli=item.sli.spec(),
    )


class ContinuousDeploymentSettings(_Model):
    """CloudFront continuous deployment: a staging distribution for safe SPA releases."""

    enabled: bool = True
    """Default: on (the dev profile turns it off)."""
    traffic: Literal["header", "weight"] = "header"
    """Which viewers reach staging: requests with the `aws-cf-cd-staging: true` header
    (default), or a share of all viewers (`weight`)."""
    weight: float = Field(default=0.05, gt=0, le=0.15)
    """The share of viewers with `traffic: weight`, above 0 and at most 0.15. Default 0.05."""


class EdgeSettings(_Model):
    """CloudFront + WAF for the SPA (ADR 0013), serving the data lake's `cdn-assets` bucket
    and logging to its `access-logs` bucket."""

    enabled: bool = False
    """Default: off (a stack turns it on with its domain, hosted zone and release)."""
    domain_name: str | None = None
    """The SPA's host name (app.gam.example.org). Required when enabled."""
    hosted_zone_id: str | None = None
    """The public Route 53 hosted zone of domainName (Z...). Required when enabled."""
    release: str | None = None
    """The SPA version viewers get: the cdn-assets bucket's `releases/<release>/` folder.
    Required when enabled; the deploy workflow sets it to promote a release."""
    staging_release: str | None = None
    """The version the staging distribution serves (continuous deployment). Default: release."""
    content_security_policy: str = (
        "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        "style-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
    """The Content-Security-Policy header. Default: same-origin only."""
    referrer_policy: str = "strict-origin-when-cross-origin"
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    """Default from the profile."""
    rate_limit: int = Field(default=2000, ge=10, le=2_000_000_000)
    """Requests per client IP in 5 minutes before WAF blocks it. Default from the profile."""
    blocked_countries: tuple[str, ...] = ()
    """ISO 3166 alpha-2 country codes WAF blocks. Default: none."""
    api_origin_domain: str | None = None
    """The `/api/*` origin's host name. Default: the identity section's HTTP API (its
    `execute-api` host), which checks the pool's tokens; none when identity is off."""
    waf_log_retention_days: LogRetentionDays = 365
    """Retention of the WAF logs, a CloudWatch-allowed value. Default from the profile."""
    continuous_deployment: ContinuousDeploymentSettings = ContinuousDeploymentSettings()

    @field_validator("blocked_countries")
    @classmethod
    def _countries(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in codes if not re.fullmatch(r"[A-Z]{2}", c)]
        if bad:
            raise ValueError(f"{bad} are not ISO 3166 alpha-2 codes such as KP")
        return codes

    @field_validator("domain_name", "api_origin_domain")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith(".") or not DOMAIN.match(value)):
            raise ValueError(f"{value!r} is not a host name such as app.gam.example.org")
        return value

    @field_validator("release", "staging_release")
    @classmethod
    def _release(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
            raise ValueError(f"{value!r} is not a release name (letters, digits, . _ -)")
        return value

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"Z[A-Z0-9]{1,31}", value):
            raise ValueError(f"{value!r} is not a hosted zone id (Z and upper-case letters)")
        return value

    @model_validator(mode="after")
    def _enabled_needs(self) -> EdgeSettings:
        if not self.enabled:
            return self
        required = ("domain_name", "hosted_zone_id", "release")
        missing = [k for k in required if getattr(self, k) is None]
        if missing:
            raise ValueError(f"enabled needs {[to_camel(k) for k in missing]}")
        return self


class IdentitySettings(_Model):
    """Cognito user pool, the SPA's client and the HTTP API with its JWT authorizer (ADR 0014)."""

    enabled: bool = True
    callback_urls: tuple[str, ...] = ()
    """Where Cognito may return the SPA after sign-in: HTTPS (http only for localhost).
    Required when enabled (the dev profile lists localhost)."""
    logout_urls: tuple[str, ...] = ()
    """Where Cognito may return the SPA after sign-out. Required when enabled."""
    domain_prefix: str | None = None
    """The hosted sign-in domain's prefix. Default: `<project>-<stack>` (gam-platform-dev)."""
    mfa: Literal["OPTIONAL", "ON"] = "ON"
    """Multi-factor authentication: OPTIONAL or ON (required). Default from the profile."""
    threat_protection: bool = False
    """Cognito threat protection, enforced (the Plus tier). Default from the profile."""
    access_token_minutes: int = Field(default=60, ge=5, le=1440)
    id_token_minutes: int = Field(default=60, ge=5, le=1440)
    refresh_token_days: int = Field(default=30, ge=1, le=3650)
    api_listener_arn: str | None = None
    """The internal API load balancer's HTTPS listener (the EKS issue's). Unset: the HTTP
    API has no route yet."""
    access_log_retention_days: LogRetentionDays = 365
    """Retention of the API's access logs, a CloudWatch-allowed value. Default from the profile."""

    @field_validator("callback_urls", "logout_urls")
    @classmethod
    def _urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        bad = [p for p in (url_problem(u) for u in urls) if p]
        if bad:
            raise ValueError("; ".join(bad))
        return urls

    @model_validator(mode="after")
    def _urls_when_enabled(self) -> IdentitySettings:
        missing = [to_camel(k) for k in ("callback_urls", "logout_urls") if not getattr(self, k)]
        if self.enabled and missing:
            raise ValueError(f"enabled needs {missing}: the SPA's sign-in and sign-out URLs")
        return self


class FeatureFlagsSettings(_Model):
    """AWS AppConfig feature flags, rolled back on the API's 5xx alarm (ADR 0014)."""

    enabled: bool = True
    """Needs the identity section (its API's alarm is the rollback signal)."""
    deployment_minutes: int = Field(default=10, ge=0, le=1440)
    """How long a flag deployment takes to reach every client. Default from the profile."""
    bake_minutes: int = Field(default=10, ge=0, le=1440)
    """How long AppConfig watches the alarm afterwards. Default from the profile."""
    growth_percent: float = Field(default=20, ge=1, le=100)


# --- gam:eks ---------------------------------------------------------------------------


class NodeGroupSettings(_Model):
    """One managed node group (`components.eks_spec.NodeGroupSpec`)."""

    enabled: bool = True
    instance_types: tuple[str, ...] = ("m7g.large",)
    """Graviton where the workload allows (cheaper per vCPU); one architecture per group."""
    min_size: int = 1
    desired_size: int = 1
    max_size: int = 2
    disk_size_gb: int = 50
    """The root volume, gp3, encrypted with the cluster's node key."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"

    @model_validator(mode="after")
    def _shape(self) -> NodeGroupSettings:
        found = eks_spec.node_group_problems("", self.spec()) if self.enabled else []
        if found:
            raise ValueError("; ".join(found))
        return self

    def spec(self, gpu: bool = False) -> eks_spec.NodeGroupSpec:
        return eks_spec.NodeGroupSpec(
            instance_types=self.instance_types,
            min_size=self.min_size,
            desired_size=self.desired_size,
            max_size=self.max_size,
            disk_size_gb=self.disk_size_gb,
            capacity_type=self.capacity_type,
            gpu=gpu,
        )


class NodeGroupsSettings(_Model):
    system: NodeGroupSettings = NodeGroupSettings()
    api: NodeGroupSettings = NodeGroupSettings()
    worker: NodeGroupSettings = NodeGroupSettings()
    gpu: NodeGroupSettings = NodeGroupSettings(enabled=False, instance_types=("g6.xlarge",))
    """Off by default."""

    @model_validator(mode="after")
    def _shapes(self) -> NodeGroupsSettings:
        found = []
        if self.gpu.enabled:
            found += eks_spec.node_group_problems("gpu", self.gpu.spec(gpu=True))
        if not self.system.enabled:
            found.append("the system node group runs the cluster's add-ons; it cannot be off")
        if found:
            raise ValueError("; ".join(found))
        return self


class AccessSettings(_Model):
    """IAM roles granted access to the cluster through access entries (never aws-auth)."""

    admins: tuple[str, ...] = ()
    """Cluster admins (AmazonEKSClusterAdminPolicy). Default none: the creator only."""
    viewers: tuple[str, ...] = ()
    """Read-only, cluster-wide (AmazonEKSViewPolicy)."""
    deployers: tuple[str, ...] = ()
    """The CI deploy role(s): edit in the workload namespaces only (AmazonEKSEditPolicy)."""

    @field_validator("admins", "viewers", "deployers")
    @classmethod
    def _arns(cls, arns: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in arns if not _ROLE_ARN.match(a)]
        if bad:
            raise ValueError(f"{bad} are not IAM role ARNs (arn:aws:iam::123456789012:role/name)")
        return arns


_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


class EksSettings(_Model):
    """The EKS cluster (`components.eks.EksCluster`)."""

    enabled: bool = True
    kubernetes_version: str = "1.35"
    """A version EKS offers (`components.eks_spec.KUBERNETES_VERSIONS`)."""
    addon_versions: dict[str, str] = {
        "vpcCni": "v1.21.1-eksbuild.1",
        "kubeProxy": "v1.35.0-eksbuild.2",
        "coredns": "v1.12.4-eksbuild.1",
        "podIdentityAgent": "v1.3.10-eksbuild.1",
        "ebsCsiDriver": "v1.53.0-eksbuild.1",
    }
    """Pinned add-on versions by key; read them with `aws eks describe-addon-versions`."""
    public_access_cidrs: tuple[str, ...] = ()
    """Turns the public API endpoint on for these CIDRs only: dev only, never 0.0.0.0/0.
    Default: none (private endpoint only)."""
    log_retention_days: LogRetentionDays = 365
    """Retention of the control-plane logs. Default from the profile."""
    access: AccessSettings = AccessSettings()
    node_groups: NodeGroupsSettings = NodeGroupsSettings()

    @field_validator("kubernetes_version")
    @classmethod
    def _version(cls, value: str) -> str:
        found = eks_spec.version_problems(value)
        if found:
            raise ValueError("; ".join(found))
        return value

    @field_validator("addon_versions")
    @classmethod
    def _addons(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        found = eks_spec.addon_problems(value, info.data.get("kubernetes_version") or "")
        if found:
            raise ValueError("; ".join(found))
        return value

    @field_validator("public_access_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        found = eks_spec.public_access_problems(value)
        if found:
            raise ValueError("; ".join(found))
        return value


# --- gam:workloads -----------------------------------------------------------------------

_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class WorkloadNamespaceNames(_Model):
    api: str = "gam-api"
    workers: str = "gam-workers"
    spa: str = "gam-spa"

    @model_validator(mode="after")
    def _names(self) -> WorkloadNamespaceNames:
        names = [self.api, self.workers, self.spa]
        found = []
        bad = [n for n in names if not _K8S_NAME.match(n) or n.startswith("kube-")]
        if bad:
            found.append(f"{bad} are not namespace names (lower-case DNS labels, not kube-*)")
        if len(set(names)) != len(names):
            found.append("two roles share a namespace; give each its own")
        if database_jobs.NAMESPACE in names:
            found.append(f"{database_jobs.NAMESPACE} is the database Jobs' own namespace")
        if found:
            raise ValueError("; ".join(found))
        return self


class WorkloadsSettings(_Model):
    """The workload namespaces in the cluster (`components.workloads`)."""

    namespaces: WorkloadNamespaceNames = WorkloadNamespaceNames()
    quota_cpu: str = "8"
    """Each namespace's CPU quota (requests and limits). Default from the profile."""
    quota_memory: str = "16Gi"
    quota_pods: int = Field(default=50, ge=1)


# --- gam:clusterServices ----------------------------------------------------------------


class ClusterServicesSettings(_Model):
    """The cluster's controllers and agents (`components.cluster_services`, ADR 0011)."""

    enabled: bool = True
    prometheus_workspace_id: str | None = None
    """Amazon Managed Prometheus workspace (ws-...) for the collector's metrics, until the
    observability stack provides one. Default: traces to X-Ray only."""
    container_log_retention_days: LogRetentionDays = 365
    """Retention of the container logs. Default from the profile."""

    @field_validator("prometheus_workspace_id")
    @classmethod
    def _workspace(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^ws-[0-9a-f-]{8,}$", value):
            raise ValueError(f"{value!r} is not a workspace id (ws-...)")
        return value


class FargateSettings(_Model):
    """The optional ECS Fargate cluster for lightweight tasks (`components.fargate`)."""

    enabled: bool = False
    """Default: off in every tier."""
    spot_weight: int = Field(default=0, ge=0, le=10)
    """Tasks on FARGATE_SPOT per task on FARGATE. Default 0."""


class DeployRunnerSettings(_Model):
    """The CodeBuild-hosted GitHub Actions runner of the stack's Pulumi jobs
    (`components.deploy_runner`, ADR 0020): inside the VPC, where the private EKS API is."""

    enabled: bool = False
    """Default from the profile: on in staging and prod, off in dev."""
    repository_url: str | None = None
    """The GitHub repository whose workflows use it (https://github.com/<owner>/<repo>).
    Required when enabled."""
    connection_arn: str | None = None
    """The AWS CodeConnections connection to GitHub, made once in the console (README, "The
    deploy runner"). Required when enabled."""
    compute_type: str = "BUILD_GENERAL1_SMALL"
    """BUILD_GENERAL1_SMALL, _MEDIUM or _LARGE."""
    log_retention_days: LogRetentionDays = 365
    """Retention of the build logs. Default from the profile."""
    egress_allowed_domains: tuple[str, ...] = runner_egress.DEFAULT_DOMAINS
    """With the egress firewall, the names the runner's subnets alone may reach over TLS
    (beside `network.firewall.allowedDomains`). Default: GitHub's hosts for a self-hosted
    runner and Pulumi's downloads (`components.runner_egress.DEFAULT_DOMAINS`). A wildcard
    (`.actions.githubusercontent.com`) may fall beneath a multi-tenant suffix, never be or
    cover one."""

    @field_validator("egress_allowed_domains")
    @classmethod
    def _egress(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        found = runner_egress.domain_problems(value)
        if found:
            raise ValueError("; ".join(found))
        return value

    @field_validator("repository_url")
    @classmethod
    def _repository(cls, value: str | None) -> str | None:
        if value is not None and not deploy_runner.REPOSITORY_URL.match(value):
            raise ValueError(
                f"{value!r} is not a GitHub repository URL (https://github.com/<owner>/<repo>)"
            )
        return value

    @field_validator("connection_arn")
    @classmethod
    def _connection(cls, value: str | None) -> str | None:
        if value is not None and not deploy_runner.CONNECTION_ARN.match(value):
            raise ValueError(
                f"{value!r} is not a connection ARN "
                "(arn:aws:codeconnections:<region>:<account>:connection/<uuid>)"
            )
        return value

    @field_validator("compute_type")
    @classmethod
    def _compute(cls, value: str) -> str:
        if value not in deploy_runner.COMPUTE_TYPES:
            raise ValueError(f"{value!r} is not one of {list(deploy_runner.COMPUTE_TYPES)}")
        return value


def _deploy_runner_rules(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An enabled runner names its repository and its GitHub connection, in the stack's
    region (a connection serves its own region)."""
    raw = values.get("deployRunner")
    runner: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    if runner.get("enabled") is not True:
        return []
    key = f"{NAMESPACE}:deployRunner"
    found = []
    if not runner.get("repositoryUrl"):
        found.append(
            (f"{key}.repositoryUrl", "required when enabled: https://github.com/<owner>/<repo>")
        )
    arn = runner.get("connectionArn")
    if not arn:
        found.append(
            (
                f"{key}.connectionArn",
                "required when enabled: create the GitHub connection once in the console "
                '(README, "The deploy runner") and set its ARN, or set enabled: false',
            )
        )
    elif isinstance(arn, str) and deploy_runner.CONNECTION_ARN.match(arn):
        region = arn.split(":")[3]
        if region != values.get("region"):
            found.append(
                (
                    f"{key}.connectionArn",
                    f"the connection is in {region}, not the stack's region "
                    f"{values.get('region')} (a connection serves its own region)",
                )
            )
    return found


class DatabaseSettings(_Model):
    """RDS for PostgreSQL with PostGIS (`components.postgis`, ADR 0015)."""

    enabled: bool = True
    """Default: on in every tier."""
    engine_version: str = "17.6"
    """A PostgreSQL minor of a major RDS ships PostGIS 3 for (16, 17); the parameter
    group family follows it."""
    instance_class: str = "db.t4g.small"
    """Default from the profile: dev db.t4g.small, staging db.t4g.large, prod db.r7g.large."""
    allocated_storage_gb: int = 20
    """gp3 storage, GB (20 to 65,536). Default from the profile."""
    max_allocated_storage_gb: int = 100
    """The storage autoscaling ceiling, GB, above allocatedStorageGb. Default from the profile."""
    database_name: str = "gam"
    """The application database, where the PostGIS extensions are created."""
    master_username: str = "gam_admin"
    """The master user; its password is RDS-managed in Secrets Manager, never in config."""
    multi_az: bool = False
    """A standby in another zone. Default from the profile (on in staging and prod)."""
    read_replicas: int = 0
    """Read replicas for analytics, 0 to 5. Default from the profile (1 in prod)."""
    proxy: bool = False
    """An RDS Proxy (IAM auth, TLS) for the workers' short connections. Default from the
    profile (on in prod; ADR 0015)."""
    backup_retention_days: int = 7
    """Automated backups, days (1 to 35). Default from the profile: 7, 14, 35."""
    backup_window: str = "02:00-03:00"
    """Daily backup window, UTC (`hh:mm-hh:mm`)."""
    maintenance_window: str = "sun:03:30-sun:04:30"
    """Weekly maintenance window, UTC (`ddd:hh:mm-ddd:hh:mm`), clear of the backup window."""
    backup_replication_region: str | None = None
    """Replicate automated backups to this region (DR). Required in prod."""
    backup_replication_retention_days: int = 7
    """Days the replicated backups are kept (1 to 35). Default from the profile."""
    deletion_protection: bool = False
    """Default from the profile (on in staging and prod)."""
    final_snapshot: bool = False
    """A final snapshot on deletion, automated backups kept. Default from the profile."""
    database_insights: Literal["standard", "advanced"] = "standard"
    """Performance Insights retention: standard 7 days (free), advanced 465 (prod)."""
    monitoring_interval_seconds: int = 60
    """Enhanced monitoring interval: 1, 5, 10, 15, 30 or 60."""
    log_retention_days: int = 30
    """Retention of the exported PostgreSQL logs. Default from the profile."""
    slow_query_ms: int = Field(default=500, ge=0)
    """Statements slower than this are logged (`log_min_duration_statement`)."""
    password_rotation_days: int = Field(default=7, ge=1, le=365)
    """Rotation of the RDS-managed master password."""
    ca_certificate: str = "rds-ca-rsa2048-g1"
    """The CA the server certificate is signed by (pinned)."""
    migration_image: str | None = None
    """The application's migration image (ECR, pinned by digest), set by its release
    workflow; the migration Job runs it after the extensions (ADR 0015). Default: none."""
    migration_command: tuple[str, ...] = ("alembic", "upgrade", "head")
    """What the migration image runs."""

    @field_validator("engine_version")
    @classmethod
    def _engine_version(cls, value: str) -> str:
        found = postgis_values.engine_version_problems(value)
        if found:
            raise ValueError("; ".join(found))
        return value

    @field_validator("instance_class")
    @classmethod
    def _instance_class(cls, value: str) -> str:
        if not postgis_values.INSTANCE_CLASS.match(value):
            raise ValueError(f"{value!r} is not an RDS instance class such as db.r7g.large")
        return value

    @model_validator(mode="after")
    def _component_rules(self) -> DatabaseSettings:
        found = postgis_values.value_problems(
            engine_version=self.engine_version,
            instance_class=self.instance_class,
            allocated_storage_gb=self.allocated_storage_gb,
            max_allocated_storage_gb=self.max_allocated_storage_gb,
            database_name=self.database_name,
            master_username=self.master_username,
            read_replicas=self.read_replicas,
            backup_retention_days=self.backup_retention_days,
            backup_replication_retention_days=self.backup_replication_retention_days,
            backup_window=self.backup_window,
            maintenance_window=self.maintenance_window,
            monitoring_interval=self.monitoring_interval_seconds,
            log_retention_days=self.log_retention_days,
            ca_certificate=self.ca_certificate,
        )
        region = self.backup_replication_region
        if region is not None and not _REGION.match(region):
            found.append(f"backupReplicationRegion {region!r} is not a region such as eu-central-1")
        if found:
            raise ValueError("; ".join(found))
        return self


class Settings(_Model):
    """Everything the stack composition needs, validated."""

    stack: str
    project: str = naming.PROJECT
    region: str
    tier: Tier
    """dev, staging or prod. Default: the stack's name when it is one of those."""
    owner: str = Field(min_length=2)
    """The owning team, for the Owner tag. Required."""
    cost_center: str = Field(min_length=2)
    """The cost center, for the CostCenter tag. Required."""
    protect_stateful_resources: bool = False
    """Set `protect` on databases, data buckets, keys... Default from the profile; always on in prod."""
    extra_tags: dict[str, str] = {}
    """Tags added to the standard ones (which they may not override)."""
    monthly_budget_usd: float = Field(gt=0)
    """The most the stack may cost a month, USD (`gam-infra cost --check`). Default from
    the profile: dev 400, staging 1,200, prod 4,000."""
    network: NetworkSettings
    dns_firewall: DnsFirewallSettings
    image_cache: ImageCacheSettings
    database: DatabaseSettings = DatabaseSettings()
    eks: EksSettings = EksSettings()
    workloads: WorkloadsSettings = WorkloadsSettings()
    cluster_services: ClusterServicesSettings = ClusterServicesSettings()
    fargate: FargateSettings = FargateSettings()
    deploy_runner: DeployRunnerSettings = DeployRunnerSettings()
    data_lake: DataLakeSettings = DataLakeSettings()
    messaging: MessagingSettings = MessagingSettings()
    registries: RegistriesSettings = RegistriesSettings()
    cache: CacheSettings = CacheSettings()

    @field_validator("data_lake")
    @classmethod
    def _replica_elsewhere(cls, lake: DataLakeSettings, info: ValidationInfo) -> DataLakeSettings:
        region = info.data.get("region")
        if not lake.replicate:
            return lake
        target = lake.replica_region or DR_REGIONS.get(str(region))
        if target is None:
            raise ValueError(
                f"replicate is on but {region} has no default DR region: set replicaRegion"
            )
        if target == region:
            raise ValueError(
                f"replicaRegion {target} is the stack's own region; name another (the DR region)"
            )
        return lake.model_copy(update={"replica_region": target})

    observability: ObservabilitySettings
    edge: EdgeSettings = EdgeSettings()
    identity: IdentitySettings
    feature_flags: FeatureFlagsSettings = FeatureFlagsSettings()
    log_search: LogSearchSettings = LogSearchSettings()

    @field_validator("log_search")
    @classmethod
    def _log_search_fits(cls, logs: LogSearchSettings, info: ValidationInfo) -> LogSearchSettings:
        """It needs the cluster (clients, setup Job), Fluent Bit and the alarm topics; prod
        keeps it available (dedicated masters, three zones)."""
        if not logs.enabled:
            return logs
        parts = {
            "eks": ("eks", "its clients and setup Job"),
            "cluster_services": ("clusterServices", "Fluent Bit, which ships to it"),
            "observability": ("observability", "its alarms"),
        }
        off = [key for key in parts if getattr(info.data.get(key), "enabled", True) is False]
        found = [f"{parts[k][0]} ({parts[k][1]}) is off" for k in off]
        grafana_ = getattr(info.data.get("observability"), "grafana", None)
        if grafana_ is not None and grafana_.enabled:
            # Grafana searches the log store, which answers in the VPC only
            if not grafana_.in_vpc:
                found.append("Grafana searches it from the VPC: set observability.grafana.inVpc")
            if grafana_.open_search_domain_arn is not None:
                found.append(
                    "Grafana searches this log store: unset observability.grafana."
                    "openSearchDomainArn and openSearchEndpoint"
                )
        if info.data.get("tier") == "prod":
            if logs.dedicated_master_type is None:
                found.append("prod needs dedicated masters: set dedicatedMasterType")
            if logs.zone_count != 3:
                found.append(f"prod spreads it over 3 zones, not zoneCount {logs.zone_count}")
        if found:
            raise ValueError("; ".join(found) + " (or set enabled: false)")
        return logs

    @field_validator("feature_flags")
    @classmethod
    def _flags_need_identity(
        cls, flags: FeatureFlagsSettings, info: ValidationInfo
    ) -> FeatureFlagsSettings:
        identity = info.data.get("identity")
        if flags.enabled and identity is not None and not identity.enabled:
            raise ValueError(
                "feature flags roll back on the identity section's API alarm: enable "
                "identity or set enabled: false here"
            )
        return flags

    @field_validator("image_cache")
    @classmethod
    def _namespace_fits(cls, cache: ImageCacheSettings, info: ValidationInfo) -> ImageCacheSettings:
        namespace = naming.name(info.data["stack"]) if info.data.get("stack") else ""
        if cache.enabled and len(namespace) > CACHE_NAMESPACE_MAX:
            raise ValueError(
                f"the cache's ECR namespace {namespace!r} is longer than {CACHE_NAMESPACE_MAX} "
                "characters; use a shorter stack name or set enabled: false"
            )
        return cache

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS region name such as us-east-1")
        return value

    @field_validator("stack")
    @classmethod
    def _stack(cls, value: str) -> str:
        if not _NAME_PART.match(value):
            raise ValueError(f"stack name {value!r} must be lower-case letters, digits and hyphens")
        return value

    @property
    def tags(self) -> dict[str, str]:
        return standard_tags(
            project=self.project,
            environment=self.stack,
            owner=self.owner,
            cost_center=self.cost_center,
            extra=self.extra_tags,
        )

    def name(self, *parts: str) -> str:
        return naming.name(self.stack, *parts)


class SettingsError(ValueError):
    """All problems with a stack's config, each as (config key, what to change)."""

    def __init__(self, stack: str, problems: list[tuple[str, str]]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  {key}: {message}" for key, message in problems)
        super().__init__(f"Pulumi.{stack}.yaml has {len(problems)} problem(s):\n{lines}")


def _key(loc: tuple[Any, ...]) -> str:
    if loc and loc[0] == "region":
        return REGION_KEY
    return f"{NAMESPACE}:" + ".".join(str(part) for part in loc)


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for item in error.errors():
        loc = tuple(p for p in item["loc"] if p not in ("function-after", "tagged-union"))
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (a typo?); remove it or fix its spelling"
        elif item["type"] == "missing":
            message = "required; set it in the stack file"
        problems.append((_key(loc), message))
    return problems


def _zone_rules(tier: str, region: Any, network: Mapping[str, Any]) -> list[tuple[str, str]]:
    """AZ IDs are pinned beyond dev, and belong to the stack's region."""
    ids = network.get("availabilityZoneIds") or []
    key = f"{NAMESPACE}:network.availabilityZoneIds"
    if not ids:
        if tier == "dev":
            return []
        return [(key, f"{tier} pins its zones by ID (e.g. [euw1-az1, euw1-az2]); set them")]
    prefix = az_id_prefix(region) if isinstance(region, str) else None
    strangers = [
        z
        for z in ids
        if prefix and isinstance(z, str) and AZ_ID.match(z) and not z.startswith(f"{prefix}-")
    ]
    if strangers:
        return [(key, f"{strangers} are not zones of {region} (its IDs start with {prefix}-)")]
    return []


def _eks_tier_rules(tier: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The public API endpoint is for dev alone."""
    raw = values.get("eks")
    eks = raw if isinstance(raw, Mapping) else {}
    if tier != "dev" and eks.get("publicAccessCidrs"):
        key = f"{NAMESPACE}:eks.publicAccessCidrs"
        return [(key, f"{tier} keeps the API endpoint private; remove publicAccessCidrs")]
    return []


def _tier_rules(tier: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Cross-field rules of a tier, checked on the raw values so they report alongside
    every other problem (not only once the rest is valid)."""
    raw = values.get("network")
    network: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    zones = _zone_rules(tier, values.get("region"), network) + _eks_tier_rules(tier, values)
    zones += _database_rules(tier, values) + _deploy_runner_rules(values)
    cache = values.get("cache")
    if (
        tier != "dev"
        and isinstance(cache, Mapping)
        and cache.get("enabled", True)
        and not (isinstance(cache.get("numCacheClusters"), int) and cache["numCacheClusters"] >= 2)
    ):
        zones.append(
            (
                f"{NAMESPACE}:cache.numCacheClusters",
                f"{tier} needs Multi-AZ with automatic failover: at least 2 nodes",
            )
        )
    if tier != "prod":
        return zones
    problems = []
    if network.get("azCount") != 3:
        problems.append(
            ("network.azCount", f"prod needs 3 availability zones, not {network.get('azCount')}")
        )
    if network.get("natGateways") != "per-az":
        problems.append(
            ("network.natGateways", "prod cannot turn off multi-AZ egress: set it to per-az")
        )
    lake = values.get("dataLake")
    if not (isinstance(lake, Mapping) and lake.get("replicate") is True):
        problems.append(("dataLake.replicate", "prod replicates its data to a DR region: true"))
    if values.get("protectStatefulResources") is not True:
        problems.append(
            ("protectStatefulResources", "prod must protect stateful resources: set it to true")
        )
    return zones + [(f"{NAMESPACE}:{key}", message) for key, message in problems]


def _slo_name_rules(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """SLO names are the catalog's keys: checked on the raw values, so a bad name is
    reported alongside the SLOs' own problems."""
    raw = values.get("observability")
    slos = raw.get("slos") if isinstance(raw, Mapping) else None
    names = slos if isinstance(slos, Mapping) else {}
    found = [p for name in names for p in slo.name_problems(str(name))]
    return [(f"{NAMESPACE}:observability.slos", "; ".join(found))] if found else []


def _database_rules(tier: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Prod keeps its database available, recoverable and replicated to another region;
    staging keeps it available; the DR region is another region than the stack's."""
    raw = values.get("database")
    database: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    if database.get("enabled") is False:
        return []
    wanted: dict[str, Any] = {}
    if tier in ("staging", "prod"):
        wanted.update(multiAz=True, deletionProtection=True, finalSnapshot=True)
    problems = [
        (f"database.{key}", f"{tier} cannot turn it off: set it to true")
        for key, value in wanted.items()
        if database.get(key) is not value
    ]
    region = database.get("backupReplicationRegion")
    if tier == "prod" and not region:
        problems.append(
            (
                "database.backupReplicationRegion",
                "prod replicates its backups to another region: name it (e.g. eu-central-1)",
            )
        )
    if region and region == values.get("region"):
        problems.append(
            (
                "database.backupReplicationRegion",
                f"{region} is the stack's own region; name another",
            )
        )
    return [(f"{NAMESPACE}:{key}", message) for key, message in problems]


def _decode(value: Any) -> Any:
    """Config values reach the program as strings; objects and lists as JSON."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def load(stack: str, config: Mapping[str, Any]) -> Settings:
    """Validate one stack's config (full keys, e.g. `gam:network`) over its tier's profile."""
    values = {
        key.split(":", 1)[1]: _decode(value)
        for key, value in config.items()
        if key.startswith(f"{NAMESPACE}:")
    }
    tier = values.get("tier", stack if stack in PROFILES else None)
    if tier not in PROFILES:
        raise SettingsError(
            stack,
            [
                (
                    f"{NAMESPACE}:tier",
                    f"set it to one of {sorted(PROFILES)} (the stack name is not a tier)",
                )
            ],
        )
    merged = deep_merge(PROFILES[tier], values)
    merged.update(stack=stack, tier=tier, region=config.get(REGION_KEY))
    problems = _tier_rules(tier, merged) + _slo_name_rules(merged)
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        problems = _problems(exc) + problems
    if problems:
        raise SettingsError(stack, problems)
    return settings


def from_pulumi_config() -> Settings:
    """Inside a Pulumi program: the running stack's settings."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return load(pulumi.get_stack(), config)
