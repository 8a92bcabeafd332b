"""Protection cases: stateful resources with `protect`, and buckets by `Purpose`."""

from __future__ import annotations

from gam_policies.framework import Resource
from gam_policies.rules.protection import STATEFUL_TYPES
from tests.policies.baseline import resource
from tests.policies.casekit import Break, Case

BUCKET = "aws:s3/bucket:Bucket"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def stateful(type_: str) -> Resource:
    name = type_.rsplit(":", 1)[1].lower()
    return resource(type_, name, {}, protect=True, Purpose="data", Evidence="audit")


def logs_bucket() -> Resource:
    return resource(BUCKET, "logs", {"bucket": "gam-logs"}, Purpose="logs")


CASES = [
    *(
        Case("protect-stateful-resources", stateful(t), (Break("", protect=False),))
        for t in STATEFUL_TYPES
    ),
    Case(
        "protect-stateful-resources",
        logs_bucket(),
        (Break("tags.Purpose", "data"), Break("tags.Purpose"), Break("tags.Purpose", "backups")),
    ),
    Case("protect-stateful-resources", stateful(BUCKET), (Break("", protect=False),), stack="dev"),
    # an ordinary log group holds nothing an investigation needs: no protection asked
    Case(
        "protect-stateful-resources",
        resource(LOG_GROUP, "app-logs", {"retentionInDays": 30}, protect=False),
        (Break("tags.Evidence", "audit"),),
    ),
]
