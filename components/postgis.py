"""PostgisDatabase: RDS for PostgreSQL, in the data subnets, ready for PostGIS 3.

Decisions, written where they are made (ADR 0015 for the enablement Job and the proxy):

- The engine version is an argument (`17.6`); the parameter group family is derived
  from its major (`postgres17`), never typed twice. Majors: `SUPPORTED_MAJORS`, those
  RDS ships PostGIS 3 for. Extended support is refused (`engine_lifecycle_support`), so
  an end-of-life major fails loudly instead of costing quietly.
- Everything at rest is on one customer key (created unless one is passed, rotation
  on): storage, the master secret, Performance Insights, the log groups.
- TLS is enforced by the parameter group (`rds.force_ssl=1`); `pg_stat_statements` is
  preloaded; slow statements, connections and disconnections are logged. The log
  groups RDS exports to (`/aws/rds/instance/<id>/<type>`) are created here, before the
  instance, so that retention and the key apply from the first line.
- The master password is managed by RDS in Secrets Manager (`manage_master_user_password`)
  under the customer key, rotated on a schedule (`SecretRotation` without a Lambda: RDS
  rotates its own secrets). No password is an argument, an input or an output.
- IAM database authentication is on: `grant_connect(role, db_user)` gives one role
  `rds-db:connect` for one database user on this database's instances (and its proxy).
- Read replicas are encrypted, in the same subnet group, with the primary's settings
  (Multi-AZ too, so the pack's `rds-multi-az` holds for them); AWS takes no final
  snapshot of a replica, so none is asked for.
- The optional RDS Proxy authenticates clients with IAM end to end (`IAM_AUTH`, no
  secret in the proxy) and requires TLS.
- Backups: retention, windows, tags copied to snapshots; with a `backup_replication`
  provider, automated backups are replicated to that provider's region under a key
  created there.
- Network: a security group that admits 5432 only from the security groups passed in
  (and from the proxy's), never from a CIDR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.account import Account, customer_key
from components.base import GamComponent, validate
from components.postgis_values import (
    IDENTIFIER,
    INSIGHTS_RETENTION,
    LOG_EXPORTS,
    PORT,
    connect_policy,
    parameter_group_family,
    value_problems,
)
from components.tags import problems as tag_problems

TYPE_TOKEN = "gam:database:PostgisDatabase"

ENHANCED_MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"
BACKUP_POLICY = "policy/service-role/AWSBackupServiceRolePolicyForBackup"


def parameters(slow_query_ms: int) -> list[aws.rds.ParameterGroupParameterArgsDict]:
    """The parameter group: TLS enforced, pg_stat_statements, slow queries and
    connections logged. `shared_preload_libraries` takes effect at the next reboot."""
    return [
        {"name": "rds.force_ssl", "value": "1"},
        {
            "name": "shared_preload_libraries",
            "value": "pg_stat_statements",
            "apply_method": "pending-reboot",
        },
        {"name": "pg_stat_statements.track", "value": "top"},
        {"name": "log_min_duration_statement", "value": str(slow_query_ms)},
        {"name": "log_connections", "value": "1"},
        {"name": "log_disconnections", "value": "1"},
        {"name": "log_lock_waits", "value": "1"},
        {"name": "log_temp_files", "value": "10240"},
    ]


@dataclass(frozen=True, kw_only=True)
class PostgisDatabaseArgs:
    vpc_id: pulumi.Input[str]
    """Required. The VPC of the data subnets."""

    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Required. The data subnets (`Networking.data_subnet_ids`), one per AZ."""

    allowed_security_group_ids: Sequence[pulumi.Input[str]]
    """The security groups (EKS nodes or pods) admitted on 5432. May be empty: nothing
    connects until one is passed. Never a CIDR."""

    tags: Mapping[str, str]
    """Required. The standard tags (`components.tags.standard_tags`)."""

    engine_version: str = "17.6"
    """A PostgreSQL minor of a major in `SUPPORTED_MAJORS`; the family follows it."""

    instance_class: str = "db.t4g.small"
    """The instance class (dev burstable `db.t4g.*`, prod Graviton memory-optimised `db.r7g.*`)."""

    allocated_storage_gb: int = 20
    max_allocated_storage_gb: int = 100
    """gp3 storage and its autoscaling ceiling."""

    database_name: str = "gam"
    master_username: str = "gam_admin"

    multi_az: bool = False
    read_replicas: int = 0
    proxy: bool = False
    """An RDS Proxy with IAM auth end to end and TLS required (ADR 0015)."""

    backup_retention_days: int = 7
    backup_window: str = "02:00-03:00"
    maintenance_window: str = "sun:03:30-sun:04:30"

    backup_replication_region: str | None = None
    """The DR region: automated backups are replicated there, through a provider of
    that region. None: no replication."""
    backup_replication_retention_days: int = 7

    database_insights: str = "standard"
    """`standard` (7 days of Performance Insights) or `advanced` (465 days)."""
    monitoring_interval: int = 60
    log_retention_days: int = 30
    slow_query_ms: int = 500
    password_rotation_days: int = 7
    ca_certificate: str = "rds-ca-rsa2048-g1"

    kms_key_arn: pulumi.Input[str] | None = None
    """A customer key to use; None creates one (rotation on)."""

    deletion_protection: bool = False
    final_snapshot: bool = False
    """Take a final snapshot on deletion, and keep the automated backups."""
    iam_database_authentication: bool = True
    """IAM database authentication (`grant_connect` refuses without it)."""

    protect: bool = False
    """`protect` on the instances, the secret's rotation and the keys."""


