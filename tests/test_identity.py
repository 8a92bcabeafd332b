"""Identity and FeatureFlags under the offline engine: the user pool, the SPA's client, the
HTTP API's JWT authorizer and VPC link, and AppConfig's flags with rollback on alarm."""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.base import InvalidArgs
from components.feature_flags import (
    PROFILE_TYPE,
    READ_ACTIONS,
    FeatureFlags,
    FeatureFlagsArgs,
    read_policy,
)
from components.feature_flags import TYPE_TOKEN as FLAGS_TOKEN
from components.feature_flags import problems as flag_problems
from components.identity import (
    API_ROUTE,
    MIN_PASSWORD_LENGTH,
    TYPE_TOKEN,
    Identity,
    IdentityArgs,
    issuer,
    problems,
)
from components.tags import standard_tags
from components.values import url_problem
from gam_offline.engine import run_program
from gam_offline.records import Record, RecordedResource

TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)
SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
LISTENER = (
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/gam-api/50dc6c495c0c9188/"
    "f2f7dc8efc522ab2"
)
ARGS = IdentityArgs(
    domain_prefix="gam-platform-test",
    callback_urls=("https://app.gam.example.org/auth/callback",),
    logout_urls=("https://app.gam.example.org/",),
    mfa="ON",
    threat_protection=True,
    deletion_protection=True,
    access_token_minutes=15,
    id_token_minutes=15,
    refresh_token_days=7,
    listener_arn=LISTENER,
    subnet_ids=SUBNETS,
    vpc_id="vpc-0123456789abcdef0",
    vpc_cidr="10.10.0.0/16",
    log_retention_days=90,
    protect=True,
    tags=TAGS,
)

POOL = "aws:cognito/userPool:UserPool"
CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
DOMAIN = "aws:cognito/userPoolDomain:UserPoolDomain"
API = "aws:apigatewayv2/api:Api"
AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
STAGE = "aws:apigatewayv2/stage:Stage"
LINK = "aws:apigatewayv2/vpcLink:VpcLink"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
ROUTE = "aws:apigatewayv2/route:Route"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
SG = "aws:ec2/securityGroup:SecurityGroup"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
APPLICATION = "aws:appconfig/application:Application"
ENVIRONMENT = "aws:appconfig/environment:Environment"
PROFILE = "aws:appconfig/configurationProfile:ConfigurationProfile"
STRATEGY = "aws:appconfig/deploymentStrategy:DeploymentStrategy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


@functools.cache
def record() -> Record:
    """The identity with a listener (prod-like), and flags that roll back on its alarm,
    read by an API role."""

    def program() -> None:
        identity = Identity("identity", ARGS)
        flags = FeatureFlags(
            "flags",
            FeatureFlagsArgs(
                environment="test",
                rollback_alarm_arns=[identity.api_errors_alarm_arn],
                deployment_minutes=20,
                bake_minutes=30,
                growth_percent=20,
                tags=TAGS,
            ),
        )
        role = aws.iam.Role(
            "api",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "pods.eks.amazonaws.com"},
                            "Action": ["sts:AssumeRole", "sts:TagSession"],
                        }
                    ],
                }
            ),
        )
        flags.grant_read(role)
        pulumi.export("issuer", identity.issuer)
        pulumi.export("configurationArn", flags.configuration_arn)

    return run_program(program, stack="test", region="eu-west-1")


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return resource.plain_inputs()


def in_component(record: Record, token: str) -> Counter[str]:
    component = record.one(token)
    return Counter(r.type for r in record.resources if component in list(record.ancestors(r)))


def test_registers_exactly_these_resources() -> None:
    assert in_component(record(), TYPE_TOKEN) == {
        POOL: 1,
        CLIENT: 1,
        DOMAIN: 1,
        API: 1,
        AUTHORIZER: 1,
        STAGE: 1,
        SG: 1,
        EGRESS: 1,
        LINK: 1,
        INTEGRATION: 1,
        ROUTE: 1,
        LOG_GROUP: 1,
        KEY: 1,
        ALARM: 1,
    }
    assert in_component(record(), FLAGS_TOKEN) == {
        APPLICATION: 1,
        ENVIRONMENT: 1,
        PROFILE: 1,
        STRATEGY: 1,
        ROLE: 1,
        ROLE_POLICY: 2,  # the alarm reader's, and the API role's read grant
    }


