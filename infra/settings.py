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

from components import cidr, eks_spec
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
    log_retention_days: int = 365
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

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"{value} is not a CloudWatch Logs retention period; use one of {LOG_RETENTION_DAYS}"
            )
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
    container_log_retention_days: int = 365
    """Retention of the container logs. Default from the profile."""

    @field_validator("prometheus_workspace_id")
    @classmethod
    def _workspace(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^ws-[0-9a-f-]{8,}$", value):
            raise ValueError(f"{value!r} is not a workspace id (ws-...)")
        return value

    @field_validator("container_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"{value} is not a CloudWatch Logs retention period; use one of {LOG_RETENTION_DAYS}"
            )
        return value


class FargateSettings(_Model):
    """The optional ECS Fargate cluster for lightweight tasks (`components.fargate`)."""

    enabled: bool = False
    """Default: off in every tier."""
    spot_weight: int = Field(default=0, ge=0, le=10)
    """Tasks on FARGATE_SPOT per task on FARGATE. Default 0."""


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
    eks: EksSettings = EksSettings()
    workloads: WorkloadsSettings = WorkloadsSettings()
    cluster_services: ClusterServicesSettings = ClusterServicesSettings()
    fargate: FargateSettings = FargateSettings()

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
    if values.get("protectStatefulResources") is not True:
        problems.append(
            ("protectStatefulResources", "prod must protect stateful resources: set it to true")
        )
    return zones + [(f"{NAMESPACE}:{key}", message) for key, message in problems]


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
