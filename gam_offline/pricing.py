"""What one recorded resource costs a month: one pricer per AWS resource type.

A pricer reads the resource's inputs (plain values, camelCase as the engine records them)
and returns its charges: hourly or monthly ones the program fixes (`fixed`), and ones that
depend on the usage file (`usage`). Types that carry no charge are listed in the price
file's `free` section instead. A pricer raises `Unpriceable` when it cannot price what it
sees (an instance type missing from the price table, an engine it does not know): the
resource is then reported as unpriced, never as free.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from gam_offline.pricebook import PriceBook
from gam_offline.usage import Usage

Inputs = Mapping[str, Any]


class Unpriceable(ValueError):
    """The pricer cannot price this resource; the message says why."""


@dataclass(frozen=True)
class Charge:
    """`count` x `what` x `per` `unit` x `usd`, e.g. 3 x NAT gateway x 730 h x $0.048."""

    what: str
    count: float
    per: float
    unit: str
    usd: float
    usage: bool = False

    @property
    def monthly(self) -> float:
        return self.count * self.per * self.usd

    @property
    def basis(self) -> str:
        price = f"${self.usd:g}"
        if self.usage:
            quantity = f"{_number(self.per)} x {self.unit}" if self.unit[:1].isdigit() else None
            quantity = quantity or f"{_number(self.per)} {self.unit}"
            sign = "-" if self.count < 0 else ""
            return f"{self.what}: {sign}{quantity} x {price}"
        if self.per == 1:
            return f"{_number(self.count)} x {self.what} x {price}/{self.unit}"
        return f"{_number(self.count)} x {self.what} x {_number(self.per)} {self.unit} x {price}"


def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Facts:
    """What pricing one resource needs to know about the rest of the stack."""

    nat_gateways: int = 0
    firewall_endpoints: int = 0
    firewalls: int = 0
    interface_endpoints: int = 0
    internet_gateways: int = 0
    transit_gateway_attachments: int = 0
    launch_template_volumes: Mapping[str, float] = field(default_factory=dict)
    """Root volume GB by launch template id: a node group on a launch template of its own
    takes its disk from there, not from `diskSize`."""
    database_classes: tuple[tuple[str, str], ...] = ()
    """(identifier, instance class) of each RDS instance, for what is priced by its size."""


@dataclass(frozen=True)
class Context:
    book: PriceBook
    usage: Usage
    facts: Facts
    name: str
    """The resource's name, for its usage overrides."""
    section: str | None = None

    @property
    def hours(self) -> float:
        return self.book.hours_per_month

    def use(self) -> Any:
        """The resource's usage section, its overrides applied."""
        assert self.section, "this type reads no usage"
        return self.usage.section(self.section, self.name)

    def stack_use(self, section: str) -> Any:
        return self.usage.section(section)

    def hourly(self, key: str, what: str, count: float = 1) -> Charge:
        price = self.book.price(key)
        return Charge(what, count, self.hours, price.unit, price.usd)

    def monthly(self, key: str, what: str, count: float = 1) -> Charge:
        price = self.book.price(key)
        return Charge(what, count, 1, price.unit, price.usd)

    def measured(self, key: str, what: str, quantity: float, scale: float = 1) -> Charge:
        """A usage-driven charge: `quantity` (in the usage file's unit) / `scale` price units."""
        price = self.book.price(key)
        sign = -1 if quantity < 0 else 1
        return Charge(what, sign, abs(quantity) / scale, price.unit, price.usd, usage=True)

    def rated(self, table: str, name: str, what: str, count: float = 1) -> Charge:
        try:
            usd = self.book.rate(table, name)
        except KeyError as error:
            raise Unpriceable(error.args[0]) from None
        return Charge(f"{what} {name}", count, self.hours, self.book.tables[table].unit, usd)


Pricer = Callable[[Inputs, Context], list[Charge]]


@dataclass(frozen=True)
class Registration:
    price: Pricer
    section: str | None
    """The usage section the type reads (None: none)."""


PRICERS: dict[str, Registration] = {}


def pricer(type_: str, usage: str | None = None) -> Callable[[Pricer], Pricer]:
    def register(function: Pricer) -> Pricer:
        assert type_ not in PRICERS, f"{type_} priced twice"
        PRICERS[type_] = Registration(function, usage)
        return function

    return register


