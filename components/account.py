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

    def arn(
        self, service: str, resource: pulumi.Input[str], *, regional: bool = True
    ) -> pulumi.Output[str]:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` (no region if not regional)."""
        region = self.region if regional else ""
        return pulumi.Output.concat(
            "arn:", self.partition, ":", service, ":", region, ":", self.id, ":", resource
        )

    def root(self) -> pulumi.Output[str]:
        """The account principal (`arn:aws:iam::<account>:root`): IAM policies then decide."""
        return self.arn("iam", "root", regional=False)

    def logs_may_use(self, sid: str, *log_groups: str) -> dict[str, Any]:
        """A key policy statement: CloudWatch Logs of this region may use the key for these
        log groups (by name) only; a name ending in `*` is a pattern."""
        arns = [self.arn("logs", f"log-group:{group}") for group in log_groups]
        return logs_may_use(
            sid,
            self.regional_service("logs"),
            arns[0] if len(arns) == 1 else arns,
            like=any(group.endswith("*") for group in log_groups),
        )

    def trusted_by(self, service: str) -> pulumi.Output[str]:
        """The trust policy of a service role: `service`, for this account only."""
        return pulumi.Output.json_dumps(service_trust(service, self.id))

    def regional_service(self, service: str) -> pulumi.Output[str]:
        """A regional service principal or endpoint name, e.g. `logs.eu-west-1.amazonaws.com`."""
        return pulumi.Output.concat(service, ".", self.region, ".", self.dns_suffix)


def service_trust(service: str, account_id: Any) -> dict[str, Any]:
    """A trust policy: `service` may assume the role, on behalf of `account_id` only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


# What CloudWatch Logs does with a customer key when it encrypts a log group.
LOGS_KEY_ACTIONS = (
    *("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"),
    "kms:Describe*",
)


def logs_may_use(
    sid: str,
    logs_service: pulumi.Input[str],
    log_group_arns: pulumi.Input[str] | Sequence[pulumi.Input[str]],
    *,
    like: bool = False,
) -> dict[str, Any]:
    """A key policy statement: CloudWatch Logs (`logs_service`, e.g.
    `logs.eu-west-1.amazonaws.com`) may use the key for these log groups only (`like`:
    the ARNs are patterns)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": logs_service},
        "Action": list(LOGS_KEY_ACTIONS),
        "Resource": "*",
        "Condition": {
            "ArnLike" if like else "ArnEquals": {
                "kms:EncryptionContext:aws:logs:arn": log_group_arns
            }
        },
    }


def customer_key(
    owner: GamComponent,
    account: Account,
    role: str,
    description: str,
    use: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]],
    *,
    protect: bool,
    admin: str | Sequence[str] = "kms:*",
    region: str | None = None,
    provider: pulumi.ProviderResource | None = None,
) -> aws.kms.Key:
    """A customer managed key (rotation on, 30-day deletion window) that the account
    administers with `admin` (default `kms:*` for the account principal, so IAM policies
    decide who in the account may use it, as in AWS's default key policy; narrower to
    keep use to a service) and that the `use` statements open to a service (an Output
    too, e.g. statements naming resources made later). `region` or
    `provider`: create it in another region (a DR copy; a key serves its own region only)."""
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
        policy=pulumi.Output.json_dumps(
            pulumi.Output.all(administer, use).apply(
                lambda v: {"Version": "2012-10-17", "Statement": [v[0], *v[1]]}
            )
        ),
        tags=owner.tags(role),
        opts=owner.child_opts(protect=protect, provider=provider),
        region=region,
    )
