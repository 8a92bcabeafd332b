"""CloudFront and WAF cases: a distribution with an S3 and an API origin, its HSTS
response headers policy, and its web ACL with logging."""

from __future__ import annotations

import json
from typing import Any

from gam_policies.framework import Resource
from gam_policies.rules import edge
from tests.policies.baseline import ACCOUNT, resource
from tests.policies.casekit import Break, Case

ACL_ARN = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/edge/a1b2c3"
HSTS = "securityHeadersConfig.strictTransportSecurity"
VISIBILITY = {
    "cloudwatchMetricsEnabled": True,
    "metricName": "edge",
    "sampledRequestsEnabled": True,
}
COMMON, BAD_INPUTS = "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"


def behaviour(**extra: Any) -> dict[str, Any]:
    return {
        "targetOriginId": "tiles",
        "viewerProtocolPolicy": "redirect-to-https",
        "allowedMethods": ["GET", "HEAD"],
        "cachedMethods": ["GET", "HEAD"],
        "responseHeadersPolicyId": "hsts-id",
        **extra,
    }


def distribution(**props: Any) -> Resource:
    defaults = {
        "enabled": True,
        "origins": [
            {
                "originId": "tiles",
                "domainName": "gam-tiles.s3.eu-west-1.amazonaws.com",
                "originAccessControlId": "oac-tiles-id",
            },
            {
                "originId": "api",
                "domainName": "api.gam.example.org",
                "customOriginConfig": {"originProtocolPolicy": "https-only"},
            },
        ],
        "defaultCacheBehavior": behaviour(),
        "orderedCacheBehaviors": [behaviour(pathPattern="/api/*", targetOriginId="api")],
        "viewerCertificate": {
            "acmCertificateArn": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/edge",
            "sslSupportMethod": "sni-only",
            "minimumProtocolVersion": "TLSv1.2_2021",
        },
        "webAclId": ACL_ARN,
        "loggingConfig": {"bucket": "gam-logs.s3.amazonaws.com", "prefix": "cloudfront/"},
        "restrictions": {"geoRestriction": {"restrictionType": "none"}},
    }
    return resource(edge.DISTRIBUTION, "edge", {**defaults, **props})


def headers_policy() -> Resource:
    hsts = {
        "accessControlMaxAgeSec": 63072000.0,
        "includeSubdomains": True,
        "override": True,
        "preload": True,
    }
    props = {"name": "gam-hsts", "securityHeadersConfig": {"strictTransportSecurity": hsts}}
    return resource(edge.RESPONSE_HEADERS_POLICY, "hsts", props)


def managed(name: str, priority: int) -> dict[str, Any]:
    return {
        "name": name,
        "priority": priority,
        "overrideAction": {"none": {}},
        "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": name}},
        "visibilityConfig": VISIBILITY,
    }


RATE_LIMIT = {
    "name": "rate-limit",
    "priority": 0,
    "action": {"block": {}},
    "statement": {"rateBasedStatement": {"limit": 2000.0, "aggregateKeyType": "IP"}},
    "visibilityConfig": VISIBILITY,
}


def web_acl(**props: Any) -> Resource:
    defaults = {
        "arn": ACL_ARN,
        "scope": "CLOUDFRONT",
        "defaultAction": {"allow": {}},
        "rules": [RATE_LIMIT, managed(COMMON, 1), managed(BAD_INPUTS, 2)],
        "visibilityConfig": VISIBILITY,
    }
    return resource(edge.WEB_ACL, "edge-acl", {**defaults, **props})


