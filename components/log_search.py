"""LogSearch: an Amazon OpenSearch Service domain for the platform's logs (ADR 0018).

- **In the data subnets** (VPC access only), behind a security group of its own that
  admits HTTPS (443) from the client security groups passed in (the EKS nodes'), never
  from a CIDR.
- **Encrypted**: at rest with a customer key (created, rotation on, unless one is passed),
  node to node, and HTTPS only with `TLS_POLICY` (TLS 1.2 and up, forward secrecy only).
- **Fine-grained access control**: no internal user database, the master user an IAM
  role (the setup Job's). The domain's access policy admits this account's principals
  only (the account as principal: their IAM policies, then the security plugin, decide).
- **Logs to CloudWatch**: audit, application (error) and the two slow logs, each kind in
  a log group with retention on the component's key, and the one log resource policy
  OpenSearch needs to write to them (those groups only, this account's domains only).
- **Sizes per tier**: data nodes, their gp3 volumes, dedicated masters and zone awareness
  (over `zone_count` zones) from settings.
- **Documents**: the ISM policy and index template of `observability/opensearch/`
  (`components.log_search_documents`) and the security plugin's role mappings are applied
  by a Kubernetes Job in the cluster (`apply_documents`), as the domain is reachable from
  the cluster only (ADR 0018).
- `alarm_specs`: cluster status red (sev2) and yellow (sev3), for
  `ObservabilityStack.add_alarms`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components import alarms
from components import log_search_documents as documents
from components import log_search_setup as setup
from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.cluster_services import LogShipping
from components.eks import EksCluster
from components.tags import problems as tag_problems
from components.values import LOG_RETENTION_DAYS
from components.workloads import REPLACE_UNREADY, restricted_job_pod

TYPE_TOKEN = "gam:observability:LogSearch"
PORT = 443
TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"
# The kinds of log OpenSearch publishes, by the log group they go to.
LOG_GROUPS: Mapping[str, tuple[str, ...]] = {
    "audit": ("AUDIT_LOGS",),
    "application": ("ES_APPLICATION_LOGS",),
    "slow": ("INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS"),
}
ENGINE_VERSION = re.compile(r"^OpenSearch_(\d+)\.(\d+)$")
MIN_ENGINE = (2, 11)
INSTANCE_TYPE = re.compile(r"^[a-z0-9]+\.[a-z0-9]+\.search$")
DOMAIN_NAME = re.compile(r"^[a-z][a-z0-9-]{2,27}$")
MIN_VOLUME_GB, MAX_VOLUME_GB = 10, 3072
SETUP_UID = 1000
SETUP_MOUNT = "/etc/gam-log-search"
SETUP_SCRIPT = Path(setup.__file__).read_text()


@dataclass(frozen=True, kw_only=True)
class LogSearchArgs:
    vpc_id: pulumi.Input[str]
    """Required. The VPC of the subnets."""

    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Required. The data subnets, one per zone; the first `zone_count` are used."""

    client_security_group_ids: Sequence[pulumi.Input[str]]
    """Required. Security groups admitted on 443 (the EKS nodes')."""

    cluster: EksCluster
    """Required. The cluster whose nodes are the clients: its Pod Identity gives the setup
    Job the master user's role, its provider runs the Job (`apply_documents`)."""

    setup_image: pulumi.Input[str]
    """Required. The setup Job's image: Python 3 with botocore (the AWS Lambda Python base
    image, through the ECR cache)."""

    tags: Mapping[str, str]
    """Required. The standard tags."""

    engine_version: str = "OpenSearch_2.19"
    instance_type: str = "t3.small.search"
    instance_count: int = 1
    zone_count: int = 1
    """Zones the data nodes spread over: 1 (no zone awareness), 2 or 3."""
    dedicated_master_type: str | None = None
    """Dedicated master nodes' type; None: the data nodes elect a master."""
    dedicated_master_count: int = 3
    volume_size_gb: int = 10
    """gp3 per data node."""
    warm_after_days: int = 7
    retention_days: int = 30
    log_retention_days: int = 365
    """Retention of the domain's own CloudWatch logs."""
    admin_role_arns: Sequence[str] = ()
    """People's roles with `all_access` in the security plugin (besides the master user)."""
    reader_role_arns: Sequence[str] = ()
    """People's roles with `readall`."""
    setup_namespace: str = "kube-system"
    setup_service_account: str = "log-search-setup"
    kms_key_arn: pulumi.Input[str] | None = None
    """A customer key to encrypt with. None: the component creates one."""
    protect: bool = False


