"""SQS queues and SNS topics: customer managed encryption, dead-letter queues.

Tag convention: a queue that *is* a dead-letter queue carries `QueueRole=dead-letter`
and needs no redrive policy of its own; every other queue is a work queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from gam_policies.framework import Context, Resource, Rule, fsbp, tags_of
from gam_policies.rules.kms import customer_key

QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
DEAD_LETTER_ROLE = "dead-letter"


def _encrypted(resource: Resource, ctx: Context) -> Iterator[str]:
    what = "queue" if resource.type == QUEUE else "topic"
    yield from customer_key(
        resource, "kmsMasterKeyId", f"{what} is not encrypted with a customer key"
    )


def _dead_letter(resource: Resource, ctx: Context) -> Iterator[str]:
    if tags_of(resource).get("QueueRole") == DEAD_LETTER_ROLE:
        return
    policy = resource.get("redrivePolicy")
    try:
        target = json.loads(policy).get("deadLetterTargetArn") if isinstance(policy, str) else None
    except (ValueError, AttributeError):
        target = None
    if not target:
        yield (
            "work queue has no dead-letter queue: `redrivePolicy` with a `deadLetterTargetArn` "
            f"is not set (tag dead-letter queues `QueueRole={DEAD_LETTER_ROLE}`)."
        )


RULES = [
    Rule(
        name="sqs-queue-kms-encryption",
        description=(
            "Messages at rest without a customer managed key (unencrypted, SSE-SQS or alias/aws/sqs) "
            "cannot be access-controlled or audited through a key policy."
        ),
        severity="high",
        remediation=(
            "Set `kms_master_key_id` on aws.sqs.Queue to a customer managed aws.kms.Key ARN or "
            "alias (not `alias/aws/sqs`); `sqs_managed_sse_enabled` does not count."
        ),
        controls=(fsbp("SQS.1"),),
        resource_types=(QUEUE,),
        check=_encrypted,
        reads={QUEUE: ("kmsMasterKeyId",)},
    ),
    Rule(
        name="sqs-queue-dead-letter",
        description=(
            "A work queue without a dead-letter queue retries poison messages until they expire, "
            "blocking consumers and silently losing the message."
        ),
        severity="medium",
        remediation=(
            "Set `redrive_policy` on aws.sqs.Queue to JSON with `deadLetterTargetArn` (the DLQ's "
            "ARN) and `maxReceiveCount`; tag the DLQ itself `QueueRole=dead-letter`."
        ),
        controls=(fsbp("SQS.1"),),
        category="reliability",
        resource_types=(QUEUE,),
        check=_dead_letter,
        reads={QUEUE: ("tags", "redrivePolicy")},
    ),
    Rule(
        name="sns-topic-kms-encryption",
        description=(
            "Notifications at rest without a customer managed key cannot be access-controlled or "
            "audited through a key policy."
        ),
        severity="medium",
        remediation=(
            "Set `kms_master_key_id` on aws.sns.Topic to a customer managed aws.kms.Key ARN or "
            "alias (not `alias/aws/sns`)."
        ),
        controls=(fsbp("SNS.1"),),
        resource_types=(TOPIC,),
        check=_encrypted,
        reads={TOPIC: ("kmsMasterKeyId",)},
    ),
]
