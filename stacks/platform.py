"""Composition: the components of one stack, wired together from its settings."""

from __future__ import annotations

from typing import Any

import pulumi

from components.networking import Networking, NetworkingArgs
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
    return {
        "vpcId": network.vpc_id,
        "publicSubnetIds": network.public_subnet_ids,
        "privateSubnetIds": network.private_subnet_ids,
        "dataSubnetIds": network.data_subnet_ids,
        "routeTableIds": network.route_table_ids,
        "endpointSecurityGroupId": network.endpoint_security_group_id,
    }
