"""PagerDutyOnCall: PagerDuty as code, behind the pager topic (ADR 0017).

Ownership (the blueprint's open question, section 7): **the team that owns an SLO is
paged first, the platform team backs every other team up.** Each team of
`gam:observability.pagerDuty.teams` gets a PagerDuty team, an escalation policy and a
service with an Amazon CloudWatch/SNS integration:

- the policy's levels are the team's own (its schedules or users, each level after
  `delay_minutes` without an acknowledgement), then, for every team but the backstop,
  the backstop team's first level: a page nobody in the owning team answers reaches the
  platform's on-call instead of going unanswered;
- the service's integration endpoint is subscribed to the pager topic, with a filter on
  the `team` message attribute Alertmanager sets from the alert's `team` label (the
  SLO's `team`): each team's service receives its own pages. The backstop's
  subscription also takes messages with no team or an empty one (CloudWatch alarms,
  rules without a team), so no page is dropped for want of a label.

Schedules and users stay in PagerDuty (people and rotations change there); the policies
refer to them by id. Pure logic (`escalation_levels`, `filter_policy`, `events_url`)
is tested without Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import pulumi
import pulumi_aws as aws
import pulumi_pagerduty as pagerduty

from components.base import GamComponent, validate
from components.tags import problems as tag_problems

TYPE_TOKEN = "gam:observability:PagerDutyOnCall"
PAGERDUTY_ID = re.compile(r"^P[A-Z0-9]{6}$")
TEAM_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# PagerDuty's integration for Amazon CloudWatch and SNS (confirms subscriptions itself).
INTEGRATION_TYPE = "aws_cloudwatch_inbound_integration"
EVENTS_HOSTS = {"us": "events.pagerduty.com", "eu": "events.eu.pagerduty.com"}
MAX_LOOPS = 9


@dataclass(frozen=True, kw_only=True)
class EscalationLevel:
    delay_minutes: int
    """Minutes without an acknowledgement before the next level is notified."""
    schedule_ids: Sequence[str] = ()
    user_ids: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class Team:
    name: str
    levels: Sequence[EscalationLevel]
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class PagerDutyArgs:
    token: pulumi.Input[str]
    """Required. A PagerDuty REST API token (a secret)."""
    teams: Sequence[Team]
    """Required. The teams that own SLOs; at least the backstop."""
    pager_topic_arn: pulumi.Input[str] | None = None
    """Required. The topic the pages are published on (ObservabilityStack sets it to its
    pager topic)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Required. The standard tags."""
    backstop: str = "platform"
    """The team whose first level ends every other team's escalation, and which takes
    the pages that name no team."""
    service_region: Literal["us", "eu"] = "us"
    """The PagerDuty account's region."""
    num_loops: int = 2
    """How many times the policy repeats when nobody acknowledges."""


def level_problems(level: EscalationLevel) -> list[str]:
    found = []
    if not level.schedule_ids and not level.user_ids:
        found.append("a level needs scheduleIds or userIds")
    bad = [i for i in (*level.schedule_ids, *level.user_ids) if not PAGERDUTY_ID.match(i)]
    if bad:
        found.append(f"{bad} are not PagerDuty ids (P and six letters or digits)")
    if not 1 <= level.delay_minutes <= 1440:
        found.append(f"delayMinutes {level.delay_minutes} must be 1 to 1440")
    return found


def problems(args: PagerDutyArgs) -> list[str]:
    found = tag_problems(args.tags)
    if args.pager_topic_arn is None:
        found.append("pager_topic_arn is required")
    return found + option_problems(args)


