"""EksCluster: the platform's Kubernetes cluster on pulumi-eks v4 (`eks.Cluster` and
`eks.ManagedNodeGroup`), with its add-ons, node groups and workload identity.

Decisions, written where they are made (ADRs 0009 and 0010):

- No default security groups from pulumi-eks (it sets no descriptions, and its rules
  open the cluster group to all egress): the control plane and nodes share the group EKS
  creates, and nodes carry one more of ours, for the data tier to admit.
- No default node group and no instance role from pulumi-eks: every node group is a
  managed node group on a launch template of ours, because pulumi-eks's `enableIMDSv2`
  sets a hop limit of 2 and cannot encrypt the root volume with our key. The launch
  template requires IMDSv2 with a hop limit of 1 (pods cannot reach the node's
  credentials; host-network add-ons still can) and encrypts the gp3 root volume with a
  customer key that EC2 Auto Scaling may use.
- Access is by access entries only (authentication mode API): admins, read-only viewers
  and the CI deployers (edit in the workload namespaces only), all from settings.
- Support type STANDARD: the cluster is upgraded at the end of standard support instead
  of drifting into extended support at six times the control-plane price.
- The API endpoint is private; a public endpoint needs an explicit CIDR list, never
  0.0.0.0/0 (the settings allow it in dev only).
- Secrets are envelope-encrypted with a customer key (created unless one is passed);
  all five control-plane log types go to `/aws/eks/<cluster>/cluster`, which this
  component creates first, with retention and its own key (EKS would otherwise create
  it with neither).
- Add-ons are EKS managed add-ons with pinned versions, created here rather than by
  pulumi-eks (`bootstrapSelfManagedAddons` off, pulumi-eks's own add-ons off): the
  daemon sets (vpc-cni with its network-policy agent on, kube-proxy, the Pod Identity
  agent) before the node groups, so nodes come up Ready; coredns and the EBS CSI driver
  after, on the system nodes.
- Workload identity is EKS Pod Identity (ADR 0009): no OIDC provider; a role trusts
  `pods.eks.amazonaws.com` for this cluster, one namespace and one service account.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.eks_spec import (
    ADDONS,
    KUBERNETES_VERSIONS,
    NODE_GROUPS,
    NodeGroupSpec,
    addon_problems,
    ami_type,
    group_labels,
    group_taints,
    node_group_problems,
    public_access_problems,
    support_warning,
    version_problems,
)
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS

TYPE_TOKEN = "gam:eks:EksCluster"
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
ROOT_DEVICE = "/dev/xvda"  # Amazon Linux 2023's root volume
ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/"
MANAGED_POLICY = "arn:aws:iam::aws:policy/"
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/.+$")
# Kubernetes groups the access entries put their principals in (RBAC binds them).
DEPLOYERS_GROUP = "gam:deployers"
VIEWERS_GROUP = "gam:viewers"
SYSTEM_TOLERATION = {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}


@dataclass(frozen=True, kw_only=True)
class EksClusterArgs:
    vpc_id: pulumi.Input[str]
    """Required. The VPC (`Networking.vpc_id`)."""

    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Required. The private tier (`Networking.private_subnet_ids`): control-plane ENIs
    and every node."""

    kubernetes_version: str
    """Required. A version EKS offers (`eks_spec.KUBERNETES_VERSIONS`)."""

    addon_versions: Mapping[str, str]
    """Required. A pinned version per add-on key (`eks_spec.ADDONS`)."""

    node_groups: Mapping[str, NodeGroupSpec]
    """Required. The node groups by name, from `system`, `api`, `worker`, `gpu`; `system`
    required. Labels and taints follow the name (`eks_spec.group_taints`)."""

    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`)."""

    public_access_cidrs: tuple[str, ...] = ()
    """Turn the public endpoint on for these CIDRs only. Default: private only."""

    log_retention_days: int = 365
    """Retention of the control-plane logs. Default 365."""

    admin_role_arns: tuple[str, ...] = ()
    viewer_role_arns: tuple[str, ...] = ()
    deployer_role_arns: tuple[str, ...] = ()
    """Access entries: cluster admin, cluster-wide view, edit in `deploy_namespaces`."""

    deploy_namespaces: tuple[str, ...] = ()
    """The namespaces the deployers may edit (the workload namespaces)."""

    api_client_security_group_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Security groups whose members reach the private API endpoint on 443, by role (the
    deploy runner's, ADR 0020): admitted before the Kubernetes provider is used. Default
    none (`admit_api` adds one later, without that ordering)."""

    secrets_key_arn: pulumi.Input[str] | None = None
    """A KMS key for envelope encryption of secrets. Default: one is created (rotation on)."""

    node_policy_arns: tuple[pulumi.Input[str], ...] = ()
    """Further managed policies for the node role, e.g. the image cache's pull policy
    (`ImageCache.pull_policy_arn`: the first pull of an upstream image through the cache
    imports it). Default: none beyond the worker node and ECR pull-only policies."""

    protect: bool = False
    """Protect the keys and the cluster from deletion. Default False (set it in prod)."""

    extra: Mapping[str, Any] = field(default_factory=dict)
    """Further `eks.Cluster` arguments (tests use it to check the pack; not for stacks)."""


def problems(args: EksClusterArgs) -> list[str]:
    """Every problem with `args`, each saying what to change."""
    found = tag_problems(args.tags)
    if isinstance(args.vpc_id, str) and not args.vpc_id.startswith("vpc-"):
        found.append(f"vpc_id {args.vpc_id!r} is not a VPC id (vpc-0123abcd...)")
    found += version_problems(args.kubernetes_version)
    if args.kubernetes_version in KUBERNETES_VERSIONS:
        found += addon_problems(args.addon_versions, args.kubernetes_version)
    found += public_access_problems(args.public_access_cidrs)
    unknown = sorted(set(args.node_groups) - set(NODE_GROUPS))
    if unknown:
        found.append(f"node groups {unknown} are not known; choose from {list(NODE_GROUPS)}")
    if "system" not in args.node_groups:
        found.append("node groups lack `system`, which runs the cluster's add-ons")
    for name, spec in args.node_groups.items():
        found += node_group_problems(name, spec)
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"log_retention_days {args.log_retention_days!r} is not a CloudWatch Logs "
            f"retention; use one of {LOG_RETENTION_DAYS}"
        )
    if args.deployer_role_arns and not args.deploy_namespaces:
        found.append("deployer_role_arns need deploy_namespaces: the namespaces they may edit")
    not_arns = [a for a in args.node_policy_arns if isinstance(a, str) and not POLICY_ARN.match(a)]
    if not_arns:
        found.append(f"node_policy_arns {not_arns} are not IAM policy ARNs (arn:aws:iam::...)")
    return found


def pod_trust_policy(
    cluster_arn: str, account: str, namespace: str, service_account: str
) -> dict[str, Any]:
    """The trust policy of a Pod Identity role: the EKS Pod Identity service, for this
    cluster, and only for sessions tagged with this namespace and service account (the
    agent tags every session it requests with them)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PodIdentityForOneServiceAccount",
                "Effect": "Allow",
                "Principal": {"Service": POD_IDENTITY_SERVICE},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": account,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": service_account,
                    },
                    "ArnEquals": {"aws:SourceArn": cluster_arn},
                },
            }
        ],
    }


def taints_of(spec_taints: Sequence[Any]) -> list[dict[str, str]]:
    return [{"key": t.key, "value": t.value, "effect": t.effect} for t in spec_taints]


class EksCluster(GamComponent):
    """An EKS cluster with managed node groups, pinned add-ons and Pod Identity."""

    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    """The security group EKS creates and puts on the control plane and every node."""
    node_security_group_id: pulumi.Output[str]
    """The nodes' own group (beside EKS's): what data stores admit traffic from."""
    node_role_arn: pulumi.Output[str]
    kubeconfig_json: pulumi.Output[str]
    provider: k8s.Provider
    """The Kubernetes provider for everything inside the cluster."""
    node_group_names: dict[str, pulumi.Output[str]]
    node_group_arns: dict[str, pulumi.Output[str]]
    """Each node group's ARN by its role (`worker`...): what FIS drills target."""

    def __init__(
        self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("EksCluster", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)
        self.kubernetes_version = args.kubernetes_version
        warning = support_warning(args.kubernetes_version, date.today())
        if warning is not None:
            pulumi.log.warn(warning, self)

        secrets_key = args.secrets_key_arn or self._secrets_key().arn
        log_group = self._control_plane_logs()
        self._cluster = eks.Cluster(
            name,
            name=name,
            vpc_id=args.vpc_id,
            subnet_ids=args.private_subnet_ids,
            version=args.kubernetes_version,
            endpoint_private_access=True,
            endpoint_public_access=bool(args.public_access_cidrs),
            public_access_cidrs=list(args.public_access_cidrs) or None,
            encryption_config_key_arn=secrets_key,
            enabled_cluster_log_types=list(LOG_TYPES),
            authentication_mode=eks.AuthenticationMode.API,
            access_entries=self._access_entries(),
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            skip_default_node_group=True,
            skip_default_security_groups=True,
            create_instance_role=False,
            create_oidc_provider=False,
            bootstrap_self_managed_addons=False,
            use_default_vpc_cni=True,
            kube_proxy_addon_options=eks.KubeProxyAddonOptionsArgs(enabled=False),
            coredns_addon_options=eks.CoreDnsAddonOptionsArgs(enabled=False),
            deletion_protection=args.protect,
            tags=dict(args.tags),
            **args.extra,
            opts=self.child_opts(depends_on=[log_group], protect=args.protect),
        )
        cluster = self._cluster.eks_cluster
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.endpoint = cluster.endpoint
        self.cluster_security_group_id = cluster.vpc_config.cluster_security_group_id
        self.node_security_group_id = self._node_security_group().id
        self.kubeconfig_json = self._cluster.kubeconfig_json
        admitted = [
            self.admit_api(role, group)
            for role, group in args.api_client_security_group_ids.items()
        ]
        self.provider = k8s.Provider(
            self.child_name("k8s"),
            kubeconfig=self.kubeconfig_json,
            opts=self.child_opts(depends_on=admitted),
        )

        daemons = [
            self._addon("vpcCni", {"enableNetworkPolicy": "true"}, self._vpc_cni_role()),
            self._addon("kubeProxy"),
            self._addon("podIdentityAgent"),
        ]
        node_role = self._node_role()
        self.node_role_arn = node_role.arn
        node_key = self._node_volume_key()
        groups = [
            self._node_group(group, spec, node_role, node_key, daemons)
            for group, spec in args.node_groups.items()
        ]
        self.node_group_names = {
            group: ng.node_group.node_group_name
            for group, ng in zip(args.node_groups, groups, strict=True)
        }
        self.node_group_arns = {
            group: ng.node_group.arn for group, ng in zip(args.node_groups, groups, strict=True)
        }
        on_system = {"nodeSelector": group_labels("system"), "tolerations": [SYSTEM_TOLERATION]}
        self._addon("coredns", on_system, depends_on=groups)
        self._addon(
            "ebsCsiDriver",
            {"controller": on_system},
            self._ebs_csi_role(node_key),
            depends_on=groups,
        )

        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "endpoint": self.endpoint,
                "clusterSecurityGroupId": self.cluster_security_group_id,
                "nodeSecurityGroupId": self.node_security_group_id,
                "nodeRoleArn": self.node_role_arn,
            }
        )

    def admit_api(
        self, role: str, security_group_id: pulumi.Input[str]
    ) -> aws.vpc.SecurityGroupIngressRule:
        """Let members of `security_group_id` reach the private API endpoint (443, the
        control plane's interfaces carry the cluster security group): a client in the VPC,
        such as the deploy runner (ADR 0020). Access to the API is still by access entry."""
        return self.admit_group(
            f"api-from-{role}",
            self.cluster_security_group_id,
            security_group_id,
            443,
            f"The Kubernetes API of {self._name} from {role}",
        )

    # --- workload identity --------------------------------------------------------------

    def workload_role(
        self,
        namespace: str,
        service_account: str,
        policy_json: pulumi.Input[str] | None = None,
    ) -> aws.iam.Role:
        """A role for one Kubernetes service account (Pod Identity, ADR 0009): trusted by
        `pods.eks.amazonaws.com` for this cluster, this namespace and this service account
        only, holding `policy_json` (keep it least privilege) or nothing (the data stores'
        `grant_*` methods then attach theirs), and associated with the service account."""
        role_name = f"{namespace}-{service_account}"
        role = self._pod_role(role_name, namespace, service_account, policy_json)
        aws.eks.PodIdentityAssociation(
            self.child_name(f"{role_name}-identity"),
            cluster_name=self.cluster_name,
            namespace=namespace,
            service_account=service_account,
            role_arn=role.arn,
            tags=self.tags(f"{role_name}-identity"),
            opts=self.child_opts(),
        )
        return role

    def _pod_role(
        self,
        role: str,
        namespace: str,
        service_account: str,
        policy_json: pulumi.Input[str] | None = None,
        managed: Sequence[str] = (),
    ) -> aws.iam.Role:
        trust = pulumi.Output.all(self.cluster_arn, self._account.id).apply(
            lambda v: json.dumps(pod_trust_policy(v[0], v[1], namespace, service_account))
        )
        created = aws.iam.Role(
            self.child_name(role),
            description=f"Pod Identity role of {namespace}/{service_account} in {self._name}",
            assume_role_policy=trust,
            tags=self.tags(role),
            opts=self.child_opts(),
        )
        if policy_json is not None:
            aws.iam.RolePolicy(
                self.child_name(f"{role}-policy"),
                role=created.id,
                policy=policy_json,
                opts=self.child_opts(),
            )
        for policy in managed:
            aws.iam.RolePolicyAttachment(
                self.child_name(f"{role}-{policy}"),
                role=created.name,
                policy_arn=f"{MANAGED_POLICY}{policy}",
                opts=self.child_opts(),
            )
        return created

    # --- the control plane --------------------------------------------------------------

    def _secrets_key(self) -> aws.kms.Key:
        use = {
            "Sid": "EksUsesItForThisClusterSecrets",
            "Effect": "Allow",
            "Principal": {"Service": "eks.amazonaws.com"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": self._account.id}},
        }
        return customer_key(
            self,
            self._account,
            "secrets-key",
            f"Envelope-encrypts the Kubernetes secrets of {self._name}",
            [use],
            protect=self._args.protect,
        )

    def _control_plane_logs(self) -> aws.cloudwatch.LogGroup:
        """The group EKS writes to, created first with retention and a key of its own."""
        group_name = f"/aws/eks/{self._name}/cluster"
        use = self._account.logs_may_use(
            "CloudWatchLogsUsesItForTheControlPlaneLogsOnly", group_name
        )
        key = customer_key(
            self,
            self._account,
            "logs-key",
            f"Encrypts the control-plane logs of {self._name}",
            [use],
            protect=self._args.protect,
        )
        return aws.cloudwatch.LogGroup(
            self.child_name("control-plane-logs"),
            name=group_name,
            retention_in_days=self._args.log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags("control-plane-logs"),
            opts=self.child_opts(),
        )

    def _access_entries(self) -> dict[str, eks.AccessEntryArgs]:
        args = self._args
        entries: dict[str, eks.AccessEntryArgs] = {}

        def entry(
            kind: str, arns: Sequence[str], policy: str, scope: dict[str, Any], group: str | None
        ) -> None:
            for n, arn in enumerate(arns):
                entries[f"{kind}-{n}"] = eks.AccessEntryArgs(
                    principal_arn=arn,
                    type=eks.AccessEntryType.STANDARD,
                    kubernetes_groups=[group] if group else None,
                    access_policies={
                        policy: eks.AccessPolicyAssociationArgs(
                            policy_arn=f"{ACCESS_POLICY}{policy}",
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(**scope),
                        )
                    },
                    tags=self.tags(f"{kind}-{n}"),
                )

        entry(
            "admin", args.admin_role_arns, "AmazonEKSClusterAdminPolicy", {"type": "cluster"}, None
        )
        entry(
            "viewer",
            args.viewer_role_arns,
            "AmazonEKSViewPolicy",
            {"type": "cluster"},
            VIEWERS_GROUP,
        )
        entry(
            "deployer",
            args.deployer_role_arns,
            "AmazonEKSEditPolicy",
            {"type": "namespace", "namespaces": list(args.deploy_namespaces)},
            DEPLOYERS_GROUP,
        )
        return entries

    # --- add-ons ---------------------------------------------------------------------------

    def _addon(
        self,
        key: str,
        configuration: Mapping[str, Any] | None = None,
        role: tuple[aws.iam.Role, str] | None = None,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> aws.eks.Addon:
        addon = ADDONS[key]
        return aws.eks.Addon(
            self.child_name(addon),
            cluster_name=self.cluster_name,
            addon_name=addon,
            addon_version=self._args.addon_versions[key],
            configuration_values=json.dumps(configuration) if configuration else None,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            pod_identity_associations=[
                aws.eks.AddonPodIdentityAssociationArgs(
                    role_arn=role[0].arn, service_account=role[1]
                )
            ]
            if role
            else None,
            tags=self.tags(addon),
            opts=self.child_opts(depends_on=list(depends_on)),
        )

    def _vpc_cni_role(self) -> tuple[aws.iam.Role, str]:
        return (
            self._pod_role("vpc-cni", "kube-system", "aws-node", managed=["AmazonEKS_CNI_Policy"]),
            "aws-node",
        )

    def _ebs_csi_role(self, node_key: aws.kms.Key) -> tuple[aws.iam.Role, str]:
        """The EBS CSI controller: AWS's policy for volumes and snapshots, plus use of the
        volume key through grants for AWS resources only."""
        account = "ebs-csi-controller-sa"
        key_use = node_key.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "EncryptVolumesWithTheNodeKey",
                            "Effect": "Allow",
                            "Action": [
                                "kms:Encrypt",
                                "kms:Decrypt",
                                "kms:ReEncryptFrom",
                                "kms:ReEncryptTo",
                                "kms:GenerateDataKeyWithoutPlaintext",
                                "kms:DescribeKey",
                            ],
                            "Resource": arn,
                        },
                        {
                            "Sid": "GrantsForEbsOnly",
                            "Effect": "Allow",
                            "Action": "kms:CreateGrant",
                            "Resource": arn,
                            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                        },
                    ],
                }
            )
        )
        role = self._pod_role(
            "ebs-csi",
            "kube-system",
            account,
            key_use,
            managed=["service-role/AmazonEBSCSIDriverPolicy"],
        )
        return role, account

    # --- nodes -------------------------------------------------------------------------------

    def _node_security_group(self) -> aws.ec2.SecurityGroup:
        """Nodes carry EKS's cluster group (control plane <-> nodes, node <-> node) and
        this one, which admits nothing and names the nodes as a source for the data tier."""
        return aws.ec2.SecurityGroup(
            self.child_name("nodes"),
            description=f"EKS nodes of {self._name}; data stores admit traffic from this group",
            vpc_id=self._args.vpc_id,
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="AWS endpoints, the data tier, and the internet through the egress firewall",
                    protocol="-1",
                    from_port=0,
                    to_port=0,
                    cidr_blocks=["0.0.0.0/0"],
                )
            ],
            tags=self.tags("nodes"),
            opts=self.child_opts(),
        )

    def _node_role(self) -> aws.iam.Role:
        """What the kubelet needs: join the cluster and pull images. The CNI's permissions
        are on its own role (`_vpc_cni_role`)."""
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role = aws.iam.Role(
            self.child_name("node-role"),
            description=f"Nodes of {self._name}",
            assume_role_policy=json.dumps(trust),
            tags=self.tags("node-role"),
            opts=self.child_opts(),
        )
        for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"):
            aws.iam.RolePolicyAttachment(
                self.child_name(f"node-role-{policy}"),
                role=role.name,
                policy_arn=f"{MANAGED_POLICY}{policy}",
                opts=self.child_opts(),
            )
        for n, arn in enumerate(self._args.node_policy_arns):
            aws.iam.RolePolicyAttachment(
                self.child_name(f"node-role-extra-{n}"),
                role=role.name,
                policy_arn=arn,
                opts=self.child_opts(),
            )
        return role

    def _node_volume_key(self) -> aws.kms.Key:
        """Root and persistent volumes; EC2 Auto Scaling launches the nodes, so its
        service-linked role uses the key (and grants it to EC2 for the volume)."""
        autoscaling = self._account.arn(
            "iam",
            "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
            regional=False,
        )
        use = [
            {
                "Sid": "AutoScalingEncryptsNodeVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
            },
            {
                "Sid": "AutoScalingGrantsItToEc2",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ]
        return customer_key(
            self,
            self._account,
            "volumes-key",
            f"Encrypts the node and persistent volumes of {self._name}",
            use,
            protect=self._args.protect,
        )

    def _launch_template(
        self, group: str, spec: NodeGroupSpec, key: aws.kms.Key
    ) -> aws.ec2.LaunchTemplate:
        role = f"{group}-nodes"
        tags = self.tags(role)
        return aws.ec2.LaunchTemplate(
            self.child_name(role),
            description=f"{group} nodes of {self._name}: IMDSv2 only, encrypted root volume",
            update_default_version=True,
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=1,
                instance_metadata_tags="disabled",
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=ROOT_DEVICE,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=spec.disk_size_gb,
                        volume_type="gp3",
                        encrypted="true",
                        kms_key_id=key.arn,
                        delete_on_termination="true",
                    ),
                )
            ],
            # never a public address, whatever the subnet says; EKS's group and ours
            network_interfaces=[
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    device_index=0,
                    associate_public_ip_address="false",
                    delete_on_termination="true",
                    security_groups=[self.cluster_security_group_id, self.node_security_group_id],
                )
            ],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            tags=tags,
            opts=self.child_opts(),
        )

    def _node_group(
        self,
        group: str,
        spec: NodeGroupSpec,
        role: aws.iam.Role,
        key: aws.kms.Key,
        daemons: Sequence[pulumi.Resource],
    ) -> eks.ManagedNodeGroup:
        template = self._launch_template(group, spec, key)
        return eks.ManagedNodeGroup(
            self.child_name(group),
            cluster=self._cluster,
            cluster_name=self.cluster_name,
            node_group_name=self.child_name(group),
            node_role_arn=role.arn,
            subnet_ids=self._args.private_subnet_ids,
            version=self._args.kubernetes_version,
            ami_type=ami_type(spec.instance_types, spec.gpu),
            instance_types=list(spec.instance_types),
            capacity_type=spec.capacity_type,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=spec.min_size, desired_size=spec.desired_size, max_size=spec.max_size
            ),
            # the node autoscaler owns the desired size once the group exists
            ignore_scaling_changes=True,
            labels={**group_labels(group), **spec.labels},
            taints=[
                aws.eks.NodeGroupTaintArgs(**t)
                for t in taints_of((*group_taints(group), *spec.taints))
            ],
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            tags=self.tags(group),
            opts=self.child_opts(depends_on=list(daemons)),
        )