def _number_input(inputs: Inputs, key: str, default: float = 0) -> float:
    value = inputs.get(key)
    return default if value is None else float(value)


def _share(total: float, parts: int) -> float:
    return total / parts if parts else total


# --- networking ------------------------------------------------------------------------


@pricer("aws:ec2/natGateway:NatGateway", usage="egress")
def _nat_gateway(inputs: Inputs, ctx: Context) -> list[Charge]:
    """Hours and its share of the egress. With Network Firewall, AWS waives NAT gateway
    hours and GB one-to-one with the firewall's endpoint hours and GB."""
    gb = _share(ctx.stack_use("egress").internet_gb, ctx.facts.nat_gateways)
    charges = [
        ctx.hourly("vpc.natGateway.hour", "NAT gateway"),
        ctx.measured("vpc.natGateway.gb", "NAT data processed", gb),
    ]
    endpoints = ctx.facts.firewall_endpoints
    if endpoints:
        waived = min(1.0, endpoints / max(ctx.facts.nat_gateways, 1))
        charges += [
            ctx.hourly("vpc.natGateway.hour", "NAT gateway waived with the firewall", -waived),
            ctx.measured("vpc.natGateway.gb", "NAT data waived with the firewall", -gb),
        ]
    return charges


@pricer("aws:ec2/eip:Eip")
def _eip(inputs: Inputs, ctx: Context) -> list[Charge]:
    return [ctx.hourly("vpc.publicIpv4.hour", "public IPv4 address")]


@pricer("aws:ec2/internetGateway:InternetGateway", usage="egress")
def _internet_gateway(inputs: Inputs, ctx: Context) -> list[Charge]:
    """No charge of its own; the data transfer out to the internet leaves through it."""
    gb = _share(ctx.stack_use("egress").internet_out_gb, ctx.facts.internet_gateways)
    return [ctx.measured("ec2.dataTransferOut.gb", "data transfer out to the internet", gb)]


@pricer("aws:ec2/vpcEndpoint:VpcEndpoint", usage="egress")
def _vpc_endpoint(inputs: Inputs, ctx: Context) -> list[Charge]:
    kind = inputs.get("vpcEndpointType") or "Gateway"
    if kind == "Gateway":
        return [ctx.hourly("vpc.gatewayEndpoint.hour", "gateway endpoint")]
    if kind != "Interface":
        raise Unpriceable(f"{kind} endpoints are not priced yet")
    azs = len(inputs.get("subnetIds") or [])
    if not azs:
        raise Unpriceable("an interface endpoint without subnetIds")
    gb = _share(ctx.stack_use("egress").aws_services_gb, ctx.facts.interface_endpoints)
    return [
        ctx.hourly("vpc.interfaceEndpoint.azHour", "interface endpoint AZ", azs),
        ctx.measured("vpc.interfaceEndpoint.gb", "endpoint data processed", gb),
    ]


@pricer("aws:networkfirewall/firewall:Firewall", usage="egress")
def _firewall(inputs: Inputs, ctx: Context) -> list[Charge]:
    endpoints = len(inputs.get("subnetMappings") or [])
    if not endpoints:
        raise Unpriceable("a firewall without subnetMappings")
    gb = _share(ctx.stack_use("egress").internet_gb, ctx.facts.firewalls)
    return [
        ctx.hourly("networkFirewall.endpoint.hour", "firewall endpoint", endpoints),
        ctx.measured("networkFirewall.gb", "firewall data processed", gb),
    ]


@pricer("aws:ec2transitgateway/vpcAttachment:VpcAttachment", usage="egress")
def _tgw_attachment(inputs: Inputs, ctx: Context) -> list[Charge]:
    gb = _share(ctx.stack_use("egress").transit_gateway_gb, ctx.facts.transit_gateway_attachments)
    return [
        ctx.hourly("vpc.transitGatewayAttachment.hour", "transit gateway attachment"),
        ctx.measured("vpc.transitGateway.gb", "transit gateway data processed", gb),
    ]


