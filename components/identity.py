"""Identity: the Cognito user pool the SPA signs in with, and the HTTP API that checks its
tokens before anything reaches the cluster.

Decisions, written where they are made (ADR 0014):

- Users are created by administrators (no self sign-up), sign in with their e-mail
  address, recover by verified e-mail only, and get no hint whether an account exists.
- Passwords: at least 14 characters with all four character classes; temporary ones
  expire in 3 days. MFA with an authenticator app: optional or required per tier.
- Threat protection (advanced security, ENFORCED: risky sign-ins blocked or challenged)
  needs the Plus tier; with it off the pool is on Essentials. Deletion protection and
  `protect` keep the pool, and its users, through a mistaken destroy.
- The SPA's client is public: authorization code flow only, no client secret (a
  browser cannot keep one), so the SPA must use PKCE (Cognito supports it but has no
  switch to require it for a client). Token lifetimes come from settings; refresh
  tokens are revocable. Callback and logout URLs are HTTPS (http only for localhost).
- The HTTP API accepts only tokens of this pool for this client: a JWT authorizer with
  the pool's issuer and the client id as audience, on every route. It reaches the
  internal load balancer's listener through a VPC link in the private subnets; until a
  listener ARN is given (the EKS issue's) the API has no route, so it answers 404.
- Access logs (JSON, one line a request) go to a log group with retention, on a key of
  its own; an alarm on the API's 5xx responses is what feature flag deployments roll
  back on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlparse

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS, url_problem

TYPE_TOKEN = "gam:identity:Identity"

MFA_MODES = ("OPTIONAL", "ON")
MIN_PASSWORD_LENGTH = 14
OAUTH_SCOPES = ("openid", "email", "profile")
# Cognito's bounds: access and ID tokens 5 minutes to 1 day, refresh tokens 1 hour to 10 years.
TOKEN_MINUTES = (5, 1440)
REFRESH_DAYS = (1, 3650)
API_ROUTE = "ANY /api/{proxy+}"
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","method":"$context.httpMethod",'
    '"path":"$context.path","status":"$context.status",'
    '"latencyMs":"$context.responseLatency","sub":"$context.authorizer.claims.sub",'
    '"error":"$context.error.message","integrationError":"$context.integrationErrorMessage"}'
)
# Cognito domain prefixes: lower-case letters, digits and hyphens, without these words.
_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_RESERVED = ("aws", "amazon", "cognito")
_LISTENER_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/(app|net)/.+$"
)

MfaMode = Literal["OPTIONAL", "ON"]


@dataclass(frozen=True, kw_only=True)
class IdentityArgs:
    domain_prefix: str
    """Required. The hosted sign-in domain's prefix (`<prefix>.auth.<region>.amazoncognito.com`)."""
    callback_urls: Sequence[str]
    """Required. Where Cognito may send the SPA back after sign-in (HTTPS, or localhost)."""
    logout_urls: Sequence[str]
    """Required. Where Cognito may send the SPA back after sign-out."""
    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`)."""
    mfa: MfaMode = "OPTIONAL"
    threat_protection: bool = False
    """Advanced security, ENFORCED (and the Plus tier). Default off (on in prod)."""
    deletion_protection: bool = False
    access_token_minutes: int = 60
    id_token_minutes: int = 60
    refresh_token_days: int = 30
    subnet_ids: pulumi.Input[Sequence[str]] | None = None
    """Private subnets for the VPC link. Required with `listener_arn`."""
    vpc_id: pulumi.Input[str] | None = None
    """The VPC of the VPC link's security group. Required with `listener_arn`."""
    vpc_cidr: str | None = None
    """The VPC's range: the VPC link may reach port 443 there only. Required with `listener_arn`."""
    listener_arn: pulumi.Input[str] | None = None
    """The internal load balancer's HTTPS listener. None: the API has no route yet."""
    log_retention_days: int = 365
    protect: bool = False


def problems(args: IdentityArgs) -> list[str]:
    """Every problem with `args`, each saying what to change."""
    found = tag_problems(args.tags)
    if not _PREFIX.match(args.domain_prefix) or any(w in args.domain_prefix for w in _RESERVED):
        found.append(
            f"domain_prefix {args.domain_prefix!r} must be lower-case letters, digits and "
            f"hyphens, without {list(_RESERVED)}"
        )
    if args.mfa not in MFA_MODES:
        found.append(f"mfa must be one of {MFA_MODES}, not {args.mfa!r}")
    for key in ("callback_urls", "logout_urls"):
        urls = list(getattr(args, key))
        if not urls:
            found.append(f"{key} is empty; list the SPA's URLs")
        found += [f"{key}: {p}" for p in (url_problem(u) for u in urls) if p]
    low, high = TOKEN_MINUTES
    for key in ("access_token_minutes", "id_token_minutes"):
        if not low <= getattr(args, key) <= high:
            found.append(f"{key} must be {low} to {high} minutes")
    low, high = REFRESH_DAYS
    if not low <= args.refresh_token_days <= high:
        found.append(f"refresh_token_days must be {low} to {high}")
    if args.listener_arn is not None:
        missing = [k for k in ("subnet_ids", "vpc_id", "vpc_cidr") if getattr(args, k) is None]
        if missing:
            found.append(f"listener_arn needs {missing} for the VPC link")
        if isinstance(args.listener_arn, str) and not _LISTENER_ARN.match(args.listener_arn):
            found.append(f"listener_arn {args.listener_arn!r} is not a load balancer listener ARN")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"log_retention_days {args.log_retention_days} is not a CloudWatch Logs retention; "
            f"use one of {LOG_RETENTION_DAYS}"
        )
    return found


def issuer(region: str, pool_id: str) -> str:
    """The pool's token issuer: what its tokens carry as `iss`."""
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


class Identity(GamComponent):
    """A Cognito user pool, the SPA's public client and hosted domain, and the HTTP API."""

    user_pool_id: pulumi.Output[str]
    user_pool_arn: pulumi.Output[str]
    client_id: pulumi.Output[str]
    issuer: pulumi.Output[str]
    hosted_domain: pulumi.Output[str]
    api_id: pulumi.Output[str]
    api_endpoint: pulumi.Output[str]
    api_domain: pulumi.Output[str]
    """The API's host name, for CloudFront's `/api/*` origin."""
    api_errors_alarm_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("Identity", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)

        pool = self._user_pool()
        client = aws.cognito.UserPoolClient(
            self.child_name("spa-client"),
            name=self.child_name("spa-client"),
            user_pool_id=pool.id,
            generate_secret=False,
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=list(OAUTH_SCOPES),
            supported_identity_providers=["COGNITO"],
            callback_urls=list(args.callback_urls),
            logout_urls=list(args.logout_urls),
            explicit_auth_flows=["ALLOW_REFRESH_TOKEN_AUTH"],
            access_token_validity=args.access_token_minutes,
            id_token_validity=args.id_token_minutes,
            refresh_token_validity=args.refresh_token_days,
            token_validity_units={
                "access_token": "minutes",
                "id_token": "minutes",
                "refresh_token": "days",
            },
            enable_token_revocation=True,
            prevent_user_existence_errors="ENABLED",
            opts=self.child_opts(),
        )
        domain = aws.cognito.UserPoolDomain(
            self.child_name("domain"),
            domain=args.domain_prefix,
            user_pool_id=pool.id,
            managed_login_version=2,
            opts=self.child_opts(),
        )
        self.issuer = pulumi.Output.all(self._account.region, pool.id).apply(
            lambda v: issuer(v[0], v[1])
        )
        api, stage = self._http_api(client.id)

        self.user_pool_id = pool.id
        self.user_pool_arn = pool.arn
        self.client_id = client.id
        self.hosted_domain = pulumi.Output.concat(
            domain.domain, ".auth.", self._account.region, ".amazoncognito.com"
        )
        self.api_id = api.id
        self.api_endpoint = api.api_endpoint
        self.api_domain = api.api_endpoint.apply(lambda e: urlparse(e).hostname or e)
        self.api_errors_alarm_arn = self._errors_alarm(api, stage).arn
        self.register_outputs(
            {
                "userPoolId": self.user_pool_id,
                "clientId": self.client_id,
                "issuer": self.issuer,
                "hostedDomain": self.hosted_domain,
                "apiEndpoint": self.api_endpoint,
            }
        )

    def _user_pool(self) -> aws.cognito.UserPool:
        args = self._args
        return aws.cognito.UserPool(
            self.child_name("users"),
            name=self.child_name("users"),
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            username_configuration={"case_sensitive": False},
            admin_create_user_config={"allow_admin_create_user_only": True},
            account_recovery_setting={
                "recovery_mechanisms": [{"name": "verified_email", "priority": 1}]
            },
            password_policy={
                "minimum_length": MIN_PASSWORD_LENGTH,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": True,
                "temporary_password_validity_days": 3,
            },
            mfa_configuration=args.mfa,
            software_token_mfa_configuration={"enabled": True},
            user_pool_tier="PLUS" if args.threat_protection else "ESSENTIALS",
            user_pool_add_ons=(
                {"advanced_security_mode": "ENFORCED"} if args.threat_protection else None
            ),
            deletion_protection="ACTIVE" if args.deletion_protection else "INACTIVE",
            tags=self.tags("users"),
            opts=self.child_opts(protect=args.protect),
        )

    def _http_api(
        self, client_id: pulumi.Output[str]
    ) -> tuple[aws.apigatewayv2.Api, aws.apigatewayv2.Stage]:
        args = self._args
        api = aws.apigatewayv2.Api(
            self.child_name("api"),
            name=self.child_name("api"),
            protocol_type="HTTP",
            description=f"{self._name}: the API, behind the pool's JWT authorizer",
            tags=self.tags("api"),
            opts=self.child_opts(),
        )
        authorizer = aws.apigatewayv2.Authorizer(
            self.child_name("jwt"),
            name=self.child_name("jwt"),
            api_id=api.id,
            authorizer_type="JWT",
            identity_sources=["$request.header.Authorization"],
            jwt_configuration={"issuer": self.issuer, "audiences": [client_id]},
            opts=self.child_opts(),
        )
        if args.listener_arn is not None:
            self._route(api, authorizer)
        group = self._access_logs()
        stage = aws.apigatewayv2.Stage(
            self.child_name("stage"),
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings={"destination_arn": group.arn, "format": ACCESS_LOG_FORMAT},
            default_route_settings={
                "throttling_burst_limit": 500,
                "throttling_rate_limit": 1000,
                "detailed_metrics_enabled": True,
            },
            tags=self.tags("stage"),
            opts=self.child_opts(),
        )
        return api, stage

    def _route(self, api: aws.apigatewayv2.Api, authorizer: aws.apigatewayv2.Authorizer) -> None:
        """`ANY /api/{proxy+}` with the JWT authorizer, through a VPC link to the listener."""
        args = self._args
        group = aws.ec2.SecurityGroup(
            self.child_name("vpc-link"),
            description=f"{self._name}: the HTTP API's VPC link, to the internal load balancer",
            vpc_id=args.vpc_id,
            tags=self.tags("vpc-link"),
            opts=self.child_opts(),
        )
        aws.vpc.SecurityGroupEgressRule(
            self.child_name("vpc-link-https"),
            security_group_id=group.id,
            description="HTTPS to the internal load balancer",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=args.vpc_cidr,
            tags=self.tags("vpc-link-https"),
            opts=self.child_opts(),
        )
        link = aws.apigatewayv2.VpcLink(
            self.child_name("vpc-link"),
            name=self.child_name("vpc-link"),
            subnet_ids=args.subnet_ids or [],
            security_group_ids=[group.id],
            tags=self.tags("vpc-link"),
            opts=self.child_opts(),
        )
        integration = aws.apigatewayv2.Integration(
            self.child_name("integration"),
            api_id=api.id,
            integration_type="HTTP_PROXY",
            integration_method="ANY",
            connection_type="VPC_LINK",
            connection_id=link.id,
            integration_uri=args.listener_arn,
            payload_format_version="1.0",
            opts=self.child_opts(),
        )
        aws.apigatewayv2.Route(
            self.child_name("route"),
            api_id=api.id,
            route_key=API_ROUTE,
            authorization_type="JWT",
            authorizer_id=authorizer.id,
            target=pulumi.Output.concat("integrations/", integration.id),
            opts=self.child_opts(),
        )

    def _access_logs(self) -> aws.cloudwatch.LogGroup:
        group_name = f"/gam/{self._name}/api-access"
        use = self._account.logs_may_use("CloudWatchLogsUsesItForTheAccessLogGroupOnly", group_name)
        key = customer_key(
            self,
            self._account,
            "access-logs-key",
            f"Encrypts the API access logs of {self._name}",
            [use],
            protect=self._args.protect,
        )
        return aws.cloudwatch.LogGroup(
            self.child_name("access-logs"),
            name=group_name,
            retention_in_days=self._args.log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags("access-logs"),
            opts=self.child_opts(protect=self._args.protect),
        )

    def _errors_alarm(
        self, api: aws.apigatewayv2.Api, stage: aws.apigatewayv2.Stage
    ) -> aws.cloudwatch.MetricAlarm:
        """5xx responses of the API, a minute at a time: 5 or more in 2 of 3 minutes."""
        return aws.cloudwatch.MetricAlarm(
            self.child_name("api-5xx"),
            name=self.child_name("api-5xx"),
            alarm_description=f"{self._name}: the API answers with server errors",
            namespace="AWS/ApiGateway",
            metric_name="5xx",
            dimensions={"ApiId": api.id, "Stage": stage.name},
            statistic="Sum",
            period=60,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            threshold=5,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            tags=self.tags("api-5xx"),
            opts=self.child_opts(),
        )
