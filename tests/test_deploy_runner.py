"""The deploy runner (ADR 0020): a CodeBuild-hosted GitHub Actions runner inside the VPC,
admitted to the private EKS API, its settings, and the workflows that use it."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from typing import Any

import pulumi
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from components import deploy_apis, runner_egress
from components.base import InvalidArgs
from components.deploy_runner import (
    COMPUTE_TYPES,
    CONNECTION_ACTIONS,
    NETWORK_ACTIONS,
    DeployRunner,
    DeployRunnerArgs,
    problems,
    runner_label,
    service_policy,
)
from components.networking import problems as network_problems
from components.tags import standard_tags
from gam_offline.engine import run_program, stack_config
from gam_offline.records import Record, RecordedResource
from infra import naming, settings
from stacks import platform
from tests.support import ROOT
from tests.test_settings import BASE, PROD_NETWORK
from tests.test_settings import problems as settings_problems

TAGS = standard_tags(project="gam-platform", environment="test", owner="o", cost_center="cc")
CONNECTION = (
    "arn:aws:codeconnections:eu-west-1:111122223333:connection/0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
)
ARGS = DeployRunnerArgs(
    vpc_id="vpc-1",
    subnet_ids=["subnet-a", "subnet-b"],
    repository_url="https://github.com/example/gam-platform",
    connection_arn=CONNECTION,
    log_retention_days=90,
    tags=TAGS,
)
PROJECT = "aws:codebuild/project:Project"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def named(record: Record, name: str) -> RecordedResource:
    (found,) = [r for r in record.resources if r.name == name]
    return found


@functools.cache
def runner_record() -> Record:
    def program() -> None:
        runner = DeployRunner("gam-test-runner", ARGS)
        pulumi.export("label", runner.label)

    return run_program(program, stack="test", region="eu-west-1")


# --- arguments --------------------------------------------------------------------------


def test_every_bad_argument_is_reported_at_once() -> None:
    bad = dataclasses.replace(
        ARGS,
        repository_url="git@github.com:example/gam.git",
        connection_arn=None,
        compute_type="BUILD_GENERAL1_2XLARGE",
        log_retention_days=0,
        build_timeout_minutes=4,
        concurrent_builds=0,
        workflows=(),
    )
    found = problems(bad)
    assert len(found) == 7, found
    assert any(p.startswith("connection_arn is required") for p in found)


def test_a_connection_arn_of_another_shape_is_refused() -> None:
    for arn in ("arn:aws:iam::111122223333:role/x", "connection/0f1e2d3c", ""):
        found = problems(dataclasses.replace(ARGS, connection_arn=arn))
        assert found and "is not a connection ARN" in found[0]
    legacy = CONNECTION.replace("codeconnections", "codestar-connections")
    assert problems(dataclasses.replace(ARGS, connection_arn=legacy)) == []


@given(st.text(min_size=1, max_size=30))
def test_only_the_small_to_large_linux_sizes_are_accepted(compute: str) -> None:
    found = problems(dataclasses.replace(ARGS, compute_type=compute))
    assert (found == []) == (compute in COMPUTE_TYPES)


def test_without_a_connection_the_component_refuses_naming_the_argument() -> None:
    def program() -> None:
        DeployRunner("gam-test-runner", dataclasses.replace(ARGS, connection_arn=None))

    with pytest.raises(InvalidArgs, match="connection_arn is required"):
        run_program(program, stack="test", region="eu-west-1")


# --- the project ------------------------------------------------------------------------


def test_the_label_names_the_project_and_the_run() -> None:
    assert runner_label("gam-prod-runner") == (
        "codebuild-gam-prod-runner-${{ github.run_id }}-${{ github.run_attempt }}"
    )
    assert runner_record().outputs["label"] == runner_label("gam-test-runner")


def test_the_project_runs_unprivileged_in_the_private_subnets_behind_its_own_group() -> None:
    record = runner_record()
    project = record.one(PROJECT).plain_inputs()
    group = named(record, "gam-test-runner-sg")
    assert project["vpcConfig"] == {
        "vpcId": "vpc-1",
        "subnets": ["subnet-a", "subnet-b"],
        "securityGroupIds": [group.id],
    }
    assert project["environment"]["privilegedMode"] is False
    assert project["environment"]["computeType"] == "BUILD_GENERAL1_SMALL"
    assert project["source"]["auth"] == {"type": "CODECONNECTIONS", "resource": CONNECTION}
    assert project["artifacts"] == {"type": "NO_ARTIFACTS"}


def test_its_group_admits_nothing_and_lets_out_https_only() -> None:
    group = named(runner_record(), "gam-test-runner-sg").plain_inputs()
    assert not group.get("ingress")
    [egress] = group["egress"]
    assert (egress["protocol"], egress["fromPort"], egress["toPort"]) == ("tcp", 443, 443)


def test_logs_and_artifacts_are_on_its_own_key_and_the_logs_expire() -> None:
    record = runner_record()
    key = named(record, "gam-test-runner-key")
    logs = named(record, "gam-test-runner-logs").plain_inputs()
    project = record.one(PROJECT).plain_inputs()
    assert project["encryptionKey"] == key.outputs["arn"]
    assert logs["kmsKeyId"] == key.outputs["arn"] and logs["retentionInDays"] == 90
    assert project["logsConfig"]["cloudwatchLogs"] == {
        "status": "ENABLED",
        "groupName": "/aws/codebuild/gam-test-runner",
    }
    statements = json.loads(key.plain_inputs()["policy"])["Statement"]
    logs_use = next(s for s in statements if s["Principal"].get("Service", "").startswith("logs."))
    assert logs_use["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"].endswith(
        "log-group:/aws/codebuild/gam-test-runner"
    )


def test_the_webhook_starts_builds_for_queued_jobs_of_the_named_workflows_only() -> None:
    webhook = runner_record().one("aws:codebuild/webhook:Webhook").plain_inputs()
    assert webhook["projectName"] == "gam-test-runner"
    [group] = webhook["filterGroups"]
    assert group["filters"] == [
        {"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"},
        {"type": "WORKFLOW_NAME", "pattern": "^(deploy|drift|preview)$"},
    ]
    pattern = re.compile(group["filters"][1]["pattern"])
    assert pattern.match("deploy") and not pattern.match("deploy-anything")


def test_only_codebuild_for_this_project_assumes_the_role() -> None:
    role = named(runner_record(), "gam-test-runner-role").plain_inputs()
    [statement] = json.loads(role["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(":project/gam-test-runner")


def test_the_role_holds_exactly_its_logs_network_key_and_connection() -> None:
    record = runner_record()
    policy = json.loads(named(record, "gam-test-runner-role-policy").plain_inputs()["policy"])
    logs = named(record, "gam-test-runner-logs").outputs["arn"]
    key = named(record, "gam-test-runner-key").outputs["arn"]
    account = key.split(":")[4]
    assert policy == service_policy(
        log_group_arn=logs,
        key_arn=key,
        connection_arn=CONNECTION,
        subnet_arns=[f"arn:aws:ec2:eu-west-1:{account}:subnet/subnet-{s}" for s in "ab"],
        network_interfaces_arn=f"arn:aws:ec2:eu-west-1:{account}:network-interface/*",
    )


def test_the_service_policy_scopes_all_but_the_documented_network_calls() -> None:
    policy = service_policy(
        log_group_arn="arn:aws:logs:eu-west-1:1:log-group:/g",
        key_arn="arn:aws:kms:eu-west-1:1:key/k",
        connection_arn=CONNECTION,
        subnet_arns=["arn:aws:ec2:eu-west-1:1:subnet/subnet-a"],
        network_interfaces_arn="arn:aws:ec2:eu-west-1:1:network-interface/*",
    )
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    unscoped = [s for s in policy["Statement"] if s["Resource"] == "*"]
    assert [s["Action"] for s in unscoped] == [list(NETWORK_ACTIONS)]
    attach = by_sid["AttachInterfacesInItsSubnetsOnly"]["Condition"]["StringEquals"]
    assert attach == {
        "ec2:Subnet": ["arn:aws:ec2:eu-west-1:1:subnet/subnet-a"],
        "ec2:AuthorizedService": "codebuild.amazonaws.com",
    }
    assert by_sid["TheGitHubConnection"]["Action"] == list(CONNECTION_ACTIONS)
    assert by_sid["TheGitHubConnection"]["Resource"] == CONNECTION


# --- settings ---------------------------------------------------------------------------


def test_on_in_staging_and_prod_by_the_profile_off_in_dev() -> None:
    assert settings.load("dev", BASE).deploy_runner.enabled is False
    staging_network = {**PROD_NETWORK, "availabilityZoneIds": ["euw1-az1", "euw1-az2"]}
    assert settings.load("staging", {**BASE, "gam:network": staging_network}).deploy_runner.enabled
    without = {k: v for k, v in BASE.items() if k != "gam:deployRunner"}
    assert settings.load("dev", without).deploy_runner.enabled is False
    found = settings_problems("staging", {**without, "gam:network": staging_network})
    assert "required when enabled" in found["gam:deployRunner.connectionArn"]
    assert "required when enabled" in found["gam:deployRunner.repositoryUrl"]


def test_enabled_without_a_connection_is_refused_by_key() -> None:
    config = {**BASE, "gam:deployRunner": {"enabled": True, "repositoryUrl": ARGS.repository_url}}
    found = settings_problems("dev", config)
    assert list(found) == ["gam:deployRunner.connectionArn"]
    assert (
        "create the GitHub connection once in the console"
        in found["gam:deployRunner.connectionArn"]
    )


def test_the_connection_must_be_in_the_stacks_region_and_well_formed() -> None:
    elsewhere = CONNECTION.replace("eu-west-1", "us-east-1")
    runner = {"enabled": True, "repositoryUrl": ARGS.repository_url, "connectionArn": elsewhere}
    found = settings_problems("dev", {**BASE, "gam:deployRunner": runner})
    assert "not the stack's region eu-west-1" in found["gam:deployRunner.connectionArn"]
    runner |= {"connectionArn": "arn:aws:iam::1:role/x", "computeType": "huge"}
    found = settings_problems("dev", {**BASE, "gam:deployRunner": runner})
    assert "is not a connection ARN" in found["gam:deployRunner.connectionArn"]
    assert "is not one of" in found["gam:deployRunner.computeType"]


def test_the_runners_names_default_to_githubs_and_pulumis_hosts() -> None:
    staging_network = {**PROD_NETWORK, "availabilityZoneIds": ["euw1-az1", "euw1-az2"]}
    loaded = settings.load("staging", {**BASE, "gam:network": staging_network})
    assert loaded.deploy_runner.egress_allowed_domains == runner_egress.DEFAULT_DOMAINS


@pytest.mark.parametrize(
    ("domains", "says"),
    [
        ([], "lists no domain"),
        (["GitHub.com", "*.github.com"], "['GitHub.com', '*.github.com'] are not lower-case"),
        ([".githubusercontent.com"], "are or cover multi-tenant suffixes"),
        (["github.com", "github.com"], "listed more than once"),
    ],
)
def test_bad_runner_names_are_refused_by_key(domains: list[str], says: str) -> None:
    runner = {**BASE["gam:deployRunner"], "egressAllowedDomains": domains}
    found = settings_problems("dev", {**BASE, "gam:deployRunner": runner})
    assert says in found["gam:deployRunner.egressAllowedDomains"]


def test_every_problem_with_the_runners_names_is_reported_at_once() -> None:
    domains = ["Bad Name", ".githubusercontent.com", "a.org", "a.org"]
    runner = {**BASE["gam:deployRunner"], "egressAllowedDomains": domains}
    found = settings_problems("dev", {**BASE, "gam:deployRunner": runner})
    message = found["gam:deployRunner.egressAllowedDomains"]
    for says in ("not lower-case", "multi-tenant", "more than once"):
        assert says in message


# --- the stacks -------------------------------------------------------------------------


class _Stop(Exception):
    pass


def network_args(monkeypatch: pytest.MonkeyPatch, stack: str, **runner: Any) -> Any:
    """The NetworkingArgs the platform builds for the committed stack, its runner changed."""
    captured = []

    def capture(name: str, args: Any, *rest: Any, **options: Any) -> None:
        captured.append(args)
        raise _Stop

    monkeypatch.setattr(platform, "Networking", capture)
    config = stack_config(stack, ROOT)[0]
    config["gam:deployRunner"] = {**config.get("gam:deployRunner", {}), **runner}
    with pytest.raises(_Stop):
        platform.build(settings.load(stack, config))
    return captured[0]


def test_the_network_gets_runner_subnets_and_names_wherever_the_runner_is_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staging = network_args(monkeypatch, "staging")
    assert staging.runner_subnets and staging.network_firewall
    # the settings' names, then the AWS APIs the deployment calls with no endpoint here
    own = len(runner_egress.DEFAULT_DOMAINS)
    assert staging.runner_allowed_domains[:own] == runner_egress.DEFAULT_DOMAINS
    apis = staging.runner_allowed_domains[own:]
    assert {"iam.amazonaws.com", "rds.eu-west-1.amazonaws.com"} <= set(apis)
    assert "ec2.eu-west-1.amazonaws.com" not in apis  # it has an interface endpoint
    assert all(h.endswith(".amazonaws.com") for h in apis)
    mine = network_args(monkeypatch, "staging", egressAllowedDomains=["github.com"])
    assert mine.runner_allowed_domains == ("github.com", *apis)
    off = network_args(monkeypatch, "staging", enabled=False)
    assert (off.runner_subnets, off.runner_allowed_domains) == (False, ())
    # dev has no firewall: runner subnets, no names to pass
    dev = network_args(
        monkeypatch,
        "dev",
        enabled=True,
        repositoryUrl=ARGS.repository_url,
        connectionArn=CONNECTION,
    )
    assert (dev.runner_subnets, dev.runner_allowed_domains) == (True, ())
    for args in (staging, mine, off, dev):
        assert network_problems(args) == []


def test_staging_and_prod_runners_sit_in_the_runner_subnets_alone(
    stack_records: dict[str, Record],
) -> None:
    for stack in ("staging", "prod"):
        record = stack_records[stack]
        subnets = {
            s.id: s.plain_inputs()["tags"]["Tier"] for s in record.by_type("aws:ec2/subnet:Subnet")
        }
        vpc = record.one(PROJECT).plain_inputs()["vpcConfig"]
        assert vpc["subnets"] and {subnets[s] for s in vpc["subnets"]} == {"runner"}
        assert len(vpc["subnets"]) == list(subnets.values()).count("private")
    assert "runner" not in {
        s.plain_inputs()["tags"]["Tier"]
        for s in stack_records["dev"].by_type("aws:ec2/subnet:Subnet")
    }


def test_the_firewall_passes_the_runners_names_from_its_subnets_only(
    stack_records: dict[str, Record],
) -> None:
    for stack in ("staging", "prod"):
        record = stack_records[stack]
        cidrs = sorted(
            s.plain_inputs()["cidrBlock"]
            for s in record.by_type("aws:ec2/subnet:Subnet")
            if s.plain_inputs()["tags"]["Tier"] == "runner"
        )
        group = named(record, f"{naming.name(stack, 'network')}-runner-egress").plain_inputs()
        rules = group["ruleGroup"]["rulesSource"]["rulesString"].splitlines()
        domains = platform._runner_domains(settings.load(stack, stack_config(stack, ROOT)[0]))
        assert rules == list(runner_egress.pass_rules(cidrs, domains))


def _region(record: Record, resource: RecordedResource) -> str:
    """Where a resource is created: its own `region`, its provider's, or the stack's."""
    if resource.plain_inputs().get("region"):
        return str(resource.plain_inputs()["region"])
    provider = (resource.options.get("provider") or "").rsplit("::", 1)[0]
    regions = {
        p.urn: p.plain_inputs().get("region")
        for p in record.resources
        if p.type == "pulumi:providers:aws"
    }
    return regions.get(provider) or record.region


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_runner_reaches_the_api_of_every_resource_the_stack_deploys(
    stack_records: dict[str, Record], stack: str
) -> None:
    """Behind the firewall, `pulumi up` from the runner reaches each resource's API through
    an interface endpoint, S3's gateway, or a name the runner alone may reach. A new type
    whose API is not in `deploy_apis` fails here."""
    record = stack_records[stack]
    endpoints = {
        e.plain_inputs()["serviceName"].split(".", 3)[3]
        for e in record.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.plain_inputs()["vpcEndpointType"] == "Interface"
    }
    passed = set(platform._runner_domains(settings.load(stack, stack_config(stack, ROOT)[0])))
    unreachable = set()
    for resource in record.resources:
        if not resource.type.startswith("aws:"):
            continue
        region = _region(record, resource)
        host = deploy_apis.host_of(resource.type, region)
        inside = deploy_apis.reached_inside(resource.type, region, record.region, endpoints)
        if not inside and host not in passed:
            unreachable.add((resource.type, host))
    assert unreachable == set()
    # and inside Grafana: its workspace, through the region's workspaces' name
    (workspace,) = record.by_type("aws:grafana/workspace:Workspace")
    assert f".{workspace.outputs['endpoint'].split('.', 1)[1]}" in passed


def test_every_api_the_runner_may_reach_serves_a_resource_of_some_stack(
    stack_records: dict[str, Record],
) -> None:
    """No stale entry: each AWS host on a runner's list serves some resource of staging or
    prod (which switch different parts on), or the providers themselves (STS; SSM for
    pulumi-eks's AMI lookup)."""
    passed, used = set(), set()
    for stack in ("staging", "prod"):
        record = stack_records[stack]
        loaded = settings.load(stack, stack_config(stack, ROOT)[0])
        passed |= {
            h
            for h in platform._runner_domains(loaded)
            if h.endswith(".amazonaws.com") and not h.startswith(".")  # Grafana's: above
        }
        used |= {
            deploy_apis.host_of(r.type, _region(record, r))
            for r in record.resources
            if r.type.startswith("aws:")
        }
    assert {h.split(".")[0] for h in passed - used} <= {"sts", "ssm"}


def test_staging_and_prod_have_a_runner_the_cluster_admits_on_443(
    stack_records: dict[str, Record],
) -> None:
    assert not stack_records["dev"].by_type(PROJECT)
    for stack in ("staging", "prod"):
        record = stack_records[stack]
        project = record.one(PROJECT)
        assert project.plain_inputs()["name"] == naming.name(stack, "runner")
        group = named(record, f"{naming.name(stack, 'runner')}-sg")
        cluster = record.one("aws:eks/cluster:Cluster")
        [rule] = [
            r.plain_inputs()
            for r in record.by_type(INGRESS)
            if r.plain_inputs().get("referencedSecurityGroupId") == group.id
        ]
        assert rule["securityGroupId"] == (cluster.outputs["vpcConfig"]["clusterSecurityGroupId"])
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 443, 443)
        assert rule["description"]