@pricer("aws:lb/loadBalancer:LoadBalancer", usage="loadBalancer")
def _load_balancer(inputs: Inputs, ctx: Context) -> list[Charge]:
    kind = inputs.get("loadBalancerType") or "application"
    short = {"application": "alb", "network": "nlb"}.get(kind)
    if short is None:
        raise Unpriceable(f"{kind} load balancers are not priced yet")
    units = ctx.use().capacity_units * ctx.hours
    return [
        ctx.hourly(f"elb.{short}.hour", f"{kind} load balancer"),
        ctx.measured(f"elb.{short}.lcuHour", "capacity unit hours", units),
    ]


@pricer("aws:route53/zone:Zone", usage="route53Zone")
def _zone(inputs: Inputs, ctx: Context) -> list[Charge]:
    return [
        ctx.monthly("route53.zone.month", "hosted zone"),
        ctx.measured("route53.queries.million", "DNS queries", ctx.use().queries, 1e6),
    ]


@pricer("aws:cloudfront/distribution:Distribution", usage="cloudfront")
def _distribution(inputs: Inputs, ctx: Context) -> list[Charge]:
    use = ctx.use()
    return [
        ctx.measured("cloudfront.dataOut.gb", "data to viewers", use.data_out_gb),
        ctx.measured("cloudfront.https.10k", "HTTPS requests", use.https_requests, 1e4),
    ]


@pricer("aws:cloudfront/function:Function", usage="cloudfrontFunction")
def _cloudfront_function(inputs: Inputs, ctx: Context) -> list[Charge]:
    invocations = ctx.use().requests
    return [ctx.measured("cloudfront.functions.million", "invocations", invocations, 1e6)]


@pricer("aws:cloudwatch/logDelivery:LogDelivery", usage="logDelivery")
def _log_delivery(inputs: Inputs, ctx: Context) -> list[Charge]:
    return [ctx.measured("logs.vendedToS3.gb", "logs delivered to S3", ctx.use().delivered_gb)]


@pricer("aws:wafv2/webAcl:WebAcl", usage="wafWebAcl")
def _web_acl(inputs: Inputs, ctx: Context) -> list[Charge]:
    rules = len(inputs.get("rules") or [])
    return [
        ctx.monthly("waf.webAcl.month", "web ACL"),
        ctx.monthly("waf.rule.month", "rule", rules),
        ctx.measured("waf.requests.million", "requests inspected", ctx.use().requests, 1e6),
    ]


@pricer("aws:apigatewayv2/api:Api", usage="httpApi")
def _http_api(inputs: Inputs, ctx: Context) -> list[Charge]:
    if inputs.get("protocolType") != "HTTP":
        raise Unpriceable(f"{inputs.get('protocolType')} APIs are not priced yet")
    return [ctx.measured("apigateway.http.million", "HTTP API requests", ctx.use().requests, 1e6)]


# --- security, identity, secrets ------------------------------------------------------


@pricer(
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation",
    usage="dnsFirewall",
)
def _dns_firewall(inputs: Inputs, ctx: Context) -> list[Charge]:
    """Queries judged by the rule group on this VPC (AWS managed domain lists are free)."""
    queries = ctx.use().queries
    return [
        ctx.measured("route53Resolver.dnsFirewall.million", "DNS Firewall queries", queries, 1e6)
    ]


@pricer("aws:kms/key:Key", usage="kmsKey")
def _kms_key(inputs: Inputs, ctx: Context) -> list[Charge]:
    return [
        ctx.monthly("kms.key.month", "KMS key"),
        ctx.measured("kms.requests.10k", "KMS requests", ctx.use().requests, 1e4),
    ]


@pricer("aws:secretsmanager/secret:Secret", usage="secret")
def _secret(inputs: Inputs, ctx: Context) -> list[Charge]:
    return [
        ctx.monthly("secretsManager.secret.month", "secret"),
        ctx.measured(
            "secretsManager.api.10k", "Secrets Manager API calls", ctx.use().api_calls, 1e4
        ),
    ]


COGNITO_FREE_MAUS = 10_000  # Lite and Essentials: the first 10,000 MAUs (cognito/pricing)


@pricer("aws:cognito/userPool:UserPool", usage="cognitoUserPool")
def _user_pool(inputs: Inputs, ctx: Context) -> list[Charge]:
    tier = str(inputs.get("userPoolTier") or "ESSENTIALS").lower()
    if tier not in ("lite", "essentials", "plus"):
        raise Unpriceable(f"user pool tier {tier!r}")
    users = ctx.use().monthly_active_users
    billed = users if tier == "plus" else max(0.0, users - COGNITO_FREE_MAUS)
    return [ctx.measured(f"cognito.{tier}.mau", f"{tier} MAUs beyond the free ones", billed)]


