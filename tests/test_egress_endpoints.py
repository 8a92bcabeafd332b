"""Behind the egress firewall (staging, prod) the pods reach every AWS API they are granted
through an interface endpoint: the firewall passes only its allow-list (pypi.org,
files.pythonhosted.org) and drops the rest (ADR 0004)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from components import feature_flags, messaging
from components.values import DEFAULT_INTERFACE_ENDPOINTS
from gam_offline.records import Record

FIREWALLED = ("staging", "prod")
POD_IDENTITY = "pods.eks.amazonaws.com"
# The endpoint (`com.amazonaws.<region>.<name>`) that serves each IAM service prefix.
ENDPOINT = {
    "appconfig": "appconfigdata",  # StartConfigurationSession, GetLatestConfiguration
    "aps": "aps-workspaces",  # RemoteWrite
    "autoscaling": "autoscaling",
    "ec2": "ec2",
    "ecr": "ecr.api",
    "eks": "eks",
    "elasticloadbalancing": "elasticloadbalancing",
    "kms": "kms",
    "logs": "logs",
    "secretsmanager": "secretsmanager",
    "sns": "sns",
    "sqs": "sqs",
    "ssm": "ssm",
    "sts": "sts",
    "wafv2": "wafv2",
    "xray": "xray",
}
# Granted, yet reached without an interface endpoint, each for its reason.
NO_INTERFACE_ENDPOINT = {
    "s3": "the gateway endpoint on the private route tables",
    "rds-db": "an auth token signed in the pod, checked by the database: no API call",
    "elasticache": "an auth token signed in the pod, checked by the cache: no API call",
    "es": "the log store's own HTTPS endpoint, in the data subnets (ADR 0018): no AWS API",
    # global, no regional endpoint: the controller calls it only while the ELB
    # service-linked role is missing (ADR 0011 says how to create it once)
    "iam": "iam:CreateServiceLinkedRole for elasticloadbalancing.amazonaws.com only",
}


def actions(document: Any) -> Iterator[str]:
    for statement in json.loads(document)["Statement"] if isinstance(document, str) else []:
        if statement["Effect"] == "Allow":
            found = statement["Action"]
            yield from [found] if isinstance(found, str) else found


def services(granted: Iterable[str]) -> set[str]:
    return {action.split(":", 1)[0] for action in granted}


def pod_actions(record: Record) -> set[str]:
    """What the pods' roles (Pod Identity) may call, from their inline policies."""
    pod_roles = {
        r.outputs["name"]
        for r in record.by_type("aws:iam/role:Role")
        if POD_IDENTITY in r.plain_inputs()["assumeRolePolicy"]
    }
    return {
        action
        for p in record.by_type("aws:iam/rolePolicy:RolePolicy")
        if p.plain_inputs()["role"] in pod_roles
        for action in actions(p.plain_inputs()["policy"])
    }


def endpoints(record: Record) -> set[str]:
    return {
        e.plain_inputs()["serviceName"].split(".", 3)[3]
        for e in record.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.plain_inputs().get("vpcEndpointType") == "Interface"
    }


def test_the_workloads_and_collectors_grants_are_served_by_default_endpoints() -> None:
    """The workloads' grants (queues, topic, feature flags) before any role holds them, and
    the collector's remote write once a Prometheus workspace is given."""
    granted = (
        "aps:RemoteWrite",
        *messaging.SEND_ACTIONS,
        *messaging.CONSUME_ACTIONS,
        *messaging.PUBLISH_ACTIONS,
        *messaging.ENCRYPT_ACTIONS,
        *feature_flags.READ_ACTIONS,
    )
    assert {ENDPOINT[s] for s in services(granted)} <= set(DEFAULT_INTERFACE_ENDPOINTS)


@pytest.mark.parametrize("stack", FIREWALLED)
def test_behind_the_firewall_every_api_a_pod_is_granted_has_an_endpoint(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    granted = services(pod_actions(record))
    assert {"xray", "wafv2", "secretsmanager", "logs", "ec2"} <= granted  # the roles are seen
    unknown = granted - set(ENDPOINT) - set(NO_INTERFACE_ENDPOINT)
    assert not unknown, f"say which endpoint serves {unknown}"
    needed = {s: ENDPOINT[s] for s in granted & set(ENDPOINT)}
    assert {s: e for s, e in needed.items() if e not in endpoints(record)} == {}
