"""CloudFront distributions and WAFv2 web ACLs."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gam_policies.framework import (
    Context,
    Resource,
    Rule,
    dig,
    fsbp,
    references,
    require_set,
)
from gam_policies.rules._shared import (
    as_list,
    linked_nested,
    number,
    of_type,
    shown,
    unreferenced,
)

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
RESPONSE_HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
LOG_DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"

SECURE_VIEWER_POLICIES = ("https-only", "redirect-to-https")
# CloudFront security policies at least as strict as TLSv1.2_2021.
STRONG_TLS_POLICIES = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")
S3_ORIGIN = re.compile(r"\.s3\.([a-z0-9-]+\.)*amazonaws\.com(\.cn)?$")  # not s3-website
ONE_YEAR = 31_536_000
HSTS = "securityHeadersConfig.strictTransportSecurity"
MANAGED_GROUP = "rules[].statement.managedRuleGroupStatement"


def _behaviour_reads(path: str) -> tuple[str, ...]:
    """`path` in the default cache behaviour and in each ordered one (see `behaviours`)."""
    return (f"defaultCacheBehavior.{path}", f"orderedCacheBehaviors[].{path}")


# --- CloudFront ---------------------------------------------------------------------


def behaviours(resource: Resource) -> list[tuple[str, Mapping[str, Any]]]:
    """(path, cache behaviour) for the default and every ordered cache behaviour."""
    found = [("defaultCacheBehavior", resource.get("defaultCacheBehavior") or {})]
    ordered = as_list(resource.get("orderedCacheBehaviors"))
    return found + [(f"orderedCacheBehaviors.{i}", b) for i, b in enumerate(ordered)]


def _viewer_https(resource: Resource, ctx: Context) -> Iterator[str]:
    for path, behaviour in behaviours(resource):
        policy = behaviour.get("viewerProtocolPolicy")
        if policy not in SECURE_VIEWER_POLICIES:
            yield f"`{path}.viewerProtocolPolicy` is {shown(policy)}; use {SECURE_VIEWER_POLICIES}."


def _min_tls(resource: Resource, ctx: Context) -> Iterator[str]:
    version = resource.get("viewerCertificate.minimumProtocolVersion")
    if version not in STRONG_TLS_POLICIES:
        yield (
            f"`viewerCertificate.minimumProtocolVersion` is {shown(version)}; use one of "
            f"{STRONG_TLS_POLICIES} (this needs a custom ACM certificate)."
        )


def _waf_attached(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require_set(resource, "webAclId", "no WAF web ACL is attached")


def _access_logging(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    """Standard logging, legacy (`loggingConfig.bucket`) or v2: a CloudWatch Logs delivery
    source of the distribution's ACCESS_LOGS with a delivery that takes it somewhere."""
    deliveries = of_type(resources, LOG_DELIVERY)
    sources = [
        s
        for s in of_type(resources, LOG_SOURCE)
        if s.get("logType") == "ACCESS_LOGS"
        and any(references(d, "deliverySourceName", s) for d in deliveries)
    ]
    for dist in of_type(resources, DISTRIBUTION):
        if dist.get("loggingConfig.bucket"):
            continue
        if any(references(s, "resourceArn", dist) for s in sources):
            continue
        yield (
            dist.urn,
            "access logging is off: `loggingConfig.bucket` is unset and no LogDeliverySource "
            "of its ACCESS_LOGS has a LogDelivery.",
        )


def _s3_origins_use_oac(resource: Resource, ctx: Context) -> Iterator[str]:
    for i, origin in enumerate(as_list(resource.get("origins"))):
        if not S3_ORIGIN.search(str(origin.get("domainName") or "")):
            continue
        if not origin.get("originAccessControlId"):
            yield f"S3 origin `origins.{i}` has no `originAccessControlId`."
        if dig(origin, "s3OriginConfig.originAccessIdentity"):
            yield f"S3 origin `origins.{i}` uses a legacy origin access identity; use OAC."


def hsts_problem(policy: Resource) -> str | None:
    """Why a response headers policy does not enforce HSTS for a year with subdomains."""
    prefix = HSTS
    max_age = number(policy, f"{prefix}.accessControlMaxAgeSec")
    if max_age is None or max_age < ONE_YEAR:
        return f"`{prefix}.accessControlMaxAgeSec` must be at least {ONE_YEAR} (one year)"
    for flag in ("includeSubdomains", "override"):
        if policy.get(f"{prefix}.{flag}") is not True:
            return f"`{prefix}.{flag}` must be true"
    return None