def option_problems(args: PagerDutyArgs) -> list[str]:
    """What is wrong with the teams and their escalation (not the wiring)."""
    found = []
    names = [t.name for t in args.teams]
    if args.backstop not in names:
        found.append(f"backstop {args.backstop!r} is not one of the teams {names}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        found.append(f"teams {repeated} are named more than once")
    for team in args.teams:
        if not TEAM_NAME.match(team.name):
            found.append(f"team {team.name!r} must be kebab-case")
        if not team.levels:
            found.append(f"team {team.name}: its escalation has no level")
        for n, level in enumerate(team.levels):
            found += [f"team {team.name} level {n}: {p}" for p in level_problems(level)]
    if args.service_region not in EVENTS_HOSTS:
        found.append(f"service_region {args.service_region!r} is not one of {list(EVENTS_HOSTS)}")
    if not 0 <= args.num_loops <= MAX_LOOPS:
        found.append(f"num_loops {args.num_loops} must be 0 to {MAX_LOOPS}")
    return found


def escalation_levels(team: Team, backstop: Team) -> list[EscalationLevel]:
    """The team's levels, then (for any team but the backstop) the backstop's first."""
    if team.name == backstop.name:
        return list(team.levels)
    return [*team.levels, backstop.levels[0]]


def filter_policy(team: str, *, backstop: str) -> dict[str, Any]:
    """The pager topic subscription's filter on the `team` message attribute."""
    if team != backstop:
        return {"team": [team]}
    return {"$or": [{"team": [team, ""]}, {"team": [{"exists": False}]}]}


def secret(value: pulumi.Output[str]) -> pulumi.Output[str]:
    """`value` marked secret (typed: `Output.secret` of an Output confuses mypy)."""
    return cast(pulumi.Output[str], pulumi.Output.secret(cast(Any, value)))


def events_url(integration_key: str, service_region: str) -> str:
    """Where SNS posts for PagerDuty's CloudWatch integration."""
    return f"https://{EVENTS_HOSTS[service_region]}/integration/{integration_key}/enqueue"


class PagerDutyOnCall(GamComponent):
    """PagerDuty teams, escalation policies and services, subscribed to the pager topic."""

    service_ids: pulumi.Output[dict[str, str]]

    def __init__(
        self, name: str, args: PagerDutyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        validate("PagerDutyOnCall", problems(args))
        super().__init__(TYPE_TOKEN, name, args.tags, opts)
        provider = pagerduty.Provider(
            self.child_name("pagerduty"),
            token=pulumi.Output.secret(args.token),
            service_region=None if args.service_region == "us" else args.service_region,
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_pd = pulumi.ResourceOptions(parent=self, provider=provider)
        (backstop,) = [t for t in args.teams if t.name == args.backstop]
        services = {}
        for team in args.teams:
            pd_team = pagerduty.Team(
                self.child_name(f"{team.name}-team"),
                name=team.name,
                description=team.description or f"Owns the {team.name} SLOs",
                opts=on_pd,
            )
            policy = pagerduty.EscalationPolicy(
                self.child_name(f"{team.name}-escalation"),
                name=f"{name} {team.name}",
                description=(
                    f"{team.name} first"
                    + ("" if team.name == backstop.name else f", then {backstop.name}")
                ),
                num_loops=args.num_loops,
                teams=pd_team.id,
                rules=[
                    pagerduty.EscalationPolicyRuleArgs(
                        escalation_delay_in_minutes=level.delay_minutes,
                        targets=[
                            *(
                                pagerduty.EscalationPolicyRuleTargetArgs(
                                    type="schedule_reference", id=i
                                )
                                for i in level.schedule_ids
                            ),
                            *(
                                pagerduty.EscalationPolicyRuleTargetArgs(
                                    type="user_reference", id=i
                                )
                                for i in level.user_ids
                            ),
                        ],
                    )
                    for level in escalation_levels(team, backstop)
                ],
                opts=on_pd,
            )
            service = pagerduty.Service(
                self.child_name(f"{team.name}-service"),
                name=f"{name} {team.name}",
                description=f"Pages of the {team.name} SLOs from the pager topic",
                escalation_policy=policy.id,
                alert_creation="create_alerts_and_incidents",
                opts=on_pd,
            )
            integration = pagerduty.ServiceIntegration(
                self.child_name(f"{team.name}-integration"),
                name="Amazon SNS (pager topic)",
                service=service.id,
                type=INTEGRATION_TYPE,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=provider, additional_secret_outputs=["integrationKey"]
                ),
            )
            aws.sns.TopicSubscription(
                self.child_name(f"{team.name}-subscription"),
                topic=args.pager_topic_arn,
                protocol="https",
                endpoint=secret(
                    integration.integration_key.apply(
                        lambda key: events_url(key, args.service_region)
                    )
                ),
                endpoint_auto_confirms=True,
                filter_policy_scope="MessageAttributes",
                filter_policy=pulumi.Output.json_dumps(
                    filter_policy(team.name, backstop=backstop.name)
                ),
                opts=self.child_opts(),
            )
            services[team.name] = service.id
        self.service_ids = pulumi.Output.all(**services)
        self.register_outputs({"serviceIds": self.service_ids})
