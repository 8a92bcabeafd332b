"""ECR cases: a compliant repository and its lifecycle policy."""

from __future__ import annotations

from gam_policies.rules import ecr
from tests.policies.builders import make
from tests.policies.casekit import Break, Case

REPOSITORY = make(
    ecr.REPOSITORY,
    "tiler",
    {
        "name": "gam/tiler",
        "id": "gam/tiler",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [
            {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:eu-west-1:1:key/ecr"}
        ],
    },
)
LIFECYCLE_POLICY = make(
    ecr.LIFECYCLE_POLICY,
    "tiler",
    {"repository": "gam/tiler", "policy": '{"rules": [{"rulePriority": 1}]}'},
    {"repository": REPOSITORY},
)


def case(rule: str, *breaks: Break) -> Case:
    return Case(rule=rule, compliant=REPOSITORY, breaks=breaks)


CASES = [
    case(
        "ecr-immutable-tags",
        Break("imageTagMutability", "MUTABLE"),
        Break("imageTagMutability", "IMMUTABLE_WITH_EXCLUSION"),
        Break("imageTagMutability"),
    ),
    case(
        "ecr-scan-on-push",
        Break("imageScanningConfiguration.scanOnPush", False),
        Break("imageScanningConfiguration"),
    ),
    case(
        "ecr-kms-encryption",
        Break("encryptionConfigurations.0.encryptionType", "AES256"),
        Break("encryptionConfigurations.0.kmsKey"),
        Break("encryptionConfigurations"),
    ),
    Case(
        rule="ecr-lifecycle-policy",
        compliant=[REPOSITORY, LIFECYCLE_POLICY],
        breaks=(Break("policy", index=1), Break("policy", "", index=1)),
    ),
]
