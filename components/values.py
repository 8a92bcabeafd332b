"""What AWS accepts for a few values that settings and components both check."""

from __future__ import annotations

import re

# CloudWatch Logs retention periods in days (0, "never expire", is left out on purpose:
# logs must expire).
LOG_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731),
    *(1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
# A host name, or with a leading dot every name under a domain (Network Firewall syntax).
DOMAIN = re.compile(r"^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
TGW_ID = re.compile(r"^tgw-[0-9a-f]{8,17}$")

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
