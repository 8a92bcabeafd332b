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
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components import cidr, postgis_values
from components.tags import standard_tags
from components.values import (
    AZ_ID,
    CACHE_NAMESPACE_MAX,
    CACHE_UPSTREAMS,
    CREDENTIALED_UPSTREAMS,
    DEFAULT_INTERFACE_ENDPOINTS,
    DOMAIN,
    DOMAIN_LIST_ID,
    LOG_RETENTION_DAYS,
    MANAGED_DOMAIN_LISTS,
    READ_DOMAIN_LISTS,
    TGW_ID,
    az_id_prefix,
    multi_tenant,
)
from infra import naming
from stacks.profiles import PROFILES, Tier, deep_merge

NAMESPACE = "gam"
REGION_KEY = "aws:region"

_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_NAME_PART = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


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
    flow_log_retention_days: int = 30
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

    @field_validator("flow_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"{value} is not a CloudWatch Logs retention period; use one of {LOG_RETENTION_DAYS}"
            )
        return value

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
    query_log_retention_days: int = 365
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

    @field_validator("query_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"{value} is not a CloudWatch Logs retention period; use one of {LOG_RETENTION_DAYS}"
            )
        return value


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


class DatabaseSettings(_Model):
    """RDS for PostgreSQL with PostGIS (`components.postgis`, ADR 0010)."""

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
    profile (on in prod; ADR 0010)."""
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


def _tier_rules(tier: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Cross-field rules of a tier, checked on the raw values so they report alongside
    every other problem (not only once the rest is valid)."""
    raw = values.get("network")
    network: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    zones = _zone_rules(tier, values.get("region"), network)
    database = _database_rules(tier, values)
    if tier != "prod":
        return zones + database
    problems = []
    if network.get("azCount") != 3:
        problems.append(
            ("network.azCount", f"prod needs 3 availability zones, not {network.get('azCount')}")
        )
    if network.get("natGateways") != "per-az":
        problems.append(
            ("network.natGateways", "prod cannot turn off multi-AZ egress: set it to per-az")
        )
    if values.get("protectStatefulResources") is not True:
        problems.append(
            ("protectStatefulResources", "prod must protect stateful resources: set it to true")
        )
    return zones + database + [(f"{NAMESPACE}:{key}", message) for key, message in problems]


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
    problems = _tier_rules(tier, merged)
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