def test_the_pool_has_a_strong_password_policy_mfa_threat_and_deletion_protection() -> None:
    pool = record().one(POOL)
    props = inputs(pool)
    assert props["passwordPolicy"] == {
        "minimumLength": MIN_PASSWORD_LENGTH,
        "requireLowercase": True,
        "requireUppercase": True,
        "requireNumbers": True,
        "requireSymbols": True,
        "temporaryPasswordValidityDays": 3,
    }
    assert MIN_PASSWORD_LENGTH >= 14
    assert props["mfaConfiguration"] == "ON"
    assert props["softwareTokenMfaConfiguration"] == {"enabled": True}
    assert props["userPoolAddOns"] == {"advancedSecurityMode": "ENFORCED"}
    assert props["userPoolTier"] == "PLUS"  # threat protection needs it
    assert props["deletionProtection"] == "ACTIVE"
    assert props["adminCreateUserConfig"] == {"allowAdminCreateUserOnly": True}
    assert pool.protect


def test_the_spa_client_is_public_code_flow_for_pkce_with_the_tokens_and_urls_given() -> None:
    client = inputs(record().one(CLIENT))
    assert client["generateSecret"] is False
    assert record().one(CLIENT).outputs.get("clientSecret") is None
    assert client["allowedOauthFlows"] == ["code"]  # no implicit flow
    assert client["allowedOauthFlowsUserPoolClient"] is True
    assert client["explicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]  # no passwords via API
    assert client["callbackUrls"] == list(ARGS.callback_urls)
    assert client["logoutUrls"] == list(ARGS.logout_urls)
    assert (
        client["accessTokenValidity"],
        client["idTokenValidity"],
        client["refreshTokenValidity"],
    ) == (15, 15, 7)
    assert client["tokenValidityUnits"] == {
        "accessToken": "minutes",
        "idToken": "minutes",
        "refreshToken": "days",
    }
    assert client["enableTokenRevocation"] is True
    assert client["preventUserExistenceErrors"] == "ENABLED"
    assert inputs(record().one(DOMAIN))["domain"] == ARGS.domain_prefix


def test_the_authorizer_trusts_the_pools_issuer_for_the_spa_client_only() -> None:
    rec = record()
    pool, client = rec.one(POOL), rec.one(CLIENT)
    authorizer = inputs(rec.one(AUTHORIZER))
    assert authorizer["authorizerType"] == "JWT"
    assert authorizer["identitySources"] == ["$request.header.Authorization"]
    expected = f"https://cognito-idp.eu-west-1.amazonaws.com/{pool.id}"
    assert authorizer["jwtConfiguration"] == {"issuer": expected, "audiences": [client.id]}
    assert rec.outputs["issuer"] == expected == "https://" + pool.outputs["endpoint"]


@given(region=st.sampled_from(["eu-west-1", "us-east-1"]), pool=st.from_regex(r"[A-Za-z0-9]{9}"))
def test_the_issuer_is_cognito_idp_in_the_pools_region(region: str, pool: str) -> None:
    pool_id = f"{region}_{pool}"
    assert issuer(region, pool_id) == f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def test_every_route_needs_the_jwt_and_reaches_the_listener_through_the_vpc_link() -> None:
    rec = record()
    route = inputs(rec.one(ROUTE))
    assert route["routeKey"] == API_ROUTE
    assert route["authorizationType"] == "JWT"
    assert route["authorizerId"] == rec.one(AUTHORIZER).id
    integration = rec.one(INTEGRATION)
    assert route["target"] == f"integrations/{integration.id}"
    link = rec.one(LINK)
    assert inputs(integration)["connectionType"] == "VPC_LINK"
    assert inputs(integration)["connectionId"] == link.id
    assert inputs(integration)["integrationUri"] == LISTENER
    assert inputs(link)["subnetIds"] == SUBNETS
    group = rec.one(SG)
    assert inputs(link)["securityGroupIds"] == [group.id]
    egress = inputs(rec.one(EGRESS))
    assert (egress["fromPort"], egress["toPort"], egress["cidrIpv4"]) == (443, 443, "10.10.0.0/16")


def test_without_a_listener_the_api_has_no_route_yet(stack_records: dict[str, Record]) -> None:
    dev = stack_records["dev"]
    for type_ in (ROUTE, INTEGRATION, LINK):
        assert dev.by_type(type_) == [], type_
    assert len(dev.by_type(AUTHORIZER)) == 1


def test_access_logs_are_json_encrypted_and_retained() -> None:
    rec = record()
    stage = inputs(rec.one(STAGE))
    group = next(g for g in rec.by_type(LOG_GROUP) if g.name == "identity-access-logs")
    assert stage["name"] == "$default" and stage["autoDeploy"] is True
    assert stage["accessLogSettings"]["destinationArn"] == group.outputs["arn"]
    assert json.loads(stage["accessLogSettings"]["format"].replace("$context.", ""))
    assert inputs(group)["retentionInDays"] == ARGS.log_retention_days
    key = next(k for k in rec.by_type(KEY) if k.outputs["arn"] == inputs(group)["kmsKeyId"])
    assert inputs(key)["enableKeyRotation"] is True
    assert group.protect and key.protect


def test_flags_roll_out_linearly_bake_and_roll_back_on_the_api_alarm() -> None:
    rec = record()
    alarm = rec.one(ALARM)
    assert inputs(alarm)["metricName"] == "5xx"
    assert inputs(alarm)["dimensions"]["ApiId"] == rec.one(API).id
    environment = inputs(rec.one(ENVIRONMENT))
    reader = next(r for r in rec.by_type(ROLE) if r.name == "flags-alarm-reader")
    assert environment["monitors"] == [
        {"alarmArn": alarm.outputs["arn"], "alarmRoleArn": reader.outputs["arn"]}
    ]
    assert json.loads(inputs(reader)["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "appconfig.amazonaws.com"
    }
    strategy = inputs(rec.one(STRATEGY))
    assert (
        strategy["deploymentDurationInMinutes"],
        strategy["finalBakeTimeInMinutes"],
        strategy["growthFactor"],
        strategy["growthType"],
    ) == (20, 30, 20, "LINEAR")
    profile = inputs(rec.one(PROFILE))
    assert (profile["type"], profile["locationUri"]) == (PROFILE_TYPE, "hosted")


def test_grant_read_lets_a_role_read_this_stacks_flags_and_nothing_else() -> None:
    rec = record()
    grant = next(p for p in rec.by_type(ROLE_POLICY) if p.name == "flags-read-api")
    api_role = next(r for r in rec.by_type(ROLE) if r.name == "api")
    assert inputs(grant)["role"] == api_role.id
    (statement,) = json.loads(inputs(grant)["policy"])["Statement"]
    assert statement["Action"] == list(READ_ACTIONS)
    app, env, profile = rec.one(APPLICATION), rec.one(ENVIRONMENT), rec.one(PROFILE)
    assert (
        statement["Resource"]
        == rec.outputs["configurationArn"]
        == (
            f"arn:aws:appconfig:eu-west-1:123456789012:application/{app.id}/environment/"
            f"{env.outputs['environmentId']}/configuration/{profile.outputs['configurationProfileId']}"
        )
    )


@given(arn=st.from_regex(r"arn:aws:appconfig:[a-z]{2}-[a-z]+-\d:\d{12}:application/[a-z0-9]{7}"))
def test_the_read_policy_names_only_the_read_actions_on_one_resource(arn: str) -> None:
    (statement,) = json.loads(read_policy(arn))["Statement"]
    assert statement == {
        "Sid": "ReadFeatureFlags",
        "Effect": "Allow",
        "Action": list(READ_ACTIONS),
        "Resource": arn,
    }


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://app.gam.example.org/auth/callback", True),
        ("http://localhost:5173/auth/callback", True),
        ("http://app.gam.example.org/auth/callback", False),
        ("https://app.gam.example.org/#/callback", False),
        ("javascript:alert(1)", False),
        ("https:///callback", False),
    ],
)
def test_callback_urls_are_https_except_on_localhost(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


def test_bad_arguments_are_all_reported_at_once_before_any_resource() -> None:
    bad = replace(
        ARGS,
        domain_prefix="my-cognito-login",
        mfa="SOMETIMES",  # type: ignore[arg-type]
        callback_urls=(),
        logout_urls=("http://example.org/",),
        access_token_minutes=1,
        refresh_token_days=0,
        vpc_cidr=None,
        listener_arn="arn:aws:s3:::not-a-listener",
        log_retention_days=7000,
    )
    found = problems(bad)
    assert len(found) == 9, found
    with pytest.raises(InvalidArgs) as caught:
        Identity("identity", bad)
    assert caught.value.problems == found
    assert problems(ARGS) == []
    flags = FeatureFlagsArgs(
        environment="", rollback_alarm_arns=[], growth_percent=0, bake_minutes=-1, tags=TAGS
    )
    assert len(flag_problems(flags)) == 4


def test_fakes_give_cognito_and_api_gateway_formats() -> None:
    rec = record()
    pool, client, api = rec.one(POOL), rec.one(CLIENT), rec.one(API)
    assert re.fullmatch(r"eu-west-1_[A-Za-z0-9]{9}", str(pool.id))
    assert pool.outputs["arn"] == f"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/{pool.id}"
    assert re.fullmatch(r"[a-z0-9]{26}", str(client.id))
    assert re.fullmatch(r"[a-z0-9]{10}", str(api.id))
    assert api.outputs["apiEndpoint"] == f"https://{api.id}.execute-api.eu-west-1.amazonaws.com"
    environment = rec.one(ENVIRONMENT)
    assert environment.id == f"{environment.outputs['environmentId']}:{rec.one(APPLICATION).id}"
