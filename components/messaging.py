"""PipelineMessaging: the pipeline's event queues, each with its dead-letter queue, and
the SNS topic that fans pipeline events out to them. Decisions, written where they are
made:

- One customer key for the topic and every queue. SNS must encrypt into the queues
  when it delivers, so the key policy lets `sns.amazonaws.com` of this account use it
  (`GenerateDataKey`, `Decrypt`); everyone else goes through IAM (the grants below).
- Each queue's dead-letter queue is tagged `QueueRole=dead-letter` (the pack's
  convention), keeps messages for `DLQ_RETENTION_SECONDS` (14 days, SQS's most) so
  there is time to look at them, and accepts redrives only from its own queue.
- Each queue's policy admits `sqs:SendMessage` from the topic only (`aws:SourceArn`);
  workloads send and consume through the IAM grants.
- The subscriptions deliver raw messages: consumers get the event body, not SNS's
  envelope.
- `grant_send(role, queue)`, `grant_consume(role, queue)`, `grant_publish(role)`:
  inline policies with exactly the queue's or topic's actions and the key's, the latter
  only through SQS or SNS in this region (`kms:ViaService`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems

TYPE_TOKEN = "gam:messaging:PipelineMessaging"
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
DEAD_LETTER = "dead-letter"
SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
)
PUBLISH_ACTIONS = ("sns:Publish",)
ENCRYPT_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
DECRYPT_ACTIONS = ("kms:Decrypt",)


@dataclass(frozen=True, kw_only=True)
class QueueSpec:
    name: str
    """The queue's role, e.g. `ingestion` (lower-case letters, digits, hyphens)."""
    visibility_timeout_seconds: int = 300
    """How long a received message stays hidden (0 to 43,200): longer than a consumer's work."""
    retention_seconds: int = 4 * 24 * 3600
    """How long an unconsumed message is kept (60 to 1,209,600). Default 4 days."""
    max_receive_count: int = 5
    """Receives before a message moves to the dead-letter queue (1 to 1,000)."""


@dataclass(frozen=True, kw_only=True)
class PipelineMessagingArgs:
    queues: Sequence[QueueSpec]
    """Required. The pipeline's work queues, at least one."""
    tags: Mapping[str, str]
    """Required. The standard tags."""
    protect: bool = False
    """Protect the key from deletion. Default False."""


def problems(args: PipelineMessagingArgs) -> list[str]:
    found = tag_problems(args.tags)
    names = [q.name for q in args.queues]
    if not names:
        found.append("queues is empty: list at least one")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        found.append(f"queues {repeated} are listed more than once")
    for q in args.queues:
        if not q.name.replace("-", "").isalnum() or q.name != q.name.lower():
            found.append(f"queue name {q.name!r}: use lower-case letters, digits and hyphens")
        if not 0 <= q.visibility_timeout_seconds <= 43_200:
            found.append(f"queue {q.name}: visibility_timeout_seconds must be 0 to 43200")
        if not 60 <= q.retention_seconds <= 1_209_600:
            found.append(f"queue {q.name}: retention_seconds must be 60 to 1209600")
        if not 1 <= q.max_receive_count <= 1000:
            found.append(f"queue {q.name}: max_receive_count must be 1 to 1000")
    return found


def redrive_policy(dead_letter_arn: str, max_receive_count: int) -> str:
    return json.dumps(
        {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive_count}
    )


def _through(service: str, region: str) -> dict[str, Any]:
    return {"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com"}}


def _document(actions: Sequence[str], resource: str, key_actions: Sequence[str], key: str,
              service: str, region: str) -> dict[str, Any]:  # fmt: skip
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": list(actions), "Resource": resource},
            {"Effect": "Allow", "Action": list(key_actions), "Resource": key,
             "Condition": _through(service, region)},
        ],
    }  # fmt: skip


def send_document(queue_arn: str, key_arn: str, region: str) -> dict[str, Any]:
    """Send to one queue; encrypt with the key through SQS only."""
    return _document(SEND_ACTIONS, queue_arn, ENCRYPT_ACTIONS, key_arn, "sqs", region)


def consume_document(queue_arn: str, key_arn: str, region: str) -> dict[str, Any]:
    """Receive, delete and extend messages of one queue; decrypt through SQS only."""
    return _document(CONSUME_ACTIONS, queue_arn, DECRYPT_ACTIONS, key_arn, "sqs", region)


