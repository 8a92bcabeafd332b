"""The ImageCache component under the offline engine: what it registers, per variant."""

from __future__ import annotations

import functools
import json
from collections import Counter
from dataclasses import replace
from typing import Any

import pulumi
import pytest

from components.base import InvalidArgs
from components.image_cache import (
    KEEP_IMAGES,
    PULL_ACTIONS,
    TYPE_TOKEN,
    ImageCache,
    ImageCacheArgs,
    lifecycle_policy,
    problems,
    secret_name,
)
from components.tags import REQUIRED_TAGS, standard_tags
from components.values import CACHE_NAMESPACE_MAX, CACHE_UPSTREAMS
from gam_offline.engine import RecordingMonitor, run_program
from gam_offline.records import Record, RecordedResource
from tests.support import taggable_types

TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)
# as a new stack starts: the credentialed upstreams' secrets exist, still empty
NEW = ImageCacheArgs(namespace="gam-test", tags=TAGS)
# once the operator has stored both credentials; prod protects
READY = replace(NEW, credentials_stored=("docker-hub", "ghcr"), protect=True)
# anonymous registries only
ANONYMOUS = replace(NEW, upstreams=("ecr-public", "k8s", "quay"))
VARIANTS = {"new": NEW, "ready": READY, "anonymous": ANONYMOUS}

RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
SECRET = "aws:secretsmanager/secret:Secret"
KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
SLR = (
    "arn:aws:iam::123456789012:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/"
    "AWSServiceRoleForECRPullThroughCache"
)
REPOSITORIES = "arn:aws:ecr:eu-west-1:123456789012:repository/gam-test/*"
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
TAGGABLE = taggable_types()


@functools.cache
def record_of(variant: str) -> Record:
    def program() -> None:
        cache = ImageCache("images", VARIANTS[variant])
        pulumi.export("registry", cache.registry)
        pulumi.export("image_prefixes", cache.image_prefixes)
        pulumi.export("credential_secrets", cache.credential_secrets)
        pulumi.export("pull_policy_arn", cache.pull_policy_arn)

    return run_program(program, stack="test", region="eu-west-1")


@pytest.fixture(params=list(VARIANTS))
def variant(request: pytest.FixtureRequest) -> tuple[ImageCacheArgs, Record]:
    return VARIANTS[request.param], record_of(request.param)


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return resource.plain_inputs()


def rules_by_upstream(record: Record) -> dict[str, dict[str, Any]]:
    return {
        inputs(r)["ecrRepositoryPrefix"].split("/", 1)[1]: inputs(r) for r in record.by_type(RULE)
    }


@pytest.mark.parametrize(
    ("name", "rules", "secrets"), [("new", 3, 2), ("ready", 5, 2), ("anonymous", 3, 0)]
)
def test_registers_exactly_these_resources(name: str, rules: int, secrets: int) -> None:
    expected = {
        TYPE_TOKEN: 1,
        RULE: rules,
        SECRET: secrets,
        TEMPLATE: 1,
        KEY: 1,
        ROLE: 1,
        ROLE_POLICY: 1,
        POLICY: 1,
    }
    counts = Counter(r.type for r in record_of(name).resources)
    assert counts == {type_: n for type_, n in expected.items() if n}


def test_a_credentialed_registry_is_cached_only_once_its_credentials_are_stored() -> None:
    assert sorted(rules_by_upstream(record_of("new"))) == ["ecr-public", "k8s", "quay"]
    assert sorted(rules_by_upstream(record_of("ready"))) == sorted(CACHE_UPSTREAMS)


def test_each_rule_caches_its_upstream_under_the_namespace_after_the_template(
    variant: tuple[ImageCacheArgs, Record],
) -> None:
    _, record = variant
    template = record.one(TEMPLATE)
    for upstream, given in rules_by_upstream(record).items():
        assert given["ecrRepositoryPrefix"] == f"gam-test/{upstream}"
        assert given["upstreamRegistryUrl"] == CACHE_UPSTREAMS[upstream]
    for rule in record.by_type(RULE):
        assert template.urn in rule.options["dependencies"]


def test_docker_hub_and_ghcr_pull_with_their_secret_and_the_others_anonymously() -> None:
    record = record_of("ready")
    secrets = {inputs(s)["name"]: s.outputs["arn"] for s in record.by_type(SECRET)}
    for upstream, rule in rules_by_upstream(record).items():
        if upstream in ("docker-hub", "ghcr"):
            assert rule["credentialArn"] == secrets[f"ecr-pullthroughcache/gam-test/{upstream}"]
        else:
            assert rule.get("credentialArn") is None


def test_secrets_hold_no_value_and_only_ecrs_pull_through_role_may_read_them(
    variant: tuple[ImageCacheArgs, Record],
) -> None:
    args, record = variant
    assert not any("secretVersion" in r.type for r in record.resources)
    for secret in record.by_type(SECRET):
        given = inputs(secret)
        assert given["name"].startswith("ecr-pullthroughcache/gam-test/")
        assert "secretString" not in given and "secretBinary" not in given
        assert "kmsKeyId" not in given  # ECR reads them only under aws/secretsmanager
        assert given["recoveryWindowInDays"] == 30
        assert secret.protect is args.protect
        (statement,) = json.loads(given["policy"])["Statement"]
        assert statement == {
            "Sid": "OnlyEcrPullThroughCacheReadsIt",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": SLR}},
        }
        arn = secret.outputs["arn"]
        assert secret.id == arn and arn.startswith(
            f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{given['name']}-"
        )


