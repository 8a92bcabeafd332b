"""The offline engine: what it records, the outputs it fakes, the invokes it answers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pytest

from gam_offline import engine
from gam_offline.fakes import FAKES, UnansweredInvoke, fake
from gam_offline.records import FAKE_ACCOUNT, MASK, SECRET_SIG, SIG


class Holder(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("gam:test:Holder", name)
        self.register_outputs({})


def _options_program() -> None:
    holder = Holder("holder")
    provider = aws.Provider("west", region="us-west-2")
    key = aws.kms.Key(
        "key",
        description="test key",
        opts=pulumi.ResourceOptions(
            parent=holder,
            protect=True,
            retain_on_delete=True,
            delete_before_replace=True,
            ignore_changes=["description"],
            additional_secret_outputs=["keyId"],
            aliases=[pulumi.Alias(name="old-key")],
            custom_timeouts=pulumi.CustomTimeouts(create="5m"),
            provider=provider,
        ),
    )
    aws.kms.Alias(
        "alias",
        name="alias/test",
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(depends_on=[holder]),
    )
    aws.ssm.Parameter("param", type="SecureString", value=pulumi.Output.secret("s3cr3t"))


@pytest.fixture(scope="module")
def options_record():
    return engine.run_program(_options_program, stack="dev", region="eu-west-1")


def test_every_registration_is_recorded_with_type_name_urn_and_parent(options_record) -> None:
    key = options_record.one("aws:kms/key:Key")
    holder = options_record.one("gam:test:Holder")
    assert key.parent == holder.urn and not holder.custom and key.custom
    assert key.urn == "urn:pulumi:dev::gam-platform::gam:test:Holder$aws:kms/key:Key::key"


def test_resource_options_are_captured_whole(options_record) -> None:
    opts = options_record.one("aws:kms/key:Key").options
    assert opts["protect"] is True and opts["retainOnDelete"] is True
    assert opts["deleteBeforeReplace"] is True
    assert opts["ignoreChanges"] == ["description"]
    assert opts["additionalSecretOutputs"] == ["keyId"]
    assert opts["customTimeouts"] == {"create": "5m"}
    assert opts["provider"].startswith(options_record.one("pulumi:providers:aws").urn + "::")
    assert opts["aliases"] and "old-key" in json.dumps(opts["aliases"])


def test_dependencies_and_property_dependencies_are_captured(options_record) -> None:
    alias = options_record.one("aws:kms/alias:Alias")
    key = options_record.one("aws:kms/key:Key")
    holder = options_record.one("gam:test:Holder")
    assert alias.options["propertyDependencies"]["targetKeyId"] == [key.urn]
    assert holder.urn in alias.options["dependencies"] or key.urn in alias.options["dependencies"]


def test_secret_inputs_keep_the_engines_secret_encoding_and_are_masked_in_json(
    options_record,
) -> None:
    param = options_record.one("aws:ssm/parameter:Parameter")
    assert param.inputs["value"] == {SIG: SECRET_SIG, "value": "s3cr3t"}
    assert param.plain_inputs()["value"] == "s3cr3t"
    assert param.to_json()["inputs"]["value"] == MASK


def test_ids_and_arns_are_in_the_fake_account_and_the_region_of_their_provider(
    options_record,
) -> None:
    key = options_record.one("aws:kms/key:Key")  # on an explicit us-west-2 provider
    assert key.outputs["arn"] == f"arn:aws:kms:us-west-2:{FAKE_ACCOUNT}:key/{key.id}"
    parameter = options_record.one("aws:ssm/parameter:Parameter")  # the default provider
    assert parameter.outputs["arn"].startswith(f"arn:aws:ssm:eu-west-1:{FAKE_ACCOUNT}:")


def test_runs_are_deterministic() -> None:
    first = engine.run_program(_options_program, stack="dev", region="eu-west-1")
    second = engine.run_program(_options_program, stack="dev", region="eu-west-1")
    # registration order depends on the event loop; what is registered does not
    assert sorted(
        (r.urn, r.id, json.dumps(r.outputs, sort_keys=True)) for r in first.resources
    ) == sorted((r.urn, r.id, json.dumps(r.outputs, sort_keys=True)) for r in second.resources)


def test_invokes_get_realistic_answers_in_the_stacks_region() -> None:
    def program() -> None:
        azs = aws.get_availability_zones_output(state="available")
        me = aws.get_caller_identity_output()
        region = aws.get_region_output()
        part = aws.get_partition_output()
        doc = aws.iam.get_policy_document_output(
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    actions=["s3:GetObject"],
                    resources=["arn:aws:s3:::b/*"],
                    principals=[
                        aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                            type="Service", identifiers=["ec2.amazonaws.com"]
                        )
                    ],
                    conditions=[
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="Bool", variable="aws:SecureTransport", values=["true"]
                        )
                    ],
                )
            ]
        )
        pulumi.export("azs", azs.names)
        pulumi.export("zone_ids", azs.zone_ids)
        pulumi.export("account", me.account_id)
        pulumi.export("region", region.region)
        pulumi.export("partition", part.partition)
        pulumi.export("policy", doc.json)

    outputs = engine.run_program(program, region="ap-south-1").outputs
    assert outputs["azs"][:3] == ["ap-south-1a", "ap-south-1b", "ap-south-1c"]
    assert outputs["zone_ids"][:2] == ["aps1-az1", "aps1-az2"]  # AWS's zone ID format
    assert (outputs["account"], outputs["region"], outputs["partition"]) == (
        FAKE_ACCOUNT,
        "ap-south-1",
        "aws",
    )
    statement = json.loads(outputs["policy"])["Statement"][0]
    assert statement == {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }


def test_an_invoke_nobody_answers_fails_loudly_with_its_token() -> None:
    def program() -> None:
        aws.ec2.get_vpc_output(default=True).id.apply(lambda _: None)

    with pytest.raises(Exception, match="aws:ec2/getVpc:getVpc") as caught:
        engine.run_program(program)
    assert isinstance(caught.value, UnansweredInvoke) or "no answer" in str(caught.value)


def test_remote_eks_cluster_gets_outputs_and_the_child_the_engine_would_see() -> None:
    def program() -> None:
        cluster = eks.Cluster(
            "eks",
            vpc_id="vpc-1",
            subnet_ids=["subnet-1", "subnet-2"],
            endpoint_public_access=False,
            endpoint_private_access=True,
            authentication_mode=eks.AuthenticationMode.API,
            skip_default_node_group=True,
            use_default_vpc_cni=True,
            create_oidc_provider=True,
        )
        pulumi.export("name", cluster.eks_cluster.name)
        pulumi.export("endpoint", cluster.eks_cluster.endpoint)
        pulumi.export("oidc", cluster.oidc_provider_arn)
        pulumi.export("kubeconfig", cluster.kubeconfig_json)

    record = engine.run_program(program, region="eu-west-1")
    component = record.one("eks:index:Cluster")
    child = record.one("aws:eks/cluster:Cluster")
    assert component.remote and not component.custom
    assert child.parent == component.urn and child.options["synthetic"] is True
    assert child.inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert child.inputs["accessConfig"]["authenticationMode"] == "API"
    assert record.outputs["name"] == child.id
    assert record.outputs["endpoint"].endswith(".eu-west-1.eks.amazonaws.com")
    assert record.outputs["oidc"].startswith(
        f"arn:aws:iam::{FAKE_ACCOUNT}:oidc-provider/oidc.eks.eu-west-1"
    )
    assert json.loads(record.outputs["kubeconfig"])["kind"] == "Config"


def test_use_of_deprecated_sdk_members_is_reported_in_diagnostics() -> None:
    def program() -> None:
        pulumi.export("name", aws.get_region().name)

    record = engine.run_program(program, region="eu-west-1")
    assert any("deprecated" in message for _, message in record.diagnostics)


def test_stack_config_replaces_secure_values_with_placeholders_that_stay_secret(
    tmp_path: Path,
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: gam-platform\nruntime: python\nmain: prog.py\n")
    (tmp_path / "prog.py").write_text(
        "import pulumi\n"
        "cfg = pulumi.Config('gam')\n"
        "pulumi.export('token', cfg.require_secret('apiToken'))\n"
        "pulumi.export('nested', cfg.require_object('alerts')['channel'])\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n"
        "  gam:apiToken:\n    secure: v1:AAAA\n"
        "  gam:alerts:\n    channel: ops\n    webhook:\n      secure: v1:BBBB\n"
    )
    config, secret_keys = engine.stack_config("dev", tmp_path)
    assert secret_keys == {"gam:apiToken", "gam:alerts"}
    assert config["gam:alerts"]["webhook"] == engine.SECRET_PLACEHOLDER
    record = engine.run_stack("dev", tmp_path)
    assert record.outputs["token"] == engine.SECRET_PLACEHOLDER
    assert "token" in record.secret_outputs
    assert record.masked_outputs()["token"] == MASK


def test_the_project_is_the_nearest_pulumi_yaml_at_or_above_the_folder(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: outer\nruntime: python\n")
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    assert engine.find_project(inner) == tmp_path.resolve()
    (tmp_path / "a" / "Pulumi.yaml").write_text("name: inner\nruntime: python\n")
    assert engine.find_project(inner) == (tmp_path / "a").resolve()
    assert engine.project_name(engine.find_project(inner)) == "inner"


def test_a_folder_outside_any_project_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(engine.ProjectNotFound, match=r"no Pulumi\.yaml in .* or any folder above"):
        engine.find_project(tmp_path)


def test_each_run_closes_the_event_loop_it_ran_on() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    def program() -> None:
        loops.append(asyncio.get_event_loop())
        aws.kms.Key("key", description="k")

    def failing() -> None:
        program()
        raise RuntimeError("boom")

    engine.run_program(program)
    with pytest.raises(RuntimeError, match="boom"):
        engine.run_program(failing)
    assert len(loops) == 2 and loops[0] is not loops[1]
    assert all(loop.is_closed() for loop in loops)


def test_every_type_the_stacks_create_has_its_own_fake(stack_records) -> None:
    created = {r.type for record in stack_records.values() for r in record.resources}
    custom = {t for t in created if not t.startswith(("gam:", "pulumi:"))}
    assert sorted(custom - set(FAKES)) == []


def test_a_type_can_have_only_one_fake() -> None:
    with pytest.raises(ValueError, match="already has a fake"):
        fake("aws:ec2/vpc:Vpc")(lambda inputs, ctx: {})


class Registering(pulumi.ComponentResource):
    def __init__(self, name: str, key_description: str) -> None:
        super().__init__("gam:test:Registering", name, {"keyDescription": key_description})
        key = aws.kms.Key(
            f"{name}-key", description=key_description, opts=pulumi.ResourceOptions(parent=self)
        )
        self.register_outputs({"keyArn": key.arn})


def test_a_components_outputs_are_only_what_it_registers() -> None:
    def program() -> None:
        Registering("with", "a key")
        Holder("empty")

    record = engine.run_program(program, region="eu-west-1")
    registering = record.one("gam:test:Registering")
    assert registering.inputs == {"keyDescription": "a key"}  # what Analyze sees
    assert registering.outputs == {"keyArn": record.one("aws:kms/key:Key").outputs["arn"]}
    assert record.one("gam:test:Holder").outputs == {}