def test_the_cluster_admits_the_runner_before_its_kubernetes_provider_is_used(
    stack_records: dict[str, Record],
) -> None:
    for stack in ("staging", "prod"):
        record = stack_records[stack]
        rule = named(record, f"{naming.name(stack, 'eks')}-api-from-deploy-runner")
        provider = record.one("pulumi:providers:kubernetes")
        assert rule.urn in provider.options["dependencies"]


# --- the workflows ----------------------------------------------------------------------

WORKFLOWS = ROOT / ".github" / "workflows"


def _runs_on(expression: str, stack: str, ref: str = "refs/heads/main") -> str:
    """The label a `runs-on` expression of these workflows gives for `stack`, the run's
    context left as written (the workflow's own expression language, in the two shapes
    used here: the matrix's dev test and the deploy's ref test)."""
    body = expression.strip()
    assert body.startswith("${{") and body.endswith("}}"), body
    body = body[3:-2].strip()
    dev_test = "matrix.stack == 'dev' && 'ubuntu-latest' || "
    if body.startswith(dev_test):
        if stack == "dev":
            return "ubuntu-latest"
        body = body.removeprefix(dev_test)
    match = re.fullmatch(
        r"format\('codebuild-gam-\{0\}-runner-\{1\}-\{2\}', (.+), github\.run_id, github\.run_attempt\)",
        body,
    )
    assert match, body
    argument = match.group(1)
    if argument == "matrix.stack":
        chosen = stack
    else:
        assert argument == "startsWith(github.ref, 'refs/tags/v') && 'prod' || 'staging'"
        chosen = "prod" if ref.startswith("refs/tags/v") else "staging"
    project = naming.name(chosen, "runner")
    return f"codebuild-{project}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"


