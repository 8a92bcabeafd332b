"""The cost model over whole stacks, the price files and comparing cost records."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gam_offline import cost, pricebook, pricing, usage
from gam_offline.engine import stack_config
from gam_offline.pricebook import PRICES_DIR, PriceFileError
from gam_offline.records import Record
from infra import settings
from tests.support import ROOT, STACKS

REGIONS = ("eu-west-1", "us-east-1")

# AWS's published on-demand prices in eu-west-1 (https://aws.amazon.com/vpc/pricing/,
# /network-firewall/pricing/, /kms/pricing/), read 2026-12-01.
PUBLISHED_EU_WEST_1 = {
    "vpc.natGateway.hour": 0.048,
    "vpc.natGateway.gb": 0.048,
    "networkFirewall.endpoint.hour": 0.395,
    "networkFirewall.gb": 0.065,
    "kms.key.month": 1.0,
    "vpc.publicIpv4.hour": 0.005,
    "vpc.interfaceEndpoint.azHour": 0.011,
    "vpc.interfaceEndpoint.gb": 0.01,
}

# Types the issue lists for components still to come: each has a pricer already.
FUTURE_TYPES = (
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:ec2/instance:Instance",
    "aws:ebs/volume:Volume",
    "aws:rds/instance:Instance",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:opensearch/domain:Domain",
    "aws:s3/bucket:Bucket",
    "aws:sqs/queue:Queue",
    "aws:sns/topic:Topic",
    "aws:ecr/repository:Repository",
    "aws:secretsmanager/secret:Secret",
    "aws:cloudfront/distribution:Distribution",
    "aws:wafv2/webAcl:WebAcl",
    "aws:cognito/userPool:UserPool",
    "aws:apigatewayv2/api:Api",
    "aws:amp/workspace:Workspace",
    "aws:grafana/workspace:Workspace",
    "aws:synthetics/canary:Canary",
    "aws:backup/vault:Vault",
)


@pytest.fixture(scope="module")
def estimates(stack_records: dict[str, Record]) -> dict[str, cost.Estimate]:
    found = {}
    for stack, record in stack_records.items():
        stack_usage, path = usage.load(stack, ROOT)
        found[stack] = cost.estimate(
            record, pricebook.load(record.region), stack_usage, budget=1000, usage_file=str(path)
        )
    return found


# --- every resource priced ---------------------------------------------------------------


def test_every_aws_type_in_any_stacks_preview_is_priced(
    estimates: dict[str, cost.Estimate],
) -> None:
    unpriced = {
        f"{s}: {u.type} x {u.count} ({u.reason})" for s, e in estimates.items() for u in e.unpriced
    }
    assert unpriced == set()


def test_every_custom_resource_is_an_item_with_a_basis(
    stack_records: dict[str, Record], estimates: dict[str, cost.Estimate]
) -> None:
    for stack, record in stack_records.items():
        items = estimates[stack].items
        billed = [r for r in record.resources if r.custom and not cost.not_billed(r.type)]
        assert [i.urn for i in items] == [r.urn for r in billed]
        assert all(i.basis for i in items)


def test_every_type_the_issue_lists_has_a_pricer() -> None:
    assert [t for t in FUTURE_TYPES if t not in pricing.PRICERS] == []


def test_a_type_nobody_priced_is_listed_never_counted_as_free(
    stack_records: dict[str, Record],
) -> None:
    record = stack_records["dev"]
    strange = Record(record.stack, record.project, record.region, list(record.resources))
    vpc = record.one("aws:ec2/vpc:Vpc")
    for n in range(2):
        strange.resources.append(
            type(vpc)(
                f"urn:x{n}",
                "aws:made/up:Thing",
                f"thing-{n}",
                vpc.parent,
                True,
                False,
                None,
                {},
                {},
                {},
            )
        )
    found = cost.estimate(strange, pricebook.load("eu-west-1"), usage.Usage())
    assert [(u.type, u.count) for u in found.unpriced] == [("aws:made/up:Thing", 2)]
    assert "no pricer" in found.unpriced[0].reason
    assert "aws:made/up:Thing" not in found.by_type()


# --- AWS's published prices ----------------------------------------------------------------


@pytest.mark.parametrize(("key", "published"), sorted(PUBLISHED_EU_WEST_1.items()))
def test_eu_west_1_prices_are_within_5_percent_of_aws_published(key: str, published: float) -> None:
    assert pricebook.load("eu-west-1").price(key).usd == pytest.approx(published, rel=0.05)


def test_nat_firewall_and_key_items_match_the_published_monthly_prices(
    estimates: dict[str, cost.Estimate],
) -> None:
    def item(stack: str, type_: str) -> cost.Item:
        return next(i for i in estimates[stack].items if i.type == type_)

    nat = item("dev", "aws:ec2/natGateway:NatGateway").charges[0]
    assert nat.monthly == pytest.approx(730 * 0.048, rel=0.05)
    firewall = item("prod", "aws:networkfirewall/firewall:Firewall")
    assert firewall.fixed == pytest.approx(3 * 730 * 0.395, rel=0.05)
    assert item("prod", "aws:kms/key:Key").fixed == pytest.approx(1.0, rel=0.05)


def test_behind_the_firewall_the_nat_gateways_cost_only_their_addresses(
    estimates: dict[str, cost.Estimate],
) -> None:
    by_type = estimates["prod"].by_type()
    assert by_type["aws:ec2/natGateway:NatGateway"].total == pytest.approx(0, abs=0.005)
    assert by_type["aws:ec2/eip:Eip"].total == pytest.approx(3 * 730 * 0.005)


# --- totals --------------------------------------------------------------------------------


def test_totals_add_up_by_component_by_type_and_in_the_record(
    estimates: dict[str, cost.Estimate],
) -> None:
    for found in estimates.values():
        assert found.total == pytest.approx(found.fixed + found.usage)
        assert sum(t.total for t in found.by_component().values()) == pytest.approx(found.total)
        assert sum(t.total for t in found.by_type().values()) == pytest.approx(found.total)
        document = found.to_json()
        assert document["monthly_total"] == pytest.approx(found.total, abs=0.005)
        for item in document["items"]:
            assert {"urn", "type", "fixed", "usage", "basis"} <= set(item)


def test_the_cost_record_has_the_documented_fields(estimates: dict[str, cost.Estimate]) -> None:
    document = estimates["prod"].to_json()
    assert {
        "stack",
        "currency",
        "prices_as_of",
        "monthly_total",
        "fixed_total",
        "usage_total",
        "by_component",
        "items",
        "unpriced",
    } <= set(document)
    assert (document["stack"], document["currency"], document["prices_as_of"]) == (
        "prod",
        "USD",
        "2026-12-01",
    )
    assert {
        "gam-prod-data",
        "gam-prod-data-raw",  # a component inside another is a component of its own
        "gam-prod-database",
        "gam-prod-dns-firewall",
        "gam-prod-flags",
        "gam-prod-identity",
        "gam-prod-cluster-services",
        "gam-prod-eks",
        "gam-prod-images",
        "gam-prod-network",
        "gam-prod-obs",
    } <= set(document["by_component"])


def test_the_budget_line_says_how_much_of_the_budget_is_used() -> None:
    item = cost.Item("u", "t", "n", "c", (pricing.Charge("x", 1, 1, "month", 500.0),))
    within = cost.Estimate("dev", "eu-west-1", "2026-12-01", [item], budget=1000)
    assert cost.budget_line(within).endswith("against a budget of $1,000.00: 50%, within it")
    over = cost.Estimate("dev", "eu-west-1", "2026-12-01", [item], budget=400)
    assert over.over_budget and cost.budget_line(over).endswith("125%, OVER by $100.00")
    unpriced = cost.Estimate(
        "dev", "eu-west-1", "2026-12-01", [item], [cost.Unpriced("t", 2, "why")]
    )
    assert "2 resource(s) of 1 type(s) unpriced, so the total is a lower bound" in cost.budget_line(
        unpriced
    )


# --- the price files -----------------------------------------------------------------------


def _document(region: str) -> dict[str, Any]:
    return yaml.safe_load((PRICES_DIR / f"{region}.yaml").read_text())


def test_both_regions_price_the_same_things() -> None:
    eu, us = (pricebook.load(r) for r in REGIONS)
    assert set(eu.prices) == set(us.prices)
    assert {k: set(v.rates) for k, v in eu.tables.items()} == {
        k: set(v.rates) for k, v in us.tables.items()
    }
    assert set(eu.free) == set(us.free)


def test_a_type_is_either_priced_or_free_never_both() -> None:
    assert set(pricing.PRICERS) & set(pricebook.load("eu-west-1").free) == set()


@pytest.mark.parametrize("region", REGIONS)
def test_the_price_files_are_fresh(region: str) -> None:
    """Prices move: refresh a file (and its as_of) at least every 180 days."""
    assert pricebook.age_problem(pricebook.load(region), date.today()) is None


@functools.cache
def _eu_west_1() -> pricebook.PriceBook:
    return pricebook.load("eu-west-1")


@given(days=st.integers(0, 2000))
def test_a_price_file_older_than_180_days_fails_saying_to_refresh_it(days: int) -> None:
    book = _eu_west_1()  # parsed once: per example it overran hypothesis's deadline under load
    problem = pricebook.age_problem(book, book.as_of + timedelta(days=days))
    if days <= pricebook.MAX_AGE_DAYS:
        assert problem is None
    else:
        assert problem is not None
        assert (
            f"{days} days ago" in problem and "refresh gam_offline/prices/eu-west-1.yaml" in problem
        )


def test_a_malformed_price_file_names_each_problem() -> None:
    document = _document("eu-west-1")
    document["prices"]["vpc.natGateway.hour"]["usd"] = -1
    document["prices"]["kms.key.month"]["source"] = "https://example.com/kms"
    document["colour"] = "blue"
    with pytest.raises(PriceFileError) as caught:
        pricebook.parse(document, "eu-west-1.yaml")
    text = str(caught.value)
    assert text.startswith("eu-west-1.yaml has 3 problem(s):")
    for key in ("prices.vpc.natGateway.hour.usd", "prices.kms.key.month.source", "colour"):
        assert key in text


def test_a_region_without_prices_says_which_exist() -> None:
    with pytest.raises(
        PriceFileError, match=r"no price file for region ap-south-2 .*\['eu-west-1', 'us-east-1'\]"
    ):
        pricebook.load("ap-south-2")


# --- comparing cost records ----------------------------------------------------------------


def _record(total: float, **components: float) -> dict[str, Any]:
    return {
        "monthly_total": total,
        "by_component": {k: {"total": v} for k, v in components.items()},
    }


def test_the_diff_shows_the_change_by_component_largest_first() -> None:
    change = cost.diff(
        _record(150.0, network=100.0, old=50.0),
        _record(420.0, network=120.0, database=300.0),
    )
    assert [(c.component, c.base, c.head, c.delta) for c in change.components] == [
        ("database", 0.0, 300.0, 300.0),
        ("old", 50.0, 0.0, -50.0),
        ("network", 100.0, 120.0, 20.0),
    ]
    assert change.delta == 270.0
    text = cost.render_diff_text(change)
    assert "database" in text and "+$300.00" in text and "-$50.00" in text
    assert text.splitlines()[-1].split() == ["total", "$150.00", "$420.00", "+$270.00"]
    assert "**Change against the base: +$270.00 a month**" in cost.render_diff_markdown(change)


def test_a_diff_of_a_record_with_itself_is_zero(estimates: dict[str, cost.Estimate]) -> None:
    document = estimates["prod"].to_json()
    change = cost.diff(document, document)
    assert change.delta == 0 and all(c.delta == 0 for c in change.components)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ({"stack": "dev"}, "lacks ['monthly_total', 'by_component']"),
        ({"monthly_total": 1, "by_component": {"a": 5}}, "malformed"),
    ],
)
def test_a_base_that_is_not_a_cost_record_is_refused(base: dict[str, Any], message: str) -> None:
    with pytest.raises(cost.CostRecordError, match=message.replace("[", r"\[")):
        cost.diff(base, _record(1.0, a=1.0))


def test_the_markdown_summary_has_totals_components_types_and_the_top_items(
    estimates: dict[str, cost.Estimate],
) -> None:
    text = cost.render_markdown(estimates["prod"])
    assert text.startswith("### Cost of `prod`: $")
    for part in (
        "**By component**",
        "`gam-prod-network`",
        "**By resource type**",
        "**Top 10 items**",
    ):
        assert part in text
    assert "3 x firewall endpoint x 730 h x $0.395" in text
    assert "**Unpriced**: none" in text


@pytest.mark.parametrize("stack", STACKS)
def test_each_committed_stack_is_within_its_tiers_budget(
    stack: str, stack_records: dict[str, Record]
) -> None:
    budget = settings.load(stack, stack_config(stack, ROOT)[0]).monthly_budget_usd
    record = stack_records[stack]
    found = cost.estimate(
        record, pricebook.load(record.region), usage.load(stack, ROOT)[0], budget=budget
    )
    assert not found.over_budget, cost.budget_line(found)
