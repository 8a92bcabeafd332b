"""ECR private repositories and their lifecycle policies."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gam_policies.framework import Context, Resource, Rule, dig, fsbp, require
from gam_policies.rules._shared import items, linked_to

REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"


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


RULES: list[Rule] = [
    Rule(
        name="ecr-immutable-tags",
        description=(
            "A mutable tag can be re-pointed at a different image, so what is deployed as "
            "`v1.2.3` may not be what was built, scanned and approved."
        ),
        severity="medium",
        remediation=(
            "Set `image_tag_mutability='IMMUTABLE'` on aws.ecr.Repository and publish every "
            "build under a new tag (e.g. the git SHA)."
        ),
        controls=(fsbp("ECR.2"),),
        resource_types=(REPOSITORY,),
        check=_immutable_tags,
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
            "on aws.ecr.Repository (only possible when the repository is created)."
        ),
        controls=(fsbp("ECR.5"),),
        resource_types=(REPOSITORY,),
        check=_kms_encryption,
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
    ),
]
