"""Every stack's identity, feature-flag and edge trees, the edge wired to the lake."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

import pytest

from components.buckets import tls_deny_statement
from components.edge import API_PATH, SPA_ROUTING_CODE
from components.feature_flags import TYPE_TOKEN as FLAGS
from components.identity import TYPE_TOKEN as IDENTITY
from gam_offline import analyzer
from gam_offline.records import Record
from tests.support import STACKS

EDGE = "gam:edge:EdgeDelivery"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
FUNCTION = "aws:cloudfront/function:Function"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KEY = "aws:kms/key:Key"


def named(record: Record, type_: str, name: str) -> Any:
    (found,) = [r for r in record.by_type(type_) if r.name == name]
    return found


def distribution_arns(record: Record) -> list[str]:
    return sorted(d.outputs["arn"] for d in record.by_type(DISTRIBUTION))


def policy_statements(resource: Any) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(resource.plain_inputs()["policy"])["Statement"]
    for statement in statements:  # the order of the distributions' ARNs aside
        for test in statement.get("Condition", {}).values():
            for key, value in test.items():
                if isinstance(value, list):
                    test[key] = sorted(value)
    return statements


@pytest.mark.parametrize("stack", STACKS)
def test_the_cdn_assets_bucket_has_one_policy_its_tls_deny_then_reads_for_this_cdn_only(
    stack: str, stack_records: dict[str, Record]
) -> None:
    record = stack_records[stack]
    bucket = named(record, BUCKET, f"gam-{stack}-data-cdn-assets-bucket")
    arn = bucket.outputs["arn"]
    policies = [p for p in record.by_type(BUCKET_POLICY) if p.plain_inputs()["bucket"] == bucket.id]
    (policy,) = policies  # one policy: the SecureBucket's, with the edge's statement in it
    assert policy_statements(policy) == [
        tls_deny_statement(arn),
        {
            "Sid": "CloudFrontReadsForTheSpaDistributionOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{arn}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arns(record)}},
        },
    ]
    # every distribution reads this bucket, at its release's folder, through OAC
    for distribution in record.by_type(DISTRIBUTION):
        origins = {o["originId"]: o for o in distribution.plain_inputs()["origins"]}
        assert origins["assets"]["domainName"] == bucket.outputs["bucketRegionalDomainName"]
        assert origins["assets"]["originPath"].startswith("/releases/")
        assert origins["assets"]["originAccessControlId"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_cdn_assets_key_lets_cloudfront_decrypt_for_this_cdn_only(
    stack: str, stack_records: dict[str, Record]
) -> None:
    record = stack_records[stack]
    key = named(record, KEY, f"gam-{stack}-data-cdn-assets-key")
    administer, *use = policy_statements(key)
    assert administer["Sid"] == "AccountAdministersTheKey"
    assert use == [
        {
            "Sid": "CloudFrontDecryptsForTheSpaDistributionOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arns(record)}},
        }
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_cloudfront_logs_reach_the_acl_free_log_bucket_for_these_deliveries_only(
    stack: str, stack_records: dict[str, Record]
) -> None:
    record = stack_records[stack]
    bucket = named(record, BUCKET, f"gam-{stack}-data-access-logs-bucket")
    ownership = [
        o
        for o in record.by_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
        if o.plain_inputs()["bucket"] == bucket.id
    ]
    assert [o.plain_inputs()["rule"]["objectOwnership"] for o in ownership] == [
        "BucketOwnerEnforced"  # ACLs disabled: legacy CloudFront logging could not write here
    ]
    (policy,) = [
        p for p in record.by_type(BUCKET_POLICY) if p.plain_inputs()["bucket"] == bucket.id
    ]
    statements = {s["Sid"]: s for s in policy_statements(policy)}
    assert next(iter(statements)) == "DenyInsecureTransport"
    sources = sorted(
        s.outputs["arn"]
        for s in record.by_type("aws:cloudwatch/logDeliverySource:LogDeliverySource")
    )
    assert len(sources) == len(record.by_type(DISTRIBUTION))
    cloudfront = statements["CloudFrontStandardLogsForTheSpaDistributionsOnly"]
    assert cloudfront["Resource"] == f"{bucket.outputs['arn']}/cloudfront/*"
    assert cloudfront["Condition"]["ArnLike"] == {"aws:SourceArn": sources}
    # each delivery waits for that policy: CloudWatch Logs finds its statement and adds none
    for delivery in record.by_type("aws:cloudwatch/logDelivery:LogDelivery"):
        assert policy.urn in delivery.options["dependencies"]
    key = named(record, KEY, f"gam-{stack}-data-access-logs-key")
    (encrypts,) = [
        s
        for s in policy_statements(key)
        if s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}
    ]
    assert encrypts["Condition"]["ArnLike"] == {"aws:SourceArn": sources}


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_path_goes_to_the_identity_http_api_and_spa_routing_skips_it(
    stack: str, stack_records: dict[str, Record]
) -> None:
    record = stack_records[stack]
    api_host = urlparse(record.outputs["apiEndpoint"]).hostname
    (function,) = record.by_type(FUNCTION)
    assert function.plain_inputs()["code"] == SPA_ROUTING_CODE
    for distribution in record.by_type(DISTRIBUTION):
        props = distribution.plain_inputs()
        origins = {o["originId"]: o for o in props["origins"]}
        assert origins["api"]["domainName"] == api_host
        (api,) = [b for b in props["orderedCacheBehaviors"] if b["pathPattern"] == API_PATH]
        assert api["targetOriginId"] == "api" and not api.get("functionAssociations")
        assert not props.get("customErrorResponses")  # API 403/404s reach the viewer
        (association,) = props["defaultCacheBehavior"]["functionAssociations"]
        assert association["functionArn"] == function.outputs["arn"]


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_has_identity_flags_and_the_edge(
    stack: str, stack_records: dict[str, Record]
) -> None:
    record = stack_records[stack]
    assert record.one(IDENTITY).name == f"gam-{stack}-identity"
    assert record.one(FLAGS).name == f"gam-{stack}-flags"
    assert record.one(EDGE).name == f"gam-{stack}-edge"
    edge_children = {r.type for r in record.resources if r.parent == record.one(EDGE).urn}
    assert {DISTRIBUTION, FUNCTION, "aws:wafv2/webAcl:WebAcl"} <= edge_children
    outputs = record.outputs
    assert outputs["tokenIssuer"] == (
        f"https://cognito-idp.eu-west-1.amazonaws.com/{outputs['userPoolId']}"
    )
    assert set(outputs["featureFlags"]) == {
        "applicationId",
        "environmentId",
        "profileId",
        "deploymentStrategyId",
    }


@pytest.mark.parametrize("stack", STACKS)
def test_prod_alone_enforces_threat_protection_and_deletion_protection(
    stack: str, stack_records: dict[str, Record]
) -> None:
    pool = stack_records[stack].one("aws:cognito/userPool:UserPool").plain_inputs()
    prod = stack == "prod"
    assert pool["deletionProtection"] == ("ACTIVE" if prod else "INACTIVE")
    assert (pool.get("userPoolAddOns") or {}).get("advancedSecurityMode") == (
        "ENFORCED" if prod else None
    )
    assert pool["mfaConfiguration"] == ("OPTIONAL" if stack == "dev" else "ON")


@pytest.mark.parametrize("stack", STACKS)
def test_the_new_trees_pass_the_pack_with_only_the_written_exemptions(
    stack: str, policy_reports: dict[str, analyzer.PolicyReport]
) -> None:
    report = policy_reports[stack]
    assert report.mandatory() == []
    mine = [
        v
        for v in report.violations
        if any(f"-{part}-" in v.urn for part in ("identity", "flags", "edge"))
    ]
    # only the advisory protect rule in dev and staging, on the log keys
    assert {v.policy for v in mine} <= {"protect-stateful-resources"}
    exempted = {(e.policy, e.urn.rsplit("::", 1)[-1]) for e in report.exemptions}
    threat = ("cognito-threat-protection", f"gam-{stack}-identity-users")
    assert (threat in exempted) is (stack != "prod")
