"""EdgeDelivery under the offline engine: CloudFront, its certificate and DNS, and WAF."""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import replace
from typing import Any

import dukpy
import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.base import InvalidArgs
from components.edge import (
    API_PATH,
    ASSETS_PATH,
    CACHING_DISABLED,
    EDGE_REGION,
    INDEX,
    LOG_FIELDS,
    MANAGED_RULE_GROUPS,
    ONE_YEAR,
    SPA_ROUTING_CODE,
    STAGING_HEADER,
    TYPE_TOKEN,
    EdgeDelivery,
    EdgeDeliveryArgs,
    oac_statement,
    problems,
    spa_uri,
    waf_rules,
)
from components.tags import standard_tags
from gam_offline import analyzer, cost, pricebook, usage
from gam_offline.engine import run_program
from gam_offline.records import Record, RecordedResource
from tests.support import PACK_DIR

TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)
BUCKET_ARN = "arn:aws:s3:::gam-test-cdn-assets"
LOG_BUCKET_ARN = "arn:aws:s3:::gam-test-access-logs"
CSP = "default-src 'self'; frame-ancestors 'none'"
ZONE = "Z0123456789ABCDEFGHIJ"
# dev-like: no continuous deployment, no API origin, nothing blocked by country
PLAIN = EdgeDeliveryArgs(
    assets_bucket_arn=BUCKET_ARN,
    assets_bucket_regional_domain_name="gam-test-cdn-assets.s3.eu-west-1.amazonaws.com",
    log_bucket_arn=LOG_BUCKET_ARN,
    domain_name="app.gam.example.org",
    hosted_zone_id=ZONE,
    content_security_policy=CSP,
    release="2026.12.1",
    continuous_deployment=False,
    rate_limit=1000,
    tags=TAGS,
)
# prod-like: a weighted staging distribution, the API behind /api/*, a country block
FULL = replace(
    PLAIN,
    continuous_deployment=True,
    staging_traffic="weight",
    staging_weight=0.05,
    staging_release="2026.12.2",
    api_origin_domain="abcdef1234.execute-api.eu-west-1.amazonaws.com",
    price_class="PriceClass_200",
    rate_limit=2000,
    blocked_countries=("KP",),
    protect=True,
)
VARIANTS = {"plain": PLAIN, "full": FULL}

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
CACHE_POLICY = "aws:cloudfront/cachePolicy:CachePolicy"
HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
REQUEST_POLICY = "aws:cloudfront/originRequestPolicy:OriginRequestPolicy"
CD_POLICY = "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy"
OAC = "aws:cloudfront/originAccessControl:OriginAccessControl"
CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
PROVIDER = "pulumi:providers:aws"
FUNCTION = "aws:cloudfront/function:Function"
LOG_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
LOG_DESTINATION = "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination"
LOG_DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"
ACCOUNT = "123456789012"


@functools.cache
def record_of(variant: str) -> Record:
    def program() -> None:
        edge = EdgeDelivery("edge", VARIANTS[variant])
        pulumi.export("bucketPolicyStatements", edge.bucket_policy_statements)
        pulumi.export("keyPolicyStatements", edge.key_policy_statements)
        pulumi.export("logBucketPolicyStatements", edge.log_bucket_policy_statements)
        pulumi.export("logKeyPolicyStatements", edge.log_key_policy_statements)

    return run_program(program, stack="test", region="eu-west-1")


@pytest.fixture(params=list(VARIANTS))
def variant(request: pytest.FixtureRequest) -> tuple[EdgeDeliveryArgs, Record]:
    return VARIANTS[request.param], record_of(request.param)


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return resource.plain_inputs()


def primary(record: Record) -> RecordedResource:
    return next(d for d in record.by_type(DISTRIBUTION) if not inputs(d).get("staging"))


def by_id(record: Record, type_: str) -> dict[str, RecordedResource]:
    return {str(r.id): r for r in record.by_type(type_)}


