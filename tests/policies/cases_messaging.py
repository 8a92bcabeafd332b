"""SQS and SNS cases: a work queue with its dead-letter queue, and a topic."""

from __future__ import annotations

import json

from gam_policies.framework import Resource
from gam_policies.rules.messaging import QUEUE, QUEUE_POLICY, TOPIC
from tests.policies.baseline import ACCOUNT, KEY_ARN, resource
from tests.policies.casekit import Break, Case

REDRIVE = json.dumps(
    {"deadLetterTargetArn": f"arn:aws:sqs:eu-west-1:{ACCOUNT}:tile-jobs-dlq", "maxReceiveCount": 5}
)


def queue() -> Resource:
    props = {"kmsMasterKeyId": KEY_ARN, "redrivePolicy": REDRIVE, "visibilityTimeoutSeconds": 300}
    return resource(QUEUE, "tile-jobs", props)


def dead_letter_queue() -> Resource:
    props = {"kmsMasterKeyId": KEY_ARN, "messageRetentionSeconds": 1209600}
    return resource(QUEUE, "tile-jobs-dlq", props, QueueRole="dead-letter")


def encryption_breaks() -> tuple[Break, ...]:
    return (Break("kmsMasterKeyId"), Break("kmsMasterKeyId", ""))


QUEUE_ARN = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:tile-jobs"
TOPIC_ARN = f"arn:aws:sns:eu-west-1:{ACCOUNT}:tile-events"


def queue_policy(**statement: object) -> str:
    allow = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": QUEUE_ARN,
        "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC_ARN}},
        **statement,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [allow]})


def without_condition(**statement: object) -> str:
    document = json.loads(queue_policy(**statement))
    del document["Statement"][0]["Condition"]
    return json.dumps(document)


CASES = [
    Case(
        "sqs-queue-policy-scoped",
        resource(QUEUE_POLICY, "tile-jobs", {"queueUrl": "u", "policy": queue_policy()}),
        (
            Break("policy", without_condition()),
            Break("policy", without_condition(Principal="*")),
            Break("policy", without_condition(Principal={"AWS": "*"})),
            Break("policy"),
            Break("policy", "not json"),
        ),
    ),
    Case(
        "sqs-queue-kms-encryption",
        queue(),
        (*encryption_breaks(), Break("kmsMasterKeyId", "alias/aws/sqs")),
    ),
    Case(
        "sqs-queue-dead-letter",
        queue(),
        (
            Break("redrivePolicy"),
            Break("redrivePolicy", "{}"),
            Break("redrivePolicy", "[]"),
            Break("redrivePolicy", "not json"),
        ),
    ),
    Case(
        "sqs-queue-dead-letter",
        dead_letter_queue(),
        (Break("tags.QueueRole"), Break("tags.QueueRole", "work")),
    ),
    Case(
        "sns-topic-kms-encryption",
        resource(TOPIC, "tile-events", {"kmsMasterKeyId": KEY_ARN}),
        (
            *encryption_breaks(),
            Break("kmsMasterKeyId", f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/aws/sns"),
        ),
    ),
]