def problems(args: PostgisDatabaseArgs) -> list[str]:
    """Every problem with `args`, each saying what to change."""
    found = tag_problems(args.tags) + value_problems(
        engine_version=args.engine_version,
        instance_class=args.instance_class,
        allocated_storage_gb=args.allocated_storage_gb,
        max_allocated_storage_gb=args.max_allocated_storage_gb,
        database_name=args.database_name,
        master_username=args.master_username,
        read_replicas=args.read_replicas,
        backup_retention_days=args.backup_retention_days,
        backup_replication_retention_days=args.backup_replication_retention_days,
        backup_window=args.backup_window,
        maintenance_window=args.maintenance_window,
        monitoring_interval=args.monitoring_interval,
        log_retention_days=args.log_retention_days,
        ca_certificate=args.ca_certificate,
    )
    if args.database_insights not in INSIGHTS_RETENTION:
        found.append(f"database_insights must be one of {list(INSIGHTS_RETENTION)}")
    if not 1 <= args.password_rotation_days <= 365:
        found.append(f"password_rotation_days {args.password_rotation_days} must be 1 to 365")
    if args.slow_query_ms < 0:
        found.append("slow_query_ms must be 0 or more (0 logs every statement)")
    if args.proxy and not args.iam_database_authentication:
        found.append("the proxy authenticates with IAM: turn iam_database_authentication on")
    sgs = args.allowed_security_group_ids
    bad = [s for s in sgs if isinstance(s, str) and not s.startswith("sg-")]
    if bad:
        found.append(f"allowed_security_group_ids {bad} are not security group ids (sg-...)")
    return found


