"""PagerDuty as code (ADR 0017): off without a token (every committed stack), and with
one a team, an escalation policy and a service per team whose integration endpoint
subscribes to the pager topic, filtered on the team Alertmanager names."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

import pytest
import yaml

from components import alerting, pagerduty
from components.base import InvalidArgs
from components.observability import ObservabilityStack, problems
from gam_offline.engine import run_program
from gam_offline.records import MASK, Record, RecordedResource, mask
from tests.support import ROOT, STACKS
from tests.test_observability import ARGS, CATALOG
from tests.test_settings_observability import BASE
from tests.test_settings_observability import problems as settings_problems

TEAM = "pagerduty:index/team:Team"
POLICY = "pagerduty:index/escalationPolicy:EscalationPolicy"
SERVICE = "pagerduty:index/service:Service"
INTEGRATION = "pagerduty:index/serviceIntegration:ServiceIntegration"
PROVIDER = "pulumi:providers:pagerduty"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC = "aws:sns/topic:Topic"

PLATFORM = pagerduty.Team(
    name="platform",
    levels=[
        pagerduty.EscalationLevel(delay_minutes=15, schedule_ids=["PPLAT01"]),
        pagerduty.EscalationLevel(delay_minutes=30, user_ids=["PLEAD01"]),
    ],
)
SCIENCE = pagerduty.Team(
    name="science",
    levels=[pagerduty.EscalationLevel(delay_minutes=20, schedule_ids=["PSCI001"])],
)
ON_CALL = pagerduty.PagerDutyArgs(token="u+secret-token", teams=[PLATFORM, SCIENCE])
# the pipeline SLOs belong to the science team; the rest to platform
OWNED = tuple(
    replace(s, team="science") if s.name in ("job-completion", "data-freshness") else s
    for s in CATALOG
)


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return resource.plain_inputs()


@functools.cache
def on() -> Record:
    args = replace(ARGS, slos=OWNED, pager_endpoint=None, pager_duty=ON_CALL)
    return run_program(
        lambda: ObservabilityStack("obs", args) and None, stack="test", region="eu-west-1"
    )


def by_team(record: Record, type_: str) -> dict[str, RecordedResource]:
    return {r.name.split("-")[2]: r for r in record.by_type(type_)}


# --- pure -----------------------------------------------------------------------------------


def test_the_owning_team_is_paged_first_and_the_backstop_after_its_last_level() -> None:
    levels = pagerduty.escalation_levels(SCIENCE, PLATFORM)
    assert levels == [*SCIENCE.levels, PLATFORM.levels[0]]
    assert pagerduty.escalation_levels(PLATFORM, PLATFORM) == list(PLATFORM.levels)


def test_each_team_receives_its_own_pages_and_the_backstop_the_unlabelled_ones() -> None:
    assert pagerduty.filter_policy("science", backstop="platform") == {"team": ["science"]}
    assert pagerduty.filter_policy("platform", backstop="platform") == {
        "$or": [{"team": ["platform", ""]}, {"team": [{"exists": False}]}]
    }


def test_alertmanager_tells_sns_the_owning_team() -> None:
    config = alerting.config(pager_topic_arn="arn:p", slack_topic_arn="arn:s", region="eu-west-1")
    for receiver in config["receivers"]:
        (sns,) = receiver["sns_configs"]
        assert sns["attributes"]["team"] == "{{ .CommonLabels.team }}"
    # grouped by SLO: one SLO has one team, so a group's common labels carry it
    assert "slo" in config["route"]["group_by"]


def test_the_events_url_follows_the_accounts_region() -> None:
    assert pagerduty.events_url("k", "us") == "https://events.pagerduty.com/integration/k/enqueue"
    assert pagerduty.events_url("k", "eu").startswith("https://events.eu.pagerduty.com/")


def test_bad_teams_and_levels_are_reported_at_once() -> None:
    bad = pagerduty.PagerDutyArgs(
        token="t",
        teams=[
            pagerduty.Team(name="Science", levels=[]),
            pagerduty.Team(
                name="ops",
                levels=[pagerduty.EscalationLevel(delay_minutes=0, schedule_ids=["S123"])],
            ),
            pagerduty.Team(name="ops", levels=[pagerduty.EscalationLevel(delay_minutes=5)]),
        ],
        num_loops=12,
    )
    found = " | ".join(pagerduty.option_problems(bad))
    for part in (
        "backstop 'platform' is not one of the teams",
        "teams ['ops'] are named more than once",
        "team 'Science' must be kebab-case",
        "team Science: its escalation has no level",
        "['S123'] are not PagerDuty ids",
        "delayMinutes 0 must be 1 to 1440",
        "a level needs scheduleIds or userIds",
        "num_loops 12",
    ):
        assert part in found, part


# --- off ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_pagerduty_is_off_without_a_token_in_every_committed_stack(
    stack: str, stack_records: dict[str, Record]
) -> None:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert "pagerDuty" not in (config.get("gam:observability") or {})
    record = stack_records[stack]
    assert [r for r in record.resources if r.type.startswith(("pagerduty:", PROVIDER))] == []


# --- on -------------------------------------------------------------------------------------


def test_a_token_makes_a_team_policy_service_and_integration_per_team() -> None:
    record = on()
    for type_ in (TEAM, POLICY, SERVICE, INTEGRATION):
        assert set(by_team(record, type_)) == {"platform", "science"}, type_
    provider = record.one(PROVIDER)
    assert inputs(provider)["token"] == ON_CALL.token
    assert mask(provider.inputs["token"]) == MASK
    for resource in record.resources:
        if resource.type.startswith("pagerduty:"):
            assert resource.options["provider"].startswith(provider.urn + "::")


def test_each_policy_escalates_from_the_team_to_the_backstop_and_belongs_to_its_team() -> None:
    record = on()
    teams = by_team(record, TEAM)
    policies = by_team(record, POLICY)
    services = by_team(record, SERVICE)

    def targets(policy: RecordedResource) -> list[tuple[int, list[str]]]:
        return [
            (r["escalationDelayInMinutes"], [t["id"] for t in r["targets"]])
            for r in inputs(policy)["rules"]
        ]

    assert targets(policies["science"]) == [(20, ["PSCI001"]), (15, ["PPLAT01"])]
    assert targets(policies["platform"]) == [(15, ["PPLAT01"]), (30, ["PLEAD01"])]
    for team in ("platform", "science"):
        assert inputs(policies[team])["teams"] == teams[team].id
        assert inputs(services[team])["escalationPolicy"] == policies[team].id
    kinds = {t["type"] for r in inputs(policies["platform"])["rules"] for t in r["targets"]}
    assert kinds == {"schedule_reference", "user_reference"}


def test_each_integration_endpoint_subscribes_the_pager_topic_filtered_on_its_team() -> None:
    record = on()
    topics = {inputs(t)["name"]: t.outputs["arn"] for t in record.by_type(TOPIC)}
    integrations = by_team(record, INTEGRATION)
    subscriptions = {
        s.name.split("-")[2]: s for s in record.by_type(SUBSCRIPTION) if "pagerduty" in s.name
    }
    assert set(subscriptions) == {"platform", "science"}
    for team, subscription in subscriptions.items():
        props = inputs(subscription)
        assert props["topic"] == topics["obs-pager-topic"]
        assert props["protocol"] == "https"
        key = integrations[team].outputs["integrationKey"]
        assert props["endpoint"] == f"https://events.pagerduty.com/integration/{key}/enqueue"
        assert mask(subscription.inputs["endpoint"]) == MASK
        assert inputs(integrations[team])["type"] == pagerduty.INTEGRATION_TYPE
        assert props["filterPolicyScope"] == "MessageAttributes"
        assert json.loads(props["filterPolicy"]) == pagerduty.filter_policy(
            team, backstop="platform"
        )
    # the webhook subscription is replaced, not doubled
    assert [s for s in record.by_type(SUBSCRIPTION) if s.name == "obs-pager-subscription"] == []


def test_every_slo_team_must_have_someone_to_page_and_one_pager_subscription() -> None:
    args = replace(ARGS, slos=OWNED, pager_duty=replace(ON_CALL, teams=[PLATFORM]))
    found = " | ".join(problems("obs", args))
    assert "slo teams ['science'] have no PagerDuty team to page" in found
    assert "pager_endpoint and pager_duty both subscribe the pager topic" in found
    with pytest.raises(InvalidArgs):
        run_program(
            lambda: ObservabilityStack("obs", args) and None, stack="test", region="eu-west-1"
        )


def test_pagerduty_settings_turn_on_with_a_token_and_are_checked_by_key() -> None:
    from infra import settings

    team = {"escalation": [{"delayMinutes": 10, "scheduleIds": ["PPLAT01"]}]}
    loaded = settings.load(
        "dev",
        {**BASE, "gam:observability": {"pagerDuty": {"token": "t", "teams": {"platform": team}}}},
    )
    spec = loaded.observability.pager_duty.spec()
    assert spec is not None and [t.name for t in spec.teams] == ["platform"]
    assert settings.load("dev", BASE).observability.pager_duty.spec() is None

    found = settings_problems({"pagerDuty": {"token": "s3cr3t", "teams": {"science": team}}})
    problem = found["gam:observability.pagerDuty"]
    assert "backstop 'platform' is not one of the teams" in problem
    assert "s3cr3t" not in problem  # the token is never echoed
    found = settings_problems(
        {
            "pagerDuty": {"token": "t", "teams": {"platform": team}, "backstop": "platform"},
            "alerting": {"pagerDutyWebhookUrl": "https://events.pagerduty.com/x"},
            "slos": {"job-completion": {"team": "science"}},
        }
    )
    problem = found["gam:observability"]
    assert "pagerDutyWebhookUrl and pagerDuty.token both subscribe" in problem
    assert "no team ['science']" in problem


def test_pagerduty_is_not_on_the_aws_bill_and_grafanas_contents_are_free() -> None:
    from components import grafana
    from gam_offline import cost, pricebook, usage

    args = replace(
        ARGS, slos=OWNED, pager_endpoint=None, pager_duty=ON_CALL, grafana=grafana.GrafanaArgs()
    )
    record = run_program(
        lambda: ObservabilityStack("obs", args) and None, stack="test", region="eu-west-1"
    )
    found = cost.estimate(record, pricebook.load("eu-west-1"), usage.Usage())
    assert found.unpriced == []
    priced = {item.type: item for item in found.items}
    assert not any(t.startswith("pagerduty:") for t in priced)
    for type_ in (
        "grafana:oss/dashboard:Dashboard",
        "grafana:oss/dataSource:DataSource",
        "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount",
    ):
        assert priced[type_].total == 0 and "grafana/pricing" in priced[type_].basis
    workspace = priced["aws:grafana/workspace:Workspace"]
    assert workspace.total == 2 * 9.0 + 5 * 5.0  # default editors and viewers
