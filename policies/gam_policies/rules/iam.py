"""IAM: no administrator or service-wide wildcard grants, OIDC trust pinned to audience and subject.

A policy document is read as JSON text or as an object, its `Statement` as one object
or a list (`_shared.statements`, which KMS key policies and S3 bucket policies use too);
a document that cannot be read is a violation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gam_policies.framework import Context, Resource, Rule, cis, fsbp, on
from gam_policies.rules._shared import Judge, Statement, as_list, judge_document, principals

ROLE = "aws:iam/role:Role"
IDENTITY_POLICY_TYPES = (
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    ROLE,  # its (deprecated) `inlinePolicies`
)

# Services whose partial wildcards (`s3:Get*`, `kms:Re*`, `iam:Pass*`) reach data or
# privileges across the account when granted on Resource `*`.
SENSITIVE_SERVICES = frozenset({"iam", "kms", "s3", "secretsmanager", "sts"})

# Where each identity policy type holds its documents (`_identity_documents`).
IDENTITY_DOCUMENTS = {
    **on(IDENTITY_POLICY_TYPES, "policy"),
    ROLE: ("inlinePolicies[].policy",),
}


# --- identity policies ------------------------------------------------------------------


def _identity_documents(resource: Resource) -> list[tuple[str, Any]]:
    if resource.type == ROLE:
        inline = as_list(resource.get("inlinePolicies"))
        return [(f"inlinePolicies.{i}.policy", p.get("policy")) for i, p in enumerate(inline)]
    return [("policy", resource.get("policy"))]


def _judge_identity(resource: Resource, judge: Judge) -> Iterator[str]:
    for path, document in _identity_documents(resource):
        yield from judge_document(path, document, judge)


# --- actions --------------------------------------------------------------------------


def is_wildcard_action(action: Any, resources: list[Any]) -> bool:
    """True for `*`, a service-wide `svc:*`, or a partial wildcard of a sensitive service
    (`s3:Get*`, `kms:*crypt*`) granted on Resource `*`. `ec2:Describe*` on `*` is fine."""
    if not isinstance(action, str) or not any(c in action for c in "*?"):
        return False
    service, _, name = action.lower().partition(":")
    if not name.strip("*?"):
        return True
    return service in SENSITIVE_SERVICES and "*" in resources


def _admin(statement: Statement) -> str | None:
    actions = as_list(statement.get("Action"))
    if any(a in ("*", "*:*") for a in actions) and "*" in as_list(statement.get("Resource")):
        return "allows Action `*` on Resource `*` (full administrator access)."
    return None


def _wildcard(statement: Statement) -> str | None:
    if statement.get("Condition"):
        return None
    if "NotAction" in statement:
        return "allows `NotAction` (every other action) without a Condition."
    resources = as_list(statement.get("Resource"))
    wild = [a for a in as_list(statement.get("Action")) if is_wildcard_action(a, resources)]
    if wild:
        return f"allows wildcard actions {wild} on {resources} without a Condition."
    return None


def _no_admin(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from _judge_identity(resource, _admin)


def _no_wildcards(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from _judge_identity(resource, _wildcard)


# --- OIDC trust -----------------------------------------------------------------------


def _pinned_keys(statement: Statement) -> set[str]:
    """Condition keys (lower case) under StringEquals/StringLike whose values are not `*`."""
    keys: set[str] = set()
    for operator, conditions in (statement.get("Condition") or {}).items():
        if operator in ("StringEquals", "StringLike") and isinstance(conditions, Mapping):
            keys |= {k.lower() for k, v in conditions.items() if "*" not in as_list(v)}
    return keys


def _oidc_unpinned(statement: Statement) -> str | None:
    pinned = _pinned_keys(statement)
    for provider in principals(statement, "Federated"):
        if not isinstance(provider, str) or "oidc-provider/" not in provider:
            continue
        issuer = provider.split("oidc-provider/", 1)[1].lower()
        missing = [f"{issuer}:{k}" for k in ("aud", "sub") if f"{issuer}:{k}" not in pinned]
        if missing:
            return f"trusts {provider} without pinning {missing} under StringEquals/StringLike."
    return None


def _oidc_trust(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from judge_document("assumeRolePolicy", resource.get("assumeRolePolicy"), _oidc_unpinned)


RULES = [
    Rule(
        name="iam-no-admin-statements",
        description=(
            "A statement allowing every action on every resource makes its holder an account "
            "administrator, so one compromised workload takes the whole account."
        ),
        severity="critical",
        remediation=(
            'Replace `Action: "*"` / `Resource: "*"` in the `policy` argument of '
            "aws.iam.Policy / aws.iam.RolePolicy (or `inline_policies` of aws.iam.Role) with the "
            "specific actions and resource ARNs the workload needs."
        ),
        controls=(fsbp("IAM.1"), cis("1.16")),
        resource_types=IDENTITY_POLICY_TYPES,
        check=_no_admin,
        reads=IDENTITY_DOCUMENTS,
    ),
    Rule(
        name="iam-no-wildcard-actions",
        description=(
            "Service-wide wildcards (`s3:*`, `kms:*`, `*`), `NotAction` grants and partial "
            "wildcards of iam/kms/s3/secretsmanager/sts on Resource `*` grant privileges nobody "
            "reviewed, including ones AWS adds later."
        ),
        severity="high",
        remediation=(
            "In the `policy` argument of aws.iam.Policy / aws.iam.RolePolicy list the actions "
            "explicitly (e.g. `s3:GetObject`), scope `Resource` to ARNs, or add a `Condition` "
            "that constrains the grant."
        ),
        controls=(fsbp("IAM.21"),),
        resource_types=IDENTITY_POLICY_TYPES,
        check=_no_wildcards,
        reads=IDENTITY_DOCUMENTS,
    ),
    Rule(
        name="iam-oidc-trust-pinned",
        description=(
            "A role trusting an OIDC provider without pinning `:aud` and `:sub` can be assumed by "
            "any workload (any repository, any service account) that provider issues tokens for."
        ),
        severity="critical",
        remediation=(
            "In the `assume_role_policy` of aws.iam.Role add `StringEquals` (or `StringLike`) "
            "conditions on `<issuer>:aud` (e.g. `sts.amazonaws.com`) and `<issuer>:sub` (e.g. "
            "`system:serviceaccount:<namespace>:<name>`), neither of them `*`."
        ),
        controls=(fsbp("IAM.1"),),
        resource_types=(ROLE,),
        check=_oidc_trust,
        reads={ROLE: ("assumeRolePolicy",)},
    ),
]
