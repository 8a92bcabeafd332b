"""What the deploy runner may reach through the egress firewall, and only it (ADR 0020).

Pure: no pulumi. The firewall's shared allow-list (`NetworkingArgs.egress_allowed_domains`)
applies to every private subnet, so it admits the package indexes only. The runner needs
GitHub as well, and Pulumi's CLI host; adding them there would open them to every pod.
Instead the runner has subnets of its own (`components.cidr`, tier "runner") and the
firewall a rule group of Suricata rules that pass TLS to these names from those subnets'
CIDRs and from nowhere else.

- TLS only, to port 443: GitHub's runner talks to it over HTTPS only (GitHub's
  "Communicating with self-hosted runners"), and so do Pulumi's downloads. No cleartext
  HTTP rule, so no Host header to forge.
- "github.com" is that one host (`startswith; endswith`); ".example.com" is example.com and
  every name under it (Suricata's `dotprefix` form, as Network Firewall's domain lists).
- A wildcard may fall beneath a multi-tenant suffix (".actions.githubusercontent.com":
  GitHub's own service names) because only the runner's subnets may use it; it may not be,
  or cover, one (".githubusercontent.com", ".blob.core.windows.net"): the runner holds the
  deploy role, and anyone can receive data there.
- In strict order this group comes before the allow-list, whose generated rules drop
  every TLS and HTTP flow they do not pass.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from components.values import DOMAIN, MULTI_TENANT_SUFFIXES

# GitHub's documented hosts for a self-hosted runner, less those a wildcard here covers:
# essential operations (github.com, api.github.com, *.actions.githubusercontent.com, which
# also holds pkg. and results-receiver.); downloading actions (codeload.github.com);
# release downloads (the runner's updates, actions/setup-python's Python builds:
# objects., objects-origin., github-releases., release-assets.githubusercontent.com) and
# setup-python's version manifest (raw.githubusercontent.com); Pulumi's CLI and plugin
# downloads (get.pulumi.com). Job log and cache uploads go to Azure blob storage accounts
# GitHub does not list by name: they are left out (README, "The deploy runner").
DEFAULT_DOMAINS = (
    "github.com",
    "api.github.com",
    "codeload.github.com",
    ".actions.githubusercontent.com",
    "objects.githubusercontent.com",
    "objects-origin.githubusercontent.com",
    "github-releases.githubusercontent.com",
    "release-assets.githubusercontent.com",
    "raw.githubusercontent.com",
    "get.pulumi.com",
)
HTTPS = 443
FIRST_SID = 9100001  # apart from the default-deny group's 9000001-9000004
# One Suricata rule per domain; capacity is fixed when the rule group is created.
RULE_CAPACITY = 100
MAX_DOMAINS = RULE_CAPACITY


def covered_suffix(domain: str) -> str | None:
    """The multi-tenant suffix a wildcard entry is or covers (".githubusercontent.com",
    ".com"); None for exact hosts and for wildcards beneath such a suffix."""
    if not domain.startswith("."):
        return None
    name = domain[1:]
    return next((s for s in MULTI_TENANT_SUFFIXES if s == name or s.endswith(f".{name}")), None)


def domain_problems(domains: Sequence[str]) -> list[str]:
    """Every problem with the runner's list of names, each saying what to change."""
    found = []
    if not domains:
        found.append(
            "lists no domain: the runner could not reach GitHub; leave the key out for the "
            "default list"
        )
    bad = [d for d in domains if not isinstance(d, str) or not DOMAIN.match(d)]
    if bad:
        found.append(
            f"{bad} are not lower-case domain names; write 'github.com' for one host or "
            "'.actions.githubusercontent.com' for a name and everything under it"
        )
    shared = sorted(d for d in domains if isinstance(d, str) and covered_suffix(d))
    if shared:
        found.append(
            f"{shared} are or cover multi-tenant suffixes, where anyone can receive data; "
            "list exact hosts, or a wildcard beneath the suffix that one operator owns"
        )
    repeated = sorted({d for d in domains if list(domains).count(d) > 1})
    if repeated:
        found.append(f"{repeated} are listed more than once; list each once")
    if len(domains) > MAX_DOMAINS:
        found.append(
            f"holds {len(domains)} domains, more than the rule group's capacity "
            f"({MAX_DOMAINS}); use wildcards"
        )
    return found


def pass_rules(sources: Sequence[str], domains: Sequence[str]) -> tuple[str, ...]:
    """The Suricata rules: TLS to each domain, from `sources` (the runner subnets' CIDRs)
    only, to port 443. ValueError if a source is not a CIDR or a domain is refused."""
    if not sources:
        raise ValueError("pass_rules needs the runner subnets' CIDRs; none given")
    networks = [str(ipaddress.IPv4Network(s, strict=True)) for s in sources]
    found = domain_problems(domains)
    if found:
        raise ValueError("; ".join(found))
    source = "[" + ",".join(networks) + "]"
    rules = []
    for n, domain in enumerate(domains):
        match = (
            f'dotprefix; content:"{domain}"; nocase; endswith;'
            if domain.startswith(".")
            else f'content:"{domain}"; startswith; nocase; endswith;'
        )
        rules.append(
            f"pass tls {source} any -> $EXTERNAL_NET {HTTPS} "
            f'(msg:"deploy runner: TLS to {domain}"; flow:to_server, established; '
            f"tls.sni; {match} sid:{FIRST_SID + n}; rev:1;)"
        )
    return tuple(rules)
