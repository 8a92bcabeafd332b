"""The gam-platform CrossGuard policy pack. Only assembles the pack: rules live in gam_policies."""

from pulumi_policy import EnforcementLevel, PolicyPack

from gam_policies.pack import PACK_NAME, to_policy
from gam_policies.rules import all_rules

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[to_policy(rule) for rule in all_rules()],
)