@pricer("aws:appconfig/configurationProfile:ConfigurationProfile", usage="appConfigProfile")
def _appconfig_profile(inputs: Inputs, ctx: Context) -> list[Charge]:
    """AppConfig charges reads, not applications, environments or profiles."""
    use = ctx.use()
    return [
        ctx.measured("appconfig.requests.million", "configuration requests", use.requests, 1e6),
        ctx.measured("appconfig.received", "configurations received", use.configurations_received),
    ]


# --- observability ---------------------------------------------------------------------


@pricer("aws:cloudwatch/logGroup:LogGroup", usage="logGroup")
def _log_group(inputs: Inputs, ctx: Context) -> list[Charge]:
    use = ctx.use()
    days = _number_input(inputs, "retentionInDays") or 365
    stored = use.stored_gb if use.stored_gb is not None else use.ingestion_gb * days * 12 / 365
    return [
        ctx.measured("logs.ingestion.gb", "logs ingested", use.ingestion_gb),
        ctx.measured("logs.storage.gbMonth", "logs stored", stored),
    ]


@pricer("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(inputs: Inputs, ctx: Context) -> list[Charge]:
    if _number_input(inputs, "period", 60) < 60:
        raise Unpriceable("high-resolution alarms are not priced yet")
    return [ctx.monthly("cloudwatch.alarm.month", "alarm")]


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")


@pricer("aws:synthetics/canary:Canary", usage="canary")
def _canary(inputs: Inputs, ctx: Context) -> list[Charge]:
    runs = ctx.use().runs
    if runs is None and not inputs.get("startCanary"):
        runs = 0  # Synthetics creates a canary stopped unless `startCanary` is set
    if runs is None:
        expression = str((inputs.get("schedule") or {}).get("expression") or "")
        match = _RATE.match(expression)
        if not match:
            raise Unpriceable(f"schedule {expression!r}: set canary.runs in the usage file")
        every, unit = int(match.group(1)), match.group(2)
        minutes = every * (60 if unit.startswith("hour") else 1)
        runs = ctx.hours * 60 / minutes if minutes else 1
    return [ctx.measured("synthetics.run", "canary runs", runs)]


_ISO_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


def action_minutes(actions: Any) -> float:
    """Billed minutes of one run of an FIS template: its actions' `duration` parameters
    (ISO 8601, `PT10M`), at least one minute each; an action without one (a termination,
    a reboot, a pod deletion) counts one minute. Actions are summed as if run in
    sequence: an upper bound when some run in parallel."""
    total = 0.0
    for action in actions or []:
        duration = next(
            (p.get("value") for p in action.get("parameters") or [] if p.get("key") == "duration"),
            None,
        )
        minutes = 1.0
        if duration is not None:
            match = _ISO_DURATION.match(str(duration))
            if not match or not any(match.groups()):
                raise Unpriceable(f"action duration {duration!r} is not PT<h>H<m>M<s>S")
            hours, mins, secs = (int(g or 0) for g in match.groups())
            minutes = max(1.0, hours * 60 + mins + secs / 60)
        total += minutes
    return total


@pricer("aws:fis/experimentTemplate:ExperimentTemplate", usage="fisExperiment")
def _fis_template(inputs: Inputs, ctx: Context) -> list[Charge]:
    """A template is free; each experiment started from it is billed by action-minute."""
    use = ctx.use()
    minutes = action_minutes(inputs.get("actions")) * use.runs
    return [ctx.measured("fis.actionMinute", "FIS action-minutes", minutes)]


@pricer("aws:amp/workspace:Workspace", usage="prometheusWorkspace")
def _prometheus(inputs: Inputs, ctx: Context) -> list[Charge]:
    use = ctx.use()
    return [
        ctx.measured("amp.ingestion.10m", "samples ingested", use.samples, 1e7),
        ctx.measured("amp.storage.gbMonth", "metrics stored", use.storage_gb),
    ]


_RANGE = re.compile(r"\[(\d+)([smhd])\]")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RECORDED = re.compile(r"\b[a-z_]+:[a-z_:]+\w*\{")


def _interval_seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+)([smhd])", text)
    if not match:
        raise Unpriceable(f"rule group interval {text!r} is not a duration such as 1m")
    return int(match.group(1)) * _SECONDS[match.group(2)]


