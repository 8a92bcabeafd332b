"""What AWS accepts for a few values that settings and components both check."""

from __future__ import annotations

import re
from urllib.parse import urlparse

# CloudWatch Logs retention periods in days (0, "never expire", is left out on purpose:
# logs must expire).
LOG_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731),
    *(1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
# A host name, or with a leading dot every name under a domain (Network Firewall syntax).
DOMAIN = re.compile(r"^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TGW_ID = re.compile(r"^tgw-[0-9a-f]{8,17}$")
# The AWS APIs that nodes, controllers and workloads call, reached inside the VPC so that
# the firewall's allow-list never needs a multi-tenant AWS suffix: nodes and add-ons; the
# workers' queues and topic (sqs, sns); feature flags (appconfigdata: the data plane the
# apps read from); the collector's metrics and traces (aps-workspaces: remote write; xray);
# the load balancer controller's web ACL association (wafv2; ADR 0011).
DEFAULT_INTERFACE_ENDPOINTS = (
    *("ecr.api", "ecr.dkr", "sts", "logs", "ssm", "secretsmanager", "kms"),
    *("ec2", "eks", "eks-auth", "elasticloadbalancing", "autoscaling"),
    *("ssmmessages", "ec2messages"),
    *("sqs", "sns", "appconfigdata", "aps-workspaces", "xray", "wafv2"),
)

# Suffixes under which anyone can get a name: another account's load balancer, bucket,
# API or CDN distribution. A wildcard allow-list entry at, above or below one of them
# admits strangers' endpoints (and any forged SNI/Host under it): list exact hosts.
MULTI_TENANT_SUFFIXES = (
    "amazonaws.com",
    "amazonaws.com.cn",
    "aws.dev",
    "awsapps.com",
    "cloudfront.net",
    "elb.amazonaws.com",
    "s3.amazonaws.com",
    "on.aws",
    "azurewebsites.net",
    "blob.core.windows.net",
    "cloudapp.azure.com",
    "appspot.com",
    "googleapis.com",
    "run.app",
    "web.app",
    "firebaseapp.com",
    "github.io",
    "githubusercontent.com",
    "herokuapp.com",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "workers.dev",
    "r2.dev",
    "r2.cloudflarestorage.com",
    "trycloudflare.com",
    "ngrok.io",
    "ngrok-free.app",
)


def multi_tenant(domain: str) -> str | None:
    """The multi-tenant suffix a wildcard entry (".example.com") covers, is or falls
    under; None for exact hosts and for wildcards clear of every such suffix."""
    if not domain.startswith("."):
        return None
    name = domain[1:]
    for suffix in MULTI_TENANT_SUFFIXES:
        if name == suffix or suffix.endswith(f".{name}") or name.endswith(f".{suffix}"):
            return suffix
    return None


# An availability zone ID (stable across accounts, unlike zone names): use1-az6, euw1-az1.
AZ_ID = re.compile(r"^([a-z]{2}(gov)?[a-z]{1,2}\d)-az\d{1,2}$")
_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


def az_id_prefix(region: str) -> str | None:
    """The prefix AWS gives the zone IDs of a region: eu-west-1 -> euw1, ap-southeast-2 ->
    apse2, us-gov-west-1 -> usgw1. None where the region name has an unknown shape."""
    parts = region.split("-")
    gov = parts[1:2] == ["gov"]
    if gov:
        parts = [parts[0], *parts[2:]]
    if len(parts) != 3 or parts[1] not in _DIRECTIONS or not parts[2].isdigit():
        return None
    return f"{parts[0]}{'g' if gov else ''}{_DIRECTIONS[parts[1]]}{parts[2]}"


# Route 53 Resolver DNS Firewall: the AWS managed domain lists the platform blocks, in
# rule order, by the key settings and components name them with. Their ids are regional
# and found by no data source: `READ_DOMAIN_LISTS` shows them.
MANAGED_DOMAIN_LISTS = (
    ("malware", "AWSManagedDomainsMalwareDomainList"),
    ("botnetCommandAndControl", "AWSManagedDomainsBotnetCommandandControl"),
    ("aggregateThreat", "AWSManagedDomainsAggregateThreatList"),
)
DOMAIN_LIST_ID = re.compile(r"^rslvr-fdl-[0-9a-f]{16}$")
READ_DOMAIN_LISTS = "aws route53resolver list-firewall-domain-lists --region <region>"

# ECR pull-through cache: the upstream registries, by the name of their cache prefix,
# and those ECR needs credentials for (Docker Hub limits anonymous pulls, GHCR needs a
# token). An ECR repository prefix is at most 30 characters: `<namespace>/<upstream>`.
CACHE_UPSTREAMS = {
    "ecr-public": "public.ecr.aws",
    "k8s": "registry.k8s.io",
    "quay": "quay.io",
    "docker-hub": "registry-1.docker.io",
    "ghcr": "ghcr.io",
}
CREDENTIALED_UPSTREAMS = ("docker-hub", "ghcr")
ECR_PREFIX = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
CACHE_NAMESPACE_MAX = 30 - 1 - max(len(u) for u in CACHE_UPSTREAMS)

# The data lake's DR region by default: the nearest region of the same jurisdiction
# (`gam:dataLake.replicaRegion` names another).
DR_REGIONS = {
    "eu-west-1": "eu-central-1",
    "eu-west-2": "eu-west-1",
    "eu-west-3": "eu-central-1",
    "eu-central-1": "eu-west-1",
    "eu-north-1": "eu-central-1",
    "us-east-1": "us-west-2",
    "us-east-2": "us-west-2",
    "us-west-2": "us-east-1",
}


# Where an OAuth provider may send a browser back: HTTPS, or plain HTTP on this machine.
def url_problem(url: str) -> str | None:
    """Why a callback or logout URL is unsafe: HTTPS only, except on localhost."""
    parsed = urlparse(url)
    local = parsed.hostname in ("localhost", "127.0.0.1")
    if parsed.scheme == "https" or (parsed.scheme == "http" and local):
        if not parsed.hostname or parsed.fragment:
            return f"{url!r} needs a host and no fragment"
        return None
    return f"{url!r} is not HTTPS (plain http only for localhost)"
