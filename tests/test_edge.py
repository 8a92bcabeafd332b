"""EdgeDelivery under the offline engine: CloudFront, its certificate and DNS, and WAF."""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import replace
from typing import Any

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.base import InvalidArgs
from components.edge import (
    ASSETS_PATH,
    CACHING_DISABLED,
    EDGE_REGION,
    MANAGED_RULE_GROUPS,
    ONE_YEAR,
    STAGING_HEADER,
    TYPE_TOKEN,
    EdgeDelivery,
    EdgeDeliveryArgs,
    oac_statement,
    problems,
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
CSP = "default-src 'self'; frame-ancestors 'none'"
ZONE = "Z0123456789ABCDEFGHIJ"
# dev-like: no continuous deployment, no API origin, nothing blocked by country
PLAIN = EdgeDeliveryArgs(
    assets_bucket_arn=BUCKET_ARN,
    assets_bucket_regional_domain_name="gam-test-cdn-assets.s3.eu-west-1.amazonaws.com",
    log_bucket_domain_name="gam-test-access-logs.s3.amazonaws.com",
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


@functools.cache
def record_of(variant: str) -> Record:
    def program() -> None:
        edge = EdgeDelivery("edge", VARIANTS[variant])
        pulumi.export("bucketPolicyStatements", edge.bucket_policy_statements)
        pulumi.export("keyPolicyStatements", edge.key_policy_statements)

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
    }
    assert Counter(r.type for r in record_of("plain").resources) == {**common, DISTRIBUTION: 1}
    assert Counter(r.type for r in record_of("full").resources) == {
        **common,
        DISTRIBUTION: 2,
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


def test_spa_routes_fall_back_to_index_html_with_200(
    variant: tuple[EdgeDeliveryArgs, Record],
) -> None:
    _, record = variant
    for distribution in record.by_type(DISTRIBUTION):
        responses = inputs(distribution)["customErrorResponses"]
        assert {(r["errorCode"], r["responseCode"], r["responsePagePath"]) for r in responses} == {
            (403, 200, "/index.html"),
            (404, 200, "/index.html"),
        }
        assert inputs(distribution)["defaultRootObject"] == "index.html"


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
        assert props["loggingConfig"] == {
            "bucket": args.log_bucket_domain_name,
            "prefix": "cloudfront/edge/",
            "includeCookies": False,
        }
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
    arns = sorted(d.outputs["arn"] for d in distributions)
    (statement,) = record.outputs["bucketPolicyStatements"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == f"{BUCKET_ARN}/*"
    assert sorted(statement["Condition"]["StringEquals"]["AWS:SourceArn"]) == arns
    (key,) = record.outputs["keyPolicyStatements"]
    assert key["Action"] == "kms:Decrypt"
    assert sorted(key["Condition"]["StringEquals"]["AWS:SourceArn"]) == arns


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
        *("loggingConfig", "customErrorResponses", "httpVersion", "priceClass"),
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
