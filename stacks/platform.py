"""Composition: the components of one stack, wired together from its settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from components.dns_firewall import DnsFirewall, DnsFirewallArgs
from components.image_cache import ImageCache, ImageCacheArgs
from components.networking import Networking, NetworkingArgs
from components.postgis import PostgisDatabase, PostgisDatabaseArgs
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
    if settings.database.enabled:
        outputs.update(_database(settings, network))
    return outputs


# The security groups admitted to the database: the EKS node (or pod) security group,
# wired by the EKS issue once its component lands. Until then nothing is admitted.
DATABASE_CLIENTS: tuple[str, ...] = ()


def _database(
    settings: Settings,
    network: Networking,
    allowed_security_group_ids: Sequence[pulumi.Input[str]] = DATABASE_CLIENTS,
) -> dict[str, pulumi.Output[Any]]:
    """PostgreSQL with PostGIS in the data subnets (ADR 0010)."""
    db = settings.database
    database = PostgisDatabase(
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
    return {
        "databaseEndpoint": database.endpoint,
        "databaseReaderEndpoints": database.reader_endpoints,
        "databaseProxyEndpoint": database.proxy_endpoint,
        "databasePort": database.port,
        "databaseSecretArn": database.secret_arn,
        "databaseSecurityGroupId": database.security_group_id,
        "databaseKmsKeyArn": database.kms_key_arn,
    }
