"""EksCluster: its pure rules, its settings, and what each stack passes to pulumi-eks."""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import eks_spec
from components.eks import LOG_TYPES, pod_trust_policy
from gam_offline.records import Record
from infra import settings
from tests.support import STACKS
from tests.test_settings import BASE, PROD_NETWORK, problems

COMPONENT = "eks:index:Cluster"
NODE_GROUP = "eks:index:ManagedNodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ADDON = "aws:eks/addon:Addon"


# --- pure rules ---------------------------------------------------------------------------


def test_only_versions_eks_offers_are_accepted() -> None:
    assert eks_spec.version_problems("1.35") == []
    assert "not a version EKS offers" in eks_spec.version_problems("1.19")[0]
    # past standard support: with upgrade_policy STANDARD, EKS would upgrade it by itself
    assert eks_spec.version_problems("1.33")


def test_a_version_near_or_past_the_end_of_standard_support_is_warned_of() -> None:
    ends = date.fromisoformat(eks_spec.KUBERNETES_VERSIONS["1.35"])
    days = eks_spec.SUPPORT_WARNING_DAYS
    assert eks_spec.support_warning("1.35", ends - timedelta(days=days + 1)) is None
    soon = eks_spec.support_warning("1.35", ends - timedelta(days=days))
    assert soon is not None and f"ends in {days} days" in soon
    late = eks_spec.support_warning("1.35", ends + timedelta(days=3))
    assert late is not None and "ended 3 days ago" in late and "upgrade" in late
    assert eks_spec.support_warning("1.19", ends) is None  # refused elsewhere


def test_every_offered_version_was_in_standard_support_when_the_table_was_read() -> None:
    for version, ends in eks_spec.KUBERNETES_VERSIONS.items():
        assert date.fromisoformat(ends) >= date.fromisoformat(eks_spec.VERSIONS_READ_ON), version


def test_every_addon_is_pinned_and_kube_proxy_follows_the_cluster_version() -> None:
    pins = {
        "vpcCni": "v1.21.1-eksbuild.1",
        "kubeProxy": "v1.35.0-eksbuild.2",
        "coredns": "v1.12.4-eksbuild.1",
        "podIdentityAgent": "v1.3.10-eksbuild.1",
        "ebsCsiDriver": "v1.53.0-eksbuild.1",
    }
    assert eks_spec.addon_problems(pins, "1.35") == []
    found = eks_spec.addon_problems({**pins, "kubeProxy": "v1.34.1-eksbuild.1"}, "1.35")
    assert found and "kube-proxy" in found[0]
    found = eks_spec.addon_problems({"vpcCni": "latest", "extra": "v1.0.0-eksbuild.1"}, "1.35")
    assert len(found) == 3  # missing, unknown, malformed: all at once


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "0.0.0.0/1", "10.0.0.0/8", "not-a-cidr"])
def test_the_public_endpoint_never_opens_to_the_internet_or_private_ranges(cidr: str) -> None:
    assert eks_spec.public_access_problems((cidr,))


def test_an_office_range_may_reach_the_public_endpoint() -> None:
    assert eks_spec.public_access_problems(("203.0.113.0/24",)) == []


@given(
    st.integers(min_value=-1, max_value=5),
    st.integers(min_value=-1, max_value=5),
    st.integers(min_value=-1, max_value=5),
)
def test_node_group_sizes_must_be_ordered(low: int, desired: int, high: int) -> None:
    spec = eks_spec.NodeGroupSpec(("m7g.large",), low, desired, high)
    ordered = 0 <= low <= desired <= high and high >= 1
    assert (eks_spec.node_group_problems("api", spec) == []) == ordered


def test_a_group_keeps_to_one_architecture_and_gpu_groups_to_gpu_types() -> None:
    mixed = eks_spec.NodeGroupSpec(("m7g.large", "m7i.large"), 1, 1, 2)
    assert "mixes Graviton" in eks_spec.node_group_problems("api", mixed)[0]
    not_gpu = eks_spec.NodeGroupSpec(("m7g.large",), 0, 0, 1, gpu=True)
    assert "not NVIDIA GPU types" in eks_spec.node_group_problems("gpu", not_gpu)[0]
    assert eks_spec.ami_type(("m7g.large",), False) == "AL2023_ARM_64_STANDARD"
    assert eks_spec.ami_type(("g6.xlarge",), True) == "AL2023_x86_64_NVIDIA"