def _job(workflow: str, job: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / f"{workflow}.yml").read_text())["jobs"][job]


@pytest.mark.parametrize(("workflow", "job"), [("drift", "drift"), ("preview", "pulumi")])
def test_the_pulumi_jobs_of_staging_and_prod_run_on_their_runner_dev_on_githubs(
    workflow: str, job: str
) -> None:
    expression = _job(workflow, job)["runs-on"]
    for stack in ("staging", "prod"):
        assert _runs_on(expression, stack) == runner_label(naming.name(stack, "runner"))
    assert _runs_on(expression, "dev") == "ubuntu-latest"


def test_deploys_run_on_the_runner_of_the_stack_they_deploy() -> None:
    job = _job("deploy", "deploy")
    assert _runs_on(job["runs-on"], "", "refs/heads/main") == runner_label("gam-staging-runner")
    assert _runs_on(job["runs-on"], "", "refs/tags/v1.2.0") == runner_label("gam-prod-runner")
    assert "'prod' || 'staging'" in job["env"]["STACK"]


def test_jobs_that_need_no_cluster_stay_on_githubs_runners() -> None:
    assert _job("preview", "offline")["runs-on"] == "ubuntu-latest"
    assert _job("ci", "check")["runs-on"] == "ubuntu-latest"


def test_the_runner_is_on_wherever_a_workflow_sends_jobs_to_it() -> None:
    for stack in ("staging", "prod"):
        loaded = settings.load(stack, stack_config(stack, ROOT)[0])
        assert loaded.deploy_runner.enabled
        assert loaded.deploy_runner.connection_arn
