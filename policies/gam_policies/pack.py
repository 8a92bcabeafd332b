"""Turns the pack's rules into CrossGuard policies.

This is the only module that knows pulumi_policy. Each rule's configuration schema
gains `exemptions`; an exempted resource is reported as not applicable with its
written reason, so exemptions show in every report (offline and in the Pulumi
CLI / Cloud policy results). So is a component registered without properties
(`Rule.not_applicable`): never a pass. Checks run through `Rule.run` / `run_stack`,
which let them read only the paths their rule declares.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from gam_policies.framework import (
    EXEMPTIONS_SCHEMA,
    PACK_NAME,
    Context,
    Resource,
    Rule,
    exemption_for,
)

__all__ = ["PACK_NAME", "config_schema", "to_policy"]

_SEVERITY = {
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


def config_schema(rule: Rule) -> PolicyConfigSchema:
    properties = {key: dict(spec) for key, spec in rule.config.items()}
    properties["exemptions"] = EXEMPTIONS_SCHEMA
    return PolicyConfigSchema(properties=properties)


def _context(config: Any) -> Context:
    return Context(stack=pulumi.get_stack(), config=dict(config or {}))


def _resource(res: ResourceValidationArgs | PolicyResource) -> Resource:
    opts = res.opts
    parent = getattr(res, "parent", None)
    dependencies = getattr(res, "dependencies", None) or []
    property_dependencies = getattr(res, "property_dependencies", None) or {}
    return Resource(
        type=res.resource_type,
        props=res.props,
        name=res.name,
        urn=res.urn,
        protect=bool(opts.protect) if opts is not None else False,
        parent=parent.urn if isinstance(parent, PolicyResource) else opts.parent if opts else None,
        dependencies=tuple(d.urn for d in dependencies),
        property_dependencies={
            k: tuple(d.urn for d in v) for k, v in property_dependencies.items()
        },
    )


def _resource_validator(rule: Rule):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        ctx = _context(args.get_config())
        resource = _resource(args)
        reason = rule.not_applicable(resource) or exemption_for(rule.name, resource, ctx.config)
        if reason:
            args.not_applicable(reason)  # raises: the check does not run
        for message in rule.run(resource, ctx):
            report_violation(message, None)

    return validate


def _stack_validator(rule: Rule):
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        ctx = _context(args.get_config())
        resources = [_resource(r) for r in args.resources]
        by_urn = {r.urn: r for r in resources}
        exempted: list[str] = []
        for urn, message in rule.run_stack(resources, ctx):
            target = by_urn.get(urn)
            exempt = exemption_for(rule.name, target, ctx.config) if target else None
            if exempt:
                exempted.append(exempt)
            else:
                report_violation(message, urn)
        if exempted:
            args.not_applicable("\n".join(exempted))

    return validate


def to_policy(rule: Rule) -> Policy:
    common: dict[str, Any] = dict(
        name=rule.name,
        description=rule.description,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=config_schema(rule),
        severity=_SEVERITY[rule.severity],
        remediation_steps=rule.remediation,
        # a policy no benchmark asks for (yet) names no framework
        framework=PolicyComplianceFramework(
            name=rule.controls[0].framework,
            version=rule.controls[0].version,
            reference=", ".join(c.reference for c in rule.controls),
        )
        if rule.controls
        else None,
        tags=[rule.category],
    )
    if rule.is_stack_rule:
        return StackValidationPolicy(validate=_stack_validator(rule), **common)
    return ResourceValidationPolicy(validate=_resource_validator(rule), **common)
