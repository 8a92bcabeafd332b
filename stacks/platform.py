"""Composition: the components of one stack, wired together from its settings."""

from __future__ import annotations

from typing import Any

import pulumi

from components.dns_firewall import DnsFirewall, DnsFirewallArgs
from components.image_cache import ImageCache, ImageCacheArgs
from components.networking import Networking, NetworkingArgs
from components.observability import ObservabilityArgs, ObservabilityStack
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
    obs = settings.observability
    if obs.enabled:
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
                protect=settings.protect_stateful_resources,
                tags=settings.tags,
            ),
        )
        outputs["prometheusRemoteWriteUrl"] = observability.remote_write_url
        outputs["prometheusWorkspaceArn"] = observability.workspace_arn
        outputs["observabilityRegion"] = observability.region
        outputs["alertTopicArns"] = observability.topic_arns
    return outputs
