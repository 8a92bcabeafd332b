"""Image cache: ECR pull-through cache rules for the public registries the platform uses.

Nodes pull `<account>.dkr.ecr.<region>.amazonaws.com/<namespace>/<upstream>/<image>`
over the VPC's ECR endpoints; ECR fetches from the upstream registry on a miss and
keeps the image. No node needs egress to a registry host (ADR 0006). Decisions,
written where they are made:

- Upstreams: ECR Public, registry.k8s.io, Quay (anonymous), Docker Hub and GHCR
  (credentials: Docker Hub limits anonymous pulls, GHCR requires a token).
- Credentials live in Secrets Manager secrets named `ecr-pullthroughcache/...` (ECR's
  service-linked role may read only those). The secrets are created **without a
  value**: no credential ever passes through config or state. The operator stores it
  (`README.md`, "Image cache"), then lists the upstream in `credentials_stored`, and
  only then is its rule created: creating a rule reads its secret (the API fails with
  `SecretNotFoundException` / `UnableToAccessSecretException` when it cannot), so a rule
  on an empty secret would fail the deployment.
- The secrets are named, not auto-named: ECR's role reads only that prefix and the
  operator's command names them. Renaming one replaces it, and Secrets Manager keeps
  the old name for its 30-day recovery window: don't.
- The secrets are on the AWS managed key `aws/secretsmanager`, because ECR supports no
  other for pull-through credentials (the pack's `secretsmanager-secret-cmk` exempts
  them in each stack's policy config, with that reason). In its place, each secret's
  resource policy denies `GetSecretValue` to every principal except ECR's pull-through
  service-linked role, so no one else in the account reads the token.
- Cached repositories are made by ECR from a repository creation template for the
  namespace: encrypted with a customer key of their own, immutable tags (a tag once
  cached never changes under a running workload, even if upstream moves it: pin
  versions), at most `KEEP_IMAGES` images each, tagged with the standard tags. KMS
  encryption and tags need a role ECR assumes to create them (`template-role`).
- Scanning is a registry-wide setting (`aws.ecr.RegistryScanningConfiguration`, one per
  account and region), not a template's: it belongs to the account baseline.
- `pull_policy_arn`: the IAM policy a node role attaches to pull through the cache
  (pulling an uncached image creates its repository and imports it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import (
    CACHE_NAMESPACE_MAX,
    CACHE_UPSTREAMS,
    CREDENTIALED_UPSTREAMS,
    ECR_PREFIX,
)

TYPE_TOKEN = "gam:images:ImageCache"


SECRET_PREFIX = "ecr-pullthroughcache/"
# ECR's service-linked role for pull-through cache: the only reader of the secrets.
PULL_THROUGH_ROLE = (
    "role/aws-service-role/pullthroughcache.ecr.amazonaws.com/AWSServiceRoleForECRPullThroughCache"
)
KEEP_IMAGES = 20
PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchImportUpstreamImage",
    "ecr:CreateRepository",
)


@dataclass(frozen=True, kw_only=True)
class ImageCacheArgs:
    namespace: str
    """Required. The ECR namespace of the cache: upstream U is cached under `<namespace>/U`
    (e.g. `gam-prod/docker-hub/library/nginx`). At most `CACHE_NAMESPACE_MAX` characters."""

    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`)."""

    upstreams: tuple[str, ...] = tuple(CACHE_UPSTREAMS)
    """Which registries to cache (keys of `components.values.CACHE_UPSTREAMS`). Default: all."""

    credentials_stored: tuple[str, ...] = ()
    """The credentialed upstreams whose secret the operator has filled: only their rules
    are created (creating a rule reads its secret). Default: none yet."""

    protect: bool = False
    """Protect the stateful children (the key, the secrets) from deletion. Default False."""