class PostgisDatabase(GamComponent):
    """RDS for PostgreSQL for PostGIS: encrypted, TLS-only, IAM auth, backed up, watched."""

    endpoint: pulumi.Output[str]
    address: pulumi.Output[str]
    reader_endpoints: pulumi.Output[list[str]]
    proxy_endpoint: pulumi.Output[str | None]
    port: pulumi.Output[int]
    secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    instance: aws.rds.Instance
    replicas: list[aws.rds.Instance]

    def __init__(
        self, name: str, args: PostgisDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("PostgisDatabase", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        self._args = args
        self._account = Account(self)
        self._identifier = name
        self.database_name = args.database_name

        key_arn = pulumi.Output.from_input(args.kms_key_arn or self._key().arn)
        self.kms_key_arn = key_arn
        group = self._security_group()
        subnets = aws.rds.SubnetGroup(
            self.child_name("subnets"),
            name=self.child_name("subnets"),
            description=f"Data subnets of {name}",
            subnet_ids=args.subnet_ids,
            tags=self.tags("subnets"),
            opts=self.child_opts(),
        )
        family = parameter_group_family(args.engine_version)
        params = aws.rds.ParameterGroup(
            self.child_name("params"),
            name_prefix=f"{self.child_name('params')}-",
            family=family,
            description=f"{family}: TLS only, pg_stat_statements, slow queries and connections logged",
            parameters=parameters(args.slow_query_ms),
            tags=self.tags("params"),
            opts=self.child_opts(),  # name_prefix: a new family creates a new group first
        )
        monitoring = self._monitoring_role()

        primary_logs = self._log_groups(self._identifier, key_arn)
        common = self._instance_settings(key_arn, group, params, monitoring)
        self.instance = aws.rds.Instance(
            self.child_name("primary"),
            identifier=self._identifier,
            engine="postgres",
            engine_version=args.engine_version,
            engine_lifecycle_support="open-source-rds-extended-support-disabled",
            db_name=args.database_name,
            username=args.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=key_arn,
            db_subnet_group_name=subnets.name,
            allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=args.max_allocated_storage_gb,
            storage_type="gp3",
            backup_window=args.backup_window,
            skip_final_snapshot=not args.final_snapshot,
            final_snapshot_identifier=f"{self._identifier}-final" if args.final_snapshot else None,
            delete_automated_backups=not args.final_snapshot,
            **common,
            tags=self.tags("primary"),
            opts=self.child_opts(protect=args.protect, depends_on=primary_logs),
        )
        secret_arn = self.instance.master_user_secrets.apply(lambda s: s[0].secret_arn or "")
        aws.secretsmanager.SecretRotation(
            self.child_name("secret-rotation"),
            secret_id=secret_arn,
            rotation_rules={"automatically_after_days": args.password_rotation_days},
            opts=self.child_opts(protect=args.protect),
        )
        replicas = [self._replica(n + 1, key_arn, common) for n in range(args.read_replicas)]
        self.replicas = replicas
        self._connect_resources: list[pulumi.Output[str]] = [
            self.instance.resource_id,
            *(r.resource_id for r in replicas),
        ]
        proxy = self._proxy(group) if args.proxy else None
        self._backup_plan(key_arn)
        if args.backup_replication_region is not None:
            self._replicate_backups(args.backup_replication_region)

        self.endpoint = self.instance.endpoint
        self.address = self.instance.address
        self.port = self.instance.port
        self.reader_endpoints = pulumi.Output.all(*(r.endpoint for r in replicas)).apply(list)
        self.proxy_endpoint = proxy.endpoint if proxy else pulumi.Output.from_input(None)
        self.secret_arn = secret_arn
        self.security_group_id = group.id
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "readerEndpoints": self.reader_endpoints,
                "proxyEndpoint": self.proxy_endpoint,
                "port": self.port,
                "secretArn": self.secret_arn,
                "securityGroupId": self.security_group_id,
                "kmsKeyArn": self.kms_key_arn,
            }
        )

    # --- grants ---------------------------------------------------------------------

    def grant_connect(self, role: aws.iam.Role, db_user: str) -> aws.iam.RolePolicy:
        """Let `role` connect as `db_user` with an IAM token, to the instances and the
        proxy of this database, and nothing else. Refuses when IAM auth is off."""
        if not IDENTIFIER.match(db_user):
            raise ValueError(f"db_user {db_user!r} must be a lower-case identifier")
        if not self._args.iam_database_authentication:
            raise ValueError(
                f"{self._name} has IAM database authentication off: no IAM role can connect; "
                "turn iam_database_authentication on"
            )
        account = self._account
        arns = [
            pulumi.Output.concat(
                "arn:",
                account.partition,
                ":rds-db:",
                account.region,
                ":",
                account.id,
                ":dbuser:",
                r,
            )
            for r in self._connect_resources
        ]
        document = pulumi.Output.all(*arns).apply(lambda found: connect_policy(found, db_user))
        return aws.iam.RolePolicy(
            self.child_name(f"connect-{db_user.replace('_', '-')}"),
            role=role.id,
            policy=pulumi.Output.json_dumps(document),
            opts=self.child_opts(),
        )

    def _db_user_arn(self, resource_id: pulumi.Input[str], user: str = "") -> pulumi.Output[str]:
        """`arn:aws:rds-db:<region>:<account>:dbuser:<resource id>` (and `/<user>`)."""
        account = self._account
        return pulumi.Output.concat(
            *("arn:", account.partition, ":rds-db:", account.region, ":", account.id),
            *(":dbuser:", resource_id, f"/{user}" if user else ""),
        )

    # --- parts ----------------------------------------------------------------------

    def _key(self) -> aws.kms.Key:
        """One customer key for storage, the secret, Performance Insights and the logs.
        RDS and Secrets Manager use it through grants the account's principals make;
        CloudWatch Logs may use it for this database's log groups only."""
        logs = self._account.logs_may_use(
            "CloudWatchLogsUsesItForThisDatabasesLogGroupsOnly",
            f"/aws/rds/instance/{self._identifier}*",
            f"/aws/rds/proxy/{self._identifier}*",
        )
        return customer_key(
            self,
            self._account,
            "key",
            f"Encrypts the database {self._name}: storage, master secret, insights, logs",
            [logs],
            protect=self._args.protect,
        )

    def _security_group(self) -> aws.ec2.SecurityGroup:
        group = aws.ec2.SecurityGroup(
            self.child_name("sg"),
            description=f"PostgreSQL {self._name}: 5432 from the application's security groups only",
            vpc_id=self._args.vpc_id,
            tags=self.tags("sg"),
            opts=self.child_opts(),
        )
        for n, source in enumerate(self._args.allowed_security_group_ids):
            self.admit_group(
                f"sg-from-{n + 1}",
                group.id,
                source,
                PORT,
                "PostgreSQL from an application security group",
            )
        return group

    def _monitoring_role(self) -> aws.iam.Role:
        role = aws.iam.Role(
            self.child_name("monitoring"),
            description=f"Enhanced monitoring of {self._name}",
            assume_role_policy=self._account.trusted_by("monitoring.rds.amazonaws.com"),
            tags=self.tags("monitoring"),
            opts=self.child_opts(),
        )
        aws.iam.RolePolicyAttachment(
            self.child_name("monitoring-policy"),
            role=role.name,
            policy_arn=pulumi.Output.concat(
                "arn:", self._account.partition, ":iam::aws:", ENHANCED_MONITORING_POLICY
            ),
            opts=self.child_opts(),
        )
        return role

    def _log_groups(
        self, identifier: str, key_arn: pulumi.Input[str]
    ) -> list[aws.cloudwatch.LogGroup]:
        """The groups RDS exports to, made first so that retention and the key apply."""
        which = identifier.removeprefix(self._name).strip("-") or "primary"
        return [
            aws.cloudwatch.LogGroup(
                self.child_name(f"logs-{which}-{kind}"),
                name=f"/aws/rds/instance/{identifier}/{kind}",
                retention_in_days=self._args.log_retention_days,
                kms_key_id=key_arn,
                tags=self.tags(f"logs-{which}-{kind}"),
                opts=self.child_opts(),
            )
            for kind in LOG_EXPORTS
        ]

    def _instance_settings(
        self,
        key_arn: pulumi.Output[str],
        group: aws.ec2.SecurityGroup,
        params: aws.rds.ParameterGroup,
        monitoring: aws.iam.Role,
    ) -> dict[str, Any]:
        """What the primary and its replicas share."""
        args = self._args
        return {
            "instance_class": args.instance_class,
            "storage_encrypted": True,
            "kms_key_id": key_arn,
            "parameter_group_name": params.name,
            "vpc_security_group_ids": [group.id],
            "publicly_accessible": False,
            "multi_az": args.multi_az,
            "iam_database_authentication_enabled": args.iam_database_authentication,
            "backup_retention_period": args.backup_retention_days,
            "maintenance_window": args.maintenance_window,
            "copy_tags_to_snapshot": True,
            "deletion_protection": args.deletion_protection,
            "auto_minor_version_upgrade": True,
            "ca_cert_identifier": args.ca_certificate,
            "enabled_cloudwatch_logs_exports": list(LOG_EXPORTS),
            "database_insights_mode": args.database_insights,
            "performance_insights_enabled": True,
            "performance_insights_kms_key_id": key_arn,
            "performance_insights_retention_period": INSIGHTS_RETENTION[args.database_insights],
            "monitoring_interval": args.monitoring_interval,
            "monitoring_role_arn": monitoring.arn,
            "port": PORT,
        }

    def _replica(
        self, n: int, key_arn: pulumi.Output[str], common: dict[str, Any]
    ) -> aws.rds.Instance:
        """A read replica for analytics: same class, key, subnets and settings. AWS takes
        no final snapshot of a replica (DeleteDBInstance refuses one)."""
        identifier = f"{self._identifier}-replica-{n}"
        logs = self._log_groups(identifier, key_arn)
        return aws.rds.Instance(
            self.child_name(f"replica-{n}"),
            identifier=identifier,
            replicate_source_db=self.instance.identifier,
            engine="postgres",
            skip_final_snapshot=True,
            **common,
            tags=self.tags(f"replica-{n}", Role="read-replica"),
            opts=self.child_opts(protect=self._args.protect, depends_on=logs),
        )

    def _proxy(self, group: aws.ec2.SecurityGroup) -> aws.rds.Proxy:
        """RDS Proxy for the many short connections of Dask/Celery workers: IAM auth from
        the client to the database (no secret in the proxy), TLS required."""
        name = self.child_name("proxy")
        proxy_sg = aws.ec2.SecurityGroup(
            self.child_name("proxy-sg"),
            description=f"RDS Proxy of {self._name}: 5432 from the application's security groups only",
            vpc_id=self._args.vpc_id,
            tags=self.tags("proxy-sg"),
            opts=self.child_opts(),
        )
        for n, source in enumerate(self._args.allowed_security_group_ids):
            self.admit_group(
                f"proxy-sg-from-{n + 1}",
                proxy_sg.id,
                source,
                PORT,
                "PostgreSQL to the proxy from an application security group",
            )
        self.admit_group(
            "sg-from-proxy", group.id, proxy_sg.id, PORT, "PostgreSQL from the database's RDS Proxy"
        )
        aws.vpc.SecurityGroupEgressRule(
            self.child_name("proxy-sg-to-db"),
            security_group_id=proxy_sg.id,
            description="PostgreSQL from the proxy to its database",
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            referenced_security_group_id=group.id,
            tags=self.tags("proxy-sg-to-db"),
            opts=self.child_opts(),
        )
        role = aws.iam.Role(
            self.child_name("proxy-role"),
            description=f"RDS Proxy of {self._name}: connects with IAM database auth",
            assume_role_policy=self._account.trusted_by("rds.amazonaws.com"),
            tags=self.tags("proxy-role"),
            opts=self.child_opts(),
        )
        aws.iam.RolePolicy(
            self.child_name("proxy-connect"),
            role=role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ConnectToTheDatabaseAsTheClientsUser",
                            "Effect": "Allow",
                            "Action": "rds-db:connect",
                            "Resource": self._db_user_arn(self.instance.resource_id, "*"),
                        }
                    ],
                }
            ),
            opts=self.child_opts(),
        )
        proxy = aws.rds.Proxy(
            name,
            name=name,
            engine_family="POSTGRESQL",
            default_auth_scheme="IAM_AUTH",
            require_tls=True,
            debug_logging=False,
            idle_client_timeout=1800,
            role_arn=role.arn,
            vpc_subnet_ids=self._args.subnet_ids,
            vpc_security_group_ids=[proxy_sg.id],
            tags=self.tags("proxy"),
            opts=self.child_opts(
                depends_on=[
                    aws.cloudwatch.LogGroup(
                        self.child_name("logs-proxy"),
                        name=f"/aws/rds/proxy/{name}",
                        retention_in_days=self._args.log_retention_days,
                        kms_key_id=self.kms_key_arn,
                        tags=self.tags("logs-proxy"),
                        opts=self.child_opts(),
                    )
                ]
            ),
        )
        targets = aws.rds.ProxyDefaultTargetGroup(
            self.child_name("proxy-targets"),
            db_proxy_name=proxy.name,
            connection_pool_config={
                "max_connections_percent": 90,
                "max_idle_connections_percent": 50,
                "connection_borrow_timeout": 120,
            },
            opts=self.child_opts(),
        )
        aws.rds.ProxyTarget(
            self.child_name("proxy-target"),
            db_proxy_name=proxy.name,
            target_group_name=targets.name,
            db_instance_identifier=self.instance.identifier,
            opts=self.child_opts(),
        )
        self._connect_resources.append(proxy.arn.apply(lambda arn: arn.rsplit(":", 1)[-1]))
        return proxy

    def _backup_plan(self, key_arn: pulumi.Output[str]) -> None:
        """Daily AWS Backup snapshots of the primary, kept as long as its automated
        backups, in a vault on the database's key: copies that outlive the instance."""
        vault = aws.backup.Vault(
            self.child_name("vault"),
            name=self.child_name("vault"),
            kms_key_arn=key_arn,
            tags=self.tags("vault"),
            opts=self.child_opts(protect=self._args.protect),
        )
        plan = aws.backup.Plan(
            self.child_name("backup-plan"),
            name=self.child_name("backup-plan"),
            rules=[
                {
                    "rule_name": "daily",
                    "target_vault_name": vault.name,
                    "schedule": "cron(0 4 * * ? *)",
                    "start_window": 60,
                    "completion_window": 240,
                    "lifecycle": {"delete_after": self._args.backup_retention_days},
                    "recovery_point_tags": self.tags("backup"),
                }
            ],
            tags=self.tags("backup-plan"),
            opts=self.child_opts(),
        )
        role = aws.iam.Role(
            self.child_name("backup-role"),
            description=f"AWS Backup of {self._name}",
            assume_role_policy=self._account.trusted_by("backup.amazonaws.com"),
            tags=self.tags("backup-role"),
            opts=self.child_opts(),
        )
        attachment = aws.iam.RolePolicyAttachment(
            self.child_name("backup-role-policy"),
            role=role.name,
            policy_arn=pulumi.Output.concat(
                "arn:", self._account.partition, ":iam::aws:", BACKUP_POLICY
            ),
            opts=self.child_opts(),
        )
        aws.backup.Selection(
            self.child_name("backup-selection"),
            name=self.child_name("backup-selection"),
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=[self.instance.arn],
            opts=self.child_opts(depends_on=[attachment]),
        )

    def _replicate_backups(self, region: str) -> None:
        """Automated backups copied to the DR region, under a key of that region. The
        replication is an RDS resource of the destination region: a provider of its own."""
        provider = aws.Provider(self.child_name("dr"), region=region, opts=self.child_opts())
        use = self.child_opts(provider=provider, protect=self._args.protect)
        key = aws.kms.Key(
            self.child_name("dr-key"),
            description=f"Encrypts the replicated automated backups of {self._name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministersTheKey",
                            "Effect": "Allow",
                            "Principal": {"AWS": self._account.root()},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                }
            ),
            tags=self.tags("dr-key"),
            opts=use,
        )
        aws.rds.InstanceAutomatedBackupsReplication(
            self.child_name("backup-replication"),
            source_db_instance_arn=self.instance.arn,
            kms_key_id=key.arn,
            retention_period=self._args.backup_replication_retention_days,
            opts=self.child_opts(provider=provider),
        )