@pricer("aws:amp/ruleGroupNamespace:RuleGroupNamespace", usage="prometheusRules")
def _prometheus_rules(inputs: Inputs, ctx: Context) -> list[Charge]:
    """Rule evaluation is billed as query samples processed: per evaluation, each range
    selector reads its series' samples over the range (recorded `a:b:c` series at the
    group's interval, raw series at the scrape interval), each instant selector one."""
    use = ctx.use()
    try:
        document = yaml.safe_load(str(inputs.get("data") or "")) or {}
        groups = list(document.get("groups") or [])
    except (yaml.YAMLError, AttributeError) as error:
        raise Unpriceable(f"the namespace's data is not a rule file ({error})") from None
    samples = 0.0
    for group in groups:
        interval = _interval_seconds(str(group.get("interval") or "1m"))
        evaluations = ctx.hours * 3600 / interval
        for rule in group.get("rules") or []:
            expr = str(rule.get("expr") or "")
            recorded = bool(_RECORDED.search(expr))
            step = interval if recorded else use.scrape_interval_seconds
            series = 1 if recorded else use.series_per_selector
            ranges = [int(n) * _SECONDS[u] for n, u in _RANGE.findall(expr)]
            per_evaluation = sum(series * seconds / step for seconds in ranges) or series
            samples += per_evaluation * evaluations
    return [ctx.measured("amp.query.billion", "rule samples processed", samples, 1e9)]


@pricer("aws:grafana/workspace:Workspace", usage="grafanaWorkspace")
def _grafana(inputs: Inputs, ctx: Context) -> list[Charge]:
    use = ctx.use()
    return [
        ctx.measured("grafana.editor.month", "Grafana editors", use.editors),
        ctx.measured("grafana.viewer.month", "Grafana viewers", use.viewers),
    ]


@pricer("aws:xray/samplingRule:SamplingRule", usage="xraySampling")
def _xray_sampling(inputs: Inputs, ctx: Context) -> list[Charge]:
    return [ctx.measured("xray.traces.million", "traces recorded", ctx.use().traces, 1e6)]


# --- compute and storage ---------------------------------------------------------------


@pricer("aws:eks/cluster:Cluster", usage="eksCluster")
def _eks_cluster(inputs: Inputs, ctx: Context) -> list[Charge]:
    """Support type STANDARD never costs more than the standard rate: EKS upgrades the
    cluster when standard support ends. Anything else (EXTENDED, or unset, which AWS
    treats as EXTENDED) is priced at the extended rate: what the cluster costs once its
    version leaves standard support, the upper bound a budget must allow for."""
    support = (inputs.get("upgradePolicy") or {}).get("supportType") or "unset, so EXTENDED"
    if support == "STANDARD" and not ctx.use().extended_support:
        return [ctx.hourly("eks.cluster.hour", "EKS cluster (support type STANDARD)")]
    return [ctx.hourly("eks.clusterExtended.hour", f"EKS cluster (support type {support})")]


def _gp3(
    ctx: Context, size: float, count: float, iops: float = 0, throughput: float = 0
) -> list[Charge]:
    """EBS gp3: GB-months, and IOPS and throughput above the free 3,000 and 125 MiB/s."""
    charges = [ctx.monthly("ebs.gp3.gbMonth", "GB of gp3", count * size)]
    if iops > 3000:
        charges.append(
            ctx.monthly("ebs.gp3.iopsMonth", "gp3 IOPS above 3,000", count * (iops - 3000))
        )
    if throughput > 125:
        charges.append(
            ctx.monthly(
                "ebs.gp3.throughputMonth", "gp3 MiB/s above 125", count * (throughput - 125)
            )
        )
    return charges


CODEBUILD_COMPUTE = {
    "BUILD_GENERAL1_SMALL": "small",
    "BUILD_GENERAL1_MEDIUM": "medium",
    "BUILD_GENERAL1_LARGE": "large",
}


