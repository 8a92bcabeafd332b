"""Pipeline messaging (SQS + SNS) and the service registries (ECR): pure logic, the
components under the engine, and what each stack builds."""

from __future__ import annotations

import functools
import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.base import InvalidArgs
from components.messaging import (
    DLQ_RETENTION_SECONDS,
    PipelineMessaging,
    PipelineMessagingArgs,
    QueueSpec,
    consume_document,
    publish_document,
    send_document,
    topic_only_policy,
)
from components.registries import PUSH_ACTIONS, lifecycle_policy, repository_policy
from components.tags import standard_tags
from gam_offline.engine import run_program
from gam_offline.records import Record, RecordedResource
from infra import settings
from tests.test_settings import BASE, problems

STACKS = ("dev", "staging", "prod")
QUEUE = "aws:sqs/queue:Queue"
REPOSITORY = "aws:ecr/repository:Repository"
TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)
VIA_SQS = {"StringEquals": {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}}


def named(record: Record, name: str) -> RecordedResource:
    (found,) = [r for r in record.resources if r.name == name]
    return found


# --- messaging ------------------------------------------------------------------------


def test_a_queue_admits_the_topic_only() -> None:
    assert topic_only_policy("q-arn", "t-arn")["Statement"] == [
        {
            "Sid": "TopicDelivers",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": "q-arn",
            "Condition": {"ArnEquals": {"aws:SourceArn": "t-arn"}},
        }
    ]


def test_send_consume_and_publish_grant_exactly_their_actions_and_the_key_through_the_service() -> (
    None
):
    send = send_document("q", "k", "eu-west-1")["Statement"]
    assert send == [
        {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes",
                                       "sqs:GetQueueUrl"], "Resource": "q"},
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "k",
         "Condition": VIA_SQS},
    ]  # fmt: skip
    consume = consume_document("q", "k", "eu-west-1")["Statement"]
    assert consume[0]["Action"] == [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    ]
    assert consume[1] == {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": "k",
        "Condition": VIA_SQS,
    }
    publish = publish_document("t", "k", "eu-west-1")["Statement"]
    assert publish[0] == {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": "t"}
    assert publish[1]["Condition"] == {
        "StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com"}
    }


def test_bad_queues_are_reported_together() -> None:
    args = PipelineMessagingArgs(
        queues=[QueueSpec(name="A", visibility_timeout_seconds=-1), QueueSpec(name="A")],
        tags=TAGS,
    )
    with pytest.raises(InvalidArgs) as caught:
        PipelineMessaging("m", args)
    found = "\n".join(caught.value.problems)
    assert "listed more than once" in found and "lower-case" in found and "0 to 43200" in found


@functools.cache
def messaging_record() -> Record:
    def program() -> None:
        messaging = PipelineMessaging(
            "m",
            PipelineMessagingArgs(queues=[QueueSpec(name="ingestion")], tags=TAGS),
        )
        role = aws.iam.Role("worker", assume_role_policy="{}")
        messaging.grant_send(role, "ingestion")
        messaging.grant_consume(role, "ingestion")
        messaging.grant_publish(role)
        pulumi.export("topic", messaging.topic_arn)

    return run_program(program, stack="test", region="eu-west-1")


def test_grants_name_the_queue_topic_and_key_exactly() -> None:
    record = messaging_record()
    queue, topic, key = (
        named(record, n).outputs["arn"] for n in ("m-ingestion", "m-events", "m-key")
    )
    for name, document in (
        ("m-ingestion-send-worker", send_document(queue, key, "eu-west-1")),
        ("m-ingestion-consume-worker", consume_document(queue, key, "eu-west-1")),
        ("m-events-publish-worker", publish_document(topic, key, "eu-west-1")),
    ):
        assert json.loads(named(record, name).plain_inputs()["policy"]) == document


@pytest.mark.parametrize("stack", STACKS)
def test_every_work_queue_has_its_own_dead_letter_queue(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    queues = {q.name: q for q in record.by_type(QUEUE)}
    work = {n: q for n, q in queues.items() if q.plain_inputs()["tags"]["QueueRole"] == "work"}
    prefix = f"gam-{stack}-messaging-"
    assert sorted(work) == [prefix + q for q in ("ingestion", "model-runs", "preprocessing")]
    for name, queue in work.items():
        dlq = queues[f"{name}-dlq"]
        assert dlq.plain_inputs()["tags"]["QueueRole"] == "dead-letter"
        assert dlq.plain_inputs()["messageRetentionSeconds"] == DLQ_RETENTION_SECONDS
        redrive = json.loads(queue.plain_inputs()["redrivePolicy"])
        assert redrive == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 5}
    assert len(queues) == 2 * len(work)


