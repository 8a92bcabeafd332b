"""OpenSearch Service domains (`aws.opensearch.Domain`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, dig, fsbp, require, require_set
from gam_policies.rules._shared import items, judge_document, number, shown, unscoped_grant

DOMAIN = "aws:opensearch/domain:Domain"

MIN_TLS = (1, 2)
_TLS_POLICY = re.compile(r"Policy-Min-TLS-(\d+)-(\d+)(?:-.*)?")
LOG_TYPES = ("AUDIT_LOGS", "SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "ES_APPLICATION_LOGS")
MIN_NODES = 3


def tls_policy_version(policy: object) -> tuple[int, int] | None:
    """The minimum TLS version a `tlsSecurityPolicy` name allows, e.g. (1, 2); None if unknown."""
    match = _TLS_POLICY.fullmatch(policy) if isinstance(policy, str) else None
    return (int(match[1]), int(match[2])) if match else None


def _encryption_at_rest(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(resource, "encryptAtRest.enabled", True, "Indices are not encrypted at rest")
    yield from require_set(
        resource, "encryptAtRest.kmsKeyId", "Indices are not encrypted with a customer key"
    )


def _node_to_node_encryption(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource, "nodeToNodeEncryption.enabled", True, "Traffic between nodes is not encrypted"
    )


def _https_tls(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource, "domainEndpointOptions.enforceHttps", True, "The endpoint accepts plain HTTP"
    )
    policy = resource.get("domainEndpointOptions.tlsSecurityPolicy")
    version = tls_policy_version(policy)
    if version is None or version < MIN_TLS:
        yield (
            "The endpoint accepts TLS older than 1.2: `domainEndpointOptions.tlsSecurityPolicy` "
            f"is {policy!r}, expected Policy-Min-TLS-1-2-2019-07 or newer."
        )


def _in_vpc(resource: Resource, ctx: Context) -> Iterator[str]:
    if not items(resource, "vpcOptions.subnetIds"):
        yield "The domain has a public endpoint: `vpcOptions.subnetIds` is not set."


def _fine_grained_access(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource, "advancedSecurityOptions.enabled", True, "Fine-grained access control is off"
    )
    if resource.get("advancedSecurityOptions.anonymousAuthEnabled") is True:
        yield "Anonymous requests are allowed: `advancedSecurityOptions.anonymousAuthEnabled` is True."


def _access_policy(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from judge_document("accessPolicies", resource.get("accessPolicies"), unscoped_grant)


def _logs(resource: Resource, ctx: Context) -> Iterator[str]:
    published = {
        dig(option, "logType")
        for option in items(resource, "logPublishingOptions")
        if dig(option, "enabled") is not False and dig(option, "cloudwatchLogGroupArn")
    }
    missing = [log for log in LOG_TYPES if log not in published]
    if missing:
        yield f"Logs are not published to CloudWatch: `logPublishingOptions` lacks {', '.join(missing)}."


def _high_availability(resource: Resource, ctx: Context) -> Iterator[str]:
    what = "The domain does not survive the loss of a node or zone"
    yield from require(resource, "clusterConfig.dedicatedMasterEnabled", True, what)
    yield from require(resource, "clusterConfig.zoneAwarenessEnabled", True, what)
    for path in ("clusterConfig.dedicatedMasterCount", "clusterConfig.instanceCount"):
        count = number(resource, path)
        if count is None or count < MIN_NODES:
            yield f"{what}: `{path}` is {shown(count)}, at least {MIN_NODES}."


RULES: list[Rule] = [
    Rule(
        name="opensearch-encryption-at-rest",
        description=(
            "Indices, logs and snapshots of an unencrypted domain are readable from its "
            "storage; a customer key puts every read under our key policy."
        ),
        severity="high",
        remediation=(
            "Set `encrypt_at_rest={'enabled': True, 'kms_key_id': key.arn}` on "
            "aws.opensearch.Domain (only possible when the domain is created)."
        ),
        controls=(fsbp("Opensearch.1"),),
        resource_types=(DOMAIN,),
        check=_encryption_at_rest,
        reads={DOMAIN: ("encryptAtRest.enabled", "encryptAtRest.kmsKeyId")},
    ),
    Rule(
        name="opensearch-node-to-node-encryption",
        description=(
            "Without node-to-node encryption, documents and queries cross the VPC between "
            "nodes in clear text."
        ),
        severity="high",
        remediation="Set `node_to_node_encryption={'enabled': True}` on aws.opensearch.Domain.",
        controls=(fsbp("Opensearch.3"),),
        resource_types=(DOMAIN,),
        check=_node_to_node_encryption,
        reads={DOMAIN: ("nodeToNodeEncryption.enabled",)},
    ),
    Rule(
        name="opensearch-https-tls",
        description=(
            "Plain HTTP or TLS 1.0/1.1 lets credentials and documents be read or altered "
            "in transit."
        ),
        severity="high",
        remediation=(
            "Set `domain_endpoint_options={'enforce_https': True, 'tls_security_policy': "
            "'Policy-Min-TLS-1-2-PFS-2023-10'}` on aws.opensearch.Domain."
        ),
        controls=(fsbp("Opensearch.8"),),
        resource_types=(DOMAIN,),
        check=_https_tls,
        reads={
            DOMAIN: (
                "domainEndpointOptions.enforceHttps",
                "domainEndpointOptions.tlsSecurityPolicy",
            )
        },
    ),
    Rule(
        name="opensearch-in-vpc",
        description=(
            "A domain outside a VPC has an internet endpoint guarded only by its access policy."
        ),
        severity="critical",
        remediation=(
            "Set `vpc_options={'subnet_ids': [...private or data subnet ids], "
            "'security_group_ids': [...]}` on aws.opensearch.Domain (recreates the domain)."
        ),
        controls=(fsbp("Opensearch.2"),),
        resource_types=(DOMAIN,),
        check=_in_vpc,
        reads={DOMAIN: ("vpcOptions.subnetIds",)},
    ),
    Rule(
        name="opensearch-fine-grained-access",
        description=(
            "Without fine-grained access control every principal allowed by the domain "
            "policy can read and write every index."
        ),
        severity="high",
        remediation=(
            "Set `advanced_security_options={'enabled': True, 'anonymous_auth_enabled': False, "
            "'master_user_options': {'master_user_arn': admin_role.arn}}` on "
            "aws.opensearch.Domain."
        ),
        controls=(fsbp("Opensearch.7"),),
        resource_types=(DOMAIN,),
        check=_fine_grained_access,
        reads={
            DOMAIN: (
                "advancedSecurityOptions.enabled",
                "advancedSecurityOptions.anonymousAuthEnabled",
            )
        },
    ),
    Rule(
        name="opensearch-access-policy-scoped",
        description=(
            "A domain access policy that allows Principal `*` (or a service) without a "
            "Condition lets any account's principals send requests to the domain; an unset "
            "one leaves access to whatever reaches the endpoint."
        ),
        severity="high",
        remediation=(
            "Set `access_policies` on aws.opensearch.Domain to a policy whose Allow names this "
            "account (`{'AWS': 'arn:aws:iam::<account>:root'}`) or its roles, and let "
            "fine-grained access control map those roles."
        ),
        controls=(),
        resource_types=(DOMAIN,),
        check=_access_policy,
        reads={DOMAIN: ("accessPolicies",)},
    ),
    Rule(
        name="opensearch-logs",
        description=(
            "Without audit, slow and error logs in CloudWatch there is no record of who "
            "accessed which index and no way to find abusive or failing queries."
        ),
        severity="medium",
        remediation=(
            "Add `log_publishing_options=[{'log_type': t, 'cloudwatch_log_group_arn': "
            "group.arn} for t in ('AUDIT_LOGS', 'SEARCH_SLOW_LOGS', 'INDEX_SLOW_LOGS', "
            "'ES_APPLICATION_LOGS')]` on aws.opensearch.Domain, with an "
            "aws.cloudwatch.LogResourcePolicy allowing es.amazonaws.com to write."
        ),
        controls=(fsbp("Opensearch.5"), fsbp("Opensearch.4")),
        resource_types=(DOMAIN,),
        check=_logs,
        reads={
            DOMAIN: (
                "logPublishingOptions[].logType",
                "logPublishingOptions[].enabled",
                "logPublishingOptions[].cloudwatchLogGroupArn",
            )
        },
    ),
    Rule(
        name="opensearch-high-availability",
        description=(
            "Without three dedicated master nodes and data nodes spread over zones, losing "
            "one node or zone can make the cluster lose quorum or data."
        ),
        severity="medium",
        remediation=(
            "Set `cluster_config={'dedicated_master_enabled': True, 'dedicated_master_count': 3, "
            "'zone_awareness_enabled': True, 'zone_awareness_config': "
            "{'availability_zone_count': 3}, 'instance_count': 3, ...}` on aws.opensearch.Domain."
        ),
        controls=(fsbp("Opensearch.6"), fsbp("Opensearch.11")),
        category="reliability",
        resource_types=(DOMAIN,),
        check=_high_availability,
        reads={
            DOMAIN: (
                "clusterConfig.dedicatedMasterEnabled",
                "clusterConfig.zoneAwarenessEnabled",
                "clusterConfig.dedicatedMasterCount",
                "clusterConfig.instanceCount",
            )
        },
    ),
]