def test_a_pod_identity_role_trusts_one_cluster_namespace_and_service_account() -> None:
    arn = "arn:aws:eks:eu-west-1:123456789012:cluster/gam-dev-eks"
    (statement,) = pod_trust_policy(arn, "123456789012", "gam-api", "api")["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": "123456789012",
        "aws:RequestTag/kubernetes-namespace": "gam-api",
        "aws:RequestTag/kubernetes-service-account": "api",
    }
    assert statement["Condition"]["ArnEquals"] == {"aws:SourceArn": arn}


# --- settings -----------------------------------------------------------------------------


def test_public_endpoint_cidrs_are_refused_beyond_dev_by_key() -> None:
    staging = {
        **BASE,
        "gam:network": PROD_NETWORK
        | {"azCount": 2, "availabilityZoneIds": ["euw1-az1", "euw1-az2"]},
    }
    found = problems("staging", {**staging, "gam:eks": {"publicAccessCidrs": ["203.0.113.0/24"]}})
    assert "gam:eks.publicAccessCidrs" in found
    dev = settings.load("dev", {**BASE, "gam:eks": {"publicAccessCidrs": ["203.0.113.0/24"]}})
    assert dev.eks.public_access_cidrs == ("203.0.113.0/24",)


def test_eks_settings_report_every_problem_by_key() -> None:
    found = problems(
        "dev",
        {
            **BASE,
            "gam:eks": {
                "kubernetesVersion": "1.12",
                "publicAccessCidrs": ["0.0.0.0/0"],
                "nodeGroups": {"api": {"minSize": 3, "desiredSize": 1}, "colour": {}},
                "access": {"admins": ["not-an-arn"]},
                "typo": 1,
            },
        },
    )
    for key in (
        "gam:eks.kubernetesVersion",
        "gam:eks.publicAccessCidrs",
        "gam:eks.nodeGroups.api",
        "gam:eks.nodeGroups.colour",
        "gam:eks.access.admins",
        "gam:eks.typo",
    ):
        assert key in found, (key, found)


# --- what each stack passes -------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_cluster_is_private_encrypted_logged_api_authenticated_and_on_standard_support(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    inputs = record.one(COMPONENT).plain_inputs()
    assert inputs["endpointPrivateAccess"] is True
    assert inputs["endpointPublicAccess"] is False and "publicAccessCidrs" not in inputs
    assert inputs["authenticationMode"] == "API"
    assert inputs["upgradePolicy"] == {"supportType": "STANDARD"}
    assert inputs["enabledClusterLogTypes"] == list(LOG_TYPES)
    assert inputs["skipDefaultNodeGroup"] is True and inputs["skipDefaultSecurityGroups"] is True
    assert inputs["version"] == "1.35"
    keys = {r.name: r for r in record.by_type("aws:kms/key:Key")}
    secrets_key = keys[f"gam-{stack}-eks-secrets-key"]
    assert inputs["encryptionConfigKeyArn"] == secrets_key.outputs["arn"]
    assert secrets_key.plain_inputs()["enableKeyRotation"] is True
    assert inputs["subnetIds"] == record.outputs["privateSubnetIds"]
    logs = {r.name: r.plain_inputs() for r in record.by_type("aws:cloudwatch/logGroup:LogGroup")}
    group = logs[f"gam-{stack}-eks-control-plane-logs"]
    assert group["name"] == f"/aws/eks/gam-{stack}-eks/cluster"
    assert group["retentionInDays"] == {"dev": 30, "staging": 90, "prod": 365}[stack]
    assert group["kmsKeyId"].startswith("arn:aws:kms:")


EXPECTED_GROUPS = {
    # stack: {group: (instance type, min, desired, max)}
    "dev": {
        "system": ("t4g.large", 1, 1, 2),
        "api": ("t4g.large", 1, 1, 2),
        "worker": ("r7g.large", 0, 0, 3),
    },
    "staging": {
        "system": ("t4g.large", 2, 2, 3),
        "api": ("m7g.large", 1, 1, 4),
        "worker": ("r7g.large", 0, 0, 4),
    },
    "prod": {
        "system": ("m7g.large", 3, 3, 4),
        "api": ("m7g.xlarge", 3, 3, 9),
        "worker": ("r7g.xlarge", 1, 2, 10),
    },
}