def problems(args: ImageCacheArgs) -> list[str]:
    """Every problem with `args`, each saying what to change."""
    found = tag_problems(args.tags)
    if not ECR_PREFIX.match(args.namespace) or len(args.namespace) > CACHE_NAMESPACE_MAX:
        found.append(
            f"namespace {args.namespace!r} must be lower-case letters and digits separated by "
            f"single '.', '_' or '-', at most {CACHE_NAMESPACE_MAX} characters (an ECR prefix, "
            "`<namespace>/<upstream>`, is at most 30)"
        )
    unknown = [u for u in args.upstreams if u not in CACHE_UPSTREAMS]
    if unknown:
        found.append(f"upstreams {unknown} are not known; choose from {list(CACHE_UPSTREAMS)}")
    repeated = sorted({u for u in args.upstreams if args.upstreams.count(u) > 1})
    if repeated:
        found.append(f"upstreams lists {repeated} more than once; list each once")
    stray = [u for u in args.credentials_stored if u not in CREDENTIALED_UPSTREAMS]
    if stray:
        found.append(
            f"credentials_stored {stray} are not upstreams that take credentials "
            f"{CREDENTIALED_UPSTREAMS}"
        )
    off = [u for u in args.credentials_stored if u not in stray and u not in args.upstreams]
    if off:
        found.append(f"credentials_stored {off} are not in upstreams; add them or remove them")
    return found


def secret_name(namespace: str, upstream: str) -> str:
    """`ecr-pullthroughcache/<namespace>/<upstream>`: the prefix ECR's role may read."""
    return f"{SECRET_PREFIX}{namespace}/{upstream}"


def lifecycle_policy() -> str:
    """Each cached repository keeps its `KEEP_IMAGES` most recent images; older ones are
    fetched from upstream again if ever pulled."""
    rule = {
        "rulePriority": 1,
        "description": f"Keep the {KEEP_IMAGES} most recently cached images",
        "selection": {
            "tagStatus": "any",
            "countType": "imageCountMoreThan",
            "countNumber": KEEP_IMAGES,
        },
        "action": {"type": "expire"},
    }
    return json.dumps({"rules": [rule]})


