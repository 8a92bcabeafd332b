"""What every GAM component shares: child naming, tags, parenting, input validation, and
admitting one security group to another."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pulumi
import pulumi_aws as aws


class InvalidArgs(ValueError):
    """All the problems with a component's arguments, reported at once."""

    def __init__(self, component: str, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid arguments for {component}:\n{lines}")


def validate(component: str, problems: Iterable[str]) -> None:
    """Raise one InvalidArgs naming every problem, before any resource exists."""
    found = [p for p in problems if p]
    if found:
        raise InvalidArgs(component, found)


class GamComponent(pulumi.ComponentResource):
    """Base for components: children named `{name}-{role}`, parented here, tagged."""

    def __init__(
        self,
        type_token: str,
        name: str,
        tags: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(type_token, name, None, opts)
        self._name = name
        self._tags = dict(tags)

    def child_name(self, role: str) -> str:
        return f"{self._name}-{role}"

    def tags(self, role: str, **extra: str) -> dict[str, str]:
        """Standard tags plus a Name tag for the child with that role."""
        return {**self._tags, "Name": self.child_name(role), **extra}

    def child_opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def admit_group(
        self,
        role: str,
        group_id: pulumi.Input[str],
        source_group_id: pulumi.Input[str],
        port: int,
        description: str,
    ) -> aws.vpc.SecurityGroupIngressRule:
        """Let members of security group `source_group_id` reach `group_id` on TCP `port`:
        one rule of its own (`{name}-{role}`), by group, never by CIDR."""
        return aws.vpc.SecurityGroupIngressRule(
            self.child_name(role),
            security_group_id=group_id,
            referenced_security_group_id=source_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=description,
            tags=self.tags(role),
            opts=self.child_opts(),
        )
