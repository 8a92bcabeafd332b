"""Every stack's identity and feature-flag trees, and the edge left off until its bucket."""

from __future__ import annotations

import pytest

from components.feature_flags import TYPE_TOKEN as FLAGS
from components.identity import TYPE_TOKEN as IDENTITY
from gam_offline import analyzer
from gam_offline.records import Record
from tests.support import STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_has_identity_and_flags_and_no_edge_yet(
    stack: str, stack_records: dict[str, Record]
) -> None:
    record = stack_records[stack]
    assert record.one(IDENTITY).name == f"gam-{stack}-identity"
    assert record.one(FLAGS).name == f"gam-{stack}-flags"
    assert not record.by_type("gam:edge:EdgeDelivery")
    assert not record.by_type("aws:cloudfront/distribution:Distribution")
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
    mine = [v for v in report.violations if "-identity-" in v.urn or "-flags-" in v.urn]
    # only the advisory protect rule in dev and staging, on the access-log key
    assert {v.policy for v in mine} <= {"protect-stateful-resources"}
    exempted = {(e.policy, e.urn.rsplit("::", 1)[-1]) for e in report.exemptions}
    threat = ("cognito-threat-protection", f"gam-{stack}-identity-users")
    assert (threat in exempted) is (stack != "prod")
