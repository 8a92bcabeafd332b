"""The AWS API hosts `pulumi up` calls for this program's resources, for the deploy
runner behind the egress firewall (ADR 0020). Pure: no pulumi.

The runner sits in its own subnets, behind the firewall like every private subnet: an
API with an interface endpoint in the VPC is reached through it (private DNS), S3 in the
stack's region through the gateway endpoint; every other API the deployment calls must
be on the runner's pass list, by its exact host (`runner_egress`). `hosts` names them:
each service of `SERVICES` without an endpoint, in the stack's region; the global APIs
(IAM, CloudFront, Route 53); and what the edge creates in us-east-1 and the disaster
recovery copies create in their region. `host_of` answers for one resource type, so that
a test can check every resource the stacks record against the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Pulumi module (or a type token, which wins) -> the API's endpoint prefix
# (`<prefix>.<region>.amazonaws.com`) and its interface endpoint's service name.
SERVICES: Mapping[str, tuple[str, str]] = {
    "acm": ("acm", "acm"),
    "amp": ("aps", "aps"),  # the control plane; remote write is aps-workspaces
    "apigatewayv2": ("apigateway", "apigateway"),
    "appconfig": ("appconfig", "appconfig"),
    "backup": ("backup", "backup"),
    "cloudwatch": ("logs", "logs"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("monitoring", "monitoring"),
    "codebuild": ("codebuild", "codebuild"),
    "cognito": ("cognito-idp", "cognito-idp"),
    "ec2": ("ec2", "ec2"),
    "vpc": ("ec2", "ec2"),
    "ecr": ("api.ecr", "ecr.api"),
    "eks": ("eks", "eks"),
    "elasticache": ("elasticache", "elasticache"),
    "fis": ("fis", "fis"),
    "grafana": ("grafana", "grafana"),
    "kms": ("kms", "kms"),
    "networkfirewall": ("network-firewall", "network-firewall"),
    "opensearch": ("es", "es"),
    "rds": ("rds", "rds"),
    "route53": ("route53resolver", "route53resolver"),
    "s3": ("s3", "s3"),
    "secretsmanager": ("secretsmanager", "secretsmanager"),
    "sns": ("sns", "sns"),
    "sqs": ("sqs", "sqs"),
    "ssm": ("ssm", "ssm"),  # pulumi-eks reads the node AMI's parameter
    "sts": ("sts", "sts"),  # every provider's caller identity
    "synthetics": ("synthetics", "synthetics"),
    "wafv2": ("wafv2", "wafv2"),
    "xray": ("xray", "xray"),
}
# Global APIs, one host whatever the region.
GLOBAL: Mapping[str, str] = {
    "iam": "iam.amazonaws.com",
    "cloudfront": "cloudfront.amazonaws.com",
    "aws:route53/record:Record": "route53.amazonaws.com",
}
# What the program creates outside the stack's region: the edge's certificate, web ACL and
# their logs in us-east-1 (CloudFront's region); the backups' and replicas' copies in the
# disaster recovery region.
EDGE_REGION = "us-east-1"
EDGE_SERVICES = ("acm", "cloudwatch", "kms", "wafv2")
DR_SERVICES = ("kms", "rds", "s3")
# Services the program uses only outside the stack's region (certificates are CloudFront's).
ELSEWHERE_ONLY = ("acm",)
# pulumiverse-grafana talks to the workspace itself, whose id is known only once it exists:
# every workspace of the region (a name beneath the multi-tenant `amazonaws.com`, which
# only the runner's subnets may use).
GRAFANA_WORKSPACES = ".grafana-workspace.{region}.amazonaws.com"


def _key(type_token: str) -> str:
    """The table key of a type: the token itself where a table names it, else its module."""
    if type_token in GLOBAL or type_token in SERVICES:
        return type_token
    return type_token.split(":")[1].split("/")[0]


def host_of(type_token: str, region: str) -> str:
    """The API host that creating a resource of `type_token` in `region` calls."""
    key = _key(type_token)
    if key in GLOBAL:
        return GLOBAL[key]
    if key not in SERVICES:
        raise KeyError(f"{type_token}: add its API to components.deploy_apis.SERVICES")
    return f"{SERVICES[key][0]}.{region}.amazonaws.com"


def reached_inside(
    type_token: str, region: str, stack_region: str, endpoints: Iterable[str]
) -> bool:
    """Whether the VPC itself reaches that API: an interface endpoint in the stack's
    region, or S3's gateway endpoint."""
    key = _key(type_token)
    if region != stack_region or key in GLOBAL:
        return False
    return key == "s3" or SERVICES[key][1] in set(endpoints)


def hosts(
    region: str,
    endpoints: Iterable[str],
    *,
    edge: bool = False,
    dr_regions: Iterable[str] = (),
    grafana: bool = False,
) -> tuple[str, ...]:
    """The hosts the runner must reach through the firewall, sorted: the stack region's
    APIs without an interface endpoint (S3 has its gateway), the global ones, the edge's
    in us-east-1 when `edge`, the copies' in each of `dr_regions`, and the region's
    Grafana workspaces when `grafana` (the program manages what is inside one)."""
    listed = set(endpoints)
    found = {
        f"{prefix}.{region}.amazonaws.com"
        for key, (prefix, endpoint) in SERVICES.items()
        if endpoint not in listed and prefix != "s3" and key not in ELSEWHERE_ONLY
    }
    found |= set(GLOBAL.values())
    elsewhere: list[tuple[str, tuple[str, ...]]] = []
    if edge and region != EDGE_REGION:
        elsewhere.append((EDGE_REGION, EDGE_SERVICES))
    elsewhere += [(dr, DR_SERVICES) for dr in dr_regions if dr != region]
    for other, services in elsewhere:
        found |= {f"{SERVICES[s][0]}.{other}.amazonaws.com" for s in services}
    if grafana:
        found.add(GRAFANA_WORKSPACES.format(region=region))
    return tuple(sorted(found))
