"""ChaosDrills: AWS FIS experiment templates for the quarterly drills (ADR 0019).

The blueprint's three failures (4.3), one template each, created only when its target
is in the stack:

- **node failure**: `aws:eks:terminate-nodegroup-instances` on the worker node group;
- **pod disruption**: `aws:eks:pod-delete` on the pods a label selector picks in one
  workload namespace. FIS acts in the cluster as the Kubernetes user `fis-experiment`
  (an EKS access entry for the template's role) and runs its pod as a service account of
  its own; a namespaced Role lets both do only what the FIS guide lists;
- **dependency outage**: `aws:rds:reboot-db-instances` on the database, with failover
  when the instance is Multi-AZ (a single-AZ instance is rebooted: a short outage).

Every template stops on the stack's SLO alarms in CloudWatch (`stop_alarm_arns`: the
canaries' and the API's; the SLO burn-rate alerts live in Managed Prometheus, which FIS
cannot watch), runs under a role of its own that may do its action on its target only,
and logs to a log group on a customer key. Templates cost nothing until started
(`docs/runbooks/chaos-drills.md`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.account import Account, customer_key, service_trust
from components.base import GamComponent, validate
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS

TYPE_TOKEN = "gam:observability:ChaosDrills"
# FIS's Kubernetes user name for an experiment role (FIS guide, aws:eks:pod actions).
FIS_KUBERNETES_USER = "fis-experiment"
FIS_SERVICE_ACCOUNT = "fis-pod-fault"
LOG_SCHEMA_VERSION = 2
# `key=value` pairs, comma-separated: a Kubernetes equality-based label selector
_SELECTOR = re.compile(r"^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]+(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]+)*$")

# What the FIS guide's Role for the aws:eks:pod actions grants, nothing more.
POD_FAULT_RULES: tuple[dict[str, Any], ...] = (
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "create", "patch", "delete"]},
    {
        "apiGroups": [""],
        "resources": ["pods"],
        "verbs": ["create", "list", "get", "delete", "deletecollection"],
    },
    {"apiGroups": [""], "resources": ["pods/ephemeralcontainers"], "verbs": ["update"]},
    {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]},
)


@dataclass(frozen=True, kw_only=True)
class PodFault:
    """Where the pod disruption drill acts."""

    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    provider: k8s.Provider
    """The cluster's Kubernetes provider (for the service account and RBAC)."""
    namespace: str
    selector: str
    """A label selector, `app.kubernetes.io/name=gam-worker`."""
    percent: int = 25
    """The share of the selected pods deleted, 1 to 100."""


@dataclass(frozen=True, kw_only=True)
class ChaosDrillsArgs:
    stop_alarm_arns: Sequence[pulumi.Input[str]]
    """Required, at least one. The CloudWatch alarms every template stops on."""

    tags: Mapping[str, str]
    """Required. The standard tags."""

    node_group_arn: pulumi.Input[str] | None = None
    """The worker node group (node failure drill). None: no such drill."""

    node_group_name: pulumi.Input[str] | None = None
    """Its name: the role may terminate only instances tagged with it."""

    node_termination_percent: int = 34
    """The share of the node group's instances terminated, 1 to 100."""

    pod_fault: PodFault | None = None
    """The pod disruption drill. None: no such drill."""

    database_instance_arn: pulumi.Input[str] | None = None
    """The database instance (dependency outage drill). None: no such drill."""

    database_failover: bool = False
    """Reboot with failover (a Multi-AZ instance); else a plain reboot."""

    log_retention_days: int = 90

    protect: bool = False


