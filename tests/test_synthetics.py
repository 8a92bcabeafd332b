"""Synthetics: the canary scripts and their zip, the schedule and alarm, the execution
role, the settings, and the canaries in every stack (skipped where no URL is set)."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import zipfile
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import alarms, synthetics
from components.base import InvalidArgs
from components.synthetics import CanarySpec, SyntheticsArgs
from components.tags import standard_tags
from gam_offline.pricing import _RATE
from gam_offline.records import Record
from infra.settings import SettingsError
from tests.support import ROOT
from tests.test_settings_observability import load

CANARY = "aws:synthetics/canary:Canary"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
POLICY = "aws:iam/rolePolicy:RolePolicy"
TAGS = standard_tags(
    project="gam-platform", environment="test", owner="platform", cost_center="cc-42"
)


def script(name: str) -> ModuleType:
    path = ROOT / "observability" / "canaries" / name / "python" / f"{name}_check.py"
    spec = importlib.util.spec_from_file_location(f"{name}_check", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the scripts ------------------------------------------------------------------------


def test_the_api_workflow_passes_when_every_step_answers_2xx_json() -> None:
    api = script("api")
    seen: list[str] = []

    def get(url: str, timeout: float) -> tuple[int, bytes]:
        seen.append(url)
        return 200, b'{"status": "ok"}'

    assert api.run("https://api.example.org/", ["/healthz", "/v1/status"], get) == [
        "/healthz",
        "/v1/status",
    ]
    assert seen == ["https://api.example.org/healthz", "https://api.example.org/v1/status"]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [(503, b"{}", "answered 503"), (200, b"<html>", "not JSON"), (404, b"{}", "answered 404")],
)
def test_the_api_workflow_fails_at_the_first_broken_step(
    status: int, body: bytes, message: str
) -> None:
    api = script("api")
    calls: list[str] = []

    def get(url: str, timeout: float) -> tuple[int, bytes]:
        calls.append(url)
        return (status, body) if url.endswith("/second") else (200, b"[]")

    with pytest.raises(RuntimeError, match=message):
        api.run("https://api.example.org", ["/first", "/second", "/third"], get)
    assert calls == ["https://api.example.org/first", "https://api.example.org/second"]


def test_the_api_workflow_refuses_plain_http_and_an_empty_path_list() -> None:
    api = script("api")
    with pytest.raises(ValueError, match="not https"):
        api.run("http://api.example.org", ["/healthz"], lambda u, t: (200, b"{}"))
    with pytest.raises(ValueError, match="names no path"):
        api.steps(" , ")
    assert api.steps("/a, /b") == ["/a", "/b"]


@pytest.mark.parametrize("check", ["spa", "api"])
def test_each_script_compiles_and_exposes_the_handler_its_canary_names(check: str) -> None:
    source = (
        ROOT / "observability" / "canaries" / check / "python" / f"{check}_check.py"
    ).read_text()
    compile(source, f"{check}_check.py", "exec")
    assert re.search(r"^def handler\(event: object, context: object\)", source, re.M)


# --- the zip ----------------------------------------------------------------------------


@pytest.mark.parametrize("check", ["spa", "api"])
def test_the_zip_is_the_same_bytes_every_time_with_the_runtime_layout(check: str) -> None:
    first, second = synthetics.canary_zip(check), synthetics.canary_zip(check)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = archive.namelist()
        assert names == [f"python/{check}_check.py"]
        assert {info.date_time for info in archive.infolist()} == {synthetics.ZIP_DATE}


def test_the_zip_path_names_its_hash_so_a_script_change_updates_the_canary() -> None:
    path = synthetics.write_zip("api")
    assert re.fullmatch(r"build/canaries/api-[0-9a-f]{16}\.zip", path)
    assert (ROOT / path).read_bytes() == synthetics.canary_zip("api")
    assert synthetics.write_zip("api") == path


# --- schedule and alarm -----------------------------------------------------------------


@given(st.integers(min_value=1, max_value=60))
def test_the_schedule_is_a_rate_the_cost_model_reads_back(every: int) -> None:
    expression = synthetics.schedule_expression(every)
    match = _RATE.match(expression)
    assert match, expression
    minutes = int(match.group(1)) * (60 if match.group(2).startswith("hour") else 1)
    assert minutes == every
    assert synthetics.runs_per_month(every) == pytest.approx(730 * 60 / every)


@given(st.integers(min_value=1, max_value=60), st.sampled_from(alarms.SEVERITIES))
def test_the_alarm_waits_for_two_failed_runs_and_keeps_the_canary_severity(
    every: int, severity: Any
) -> None:
    canary = CanarySpec(
        name="spa",
        script="spa",
        handler="spa_check.handler",
        url="https://app.example.org/",
        severity=severity,
    )
    (spec,) = synthetics.alarm_specs(canary, "gam-x-spa", every)
    assert spec.period >= every * 60 and spec.period % 60 == 0
    assert (spec.evaluation_periods, spec.datapoints_to_alarm) == (3, 2)
    assert (spec.namespace, spec.metric) == ("CloudWatchSynthetics", "SuccessPercent")
    assert spec.dimensions == {"CanaryName": "gam-x-spa"}
    assert spec.severity == severity and spec.treat_missing_data == "breaching"


# --- execution role ---------------------------------------------------------------------


def test_the_execution_policy_scopes_each_grant_and_adds_no_network_outside_the_vpc() -> None:
    bucket = "arn:aws:s3:::artifacts"
    doc = synthetics.execution_policy(
        bucket_arn=bucket,
        key_arn="arn:aws:kms:eu-west-1:1:key/k",
        region="eu-west-1",
        log_group_arns=["arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/cwsyn-gam-spa-*"],
        in_vpc=False,
    )
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["WriteArtifacts"]["Resource"] == f"{bucket}/*"
    assert by_sid["EncryptArtifactsThroughS3"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }
    assert by_sid["PublishSyntheticsMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "CloudWatchSynthetics"}
    }
    starred = {s["Sid"] for s in doc["Statement"] if s["Resource"] == "*"}
    assert starred == {"ListBuckets", "PublishSyntheticsMetrics"}
    assert not any(a.startswith("ec2:") for s in doc["Statement"] for a in s["Action"])
    in_vpc = synthetics.execution_policy(
        bucket_arn=bucket, key_arn="k", region="eu-west-1", log_group_arns=["g"], in_vpc=True
    )
    assert "AttachToVpc" in {s["Sid"] for s in in_vpc["Statement"]}


# --- validation -------------------------------------------------------------------------


def test_every_problem_with_the_canaries_is_reported_at_once() -> None:
    bad = SyntheticsArgs(
        canaries=[
            CanarySpec(name="spa", script="spa", handler="spa_check.handler", url="http://x"),
            CanarySpec(
                name="spa", script="nope", handler="main", url="https://a.example/", in_vpc=True
            ),
        ],
        add_alarms=lambda specs: [],
        log_bucket="logs",
        artifacts_bucket="artifacts",
        every_minutes=90,
        retention_days=0,
        tags=TAGS,
    )
    with pytest.raises(InvalidArgs) as caught:
        synthetics.Synthetics("gam-test-synthetics", bad)
    text = "\n".join(caught.value.problems)
    for expected in (
        "every_minutes 90",
        "retention_days 0",
        "['spa'] are named more than once",
        "'http://x' must be an https URL",
        "handler 'main'",
        "in_vpc needs vpc_id and subnet_ids",
    ):
        assert expected in text


# --- settings ---------------------------------------------------------------------------


def test_canary_urls_must_be_https_and_chaos_needs_a_canary_to_stop_on() -> None:
    with pytest.raises(SettingsError) as caught:
        load({"synthetics": {"spaUrl": "http://app.example.org", "apiPaths": ["healthz"]}})
    problems = dict(caught.value.problems)
    assert "https URL" in problems["gam:observability.synthetics.spaUrl"]
    assert "must start with /" in problems["gam:observability.synthetics.apiPaths"]
    with pytest.raises(SettingsError) as caught:
        load({"chaos": {"enabled": True}})
    assert "synthetics.spaUrl" in dict(caught.value.problems)["gam:observability"]
    assert load({"chaos": {"enabled": True}, "synthetics": {"apiUrl": "https://api.x.org"}})


# --- the stacks -------------------------------------------------------------------------


def test_dev_sets_no_url_so_its_canaries_are_skipped(stack_records: dict[str, Record]) -> None:
    record = stack_records["dev"]
    assert record.by_type(CANARY) == []
    assert "canaryNames" not in record.outputs


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_each_set_url_gets_its_canary_on_a_supported_runtime_with_encrypted_artifacts(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    canaries = {r.name: r.plain_inputs() for r in record.by_type(CANARY)}
    assert set(canaries) == {f"gam-{stack}-synthetics-spa", f"gam-{stack}-synthetics-api"}
    key = next(r for r in record.by_type("aws:kms/key:Key") if r.name.endswith("canaries-key"))
    bucket = next(r for r in record.by_type("aws:s3/bucket:Bucket") if "canaries" in r.name)
    for inputs in canaries.values():
        assert inputs["runtimeVersion"] == synthetics.RUNTIME_VERSION
        assert inputs["artifactConfig"]["s3Encryption"] == {
            "encryptionMode": "SSE_KMS",
            "kmsKeyArn": key.outputs["arn"],
        }
        assert inputs["artifactS3Location"] == f"s3://{bucket.outputs['bucket']}/"
        assert inputs["startCanary"] is True
        assert inputs["zipFile"].startswith("build/canaries/")
    api = canaries[f"gam-{stack}-synthetics-api"]["runConfig"]["environmentVariables"]
    assert api["API_URL"] == f"https://api.{stack}.gam.example.org/"
    assert api["API_PATHS"] == "/healthz"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_failing_canary_pages_through_the_pager_topic(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    pager = next(t for t in record.by_type(TOPIC) if t.name.endswith("obs-pager-topic"))
    for check in ("spa", "api"):
        alarm = next(a for a in record.by_type(ALARM) if a.name.endswith(f"canary-{check}-failing"))
        inputs = alarm.plain_inputs()
        assert inputs["dimensions"] == {"CanaryName": f"gam-{stack}-synthetics-{check}"}
        assert inputs["alarmActions"] == inputs["okActions"] == [pager.outputs["arn"]]
        assert inputs["alarmDescription"].startswith("[sev2]")


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_canary_role_writes_only_its_own_bucket_logs_and_metrics(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    policy = next(p for p in record.by_type(POLICY) if p.name.endswith("synthetics-role-policy"))
    doc = json.loads(policy.plain_inputs()["policy"])
    bucket = next(r for r in record.by_type("aws:s3/bucket:Bucket") if "canaries" in r.name)
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["WriteArtifacts"]["Resource"] == f"{bucket.outputs['arn']}/*"
    logs = by_sid["WriteOwnLogs"]["Resource"]
    assert all(f"/aws/lambda/cwsyn-gam-{stack}-synthetics-" in arn for arn in logs)
