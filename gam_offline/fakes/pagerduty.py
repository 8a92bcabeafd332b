"""Fakes of pulumi-pagerduty resource types: what PagerDuty computes.

PagerDuty ids are `P` and six upper-case letters or digits; an inbound integration has
a 32-hex-digit integration key. One function per type.
"""

from __future__ import annotations

from typing import Any

from gam_offline.fakes.registry import digest, fake
from gam_offline.records import FakeContext

Inputs = dict[str, Any]
Outputs = dict[str, Any]
APP = "https://gam.pagerduty.com"


def _id(ctx: FakeContext, kind: str) -> str:
    return "P" + digest(kind, ctx.name, length=6).upper()


@fake("pagerduty:index/team:Team")
def _team(inputs: Inputs, ctx: FakeContext) -> Outputs:
    team = _id(ctx, "team")
    return {"id": team, "htmlUrl": f"{APP}/teams/{team}", "defaultRole": "manager"}


@fake("pagerduty:index/escalationPolicy:EscalationPolicy")
def _escalation_policy(inputs: Inputs, ctx: FakeContext) -> Outputs:
    rules = [
        {**rule, "id": f"{_id(ctx, 'rule')[:-1]}{n}"}
        for n, rule in enumerate(inputs.get("rules") or [])
    ]
    return {"id": _id(ctx, "policy"), "rules": rules}


@fake("pagerduty:index/service:Service")
def _service(inputs: Inputs, ctx: FakeContext) -> Outputs:
    service = _id(ctx, "service")
    return {
        "id": service,
        "htmlUrl": f"{APP}/service-directory/{service}",
        "status": "active",
        "type": "service",
    }


@fake("pagerduty:index/serviceIntegration:ServiceIntegration")
def _service_integration(inputs: Inputs, ctx: FakeContext) -> Outputs:
    integration = _id(ctx, "integration")
    return {
        "id": integration,
        "integrationKey": digest("key", ctx.name, length=32),
        "htmlUrl": f"{APP}/services/{inputs.get('service')}/integrations/{integration}",
    }
