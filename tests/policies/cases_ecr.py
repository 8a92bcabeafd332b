"""ECR cases: a compliant repository and its lifecycle policy; a pull-through cache rule
covered by a compliant repository creation template."""

from __future__ import annotations

import json

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

REPOSITORY_POLICY = make(
    ecr.REPOSITORY_POLICY,
    "tiler",
    {
        "repository": "gam/tiler",
        "policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::1:root"},
                        "Action": ["ecr:BatchGetImage"],
                    }
                ],
            }
        ),
    },
)


def repository_policy(principal: object) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": ["ecr:BatchGetImage"]}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


KEY = "arn:aws:kms:eu-west-1:1:key/cache"
TEMPLATE = make(
    ecr.CREATION_TEMPLATE,
    "cache-template",
    {
        "id": "gam-prod",
        "prefix": "gam-prod",
        "appliedFors": ["PULL_THROUGH_CACHE"],
        "imageTagMutability": "IMMUTABLE",
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY}],
        "customRoleArn": "arn:aws:iam::1:role/cache-template",
    },
)
CACHE_RULE = make(
    ecr.PULL_THROUGH_CACHE_RULE,
    "cache-docker-hub",
    {"ecrRepositoryPrefix": "gam-prod/docker-hub", "upstreamRegistryUrl": "registry-1.docker.io"},
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
        rule="ecr-repository-policy-scoped",
        compliant=REPOSITORY_POLICY,
        breaks=(
            Break("policy", repository_policy("*")),
            Break("policy", repository_policy({"AWS": "*"})),
            Break("policy", repository_policy({"Service": "lambda.amazonaws.com"})),
            Break("policy"),
        ),
    ),
    Case(
        rule="ecr-lifecycle-policy",
        compliant=[REPOSITORY, LIFECYCLE_POLICY],
        breaks=(Break("policy", index=1), Break("policy", "", index=1)),
    ),
    Case(
        rule="ecr-immutable-tags",
        compliant=TEMPLATE,
        breaks=(Break("imageTagMutability", "MUTABLE"), Break("imageTagMutability")),
    ),
    Case(
        rule="ecr-kms-encryption",
        compliant=TEMPLATE,
        breaks=(
            Break("encryptionConfigurations.0.encryptionType", "AES256"),
            Break("encryptionConfigurations"),
        ),
    ),
    Case(
        rule="ecr-pull-through-cache-template",
        compliant=[CACHE_RULE, TEMPLATE],
        breaks=(
            Break("ecrRepositoryPrefix", "other/docker-hub"),
            Break("ecrRepositoryPrefix", "gam-prodx/docker-hub"),  # a prefix, not a namespace
            Break("ecrRepositoryPrefix"),
            Break("prefix", "gam-prod/quay", index=1),
            Break("appliedFors", ["REPLICATION"], index=1),
        ),
    ),
    Case(  # ROOT covers every prefix; a rule exactly at the template's prefix is covered
        rule="ecr-pull-through-cache-template",
        compliant=[
            make(ecr.PULL_THROUGH_CACHE_RULE, "cache-quay", {"ecrRepositoryPrefix": "quay"}),
            make(
                ecr.CREATION_TEMPLATE,
                "root",
                {"prefix": "ROOT", "appliedFors": ["PULL_THROUGH_CACHE"]},
            ),
            make(ecr.PULL_THROUGH_CACHE_RULE, "cache-k8s", {"ecrRepositoryPrefix": "gam-prod"}),
        ],
        breaks=(Break("prefix", "gam-prod", index=1),),
    ),
]
