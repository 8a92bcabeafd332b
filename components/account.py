"""What components that build ARNs and customer keys share: the account they run in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from components.base import GamComponent


class Account:
    """The caller's account, region and partition, looked up once per component."""

    def __init__(self, parent: pulumi.Resource) -> None:
        invoke = pulumi.InvokeOutputOptions(parent=parent)
        partition = aws.get_partition_output(opts=invoke)
        self.region = aws.get_region_output(opts=invoke).region
        self.partition = partition.partition
        self.dns_suffix = partition.dns_suffix
        self.reverse_dns_prefix = partition.reverse_dns_prefix
        self.id = aws.get_caller_identity_output(opts=invoke).account_id

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` (no region if not regional)."""
        region = self.region if regional else ""
        return pulumi.Output.concat(
            "arn:", self.partition, ":", service, ":", region, ":", self.id, ":", resource
        )

    def root(self) -> pulumi.Output[str]:
        """The account principal (`arn:aws:iam::<account>:root`): IAM policies then decide."""
        return self.arn("iam", "root", regional=False)

    def regional_service(self, service: str) -> pulumi.Output[str]:
        """A regional service principal or endpoint name, e.g. `logs.eu-west-1.amazonaws.com`."""
        return pulumi.Output.concat(service, ".", self.region, ".", self.dns_suffix)


def customer_key(
    owner: GamComponent,
    account: Account,
    role: str,
    description: str,
    use: Sequence[Mapping[str, Any]],
    *,
    protect: bool,
    admin: str | Sequence[str] = "kms:*",
) -> aws.kms.Key:
    """A customer managed key (rotation on, 30-day deletion window) that the account
    administers with `admin` (default `kms:*` for the account principal, so IAM policies
    decide who in the account may use it, as in AWS's default key policy; narrower to
    keep use to a service) and that the `use` statements open to a service."""
    administer = {
        "Sid": "AccountAdministersTheKey",
        "Effect": "Allow",
        "Principal": {"AWS": account.root()},
        "Action": admin if isinstance(admin, str) else list(admin),
        "Resource": "*",
    }
    return aws.kms.Key(
        owner.child_name(role),
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [administer, *use]}),
        tags=owner.tags(role),
        opts=owner.child_opts(protect=protect),
    )