@pricer("aws:codebuild/project:Project", usage="codebuildProject")
def _codebuild_project(inputs: Inputs, ctx: Context) -> list[Charge]:
    """Build minutes at the compute type's rate; nothing while no build runs."""
    environment = inputs.get("environment") or {}
    compute = str(environment.get("computeType") or "")
    if environment.get("type") != "LINUX_CONTAINER" or compute not in CODEBUILD_COMPUTE:
        raise Unpriceable(f"CodeBuild {environment.get('type')} {compute} is not priced yet")
    size = CODEBUILD_COMPUTE[compute]
    return [
        ctx.measured(
            f"codebuild.general1.{size}.minute", f"{size} build minutes", ctx.use().build_minutes
        )
    ]


@pricer("aws:ebs/volume:Volume")
def _volume(inputs: Inputs, ctx: Context) -> list[Charge]:
    kind = inputs.get("type") or "gp2"
    size = _number_input(inputs, "size")
    if kind == "gp2":
        return [ctx.monthly("ebs.gp2.gbMonth", "GB of gp2", size)]
    if kind != "gp3":
        raise Unpriceable(f"EBS {kind} volumes are not priced yet")
    iops, throughput = _number_input(inputs, "iops"), _number_input(inputs, "throughput")
    return _gp3(ctx, size, 1, iops, throughput)


@pricer("aws:ec2/instance:Instance")
def _instance(inputs: Inputs, ctx: Context) -> list[Charge]:
    root = inputs.get("rootBlockDevice") or {}
    if (root.get("volumeType") or "gp3") != "gp3":
        raise Unpriceable(f"root volume type {root.get('volumeType')} is not priced yet")
    charges = [ctx.rated("ec2.instance", str(inputs.get("instanceType")), "EC2")]
    return charges + _gp3(ctx, float(root.get("volumeSize") or 8), 1)


@pricer("aws:eks/nodeGroup:NodeGroup")
def _node_group(inputs: Inputs, ctx: Context) -> list[Charge]:
    """The desired size of on-demand nodes of the first instance type, with their root
    volumes (gp3). Spot nodes are priced on demand: an upper bound."""
    types = inputs.get("instanceTypes") or ["t3.medium"]  # AWS's default
    nodes = float((inputs.get("scalingConfig") or {}).get("desiredSize") or 0)
    what = "EC2 spot (on-demand price)" if inputs.get("capacityType") == "SPOT" else "EC2"
    template = str((inputs.get("launchTemplate") or {}).get("id") or "")
    disk = ctx.facts.launch_template_volumes.get(template) or _number_input(inputs, "diskSize", 20)
    return [ctx.rated("ec2.instance", str(types[0]), what, nodes), *_gp3(ctx, disk, nodes)]


@pricer("aws:s3/bucket:Bucket", usage="s3Bucket")
def _bucket(inputs: Inputs, ctx: Context) -> list[Charge]:
    use = ctx.use()
    return [
        ctx.measured("s3.standard.gbMonth", "S3 Standard", use.standard_gb),
        ctx.measured("s3.standardIa.gbMonth", "S3 Standard-IA", use.standard_ia_gb),
        ctx.measured("s3.glacierIr.gbMonth", "S3 Glacier Instant Retrieval", use.glacier_ir_gb),
        ctx.measured("s3.put.1k", "PUT/LIST requests", use.put_requests, 1e3),
        ctx.measured("s3.get.1k", "GET requests", use.get_requests, 1e3),
    ]


@pricer("aws:s3/bucketReplicationConfig:BucketReplicationConfig", usage="s3Replication")
def _bucket_replication(inputs: Inputs, ctx: Context) -> list[Charge]:
    """Cross-region replication: the transfer to the other region and the replicas' PUTs
    (their storage is priced on the replica buckets)."""
    use = ctx.use()
    return [
        ctx.measured("s3.replication.gb", "GB replicated to another region", use.replicated_gb),
        ctx.measured("s3.put.1k", "replica PUT requests", use.objects, 1e3),
    ]


@pricer("aws:s3/inventory:Inventory", usage="s3Inventory")
def _bucket_inventory(inputs: Inputs, ctx: Context) -> list[Charge]:
    frequency = (inputs.get("schedule") or {}).get("frequency")
    reports = {"Daily": ctx.hours / 24, "Weekly": ctx.hours / (24 * 7)}.get(str(frequency))
    if reports is None:
        raise Unpriceable(f"inventory frequency {frequency!r}")
    listed = reports * ctx.use().objects
    return [ctx.measured("s3.inventory.million", "objects listed", listed, 1e6)]


