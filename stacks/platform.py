"""Composition: the components of one stack, wired together from its settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from components import alarms, cidr, deploy_apis
from components.buckets import Lifecycle
from components.cache import Cache, CacheArgs
from components.chaos import ChaosDrills, ChaosDrillsArgs, PodFault
from components.cluster_services import SECRET_STORE, ClusterServices, ClusterServicesArgs
from components.data_lake import BUCKETS, BucketAccess, DataLake, DataLakeArgs
from components.database_jobs import DatabaseJobs, DatabaseJobsArgs, Migration
from components.deploy_runner import DeployRunner, DeployRunnerArgs
from components.dns_firewall import DnsFirewall, DnsFirewallArgs
from components.edge import EdgeDelivery, EdgeDeliveryArgs
from components.eks import EksCluster, EksClusterArgs
from components.fargate import FargateFallback, FargateFallbackArgs
from components.feature_flags import FeatureFlags, FeatureFlagsArgs
from components.grafana import VPC_ENDPOINTS, GrafanaArgs
from components.identity import Identity, IdentityArgs
from components.image_cache import ImageCache, ImageCacheArgs
from components.log_search import LogSearch, LogSearchArgs
from components.messaging import PipelineMessaging, PipelineMessagingArgs, QueueSpec
from components.networking import Networking, NetworkingArgs
from components.observability import ObservabilityArgs, ObservabilityStack
from components.postgis import PostgisDatabase, PostgisDatabaseArgs
from components.registries import ServiceRegistries, ServiceRegistriesArgs
from components.synthetics import CanarySpec, Synthetics, SyntheticsArgs
from components.values import CACHE_UPSTREAMS
from components.workloads import Quota, WorkloadNamespaces, WorkloadNamespacesArgs
from infra.settings import BucketLifecycleSettings, DataLakeSettings, Settings
from stacks import grants


def build(settings: Settings) -> dict[str, pulumi.Output[Any]]:
    """Create the stack's components; return the stack outputs."""
    # Checked before any resource exists, like every component's own arguments.
    found = grants.problems(
        grants.WORKLOADS, namespaces=settings.workloads.namespaces.model_dump(), buckets=BUCKETS
    )
    if found:
        raise ValueError("workload grants:\n  - " + "\n  - ".join(found))
    net = settings.network
    network = Networking(
        settings.name("network"),
        NetworkingArgs(
            interface_endpoints=_interface_endpoints(settings),
            vpc_cidr=net.vpc_cidr,
            az_count=net.az_count,
            availability_zone_ids=net.availability_zone_ids,
            nat_gateways=net.nat_gateways,
            flow_log_retention_days=net.flow_log_retention_days,
            transit_gateway_id=net.transit_gateway_id,
            transit_gateway_routes=net.transit_gateway_routes,
            endpoint_organization_id=net.endpoint_organization_id,
            network_firewall=net.firewall.enabled,
            egress_allowed_domains=net.firewall.allowed_domains,
            # the deploy runner's own subnets, and what it alone may reach (ADR 0020)
            runner_subnets=settings.deploy_runner.enabled,
            runner_allowed_domains=_runner_domains(settings)
            if settings.deploy_runner.enabled and net.firewall.enabled
            else (),
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    outputs: dict[str, pulumi.Output[Any]] = {
        "vpcId": network.vpc_id,
        "publicSubnetIds": network.public_subnet_ids,
        "privateSubnetIds": network.private_subnet_ids,
        "dataSubnetIds": network.data_subnet_ids,
        "routeTableIds": network.route_table_ids,
        "endpointSecurityGroupId": network.endpoint_security_group_id,
    }
    dns = settings.dns_firewall
    if dns.enabled:
        firewall = DnsFirewall(
            settings.name("dns-firewall"),
            DnsFirewallArgs(
                vpc_id=network.vpc_id,
                domain_list_ids=dns.domain_list_ids.by_key(),
                block_response=dns.block_response,
                fail_open=dns.fail_open,
                query_log_retention_days=dns.query_log_retention_days,
                protect=settings.protect_stateful_resources,
                tags=settings.tags,
            ),
        )
        outputs["dnsFirewallRuleGroupId"] = firewall.rule_group_id
        outputs["dnsQueryLogGroupName"] = firewall.query_log_group_name
    cache = settings.image_cache
    images: ImageCache | None = None
    if cache.enabled:
        images = ImageCache(
            settings.name("images"),
            ImageCacheArgs(
                namespace=settings.name(),
                upstreams=cache.upstreams,
                credentials_stored=cache.credentials_stored,
                protect=settings.protect_stateful_resources,
                tags=settings.tags,
            ),
        )
        outputs["imageRegistry"] = images.registry
        outputs["imagePrefixes"] = images.image_prefixes
        outputs["imageCredentialSecrets"] = pulumi.Output.from_input(images.credential_secrets)
        outputs["imagePullPolicyArn"] = images.pull_policy_arn
    runner = _deploy_runner(settings, network) if settings.deploy_runner.enabled else None
    api_clients = {"deploy-runner": runner.security_group_id} if runner is not None else {}
    cluster, eks_outputs = _eks(settings, network, images, api_clients)
    outputs.update(eks_outputs)
    log_search = None
    if cluster is not None and settings.log_search.enabled:
        log_search = _log_search(settings, network, cluster, images)
        outputs["logSearchEndpoint"] = log_search.endpoint
        outputs["logSearchDashboardsEndpoint"] = log_search.dashboards_endpoint
    observability = _observability(settings, network, log_search)
    if observability is not None:
        outputs["prometheusRemoteWriteUrl"] = observability.remote_write_url
        outputs["prometheusWorkspaceArn"] = observability.workspace_arn
        outputs["observabilityRegion"] = observability.region
        outputs["alertTopicArns"] = observability.topic_arns
        if observability.grafana is not None:
            outputs["grafanaUrl"] = observability.grafana.endpoint
            outputs["grafanaWorkspaceId"] = observability.grafana.workspace_id
    services = None
    if cluster is not None:
        services, services_outputs = _cluster_services(
            settings, network, cluster, observability, images, log_search
        )
        outputs.update(services_outputs)
    if runner is not None:
        outputs["deployRunnerProject"] = runner.project_name
        outputs["deployRunnerLabel"] = pulumi.Output.from_input(runner.label)
    # the data tier admits the EKS nodes; with no cluster, no client
    clients = (cluster.node_security_group_id,) if cluster is not None else ()
    edge_access = _EdgeAccess() if settings.edge.enabled else None
    stores = _data_stores(settings, edge_access.for_lake() if edge_access else {})
    outputs.update(stores.outputs)
    redis = _cache(settings, network, clients) if settings.cache.enabled else None
    if redis is not None:
        outputs["cacheEndpoint"] = redis.endpoint
        outputs["cacheUserName"] = pulumi.Output.from_input(redis.user_name)
    identity, flags = _identity(settings, network, outputs)
    if edge_access is not None:
        api = identity.api_domain if identity is not None else None
        outputs.update(_edge(settings, stores.lake, edge_access, api))
    # the chaos drills stop on the API's errors too (`_drills`)
    api_alarms: list[pulumi.Input[str]] = [identity.api_errors_alarm_arn] if identity else []
    database = _database(settings, network, clients) if settings.database.enabled else None
    if database is not None:
        outputs.update(_database_outputs(database))
    if cluster is not None:
        roles = _workload_roles(settings, cluster, stores, redis, database, flags)
        outputs["workloadRoleArns"] = pulumi.Output.from_input(
            {name: role.arn for name, role in roles.items()}
        )
        if database is not None and services is not None:
            _database_jobs(settings, cluster, services, database, images)
    if observability is not None:
        observability.add_alarms(_service_alarms(stores.messaging, redis, database))
        drills = _drills(settings, network, observability, outputs, cluster, database, api_alarms)
        outputs.update(drills)
    if settings.fargate.enabled:
        fallback = FargateFallback(
            settings.name("fargate"),
            FargateFallbackArgs(
                exec_log_retention_days=settings.network.flow_log_retention_days,
                spot_weight=settings.fargate.spot_weight,
                protect=settings.protect_stateful_resources,
                tags=settings.tags,
            ),
        )
        outputs["fargateClusterArn"] = fallback.cluster_arn
    return outputs


def _interface_endpoints(settings: Settings) -> tuple[str, ...]:
    """`gam:network.interfaceEndpoints`, plus the APIs a Grafana in the VPC queries."""
    listed = settings.network.interface_endpoints
    grafana_ = settings.observability.grafana
    if not (settings.observability.enabled and grafana_.enabled and grafana_.in_vpc):
        return listed
    return listed + tuple(e for e in VPC_ENDPOINTS if e not in listed)


def _runner_domains(settings: Settings) -> tuple[str, ...]:
    """What the deploy runner alone may reach through the firewall (ADR 0020):
    `gam:deployRunner.egressAllowedDomains` (GitHub, Pulumi's downloads), then the AWS
    APIs `pulumi up` calls that have no endpoint in the VPC (`components.deploy_apis`)."""
    listed = settings.deploy_runner.egress_allowed_domains
    lake, db = settings.data_lake, settings.database
    dr = {
        lake.replica_region if lake.replicate else None,
        db.backup_replication_region if db.enabled else None,
    }
    obs = settings.observability
    apis = deploy_apis.hosts(
        settings.region,
        _interface_endpoints(settings),
        edge=settings.edge.enabled,
        dr_regions=sorted(r for r in dr if r is not None),
        grafana=obs.enabled and obs.grafana.enabled and obs.grafana.manage_contents,
    )
    return listed + tuple(h for h in apis if h not in listed)


def _observability(
    settings: Settings, network: Networking, log_search: LogSearch | None
) -> ObservabilityStack | None:
    """Managed Prometheus, the SLO rules, the alert topics, alarms, X-Ray and Grafana
    (ADR 0012, 0017): before the cluster services, whose collector writes to it. Grafana
    searches the stack's log store (`log_search`): admitted to it here, mapped to
    `readall` with the store's documents (`_cluster_services`; ADR 0021)."""
    obs = settings.observability
    if not obs.enabled:
        return None
    observability = ObservabilityStack(
        settings.name("obs"),
        ObservabilityArgs(
            slos=obs.catalog(),
            log_retention_days=obs.log_retention_days,
            trace_sampling_rate=obs.trace_sampling_rate,
            pager_endpoint=obs.alerting.pager_duty_webhook_url,
            slack_endpoint=obs.alerting.slack_webhook_url,
            nat_gateway_ids=network.nat_gateway_ids,
            firewall_name=network.firewall_name,
            firewall_zones=network.firewall_zones,
            grafana=_grafana(settings, network, log_search),
            pager_duty=obs.pager_duty.spec(),
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    grafana_ = observability.grafana
    if log_search is not None:
        observability.add_alarms(log_search.alarm_specs())
        if grafana_ is not None and grafana_.security_group_id is not None:
            log_search.admit("grafana", grafana_.security_group_id)
    return observability


def _grafana(
    settings: Settings, network: Networking, log_search: LogSearch | None
) -> GrafanaArgs | None:
    """Managed Grafana (ADR 0017) when the profile or stack turns it on; in the private
    subnets when `inVpc`, searching the stack's log store when there is one (settings
    require `inVpc` then: the store answers in the VPC only)."""
    options = settings.observability.grafana
    if not options.enabled:
        return None
    if not options.in_vpc:
        return options.spec()
    spec = replace(
        options.spec(),
        subnet_ids=network.private_subnet_ids,
        vpc_id=network.vpc_id,
        vpc_cidr=settings.network.vpc_cidr,
    )
    if log_search is None:
        return spec
    return replace(
        spec, opensearch_domain_arn=log_search.domain_arn, opensearch_endpoint=log_search.endpoint
    )


def _identity(
    settings: Settings, network: Networking, outputs: dict[str, pulumi.Output[Any]]
) -> tuple[Identity | None, FeatureFlags | None]:
    """The user pool, the HTTP API and the feature flags (ADR 0014); their outputs go
    into `outputs`. Returns them, for the edge's API origin and the workload roles."""
    ident = settings.identity
    if not ident.enabled:
        return None, None
    net = settings.network
    identity = Identity(
        settings.name("identity"),
        IdentityArgs(
            domain_prefix=ident.domain_prefix or f"{settings.project}-{settings.stack}",
            callback_urls=ident.callback_urls,
            logout_urls=ident.logout_urls,
            mfa=ident.mfa,
            threat_protection=ident.threat_protection,
            deletion_protection=settings.protect_stateful_resources,
            access_token_minutes=ident.access_token_minutes,
            id_token_minutes=ident.id_token_minutes,
            refresh_token_days=ident.refresh_token_days,
            listener_arn=ident.api_listener_arn,
            subnet_ids=network.private_subnet_ids,
            vpc_id=network.vpc_id,
            vpc_cidr=net.vpc_cidr,
            log_retention_days=ident.access_log_retention_days,
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    outputs["userPoolId"] = identity.user_pool_id
    outputs["spaClientId"] = identity.client_id
    outputs["tokenIssuer"] = identity.issuer
    outputs["signInDomain"] = identity.hosted_domain
    outputs["apiEndpoint"] = identity.api_endpoint
    flags = settings.feature_flags
    if not flags.enabled:
        return identity, None
    feature_flags = FeatureFlags(
        settings.name("flags"),
        FeatureFlagsArgs(
            environment=settings.stack,
            rollback_alarm_arns=[identity.api_errors_alarm_arn],
            deployment_minutes=flags.deployment_minutes,
            bake_minutes=flags.bake_minutes,
            growth_percent=flags.growth_percent,
            tags=settings.tags,
        ),
    )
    outputs["featureFlags"] = pulumi.Output.from_input(
        {
            "applicationId": feature_flags.application_id,
            "environmentId": feature_flags.environment_id,
            "profileId": feature_flags.profile_id,
            "deploymentStrategyId": feature_flags.deployment_strategy_id,
        }
    )
    return identity, feature_flags


def _eks(
    settings: Settings,
    network: Networking,
    images: ImageCache | None = None,
    api_clients: dict[str, pulumi.Output[str]] | None = None,
) -> tuple[EksCluster | None, dict[str, pulumi.Output[Any]]]:
    """The cluster (ADR 0009): node groups from the profile, access from settings; its
    workload namespaces."""
    eks = settings.eks
    if not eks.enabled:
        return None, {}
    groups = eks.node_groups
    workloads = settings.workloads
    names = workloads.namespaces.model_dump()
    cluster = EksCluster(
        settings.name("eks"),
        EksClusterArgs(
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            kubernetes_version=eks.kubernetes_version,
            addon_versions=eks.addon_versions,
            node_groups={
                name: getattr(groups, name).spec(gpu=name == "gpu")
                for name in ("system", "api", "worker", "gpu")
                if getattr(groups, name).enabled
            },
            public_access_cidrs=eks.public_access_cidrs,
            log_retention_days=eks.log_retention_days,
            admin_role_arns=eks.access.admins,
            viewer_role_arns=eks.access.viewers,
            deployer_role_arns=eks.access.deployers,
            deploy_namespaces=tuple(names.values()),
            node_policy_arns=(images.pull_policy_arn,) if images else (),
            api_client_security_group_ids=api_clients or {},
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    plan = cidr.plan(settings.network.vpc_cidr, settings.network.az_count)
    namespaces = WorkloadNamespaces(
        settings.name("workloads"),
        WorkloadNamespacesArgs(
            provider=cluster.provider,
            names=names,
            quota=Quota(
                cpu=workloads.quota_cpu, memory=workloads.quota_memory, pods=workloads.quota_pods
            ),
            load_balancer_cidrs=plan.public,
            data_cidrs=plan.data,
            endpoint_cidrs=plan.private,
            tags=settings.tags,
        ),
        pulumi.ResourceOptions(depends_on=[cluster]),
    )
    return cluster, {
        "workloadNamespaces": pulumi.Output.from_input(namespaces.names),
        "eksClusterName": cluster.cluster_name,
        "eksEndpoint": cluster.endpoint,
        "eksClusterSecurityGroupId": cluster.cluster_security_group_id,
        "eksNodeSecurityGroupId": cluster.node_security_group_id,
    }


def _cluster_services(
    settings: Settings,
    network: Networking,
    cluster: EksCluster,
    observability: ObservabilityStack | None,
    images: ImageCache | None,
    log_search: LogSearch | None,
) -> tuple[ClusterServices | None, dict[str, pulumi.Output[Any]]]:
    """The cluster's controllers and agents (ADR 0011). The collector writes to the
    observability stack's workspace (or `gam:clusterServices.prometheusWorkspaceId`);
    Fluent Bit ships to the log store, whose documents are applied once it can, with
    Fluent Bit as writer and Grafana as reader (ADR 0018)."""
    services = settings.cluster_services
    if not services.enabled:
        return None, {}
    workspace: pulumi.Input[str] | None = services.prometheus_workspace_id
    if workspace is None and observability is not None:
        workspace = observability.workspace_id
    cluster_services = ClusterServices(
        settings.name("cluster-services"),
        ClusterServicesArgs(
            cluster=cluster,
            vpc_id=network.vpc_id,
            secrets_prefix=settings.name(),
            prometheus_workspace_id=workspace,
            scrape_namespaces=tuple(settings.workloads.namespaces.model_dump().values()),
            log_shipping=log_search.shipping() if log_search else None,
            image_prefixes=images.image_prefixes if images else None,
            egress_filtered=settings.network.firewall.enabled,
            log_retention_days=services.container_log_retention_days,
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    if log_search is not None:
        grafana_ = observability.grafana if observability is not None else None
        log_search.apply_documents(
            [cluster_services.fluent_bit_role_arn],
            after=[cluster_services],
            reader_role_arns=[grafana_.role_arn] if grafana_ is not None else [],
        )
    return cluster_services, {"containerLogGroupName": cluster_services.log_group_name}


def _log_search(
    settings: Settings,
    network: Networking,
    cluster: EksCluster,
    images: ImageCache | None,
) -> LogSearch:
    """The OpenSearch domain for logs in the data subnets, admitting the nodes (ADR 0018).
    Its setup image comes through the ECR cache when there is one."""
    logs = settings.log_search
    image = pulumi.Output.concat(_pull_from(images, "ecr-public"), "/", logs.setup_image)
    return LogSearch(
        settings.name("logs"),
        LogSearchArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.data_subnet_ids,
            client_security_group_ids=[cluster.node_security_group_id],
            cluster=cluster,
            setup_image=image,
            engine_version=logs.engine_version,
            instance_type=logs.instance_type,
            instance_count=logs.instance_count,
            zone_count=logs.zone_count,
            dedicated_master_type=logs.dedicated_master_type,
            volume_size_gb=logs.volume_size_gb,
            warm_after_days=logs.warm_after_days,
            retention_days=logs.retention_days,
            log_retention_days=logs.log_retention_days,
            admin_role_arns=tuple(logs.admin_role_arns),
            reader_role_arns=tuple(logs.reader_role_arns),
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )


def _deploy_runner(settings: Settings, network: Networking) -> DeployRunner:
    """The CodeBuild runner of the Pulumi jobs in its own subnets; the cluster admits it
    on its API port before anything uses the API (ADR 0020)."""
    runner = settings.deploy_runner
    assert network.runner_subnet_ids is not None  # the network has them when it is on
    return DeployRunner(
        settings.name("runner"),
        DeployRunnerArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.runner_subnet_ids,
            repository_url=runner.repository_url or "",
            connection_arn=runner.connection_arn,
            compute_type=runner.compute_type,
            log_retention_days=runner.log_retention_days,
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )


def _pull_from(images: ImageCache | None, upstream: str) -> pulumi.Input[str]:
    """Where images of `upstream` come from: the cache's prefix, or the registry itself."""
    return images.pull_from(upstream) if images is not None else CACHE_UPSTREAMS[upstream]


def _database(
    settings: Settings,
    network: Networking,
    allowed_security_group_ids: Sequence[pulumi.Input[str]],
) -> PostgisDatabase:
    """PostgreSQL with PostGIS in the data subnets (ADR 0015)."""
    db = settings.database
    return PostgisDatabase(
        settings.name("database"),
        PostgisDatabaseArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.data_subnet_ids,
            allowed_security_group_ids=tuple(allowed_security_group_ids),
            engine_version=db.engine_version,
            instance_class=db.instance_class,
            allocated_storage_gb=db.allocated_storage_gb,
            max_allocated_storage_gb=db.max_allocated_storage_gb,
            database_name=db.database_name,
            master_username=db.master_username,
            multi_az=db.multi_az,
            read_replicas=db.read_replicas,
            proxy=db.proxy,
            backup_retention_days=db.backup_retention_days,
            backup_window=db.backup_window,
            maintenance_window=db.maintenance_window,
            backup_replication_region=db.backup_replication_region,
            backup_replication_retention_days=db.backup_replication_retention_days,
            database_insights=db.database_insights,
            monitoring_interval=db.monitoring_interval_seconds,
            log_retention_days=db.log_retention_days,
            slow_query_ms=db.slow_query_ms,
            password_rotation_days=db.password_rotation_days,
            ca_certificate=db.ca_certificate,
            deletion_protection=db.deletion_protection,
            final_snapshot=db.final_snapshot,
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )


def _database_outputs(database: PostgisDatabase) -> dict[str, pulumi.Output[Any]]:
    return {
        "databaseEndpoint": database.endpoint,
        "databaseReaderEndpoints": database.reader_endpoints,
        "databaseProxyEndpoint": database.proxy_endpoint,
        "databasePort": database.port,
        "databaseSecretArn": database.secret_arn,
        "databaseSecurityGroupId": database.security_group_id,
        "databaseKmsKeyArn": database.kms_key_arn,
    }


# --- synthetics and chaos drills (issue 12, ADR 0019) --------------------------------------


def _drills(
    settings: Settings,
    network: Networking,
    observability: ObservabilityStack,
    outputs: dict[str, pulumi.Output[Any]],
    cluster: EksCluster | None,
    database: PostgisDatabase | None,
    api_alarms: Sequence[pulumi.Input[str]],
) -> dict[str, pulumi.Output[Any]]:
    """Canaries for the URLs that are set, alarmed through the observability stack; the
    FIS drills, stopping on those alarms and the API's (`api_alarms`), on what the
    stack has (ADR 0019)."""
    syn, chaos = settings.observability.synthetics, settings.observability.chaos
    canaries = []
    if syn.enabled and syn.spa_url:
        canaries.append(
            CanarySpec(
                name="spa",
                script="spa",
                handler="spa_check.handler",
                url=syn.spa_url,
                severity=syn.severity,
            )
        )
    if syn.enabled and syn.api_url:
        canaries.append(
            CanarySpec(
                name="api",
                script="api",
                handler="api_check.handler",
                url=syn.api_url,
                environment={"API_URL": syn.api_url, "API_PATHS": ",".join(syn.api_paths)},
                severity=syn.severity,
                in_vpc=syn.api_in_vpc,
            )
        )
    result: dict[str, pulumi.Output[Any]] = {}
    stop_alarms: list[pulumi.Input[str]] = []
    if canaries:
        synthetics = Synthetics(
            settings.name("synthetics"),
            SyntheticsArgs(
                canaries=canaries,
                add_alarms=observability.add_alarms,
                log_bucket=outputs["bucketNames"].apply(lambda names: names["access-logs"]),
                # under the lake's name: its access-log bucket admits `<lake>-*` sources
                artifacts_bucket=settings.name("data", "canaries"),
                every_minutes=syn.every_minutes,
                retention_days=syn.retention_days,
                vpc_id=network.vpc_id,
                subnet_ids=network.private_subnet_ids,
                protect=settings.protect_stateful_resources,
                tags=settings.tags,
            ),
        )
        result["canaryNames"] = pulumi.Output.from_input(synthetics.canary_names)
        stop_alarms += list(synthetics.alarm_arns.values())
    if not chaos.enabled:
        return result
    stop_alarms += api_alarms
    worker = cluster is not None and "worker" in cluster.node_group_arns
    pod_fault = None
    if cluster is not None:
        pod_fault = PodFault(
            cluster_name=cluster.cluster_name,
            cluster_arn=cluster.cluster_arn,
            provider=cluster.provider,
            namespace=getattr(settings.workloads.namespaces, chaos.pod_namespace),
            selector=chaos.pod_selector,
            percent=chaos.pod_percent,
        )
    drills = ChaosDrills(
        settings.name("chaos"),
        ChaosDrillsArgs(
            stop_alarm_arns=stop_alarms,
            node_group_arn=cluster.node_group_arns["worker"] if cluster and worker else None,
            node_group_name=cluster.node_group_names["worker"] if cluster and worker else None,
            node_termination_percent=chaos.node_termination_percent,
            pod_fault=pod_fault,
            database_instance_arn=database.instance.arn if database and chaos.database else None,
            database_failover=settings.database.multi_az,
            log_retention_days=chaos.log_retention_days,
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    return result | {"chaosTemplateIds": pulumi.Output.from_input(drills.template_ids)}


# --- data stores, messaging, registries (issue 11) ----------------------------------------


def _lifecycle(bucket: BucketLifecycleSettings, lake: DataLakeSettings) -> Lifecycle:
    return Lifecycle(
        infrequent_access_after_days=bucket.infrequent_access_after_days,
        glacier_after_days=bucket.glacier_after_days,
        intelligent_tiering=bucket.intelligent_tiering,
        expire_after_days=bucket.expire_after_days,
        noncurrent_versions_expire_after_days=lake.noncurrent_versions_expire_after_days,
        abort_incomplete_uploads_after_days=lake.abort_incomplete_uploads_after_days,
    )


@dataclass(frozen=True)
class Stores:
    lake: DataLake
    messaging: PipelineMessaging
    outputs: dict[str, pulumi.Output[Any]]


def _data_stores(settings: Settings, access: dict[str, BucketAccess]) -> Stores:
    """The data lake (`access`: what the edge adds to its buckets), the pipeline's queues
    and topic, the service repositories. The workload roles get their grants in
    `_workload_roles`."""
    lake = settings.data_lake
    data_lake = DataLake(
        settings.name("data"),
        DataLakeArgs(
            raw=_lifecycle(lake.raw, lake),
            processed=_lifecycle(lake.processed, lake),
            cdn_assets=_lifecycle(lake.cdn_assets, lake),
            access_logs=_lifecycle(lake.access_logs, lake),
            replica_region=lake.replica_region if lake.replicate else None,
            backup_retention_days=lake.backup_retention_days,
            access=access,
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    messaging = PipelineMessaging(
        settings.name("messaging"),
        PipelineMessagingArgs(
            queues=[
                QueueSpec(
                    name=name,
                    visibility_timeout_seconds=queue.visibility_timeout_seconds,
                    retention_seconds=queue.retention_seconds,
                    max_receive_count=queue.max_receive_count,
                )
                for name, queue in settings.messaging.queues.items()
            ],
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    registries = settings.registries
    images = ServiceRegistries(
        settings.name("registries"),
        ServiceRegistriesArgs(
            namespace=settings.name(),
            services=registries.services,
            keep_release_images=registries.keep_release_images,
            keep_other_images=registries.keep_other_images,
            restrict_push=settings.tier == "prod",
            release_role_arn=registries.release_role_arn,
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    outputs = {
        "bucketNames": pulumi.Output.from_input(
            {role: bucket.bucket_name for role, bucket in data_lake.buckets.items()}
        ),
        "pipelineTopicArn": messaging.topic_arn,
        "queueUrls": pulumi.Output.from_input({k: q.url for k, q in messaging.queues.items()}),
        "repositoryUrls": images.repository_urls,
    }
    return Stores(lake=data_lake, messaging=messaging, outputs=outputs)


def _cache(settings: Settings, network: Networking, clients: Sequence[pulumi.Input[str]]) -> Cache:
    """The cache in the data subnets, admitting the `clients` security groups (the EKS
    nodes'). Workload roles are let in with `Cache.grant_connect` in `_workload_roles`."""
    cache = settings.cache
    redis = Cache(
        settings.name("cache"),
        CacheArgs(
            vpc_id=network.vpc_id,
            subnet_ids=network.data_subnet_ids,
            engine=cache.engine,
            engine_version=cache.engine_version,
            node_type=cache.node_type,
            num_cache_clusters=cache.num_cache_clusters,
            snapshot_retention_days=cache.snapshot_retention_days,
            log_retention_days=cache.log_retention_days,
            protect=settings.protect_stateful_resources,
            tags=settings.tags,
        ),
    )
    for n, client in enumerate(clients):
        redis.admit(f"client-{n}", client)
    return redis


# --- wiring across components -------------------------------------------------------------


def _workload_roles(
    settings: Settings,
    cluster: EksCluster,
    stores: Stores,
    redis: Cache | None,
    database: PostgisDatabase | None,
    flags: FeatureFlags | None,
) -> dict[str, aws.iam.Role]:
    """One Pod Identity role per workload of `stacks.grants.WORKLOADS` (checked by
    `build`), holding exactly the grants that table gives it, for the stores this stack
    has."""
    namespaces = settings.workloads.namespaces.model_dump()
    buckets = stores.lake.buckets
    roles = {}
    for name, grant in grants.WORKLOADS.items():
        role = cluster.workload_role(namespaces[grant.namespace], grant.service_account)
        for bucket in grant.read_buckets:
            buckets[bucket].grant_read(role)
        for bucket in grant.write_buckets:
            buckets[bucket].grant_write(role)
        if grant.consume_queues:
            for queue in stores.messaging.queues:
                stores.messaging.grant_consume(role, queue)
        if grant.publish_events:
            stores.messaging.grant_publish(role)
        if grant.cache and redis is not None:
            redis.grant_connect(role)
        if grant.database_user and database is not None:
            database.grant_connect(role, grant.database_user)
        if grant.feature_flags and flags is not None:
            flags.grant_read(role)
        roles[name] = role
    return roles


# The PostgreSQL client of the extension Job: the engine's own version, Alpine (uid 70).
CLIENT_IMAGE = "docker/library/postgres:{version}-alpine"


def _database_jobs(
    settings: Settings,
    cluster: EksCluster,
    services: ClusterServices,
    database: PostgisDatabase,
    images: ImageCache | None,
) -> DatabaseJobs:
    """The extension Job and the migration gate (ADR 0015), in a namespace of their own,
    reading the master secret through the store, which may read that secret only."""
    db = settings.database
    registry = _pull_from(images, "ecr-public")
    grant = services.read_secret("database-master", database.secret_arn)
    return DatabaseJobs(
        settings.name("database-jobs"),
        DatabaseJobsArgs(
            provider=cluster.provider,
            database=database,
            secret_store=services.secret_store,
            secret_store_name=SECRET_STORE,
            data_cidrs=cidr.plan(settings.network.vpc_cidr, settings.network.az_count).data,
            environment=settings.tags["Environment"],
            client_image=CLIENT_IMAGE.format(version=db.engine_version),
            image_registry=registry,
            iam_users=grants.database_users(),
            after=[grant],
            migration=Migration(image=db.migration_image, command=db.migration_command)
            if db.migration_image
            else None,
        ),
    )


def _service_alarms(
    messaging: PipelineMessaging, redis: Cache | None, database: PostgisDatabase | None
) -> list[alarms.AlarmSpec]:
    """The managed services' CloudWatch alarms (`components.alarms`)."""
    specs = [
        spec
        for queue, q in messaging.queues.items()
        for spec in alarms.sqs(f"queue-{queue}", q.name, messaging.dead_letter_queues[queue].name)
    ]
    if redis is not None:
        specs += alarms.redis("cache", redis.group.replication_group_id)
    if database is not None:
        specs += alarms.rds("database", database.instance.identifier)
        for n, replica in enumerate(database.replicas, start=1):
            specs += alarms.rds(f"database-replica-{n}", replica.identifier, replica=True)
    return specs


# --- the edge (issue 13, ADR 0013) --------------------------------------------------------


Statements = list[dict[str, Any]]


def _promised() -> tuple[pulumi.Output[Statements], Callable[[pulumi.Output[Statements]], None]]:
    return pulumi.deferred_output()


class _EdgeAccess:
    """What the edge adds to the lake's buckets, promised before the lake exists and kept
    once the edge does (its statements name the distributions, which need the bucket):
    OAC reads and decrypts on `cdn-assets`, standard log deliveries on `access-logs`."""

    def __init__(self) -> None:
        self.reads, self._reads = _promised()
        self.decrypts, self._decrypts = _promised()
        self.writes, self._writes = _promised()
        self.encrypts, self._encrypts = _promised()

    def for_lake(self) -> dict[str, BucketAccess]:
        return {
            "cdn-assets": BucketAccess(policy_statements=self.reads, key_statements=self.decrypts),
            "access-logs": BucketAccess(
                policy_statements=self.writes, key_statements=self.encrypts
            ),
        }

    def keep(self, edge: EdgeDelivery) -> None:
        self._reads(edge.bucket_policy_statements)
        self._decrypts(edge.key_policy_statements)
        self._writes(edge.log_bucket_policy_statements)
        self._encrypts(edge.log_key_policy_statements)


def _edge(
    settings: Settings, lake: DataLake, access: _EdgeAccess, api: pulumi.Input[str] | None
) -> dict[str, pulumi.Output[Any]]:
    """CloudFront + WAF for the SPA on the lake's cdn-assets bucket, `/api/*` to the API."""
    assets, logs = lake.buckets["cdn-assets"], lake.access_logs
    edge = EdgeDelivery(
        settings.name("edge"),
        edge_args(
            settings,
            assets_bucket_arn=assets.arn,
            assets_bucket_regional_domain_name=assets.bucket.bucket_regional_domain_name,
            log_bucket_arn=logs.arn,
            log_bucket_policy=logs.policy,
            api_origin_domain=api,
        ),
    )
    access.keep(edge)
    return {
        "cdnDistributionId": edge.distribution_id,
        "cdnDomainName": edge.distribution_domain_name,
        "cdnWebAclArn": edge.web_acl_arn,
        "apiWebAclArn": edge.api_web_acl_arn,
    }


def edge_args(
    settings: Settings,
    *,
    assets_bucket_arn: pulumi.Input[str],
    assets_bucket_regional_domain_name: pulumi.Input[str],
    log_bucket_arn: pulumi.Input[str],
    api_origin_domain: pulumi.Input[str] | None,
    log_bucket_policy: pulumi.Resource | None = None,
) -> EdgeDeliveryArgs:
    """EdgeDelivery's arguments from `gam:edge` and the buckets it serves and logs to;
    the API origin is `gam:edge.apiOriginDomain` when set, else `api_origin_domain`."""
    edge = settings.edge
    if edge.domain_name is None or edge.hosted_zone_id is None or edge.release is None:
        raise ValueError("gam:edge needs domainName, hostedZoneId and release")
    deploy = edge.continuous_deployment
    return EdgeDeliveryArgs(
        assets_bucket_arn=assets_bucket_arn,
        assets_bucket_regional_domain_name=assets_bucket_regional_domain_name,
        log_bucket_arn=log_bucket_arn,
        log_bucket_policy=log_bucket_policy,
        domain_name=edge.domain_name,
        hosted_zone_id=edge.hosted_zone_id,
        content_security_policy=edge.content_security_policy,
        release=edge.release,
        staging_release=edge.staging_release,
        referrer_policy=edge.referrer_policy,
        api_origin_domain=edge.api_origin_domain or api_origin_domain,
        price_class=edge.price_class,
        rate_limit=edge.rate_limit,
        blocked_countries=edge.blocked_countries,
        continuous_deployment=deploy.enabled,
        staging_traffic=deploy.traffic,
        staging_weight=deploy.weight,
        waf_log_retention_days=edge.waf_log_retention_days,
        protect=settings.protect_stateful_resources,
        tags=settings.tags,
    )
