"""DNS Firewall: Route 53 Resolver DNS Firewall on a VPC, and its resolver query logs.

The VPC's resolver (the `.2` address) answers every lookup inside the VPC, so DNS
never reaches AWS Network Firewall: a lookup is a way out that the egress firewall
cannot see. DNS Firewall filters those lookups at the resolver. Decisions, written
where they are made (ADR 0008):

- AWS's managed domain lists, all in BLOCK: malware, botnet command and control, and
  the aggregate threat list. AWS keeps them current; they cost nothing per domain.
  There is no data source that finds a managed list by name, so their ids (per region,
  `rslvr-fdl-` and 16 hex digits) are arguments, read with
  `aws route53resolver list-firewall-domain-lists`.
- Blocked lookups get NXDOMAIN (the name does not exist), not NODATA (it exists, with
  no record of that type): clients fail at once with "no such host" instead of trying
  other record types or search domains, and an error that names the host is easier to
  trace to a block in the query logs.
- Redirection chains (CNAME, DNAME) are inspected, not trusted: a harmless name that
  points at a listed domain is blocked too.
- Fail open by default: when DNS Firewall cannot evaluate a query (an impairment of
  the service), the resolver answers it rather than failing every lookup in the VPC.
  Failing closed would turn that impairment into an outage of everything in the VPC,
  AWS APIs included, for a control whose lists hold only known-bad domains; the
  lookups stay in the query logs either way, and egress still crosses Network
  Firewall. `fail_open=False` chooses the other side.
- Every lookup is logged (Resolver query logging) to a log group encrypted with a key
  of its own that CloudWatch Logs may use for that one log group only.
- With `protect`, the rule group association has mutation protection: it cannot be
  removed or reprioritised until that is turned off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import (
    DOMAIN_LIST_ID,
    LOG_RETENTION_DAYS,
    MANAGED_DOMAIN_LISTS,
    READ_DOMAIN_LISTS,
)

TYPE_TOKEN = "gam:dns:DnsFirewall"

BLOCK_RESPONSES = ("NXDOMAIN", "NODATA")
# Rules and associations are evaluated lowest priority first; gaps leave room between.
RULE_PRIORITY_STEP = 100
# Associations take 100 to 9900 (AWS's range); 1000 leaves room for groups before it.
ASSOCIATION_PRIORITY = 1000

BlockResponse = Literal["NXDOMAIN", "NODATA"]


@dataclass(frozen=True, kw_only=True)
class DnsFirewallArgs:
    vpc_id: pulumi.Input[str]
    """Required. The VPC whose resolver is filtered and logged."""

    domain_list_ids: Mapping[str, str]
    """Required. The region's ids of AWS's managed domain lists, by key: `malware`,
    `botnetCommandAndControl`, `aggregateThreat` (`components.values.MANAGED_DOMAIN_LISTS`)."""

    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`)."""

    block_response: BlockResponse = "NXDOMAIN"
    """What a blocked lookup gets: NXDOMAIN (default) or NODATA."""

    fail_open: bool = True
    """Answer lookups DNS Firewall cannot evaluate (default True; see the module notes)."""

    query_log_retention_days: int = 365
    """Retention of the query log group, a CloudWatch Logs retention. Default 365."""

    protect: bool = False
    """Protect the log key from deletion and turn on the association's mutation
    protection. Default False (set it in prod)."""


def problems(args: DnsFirewallArgs) -> list[str]:
    """Every problem with `args`, each saying what to change."""
    found = tag_problems(args.tags)
    if isinstance(args.vpc_id, str) and not args.vpc_id.startswith("vpc-"):
        found.append(f"vpc_id {args.vpc_id!r} is not a VPC id (vpc-0123abcd...)")
    found += domain_list_problems(args.domain_list_ids)
    if args.block_response not in BLOCK_RESPONSES:
        found.append(
            f"block_response must be one of {BLOCK_RESPONSES}, not {args.block_response!r}"
        )
    if args.query_log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"query_log_retention_days {args.query_log_retention_days!r} is not a CloudWatch "
            f"Logs retention; use one of {LOG_RETENTION_DAYS}"
        )
    return found


