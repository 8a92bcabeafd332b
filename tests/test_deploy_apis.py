"""The AWS API hosts the deploy runner must reach through the firewall (ADR 0020), pure;
checked against every resource the stacks deploy in tests/test_deploy_runner.py."""

from __future__ import annotations

import pytest

from components import deploy_apis


def test_an_api_with_an_endpoint_in_the_stacks_region_is_not_listed() -> None:
    everything = {endpoint for _, endpoint in deploy_apis.SERVICES.values()}
    assert deploy_apis.hosts("eu-west-1", everything) == tuple(sorted(deploy_apis.GLOBAL.values()))
    without_rds = everything - {"rds"}
    assert "rds.eu-west-1.amazonaws.com" in deploy_apis.hosts("eu-west-1", without_rds)


def test_s3_is_reached_through_its_gateway_in_the_stacks_region_only() -> None:
    assert not any(h.startswith("s3.eu-west-1") for h in deploy_apis.hosts("eu-west-1", ()))
    assert deploy_apis.reached_inside("aws:s3/bucket:Bucket", "eu-west-1", "eu-west-1", ())
    assert not deploy_apis.reached_inside("aws:s3/bucket:Bucket", "eu-central-1", "eu-west-1", ())
    assert "s3.eu-central-1.amazonaws.com" in deploy_apis.hosts(
        "eu-west-1", (), dr_regions=["eu-central-1"]
    )


def test_the_edge_adds_its_us_east_1_apis_and_certificates_live_only_there() -> None:
    plain = deploy_apis.hosts("eu-west-1", ())
    with_edge = deploy_apis.hosts("eu-west-1", (), edge=True)
    assert set(with_edge) - set(plain) == {
        f"{deploy_apis.SERVICES[s][0]}.us-east-1.amazonaws.com" for s in deploy_apis.EDGE_SERVICES
    }
    assert "acm.eu-west-1.amazonaws.com" not in with_edge


def test_hosts_follow_the_api_not_the_pulumi_module() -> None:
    assert deploy_apis.host_of("aws:iam/role:Role", "eu-west-1") == "iam.amazonaws.com"
    assert deploy_apis.host_of("aws:route53/record:Record", "eu-west-1") == "route53.amazonaws.com"
    assert deploy_apis.host_of(
        "aws:route53/resolverFirewallRule:ResolverFirewallRule", "eu-west-1"
    ) == ("route53resolver.eu-west-1.amazonaws.com")
    assert deploy_apis.host_of("aws:cloudwatch/metricAlarm:MetricAlarm", "eu-west-1") == (
        "monitoring.eu-west-1.amazonaws.com"
    )
    assert deploy_apis.host_of("aws:cloudwatch/logGroup:LogGroup", "us-east-1") == (
        "logs.us-east-1.amazonaws.com"
    )
    assert deploy_apis.host_of("aws:ecr/repository:Repository", "eu-west-1") == (
        "api.ecr.eu-west-1.amazonaws.com"
    )


def test_a_type_of_an_unknown_api_is_named_with_where_to_add_it() -> None:
    with pytest.raises(KeyError, match=r"add its API to components\.deploy_apis\.SERVICES"):
        deploy_apis.host_of("aws:dynamodb/table:Table", "eu-west-1")