def behaviours(distribution: RecordedResource) -> dict[str, dict[str, Any]]:
    """Cache behaviours by path pattern (`default` for the default behaviour)."""
    found = {"default": inputs(distribution)["defaultCacheBehavior"]}
    for behaviour in inputs(distribution).get("orderedCacheBehaviors") or []:
        found[behaviour["pathPattern"]] = behaviour
    return found


def test_registers_exactly_these_resources() -> None:
    common = {
        TYPE_TOKEN: 1,
        PROVIDER: 1,
        OAC: 1,
        CACHE_POLICY: 2,
        HEADERS_POLICY: 2,
        CERTIFICATE: 1,
        VALIDATION: 1,
        RECORD: 3,  # the validation CNAME, the A and AAAA aliases
        WEB_ACL: 2,
        ACL_LOGGING: 2,
        LOG_GROUP: 2,
        KEY: 2,
        FUNCTION: 1,
        LOG_DESTINATION: 1,
    }
    # a log delivery source and a delivery per distribution
    assert Counter(r.type for r in record_of("plain").resources) == {
        **common,
        DISTRIBUTION: 1,
        LOG_SOURCE: 1,
        LOG_DELIVERY: 1,
    }
    assert Counter(r.type for r in record_of("full").resources) == {
        **common,
        DISTRIBUTION: 2,
        LOG_SOURCE: 2,
        LOG_DELIVERY: 2,
        CD_POLICY: 1,
        REQUEST_POLICY: 1,
    }