def problems(args: ChaosDrillsArgs) -> list[str]:
    found = tag_problems(args.tags)
    if not args.stop_alarm_arns:
        found.append(
            "stop_alarm_arns is empty: a drill must stop on the SLO alarms "
            "(set a synthetics URL so the canaries' alarms exist)"
        )
    if not 1 <= args.node_termination_percent <= 100:
        found.append(f"node_termination_percent {args.node_termination_percent} must be 1 to 100")
    if (args.node_group_arn is None) != (args.node_group_name is None):
        found.append("node_group_arn and node_group_name go together")
    if args.pod_fault is not None:
        if not 1 <= args.pod_fault.percent <= 100:
            found.append(f"pod_fault.percent {args.pod_fault.percent} must be 1 to 100")
        if not _SELECTOR.match(args.pod_fault.selector):
            found.append(
                f"pod_fault.selector {args.pod_fault.selector!r} is not an equality label "
                "selector such as app.kubernetes.io/name=gam-worker"
            )
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"log_retention_days {args.log_retention_days} is not a CloudWatch Logs "
            f"retention; use one of {LOG_RETENTION_DAYS}"
        )
    if (
        args.node_group_arn is None
        and args.pod_fault is None
        and args.database_instance_arn is None
    ):
        found.append("no drill has a target: give a node group, a pod fault or a database")
    return found


# --- pure parts -------------------------------------------------------------------------


def trust_policy(account_id: str) -> dict[str, Any]:
    """FIS, for experiments of this account only, may assume the role."""
    return service_trust("fis.amazonaws.com", account_id)


def _allow(sid: str, actions: Sequence[str], resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resource, **extra}


def log_statements() -> list[dict[str, Any]]:
    """FIS delivers the experiment log as vended logs (FIS guide, "Experiment logging
    permissions"); these Logs actions take no resource scope."""
    return [
        _allow(
            "DeliverExperimentLog",
            [
                "logs:CreateLogDelivery",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups",
            ],
            "*",
        )
    ]


def node_group_policy(node_group_arn: str, node_group_name: str, instances: str) -> dict[str, Any]:
    """Terminate instances (`instances`: this account's, in this region) of this node
    group only (EKS tags its instances with the group's name); describe the group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _allow("DescribeTheNodeGroup", ["eks:DescribeNodegroup"], node_group_arn),
            # EC2 scopes no Describe action
            _allow("FindItsInstances", ["ec2:DescribeInstances"], "*"),
            _allow(
                "TerminateItsInstancesOnly",
                ["ec2:TerminateInstances"],
                instances,
                Condition={"StringEquals": {"aws:ResourceTag/eks:nodegroup-name": node_group_name}},
            ),
            *log_statements(),
        ],
    }


def pod_fault_policy(cluster_arn: str) -> dict[str, Any]:
    """Find the cluster; what happens inside it is the Kubernetes Role's to allow."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _allow("DescribeTheCluster", ["eks:DescribeCluster"], cluster_arn),
            *log_statements(),
        ],
    }


def database_policy(instance_arn: str) -> dict[str, Any]:
    """Reboot (and fail over) this instance only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _allow(
                "RebootTheDatabaseOnly",
                ["rds:RebootDBInstance", "rds:DescribeDBInstances"],
                instance_arn,
            ),
            *log_statements(),
        ],
    }


def _snake(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A rule as written in the FIS guide (`apiGroups`) as PolicyRuleArgs takes it."""
    return {re.sub(r"([A-Z])", r"_\1", k).lower(): v for k, v in rule.items()}


def stop_conditions(alarm_arns: Sequence[pulumi.Input[str]]) -> list[Any]:
    return [
        aws.fis.ExperimentTemplateStopConditionArgs(source="aws:cloudwatch:alarm", value=arn)
        for arn in alarm_arns
    ]


# --- component --------------------------------------------------------------------------


