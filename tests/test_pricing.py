"""The arithmetic of each resource type's price, on plain inputs, usage and prices."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gam_offline import pricebook, pricing
from gam_offline.pricing import Charge, Facts, Unpriceable
from gam_offline.usage import parse as parse_usage

BOOK = pricebook.load("eu-west-1")
H = BOOK.hours_per_month
NO_FACTS = Facts()


RULE_FILE = """
groups:
- name: slo-x-sli
  interval: 1m
  rules:
  - record: slo:sli_error:ratio_rate5m
    expr: 1 - (sum(rate(ok_total[5m])) / sum(rate(ok_total[5m]) + 0))
  - record: slo:error_budget:remaining
    expr: 1 - (avg_over_time(slo:sli_error:ratio_rate5m{slo="x"}[30d]) / 0.01)
  - alert: XBurn
    expr: slo:sli_error:ratio_rate5m{slo="x"} > 0.144
"""


def p(key: str) -> float:
    return BOOK.price(key).usd


def rate(table: str, name: str) -> float:
    return BOOK.rate(table, name)


def charges(
    type_: str,
    inputs: dict[str, Any] | None = None,
    usage: dict[str, Any] | None = None,
    facts: Facts = NO_FACTS,
    name: str = "r",
) -> list[Charge]:
    ctx = pricing.context(BOOK, parse_usage(usage), facts, type_, name)
    return pricing.price(type_, inputs or {}, ctx)


def split(found: list[Charge]) -> tuple[float, float]:
    fixed = sum(c.monthly for c in found if not c.usage)
    return round(fixed, 6), round(sum(c.monthly for c in found if c.usage), 6)


# (type, inputs, usage, facts, fixed a month, usage a month)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], Facts, float, float]] = [
    (
        "aws:ec2/natGateway:NatGateway",
        {},
        {"egress": {"internetGb": 90}},
        Facts(nat_gateways=3),
        H * p("vpc.natGateway.hour"),
        30 * p("vpc.natGateway.gb"),
    ),
    ("aws:ec2/eip:Eip", {"domain": "vpc"}, {}, Facts(), H * p("vpc.publicIpv4.hour"), 0),
    (
        "aws:ec2/internetGateway:InternetGateway",
        {},
        {"egress": {"internetOutGb": 40}},
        Facts(internet_gateways=1),
        0,
        40 * p("ec2.dataTransferOut.gb"),
    ),
    (
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        {"vpcEndpointType": "Interface", "subnetIds": ["a", "b", "c"]},
        {"egress": {"awsServicesGb": 70}},
        Facts(interface_endpoints=7),
        3 * H * p("vpc.interfaceEndpoint.azHour"),
        10 * p("vpc.interfaceEndpoint.gb"),
    ),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", {"vpcEndpointType": "Gateway"}, {}, Facts(), 0, 0),
    (
        "aws:networkfirewall/firewall:Firewall",
        {"subnetMappings": [{"subnetId": "a"}, {"subnetId": "b"}]},
        {"egress": {"internetGb": 100}},
        Facts(firewalls=1, firewall_endpoints=2),
        2 * H * p("networkFirewall.endpoint.hour"),
        100 * p("networkFirewall.gb"),
    ),
    (
        "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
        {},
        {"egress": {"transitGatewayGb": 50}},
        Facts(transit_gateway_attachments=1),
        H * p("vpc.transitGatewayAttachment.hour"),
        50 * p("vpc.transitGateway.gb"),
    ),
    (
        "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation",
        {"priority": 101},
        {"dnsFirewall": {"queries": 30_000_000}},
        Facts(),
        0.0,
        30 * p("route53Resolver.dnsFirewall.million"),
    ),
    (
        "aws:kms/key:Key",
        {},
        {"kmsKey": {"requests": 50_000}},
        Facts(),
        p("kms.key.month"),
        5 * p("kms.requests.10k"),
    ),
    (
        "aws:cloudwatch/logGroup:LogGroup",
        {"retentionInDays": 365},
        {"logGroup": {"ingestionGb": 10}},
        Facts(),
        0,
        10 * p("logs.ingestion.gb") + 120 * p("logs.storage.gbMonth"),
    ),
    (
        "aws:cloudwatch/logGroup:LogGroup",
        {"retentionInDays": 30},
        {"logGroup": {"ingestionGb": 10, "storedGb": 4}},
        Facts(),
        0,
        10 * p("logs.ingestion.gb") + 4 * p("logs.storage.gbMonth"),
    ),
    # STANDARD stays at the standard rate; EXTENDED, or unset (AWS's default), is priced
    # at the extended rate it reaches once the version leaves standard support
    (
        "aws:eks/cluster:Cluster",
        {"upgradePolicy": {"supportType": "STANDARD"}},
        {},
        Facts(),
        H * p("eks.cluster.hour"),
        0,
    ),
    (
        "aws:eks/cluster:Cluster",
        {"upgradePolicy": {"supportType": "EXTENDED"}},
        {},
        Facts(),
        H * p("eks.clusterExtended.hour"),
        0,
    ),
    ("aws:eks/cluster:Cluster", {}, {}, Facts(), H * p("eks.clusterExtended.hour"), 0),
    (
        "aws:eks/cluster:Cluster",
        {"upgradePolicy": {"supportType": "STANDARD"}},
        {"eksCluster": {"extendedSupport": True}},
        Facts(),
        H * p("eks.clusterExtended.hour"),
        0,
    ),
    # on a launch template of its own, the root volume's size comes from the template
    (
        "aws:eks/nodeGroup:NodeGroup",
        {
            "instanceTypes": ["t4g.large"],
            "scalingConfig": {"desiredSize": 2},
            "launchTemplate": {"id": "lt-1", "version": "1"},
        },
        {},
        Facts(launch_template_volumes={"lt-1": 80}),
        2 * H * rate("ec2.instance", "t4g.large") + 160 * p("ebs.gp3.gbMonth"),
        0,
    ),
    (
        "aws:eks/nodeGroup:NodeGroup",
        {"instanceTypes": ["m7g.large"], "scalingConfig": {"desiredSize": 3}, "diskSize": 50},
        {},
        Facts(),
        3 * H * rate("ec2.instance", "m7g.large") + 150 * p("ebs.gp3.gbMonth"),
        0,
    ),
    (
        "aws:ec2/instance:Instance",
        {"instanceType": "t4g.medium", "rootBlockDevice": {"volumeSize": 30}},
        {},
        Facts(),
        H * rate("ec2.instance", "t4g.medium") + 30 * p("ebs.gp3.gbMonth"),
        0,
    ),
    (
        "aws:ebs/volume:Volume",
        {"type": "gp3", "size": 100, "iops": 4000, "throughput": 250},
        {},
        Facts(),
        100 * p("ebs.gp3.gbMonth")
        + 1000 * p("ebs.gp3.iopsMonth")
        + 125 * p("ebs.gp3.throughputMonth"),
        0,
    ),
    (
        "aws:ebs/volume:Volume",
        {"type": "gp2", "size": 10},
        {},
        Facts(),
        10 * p("ebs.gp2.gbMonth"),
        0,
    ),
    (
        "aws:rds/instance:Instance",
        {
            "engine": "postgres",
            "instanceClass": "db.m7g.large",
            "multiAz": True,
            "allocatedStorage": 100,
            "storageType": "gp3",
            "iops": 3500,
            "performanceInsightsEnabled": True,
            "performanceInsightsRetentionPeriod": 31,
        },
        {"rdsInstance": {"backupGb": 20}},
        Facts(),
        2 * H * rate("rds.postgres", "db.m7g.large")
        + 200 * p("rds.gp3.gbMonth")
        + 2 * 500 * p("rds.gp3.iopsMonth")
        + 2 * 2 * H * p("rds.insights.vcpuHour"),
        20 * p("rds.backup.gbMonth"),
    ),
    (
        "aws:rds/instance:Instance",
        {"engine": "postgres", "instanceClass": "db.t4g.medium", "allocatedStorage": 20},
        {},
        Facts(),
        H * rate("rds.postgres", "db.t4g.medium") + 20 * p("rds.gp3.gbMonth"),
        0,
    ),
    (
        "aws:rds/instance:Instance",
        {
            "engine": "postgres",
            "instanceClass": "db.r7g.large",
            "allocatedStorage": 100,
            "manageMasterUserPassword": True,
        },
        {},
        Facts(),
        H * rate("rds.postgres", "db.r7g.large")
        + 100 * p("rds.gp3.gbMonth")
        + p("secretsManager.secret.month"),
        0,
    ),
    (
        "aws:rds/proxyTarget:ProxyTarget",
        {"dbInstanceIdentifier": "gam-prod-database"},
        {},
        Facts(database_classes=(("gam-prod-database", "db.r7g.2xlarge"),)),
        8 * H * p("rds.proxy.vcpuHour"),
        0,
    ),
    (
        "aws:rds/proxyTarget:ProxyTarget",
        {"dbInstanceIdentifier": "small"},
        {},
        Facts(database_classes=(("small", "db.t4g.micro"),)),
        2 * H * p("rds.proxy.vcpuHour"),
        0,
    ),
    (
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        {"retentionPeriod": 14},
        {"rdsBackupReplication": {"storedGb": 300, "transferGb": 40}},
        Facts(),
        0,
        300 * p("rds.backup.gbMonth") + 40 * p("rds.crossRegion.gb"),
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        {"engine": "valkey", "nodeType": "cache.t4g.small", "numCacheClusters": 2},
        {},
        Facts(),
        2 * H * rate("elasticache.valkey", "cache.t4g.small"),
        0,
    ),
    (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        {"nodeType": "cache.r7g.large", "numNodeGroups": 2, "replicasPerNodeGroup": 1},
        {},
        Facts(),
        4 * H * rate("elasticache.redis", "cache.r7g.large"),
        0,
    ),
    (
        "aws:elasticache/cluster:Cluster",
        {"engine": "redis", "nodeType": "cache.t4g.micro", "numCacheNodes": 1},
        {},
        Facts(),
        H * rate("elasticache.redis", "cache.t4g.micro"),
        0,
    ),
    (
        "aws:opensearch/domain:Domain",
        {
            "clusterConfig": {
                "instanceType": "r7g.large.search",
                "instanceCount": 3,
                "dedicatedMasterEnabled": True,
                "dedicatedMasterType": "m7g.large.search",
                "dedicatedMasterCount": 3,
            },
            "ebsOptions": {"ebsEnabled": True, "volumeType": "gp3", "volumeSize": 100},
        },
        {},
        Facts(),
        3 * H * rate("opensearch.instance", "r7g.large.search")
        + 3 * H * rate("opensearch.instance", "m7g.large.search")
        + 300 * p("opensearch.gp3.gbMonth"),
        0,
    ),
    (
        "aws:s3/bucket:Bucket",
        {},
        {
            "s3Bucket": {
                "standardGb": 100,
                "standardIaGb": 50,
                "glacierIrGb": 10,
                "putRequests": 20_000,
                "getRequests": 300_000,
            }
        },
        Facts(),
        0,
        100 * p("s3.standard.gbMonth")
        + 50 * p("s3.standardIa.gbMonth")
        + 10 * p("s3.glacierIr.gbMonth")
        + 20 * p("s3.put.1k")
        + 300 * p("s3.get.1k"),
    ),
    (
        "aws:sqs/queue:Queue",
        {"fifoQueue": True},
        {"sqsQueue": {"requests": 3_000_000}},
        Facts(),
        0,
        3 * p("sqs.fifo.million"),
    ),
    ("aws:sqs/queue:Queue", {}, {}, Facts(), 0, p("sqs.standard.million")),
    (
        "aws:sns/topic:Topic",
        {},
        {"snsTopic": {"publishes": 2_000_000}},
        Facts(),
        0,
        2 * p("sns.publish.million"),
    ),
    (
        "aws:ecr/repository:Repository",
        {},
        {"ecrRepository": {"storageGb": 25}},
        Facts(),
        0,
        25 * p("ecr.storage.gbMonth"),
    ),
    (
        "aws:secretsmanager/secret:Secret",
        {},
        {"secret": {"apiCalls": 30_000}},
        Facts(),
        p("secretsManager.secret.month"),
        3 * p("secretsManager.api.10k"),
    ),
    (
        "aws:cloudfront/distribution:Distribution",
        {},
        {"cloudfront": {"dataOutGb": 200, "httpsRequests": 5_000_000}},
        Facts(),
        0,
        200 * p("cloudfront.dataOut.gb") + 500 * p("cloudfront.https.10k"),
    ),
    (
        "aws:cloudfront/function:Function",
        {"runtime": "cloudfront-js-2.0", "publish": True},
        {"cloudfrontFunction": {"requests": 30_000_000}},
        Facts(),
        0,
        30 * p("cloudfront.functions.million"),
    ),
    (
        "aws:cloudwatch/logDelivery:LogDelivery",
        {"deliverySourceName": "gam-prod-edge-distribution-logs"},
        {"logDelivery": {"deliveredGb": 4}},
        Facts(),
        0,
        4 * p("logs.vendedToS3.gb"),
    ),
    (
        "aws:wafv2/webAcl:WebAcl",
        {"rules": [{"name": "a"}, {"name": "b"}, {"name": "c"}]},
        {"wafWebAcl": {"requests": 10_000_000}},
        Facts(),
        p("waf.webAcl.month") + 3 * p("waf.rule.month"),
        10 * p("waf.requests.million"),
    ),
    (
        "aws:cognito/userPool:UserPool",
        {"userPoolTier": "ESSENTIALS"},
        {"cognitoUserPool": {"monthlyActiveUsers": 12_000}},
        Facts(),
        0,
        2_000 * p("cognito.essentials.mau"),
    ),
    (
        "aws:cognito/userPool:UserPool",
        {"userPoolTier": "LITE"},
        {"cognitoUserPool": {"monthlyActiveUsers": 9_000}},
        Facts(),
        0,
        0,
    ),
    (
        "aws:cognito/userPool:UserPool",
        {"userPoolTier": "PLUS"},
        {"cognitoUserPool": {"monthlyActiveUsers": 100}},
        Facts(),
        0,
        100 * p("cognito.plus.mau"),
    ),
    (
        "aws:apigatewayv2/api:Api",
        {"protocolType": "HTTP"},
        {"httpApi": {"requests": 4_000_000}},
        Facts(),
        0,
        4 * p("apigateway.http.million"),
    ),
    (
        "aws:appconfig/configurationProfile:ConfigurationProfile",
        {"type": "AWS.AppConfig.FeatureFlags", "locationUri": "hosted"},
        {"appConfigProfile": {"requests": 3_000_000, "configurationsReceived": 500}},
        Facts(),
        0,
        3 * p("appconfig.requests.million") + 500 * p("appconfig.received"),
    ),
    (
        "aws:amp/workspace:Workspace",
        {},
        {"prometheusWorkspace": {"samples": 100_000_000, "storageGb": 20}},
        Facts(),
        0,
        10 * p("amp.ingestion.10m") + 20 * p("amp.storage.gbMonth"),
    ),
    (
        "aws:amp/ruleGroupNamespace:RuleGroupNamespace",
        {"data": RULE_FILE},
        {},
        Facts(),
        0,
        # per evaluation (every minute): two selectors of 10 raw series x 5 min / 30 s
        # scrape, one recorded series x 30 days / 1 min, one recorded sample
        round((2 * 10 * 300 / 30 + 30 * 1440 + 1) * H * 60 / 1e9 * p("amp.query.billion"), 6),
    ),
    (
        "aws:amp/ruleGroupNamespace:RuleGroupNamespace",
        {"data": RULE_FILE},
        {"prometheusRules": {"seriesPerSelector": 100, "scrapeIntervalSeconds": 60}},
        Facts(),
        0,
        round((2 * 100 * 300 / 60 + 30 * 1440 + 1) * H * 60 / 1e9 * p("amp.query.billion"), 6),
    ),
    (
        "aws:xray/samplingRule:SamplingRule",
        {"fixedRate": 0.05},
        {"xraySampling": {"traces": 3_000_000}},
        Facts(),
        0,
        3 * p("xray.traces.million"),
    ),
    (
        "aws:grafana/workspace:Workspace",
        {},
        {"grafanaWorkspace": {"editors": 3, "viewers": 10}},
        Facts(),
        0,
        3 * p("grafana.editor.month") + 10 * p("grafana.viewer.month"),
    ),
    (
        "aws:synthetics/canary:Canary",
        {"schedule": {"expression": "rate(5 minutes)"}, "startCanary": False},
        {},
        Facts(),
        0,
        0,
    ),
    (
        "aws:fis/experimentTemplate:ExperimentTemplate",
        {
            "actions": [
                {"actionId": "aws:eks:terminate-nodegroup-instances", "parameters": []},
                {"parameters": [{"key": "duration", "value": "PT10M"}]},
            ]
        },
        {"fisExperiment": {"runs": 2}},
        Facts(),
        0,
        2 * (1 + 10) * p("fis.actionMinute"),
    ),
    (
        "aws:synthetics/canary:Canary",
        {"schedule": {"expression": "rate(5 minutes)"}, "startCanary": True},
        {},
        Facts(),
        0,
        H * 12 * p("synthetics.run"),
    ),
    (
        "aws:codebuild/project:Project",
        {"environment": {"type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL"}},
        {},
        Facts(),
        0,
        1_000 * p("codebuild.general1.small.minute"),
    ),
    (
        "aws:codebuild/project:Project",
        {"environment": {"type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_MEDIUM"}},
        {"codebuildProject": {"buildMinutes": 2_500}},
        Facts(),
        0,
        2_500 * p("codebuild.general1.medium.minute"),
    ),
    (
        "aws:synthetics/canary:Canary",
        {"schedule": {"expression": "cron(0 9 * * ? *)"}},
        {"canary": {"runs": 30}},
        Facts(),
        0,
        30 * p("synthetics.run"),
    ),
    (
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        {},
        {"s3Replication": {"replicatedGb": 200, "objects": 40_000}},
        Facts(),
        0,
        200 * p("s3.replication.gb") + 40 * p("s3.put.1k"),
    ),
    (
        "aws:s3/inventory:Inventory",
        {"schedule": {"frequency": "Daily"}},
        {"s3Inventory": {"objects": 2_000_000}},
        Facts(),
        0,
        round(H / 24 * 2 * p("s3.inventory.million"), 6),
    ),
    (
        "aws:backup/vault:Vault",
        {},
        {"backupVault": {"storageGb": 500}},
        Facts(),
        0,
        500 * p("backup.storage.gbMonth"),
    ),
    (
        "aws:lb/loadBalancer:LoadBalancer",
        {"loadBalancerType": "application"},
        {"loadBalancer": {"capacityUnits": 2}},
        Facts(),
        H * p("elb.alb.hour"),
        2 * H * p("elb.alb.lcuHour"),
    ),
    (
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        {"period": 300},
        {},
        Facts(),
        p("cloudwatch.alarm.month"),
        0,
    ),
    (
        "aws:route53/zone:Zone",
        {},
        {"route53Zone": {"queries": 3_000_000}},
        Facts(),
        p("route53.zone.month"),
        3 * p("route53.queries.million"),
    ),
]


@pytest.mark.parametrize(
    ("type_", "inputs", "usage", "facts", "fixed", "usage_cost"),
    CASES,
    ids=[f"{c[0].rsplit(':', 1)[-1]}-{n}" for n, c in enumerate(CASES)],
)
def test_each_type_costs_what_its_inputs_usage_and_prices_say(
    type_: str,
    inputs: dict[str, Any],
    usage: dict[str, Any],
    facts: Facts,
    fixed: float,
    usage_cost: float,
) -> None:
    assert split(charges(type_, inputs, usage, facts)) == (
        pytest.approx(fixed, abs=1e-9),
        pytest.approx(usage_cost, abs=1e-9),
    )


def test_every_priced_type_has_an_arithmetic_case() -> None:
    assert set(pricing.PRICERS) - {case[0] for case in CASES} == set()


@given(
    nats=st.integers(1, 3),
    endpoints=st.integers(0, 3),
    gb=st.floats(0, 1e5, allow_nan=False),
)
def test_network_firewall_waives_nat_hours_one_to_one_and_the_nat_data(
    nats: int, endpoints: int, gb: float
) -> None:
    facts = Facts(nat_gateways=nats, firewall_endpoints=endpoints, firewalls=int(endpoints > 0))
    each = charges("aws:ec2/natGateway:NatGateway", {}, {"egress": {"internetGb": gb}}, facts)
    fixed = nats * sum(c.monthly for c in each if not c.usage)
    data = nats * sum(c.monthly for c in each if c.usage)
    billed_hours = (nats - min(nats, endpoints)) * H
    assert fixed == pytest.approx(billed_hours * p("vpc.natGateway.hour"), abs=1e-9)
    assert data == pytest.approx(0 if endpoints else gb * p("vpc.natGateway.gb"), abs=1e-9)
    assert fixed >= -1e-9 and data >= -1e-9


@given(
    count=st.floats(-10, 1e4, allow_nan=False),
    per=st.floats(0, 1e4, allow_nan=False),
    usd=st.floats(0, 10, allow_nan=False),
    usage=st.booleans(),
)
def test_a_charge_is_its_count_times_quantity_times_price_and_says_so(
    count: float, per: float, usd: float, usage: bool
) -> None:
    charge = Charge("thing", count, per, "h", usd, usage)
    assert charge.monthly == count * per * usd
    assert charge.basis.endswith(f"${usd:g}") or charge.basis.endswith(f"${usd:g}/h")


def test_the_basis_reads_as_the_issue_writes_it() -> None:
    facts = Facts(nat_gateways=1)
    nat = charges("aws:ec2/natGateway:NatGateway", {}, {"egress": {"internetGb": 100}}, facts)
    assert [c.basis for c in nat] == [
        "1 x NAT gateway x 730 h x $0.048",
        "NAT data processed: 100 GB x $0.048",
    ]
    kms = charges("aws:kms/key:Key", {}, {"kmsKey": {"requests": 20_000}})
    assert [c.basis for c in kms] == [
        "1 x KMS key x $1/key-month",
        "KMS requests: 2 x 10k requests x $0.03",
    ]


@pytest.mark.parametrize(
    ("type_", "inputs", "reason"),
    [
        ("aws:ec2/instance:Instance", {"instanceType": "x9.huge"}, "'x9.huge' is not in"),
        (
            "aws:rds/instance:Instance",
            {"engine": "mysql", "instanceClass": "db.t4g.micro"},
            "only PostgreSQL",
        ),
        (
            "aws:elasticache/cluster:Cluster",
            {"engine": "memcached", "nodeType": "cache.t4g.micro"},
            "memcached",
        ),
        ("aws:ec2/vpcEndpoint:VpcEndpoint", {"vpcEndpointType": "Interface"}, "without subnetIds"),
        ("aws:rds/proxyTarget:ProxyTarget", {"dbInstanceIdentifier": "elsewhere"}, "not an RDS"),
        ("aws:networkfirewall/firewall:Firewall", {}, "without subnetMappings"),
        ("aws:apigatewayv2/api:Api", {"protocolType": "WEBSOCKET"}, "WEBSOCKET"),
        (
            "aws:synthetics/canary:Canary",
            {"schedule": {"expression": "cron(0 9 * * ? *)"}, "startCanary": True},
            "canary.runs",
        ),
        (
            "aws:codebuild/project:Project",
            {"environment": {"type": "ARM_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL"}},
            "ARM_CONTAINER",
        ),
        ("aws:ebs/volume:Volume", {"type": "io2", "size": 10}, "io2"),
        (
            "aws:fis/experimentTemplate:ExperimentTemplate",
            {"actions": [{"parameters": [{"key": "duration", "value": "ten minutes"}]}]},
            "PT<h>H<m>M<s>S",
        ),
        (
            "aws:amp/ruleGroupNamespace:RuleGroupNamespace",
            {"data": "groups:\n- name: g\n  interval: soon\n  rules: []\n"},
            "interval 'soon'",
        ),
    ],
)
def test_what_a_pricer_cannot_price_it_refuses_with_the_reason(
    type_: str, inputs: dict[str, Any], reason: str
) -> None:
    with pytest.raises(Unpriceable, match=reason):
        charges(type_, inputs)


@pytest.mark.parametrize(
    ("klass", "vcpus"),
    [("db.t4g.micro", 2), ("db.m7g.large", 2), ("db.r7g.xlarge", 4), ("db.r7g.4xlarge", 16)],
)
def test_vcpus_follow_the_instance_size(klass: str, vcpus: int) -> None:
    assert pricing.vcpus(klass) == vcpus


def test_per_resource_usage_overrides_the_section_for_that_resource_only() -> None:
    usage = {
        "logGroup": {"ingestionGb": 1, "storedGb": 0},
        "resources": {"big": {"ingestionGb": 9}},
    }
    big = charges("aws:cloudwatch/logGroup:LogGroup", {}, usage, name="big")
    small = charges("aws:cloudwatch/logGroup:LogGroup", {}, usage, name="small")
    assert split(big)[1] == pytest.approx(9 * p("logs.ingestion.gb"))
    assert split(small)[1] == pytest.approx(1 * p("logs.ingestion.gb"))
