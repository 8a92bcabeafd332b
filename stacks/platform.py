"""Composition: the components of one stack, wired together from its settings."""

from __future__ import annotations

from typing import Any

import pulumi

from components import cidr
from components.cluster_services import ClusterServices, ClusterServicesArgs
from components.dns_firewall import DnsFirewall, DnsFirewallArgs
from components.eks import EksCluster, EksClusterArgs
from components.fargate import FargateFallback, FargateFallbackArgs
from components.image_cache import ImageCache, ImageCacheArgs
from components.networking import Networking, NetworkingArgs
from components.workloads import Quota, WorkloadNamespaces, WorkloadNamespacesArgs
from infra.settings import Settings


def build(settings: Settings) -> dict[str, pulumi.Output[Any]]:
    """Create the stack's components; return the stack outputs."""
    net = settings.network
    network = Networking(
        settings.name("network"),
        NetworkingArgs(
            interface_endpoints=net.interface_endpoints,
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
    outputs.update(_eks(settings, network))
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


# --- EKS (gam:eks) ---------------------------------------------------------------------


def _eks(settings: Settings, network: Networking) -> dict[str, pulumi.Output[Any]]:
    """The cluster (ADR 0009): node groups from the profile, access from settings."""
    eks = settings.eks
    if not eks.enabled:
        return {}
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
            tags=settings.tags,
        ),
        pulumi.ResourceOptions(depends_on=[cluster]),
    )
    outputs: dict[str, pulumi.Output[Any]] = {}
    services = settings.cluster_services
    if services.enabled:
        cluster_services = ClusterServices(
            settings.name("cluster-services"),
            ClusterServicesArgs(
                cluster=cluster,
                vpc_id=network.vpc_id,
                secrets_prefix=settings.name(),
                prometheus_workspace_id=services.prometheus_workspace_id,
                log_retention_days=services.container_log_retention_days,
                protect=settings.protect_stateful_resources,
                tags=settings.tags,
            ),
        )
        outputs["containerLogGroupName"] = cluster_services.log_group_name
    return outputs | {
        "workloadNamespaces": pulumi.Output.from_input(namespaces.names),
        "eksClusterName": cluster.cluster_name,
        "eksEndpoint": cluster.endpoint,
        "eksClusterSecurityGroupId": cluster.cluster_security_group_id,
        "eksNodeSecurityGroupId": cluster.node_security_group_id,
    }