def _hsts(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    policies = of_type(resources, RESPONSE_HEADERS_POLICY)
    for dist in of_type(resources, DISTRIBUTION):
        for path, behaviour in behaviours(dist):
            value = behaviour.get("responseHeadersPolicyId")
            found = linked_nested(dist, path.split(".")[0], value, policies)
            if not found:
                yield (
                    dist.urn,
                    (
                        f"`{path}.responseHeadersPolicyId` does not refer to a response headers "
                        "policy declared in this stack."
                    ),
                )
            for policy in found:
                problem = hsts_problem(policy)
                if problem:
                    yield (
                        dist.urn,
                        f"`{path}` uses response headers policy {policy.name}: {problem}.",
                    )


# --- WAFv2 --------------------------------------------------------------------------


def _camel(value: Any) -> Any:
    """AWS API JSON (`ManagedRuleGroupStatement`) to engine names (`managedRuleGroupStatement`)."""
    if isinstance(value, Mapping):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def acl_rules(resource: Resource) -> list[Mapping[str, Any]]:
    """The web ACL's rules, from `rules` and from the `ruleJson` alternative."""
    rules = as_list(resource.get("rules"))
    text = resource.get("ruleJson")
    if isinstance(text, str) and text:
        with contextlib.suppress(ValueError):  # unreadable rules count as absent (fail closed)
            rules += as_list(_camel(json.loads(text)))
    return [r for r in rules if isinstance(r, Mapping)]


def _managed_groups(resource: Resource, ctx: Context) -> Iterator[str]:
    enforced = {
        dig(r, "statement.managedRuleGroupStatement.name")
        for r in acl_rules(resource)
        if dig(r, "statement.managedRuleGroupStatement.vendorName") == "AWS"
        and "count" not in (r.get("overrideAction") or {})
    }
    missing = [g for g in ctx.config["managedRuleGroups"] if g not in enforced]
    if missing:
        yield (
            f"`rules` lacks the AWS managed rule groups {missing}, or runs them with "
            "`overrideAction` count."
        )


def _rate_based(resource: Resource, ctx: Context) -> Iterator[str]:
    if not any(
        dig(r, "statement.rateBasedStatement.limit") and "block" in (r.get("action") or {})
        for r in acl_rules(resource)
    ):
        yield "`rules` has no rule with `statement.rateBasedStatement` and `action` block."


def _acl_logging(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    configs = of_type(resources, WEB_ACL_LOGGING)
    acls = of_type(resources, WEB_ACL)
    yield from unreferenced(acls, configs, "resourceArn", "web ACL", "WebAclLoggingConfiguration")


RULES = [
    Rule(
        name="cloudfront-viewer-https",
        description=(
            "A cache behaviour that serves plain HTTP exposes viewers' requests, cookies and "
            "tokens to interception and tampering."
        ),
        severity="high",
        remediation=(
            "Set `viewer_protocol_policy` to `redirect-to-https` (or `https-only`) in "
            "`default_cache_behavior` and every `ordered_cache_behaviors` entry of "
            "aws.cloudfront.Distribution."
        ),
        controls=(fsbp("CloudFront.3"),),
        resource_types=(DISTRIBUTION,),
        check=_viewer_https,
        reads={DISTRIBUTION: _behaviour_reads("viewerProtocolPolicy")},
    ),
    Rule(
        name="cloudfront-min-tls",
        description=(
            "Security policies older than TLSv1.2_2021 accept weak protocol versions and ciphers "
            "that allow downgrade and decryption attacks."
        ),
        severity="high",
        remediation=(
            "Set `viewer_certificate.minimum_protocol_version='TLSv1.2_2021'` (or newer) with an "
            "`acm_certificate_arn` and `ssl_support_method='sni-only'` on "
            "aws.cloudfront.Distribution."
        ),
        controls=(fsbp("CloudFront.3"), fsbp("CloudFront.7")),
        resource_types=(DISTRIBUTION,),
        check=_min_tls,
        reads={DISTRIBUTION: ("viewerCertificate.minimumProtocolVersion",)},
    ),
    Rule(
        name="cloudfront-waf-attached",
        description=(
            "A distribution without a WAF web ACL passes injection, bad-bot and flood traffic "
            "straight to the origins."
        ),
        severity="high",
        remediation=(
            "Set `web_acl_id` on aws.cloudfront.Distribution to the ARN of an aws.wafv2.WebAcl "
            "with `scope='CLOUDFRONT'`."
        ),
        controls=(fsbp("CloudFront.6"),),
        resource_types=(DISTRIBUTION,),
        check=_waf_attached,
        reads={DISTRIBUTION: ("webAclId",)},
    ),
    Rule(
        name="cloudfront-access-logging",
        description=(
            "Without access logs there is no record of who requested what, so attacks and data "
            "exfiltration through the edge cannot be investigated."
        ),
        severity="medium",
        remediation=(
            "Use standard logging v2: an aws.cloudwatch.LogDeliverySource (`log_type="
            "'ACCESS_LOGS'`, `resource_arn=distribution.arn`, in us-east-1) and an "
            "aws.cloudwatch.LogDelivery with `delivery_source_name=source.name` to a "
            "LogDeliveryDestination (an S3 bucket, no ACLs needed); or legacy logging, "
            "`logging_config.bucket` on aws.cloudfront.Distribution (the bucket needs ACLs)."
        ),
        controls=(fsbp("CloudFront.5"),),
        stack_check=_access_logging,
        reads={
            DISTRIBUTION: ("id", "arn", "loggingConfig.bucket"),
            LOG_SOURCE: ("id", "arn", "name", "logType", "resourceArn"),
            LOG_DELIVERY: ("deliverySourceName",),
        },
    ),
    Rule(
        name="cloudfront-s3-origin-oac",
        description=(
            "An S3 origin without origin access control needs a publicly readable bucket, or the "
            "legacy OAI that lacks SSE-KMS and signed-request support."
        ),
        severity="high",
        remediation=(
            "Create an aws.cloudfront.OriginAccessControl (`origin_access_control_origin_type="
            "'s3'`, `signing_behavior='always'`), set `origin_access_control_id` on each S3 entry "
            "of `origins`, and remove `s3_origin_config.origin_access_identity`."
        ),
        controls=(fsbp("CloudFront.13"),),
        resource_types=(DISTRIBUTION,),
        check=_s3_origins_use_oac,
        reads={
            DISTRIBUTION: (
                "origins[].domainName",
                "origins[].originAccessControlId",
                "origins[].s3OriginConfig.originAccessIdentity",
            )
        },
    ),
    Rule(
        name="cloudfront-hsts-headers",
        description=(
            "Without a long-lived HSTS header covering subdomains, browsers can be downgraded to "
            "HTTP on first visit or on a subdomain (SSL stripping)."
        ),
        severity="medium",
        remediation=(
            "Declare an aws.cloudfront.ResponseHeadersPolicy with `security_headers_config."
            "strict_transport_security` (`access_control_max_age_sec>=31536000`, "
            "`include_subdomains=True`, `override=True`) and set its id as "
            "`response_headers_policy_id` on every cache behaviour of the distribution."
        ),
        controls=(fsbp("CloudFront.3"),),
        stack_check=_hsts,
        reads={
            DISTRIBUTION: _behaviour_reads("responseHeadersPolicyId"),
            RESPONSE_HEADERS_POLICY: (
                "id",
                "arn",
                f"{HSTS}.accessControlMaxAgeSec",
                f"{HSTS}.includeSubdomains",
                f"{HSTS}.override",
            ),
        },
    ),
    Rule(
        name="waf-managed-rule-groups",
        description=(
            "Without the AWS common and known-bad-inputs rule groups (enforcing, not counting), "
            "the web ACL does not block the OWASP-style attacks and exploit payloads they cover."
        ),
        severity="high",
        remediation=(
            "Add `rules` entries to aws.wafv2.WebAcl with `statement.managed_rule_group_statement` "
            "(`vendor_name='AWS'`, `name='AWSManagedRulesCommonRuleSet'` and "
            "`'AWSManagedRulesKnownBadInputsRuleSet'`) and `override_action.none={}`."
        ),
        controls=(fsbp("WAF.10"),),
        resource_types=(WEB_ACL,),
        check=_managed_groups,
        reads={
            WEB_ACL: (
                "ruleJson",
                f"{MANAGED_GROUP}.vendorName",
                f"{MANAGED_GROUP}.name",
                "rules[].overrideAction.count",
            )
        },
        config={
            "managedRuleGroups": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
                "description": "AWS managed rule groups every web ACL must enforce.",
            }
        },
    ),
    Rule(
        name="waf-rate-based-rule",
        description=(
            "Without a blocking rate-based rule a single client can flood the application and "
            "brute-force credentials unthrottled."
        ),
        severity="medium",
        remediation=(
            "Add a `rules` entry to aws.wafv2.WebAcl with `statement.rate_based_statement` "
            "(`limit`, `aggregate_key_type='IP'`) and `action.block={}`."
        ),
        controls=(fsbp("WAF.10"),),
        resource_types=(WEB_ACL,),
        check=_rate_based,
        reads={
            WEB_ACL: (
                "ruleJson",
                "rules[].statement.rateBasedStatement.limit",
                "rules[].action.block",
            )
        },
    ),
    Rule(
        name="waf-logging",
        description=(
            "Without WAF logs there is no record of blocked and allowed requests to tune rules or "
            "investigate attacks."
        ),
        severity="medium",
        remediation=(
            "Declare an aws.wafv2.WebAclLoggingConfiguration with `resource_arn=acl.arn` and "
            "`log_destination_configs` (a log group named `aws-waf-logs-...`)."
        ),
        controls=(fsbp("WAF.11"),),
        stack_check=_acl_logging,
        reads={WEB_ACL: ("id", "arn"), WEB_ACL_LOGGING: ("resourceArn",)},
    ),
]