class ImageCache(GamComponent):
    """Pull-through cache rules, their credentials' secrets, and the cached repos' template."""

    registry: pulumi.Output[str]
    image_prefixes: pulumi.Output[dict[str, str]]
    """Per cached upstream: `<registry>/<namespace>/<upstream>`, to prefix image names with."""
    credential_secrets: dict[str, str]
    """Per credentialed upstream: the name of the secret its credentials go in."""
    pull_policy_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: ImageCacheArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("ImageCache", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)
        self._repositories = self._account.arn("ecr", f"repository/{args.namespace}/*")

        template = self._template()
        credentialed = [u for u in args.upstreams if u in CREDENTIALED_UPSTREAMS]
        secrets = {u: self._secret(u) for u in credentialed}
        cached = [u for u in args.upstreams if u not in secrets or u in args.credentials_stored]
        for upstream in cached:
            secret = secrets.get(upstream)
            aws.ecr.PullThroughCacheRule(
                self.child_name(upstream),
                ecr_repository_prefix=f"{args.namespace}/{upstream}",
                upstream_registry_url=CACHE_UPSTREAMS[upstream],
                credential_arn=secret.arn if secret else None,
                # cached repositories are created from the template, never with defaults
                opts=self.child_opts(depends_on=[template]),
            )
        pull = self._pull_policy()

        self.registry = pulumi.Output.concat(
            self._account.id, ".dkr.ecr.", self._account.region, ".", self._account.dns_suffix
        )
        self.image_prefixes = self.registry.apply(
            lambda host: {u: f"{host}/{args.namespace}/{u}" for u in cached}
        )
        self._cached = tuple(cached)
        self.credential_secrets = {u: secret_name(args.namespace, u) for u in secrets}
        self.pull_policy_arn = pull.arn
        self.register_outputs(
            {
                "registry": self.registry,
                "imagePrefixes": self.image_prefixes,
                "credentialSecrets": self.credential_secrets,
                "pullPolicyArn": self.pull_policy_arn,
            }
        )

    def _template(self) -> aws.ecr.RepositoryCreationTemplate:
        """How ECR creates the cache's repositories: on their own key, immutable tags,
        bounded, tagged. ECR assumes `template-role` to use the key and tag them."""
        key = customer_key(
            self,
            self._account,
            "repositories-key",
            f"Encrypts the image repositories of {self._name}",
            [],
            protect=self._args.protect,
        )
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecr.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role = aws.iam.Role(
            self.child_name("template-role"),
            description="ECR creates the image cache's repositories: encrypted, tagged",
            assume_role_policy=json.dumps(trust),
            tags=self.tags("template-role"),
            opts=self.child_opts(),
        )
        permissions = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CreateAndTagTheCacheRepositories",
                    "Effect": "Allow",
                    "Action": ["ecr:CreateRepository", "ecr:TagResource"],
                    "Resource": self._repositories,
                },
                {
                    "Sid": "EncryptThemWithTheirKey",
                    "Effect": "Allow",
                    "Action": ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"],
                    "Resource": key.arn,
                },
            ],
        }
        policy = aws.iam.RolePolicy(
            self.child_name("template-role-policy"),
            role=role.id,
            policy=pulumi.Output.json_dumps(permissions),
            opts=self.child_opts(),
        )
        return aws.ecr.RepositoryCreationTemplate(
            self.child_name("template"),
            prefix=self._args.namespace,
            description=f"Repositories the pull-through cache {self._name} creates",
            applied_fors=["PULL_THROUGH_CACHE"],
            custom_role_arn=role.arn,
            encryption_configurations=[
                aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(
                    encryption_type="KMS", kms_key=key.arn
                )
            ],
            image_tag_mutability="IMMUTABLE",
            lifecycle_policy=lifecycle_policy(),
            resource_tags=self.tags("cached-repository"),
            opts=self.child_opts(depends_on=[policy]),
        )

    def _secret(self, upstream: str) -> aws.secretsmanager.Secret:
        """An empty secret for one upstream's credentials, readable by ECR's pull-through
        role only. Its value (`{"username": ..., "accessToken": ...}`) is the operator's."""
        role = f"{upstream}-credentials"
        only_ecr = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "OnlyEcrPullThroughCacheReadsIt",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": "*",
                    "Condition": {
                        "ArnNotEquals": {
                            "aws:PrincipalArn": self._account.arn(
                                "iam", PULL_THROUGH_ROLE, regional=False
                            )
                        }
                    },
                }
            ],
        }
        return aws.secretsmanager.Secret(
            self.child_name(role),
            name=secret_name(self._args.namespace, upstream),
            description=(
                f"Credentials ECR pulls {CACHE_UPSTREAMS[upstream]} with: "
                '{"username": ..., "accessToken": ...}, set by the operator'
            ),
            policy=pulumi.Output.json_dumps(only_ecr),
            recovery_window_in_days=30,
            tags=self.tags(role),
            opts=self.child_opts(protect=self._args.protect),
        )

    def pull_from(self, upstream: str) -> pulumi.Output[str]:
        """Where images of `upstream` (a key of `CACHE_UPSTREAMS`) are pulled from: this
        cache's prefix for it when it caches it, else the upstream registry itself."""
        if upstream in self._cached:
            return self.image_prefixes.apply(lambda prefixes: prefixes[upstream])
        return pulumi.Output.from_input(CACHE_UPSTREAMS[upstream])

    def _pull_policy(self) -> aws.iam.Policy:
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PullThroughTheCache",
                    "Effect": "Allow",
                    "Action": list(PULL_ACTIONS),
                    "Resource": self._repositories,
                },
                {
                    # registry-wide by design: it issues the docker login token
                    "Sid": "LogInToTheRegistry",
                    "Effect": "Allow",
                    "Action": "ecr:GetAuthorizationToken",
                    "Resource": "*",
                },
            ],
        }
        return aws.iam.Policy(
            self.child_name("pull-policy"),
            description=f"Pull images through the cache {self._name} (attach to node roles)",
            policy=pulumi.Output.json_dumps(document),
            tags=self.tags("pull-policy"),
            opts=self.child_opts(),
        )