def problems(name: str, args: LogSearchArgs) -> list[str]:
    found = tag_problems(args.tags)
    if not DOMAIN_NAME.match(name):
        found.append(
            f"name {name!r} is not a domain name: 3 to 28 lower-case letters, digits and "
            "hyphens, starting with a letter"
        )
    version = ENGINE_VERSION.match(args.engine_version)
    if not version or (int(version[1]), int(version[2])) < MIN_ENGINE:
        found.append(
            f"engine_version {args.engine_version!r} is not OpenSearch_X.Y at "
            f"{MIN_ENGINE[0]}.{MIN_ENGINE[1]} or later"
        )
    for what, kind in (
        ("instance_type", args.instance_type),
        ("dedicated_master_type", args.dedicated_master_type),
    ):
        if kind is not None and not INSTANCE_TYPE.match(kind):
            found.append(f"{what} {kind!r} is not an OpenSearch instance type (*.search)")
    if args.zone_count not in (1, 2, 3):
        found.append(f"zone_count {args.zone_count} must be 1, 2 or 3")
    elif args.instance_count < 1 or args.instance_count % args.zone_count:
        found.append(
            f"instance_count {args.instance_count} must be a positive multiple of "
            f"zone_count {args.zone_count} (the same number of data nodes in each zone)"
        )
    if args.dedicated_master_type is not None and args.dedicated_master_count not in (3, 5):
        found.append(f"dedicated_master_count {args.dedicated_master_count} must be 3 or 5")
    if not MIN_VOLUME_GB <= args.volume_size_gb <= MAX_VOLUME_GB:
        found.append(
            f"volume_size_gb {args.volume_size_gb} must be {MIN_VOLUME_GB} to {MAX_VOLUME_GB}"
        )
    if not 0 < args.warm_after_days < args.retention_days:
        found.append(
            f"warm_after_days {args.warm_after_days} must be above 0 and below "
            f"retention_days {args.retention_days}"
        )
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"log_retention_days {args.log_retention_days!r} is not a CloudWatch Logs retention"
        )
    if not args.client_security_group_ids:
        found.append("client_security_group_ids is empty: nothing could reach the domain")
    return found


