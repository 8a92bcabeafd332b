"""ECR private repositories and their lifecycle policies; the repository creation templates
that make the repositories of pull-through caches, and the cache rules they must cover.

A template and a repository name the same settings the same way (`imageTagMutability`,
`encryptionConfigurations`), so the tag and key rules judge both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gam_policies.framework import Context, Resource, Rule, dig, fsbp, on, require
from gam_policies.rules._shared import items, linked_to

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
PULL_THROUGH_CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"


def _immutable_tags(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(resource, "imageTagMutability", "IMMUTABLE", "Image tags can be overwritten")


def _scan_on_push(resource: Resource, ctx: Context) -> Iterator[str]:
    yield from require(
        resource, "imageScanningConfiguration.scanOnPush", True, "Pushed images are not scanned"
    )


def _kms_encryption(resource: Resource, ctx: Context) -> Iterator[str]:
    configurations = items(resource, "encryptionConfigurations")
    if not any(dig(c, "encryptionType") == "KMS" and dig(c, "kmsKey") for c in configurations):
        yield (
            "Images are not encrypted with a customer key: `encryptionConfigurations` needs "
            "encryptionType 'KMS' with a `kmsKey`."
        )


def _lifecycle_policy(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    for repository in resources:
        if repository.type != REPOSITORY:
            continue
        policies = linked_to(repository, resources, (LIFECYCLE_POLICY,), "repository")
        if not any(policy.get("policy") for policy in policies):
            yield (
                repository.urn,
                (f"Repository `{repository.name}` has no {LIFECYCLE_POLICY} with a `policy`."),
            )


def covers(template: Resource, prefix: str) -> bool:
    """True if a template applied to pull-through caches matches repositories under `prefix`
    (ECR matches a template's prefix against the repository's namespace; `ROOT`, any)."""
    if "PULL_THROUGH_CACHE" not in items(template, "appliedFors"):
        return False
    namespace = template.get("prefix")
    return namespace == "ROOT" or prefix == namespace or prefix.startswith(f"{namespace}/")


def _cache_template(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    templates = [r for r in resources if r.type == CREATION_TEMPLATE]
    for rule in resources:
        if rule.type != PULL_THROUGH_CACHE_RULE:
            continue
        prefix = rule.get("ecrRepositoryPrefix")
        if not isinstance(prefix, str) or not any(covers(t, prefix) for t in templates):
            yield (
                rule.urn,
                (
                    f"Pull-through cache rule `{rule.name}` (prefix {prefix!r}) is covered by no "
                    f"{CREATION_TEMPLATE} applied for PULL_THROUGH_CACHE, so ECR creates its "
                    "repositories with defaults (AES256, mutable tags)."
                ),
            )


RULES: list[Rule] = [
    Rule(
        name="ecr-immutable-tags",
        description=(
            "A mutable tag can be re-pointed at a different image, so what is deployed as "
            "`v1.2.3` may not be what was built, scanned and approved."
        ),
        severity="medium",
        remediation=(
            "Set `image_tag_mutability='IMMUTABLE'` on aws.ecr.Repository (or on the "
            "aws.ecr.RepositoryCreationTemplate ECR creates repositories from) and publish "
            "every build under a new tag (e.g. the git SHA)."
        ),
        controls=(fsbp("ECR.2"),),
        resource_types=(REPOSITORY, CREATION_TEMPLATE),
        check=_immutable_tags,
        reads=on((REPOSITORY, CREATION_TEMPLATE), "imageTagMutability"),
    ),
    Rule(
        name="ecr-scan-on-push",
        description=(
            "Images that are not scanned on push reach the cluster with known "
            "vulnerabilities nobody was told about."
        ),
        severity="medium",
        remediation=(
            "Set `image_scanning_configuration={'scan_on_push': True}` on aws.ecr.Repository "
            "(or enable enhanced scanning with aws.ecr.RegistryScanningConfiguration)."
        ),
        controls=(fsbp("ECR.1"),),
        resource_types=(REPOSITORY,),
        check=_scan_on_push,
        reads={REPOSITORY: ("imageScanningConfiguration.scanOnPush",)},
    ),
    Rule(
        name="ecr-kms-encryption",
        description=(
            "Images hold code and often baked-in configuration; encrypting them under a "
            "customer key puts every pull under our key policy and audit."
        ),
        severity="medium",
        remediation=(
            "Set `encryption_configurations=[{'encryption_type': 'KMS', 'kms_key': key.arn}]` "
            "on aws.ecr.Repository (only possible when the repository is created) or on the "
            "aws.ecr.RepositoryCreationTemplate ECR creates repositories from."
        ),
        controls=(fsbp("ECR.5"),),
        resource_types=(REPOSITORY, CREATION_TEMPLATE),
        check=_kms_encryption,
        reads=on(
            (REPOSITORY, CREATION_TEMPLATE),
            "encryptionConfigurations[].encryptionType",
            "encryptionConfigurations[].kmsKey",
        ),
    ),
    Rule(
        name="ecr-lifecycle-policy",
        description=(
            "Without a lifecycle policy every image ever pushed is stored, and billed, forever."
        ),
        severity="low",
        remediation=(
            "Add `aws.ecr.LifecyclePolicy(repository=repo.name, policy=json.dumps({...}))` "
            "expiring untagged images and keeping the last N tagged ones."
        ),
        controls=(fsbp("ECR.3"),),
        category="cost",
        stack_check=_lifecycle_policy,
        reads={REPOSITORY: ("id", "arn"), LIFECYCLE_POLICY: ("repository", "policy")},
    ),
    Rule(
        name="ecr-pull-through-cache-template",
        description=(
            "ECR creates a pull-through cache's repositories itself; without a creation "
            "template covering the rule's prefix they get AWS's defaults: mutable tags, no "
            "customer key, no lifecycle."
        ),
        severity="medium",
        remediation=(
            "Declare an aws.ecr.RepositoryCreationTemplate with `applied_fors=['PULL_THROUGH_CACHE']` "
            "and a `prefix` equal to or above each aws.ecr.PullThroughCacheRule's "
            "`ecr_repository_prefix`, with KMS encryption and `image_tag_mutability='IMMUTABLE'`."
        ),
        controls=(fsbp("ECR.5"),),
        stack_check=_cache_template,
        reads={
            CREATION_TEMPLATE: ("appliedFors", "prefix"),
            PULL_THROUGH_CACHE_RULE: ("ecrRepositoryPrefix",),
        },
    ),
]