class ChaosDrills(GamComponent):
    """The FIS experiment templates, their roles, RBAC and experiment log."""

    template_ids: dict[str, pulumi.Output[str]]
    """Each drill's template id (`aws fis start-experiment --experiment-template-id`)."""
    log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ChaosDrillsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("ChaosDrills", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)
        self._log_group = self._experiment_log()
        self.template_ids = {}

        if args.node_group_arn is not None and args.node_group_name is not None:
            node_group_arn, node_group_name = args.node_group_arn, args.node_group_name
            role = self._role(
                "node-failure",
                pulumi.Output.all(
                    node_group_arn, node_group_name, self._account.arn("ec2", "instance/*")
                ).apply(lambda v: node_group_policy(v[0], v[1], v[2])),
            )
            self._template(
                "node-failure",
                "Terminate a share of the worker node group's instances: the workers must "
                "reschedule and the SLOs hold",
                role,
                action=aws.fis.ExperimentTemplateActionArgs(
                    name="terminate-worker-nodes",
                    action_id="aws:eks:terminate-nodegroup-instances",
                    parameters=[
                        aws.fis.ExperimentTemplateActionParameterArgs(
                            key="instanceTerminationPercentage",
                            value=str(args.node_termination_percent),
                        )
                    ],
                    target=aws.fis.ExperimentTemplateActionTargetArgs(
                        key="Nodegroups", value="worker-node-group"
                    ),
                ),
                target=aws.fis.ExperimentTemplateTargetArgs(
                    name="worker-node-group",
                    resource_type="aws:eks:nodegroup",
                    resource_arns=[node_group_arn],
                    selection_mode="ALL",
                ),
            )
        if args.pod_fault is not None:
            self._pod_fault(args.pod_fault)
        if args.database_instance_arn is not None:
            instance_arn = args.database_instance_arn
            role = self._role(
                "database-outage",
                pulumi.Output.from_input(instance_arn).apply(database_policy),
            )
            failover = "true" if args.database_failover else "false"
            self._template(
                "database-outage",
                "Reboot the database"
                + (" with a failover to its standby" if args.database_failover else "")
                + ": clients must reconnect and the SLOs hold",
                role,
                action=aws.fis.ExperimentTemplateActionArgs(
                    name="reboot-database",
                    action_id="aws:rds:reboot-db-instances",
                    parameters=[
                        aws.fis.ExperimentTemplateActionParameterArgs(
                            key="forceFailover", value=failover
                        )
                    ],
                    target=aws.fis.ExperimentTemplateActionTargetArgs(
                        key="DBInstances", value="database"
                    ),
                ),
                target=aws.fis.ExperimentTemplateTargetArgs(
                    name="database",
                    resource_type="aws:rds:db",
                    resource_arns=[instance_arn],
                    selection_mode="ALL",
                ),
            )
        self.log_group_name = self._log_group.name
        self.register_outputs(
            {"templateIds": self.template_ids, "logGroupName": self.log_group_name}
        )

    # --- parts --------------------------------------------------------------------------

    def _experiment_log(self) -> aws.cloudwatch.LogGroup:
        group_name = f"/aws/vendedlogs/fis/{self._name}"
        key = customer_key(
            self,
            self._account,
            "log-key",
            f"Encrypts the experiment log of {self._name}",
            [self._account.logs_may_use("CloudWatchLogsUsesItForTheExperimentLog", group_name)],
            protect=self._args.protect,
        )
        return aws.cloudwatch.LogGroup(
            self.child_name("log"),
            name=group_name,
            retention_in_days=self._args.log_retention_days,
            kms_key_id=key.arn,
            tags=self.tags("log"),
            opts=self.child_opts(),
        )

    def _role(self, drill: str, policy: pulumi.Input[dict[str, Any]]) -> aws.iam.Role:
        role = aws.iam.Role(
            self.child_name(f"{drill}-role"),
            description=f"FIS runs the {drill} drill of {self._name} with this role only",
            assume_role_policy=pulumi.Output.json_dumps(self._account.id.apply(trust_policy)),
            tags=self.tags(f"{drill}-role"),
            opts=self.child_opts(),
        )
        aws.iam.RolePolicy(
            self.child_name(f"{drill}-policy"),
            role=role.name,
            policy=pulumi.Output.json_dumps(policy),
            opts=self.child_opts(),
        )
        return role

    def _template(
        self,
        drill: str,
        description: str,
        role: aws.iam.Role,
        *,
        action: aws.fis.ExperimentTemplateActionArgs,
        target: aws.fis.ExperimentTemplateTargetArgs,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> aws.fis.ExperimentTemplate:
        template = aws.fis.ExperimentTemplate(
            self.child_name(drill),
            description=description,
            role_arn=role.arn,
            actions=[action],
            targets=[target],
            stop_conditions=stop_conditions(self._args.stop_alarm_arns),
            log_configuration=aws.fis.ExperimentTemplateLogConfigurationArgs(
                log_schema_version=LOG_SCHEMA_VERSION,
                cloudwatch_logs_configuration=aws.fis.ExperimentTemplateLogConfigurationCloudwatchLogsConfigurationArgs(
                    log_group_arn=pulumi.Output.concat(self._log_group.arn, ":*")
                ),
            ),
            experiment_options=aws.fis.ExperimentTemplateExperimentOptionsArgs(
                account_targeting="single-account", empty_target_resolution_mode="fail"
            ),
            tags=self.tags(drill, Drill=drill),
            opts=self.child_opts(depends_on=list(depends_on)),
        )
        self.template_ids[drill] = template.id
        return template

    def _pod_fault(self, fault: PodFault) -> None:
        role = self._role(
            "pod-disruption",
            pulumi.Output.from_input(fault.cluster_arn).apply(pod_fault_policy),
        )
        entry = aws.eks.AccessEntry(
            self.child_name("pod-disruption-access"),
            cluster_name=fault.cluster_name,
            principal_arn=role.arn,
            user_name=FIS_KUBERNETES_USER,
            type="STANDARD",
            tags=self.tags("pod-disruption-access"),
            opts=self.child_opts(),
        )
        in_cluster = self.child_opts(provider=fault.provider)
        labels = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "gam"}

        def metadata(name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=name, namespace=fault.namespace, labels=labels)

        account = k8s.core.v1.ServiceAccount(
            self.child_name("fis-service-account"),
            metadata=metadata(FIS_SERVICE_ACCOUNT),
            automount_service_account_token=True,
            opts=in_cluster,
        )
        k8s_role = k8s.rbac.v1.Role(
            self.child_name("fis-role"),
            metadata=metadata(FIS_KUBERNETES_USER),
            rules=[k8s.rbac.v1.PolicyRuleArgs(**_snake(rule)) for rule in POD_FAULT_RULES],
            opts=in_cluster,
        )
        binding = k8s.rbac.v1.RoleBinding(
            self.child_name("fis-role-binding"),
            metadata=metadata(FIS_KUBERNETES_USER),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=FIS_KUBERNETES_USER
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(
                    kind="ServiceAccount", name=FIS_SERVICE_ACCOUNT, namespace=fault.namespace
                ),
                k8s.rbac.v1.SubjectArgs(
                    kind="User", name=FIS_KUBERNETES_USER, api_group="rbac.authorization.k8s.io"
                ),
            ],
            opts=self.child_opts(provider=fault.provider, depends_on=[k8s_role, account]),
        )
        self._template(
            "pod-disruption",
            f"Delete {fault.percent} % of the pods {fault.selector} picks in {fault.namespace}: "
            "their controllers must replace them and the SLOs hold",
            role,
            action=aws.fis.ExperimentTemplateActionArgs(
                name="delete-pods",
                action_id="aws:eks:pod-delete",
                parameters=[
                    aws.fis.ExperimentTemplateActionParameterArgs(
                        key="kubernetesServiceAccount", value=FIS_SERVICE_ACCOUNT
                    ),
                    # the FIS pod meets the namespace's Pod Security level
                    aws.fis.ExperimentTemplateActionParameterArgs(
                        key="fisPodSecurityPolicy", value="restricted"
                    ),
                ],
                target=aws.fis.ExperimentTemplateActionTargetArgs(key="Pods", value="pods"),
            ),
            target=aws.fis.ExperimentTemplateTargetArgs(
                name="pods",
                resource_type="aws:eks:pod",
                selection_mode=f"PERCENT({fault.percent})",
                parameters={
                    "clusterIdentifier": fault.cluster_arn,
                    "namespace": fault.namespace,
                    "selectorType": "labelSelector",
                    "selectorValue": fault.selector,
                },
            ),
            depends_on=[entry, binding],
        )
