"""The data lake: SecureBucket's pure logic, the DataLake component, and the lake in each stack."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.base import InvalidArgs
from components.buckets import (
    Lifecycle,
    SecureBucketArgs,
    lifecycle_problems,
    lifecycle_rules,
    read_document,
    tls_deny_statement,
    write_document,
)
from components.buckets import problems as bucket_problems
from components.data_lake import BucketAccess, DataLake, DataLakeArgs, replication_document
from components.tags import standard_tags
from gam_offline.engine import run_program
from gam_offline.records import Record, RecordedResource

STACKS = ("dev", "staging", "prod")
BUCKET = "aws:s3/bucket:Bucket"
COMPANIONS = (
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
)
LOGGING = "aws:s3/bucketLogging:BucketLogging"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
INVENTORY = "aws:s3/inventory:Inventory"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)
RAW = Lifecycle(infrequent_access_after_days=30, glacier_after_days=90, expire_after_days=365)


# --- pure logic ------------------------------------------------------------------------


def test_the_tls_deny_statement_is_exactly_the_one_aws_recommends() -> None:
    assert tls_deny_statement("arn:aws:s3:::b") == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_raw_data_goes_to_infrequent_access_then_glacier_then_expires() -> None:
    housekeeping, current = lifecycle_rules(RAW)
    assert housekeeping == {
        "id": "housekeeping",
        "status": "Enabled",
        "filter": {},
        "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
        "noncurrent_version_expiration": {"noncurrent_days": 30},
    }
    assert current == {
        "id": "current-versions",
        "status": "Enabled",
        "filter": {},
        "transitions": [
            {"days": 30, "storage_class": "STANDARD_IA"},
            {"days": 90, "storage_class": "GLACIER_IR"},
        ],
        "expiration": {"days": 365},
    }


def test_intelligent_tiering_moves_objects_at_once_and_housekeeping_alone_is_one_rule() -> None:
    _, current = lifecycle_rules(Lifecycle(intelligent_tiering=True))
    assert current["transitions"] == [{"days": 0, "storage_class": "INTELLIGENT_TIERING"}]
    assert "expiration" not in current
    assert [r["id"] for r in lifecycle_rules(Lifecycle())] == ["housekeeping"]


@given(st.lists(st.integers(min_value=30, max_value=5000), min_size=3, max_size=3, unique=True))
def test_lifecycle_days_must_increase_from_ia_to_glacier_to_expiry(days: list[int]) -> None:
    ia, glacier, expire = days
    found = lifecycle_problems(
        Lifecycle(
            infrequent_access_after_days=ia, glacier_after_days=glacier, expire_after_days=expire
        )
    )
    assert (found == []) == (ia < glacier < expire)


def test_bad_bucket_arguments_are_reported_together_by_field() -> None:
    args = SecureBucketArgs(
        purpose="data",
        tags={},
        lifecycle=Lifecycle(infrequent_access_after_days=10, intelligent_tiering=True),
    )
    found = "\n".join(bucket_problems(args))
    for part in ("tags lack", "log_bucket is required", "at least 30", "intelligent_tiering"):
        assert part in found


def test_a_log_bucket_needs_no_log_bucket() -> None:
    assert bucket_problems(SecureBucketArgs(purpose="logs", tags=TAGS)) == []


def test_read_grants_list_get_and_decrypt_through_s3_only() -> None:
    document = read_document("arn:aws:s3:::b", "arn:aws:kms:eu-west-1:1:key/k", "eu-west-1")
    assert document["Statement"] == [
        {"Sid": "ListBucket", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": "arn:aws:s3:::b"},
        {"Sid": "ReadObjects", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "DecryptThroughS3", "Effect": "Allow", "Action": ["kms:Decrypt"],
         "Resource": "arn:aws:kms:eu-west-1:1:key/k",
         "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}},
    ]  # fmt: skip


def test_write_grants_put_and_encrypt_through_s3_and_never_delete() -> None:
    document = write_document("arn:aws:s3:::b", "arn:aws:kms:eu-west-1:1:key/k", "eu-west-1")
    actions = [a for s in document["Statement"] for a in s["Action"]]
    assert actions == [
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    ]
    assert document["Statement"][0]["Resource"] == "arn:aws:s3:::b/*"
    assert document["Statement"][1]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }


def test_the_replication_role_reads_sources_and_writes_replicas_only() -> None:
    document = replication_document(
        [("arn:aws:s3:::src", "src-key")], [("arn:aws:s3:::dst", "dst-key")], "a-1", "b-2"
    )
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert by_sid["ReadSourceVersions"]["Resource"] == ["arn:aws:s3:::src/*"]
    assert by_sid["WriteReplicas"]["Action"] == ["s3:ReplicateObject", "s3:ReplicateTags"]
    assert by_sid["WriteReplicas"]["Resource"] == ["arn:aws:s3:::dst/*"]
    assert by_sid["DecryptSources"]["Resource"] == ["src-key"]
    assert by_sid["EncryptReplicas"]["Resource"] == ["dst-key"]
    assert by_sid["EncryptReplicas"]["Condition"]["StringEquals"]["kms:ViaService"] == (
        "s3.b-2.amazonaws.com"
    )
    assert not any("Delete" in a for s in document["Statement"] for a in s["Action"])


# --- the component, under the engine ---------------------------------------------------


@functools.cache
def lake_record(replica_region: str | None) -> Record:
    def program() -> None:
        lake = DataLake(
            "lake",
            DataLakeArgs(
                raw=RAW, replica_region=replica_region, backup_retention_days=7, tags=TAGS
            ),
        )
        role = aws.iam.Role("worker", assume_role_policy="{}")
        lake.buckets["raw"].grant_read(role)
        lake.buckets["processed"].grant_write(role)
        pulumi.export("raw", lake.buckets["raw"].arn)

    return run_program(program, stack="test", region="eu-west-1")


def named(record: Record, name: str) -> RecordedResource:
    (found,) = [r for r in record.resources if r.name == name]
    return found


def test_grants_are_exactly_the_bucket_and_key_of_the_bucket_granted() -> None:
    record = lake_record(None)
    raw, raw_key = named(record, "lake-raw-bucket"), named(record, "lake-raw-key")
    read = named(record, "lake-raw-read-worker").plain_inputs()
    assert json.loads(read["policy"]) == read_document(
        raw.outputs["arn"], raw_key.outputs["arn"], "eu-west-1"
    )
    processed = named(record, "lake-processed-bucket")
    processed_key = named(record, "lake-processed-key")
    write = named(record, "lake-processed-write-worker").plain_inputs()
    assert json.loads(write["policy"]) == write_document(
        processed.outputs["arn"], processed_key.outputs["arn"], "eu-west-1"
    )
    assert read["role"] == write["role"] == named(record, "worker").outputs["name"]


def test_replicas_live_in_the_dr_region_under_keys_of_their_own() -> None:
    record = lake_record("eu-central-1")
    for role in ("raw", "processed"):
        replica = named(record, f"lake-{role}-replica-bucket")
        key = named(record, f"lake-{role}-replica-key")
        assert replica.plain_inputs()["region"] == key.plain_inputs()["region"] == "eu-central-1"
        assert key.outputs["arn"].startswith("arn:aws:kms:eu-central-1:")
        config = named(record, f"lake-{role}-replication").plain_inputs()
        (rule,) = config["rules"]
        assert rule["destination"]["bucket"] == replica.outputs["arn"]
        assert rule["destination"]["encryptionConfiguration"] == {
            "replicaKmsKeyId": key.outputs["arn"]
        }
        assert rule["deleteMarkerReplication"] == {"status": "Disabled"}
        logging = named(record, f"lake-{role}-replica-logging").plain_inputs()
        assert logging["region"] == "eu-central-1"
        dr_logs = named(record, "lake-dr-access-logs-bucket")
        assert logging["targetBucket"] == dr_logs.outputs["bucket"]


def test_an_invalid_lake_names_every_problem_before_creating_anything() -> None:
    args = DataLakeArgs(
        raw=replace(RAW, expire_after_days=60), backup_retention_days=0, tags={"Project": "x"}
    )
    with pytest.raises(InvalidArgs) as caught:
        DataLake("lake", args)
    found = "\n".join(caught.value.problems)
    assert "tags lack" in found and "raw: days must" in found and "backup_retention_days" in found


READ = {"Sid": "Reader", "Effect": "Allow", "Principal": {"Service": "x.amazonaws.com"}}
WRITE = {"Sid": "Writer", "Effect": "Allow", "Principal": {"Service": "y.amazonaws.com"}}


def test_access_adds_statements_after_a_buckets_own_in_its_one_policy_and_its_key() -> None:
    """What another component needs (given as Outputs, as the edge's are) joins the
    bucket's policy after the TLS deny and the log deliveries, and its key's policy."""

    def program() -> None:
        DataLake(
            "lake",
            DataLakeArgs(
                tags=TAGS,
                access={
                    "cdn-assets": BucketAccess(
                        policy_statements=pulumi.Output.from_input([READ]),
                        key_statements=pulumi.Output.from_input([READ]),
                    ),
                    "access-logs": BucketAccess(
                        policy_statements=pulumi.Output.from_input([WRITE]),
                        key_statements=[WRITE],
                    ),
                },
            ),
        )

    record = run_program(program, stack="test", region="eu-west-1")

    def statements(name: str) -> list[Any]:
        return list(json.loads(named(record, name).plain_inputs()["policy"])["Statement"])

    assets = named(record, "lake-cdn-assets-bucket").outputs["arn"]
    assert statements("lake-cdn-assets-policy") == [tls_deny_statement(assets), READ]
    assert [s["Sid"] for s in statements("lake-cdn-assets-key")] == [
        "AccountAdministersTheKey",
        "Reader",
    ]
    assert [s["Sid"] for s in statements("lake-access-logs-policy")] == [
        "DenyInsecureTransport",
        "S3ServerAccessLogs",
        "S3Inventory",
        "Writer",
    ]
    assert statements("lake-access-logs-key")[-1] == WRITE
    assert statements("lake-raw-policy") == [
        tls_deny_statement(named(record, "lake-raw-bucket").outputs["arn"])
    ]
    policies = record.by_type("aws:s3/bucketPolicy:BucketPolicy")
    assert len(policies) == len(record.by_type(BUCKET))  # one policy a bucket


def test_access_to_a_bucket_the_lake_does_not_have_is_refused() -> None:
    args = DataLakeArgs(tags=TAGS, access={"cdn": BucketAccess()})
    with pytest.raises(InvalidArgs) as caught:
        DataLake("lake", args)
    assert caught.value.problems == [
        "access names ['cdn'], which are not buckets of the lake "
        "('access-logs', 'raw', 'processed', 'cdn-assets')"
    ]


# --- the lake in every stack -----------------------------------------------------------


def _linked(record: Record, types: tuple[str, ...], bucket: RecordedResource) -> list[str]:
    return [
        r.type
        for r in record.resources
        if r.type in types
        and r.plain_inputs().get("bucket") in (bucket.id, bucket.outputs["bucket"])
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_every_bucket_has_each_companion_exactly_once(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    buckets = record.by_type(BUCKET)
    # prod: 2 replicas, DR logs; with canaries, their artifact bucket (ADR 0019)
    artifacts = 1 if record.by_type("aws:synthetics/canary:Canary") else 0
    assert len(buckets) == (7 if stack == "prod" else 4) + artifacts
    for bucket in buckets:
        purpose = bucket.plain_inputs()["tags"]["Purpose"]
        expected = sorted(COMPANIONS + (() if purpose == "logs" else (LOGGING,)))
        assert sorted(_linked(record, (*COMPANIONS, LOGGING), bucket)) == expected, bucket.name


@pytest.mark.parametrize("stack", STACKS)
def test_only_prod_replicates_raw_and_processed(
    stack_records: dict[str, Record], stack: str
) -> None:
    configs = stack_records[stack].by_type(REPLICATION)
    names = sorted(c.name for c in configs)
    assert names == (
        [f"gam-prod-data-{r}-replication" for r in ("processed", "raw")] if stack == "prod" else []
    )


@pytest.mark.parametrize("stack", STACKS)
def test_raw_and_processed_have_a_daily_encrypted_inventory_in_the_log_bucket(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    logs = named(record, f"gam-{stack}-data-access-logs-bucket")
    logs_key = named(record, f"gam-{stack}-data-access-logs-key")
    inventories = {i.name: i.plain_inputs() for i in record.by_type(INVENTORY)}
    assert sorted(inventories) == [f"gam-{stack}-data-{r}-inventory" for r in ("processed", "raw")]
    for inventory in inventories.values():
        assert inventory["schedule"] == {"frequency": "Daily"}
        destination = inventory["destination"]["bucket"]
        assert destination["bucketArn"] == logs.outputs["arn"]
        assert destination["encryption"] == {"sseKms": {"keyId": logs_key.outputs["arn"]}}


@pytest.mark.parametrize("stack", STACKS)
def test_every_bucket_policy_starts_with_the_exact_tls_deny(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    arns = {b.outputs["bucket"]: b.outputs["arn"] for b in record.by_type(BUCKET)}
    for policy in record.by_type("aws:s3/bucketPolicy:BucketPolicy"):
        inputs = policy.plain_inputs()
        first = json.loads(inputs["policy"])["Statement"][0]
        assert first == tls_deny_statement(arns[inputs["bucket"]])


@pytest.mark.parametrize(
    ("stack", "protected"), [("dev", False), ("staging", False), ("prod", True)]
)
def test_buckets_are_protected_in_prod_only(
    stack_records: dict[str, Record], stack: str, protected: bool
) -> None:
    assert {b.protect for b in stack_records[stack].by_type(BUCKET)} == {protected}


@pytest.mark.parametrize("stack", STACKS)
def test_raw_lifecycle_comes_from_the_tiers_retention(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    rules = named(record, f"gam-{stack}-data-raw-lifecycle").plain_inputs()["rules"]
    current: dict[str, Any] = rules[1]
    assert [t["storageClass"] for t in current["transitions"]] == ["STANDARD_IA", "GLACIER_IR"]
    assert current["expiration"]["days"] == {"dev": 365, "staging": 730, "prod": 3650}[stack]
    processed = named(record, f"gam-{stack}-data-processed-lifecycle").plain_inputs()["rules"]
    assert processed[1]["transitions"] == [{"days": 0, "storageClass": "INTELLIGENT_TIERING"}]