def test_cached_repositories_are_made_encrypted_immutable_bounded_and_tagged(
    variant: tuple[ImageCacheArgs, Record],
) -> None:
    args, record = variant
    template, key, role = record.one(TEMPLATE), record.one(KEY), record.one(ROLE)
    given = inputs(template)
    assert template.id == given["prefix"] == "gam-test"
    assert given["appliedFors"] == ["PULL_THROUGH_CACHE"]
    assert given["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}
    ]
    assert given["imageTagMutability"] == "IMMUTABLE"
    assert given["customRoleArn"] == role.outputs["arn"]
    assert json.loads(given["lifecyclePolicy"]) == json.loads(lifecycle_policy())
    assert {k: given["resourceTags"][k] for k in REQUIRED_TAGS} == {
        k: TAGS[k] for k in REQUIRED_TAGS
    }
    assert inputs(key)["enableKeyRotation"] is True and key.protect is args.protect


def test_lifecycle_keeps_the_most_recent_images_of_each_repository() -> None:
    (rule,) = json.loads(lifecycle_policy())["rules"]
    assert rule["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": KEEP_IMAGES,
    }
    assert rule["action"] == {"type": "expire"}


def test_ecr_assumes_the_template_role_to_create_tag_and_encrypt_the_cache_repositories_only() -> (
    None
):
    record = record_of("new")
    (trust,) = json.loads(inputs(record.one(ROLE))["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "ecr.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    policy = inputs(record.one(ROLE_POLICY))
    assert policy["role"] == record.one(ROLE).id
    create, encrypt = json.loads(policy["policy"])["Statement"]
    assert create["Action"] == ["ecr:CreateRepository", "ecr:TagResource"]
    assert create["Resource"] == REPOSITORIES
    assert encrypt["Action"] == ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"]
    assert encrypt["Resource"] == record.one(KEY).outputs["arn"]


def test_the_pull_policy_lets_nodes_pull_and_import_through_the_cache_only() -> None:
    record = record_of("new")
    policy = record.one(POLICY)
    pull, login = json.loads(inputs(policy)["policy"])["Statement"]
    assert pull["Action"] == list(PULL_ACTIONS) and pull["Resource"] == REPOSITORIES
    assert login["Action"] == "ecr:GetAuthorizationToken" and login["Resource"] == "*"
    assert policy.id == policy.outputs["arn"]
    assert policy.outputs["arn"].startswith("arn:aws:iam::123456789012:policy/images-pull-policy")


def test_children_descend_from_the_component_and_carry_the_standard_tags(
    variant: tuple[ImageCacheArgs, Record],
) -> None:
    _, record = variant
    component = record.one(TYPE_TOKEN)
    for resource in record.resources:
        if resource is component:
            continue
        assert component in list(record.ancestors(resource)), resource.name
        assert resource.name.startswith("images-"), resource.name
        if resource.type in TAGGABLE:
            tags = inputs(resource)["tags"]
            assert {k: tags[k] for k in REQUIRED_TAGS} == {k: TAGS[k] for k in REQUIRED_TAGS}
            assert tags["Name"] == resource.name


def test_outputs_name_the_registry_the_cached_prefixes_and_the_secrets() -> None:
    record = record_of("new")
    assert record.outputs == {
        "registry": REGISTRY,
        "image_prefixes": {u: f"{REGISTRY}/gam-test/{u}" for u in ("ecr-public", "k8s", "quay")},
        "credential_secrets": {
            "docker-hub": "ecr-pullthroughcache/gam-test/docker-hub",
            "ghcr": "ecr-pullthroughcache/gam-test/ghcr",
        },
        "pull_policy_arn": record.one(POLICY).outputs["arn"],
    }


def test_secret_names_carry_the_prefix_ecrs_role_may_read() -> None:
    assert secret_name("gam-prod", "ghcr") == "ecr-pullthroughcache/gam-prod/ghcr"


# --- invalid arguments ----------------------------------------------------------------


def test_all_invalid_arguments_are_reported_at_once_before_any_resource() -> None:
    bad = ImageCacheArgs(
        namespace="Gam_Prod/",
        upstreams=("docker-hub", "docker-hub", "gcr"),
        credentials_stored=("quay", "ghcr"),
        tags={},
    )
    with pytest.raises(InvalidArgs) as raised:
        run_program(lambda: ImageCache("images", bad))
    monitor = pulumi.runtime.settings.get_monitor()
    assert isinstance(monitor, RecordingMonitor)
    assert monitor.recorded == []
    # tags, namespace, unknown upstream, repeated, quay takes none, ghcr not cached
    assert len(raised.value.problems) == 6


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"namespace": "Gam"}, "lower-case letters and digits"),
        ({"namespace": "a" * (CACHE_NAMESPACE_MAX + 1)}, f"at most {CACHE_NAMESPACE_MAX}"),
        ({"namespace": "gam--prod"}, "single '.', '_' or '-'"),
        ({"upstreams": ("gcr",)}, "are not known"),
        ({"upstreams": ("quay", "quay")}, "list each once"),
        ({"credentials_stored": ("quay",)}, "take credentials"),
        ({"upstreams": ("quay",), "credentials_stored": ("ghcr",)}, "are not in upstreams"),
        ({"tags": {}}, "build them with components.tags.standard_tags"),
    ],
)
def test_each_invalid_argument_says_what_to_change(change: dict[str, Any], says: str) -> None:
    found = problems(replace(NEW, **change))
    assert any(says in p for p in found), found


def test_valid_variants_have_no_problems() -> None:
    assert [problems(args) for args in VARIANTS.values()] == [[], [], []]
    assert problems(replace(NEW, namespace="a" * CACHE_NAMESPACE_MAX)) == []