@pricer("aws:ecr/repository:Repository", usage="ecrRepository")
def _repository(inputs: Inputs, ctx: Context) -> list[Charge]:
    return [ctx.measured("ecr.storage.gbMonth", "images stored", ctx.use().storage_gb)]


@pricer("aws:backup/vault:Vault", usage="backupVault")
def _backup_vault(inputs: Inputs, ctx: Context) -> list[Charge]:
    return [ctx.measured("backup.storage.gbMonth", "backups stored", ctx.use().storage_gb)]


# --- databases, caches, search, messaging ---------------------------------------------

FREE_INSIGHTS_DAYS = 7  # Performance Insights: the last 7 days are free


def vcpus(instance_class: str) -> int:
    """vCPUs of an instance class by its size: burstable micro to large and `large` 2,
    `xlarge` 4, `Nxlarge` 4N."""
    size = instance_class.rsplit(".", 1)[-1]
    if size in ("micro", "small", "medium", "large"):
        return 2
    match = re.fullmatch(r"(\d*)xlarge", size)
    if not match:
        raise Unpriceable(f"the size of {instance_class!r}")
    return 4 * int(match.group(1) or 1)


@pricer("aws:rds/instance:Instance", usage="rdsInstance")
def _db_instance(inputs: Inputs, ctx: Context) -> list[Charge]:
    """PostgreSQL: the instance (twice with a Multi-AZ standby), gp3 storage and its IOPS
    and throughput above the baseline, Performance Insights beyond 7 days, backups."""
    engine = str(inputs.get("engine") or "")
    if not engine.startswith("postgres"):
        raise Unpriceable(f"engine {engine!r}: only PostgreSQL is priced")
    storage_type = inputs.get("storageType") or "gp3"
    if storage_type not in ("gp2", "gp3"):
        raise Unpriceable(f"RDS {storage_type} storage is not priced yet")
    copies = 2 if inputs.get("multiAz") else 1
    klass = str(inputs.get("instanceClass"))
    size = _number_input(inputs, "allocatedStorage")
    charges = [
        ctx.rated("rds.postgres", klass, "RDS", copies),
        ctx.monthly("rds.gp3.gbMonth", "GB of storage", copies * size),
    ]
    base_iops, base_throughput = (12000, 500) if size >= 400 else (3000, 125)
    iops, throughput = _number_input(inputs, "iops"), _number_input(inputs, "storageThroughput")
    if storage_type == "gp3" and iops > base_iops:
        charges.append(
            ctx.monthly("rds.gp3.iopsMonth", "IOPS above baseline", copies * (iops - base_iops))
        )
    if storage_type == "gp3" and throughput > base_throughput:
        extra = copies * (throughput - base_throughput)
        charges.append(ctx.monthly("rds.gp3.throughputMonth", "MiB/s above baseline", extra))
    retention = _number_input(inputs, "performanceInsightsRetentionPeriod", FREE_INSIGHTS_DAYS)
    if inputs.get("performanceInsightsEnabled") and retention > FREE_INSIGHTS_DAYS:
        charges.append(
            ctx.hourly("rds.insights.vcpuHour", "vCPU of insights retention", copies * vcpus(klass))
        )
    charges.append(
        ctx.measured("rds.backup.gbMonth", "backup beyond the free", ctx.use().backup_gb)
    )
    if inputs.get("manageMasterUserPassword"):
        charges.append(ctx.monthly("secretsManager.secret.month", "RDS-managed master secret"))
    return charges


PROXY_MINIMUM_VCPUS = 2  # RDS Proxy bills at least 2 vCPUs per target instance


@pricer("aws:rds/proxyTarget:ProxyTarget")
def _proxy_target(inputs: Inputs, ctx: Context) -> list[Charge]:
    """RDS Proxy bills per vCPU of the instances behind it (at least 2), per hour."""
    identifier = str(inputs.get("dbInstanceIdentifier"))
    classes = dict(ctx.facts.database_classes)
    if identifier not in classes:
        raise Unpriceable(f"the proxy's target {identifier!r} is not an RDS instance of the stack")
    count = max(PROXY_MINIMUM_VCPUS, vcpus(classes[identifier]))
    return [ctx.hourly("rds.proxy.vcpuHour", "RDS Proxy vCPU", count)]