def domain_list_problems(ids: Mapping[str, str]) -> list[str]:
    """What is wrong with a mapping of managed list ids (also used by the settings)."""
    wanted = [key for key, _ in MANAGED_DOMAIN_LISTS]
    found = []
    missing = [k for k in wanted if not ids.get(k)]
    if missing:
        found.append(f"domain list ids lack {missing}; read them with `{READ_DOMAIN_LISTS}`")
    unknown = sorted(set(ids) - set(wanted))
    if unknown:
        found.append(f"domain list ids has unknown keys {unknown}; the keys are {wanted}")
    bad = {k: v for k, v in ids.items() if k in wanted and v and not DOMAIN_LIST_ID.match(v)}
    if bad:
        found.append(
            f"domain list ids {bad} are not domain list ids (rslvr-fdl- and 16 hex digits); "
            f"read them with `{READ_DOMAIN_LISTS}`"
        )
    return found


class DnsFirewall(GamComponent):
    """DNS Firewall with AWS's managed threat lists in BLOCK, and query logs, on one VPC."""

    rule_group_id: pulumi.Output[str]
    query_log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: DnsFirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("DnsFirewall", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)

        group = self._query_logs()
        rules = aws.route53.ResolverFirewallRuleGroup(
            self.child_name("rules"),
            name=self.child_name("rules"),
            tags=self.tags("rules"),
            opts=self.child_opts(),
        )
        blocks = [
            aws.route53.ResolverFirewallRule(
                self.child_name(f"block-{_kebab(key)}"),
                name=f"block-{list_name}",
                firewall_rule_group_id=rules.id,
                firewall_domain_list_id=args.domain_list_ids[key],
                action="BLOCK",
                block_response=args.block_response,
                firewall_domain_redirection_action="INSPECT_REDIRECTION_DOMAIN",
                priority=RULE_PRIORITY_STEP * (n + 1),
                opts=self.child_opts(),
            )
            for n, (key, list_name) in enumerate(MANAGED_DOMAIN_LISTS)
        ]
        aws.route53.ResolverFirewallRuleGroupAssociation(
            self.child_name("association"),
            name=self.child_name("association"),
            firewall_rule_group_id=rules.id,
            vpc_id=args.vpc_id,
            priority=ASSOCIATION_PRIORITY,
            mutation_protection="ENABLED" if args.protect else "DISABLED",
            tags=self.tags("association"),
            # the group is associated once it blocks something
            opts=self.child_opts(depends_on=blocks),
        )
        aws.route53.ResolverFirewallConfig(
            self.child_name("config"),
            resource_id=args.vpc_id,
            firewall_fail_open="ENABLED" if args.fail_open else "DISABLED",
            opts=self.child_opts(),
        )

        self.rule_group_id = rules.id
        self.query_log_group_name = group.name
        self.register_outputs(
            {"ruleGroupId": self.rule_group_id, "queryLogGroupName": self.query_log_group_name}
        )

    def _query_logs(self) -> aws.cloudwatch.LogGroup:
        """Every lookup in the VPC, to a log group on a key of its own. The logs are
        delivered by CloudWatch Logs' log delivery, which adds itself to the account's
        log resource policy on first use; CloudWatch Logs encrypts them."""
        group_name = f"/gam/{self._name}/resolver-queries"
        use = self._account.logs_may_use("CloudWatchLogsUsesItForTheQueryLogGroupOnly", group_name)
        key = customer_key(
            self,
            self._account,
            "query-logs-key",
            f"Encrypts the Resolver query logs of {self._name}",
            [use],
            protect=self._args.protect,
        )
        group = aws.cloudwatch.LogGroup(
            self.child_name("query-logs"),
            name=group_name,
            retention_in_days=self._args.query_log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags("query-logs", Evidence="audit"),
            # evidence of every lookup: in prod kept even if the stack lets go of it
            opts=self.child_opts(protect=self._args.protect, retain_on_delete=self._args.protect),
        )
        config = aws.route53.ResolverQueryLogConfig(
            self.child_name("query-log-config"),
            name=self.child_name("query-log-config"),
            destination_arn=group.arn,
            tags=self.tags("query-log-config"),
            opts=self.child_opts(),
        )
        aws.route53.ResolverQueryLogConfigAssociation(
            self.child_name("query-log-association"),
            resolver_query_log_config_id=config.id,
            resource_id=self._args.vpc_id,
            opts=self.child_opts(),
        )
        return group


def _kebab(key: str) -> str:
    """`botnetCommandAndControl` -> `botnet-command-and-control`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", key).lower()