@pytest.mark.parametrize("stack", STACKS)
def test_queues_take_their_timeouts_from_settings_and_admit_only_the_topic(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    (topic,) = [t for t in record.by_type("aws:sns/topic:Topic") if "-messaging-" in t.name]
    key = named(record, f"gam-{stack}-messaging-key").outputs["arn"]
    assert topic.plain_inputs()["kmsMasterKeyId"] == key
    expected = settings.load(stack, BASE if stack == "dev" else _config(stack)).messaging.queues
    for name, spec in expected.items():
        queue = named(record, f"gam-{stack}-messaging-{name}")
        inputs = queue.plain_inputs()
        assert inputs["visibilityTimeoutSeconds"] == spec.visibility_timeout_seconds
        assert inputs["messageRetentionSeconds"] == spec.retention_seconds
        assert inputs["kmsMasterKeyId"] == key
        policy = named(record, f"gam-{stack}-messaging-{name}-policy").plain_inputs()["policy"]
        assert json.loads(policy) == topic_only_policy(queue.outputs["arn"], topic.outputs["arn"])
        subscription = named(record, f"gam-{stack}-messaging-{name}-subscription").plain_inputs()
        assert (subscription["endpoint"], subscription["protocol"]) == (
            queue.outputs["arn"],
            "sqs",
        )


def _config(stack: str) -> dict[str, Any]:
    zones = ["euw1-az1", "euw1-az2", "euw1-az3"][: 3 if stack == "prod" else 2]
    return {**BASE, "gam:network": {"vpcCidr": "10.30.0.0/16", "availabilityZoneIds": zones}}


# --- registries ------------------------------------------------------------------------


def test_the_lifecycle_expires_untagged_and_keeps_n_releases() -> None:
    rules = lifecycle_policy(7, 20, ["v"])["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2, 3]
    assert rules[0]["selection"]["tagStatus"] == "untagged"
    assert rules[1]["selection"] == {
        "tagStatus": "tagged",
        "tagPrefixList": ["v"],
        "countType": "imageCountMoreThan",
        "countNumber": 7,
    }
    assert rules[2]["selection"]["tagStatus"] == "any"  # "any" must come last


def test_restricted_repositories_deny_every_pusher_but_the_release_role() -> None:
    root, release = "arn:aws:iam::1:root", "arn:aws:iam::1:role/release"
    statements = repository_policy(root, True, release)["Statement"]
    assert statements[1] == {
        "Sid": "OnlyTheReleaseRolePushes",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": list(PUSH_ACTIONS),
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": release}},
    }
    assert "Condition" not in repository_policy(root, True, None)["Statement"][1]
    assert [s["Sid"] for s in repository_policy(root, False, None)["Statement"]] == ["AccountPulls"]


@pytest.mark.parametrize("stack", STACKS)
def test_each_service_has_an_immutable_scanned_encrypted_repository_with_its_lifecycle(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    repositories = {r.plain_inputs()["name"]: r.plain_inputs() for r in record.by_type(REPOSITORY)}
    assert sorted(repositories) == [f"gam-{stack}/{s}" for s in ("api", "spa", "worker")]
    for inputs in repositories.values():
        assert inputs["imageTagMutability"] == "IMMUTABLE"
        assert inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert inputs["encryptionConfigurations"][0]["encryptionType"] == "KMS"
    policy = json.loads(
        named(record, f"gam-{stack}-registries-api-lifecycle").plain_inputs()["policy"]
    )
    keep = {"dev": 3, "staging": 5, "prod": 10}[stack]
    assert policy["rules"][1]["selection"]["countNumber"] == keep


@pytest.mark.parametrize(
    ("stack", "restricted"), [("dev", False), ("staging", False), ("prod", True)]
)
def test_only_prod_restricts_pushes(
    stack_records: dict[str, Record], stack: str, restricted: bool
) -> None:
    for policy in stack_records[stack].by_type("aws:ecr/repositoryPolicy:RepositoryPolicy"):
        statements = json.loads(policy.plain_inputs()["policy"])["Statement"]
        denies = [s for s in statements if s["Effect"] == "Deny"]
        assert bool(denies) is restricted
        assert all(set(PUSH_ACTIONS) <= set(s["Action"]) for s in denies)


# --- settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "value", "key"),
    [
        ("gam:messaging", {"queues": {"Ingestion": {}}}, "gam:messaging.queues"),
        (
            "gam:messaging",
            {"queues": {"ingestion": {"visibilityTimeoutSeconds": 50_000}}},
            "gam:messaging.queues.ingestion.visibilityTimeoutSeconds",
        ),
        (
            "gam:messaging",
            {"queues": {"ingestion": {"dlq": True}}},
            "gam:messaging.queues.ingestion.dlq",
        ),
        ("gam:registries", {"services": ["API"]}, "gam:registries.services"),
        ("gam:registries", {"releaseRoleArn": "release"}, "gam:registries.releaseRoleArn"),
        ("gam:registries", {"keepReleaseImages": 0}, "gam:registries.keepReleaseImages"),
    ],
)
def test_bad_messaging_and_registry_settings_are_named_by_key(
    section: str, value: dict[str, Any], key: str
) -> None:
    assert key in problems("dev", {**BASE, section: value})


def test_queues_and_services_come_from_settings() -> None:
    loaded = settings.load(
        "dev",
        {
            **BASE,
            "gam:messaging": {"queues": {"tiles": {"retentionSeconds": 3600}}},
            "gam:registries": {
                "services": ["api"],
                "releaseRoleArn": "arn:aws:iam::123456789012:role/r",
            },
        },
    )
    assert list(loaded.messaging.queues) == ["tiles"]
    assert loaded.messaging.queues["tiles"].retention_seconds == 3600
    assert loaded.registries.services == ("api",)