@pricer(
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
    usage="rdsBackupReplication",
)
def _backups_replication(inputs: Inputs, ctx: Context) -> list[Charge]:
    """Replicated automated backups: all stored in the DR region (no free allowance there,
    priced at this region's backup rate) and the data copied across regions."""
    use = ctx.use()
    return [
        ctx.measured("rds.backup.gbMonth", "replicated backups stored", use.stored_gb),
        ctx.measured("rds.crossRegion.gb", "backup data copied to the DR region", use.transfer_gb),
    ]


def _cache_table(inputs: Inputs) -> str:
    engine = str(inputs.get("engine") or "redis")
    if engine not in ("redis", "valkey"):
        raise Unpriceable(f"ElastiCache engine {engine!r} is not priced yet")
    return f"elasticache.{engine}"


@pricer("aws:elasticache/replicationGroup:ReplicationGroup")
def _replication_group(inputs: Inputs, ctx: Context) -> list[Charge]:
    if inputs.get("numNodeGroups"):
        shards = _number_input(inputs, "numNodeGroups")
        nodes = shards * (_number_input(inputs, "replicasPerNodeGroup") + 1)
    else:
        nodes = _number_input(inputs, "numCacheClusters", 1)
    node_type = str(inputs.get("nodeType"))
    return [ctx.rated(_cache_table(inputs), node_type, "ElastiCache node", nodes)]


@pricer("aws:elasticache/cluster:Cluster")
def _cache_cluster(inputs: Inputs, ctx: Context) -> list[Charge]:
    nodes = _number_input(inputs, "numCacheNodes", 1)
    node_type = str(inputs.get("nodeType"))
    return [ctx.rated(_cache_table(inputs), node_type, "ElastiCache node", nodes)]


@pricer("aws:opensearch/domain:Domain")
def _search_domain(inputs: Inputs, ctx: Context) -> list[Charge]:
    cluster = inputs.get("clusterConfig") or {}
    nodes = float(cluster.get("instanceCount") or 1)
    charges = [
        ctx.rated("opensearch.instance", str(cluster.get("instanceType")), "OpenSearch", nodes)
    ]
    if cluster.get("dedicatedMasterEnabled"):
        masters = float(cluster.get("dedicatedMasterCount") or 3)
        master_type = str(cluster.get("dedicatedMasterType"))
        charges.append(ctx.rated("opensearch.instance", master_type, "OpenSearch master", masters))
    ebs = inputs.get("ebsOptions") or {}
    if ebs.get("ebsEnabled"):
        if (ebs.get("volumeType") or "gp3") != "gp3":
            raise Unpriceable(f"OpenSearch {ebs.get('volumeType')} volumes are not priced yet")
        gb = nodes * float(ebs.get("volumeSize") or 10)
        charges.append(ctx.monthly("opensearch.gp3.gbMonth", "GB of gp3", gb))
    return charges


@pricer("aws:sqs/queue:Queue", usage="sqsQueue")
def _queue(inputs: Inputs, ctx: Context) -> list[Charge]:
    kind = "fifo" if inputs.get("fifoQueue") else "standard"
    return [ctx.measured(f"sqs.{kind}.million", f"SQS {kind} requests", ctx.use().requests, 1e6)]


@pricer("aws:sns/topic:Topic", usage="snsTopic")
def _topic(inputs: Inputs, ctx: Context) -> list[Charge]:
    if inputs.get("fifoTopic"):
        raise Unpriceable("FIFO topics are not priced yet")
    return [ctx.measured("sns.publish.million", "SNS publishes", ctx.use().publishes, 1e6)]


def usage_section(type_: str) -> str | None:
    registration = PRICERS.get(type_)
    return registration.section if registration else None


def price(type_: str, inputs: Inputs, ctx: Context) -> list[Charge]:
    """The charges of one resource; KeyError when its type has no pricer."""
    return PRICERS[type_].price(inputs, ctx)


def context(book: PriceBook, usage: Usage, facts: Facts, type_: str, name: str) -> Context:
    return Context(book, usage, facts, name, usage_section(type_))
