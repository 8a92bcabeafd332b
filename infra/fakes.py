"""The offline engine's fake provider: plausible, deterministic outputs and invokes.

Every custom resource gets an id in the format AWS uses for its kind, an ARN in
the stack's region and the fake account, and an auto-name where the program left
`name` unset (as Pulumi's auto-naming would). Type-specific computed outputs live
in `infra.fake_outputs.FAKE_OUTPUTS`. Invokes are answered only where a realistic
answer is known: any other invoke fails loudly with its token.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from infra.engine_types import FakeContext

PARTITION = "aws"

# AWS id prefixes, by pulumi-aws type token.
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/route:Route": "r-rtb",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "tgw-attach",
    "aws:ec2/instance:Instance": "i",
}

# Services whose ARNs carry no region or no account.
_GLOBAL = {"iam", "cloudfront", "route53", "organizations", "s3", "wafv2-global"}


def digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def auto_name(name: str) -> str:
    """Pulumi auto-naming: the logical name plus a 7-character suffix (deterministic here)."""
    return f"{name}-{digest(name, length=7)}"


def fake_id(type_: str, name: str, inputs: Mapping[str, Any]) -> str:
    prefix = _ID_PREFIX.get(type_)
    if prefix:
        return f"{prefix}-{digest(type_, name)}"
    if type_ == "aws:s3/bucket:Bucket":
        return str(inputs.get("bucket") or auto_name(name))
    return str(inputs.get("name") or auto_name(name))


def fake_arn(type_: str, resource_id: str, region: str, account: str) -> str:
    module, _, rest = type_.partition("/")
    service = module.split(":", 1)[1] if ":" in module else module
    kind = rest.split(":", 1)[0].lower()
    if service == "s3" and kind == "bucket":
        return f"arn:{PARTITION}:s3:::{resource_id}"
    if service == "cloudwatch" and kind == "loggroup":
        return f"arn:{PARTITION}:logs:{region}:{account}:log-group:{resource_id}"
    if service in ("sqs", "sns"):
        return f"arn:{PARTITION}:{service}:{region}:{account}:{resource_id}"
    scope_region = "" if service in _GLOBAL else region
    return f"arn:{PARTITION}:{service}:{scope_region}:{account}:{kind}/{resource_id}"


def resource_outputs(
    type_: str,
    name: str,
    inputs: Mapping[str, Any],
    region: str,
    account: str,
    extra: Mapping[str, Callable[[dict[str, Any], FakeContext], dict[str, Any]]],
) -> tuple[str, dict[str, Any]]:
    """(id, state) for one custom resource: its inputs plus computed outputs."""
    resource_id = fake_id(type_, name, inputs)
    state: dict[str, Any] = dict(inputs)
    state.setdefault("arn", fake_arn(type_, resource_id, region, account))
    state.setdefault("name", resource_id if type_ not in _ID_PREFIX else auto_name(name))
    if type_ == "aws:s3/bucket:Bucket":
        state.setdefault("bucket", resource_id)
    tags = inputs.get("tags")
    if isinstance(tags, dict):
        state.setdefault("tagsAll", tags)
    compute = extra.get(type_)
    if compute is not None:
        ctx = FakeContext(region=region, account=account, resource_id=resource_id, name=name)
        state.update(compute(dict(inputs), ctx))
    return resource_id, state


# --- invokes ------------------------------------------------------------------


def _availability_zones(args: Mapping[str, Any], region: str, account: str) -> dict[str, Any]:
    letters = "abcd"
    return {
        "id": region,
        "names": [f"{region}{c}" for c in letters],
        "zoneIds": [f"{region[:3]}{region.split('-')[-1]}-az{i + 1}" for i in range(len(letters))],
        "groupNames": [region] * len(letters),
        "state": args.get("state", "available"),
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
            "add one to infra.fakes.INVOKES with a realistic result"
        )
        self.token = token