@pytest.mark.parametrize("stack", STACKS)
def test_node_groups_follow_the_profile_with_their_labels_and_taints(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    private = record.outputs["privateSubnetIds"]
    found: dict[str, Any] = {}
    for group in record.by_type(NODE_GROUP):
        inputs = group.plain_inputs()
        role = group.name.removeprefix(f"gam-{stack}-eks-")
        scaling = inputs["scalingConfig"]
        found[role] = (
            inputs["instanceTypes"][0],
            scaling["minSize"],
            scaling["desiredSize"],
            scaling["maxSize"],
        )
        assert inputs["labels"] == {"gam.io/node-role": role}
        assert inputs["subnetIds"] == private
        assert inputs["amiType"] == "AL2023_ARM_64_STANDARD"
        assert inputs["ignoreScalingChanges"] is True
        taints = {(t["key"], t["value"], t["effect"]) for t in inputs.get("taints") or []}
        expected = {
            "system": {("CriticalAddonsOnly", "true", "NO_SCHEDULE")},
            "api": set(),
            "worker": {("gam.io/node-role", "worker", "NO_SCHEDULE")},
        }[role]
        assert taints == expected
    assert found == EXPECTED_GROUPS[stack]  # no gpu group unless asked for


@pytest.mark.parametrize("stack", STACKS)
def test_every_node_requires_imdsv2_hop_1_and_an_encrypted_root_volume_on_our_key(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    volumes_key = next(
        r for r in record.by_type("aws:kms/key:Key") if r.name.endswith("eks-volumes-key")
    )
    templates = {r.id: r.plain_inputs() for r in record.by_type(LAUNCH_TEMPLATE)}
    groups = record.by_type("aws:eks/nodeGroup:NodeGroup")
    assert len(groups) == len(EXPECTED_GROUPS[stack])
    for group in groups:
        template = templates[group.plain_inputs()["launchTemplate"]["id"]]
        assert template["metadataOptions"]["httpTokens"] == "required"
        assert template["metadataOptions"]["httpPutResponseHopLimit"] == 1
        (root,) = template["blockDeviceMappings"]
        assert root["ebs"]["encrypted"] == "true"
        assert root["ebs"]["kmsKeyId"] == volumes_key.outputs["arn"]
        assert template["networkInterfaces"][0]["associatePublicIpAddress"] == "false"


@pytest.mark.parametrize("stack", STACKS)
def test_addons_are_pinned_and_the_cni_enforces_network_policies(
    stack_records: dict[str, Record], stack: str
) -> None:
    record = stack_records[stack]
    addons = {r.plain_inputs()["addonName"]: r.plain_inputs() for r in record.by_type(ADDON)}
    assert set(addons) == set(eks_spec.ADDONS.values())
    assert all(eks_spec.ADDON_VERSION.match(a["addonVersion"]) for a in addons.values())
    assert json.loads(addons["vpc-cni"]["configurationValues"])["enableNetworkPolicy"] == "true"
    for addon, account in (
        ("vpc-cni", "aws-node"),
        ("aws-ebs-csi-driver", "ebs-csi-controller-sa"),
    ):
        (association,) = addons[addon]["podIdentityAssociations"]
        assert association["serviceAccount"] == account
        role = next(
            r
            for r in record.by_type("aws:iam/role:Role")
            if r.outputs["arn"] == association["roleArn"]
        )
        trust = json.loads(role.plain_inputs()["assumeRolePolicy"])
        tags = trust["Statement"][0]["Condition"]["StringEquals"]
        assert (
            tags["aws:RequestTag/kubernetes-namespace"],
            tags["aws:RequestTag/kubernetes-service-account"],
        ) == (
            "kube-system",
            account,
        )


# --- the component alone: access entries and a workload role --------------------------


@functools.cache
def _component_record() -> Record:
    from components.eks import EksCluster, EksClusterArgs
    from components.tags import standard_tags
    from gam_offline import engine

    def program() -> None:
        cluster = EksCluster(
            "gam-test-eks",
            EksClusterArgs(
                vpc_id="vpc-0123",
                private_subnet_ids=["subnet-1", "subnet-2"],
                kubernetes_version="1.35",
                addon_versions=settings.EksSettings().addon_versions,
                node_groups={"system": eks_spec.NodeGroupSpec(("t4g.large",), 1, 1, 2)},
                admin_role_arns=("arn:aws:iam::123456789012:role/admin",),
                viewer_role_arns=("arn:aws:iam::123456789012:role/viewer",),
                deployer_role_arns=("arn:aws:iam::123456789012:role/ci",),
                deploy_namespaces=("gam-api", "gam-workers"),
                tags=standard_tags(project="gam", environment="test", owner="o1", cost_center="c1"),
            ),
        )
        cluster.workload_role("gam-api", "api", '{"Version": "2012-10-17", "Statement": []}')

    return engine.run_program(program, region="eu-west-1")


def test_access_entries_grant_admins_viewers_and_deployers_only_their_scope() -> None:
    record = _component_record()
    associations = {
        r.name.removeprefix("gam-test-eks-"): r.plain_inputs()
        for r in record.by_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    }
    scopes = {
        name: (a["policyArn"].rsplit("/", 1)[1], a["accessScope"])
        for name, a in associations.items()
    }
    assert scopes == {
        "admin-0-AmazonEKSClusterAdminPolicy": ("AmazonEKSClusterAdminPolicy", {"type": "cluster"}),
        "viewer-0-AmazonEKSViewPolicy": ("AmazonEKSViewPolicy", {"type": "cluster"}),
        "deployer-0-AmazonEKSEditPolicy": (
            "AmazonEKSEditPolicy",
            {"type": "namespace", "namespaces": ["gam-api", "gam-workers"]},
        ),
    }
    entries = {
        r.plain_inputs()["principalArn"]: r.plain_inputs()
        for r in record.by_type("aws:eks/accessEntry:AccessEntry")
    }
    assert entries["arn:aws:iam::123456789012:role/ci"]["kubernetesGroups"] == ["gam:deployers"]


def test_a_workload_role_is_associated_with_its_service_account_and_trusts_only_it() -> None:
    record = _component_record()
    association = record.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").plain_inputs()
    assert (association["namespace"], association["serviceAccount"]) == ("gam-api", "api")
    role = next(
        r for r in record.by_type("aws:iam/role:Role") if r.outputs["arn"] == association["roleArn"]
    )
    (statement,) = json.loads(role.plain_inputs()["assumeRolePolicy"])["Statement"]
    assert (
        statement["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == "api"
    )
    cluster = record.one("aws:eks/cluster:Cluster")
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == cluster.outputs["arn"]


# --- pulling through the image cache (ADR 0006) -----------------------------------------


def test_extra_node_policies_must_be_policy_arns() -> None:
    from components.eks import EksClusterArgs, problems
    from components.tags import standard_tags

    args = EksClusterArgs(
        vpc_id="vpc-0123",
        private_subnet_ids=["subnet-1"],
        kubernetes_version="1.35",
        addon_versions=settings.EksSettings().addon_versions,
        node_groups={"system": eks_spec.NodeGroupSpec(("t4g.large",), 1, 1, 2)},
        node_policy_arns=(
            "arn:aws:iam::123456789012:policy/gam-dev-images-pull-policy",
            "arn:aws:iam::123456789012:role/not-a-policy",
        ),
        tags=standard_tags(project="gam", environment="test", owner="o1", cost_center="c1"),
    )
    (found,) = problems(args)
    assert "node_policy_arns" in found and "role/not-a-policy" in found
    assert "images-pull-policy" not in found


@pytest.mark.parametrize("stack", STACKS)
def test_the_nodes_may_import_images_through_the_cache(
    stack_records: dict[str, Record], stack: str
) -> None:
    """Without the cache's pull policy the first pull of an upstream image fails: pulling
    it creates its repository and imports it (ecr:CreateRepository, BatchImportUpstreamImage)."""
    record = stack_records[stack]
    pull = record.outputs["imagePullPolicyArn"]
    policy = next(p for p in record.by_type("aws:iam/policy:Policy") if p.outputs["arn"] == pull)
    actions = json.loads(policy.plain_inputs()["policy"])["Statement"][0]["Action"]
    assert {"ecr:BatchImportUpstreamImage", "ecr:CreateRepository"} <= set(actions)
    node_role = record.outputs.get("eksNodeRoleArn") or next(
        r.outputs["arn"]
        for r in record.by_type("aws:iam/role:Role")
        if r.name == f"gam-{stack}-eks-node-role"
    )
    roles = {r.outputs["arn"]: r.outputs["name"] for r in record.by_type("aws:iam/role:Role")}
    attached = {
        a.plain_inputs()["policyArn"]
        for a in record.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.plain_inputs()["role"] == roles[node_role]
    }
    assert pull in attached
