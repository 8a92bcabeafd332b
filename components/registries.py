"""ServiceRegistries: one private ECR repository per service (`<namespace>/<service>`).
Decisions, written where they are made:

- Immutable tags, scan on push, encrypted under a customer key of the registries' own.
- Lifecycle (`lifecycle_policy`): untagged images expire after a day; the newest
  `keep_release_images` images tagged with a release prefix (`v1.2.3`) are kept; of
  other tagged images (builds tagged by commit) the newest `keep_other_images`.
- Repository policy (`repository_policy`): pulls are for principals of this account
  (their IAM policies, e.g. the nodes' role, decide). With `restrict_push` (prod) every
  principal but `release_role_arn` is denied pushing: set it to the role the release
  pipeline assumes. Unset, nobody may push (fail closed) until it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import ECR_PREFIX

TYPE_TOKEN = "gam:registries:ServiceRegistries"
PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
PUSH_ACTIONS = (
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
    "ecr:BatchDeleteImage",
)
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


@dataclass(frozen=True, kw_only=True)
class ServiceRegistriesArgs:
    namespace: str
    """Required. The repositories' prefix, e.g. `gam-prod` (`gam-prod/api`)."""
    services: Sequence[str]
    """Required. One repository each, e.g. api, worker, spa."""
    tags: Mapping[str, str]
    """Required. The standard tags."""
    keep_release_images: int = 10
    """Release images kept (tags starting with a `release_tag_prefixes` entry)."""
    keep_other_images: int = 20
    """Other tagged images kept (e.g. commit builds)."""
    release_tag_prefixes: Sequence[str] = ("v",)
    restrict_push: bool = False
    """Only `release_role_arn` may push (prod). Default False: IAM decides."""
    release_role_arn: str | None = None
    """The release pipeline's role; with `restrict_push`, the only pusher."""
    protect: bool = False


def problems(args: ServiceRegistriesArgs) -> list[str]:
    found = tag_problems(args.tags)
    if not ECR_PREFIX.match(args.namespace):
        found.append(f"namespace {args.namespace!r} is not a valid ECR name prefix")
    bad = [s for s in args.services if not ECR_PREFIX.match(s)]
    if bad or not args.services:
        found.append(f"services must be one or more ECR names (lower-case); not {bad or '[]'}")
    if len(set(args.services)) != len(args.services):
        found.append("services lists a service twice")
    if args.keep_release_images < 1 or args.keep_other_images < 1:
        found.append("keep_release_images and keep_other_images must be at least 1")
    if not args.release_tag_prefixes:
        found.append("release_tag_prefixes is empty")
    if args.release_role_arn is not None and not ROLE_ARN.match(args.release_role_arn):
        found.append(f"release_role_arn {args.release_role_arn!r} is not an IAM role ARN")
    return found


def lifecycle_policy(
    keep_release: int, keep_other: int, release_prefixes: Sequence[str]
) -> dict[str, Any]:
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images after a day",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": f"Keep the {keep_release} newest release images",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": list(release_prefixes),
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_release,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 3,
                "description": f"Keep the {keep_other} newest other images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_other,
                },
                "action": {"type": "expire"},
            },
        ]
    }


def repository_policy(account_root: str, restrict_push: bool, release_role: str | None) -> dict:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountPulls",
            "Effect": "Allow",
            "Principal": {"AWS": account_root},
            "Action": list(PULL_ACTIONS),
        }
    ]
    if restrict_push:
        deny: dict[str, Any] = {
            "Sid": "OnlyTheReleaseRolePushes",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(PUSH_ACTIONS),
        }
        if release_role:
            deny["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": release_role}}
        statements.append(deny)
    return {"Version": "2012-10-17", "Statement": statements}


class ServiceRegistries(GamComponent):
    """Repositories by service (`repositories["api"]`) and their URLs."""

    def __init__(
        self, name: str, args: ServiceRegistriesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate(f"ServiceRegistries {name!r}", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        account = Account(self)
        key = customer_key(
            self, account, "key", f"Images of {args.namespace}", [], protect=args.protect
        )
        lifecycle = json.dumps(
            lifecycle_policy(
                args.keep_release_images, args.keep_other_images, args.release_tag_prefixes
            )
        )
        policy = account.root().apply(
            lambda root: json.dumps(
                repository_policy(root, args.restrict_push, args.release_role_arn)
            )
        )
        self.repositories: dict[str, aws.ecr.Repository] = {}
        for service in args.services:
            repository = aws.ecr.Repository(
                self.child_name(service),
                name=f"{args.namespace}/{service}",
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": True},
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}],
                force_delete=False,
                tags=self.tags(service),
                opts=self.child_opts(protect=args.protect),
            )
            aws.ecr.LifecyclePolicy(
                self.child_name(f"{service}-lifecycle"),
                repository=repository.name,
                policy=lifecycle,
                opts=self.child_opts(),
            )
            aws.ecr.RepositoryPolicy(
                self.child_name(f"{service}-policy"),
                repository=repository.name,
                policy=policy,
                opts=self.child_opts(),
            )
            self.repositories[service] = repository
        self.repository_urls = pulumi.Output.from_input(
            {s: r.repository_url for s, r in self.repositories.items()}
        )
        self.register_outputs({"repository_urls": self.repository_urls})
