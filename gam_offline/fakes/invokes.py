"""The invokes (provider functions) the offline engine answers, with realistic results.

Only what the program calls is answered; any other invoke fails with its token, so a
new data source never gets a silent, made-up answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from components.values import az_id_prefix
from gam_offline.fakes.registry import PARTITION, digest


def _availability_zones(args: Mapping[str, Any], region: str, account: str) -> dict[str, Any]:
    """Four zones that need no opt-in; zone IDs as AWS writes them (eu-west-1: euw1-az1)."""
    letters = "abcd"
    return {
        "id": region,
        "names": [f"{region}{c}" for c in letters],
        "zoneIds": [f"{az_id_prefix(region)}-az{i + 1}" for i in range(len(letters))],
        "groupNames": [region] * len(letters),
        "state": args.get("state"),
        "filters": args.get("filters"),
    }


def _caller_identity(args: Mapping[str, Any], region: str, account: str) -> dict[str, Any]:
    return {
        "id": account,
        "accountId": account,
        "arn": f"arn:{PARTITION}:iam::{account}:user/offline-preview",
        "userId": "AIDAOFFLINEPREVIEW0000",
    }


def _region(args: Mapping[str, Any], region: str, account: str) -> dict[str, Any]:
    return {
        "id": region,
        "region": region,
        "description": f"AWS region {region}",
        "endpoint": f"ec2.{region}.amazonaws.com",
    }


def _partition(args: Mapping[str, Any], region: str, account: str) -> dict[str, Any]:
    return {
        "id": PARTITION,
        "partition": PARTITION,
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
    }


def _statement(spec: Mapping[str, Any]) -> dict[str, Any]:
    """One getPolicyDocument statement, rendered as IAM JSON (as the provider does)."""
    out: dict[str, Any] = {}
    if spec.get("sid"):
        out["Sid"] = spec["sid"]
    out["Effect"] = spec.get("effect") or "Allow"
    for key, field in (
        ("Action", "actions"),
        ("NotAction", "notActions"),
        ("Resource", "resources"),
        ("NotResource", "notResources"),
    ):
        values = spec.get(field)
        if values:
            out[key] = values[0] if len(values) == 1 else sorted(values)
    for key, field in (("Principal", "principals"), ("NotPrincipal", "notPrincipals")):
        principals: dict[str, Any] = {}
        for p in spec.get(field) or ():
            ids = p.get("identifiers") or []
            principals[p["type"]] = ids[0] if len(ids) == 1 else sorted(ids)
        if principals:
            out[key] = "*" if principals == {"*": "*"} else principals
    conditions: dict[str, dict[str, Any]] = {}
    for c in spec.get("conditions") or ():
        values = c.get("values") or []
        conditions.setdefault(c["test"], {})[c["variable"]] = (
            values[0] if len(values) == 1 else values
        )
    if conditions:
        out["Condition"] = conditions
    return out


def _policy_document(args: Mapping[str, Any], region: str, account: str) -> dict[str, Any]:
    document = {
        "Version": args.get("version") or "2012-10-17",
        "Statement": [_statement(s) for s in args.get("statements") or ()],
    }
    rendered = json.dumps(document, indent=2)
    return {
        "id": digest(rendered, length=10),
        "json": rendered,
        "minifiedJson": json.dumps(document, separators=(",", ":")),
    }


Invoke = Callable[[Mapping[str, Any], str, str], dict[str, Any]]

INVOKES: dict[str, Invoke] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
}


class UnansweredInvoke(LookupError):
    """The program called a function the offline engine has no realistic answer for."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"the offline engine has no answer for invoke {token!r}; "
            "add one to gam_offline.fakes.invokes.INVOKES with a realistic result"
        )
        self.token = token