def _api_json(value: Any) -> Any:
    """Engine-shaped rules as the AWS API JSON of `ruleJson` (`ManagedRuleGroupStatement`)."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _api_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_api_json(v) for v in value]
    return value


ACL_AS_JSON = web_acl(rules=[], ruleJson=json.dumps(_api_json(web_acl().get("rules"))))


def acl_logging(links: dict[str, Resource] | None = None, **props: Any) -> Resource:
    defaults = {"logDestinationConfigs": ["arn:aws:logs:us-east-1:1:log-group:aws-waf-logs-edge"]}
    return resource(edge.WEB_ACL_LOGGING, "edge-acl-logs", {**defaults, **props}, links)


def log_source(links: dict[str, Resource] | None = None, **props: Any) -> Resource:
    defaults = {"name": "edge-logs", "logType": "ACCESS_LOGS"}
    return resource(edge.LOG_SOURCE, "edge-logs", {**defaults, **props}, links)


def log_delivery(links: dict[str, Resource] | None = None, **props: Any) -> Resource:
    defaults = {"deliveryDestinationArn": "arn:aws:logs:us-east-1:1:delivery-destination:logs"}
    return resource(edge.LOG_DELIVERY, "edge-logs-delivery", {**defaults, **props}, links)


V2 = distribution(loggingConfig=None)
DIST_ARN = str(V2.get("arn"))


CASES = [
    Case(
        "cloudfront-viewer-https",
        distribution(),
        (
            Break("defaultCacheBehavior.viewerProtocolPolicy", "allow-all"),
            Break("defaultCacheBehavior.viewerProtocolPolicy"),
            Break("defaultCacheBehavior"),
            Break("orderedCacheBehaviors.0.viewerProtocolPolicy", "allow-all"),
        ),
    ),
    Case(
        "cloudfront-min-tls",
        distribution(),
        (
            Break("viewerCertificate.minimumProtocolVersion", "TLSv1.2_2019"),
            Break("viewerCertificate.minimumProtocolVersion", "TLSv1"),
            Break("viewerCertificate.minimumProtocolVersion"),
            Break("viewerCertificate"),
        ),
    ),
    Case("cloudfront-waf-attached", distribution(), (Break("webAclId"), Break("webAclId", ""))),
    Case(
        "cloudfront-access-logging",
        [distribution()],
        (Break("loggingConfig"), Break("loggingConfig.bucket")),
    ),
    Case(  # standard logging v2: a delivery source of the distribution with a delivery
        "cloudfront-access-logging",
        [V2, log_source(resourceArn=DIST_ARN), log_delivery(deliverySourceName="edge-logs")],
        (
            Break("resourceArn", f"{DIST_ARN}-other", index=1),
            Break("resourceArn", index=1),
            Break("logType", "CONNECTION_LOGS", index=1),
            Break("deliverySourceName", "other-logs", index=2),
            Break("deliverySourceName", index=2),
        ),
    ),
    Case(  # in a preview the ARNs are unknown: property dependencies link them
        "cloudfront-access-logging",
        [V2, log_source({"resourceArn": V2}), log_delivery({"deliverySourceName": log_source()})],
        (),
    ),
    Case(
        "cloudfront-s3-origin-oac",
        distribution(),
        (
            Break("origins.0.originAccessControlId"),
            Break(
                "origins.0.s3OriginConfig",
                {"originAccessIdentity": "origin-access-identity/cloudfront/E1"},
            ),
            Break("origins.1.domainName", "gam-assets.s3.amazonaws.com"),
        ),
    ),
    Case(
        "cloudfront-hsts-headers",
        [distribution(), headers_policy()],
        (
            Break("defaultCacheBehavior.responseHeadersPolicyId", "managed-security-headers-id"),
            Break("orderedCacheBehaviors.0.responseHeadersPolicyId"),
            Break(f"{HSTS}.accessControlMaxAgeSec", 86400, index=1),
            Break(f"{HSTS}.accessControlMaxAgeSec", index=1),
            Break(f"{HSTS}.includeSubdomains", False, index=1),
            Break(f"{HSTS}.override", False, index=1),
            Break(HSTS, index=1),
        ),
    ),
    Case(
        "waf-managed-rule-groups",
        web_acl(),
        (
            Break("rules.1.overrideAction", {"count": {}}),
            Break("rules.2"),
            Break("rules.1.statement.managedRuleGroupStatement.vendorName", "ThirdParty"),
            Break("rules"),
        ),
    ),
    Case("waf-managed-rule-groups", ACL_AS_JSON, (Break("ruleJson", "[{"), Break("ruleJson"))),
    Case(
        "waf-rate-based-rule",
        web_acl(),
        (
            Break("rules.0.action", {"count": {}}),
            Break("rules.0.statement.rateBasedStatement"),
            Break("rules.0"),
        ),
    ),
    Case("waf-rate-based-rule", ACL_AS_JSON, (Break("ruleJson", "{}"),)),
    Case(
        "waf-logging",
        [web_acl(), acl_logging(resourceArn=ACL_ARN)],
        (Break("resourceArn", f"{ACL_ARN}-other", index=1), Break("resourceArn", index=1)),
    ),
    Case(  # in a preview the ARN is unknown: the property dependency links them
        "waf-logging",
        [web_acl(), acl_logging({"resourceArn": web_acl()})],
        (),
    ),
]
