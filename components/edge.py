"""EdgeDelivery: the single-page app behind CloudFront and WAF, and the API's regional WAF.

Decisions, written where they are made (ADR 0013):

- The SPA's files come from the `cdn-assets` bucket (the data-store issue's), read through
  Origin Access Control only: the bucket stays private, and `bucket_policy_statements`
  (for the bucket's owner to add to its policy) admits `s3:GetObject` for this
  distribution and its staging copy alone (`AWS:SourceArn`). The bucket is an argument,
  never created here; `key_policy_statements` opens an SSE-KMS key to the same two.
- Versioned build output (`/assets/*`, file names carry a content hash) is immutable:
  cached for a year at the edge and in browsers. Everything else is the app shell
  (`index.html`): a minute at the edge, revalidated by browsers, so a release shows in
  a minute without an invalidation.
- SPA routes have no object: a CloudFront Function on the default behaviour alone
  (viewer request) serves `/index.html` for every path whose last segment has no dot
  (`spa_uri`, the rule the function's code states). No custom error responses: they are
  distribution-wide and would turn the API's 403/404 under `/api/*` into the app shell;
  a missing file stays a 403/404.
- One response headers policy on every behaviour: HSTS for two years with subdomains
  and preload, the CSP from settings, nosniff, frame DENY, a referrer policy.
- Viewers: HTTPS only (HTTP redirects), TLSv1.2_2021 at least, an ACM certificate in
  us-east-1 (CloudFront reads certificates only there) validated by DNS in the hosted
  zone, and A/AAAA alias records. HTTP/2 always; HTTP/3 too unless continuous deployment
  is on (CloudFront does not support it on distributions with a continuous deployment
  policy). Compression, IPv6, the tier's price class.
- Access logs: CloudFront standard logging v2 (CloudWatch Logs vended delivery, set up in
  us-east-1) to the log bucket under `cloudfront/`, one delivery per distribution, the
  cookie field left out. Unlike legacy logging it needs no ACL on the bucket, so the log
  bucket keeps ACLs disabled; `log_bucket_policy_statements` and
  `log_key_policy_statements` (for the log bucket's owner) admit only these deliveries.
- Safe releases: each build lives in its own folder, `releases/<release>/`, and a
  distribution serves one release (its S3 origin path). CloudFront continuous
  deployment: a staging distribution (same configuration, no aliases) serves
  `staging_release` to a share of viewers by weight, or to the requests that carry the
  `aws-cf-cd-staging` header. Promotion is a settings change (`release` := the staged
  one) through `pulumi up`, so the program's state never drifts from CloudFront.
- `/api/*` goes to the API origin with caching disabled (AWS's managed CachingDisabled)
  and every viewer header but Host forwarded (the API gateway needs its own Host; the
  Authorization header reaches it).
- WAF: a CLOUDFRONT-scope web ACL in us-east-1 on the distribution, and a REGIONAL one
  in the stack's region for the API's load balancer (`api_web_acl_arn`, associated by
  whoever owns the load balancer). Both run AWS's managed groups (common, known bad
  inputs, SQL injection, IP reputation, anonymous IP), a per-IP rate limit and an
  optional country block; both log to `aws-waf-logs-` log groups on keys of their own,
  with the Authorization and Cookie headers redacted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key, logs_may_use
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS

TYPE_TOKEN = "gam:edge:EdgeDelivery"

# CloudFront reads ACM certificates and runs CLOUDFRONT-scope web ACLs from this region only.
EDGE_REGION = "us-east-1"
PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
ASSETS_PATH = "/assets/*"
API_PATH = "/api/*"
ONE_YEAR = 31_536_000
HSTS_MAX_AGE = 2 * ONE_YEAR  # the preload list asks for at least one year
INDEX_TTL = 60
INDEX_MAX_TTL = 300
INDEX = "/index.html"
# The CloudFront Function on the default behaviour: `spa_uri` in JavaScript
# (cloudfront-js-2.0). A path whose last segment has no dot is an SPA route.
SPA_ROUTING_CODE = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.substring(uri.lastIndexOf('/') + 1).indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""
FUNCTION_RUNTIME = "cloudfront-js-2.0"
# Standard logging v2: CloudFront's delivery sources live in us-east-1; what each log
# line holds (the legacy standard log's fields but the cookies).
LOG_PREFIX = "cloudfront"
LOG_SUFFIX = "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
LOG_FIELDS = (
    *("date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)"),
    *("cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query"),
    *("x-edge-result-type", "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes"),
    *("time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher"),
    *("x-edge-response-result-type", "cs-protocol-version", "c-port", "time-to-first-byte"),
    *("x-edge-detailed-result-type", "sc-content-type", "sc-content-len"),
)
LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
# What CloudWatch Logs' delivery does with an SSE-KMS log bucket's key (AWS's statement).
LOG_DELIVERY_KEY_ACTIONS = (
    *("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"),
    "kms:DescribeKey",
)
# AWS's managed cache policy "Managed-CachingDisabled" (the same id in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
REFERRER_POLICIES = (
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
)
STAGING_HEADER = "aws-cf-cd-staging"  # CloudFront requires the aws-cf-cd- prefix
MAX_STAGING_WEIGHT = 0.15  # CloudFront's limit for a weight policy
# AWS managed rule groups, in evaluation order after the country block and rate limit.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
RATE_LIMIT_RANGE = (10, 2_000_000_000)  # requests per IP in 5 minutes (WAF's bounds)
REDACTED_HEADERS = ("authorization", "cookie")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HOST = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_RELEASE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
RELEASES_PREFIX = "/releases"

StagingTraffic = Literal["weight", "header"]


@dataclass(frozen=True, kw_only=True)
class EdgeDeliveryArgs:
    assets_bucket_arn: pulumi.Input[str]
    """Required. The `cdn-assets` bucket's ARN (its policy takes `bucket_policy_statements`)."""
    assets_bucket_regional_domain_name: pulumi.Input[str]
    """Required. `<bucket>.s3.<region>.amazonaws.com`: the S3 origin."""
    log_bucket_arn: pulumi.Input[str]
    """Required. The access-log bucket's ARN (its policy takes `log_bucket_policy_statements`,
    its key `log_key_policy_statements`): standard logging v2 writes under `cloudfront/`."""
    domain_name: str
    """Required. The SPA's host name, e.g. `app.gam.example.org`."""
    hosted_zone_id: str
    """Required. The Route 53 public hosted zone of `domain_name` (Z...)."""
    content_security_policy: str
    """Required. The Content-Security-Policy header value."""
    release: str
    """Required. The SPA version the distribution serves: the bucket's `releases/<release>/`."""
    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`)."""
    api_origin_domain: pulumi.Input[str] | None = None
    """The API's host name (HTTPS) for `/api/*`. None: no API behaviour."""
    price_class: str = "PriceClass_100"
    """CloudFront price class. Default PriceClass_100 (North America, Europe, Israel)."""
    referrer_policy: str = "strict-origin-when-cross-origin"
    rate_limit: int = 2000
    """Requests per client IP in 5 minutes before WAF blocks it. Default 2,000."""
    blocked_countries: tuple[str, ...] = ()
    """ISO 3166 alpha-2 codes WAF blocks. Default: none."""
    continuous_deployment: bool = True
    """A staging distribution and a continuous deployment policy. Default True."""
    staging_traffic: StagingTraffic = "header"
    """Which requests reach staging: those with the `aws-cf-cd-staging` header, or a weight."""
    staging_weight: float = 0.05
    """The share of viewers staging gets with `staging_traffic="weight"` (0 < w <= 0.15)."""
    staging_release: str | None = None
    """The version the staging distribution serves. Default: `release`."""
    waf_log_retention_days: int = 365
    log_bucket_policy: pulumi.Resource | None = None
    """The log bucket's policy resource, when there is one: the log deliveries wait for it,
    so CloudWatch Logs finds its statement there and does not write one of its own."""
    protect: bool = False
    """Protect the log keys and log groups. Default False (set it in prod)."""


def problems(args: EdgeDeliveryArgs) -> list[str]:
    """Every problem with `args`, each saying what to change."""
    found = tag_problems(args.tags)
    if not _HOST.match(args.domain_name):
        found.append(f"domain_name {args.domain_name!r} is not a host name (app.example.org)")
    if not _ZONE_ID.match(args.hosted_zone_id):
        found.append(f"hosted_zone_id {args.hosted_zone_id!r} is not a hosted zone id (Z...)")
    bad_releases = [r for r in (args.release, args.staging_release) if r and not _RELEASE.match(r)]
    if not args.release or bad_releases:
        found.append(
            f"release and staging_release must be version names (letters, digits, . _ -), "
            f"not {bad_releases or [args.release]}"
        )
    if not args.content_security_policy.strip():
        found.append("content_security_policy is empty; give the SPA's policy")
    if args.price_class not in PRICE_CLASSES:
        found.append(f"price_class must be one of {PRICE_CLASSES}, not {args.price_class!r}")
    if args.referrer_policy not in REFERRER_POLICIES:
        found.append(f"referrer_policy must be one of {REFERRER_POLICIES}")
    low, high = RATE_LIMIT_RANGE
    if not low <= args.rate_limit <= high:
        found.append(f"rate_limit {args.rate_limit} is outside WAF's {low}..{high}")
    bad = [c for c in args.blocked_countries if not _COUNTRY.match(c)]
    if bad:
        found.append(f"blocked_countries {bad} are not ISO 3166 alpha-2 codes (e.g. KP)")
    if args.staging_traffic not in ("weight", "header"):
        found.append(f"staging_traffic must be weight or header, not {args.staging_traffic!r}")
    if args.staging_traffic == "weight" and not 0 < args.staging_weight <= MAX_STAGING_WEIGHT:
        found.append(f"staging_weight must be above 0 and at most {MAX_STAGING_WEIGHT}")
    if args.waf_log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"waf_log_retention_days {args.waf_log_retention_days} is not a CloudWatch Logs "
            f"retention; use one of {LOG_RETENTION_DAYS}"
        )
    return found


def oac_statement(bucket_arn: str, distribution_arns: Sequence[str]) -> dict[str, Any]:
    """The bucket policy statement that lets CloudFront read objects for these
    distributions only."""
    return {
        "Sid": "CloudFrontReadsForTheSpaDistributionOnly",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"{bucket_arn}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": list(distribution_arns)}},
    }


def oac_key_statement(distribution_arns: Sequence[str]) -> dict[str, Any]:
    """The key policy statement for an SSE-KMS assets bucket: decrypt for these only."""
    return {
        "Sid": "CloudFrontDecryptsForTheSpaDistributionOnly",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {"AWS:SourceArn": list(distribution_arns)}},
    }


def spa_uri(uri: str) -> str:
    """What the default behaviour's function does to a viewer's path: a path whose last
    segment has no dot is a route of the single-page app and gets `/index.html`; a file
    (`/favicon.ico`, `/robots.txt`) is asked of S3 as it is. `SPA_ROUTING_CODE` says the
    same in JavaScript."""
    last = uri[uri.rfind("/") + 1 :]
    return uri if "." in last else INDEX


def log_delivery_statement(
    log_bucket_arn: str, account: str, source_arns: Sequence[str]
) -> dict[str, Any]:
    """The log bucket policy statement for standard logging v2: CloudWatch Logs' delivery
    may put objects under `cloudfront/` for these delivery sources of this account only."""
    return {
        "Sid": "CloudFrontStandardLogsForTheSpaDistributionsOnly",
        "Effect": "Allow",
        "Principal": {"Service": LOG_DELIVERY_SERVICE},
        "Action": "s3:PutObject",
        "Resource": f"{log_bucket_arn}/{LOG_PREFIX}/*",
        "Condition": {
            "StringEquals": {
                "aws:SourceAccount": account,
                "s3:x-amz-acl": "bucket-owner-full-control",
            },
            "ArnLike": {"aws:SourceArn": list(source_arns)},
        },
    }


def log_delivery_key_statement(account: str, source_arns: Sequence[str]) -> dict[str, Any]:
    """The log bucket's key policy statement: the same deliveries encrypt with it."""
    return {
        "Sid": "CloudFrontStandardLogsEncryptForTheSpaDistributionsOnly",
        "Effect": "Allow",
        "Principal": {"Service": LOG_DELIVERY_SERVICE},
        "Action": list(LOG_DELIVERY_KEY_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": list(source_arns)},
        },
    }


def waf_rules(prefix: str, rate_limit: int, blocked_countries: Sequence[str]) -> list[Any]:
    """The web ACL's rules: the country block (if any), the rate limit, AWS's groups."""

    def visibility(name: str) -> dict[str, Any]:
        return {
            "cloudwatch_metrics_enabled": True,
            "metric_name": f"{prefix}-{name}",
            "sampled_requests_enabled": True,
        }

    rules: list[dict[str, Any]] = []
    if blocked_countries:
        rules.append(
            {
                "name": "block-countries",
                "statement": {"geo_match_statement": {"country_codes": list(blocked_countries)}},
                "action": {"block": {}},
                "visibility_config": visibility("block-countries"),
            }
        )
    rules.append(
        {
            "name": "rate-limit-per-ip",
            "statement": {
                "rate_based_statement": {"limit": rate_limit, "aggregate_key_type": "IP"}
            },
            "action": {"block": {}},
            "visibility_config": visibility("rate-limit-per-ip"),
        }
    )
    for group in MANAGED_RULE_GROUPS:
        rules.append(
            {
                "name": group,
                "statement": {
                    "managed_rule_group_statement": {"vendor_name": "AWS", "name": group}
                },
                "override_action": {"none": {}},
                "visibility_config": visibility(group),
            }
        )
    return [{**rule, "priority": 10 * (n + 1)} for n, rule in enumerate(rules)]


class EdgeDelivery(GamComponent):
    """CloudFront + WAF for the SPA, its certificate and DNS, and the API's regional ACL."""

    distribution_id: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    distribution_domain_name: pulumi.Output[str]
    staging_distribution_id: pulumi.Output[str] | None
    web_acl_arn: pulumi.Output[str]
    api_web_acl_arn: pulumi.Output[str]
    certificate_arn: pulumi.Output[str]
    bucket_policy_statements: pulumi.Output[list[dict[str, Any]]]
    """For the assets bucket's policy: reads for this distribution (and staging) only."""
    key_policy_statements: pulumi.Output[list[dict[str, Any]]]
    """For the assets bucket's key, when it is SSE-KMS: decrypt for the same."""
    log_bucket_policy_statements: pulumi.Output[list[dict[str, Any]]]
    """For the log bucket's policy: standard logging v2 of these distributions only."""
    log_key_policy_statements: pulumi.Output[list[dict[str, Any]]]
    """For the log bucket's key: the same deliveries encrypt with it."""

    def __init__(
        self, name: str, args: EdgeDeliveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("EdgeDelivery", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)
        self._edge = aws.Provider(
            self.child_name(EDGE_REGION), region=EDGE_REGION, opts=self.child_opts()
        )

        certificate = self._certificate()
        web_acl = self._web_acl("cdn", "CLOUDFRONT", self._edge)
        api_acl = self._web_acl("api", "REGIONAL", None)
        oac = aws.cloudfront.OriginAccessControl(
            self.child_name("oac"),
            name=self.child_name("oac"),
            description=f"{name}: CloudFront signs every request to the assets bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=self.child_opts(),
        )
        routing = aws.cloudfront.Function(
            self.child_name("spa-routing"),
            name=self.child_name("spa-routing"),
            runtime=FUNCTION_RUNTIME,
            comment="SPA routes (no dot in the last segment) get /index.html",
            code=SPA_ROUTING_CODE,
            publish=True,
            tags=self.tags("spa-routing"),
            opts=self.child_opts(),
        )
        settings = self._distribution_settings(oac.id, certificate, web_acl.arn, routing.arn)

        staging = None
        policy_id: pulumi.Output[str] | None = None
        if args.continuous_deployment:
            staging = aws.cloudfront.Distribution(
                self.child_name("staging"),
                staging=True,
                comment=f"{name}: staging (continuous deployment)",
                tags=self.tags("staging"),
                opts=self.child_opts(),
                **_serving(settings, args.staging_release or args.release),
            )
            policy = aws.cloudfront.ContinuousDeploymentPolicy(
                self.child_name("continuous-deployment"),
                enabled=True,
                staging_distribution_dns_names=aws.cloudfront.ContinuousDeploymentPolicyStagingDistributionDnsNamesArgs(
                    quantity=1, items=[staging.domain_name]
                ),
                traffic_config=self._traffic_config(),
                opts=self.child_opts(),
            )
            policy_id = policy.id
        distribution = aws.cloudfront.Distribution(
            self.child_name("distribution"),
            aliases=[args.domain_name],
            comment=f"{name}: the single-page app",
            continuous_deployment_policy_id=policy_id,
            tags=self.tags("distribution"),
            opts=self.child_opts(),
            **_serving(settings, args.release),
        )
        for record_type in ("A", "AAAA"):
            aws.route53.Record(
                self.child_name(f"alias-{record_type.lower()}"),
                zone_id=args.hosted_zone_id,
                name=args.domain_name,
                type=record_type,
                aliases=[
                    {
                        "name": distribution.domain_name,
                        "zone_id": distribution.hosted_zone_id,
                        "evaluate_target_health": False,
                    }
                ],
                opts=self.child_opts(),
            )

        served = {"distribution": distribution, **({"staging": staging} if staging else {})}
        readers = [d.arn for d in served.values()]
        arns = pulumi.Output.all(*readers)
        self.bucket_policy_statements = pulumi.Output.all(args.assets_bucket_arn, arns).apply(
            lambda v: [oac_statement(v[0], v[1])]
        )
        self.key_policy_statements = arns.apply(lambda a: [oac_key_statement(a)])
        sources = self._access_logs(served)
        account = self._account.id
        self.log_bucket_policy_statements = pulumi.Output.all(
            args.log_bucket_arn, account, sources
        ).apply(lambda v: [log_delivery_statement(v[0], v[1], v[2])])
        self.log_key_policy_statements = pulumi.Output.all(account, sources).apply(
            lambda v: [log_delivery_key_statement(v[0], v[1])]
        )
        self.distribution_id = distribution.id
        self.distribution_arn = distribution.arn
        self.distribution_domain_name = distribution.domain_name
        self.staging_distribution_id = staging.id if staging else None
        self.web_acl_arn = web_acl.arn
        self.api_web_acl_arn = api_acl.arn
        self.certificate_arn = certificate
        self.register_outputs(
            {
                "distributionId": self.distribution_id,
                "distributionDomainName": self.distribution_domain_name,
                "stagingDistributionId": self.staging_distribution_id,
                "webAclArn": self.web_acl_arn,
                "apiWebAclArn": self.api_web_acl_arn,
                "certificateArn": self.certificate_arn,
            }
        )

    # --- access logs (standard logging v2) ----------------------------------------------

    def _access_logs(
        self, served: Mapping[str, aws.cloudfront.Distribution]
    ) -> pulumi.Output[list[str]]:
        """A delivery source per distribution and one S3 destination (`cloudfront/` in the
        log bucket), all in us-east-1 where CloudFront's deliveries are configured; the
        delivery sources' ARNs."""
        args = self._args
        edge = self.child_opts(provider=self._edge)
        destination = aws.cloudwatch.LogDeliveryDestination(
            self.child_name("access-logs"),
            name=self.child_name("access-logs"),
            output_format="json",
            delivery_destination_configuration={
                "destination_resource_arn": pulumi.Output.concat(
                    args.log_bucket_arn, "/", LOG_PREFIX
                )
            },
            tags=self.tags("access-logs"),
            opts=edge,
        )
        after = [args.log_bucket_policy] if args.log_bucket_policy is not None else []
        arns = []
        for role, distribution in served.items():
            source = aws.cloudwatch.LogDeliverySource(
                self.child_name(f"{role}-logs"),
                name=self.child_name(f"{role}-logs"),
                log_type="ACCESS_LOGS",
                resource_arn=distribution.arn,
                tags=self.tags(f"{role}-logs"),
                opts=edge,
            )
            aws.cloudwatch.LogDelivery(
                self.child_name(f"{role}-logs"),
                delivery_source_name=source.name,
                delivery_destination_arn=destination.arn,
                record_fields=list(LOG_FIELDS),
                s3_delivery_configurations=[
                    {"suffix_path": LOG_SUFFIX, "enable_hive_compatible_path": False}
                ],
                tags=self.tags(f"{role}-logs"),
                opts=self.child_opts(provider=self._edge, depends_on=after),
            )
            arns.append(source.arn)
        return pulumi.Output.all(*arns)

    # --- certificate -------------------------------------------------------------------

    def _certificate(self) -> pulumi.Output[str]:
        """An ACM certificate in us-east-1, validated by a DNS record in the zone."""
        args = self._args
        certificate = aws.acm.Certificate(
            self.child_name("certificate"),
            domain_name=args.domain_name,
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            options={"certificate_transparency_logging_preference": "ENABLED"},
            tags=self.tags("certificate"),
            opts=self.child_opts(provider=self._edge),
        )
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            self.child_name("certificate-validation"),
            zone_id=args.hosted_zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=300,
            allow_overwrite=True,
            opts=self.child_opts(),
        )
        validation = aws.acm.CertificateValidation(
            self.child_name("certificate-validated"),
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            opts=self.child_opts(provider=self._edge),
        )
        return validation.certificate_arn

    # --- CloudFront -------------------------------------------------------------------------

    def _distribution_settings(
        self,
        oac_id: pulumi.Input[str],
        certificate_arn: pulumi.Input[str],
        acl: pulumi.Input[str],
        routing_arn: pulumi.Input[str],
    ) -> dict[str, Any]:
        """What the distribution and its staging copy share."""
        args = self._args
        headers = self._headers_policy("headers", "no-cache", override=False)
        asset_headers = self._headers_policy(
            "asset-headers", f"public, max-age={ONE_YEAR}, immutable", override=True
        )
        index = self._cache_policy("index-cache", INDEX_TTL, 0, INDEX_MAX_TTL)
        assets = self._cache_policy("asset-cache", ONE_YEAR, ONE_YEAR, ONE_YEAR)
        methods = ["GET", "HEAD"]

        def behaviour(target: str, cache: pulumi.Input[str], header: Any) -> dict[str, Any]:
            return {
                "target_origin_id": target,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": methods,
                "cached_methods": methods,
                "cache_policy_id": cache,
                "response_headers_policy_id": header.id,
                "compress": True,
            }

        origins: list[Any] = [
            {
                "origin_id": "assets",
                "domain_name": args.assets_bucket_regional_domain_name,
                "origin_access_control_id": oac_id,
            }
        ]
        ordered: list[Any] = [
            {"path_pattern": ASSETS_PATH, **behaviour("assets", assets.id, asset_headers)}
        ]
        if args.api_origin_domain is not None:
            origins.append(
                {
                    "origin_id": "api",
                    "domain_name": args.api_origin_domain,
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": "https-only",
                        "origin_ssl_protocols": ["TLSv1.2"],
                    },
                }
            )
            api = behaviour("api", CACHING_DISABLED, headers)
            every_method = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
            ordered.append(
                {
                    **api,
                    "path_pattern": API_PATH,
                    "allowed_methods": every_method,
                    "origin_request_policy_id": self._api_request_policy().id,
                }
            )
        return {
            "enabled": True,
            "is_ipv6_enabled": True,
            "http_version": "http2" if args.continuous_deployment else "http2and3",
            "price_class": args.price_class,
            "default_root_object": "index.html",
            "origins": origins,
            "default_cache_behavior": {
                **behaviour("assets", index.id, headers),
                "function_associations": [
                    {"event_type": "viewer-request", "function_arn": routing_arn}
                ],
            },
            "ordered_cache_behaviors": ordered,
            "restrictions": {"geo_restriction": {"restriction_type": "none"}},
            "viewer_certificate": {
                "acm_certificate_arn": certificate_arn,
                "ssl_support_method": "sni-only",
                "minimum_protocol_version": "TLSv1.2_2021",
            },
            "web_acl_id": acl,
        }

    def _traffic_config(self) -> aws.cloudfront.ContinuousDeploymentPolicyTrafficConfigArgsDict:
        if self._args.staging_traffic == "weight":
            return {
                "type": "SingleWeight",
                "single_weight_config": {"weight": self._args.staging_weight},
            }
        return {
            "type": "SingleHeader",
            "single_header_config": {"header": STAGING_HEADER, "value": "true"},
        }

    def _cache_policy(
        self, role: str, default: int, minimum: int, maximum: int
    ) -> aws.cloudfront.CachePolicy:
        """A cache policy keyed on the path alone, with compressed variants."""
        return aws.cloudfront.CachePolicy(
            self.child_name(role),
            name=self.child_name(role),
            default_ttl=default,
            min_ttl=minimum,
            max_ttl=maximum,
            parameters_in_cache_key_and_forwarded_to_origin={
                "cookies_config": {"cookie_behavior": "none"},
                "headers_config": {"header_behavior": "none"},
                "query_strings_config": {"query_string_behavior": "none"},
                "enable_accept_encoding_brotli": True,
                "enable_accept_encoding_gzip": True,
            },
            opts=self.child_opts(),
        )

    def _headers_policy(
        self, role: str, cache_control: str, *, override: bool
    ) -> aws.cloudfront.ResponseHeadersPolicy:
        args = self._args
        return aws.cloudfront.ResponseHeadersPolicy(
            self.child_name(role),
            name=self.child_name(role),
            security_headers_config={
                "strict_transport_security": {
                    "access_control_max_age_sec": HSTS_MAX_AGE,
                    "include_subdomains": True,
                    "preload": True,
                    "override": True,
                },
                "content_security_policy": {
                    "content_security_policy": args.content_security_policy,
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": args.referrer_policy, "override": True},
            },
            custom_headers_config={
                "items": [{"header": "Cache-Control", "value": cache_control, "override": override}]
            },
            opts=self.child_opts(),
        )

    def _api_request_policy(self) -> aws.cloudfront.OriginRequestPolicy:
        """Every viewer header but Host (the API's own host name must reach it), every
        query string, no cookies (the API takes bearer tokens)."""
        return aws.cloudfront.OriginRequestPolicy(
            self.child_name("api-request"),
            name=self.child_name("api-request"),
            headers_config={"header_behavior": "allExcept", "headers": {"items": ["Host"]}},
            cookies_config={"cookie_behavior": "none"},
            query_strings_config={"query_string_behavior": "all"},
            opts=self.child_opts(),
        )

    # --- WAF --------------------------------------------------------------------------------

    def _web_acl(
        self, role: str, scope: str, provider: pulumi.ProviderResource | None
    ) -> aws.wafv2.WebAcl:
        args = self._args
        acl = aws.wafv2.WebAcl(
            self.child_name(f"{role}-acl"),
            name=self.child_name(f"{role}-acl"),
            description=f"{self._name}: {role} ({scope})",
            scope=scope,
            default_action={"allow": {}},
            rules=waf_rules(self.child_name(role), args.rate_limit, args.blocked_countries),
            visibility_config={
                "cloudwatch_metrics_enabled": True,
                "metric_name": self.child_name(f"{role}-acl"),
                "sampled_requests_enabled": True,
            },
            tags=self.tags(f"{role}-acl"),
            opts=self.child_opts(provider=provider),
        )
        group = self._waf_log_group(role, provider)
        aws.wafv2.WebAclLoggingConfiguration(
            self.child_name(f"{role}-acl-logging"),
            resource_arn=acl.arn,
            log_destination_configs=[group.arn],
            redacted_fields=[{"single_header": {"name": h}} for h in REDACTED_HEADERS],
            opts=self.child_opts(provider=provider),
        )
        return acl

    def _waf_log_group(
        self, role: str, provider: pulumi.ProviderResource | None
    ) -> aws.cloudwatch.LogGroup:
        """`aws-waf-logs-...` (WAF's required prefix), on a key of its own that CloudWatch
        Logs may use for that log group only. WAF's log delivery adds itself to the
        account's log resource policy on first use."""
        account = self._account
        region: pulumi.Input[str] = EDGE_REGION if provider is not None else account.region
        group_name = f"aws-waf-logs-{self.child_name(role)}"
        use = logs_may_use(
            "CloudWatchLogsUsesItForTheWafLogGroupOnly",
            pulumi.Output.concat("logs.", region, ".", account.dns_suffix),
            pulumi.Output.concat(
                "arn:",
                account.partition,
                ":logs:",
                region,
                ":",
                account.id,
                ":log-group:",
                group_name,
            ),
        )
        key = customer_key(
            self,
            account,
            f"{role}-waf-logs-key",
            f"Encrypts the WAF logs of {self._name} ({role})",
            [use],
            protect=self._args.protect,
            provider=provider,
        )
        return aws.cloudwatch.LogGroup(
            self.child_name(f"{role}-waf-logs"),
            name=group_name,
            retention_in_days=self._args.waf_log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags(f"{role}-waf-logs", Evidence="security"),
            opts=self.child_opts(
                provider=provider, protect=self._args.protect, retain_on_delete=self._args.protect
            ),
        )


def _serving(settings: dict[str, Any], release: str) -> dict[str, Any]:
    """The distribution settings with the assets origin at one release's folder."""
    assets, *others = settings["origins"]
    origin_path = f"{RELEASES_PREFIX}/{release}"
    return {**settings, "origins": [{**assets, "origin_path": origin_path}, *others]}