class LogSearch(GamComponent):
    """The OpenSearch domain for logs, its key, security group and log groups."""

    domain_arn: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    dashboards_endpoint: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: LogSearchArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("LogSearch", problems(name, args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)

        key_arn = args.kms_key_arn if args.kms_key_arn is not None else self._key().arn
        # the master user: the setup Job's role, allowed every HTTP method on this domain
        self.master_role = args.cluster.workload_role(
            args.setup_namespace, args.setup_service_account, self._admin_policy()
        )
        self.security_group = aws.ec2.SecurityGroup(
            self.child_name("sg"),
            description=f"{name}: HTTPS from its clients' security groups only",
            vpc_id=args.vpc_id,
            tags=self.tags("sg"),
            opts=self.child_opts(),
        )
        for index, client in enumerate(args.client_security_group_ids):
            self.admit(f"client-{index}", client)
        groups = {
            role: aws.cloudwatch.LogGroup(
                self.child_name(f"{role}-logs"),
                name=self._log_group_name(role),
                retention_in_days=args.log_retention_days,
                kms_key_id=key_arn,
                tags=self.tags(f"{role}-logs"),
                opts=self.child_opts(),
            )
            for role in LOG_GROUPS
        }
        logs_policy = aws.cloudwatch.LogResourcePolicy(
            self.child_name("logs-policy"),
            policy_name=self.child_name("logs-policy"),
            policy_document=self._logs_policy([g.arn for g in groups.values()]),
            opts=self.child_opts(),
        )
        self.domain = self._domain(key_arn, groups, logs_policy)

        self.domain_arn = self.domain.arn
        self.domain_name = self.domain.domain_name
        self.endpoint = self.domain.endpoint
        self.dashboards_endpoint = self.domain.dashboard_endpoint
        self.security_group_id = self.security_group.id
        self.register_outputs(
            {
                "domainArn": self.domain_arn,
                "endpoint": self.endpoint,
                "dashboardsEndpoint": self.dashboards_endpoint,
            }
        )

    # --- access ---------------------------------------------------------------------------

    def admit(self, role: str, security_group_id: pulumi.Input[str]) -> None:
        """Let members of `security_group_id` reach the domain on HTTPS."""
        self.admit_group(
            f"sg-from-{role}",
            self.security_group.id,
            security_group_id,
            PORT,
            f"{self._name} clients ({role})",
        )

    def _admin_policy(self) -> pulumi.Output[str]:
        """An IAM policy: any HTTP request to this domain (the setup Job's role)."""
        return self.arn_pattern().apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AdministerTheLogDomainOnly",
                            "Effect": "Allow",
                            "Action": [
                                "es:ESHttpGet",
                                "es:ESHttpHead",
                                "es:ESHttpPost",
                                "es:ESHttpPut",
                                "es:ESHttpPatch",
                                "es:ESHttpDelete",
                            ],
                            "Resource": [arn, f"{arn}/*"],
                        }
                    ],
                }
            )
        )

    def shipping(self) -> LogShipping:
        """Where Fluent Bit ships to (`ClusterServicesArgs.log_shipping`)."""
        return LogShipping(
            endpoint=self.endpoint,
            domain_arn=self.domain_arn,
            index_prefix=documents.INDEX_PREFIX,
        )

    def alarm_specs(self) -> list[alarms.AlarmSpec]:
        """Cluster status red (sev2) and yellow (sev3)."""
        return alarms.opensearch("logs", self.domain_name, self._account.id)

    # --- the documents ------------------------------------------------------------------

    def rendered_documents(
        self, writer_arns: Sequence[str], admin_arns: Sequence[str], reader_arns: Sequence[str]
    ) -> dict[str, str]:
        """The ConfigMap's files: this stack's documents, the security mappings, the
        names, and the script that applies them."""
        args = self._args
        policy, template = documents.rendered(
            warm_after_days=args.warm_after_days,
            retention_days=args.retention_days,
            data_nodes=args.instance_count,
        )
        names = {
            "policy": documents.POLICY_ID,
            "template": documents.TEMPLATE_NAME,
            "pattern": documents.INDEX_PATTERN,
        }
        security = documents.security(
            admin_arns=admin_arns, writer_arns=writer_arns, reader_arns=reader_arns
        )
        files = {
            setup.POLICY_FILE: policy,
            setup.TEMPLATE_FILE: template,
            setup.SECURITY_FILE: security,
            setup.SETTINGS_FILE: names,
        }
        rendered = {
            name: json.dumps(body, indent=2, sort_keys=True) for name, body in files.items()
        }
        return {**rendered, "log_search_setup.py": SETUP_SCRIPT}

    def apply_documents(
        self,
        writer_role_arns: Sequence[pulumi.Input[str]],
        after: Sequence[pulumi.Resource] = (),
        reader_role_arns: Sequence[pulumi.Input[str]] = (),
    ) -> k8s.batch.v1.Job:
        """The ConfigMap of documents and the Job that applies them with the master
        user's role, once the domain and `after` exist; `writer_role_arns` (Fluent Bit's)
        may write the log indices, `reader_role_arns` (services' roles, such as Grafana's)
        read everything, as people's `reader_role_arns` do. A change to any document
        changes the Job's pod template (its digest), so the Job is replaced and runs
        again."""
        args = self._args
        files = pulumi.Output.all(
            self.master_role.arn,
            pulumi.Output.all(*writer_role_arns),
            pulumi.Output.all(*reader_role_arns),
        ).apply(
            lambda v: self.rendered_documents(
                writer_arns=v[1],
                admin_arns=[v[0], *args.admin_role_arns],
                reader_arns=[*args.reader_role_arns, *v[2]],
            )
        )
        labels = {
            "app.kubernetes.io/name": self.child_name("setup"),
            "app.kubernetes.io/part-of": "gam-platform",
        }
        provider = args.cluster.provider
        account = k8s.core.v1.ServiceAccount(
            self.child_name("setup-account"),
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.setup_service_account, namespace=args.setup_namespace, labels=labels
            ),
            automount_service_account_token=False,
            opts=self.child_opts(provider=provider),
        )
        config = k8s.core.v1.ConfigMap(
            self.child_name("setup-documents"),
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=args.setup_namespace, labels=labels),
            data=files,
            opts=self.child_opts(provider=provider),
        )
        digest = files.apply(
            lambda f: hashlib.sha256(json.dumps(f, sort_keys=True).encode()).hexdigest()
        )
        # Plain mappings, as Kubernetes writes them (the SDK's TypedDicts are exhaustive).
        spec: Any = {
            "backoffLimit": 4,
            "activeDeadlineSeconds": 1800,
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {"gam-platform/documents-sha256": digest},
                },
                "spec": restricted_job_pod(
                    SETUP_UID,
                    [
                        {
                            "name": "setup",
                            "image": args.setup_image,
                            "command": ["python3", f"{SETUP_MOUNT}/log_search_setup.py"],
                            "env": [
                                {"name": "OPENSEARCH_ENDPOINT", "value": self.endpoint},
                                {"name": "AWS_REGION", "value": self._account.region},
                                {"name": "DOCUMENTS", "value": SETUP_MOUNT},
                                {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
                            ],
                            "volumeMounts": [
                                {"name": "documents", "mountPath": SETUP_MOUNT, "readOnly": True}
                            ],
                        }
                    ],
                    serviceAccountName=args.setup_service_account,
                    volumes=[{"name": "documents", "configMap": {"name": config.metadata["name"]}}],
                ),
            },
        }
        metadata: Any = {
            "namespace": args.setup_namespace,
            "labels": labels,
            "annotations": REPLACE_UNREADY,
        }
        return k8s.batch.v1.Job(
            self.child_name("setup"),
            metadata=metadata,
            spec=spec,
            opts=self.child_opts(
                provider=provider,
                depends_on=[self.domain, self.master_role, account, config, *after],
                custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m"),
            ),
        )

    # --- the domain ----------------------------------------------------------------------

    def _log_group_name(self, role: str) -> str:
        # vended logs: the /aws/vendedlogs/ prefix keeps the account's log resource policy small
        return f"/aws/vendedlogs/gam/{self._name}/opensearch-{role}"

    def _key(self) -> aws.kms.Key:
        """Encrypts the indices and the domain's logs. OpenSearch uses it through grants
        the deploying principal creates (the account administers the key); CloudWatch
        Logs may use it for the domain's log groups only."""
        logs = self._account.logs_may_use(
            "CloudWatchLogsUsesItForTheDomainLogGroupsOnly",
            *(self._log_group_name(role) for role in LOG_GROUPS),
        )
        return customer_key(
            self,
            self._account,
            "key",
            f"Encrypts the log indices of {self._name} and its own logs",
            [logs],
            protect=self._args.protect,
        )

    def _logs_policy(self, group_arns: Sequence[pulumi.Output[str]]) -> pulumi.Output[str]:
        """OpenSearch may write to these log groups only, for this account's domains only."""
        return pulumi.Output.all(self._account.id, self.arn_pattern(), *group_arns).apply(
            lambda v: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "OpenSearchOfThisAccountWritesItsLogGroups",
                            "Effect": "Allow",
                            "Principal": {"Service": "es.amazonaws.com"},
                            "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                            "Resource": [f"{arn}:*" for arn in v[2:]],
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": v[0]},
                                "ArnLike": {"aws:SourceArn": v[1]},
                            },
                        }
                    ],
                }
            )
        )

    def arn_pattern(self) -> pulumi.Output[str]:
        """This domain's ARN, built before the domain exists (its access policy names it)."""
        return self._account.arn("es", f"domain/{self._name}")

    def _access_policy(self) -> pulumi.Output[str]:
        """This account's principals only; their IAM policies say which may call, and the
        security plugin what each may do."""
        return pulumi.Output.all(self._account.root(), self.arn_pattern()).apply(
            lambda v: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ThisAccountsPrincipalsOnly",
                            "Effect": "Allow",
                            "Principal": {"AWS": v[0]},
                            "Action": "es:ESHttp*",
                            "Resource": f"{v[1]}/*",
                        }
                    ],
                }
            )
        )

    def _domain(
        self,
        key_arn: pulumi.Input[str],
        groups: Mapping[str, aws.cloudwatch.LogGroup],
        logs_policy: aws.cloudwatch.LogResourcePolicy,
    ) -> aws.opensearch.Domain:
        args = self._args
        zones = args.zone_count
        masters = args.dedicated_master_type
        cluster = aws.opensearch.DomainClusterConfigArgs(
            instance_type=args.instance_type,
            instance_count=args.instance_count,
            zone_awareness_enabled=zones > 1,
            zone_awareness_config=(
                aws.opensearch.DomainClusterConfigZoneAwarenessConfigArgs(
                    availability_zone_count=zones
                )
                if zones > 1
                else None
            ),
            dedicated_master_enabled=masters is not None,
            dedicated_master_type=masters,
            dedicated_master_count=args.dedicated_master_count if masters else None,
        )
        subnets = pulumi.Output.from_input(args.subnet_ids).apply(lambda ids: list(ids)[:zones])
        return aws.opensearch.Domain(
            self.child_name("domain"),
            domain_name=self._name,
            engine_version=args.engine_version,
            cluster_config=cluster,
            ebs_options=aws.opensearch.DomainEbsOptionsArgs(
                ebs_enabled=True, volume_type="gp3", volume_size=args.volume_size_gb
            ),
            vpc_options=aws.opensearch.DomainVpcOptionsArgs(
                subnet_ids=subnets, security_group_ids=[self.security_group.id]
            ),
            encrypt_at_rest=aws.opensearch.DomainEncryptAtRestArgs(
                enabled=True, kms_key_id=key_arn
            ),
            node_to_node_encryption=aws.opensearch.DomainNodeToNodeEncryptionArgs(enabled=True),
            domain_endpoint_options=aws.opensearch.DomainDomainEndpointOptionsArgs(
                enforce_https=True, tls_security_policy=TLS_POLICY
            ),
            advanced_security_options=aws.opensearch.DomainAdvancedSecurityOptionsArgs(
                enabled=True,
                anonymous_auth_enabled=False,
                internal_user_database_enabled=False,
                master_user_options=aws.opensearch.DomainAdvancedSecurityOptionsMasterUserOptionsArgs(
                    master_user_arn=self.master_role.arn
                ),
            ),
            access_policies=self._access_policy(),
            log_publishing_options=[
                aws.opensearch.DomainLogPublishingOptionArgs(
                    log_type=log_type, cloudwatch_log_group_arn=group.arn
                )
                for role, group in groups.items()
                for log_type in LOG_GROUPS[role]
            ],
            software_update_options=aws.opensearch.DomainSoftwareUpdateOptionsArgs(
                auto_software_update_enabled=True
            ),
            tags=self.tags("domain"),
            opts=self.child_opts(protect=args.protect, depends_on=[logs_policy]),
        )