def publish_document(topic_arn: str, key_arn: str, region: str) -> dict[str, Any]:
    """Publish to the topic; encrypt with the key through SNS only."""
    return _document(PUBLISH_ACTIONS, topic_arn, ENCRYPT_ACTIONS, key_arn, "sns", region)


def topic_only_policy(queue_arn: str, topic_arn: str) -> dict[str, Any]:
    """The queue policy: SNS may send to the queue, for this topic only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TopicDelivers",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }


class PipelineMessaging(GamComponent):
    """Queues by name (`queues["ingestion"]`), their DLQs, the topic; grants for roles."""

    def __init__(
        self, name: str, args: PipelineMessagingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate(f"PipelineMessaging {name!r}", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        account = Account(self)
        self._region = account.region
        sns_uses_key = {
            "Sid": "SnsEncryptsIntoQueues",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": list(ENCRYPT_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account.id}},
        }
        self.key = customer_key(
            self, account, "key", f"Pipeline events of {name}", [sns_uses_key], protect=args.protect
        )
        self.topic = aws.sns.Topic(
            self.child_name("events"),
            kms_master_key_id=self.key.arn,
            tags=self.tags("events"),
            opts=self.child_opts(),
        )
        self.queues: dict[str, aws.sqs.Queue] = {}
        self.dead_letter_queues: dict[str, aws.sqs.Queue] = {}
        for spec in args.queues:
            self._queue(spec)
        self.topic_arn = self.topic.arn
        self.register_outputs(
            {"topic_arn": self.topic.arn, "queue_urls": {k: q.url for k, q in self.queues.items()}}
        )

    def _queue(self, spec: QueueSpec) -> None:
        role = spec.name
        dlq = aws.sqs.Queue(
            self.child_name(f"{role}-dlq"),
            kms_master_key_id=self.key.arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            tags=self.tags(f"{role}-dlq", QueueRole=DEAD_LETTER),
            opts=self.child_opts(),
        )
        queue = aws.sqs.Queue(
            self.child_name(role),
            kms_master_key_id=self.key.arn,
            kms_data_key_reuse_period_seconds=300,
            visibility_timeout_seconds=spec.visibility_timeout_seconds,
            message_retention_seconds=spec.retention_seconds,
            redrive_policy=dlq.arn.apply(lambda arn: redrive_policy(arn, spec.max_receive_count)),
            tags=self.tags(role, QueueRole="work"),
            opts=self.child_opts(),
        )
        aws.sqs.RedriveAllowPolicy(
            self.child_name(f"{role}-dlq-redrive-allow"),
            queue_url=dlq.url,
            redrive_allow_policy=queue.arn.apply(
                lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
            ),
            opts=self.child_opts(),
        )
        aws.sqs.QueuePolicy(
            self.child_name(f"{role}-policy"),
            queue_url=queue.url,
            policy=pulumi.Output.all(queue.arn, self.topic.arn).apply(
                lambda v: json.dumps(topic_only_policy(v[0], v[1]))
            ),
            opts=self.child_opts(),
        )
        aws.sns.TopicSubscription(
            self.child_name(f"{role}-subscription"),
            topic=self.topic.arn,
            protocol="sqs",
            endpoint=queue.arn,
            raw_message_delivery=True,
            opts=self.child_opts(),
        )
        self.queues[role] = queue
        self.dead_letter_queues[role] = dlq

    def _grant(
        self, role: aws.iam.Role, what: str, resource: pulumi.Output[str], document: Any
    ) -> aws.iam.RolePolicy:
        policy = pulumi.Output.all(resource, self.key.arn, self._region).apply(
            lambda v: json.dumps(document(v[0], v[1], v[2]))
        )
        return aws.iam.RolePolicy(
            f"{self.child_name(what)}-{role._name}",
            role=role.name,
            policy=policy,
            opts=self.child_opts(),
        )

    def grant_send(self, role: aws.iam.Role, queue: str) -> aws.iam.RolePolicy:
        """Let `role` send to `queue` (encrypting through SQS)."""
        return self._grant(role, f"{queue}-send", self.queues[queue].arn, send_document)

    def grant_consume(self, role: aws.iam.Role, queue: str) -> aws.iam.RolePolicy:
        """Let `role` receive, delete and extend messages of `queue` (decrypting through SQS)."""
        return self._grant(role, f"{queue}-consume", self.queues[queue].arn, consume_document)

    def grant_publish(self, role: aws.iam.Role) -> aws.iam.RolePolicy:
        """Let `role` publish pipeline events to the topic (encrypting through SNS)."""
        return self._grant(role, "events-publish", self.topic.arn, publish_document)