def test_versioned_assets_are_immutable_for_a_year_and_the_app_shell_lives_a_minute(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    _, record = variant
    policies = by_id(record, CACHE_POLICY)
    paths = behaviours(primary(record))
    assets = inputs(policies[paths[ASSETS_PATH]["cachePolicyId"]])
    assert assets["minTtl"] == assets["defaultTtl"] == assets["maxTtl"] == ONE_YEAR
    shell = inputs(policies[paths["default"]["cachePolicyId"]])
    assert (shell["minTtl"], shell["defaultTtl"], shell["maxTtl"]) == (0, 60, 300)
    for policy in (assets, shell):  # keyed on the path alone, compressed variants cached
        key = policy["parametersInCacheKeyAndForwardedToOrigin"]
        assert key["cookiesConfig"]["cookieBehavior"] == "none"
        assert key["queryStringsConfig"]["queryStringBehavior"] == "none"
        assert key["enableAcceptEncodingBrotli"] and key["enableAcceptEncodingGzip"]
    # and browsers are told the same: immutable assets, revalidated shell
    headers = by_id(record, HEADERS_POLICY)
    asset_headers = inputs(headers[paths[ASSETS_PATH]["responseHeadersPolicyId"]])
    assert asset_headers["customHeadersConfig"]["items"] == [
        {
            "header": "Cache-Control",
            "value": f"public, max-age={ONE_YEAR}, immutable",
            "override": True,
        }
    ]


def test_spa_routes_get_index_html_from_a_function_on_the_default_behaviour_alone(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    _, record = variant
    function = record.one(FUNCTION)
    assert inputs(function)["code"] == SPA_ROUTING_CODE
    assert inputs(function)["runtime"] == "cloudfront-js-2.0"
    assert inputs(function)["publish"] is True  # associations run the LIVE stage
    for distribution in record.by_type(DISTRIBUTION):
        paths = behaviours(distribution)
        assert paths["default"]["functionAssociations"] == [
            {"eventType": "viewer-request", "functionArn": function.outputs["arn"]}
        ]
        for path in set(paths) - {"default"}:  # /assets/* and /api/* reach their origins as asked
            assert not paths[path].get("functionAssociations"), path
        assert inputs(distribution)["defaultRootObject"] == "index.html"


def test_api_errors_reach_the_viewer_unchanged_with_no_distribution_wide_error_pages() -> None:
    """CloudFront's custom error responses apply to every behaviour: a 403 or 404 from the
    API under /api/* would become the app shell with 200. There are none."""
    record = record_of("full")
    for distribution in record.by_type(DISTRIBUTION):
        assert not inputs(distribution).get("customErrorResponses")
        api = behaviours(distribution)[API_PATH]
        assert api["targetOriginId"] == "api" and not api.get("functionAssociations")


SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_~%", min_size=1, max_size=12)


@given(folders=st.lists(SEGMENT, max_size=4), route=SEGMENT, trailing=st.booleans())
def test_a_path_whose_last_segment_has_no_dot_is_an_spa_route(
    folders: list[str], route: str, trailing: bool
) -> None:
    uri = "/" + "/".join([*folders, route]) + ("/" if trailing else "")
    assert spa_uri(uri) == INDEX


@given(folders=st.lists(SEGMENT, max_size=4), stem=SEGMENT, extension=SEGMENT)
def test_a_path_to_a_file_is_asked_of_the_bucket_unchanged(
    folders: list[str], stem: str, extension: str
) -> None:
    uri = "/" + "/".join([*folders, f"{stem}.{extension}"])
    assert spa_uri(uri) == uri
    assert spa_uri(spa_uri(uri)) == spa_uri(uri)


def test_the_routing_rule_on_examples() -> None:
    assert spa_uri("/") == INDEX
    assert spa_uri("/maps/42") == INDEX
    assert spa_uri("/v1.2/layers") == INDEX  # a dot in a folder does not make a file
    assert spa_uri("/favicon.ico") == "/favicon.ico"
    assert spa_uri("/index.html") == INDEX
    assert spa_uri("/.well-known/security.txt") == "/.well-known/security.txt"


ROUTING_SAMPLES = [
    "/",
    "/index.html",
    "/maps/42",
    "/maps/42/",
    "/v1.2/layers",
    "/favicon.ico",
    "/assets/app.3f2a1b.js",
    "/.well-known/security.txt",
    "/a.b/c",
    "/users/jane.doe",
    "/%2e%2e/x",
]


def test_the_functions_javascript_routes_exactly_as_the_rule_says() -> None:
    """The code CloudFront runs, run by Duktape (ECMAScript 5.1, as CloudFront Functions'
    runtime), against `spa_uri` on the same paths."""
    routed = dukpy.evaljs(
        [
            SPA_ROUTING_CODE,
            "dukpy.uris.map(function (u) { return handler({request: {uri: u}}).uri; })",
        ],
        uris=ROUTING_SAMPLES,
    )
    assert routed == [spa_uri(u) for u in ROUTING_SAMPLES]


def test_every_behaviour_sends_hsts_preload_the_csp_nosniff_deny_and_a_referrer_policy(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    args, record = variant
    headers = by_id(record, HEADERS_POLICY)
    for path, behaviour in behaviours(primary(record)).items():
        security = inputs(headers[behaviour["responseHeadersPolicyId"]])["securityHeadersConfig"]
        assert security["strictTransportSecurity"] == {
            "accessControlMaxAgeSec": 2 * ONE_YEAR,
            "includeSubdomains": True,
            "preload": True,
            "override": True,
        }, path
        assert security["contentSecurityPolicy"] == {
            "contentSecurityPolicy": CSP,
            "override": True,
        }
        assert security["contentTypeOptions"] == {"override": True}
        assert security["frameOptions"] == {"frameOption": "DENY", "override": True}
        assert security["referrerPolicy"]["referrerPolicy"] == args.referrer_policy


def test_viewers_get_https_tls12_2021_http2_ipv6_compression_and_the_price_class(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    args, record = variant
    for distribution in record.by_type(DISTRIBUTION):
        props = inputs(distribution)
        for behaviour in behaviours(distribution).values():
            assert behaviour["viewerProtocolPolicy"] == "redirect-to-https"
            assert behaviour["compress"] is True
        certificate = props["viewerCertificate"]
        assert certificate["minimumProtocolVersion"] == "TLSv1.2_2021"
        assert certificate["sslSupportMethod"] == "sni-only"
        assert certificate["acmCertificateArn"] == record.one(CERTIFICATE).outputs["arn"]
        assert props["isIpv6Enabled"] is True
        assert props["priceClass"] == args.price_class
        # HTTP/3 unless continuous deployment is on (CloudFront supports it on neither side)
        assert props["httpVersion"] == ("http2" if args.continuous_deployment else "http2and3")
    assert inputs(primary(record))["aliases"] == [args.domain_name]


def test_assets_are_read_through_origin_access_control_and_the_policy_admits_only_these_distributions(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    _, record = variant
    oac = record.one(OAC)
    assert inputs(oac)["originAccessControlOriginType"] == "s3"
    assert inputs(oac)["signingBehavior"] == "always"
    distributions = record.by_type(DISTRIBUTION)
    for distribution in distributions:
        assets = next(o for o in inputs(distribution)["origins"] if o["originId"] == "assets")
        assert assets["originAccessControlId"] == oac.id
        assert "s3OriginConfig" not in assets
    arns = [d.outputs["arn"] for d in distributions]  # the primary's, then staging's
    readers = {"StringEquals": {"AWS:SourceArn": sorted(arns)}}
    statements = record.outputs["bucketPolicyStatements"]
    for statement in statements:  # order of the two ARNs aside, exactly these
        statement["Condition"]["StringEquals"]["AWS:SourceArn"].sort()
    assert statements == [
        {
            "Sid": "CloudFrontReadsForTheSpaDistributionOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{BUCKET_ARN}/*",
            "Condition": readers,
        }
    ]
    keys = record.outputs["keyPolicyStatements"]
    for statement in keys:
        statement["Condition"]["StringEquals"]["AWS:SourceArn"].sort()
    assert keys == [
        {
            "Sid": "CloudFrontDecryptsForTheSpaDistributionOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": readers,
        }
    ]


def test_access_logs_go_to_the_log_bucket_by_standard_logging_v2_without_acls_or_cookies(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    _, record = variant
    provider = record.one(PROVIDER)
    destination = record.one(LOG_DESTINATION)
    assert inputs(destination)["deliveryDestinationConfiguration"] == {
        "destinationResourceArn": f"{LOG_BUCKET_ARN}/cloudfront"
    }
    sources = {inputs(s)["resourceArn"]: s for s in record.by_type(LOG_SOURCE)}
    distributions = record.by_type(DISTRIBUTION)
    assert set(sources) == {d.outputs["arn"] for d in distributions}
    deliveries = {inputs(d)["deliverySourceName"]: d for d in record.by_type(LOG_DELIVERY)}
    assert set(deliveries) == {inputs(s)["name"] for s in sources.values()}
    for source in sources.values():
        assert inputs(source)["logType"] == "ACCESS_LOGS"
        delivery = deliveries[inputs(source)["name"]]
        assert inputs(delivery)["deliveryDestinationArn"] == destination.outputs["arn"]
        assert inputs(delivery)["recordFields"] == list(LOG_FIELDS)
        assert "cs(Cookie)" not in inputs(delivery)["recordFields"]
        # CloudFront's deliveries are configured in us-east-1
        for resource in (source, delivery, destination):
            assert resource.options["provider"] == f"{provider.urn}::{provider.id}"
            assert resource.outputs["arn"].startswith(f"arn:aws:logs:{EDGE_REGION}:")
    for distribution in distributions:  # legacy logging would need ACLs on the bucket
        assert "loggingConfig" not in inputs(distribution)
    source_arns = sorted(s.outputs["arn"] for s in sources.values())
    (statement,) = record.outputs["logBucketPolicyStatements"]
    statement["Condition"]["ArnLike"]["aws:SourceArn"].sort()
    assert statement == {
        "Sid": "CloudFrontStandardLogsForTheSpaDistributionsOnly",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{LOG_BUCKET_ARN}/cloudfront/*",
        "Condition": {
            "StringEquals": {
                "aws:SourceAccount": ACCOUNT,
                "s3:x-amz-acl": "bucket-owner-full-control",
            },
            "ArnLike": {"aws:SourceArn": source_arns},
        },
    }
    (key,) = record.outputs["logKeyPolicyStatements"]
    key["Condition"]["ArnLike"]["aws:SourceArn"].sort()
    assert key["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert key["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": source_arns},
    }


@given(
    arns=st.lists(
        st.from_regex(r"arn:aws:cloudfront::\d{12}:distribution/E[A-Z0-9]{13}", fullmatch=True),
        min_size=1,
        max_size=2,
    )
)
def test_the_oac_statement_never_admits_anyone_but_cloudfront_for_the_named_distributions(
    arns: list[str],
) -> None:
    statement = oac_statement(BUCKET_ARN, arns)
    assert statement["Effect"] == "Allow" and statement["Action"] == "s3:GetObject"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceArn": arns}}


def test_the_api_path_goes_uncached_to_the_api_origin_with_the_viewer_headers() -> None:
    record = record_of("full")
    distribution = primary(record)
    api = behaviours(distribution)["/api/*"]
    assert api["targetOriginId"] == "api"
    assert api["cachePolicyId"] == CACHING_DISABLED
    assert {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"} <= set(api["allowedMethods"])
    request = inputs(record.one(REQUEST_POLICY))
    assert api["originRequestPolicyId"] == record.one(REQUEST_POLICY).id
    # every viewer header but Host (Authorization included), no cookies, all query strings
    assert request["headersConfig"] == {
        "headerBehavior": "allExcept",
        "headers": {"items": ["Host"]},
    }
    assert request["cookiesConfig"] == {"cookieBehavior": "none"}
    assert request["queryStringsConfig"] == {"queryStringBehavior": "all"}
    origin = next(o for o in inputs(distribution)["origins"] if o["originId"] == "api")
    assert origin["domainName"] == FULL.api_origin_domain
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert origin["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]
    assert "/api/*" not in behaviours(primary(record_of("plain")))


def test_continuous_deployment_sends_a_weight_or_a_header_to_the_staging_distribution() -> None:
    record = record_of("full")
    staging = next(d for d in record.by_type(DISTRIBUTION) if inputs(d).get("staging"))
    assert "aliases" not in inputs(staging)  # a staging distribution has no CNAMEs
    policy = record.one(CD_POLICY)
    assert inputs(primary(record))["continuousDeploymentPolicyId"] == policy.id
    assert inputs(policy)["enabled"] is True
    assert inputs(policy)["stagingDistributionDnsNames"] == {
        "quantity": 1,
        "items": [staging.outputs["domainName"]],
    }
    assert inputs(policy)["trafficConfig"] == {
        "type": "SingleWeight",
        "singleWeightConfig": {"weight": 0.05},
    }
    # each side serves its release's folder of the bucket, and nothing else differs
    paths = {
        side: next(o for o in inputs(d)["origins"] if o["originId"] == "assets")
        for side, d in (("staging", staging), ("primary", primary(record)))
    }
    assert paths["staging"]["originPath"] == "/releases/2026.12.2"
    assert paths["primary"]["originPath"] == "/releases/2026.12.1"
    assert {**paths["staging"], "originPath": ""} == {**paths["primary"], "originPath": ""}
    shared = [
        *("defaultCacheBehavior", "orderedCacheBehaviors", "viewerCertificate", "webAclId"),
        *("httpVersion", "priceClass"),
    ]
    assert {k: inputs(staging)[k] for k in shared} == {
        k: inputs(primary(record))[k] for k in shared
    }
    assert "continuousDeploymentPolicyId" not in inputs(primary(record_of("plain")))


def test_the_header_policy_routes_requests_carrying_the_staging_header() -> None:
    def program() -> None:
        EdgeDelivery("edge", replace(FULL, staging_traffic="header"))

    config = inputs(run_program(program, stack="test", region="eu-west-1").one(CD_POLICY))
    assert config["trafficConfig"] == {
        "type": "SingleHeader",
        "singleHeaderConfig": {"header": STAGING_HEADER, "value": "true"},
    }
    assert STAGING_HEADER.startswith("aws-cf-cd-")


def test_the_certificate_is_in_us_east_1_validated_by_dns_and_the_name_aliases_the_distribution(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    args, record = variant
    provider = record.one(PROVIDER)
    assert inputs(provider)["region"] == EDGE_REGION
    certificate, validation = record.one(CERTIFICATE), record.one(VALIDATION)
    for resource in (certificate, validation):
        assert resource.options["provider"] == f"{provider.urn}::{provider.id}"
    assert certificate.outputs["arn"].startswith(f"arn:aws:acm:{EDGE_REGION}:")
    assert inputs(certificate)["domainName"] == args.domain_name
    assert inputs(certificate)["validationMethod"] == "DNS"
    records = {inputs(r)["type"]: r for r in record.by_type(RECORD)}
    option = certificate.outputs["domainValidationOptions"][0]
    assert inputs(records["CNAME"])["name"] == option["resourceRecordName"]
    assert inputs(records["CNAME"])["records"] == [option["resourceRecordValue"]]
    assert inputs(validation)["validationRecordFqdns"] == [records["CNAME"].outputs["fqdn"]]
    distribution = primary(record)
    for record_type in ("A", "AAAA"):
        alias = inputs(records[record_type])
        assert alias["zoneId"] == ZONE and alias["name"] == args.domain_name
        assert alias["aliases"] == [
            {
                "name": distribution.outputs["domainName"],
                "zoneId": "Z2FDTNDATAQYW2",
                "evaluateTargetHealth": False,
            }
        ]


def test_web_acls_run_the_managed_groups_the_rate_limit_and_the_country_block(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    args, record = variant
    acls = {inputs(a)["scope"]: a for a in record.by_type(WEB_ACL)}
    assert set(acls) == {"CLOUDFRONT", "REGIONAL"}
    assert acls["CLOUDFRONT"].outputs["arn"].startswith(f"arn:aws:wafv2:{EDGE_REGION}:")
    assert ":global/webacl/" in acls["CLOUDFRONT"].outputs["arn"]
    assert acls["REGIONAL"].outputs["arn"].startswith("arn:aws:wafv2:eu-west-1:")
    for distribution in record.by_type(DISTRIBUTION):
        assert inputs(distribution)["webAclId"] == acls["CLOUDFRONT"].outputs["arn"]
    for acl in acls.values():
        rules = {r["name"]: r for r in inputs(acl)["rules"]}
        for group in MANAGED_RULE_GROUPS:
            statement = rules[group]["statement"]["managedRuleGroupStatement"]
            assert statement == {"vendorName": "AWS", "name": group}
            assert rules[group]["overrideAction"] == {"none": {}}  # enforced, not counted
        rate = rules["rate-limit-per-ip"]
        assert rate["statement"]["rateBasedStatement"] == {
            "limit": args.rate_limit,
            "aggregateKeyType": "IP",
        }
        assert rate["action"] == {"block": {}}
        if args.blocked_countries:
            geo = rules["block-countries"]
            assert geo["statement"]["geoMatchStatement"]["countryCodes"] == ["KP"]
            assert geo["action"] == {"block": {}}
        else:
            assert "block-countries" not in rules
        assert inputs(acl)["defaultAction"] == {"allow": {}}


@given(
    limit=st.integers(10, 2_000_000_000),
    countries=st.lists(st.sampled_from(["KP", "IR", "RU", "CU"]), unique=True, max_size=3),
)
def test_rule_priorities_are_unique_and_the_country_block_and_rate_limit_come_first(
    limit: int, countries: list[str]
) -> None:
    rules = waf_rules("p", limit, countries)
    priorities = [r["priority"] for r in rules]
    assert priorities == sorted(set(priorities))
    first = ["block-countries"] if countries else []
    assert [r["name"] for r in rules] == [*first, "rate-limit-per-ip", *MANAGED_RULE_GROUPS]
    assert len({r["visibility_config"]["metric_name"] for r in rules}) == len(rules)


def test_waf_logs_go_to_aws_waf_logs_groups_on_their_own_keys_with_credentials_redacted(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    args, record = variant
    groups = by_id(record, LOG_GROUP)
    keys = {r.outputs["arn"]: r for r in record.by_type(KEY)}
    for logging in record.by_type(ACL_LOGGING):
        (destination,) = inputs(logging)["logDestinationConfigs"]
        group = next(g for g in groups.values() if g.outputs["arn"] == destination)
        assert inputs(group)["name"].startswith("aws-waf-logs-")
        assert inputs(group)["retentionInDays"] == args.waf_log_retention_days
        key = keys[inputs(group)["kmsKeyId"]]
        assert inputs(key)["enableKeyRotation"] is True
        # the key serves CloudWatch Logs in the group's own region, for that group only
        region = group.outputs["arn"].split(":")[3]
        use = json.loads(inputs(key)["policy"])["Statement"][1]
        assert use["Principal"] == {"Service": f"logs.{region}.amazonaws.com"}
        assert (
            use["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
            == (group.outputs["arn"])
        )
        assert inputs(logging)["redactedFields"] == [
            {"singleHeader": {"name": "authorization"}},
            {"singleHeader": {"name": "cookie"}},
        ]
        assert group.protect is key.protect is args.protect
    regions = sorted(g.outputs["arn"].split(":")[3] for g in groups.values())
    assert regions == ["eu-west-1", EDGE_REGION]


def test_the_component_passes_the_policy_pack_as_configured_for_prod() -> None:
    config = json.loads((PACK_DIR / "config" / "prod.json").read_text())
    report = analyzer.evaluate(record_of("full"), PACK_DIR, config=config)
    assert [(v.policy, v.urn) for v in report.mandatory()] == []
    assert [(v.policy, v.urn) for v in report.violations] == []


def test_bad_arguments_are_all_reported_at_once_before_any_resource() -> None:
    bad = replace(
        PLAIN,
        domain_name="App.Example",
        hosted_zone_id="zone",
        content_security_policy=" ",
        price_class="PriceClass_Cheap",
        rate_limit=5,
        blocked_countries=("North Korea",),
        continuous_deployment=True,
        staging_traffic="weight",
        staging_weight=0.5,
        waf_log_retention_days=42,
        staging_release="../2026",
        tags={},
    )
    found = problems(bad)
    assert len(found) == 10, found
    with pytest.raises(InvalidArgs) as caught:
        EdgeDelivery("edge", bad)
    assert caught.value.problems == found
    assert problems(PLAIN) == problems(FULL) == []


def test_every_edge_resource_is_priced_and_the_region_provider_is_no_item() -> None:
    estimate = cost.estimate(record_of("full"), pricebook.load("eu-west-1"), usage.parse({}))
    assert estimate.unpriced == []
    assert PROVIDER not in {item.type for item in estimate.items}
    # two web ACLs ($5 each) with their rules ($1 each: 7 here), two log keys ($1 each)
    acls = [item for item in estimate.items if item.type == WEB_ACL]
    assert sum(item.fixed for item in acls) == pytest.approx(2 * 5 + 2 * 7)


def test_fakes_give_cloudfronts_global_formats() -> None:
    record = record_of("full")
    for distribution in record.by_type(DISTRIBUTION):
        assert re.fullmatch(r"E[A-Z0-9]{13}", str(distribution.id))
        assert re.fullmatch(r"d[a-z0-9]{13}\.cloudfront\.net", distribution.outputs["domainName"])
        # CloudFront is global: no region in its ARNs
        assert distribution.outputs["arn"] == (
            f"arn:aws:cloudfront::123456789012:distribution/{distribution.id}"
        )
    assert re.fullmatch(r"[0-9a-f-]{36}", str(record.one(CD_POLICY).id))
    assert re.fullmatch(r"E[A-Z0-9]{13}", str(record.one(OAC).id))
