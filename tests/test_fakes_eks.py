"""The pulumi-eks fakes register the children pulumi-eks would, for the options given."""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pytest

from gam_offline import analyzer, engine
from gam_offline.records import Record
from tests.support import PACK_DIR

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
MIRRORED_VERSION = "4.4.0"
ADMIN = "arn:aws:iam::123456789012:role/admin"


def test_pulumi_eks_is_the_version_the_fakes_mirror() -> None:
    """Upgrading pulumi-eks fails here: read nodejs/eks/ of the new version again (the
    files named in gam_offline/fakes/eks.py), update the fakes, then this pin."""
    assert importlib.metadata.version("pulumi-eks") == MIRRORED_VERSION


def _cluster(**options: Any) -> Callable[[], None]:
    def program() -> None:
        cluster = eks.Cluster(
            "c",
            name="c",
            vpc_id="vpc-1",
            subnet_ids=["subnet-1", "subnet-2"],
            endpoint_private_access=True,
            authentication_mode=eks.AuthenticationMode.API,
            skip_default_node_group=True,
            use_default_vpc_cni=True,
            tags={"Project": "gam"},
            **options,
        )
        pulumi.export("clusterSg", cluster.cluster_security_group_id)
        pulumi.export("nodeSg", cluster.node_security_group_id)
        pulumi.export("eksSg", cluster.eks_cluster.vpc_config.cluster_security_group_id)

    return program


def _by_name(record: Record, type_: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.plain_inputs() for r in record.by_type(type_)}


def test_default_security_groups_and_their_rules_are_the_ones_pulumi_eks_creates() -> None:
    record = engine.run_program(_cluster(), region="eu-west-1")
    groups = {r.name: r for r in record.by_type(SG)}
    assert set(groups) == {"c-eksClusterSecurityGroup", "c-nodeSecurityGroup"}
    cluster_sg, node_sg = groups["c-eksClusterSecurityGroup"].id, groups["c-nodeSecurityGroup"].id
    assert (
        groups["c-nodeSecurityGroup"].plain_inputs()["tags"]["kubernetes.io/cluster/c"] == "owned"
    )
    rules = _by_name(record, SG_RULE)
    assert {
        n: (r["type"], r["securityGroupId"], r.get("sourceSecurityGroupId"))
        for n, r in rules.items()
    } == {
        "c-eksClusterInternetEgressRule": ("egress", cluster_sg, None),
        "c-eksNodeIngressRule": ("ingress", node_sg, None),
        "c-eksNodeClusterIngressRule": ("ingress", node_sg, cluster_sg),
        "c-eksExtApiServerClusterIngressRule": ("ingress", node_sg, cluster_sg),
        "c-eksNodeInternetEgressRule": ("egress", node_sg, None),
        "c-eksClusterIngressRule": ("ingress", cluster_sg, node_sg),
    }
    cluster = record.one("aws:eks/cluster:Cluster").plain_inputs()
    assert cluster["vpcConfig"]["securityGroupIds"] == [cluster_sg]
    assert (record.outputs["clusterSg"], record.outputs["nodeSg"]) == (cluster_sg, node_sg)
    # the service role, and kube-proxy (on unless turned off)
    (role,) = record.by_type("aws:iam/role:Role")
    trust = json.loads(role.plain_inputs()["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": ["eks.amazonaws.com"]}
    (attachment,) = record.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert (
        attachment.plain_inputs()["policyArn"] == "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
    )
    assert cluster["roleArn"].endswith(attachment.plain_inputs()["role"])
    assert [a["addonName"] for a in _by_name(record, "aws:eks/addon:Addon").values()] == [
        "kube-proxy"
    ]
    assert all(r.parent == record.one("eks:index:Cluster").urn for r in record.resources[1:])


def test_without_default_groups_both_ids_are_the_group_eks_creates() -> None:
    record = engine.run_program(
        _cluster(
            skip_default_security_groups=True,
            kube_proxy_addon_options=eks.KubeProxyAddonOptionsArgs(enabled=False),
            access_entries={
                "admin": eks.AccessEntryArgs(
                    principal_arn=ADMIN,
                    access_policies={
                        "admin": eks.AccessPolicyAssociationArgs(
                            policy_arn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                                type="cluster"
                            ),
                        )
                    },
                )
            },
        ),
        region="eu-west-1",
    )
    assert record.by_type(SG) == [] and record.by_type(SG_RULE) == []
    assert record.by_type("aws:eks/addon:Addon") == []
    assert record.outputs["clusterSg"] == record.outputs["nodeSg"] == record.outputs["eksSg"]
    assert (
        "securityGroupIds" not in record.one("aws:eks/cluster:Cluster").plain_inputs()["vpcConfig"]
    )
    entry = _by_name(record, "aws:eks/accessEntry:AccessEntry")["c-admin"]
    assert (entry["principalArn"], entry["clusterName"]) == (ADMIN, "c")
    association = _by_name(record, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")[
        "c-admin-admin"
    ]
    assert association["accessScope"] == {"type": "cluster"}
    assert association["policyArn"].endswith("AmazonEKSClusterAdminPolicy")


def test_options_the_fakes_do_not_mirror_are_refused_by_name() -> None:
    def program() -> None:
        eks.Cluster("c", vpc_id="vpc-1", subnet_ids=["subnet-1"])

    with pytest.raises(Exception, match="default node group"):
        engine.run_program(program)


def test_a_managed_node_group_registers_its_node_group_with_pulumi_eks_defaults() -> None:
    def program() -> None:
        cluster = eks.Cluster(
            "c",
            name="c",
            vpc_id="vpc-1",
            subnet_ids=["subnet-1"],
            authentication_mode=eks.AuthenticationMode.API,
            skip_default_node_group=True,
            use_default_vpc_cni=True,
        )
        group = eks.ManagedNodeGroup(
            "workers",
            cluster=cluster,
            cluster_name=cluster.eks_cluster.name,
            node_role_arn="arn:aws:iam::123456789012:role/nodes",
            subnet_ids=["subnet-1"],
            version="1.35",
            instance_types=["m7g.large"],
            launch_template={"id": "lt-0123", "version": "1"},
        )
        pulumi.export("group", group.node_group.node_group_name)

    record = engine.run_program(program, region="eu-west-1")
    node_group = record.one("aws:eks/nodeGroup:NodeGroup")
    inputs = node_group.plain_inputs()
    assert (
        node_group.name == "workers"
        and node_group.parent == record.one("eks:index:ManagedNodeGroup").urn
    )
    assert inputs["scalingConfig"] == {"desiredSize": 2, "minSize": 1, "maxSize": 2}
    assert inputs["launchTemplate"] == {"id": "lt-0123", "version": "1"}
    assert (inputs["clusterName"], inputs["instanceTypes"]) == ("c", ["m7g.large"])
    assert "cluster" not in inputs


def test_the_pack_judges_a_public_endpoint_through_the_cluster_pulumi_eks_creates() -> None:
    record = engine.run_program(
        _cluster(endpoint_public_access=True, public_access_cidrs=["0.0.0.0/0"]),
        region="eu-west-1",
    )
    report = analyzer.evaluate(record, PACK_DIR)
    fired = {
        v.urn.rsplit("::", 1)[-1]
        for v in report.violations
        if v.policy == "eks-endpoint-not-public"
    }
    assert fired == {"c", "c-eksCluster"}  # the component and the aws:eks/cluster child
