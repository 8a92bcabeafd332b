"""What a stack costs a month: every recorded resource priced, totals against the budget.

`estimate(record, book, usage)` prices each custom resource of an offline run with its
type's pricer (`gam_offline.pricing`) or, for types with no charge, the price file's `free`
list; anything else is unpriced, and listed as such. `Estimate.to_json()` is the cost
record; `diff(base, head)` compares two cost records by component.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gam_offline import pricing
from gam_offline.pricebook import PriceBook
from gam_offline.pricing import Charge, Facts, Unpriceable
from gam_offline.records import Record, RecordedResource
from gam_offline.usage import Usage, UsageError, override_problems

STACK_COMPONENT = "(stack)"
TOP = 10


@dataclass(frozen=True)
class Item:
    urn: str
    type: str
    name: str
    component: str
    charges: tuple[Charge, ...] = ()
    free: str = ""
    """For a type with no charge: why, and the page that says so."""

    @property
    def fixed(self) -> float:
        return sum(c.monthly for c in self.charges if not c.usage)

    @property
    def usage(self) -> float:
        return sum(c.monthly for c in self.charges if c.usage)

    @property
    def total(self) -> float:
        return self.fixed + self.usage

    @property
    def basis(self) -> str:
        return "; ".join(c.basis for c in self.charges) or self.free


@dataclass(frozen=True)
class Unpriced:
    type: str
    count: int
    reason: str


@dataclass(frozen=True)
class Totals:
    count: int = 0
    fixed: float = 0.0
    usage: float = 0.0

    @property
    def total(self) -> float:
        return self.fixed + self.usage

    def add(self, item: Item) -> Totals:
        return Totals(self.count + 1, self.fixed + item.fixed, self.usage + item.usage)

    def to_json(self) -> dict[str, float]:
        return {
            "count": self.count,
            "fixed": _cents(self.fixed),
            "usage": _cents(self.usage),
            "total": _cents(self.total),
        }


@dataclass
class Estimate:
    stack: str
    region: str
    prices_as_of: str
    items: list[Item]
    unpriced: list[Unpriced] = field(default_factory=list)
    budget: float | None = None
    usage_file: str | None = None

    @property
    def fixed(self) -> float:
        return sum(i.fixed for i in self.items)

    @property
    def usage(self) -> float:
        return sum(i.usage for i in self.items)

    @property
    def total(self) -> float:
        return self.fixed + self.usage

    @property
    def over_budget(self) -> bool:
        return self.budget is not None and self.total > self.budget

    @property
    def unpriced_count(self) -> int:
        return sum(u.count for u in self.unpriced)

    def _grouped(self, key: str) -> dict[str, Totals]:
        groups: dict[str, Totals] = {}
        for item in self.items:
            name = getattr(item, key)
            groups[name] = groups.get(name, Totals()).add(item)
        return dict(sorted(groups.items(), key=lambda kv: (-kv[1].total, kv[0])))

    def by_component(self) -> dict[str, Totals]:
        return self._grouped("component")

    def by_type(self) -> dict[str, Totals]:
        return self._grouped("type")

    def top(self, n: int = TOP) -> list[Item]:
        charged = [i for i in self.items if round(i.total, 2)]
        return sorted(charged, key=lambda i: (-i.total, i.name))[:n]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "region": self.region,
            "currency": "USD",
            "prices_as_of": self.prices_as_of,
            "usage_file": self.usage_file,
            "monthly_total": _cents(self.total),
            "fixed_total": _cents(self.fixed),
            "usage_total": _cents(self.usage),
            "budget": self.budget,
            "over_budget": self.over_budget,
            "by_component": {k: v.to_json() for k, v in self.by_component().items()},
            "by_type": {k: v.to_json() for k, v in self.by_type().items()},
            "items": [
                {
                    "urn": i.urn,
                    "type": i.type,
                    "name": i.name,
                    "component": i.component,
                    "fixed": _cents(i.fixed),
                    "usage": _cents(i.usage),
                    "basis": i.basis,
                }
                for i in self.items
            ],
            "unpriced": [
                {"type": u.type, "count": u.count, "reason": u.reason} for u in self.unpriced
            ],
        }


def _cents(value: float) -> float:
    return round(value + 0.0, 2) + 0.0  # + 0.0: no "-0.0"


def component_of(record: Record, resource: RecordedResource) -> str:
    """The nearest of the project's components (`gam:` types) the resource is under."""
    for ancestor in record.ancestors(resource):
        if ancestor.type.startswith("gam:"):
            return ancestor.name
    return STACK_COMPONENT


# Not AWS resources: providers (API clients), objects inside the cluster, whose
# compute is priced on the node groups, and PagerDuty's objects, billed per user by
# PagerDuty outside AWS (ADR 0017).
NOT_BILLED_PACKAGES = ("pulumi:providers:", "kubernetes:", "pagerduty:")


def not_billed(type_: str) -> bool:
    return type_.startswith(NOT_BILLED_PACKAGES)


def facts(resources: Sequence[RecordedResource]) -> Facts:
    counts = Counter(r.type for r in resources)
    firewalls = [r for r in resources if r.type == "aws:networkfirewall/firewall:Firewall"]
    interface = [
        r
        for r in resources
        if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"
        and r.plain_inputs().get("vpcEndpointType") == "Interface"
    ]
    return Facts(
        nat_gateways=counts["aws:ec2/natGateway:NatGateway"],
        firewall_endpoints=sum(
            len(r.plain_inputs().get("subnetMappings") or []) for r in firewalls
        ),
        firewalls=len(firewalls),
        interface_endpoints=len(interface),
        internet_gateways=counts["aws:ec2/internetGateway:InternetGateway"],
        transit_gateway_attachments=counts["aws:ec2transitgateway/vpcAttachment:VpcAttachment"],
        launch_template_volumes={
            str(r.id): float(
                ((r.plain_inputs().get("blockDeviceMappings") or [{}])[0].get("ebs") or {}).get(
                    "volumeSize"
                )
                or 0
            )
            for r in resources
            if r.type == "aws:ec2/launchTemplate:LaunchTemplate"
        },
        database_classes=tuple(
            (str(i.get("identifier")), str(i.get("instanceClass")))
            for i in (r.plain_inputs() for r in resources if r.type == "aws:rds/instance:Instance")
        ),
    )


def _item(
    record: Record, resource: RecordedResource, book: PriceBook, usage: Usage, stack_facts: Facts
) -> Item:
    """The resource priced by its type's pricer, or free by the price file; `Unpriceable`
    otherwise."""
    where = (resource.urn, resource.type, resource.name, component_of(record, resource))
    if resource.type in pricing.PRICERS:
        ctx = pricing.context(book, usage, stack_facts, resource.type, resource.name)
        return Item(
            *where, charges=tuple(pricing.price(resource.type, resource.plain_inputs(), ctx))
        )
    if resource.type in book.free:
        free = book.free[resource.type]
        return Item(*where, free=f"{free.note} ({free.source})")
    raise Unpriceable("no pricer in gam_offline/pricing.py and not in the price file's free list")


def estimate(
    record: Record,
    book: PriceBook,
    usage: Usage,
    *,
    budget: float | None = None,
    usage_file: str | None = None,
) -> Estimate:
    """Price every custom resource of `record`. Raises `UsageError` when the usage file's
    per-resource overrides do not fit the stack."""
    # explicit providers and in-cluster objects are custom resources but not AWS's bills
    resources = [r for r in record.resources if r.custom and not not_billed(r.type)]
    problems = override_problems(usage, {r.name: pricing.usage_section(r.type) for r in resources})
    if problems:
        raise UsageError(usage_file or "the usage", problems)
    stack_facts = facts(resources)
    items: list[Item] = []
    unpriced: dict[str, tuple[int, str]] = {}
    for resource in resources:
        try:
            items.append(_item(record, resource, book, usage, stack_facts))
        except Unpriceable as error:
            count = unpriced.get(resource.type, (0, ""))[0]
            unpriced[resource.type] = (count + 1, str(error))
    return Estimate(
        stack=record.stack,
        region=book.region,
        prices_as_of=book.as_of.isoformat(),
        items=items,
        unpriced=[Unpriced(t, c, r) for t, (c, r) in sorted(unpriced.items())],
        budget=budget,
        usage_file=usage_file,
    )


# --- reports ---------------------------------------------------------------------------


def money(value: float) -> str:
    sign = "-" if value < -0.004 else ""
    return f"{sign}${abs(value):,.2f}"


def budget_line(estimate: Estimate) -> str:
    """One line: the estimate against the budget (and what is unpriced)."""
    line = (
        f"Cost estimate: {money(estimate.total)} a month (fixed {money(estimate.fixed)}, "
        f"usage {money(estimate.usage)})"
    )
    if estimate.budget is not None:
        share = estimate.total / estimate.budget * 100 if estimate.budget else 0
        verdict = (
            f"OVER by {money(estimate.total - estimate.budget)}"
            if estimate.over_budget
            else "within it"
        )
        line += f" against a budget of {money(estimate.budget)}: {share:.0f}%, {verdict}"
    if estimate.unpriced:
        line += (
            f"; {estimate.unpriced_count} resource(s) of {len(estimate.unpriced)} type(s) "
            "unpriced, so the total is a lower bound"
        )
    return line


def _columns(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A text table: the first column left-aligned, the others right-aligned."""
    table = [[title, *header], *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return [
        "  "
        + row[0].ljust(widths[0])
        + "".join(f"  {c:>{w}}" for c, w in zip(row[1:], widths[1:], strict=True))
        for row in table
    ]


def _charged_types(estimate: Estimate) -> tuple[dict[str, Totals], dict[str, Totals]]:
    """The resource types that cost something, and those that do not (to the cent)."""
    types = estimate.by_type()
    charged = {name: t for name, t in types.items() if round(t.total, 2)}
    return charged, {name: t for name, t in types.items() if name not in charged}


def _money_columns(t: Totals) -> list[str]:
    return [money(t.fixed), money(t.usage), money(t.total)]


def render_text(estimate: Estimate) -> str:
    lines = [
        f"Cost of {estimate.stack} a month, USD ({estimate.region} prices of "
        f"{estimate.prices_as_of}; usage: {estimate.usage_file or 'defaults, no usage file'})",
        "",
    ]
    components = [[name, *_money_columns(t)] for name, t in estimate.by_component().items()]
    lines += _columns("By component:", ["fixed", "usage", "total"], components)
    charged, free = _charged_types(estimate)
    types = [[name, str(t.count), *_money_columns(t)] for name, t in charged.items()]
    lines += ["", *_columns("By resource type:", ["count", "fixed", "usage", "total"], types)]
    if free:
        count = sum(t.count for t in free.values())
        lines.append(f"  and {count} resource(s) of {len(free)} type(s) with no charge")
    lines += ["", f"Top {TOP} items:"]
    for n, item in enumerate(estimate.top(), 1):
        lines.append(f"  {n:2d}. {money(item.total):>11}  {item.name}  ({item.type})")
        lines.append(f"        {item.basis}")
    lines += ["", f"Unpriced: {estimate.unpriced_count or 'none'}"]
    for u in estimate.unpriced:
        lines.append(f"  {u.count:4d}  {u.type}: {u.reason}")
    lines += ["", budget_line(estimate)]
    return "\n".join(lines) + "\n"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def render_markdown(estimate: Estimate, change: StackDiff | None = None) -> str:
    status = "over budget" if estimate.over_budget else "within budget"
    if estimate.budget is None:
        status = "no budget"
    lines = [
        f"### Cost of `{estimate.stack}`: {money(estimate.total)} a month ({status})",
        "",
        budget_line(estimate),
        "",
        _row("", "USD a month"),
        "| --- | ---: |",
        _row("fixed", money(estimate.fixed)),
        _row("usage-based", money(estimate.usage)),
        _row("**total**", f"**{money(estimate.total)}**"),
    ]
    if estimate.budget is not None:
        lines.append(_row("budget", money(estimate.budget)))
    lines += ["", "**By component**", "", _row("component", "fixed", "usage", "total")]
    lines.append("| --- | ---: | ---: | ---: |")
    for name, t in estimate.by_component().items():
        lines.append(_row(f"`{name}`", money(t.fixed), money(t.usage), money(t.total)))
    charged, no_charge = _charged_types(estimate)
    free = sum(t.count for t in no_charge.values())
    lines += ["", "**By resource type**", "", _row("type", "count", "fixed", "usage", "total")]
    lines.append("| --- | ---: | ---: | ---: | ---: |")
    for name, t in charged.items():
        lines.append(_row(f"`{name}`", t.count, money(t.fixed), money(t.usage), money(t.total)))
    lines += ["", f"{free} more resource(s) carry no charge.", "", f"**Top {TOP} items**", ""]
    lines += [_row("resource", "USD a month", "basis"), "| --- | ---: | --- |"]
    for item in estimate.top():
        lines.append(_row(f"`{item.name}`", money(item.total), item.basis))
    lines += ["", f"**Unpriced**: {estimate.unpriced_count or 'none'}"]
    for u in estimate.unpriced:
        lines.append(f"- `{u.type}` x {u.count}: {u.reason}")
    if change is not None:
        lines += ["", render_diff_markdown(change)]
    lines += [
        "",
        f"Prices: {estimate.region} of {estimate.prices_as_of}. Usage: "
        f"{estimate.usage_file or 'defaults (no usage file)'}.",
    ]
    return "\n".join(lines) + "\n"


# --- comparing two cost records --------------------------------------------------------


class CostRecordError(ValueError):
    """A cost record (`gam-infra cost --json`) that cannot be compared."""


@dataclass(frozen=True)
class Change:
    component: str
    base: float
    head: float

    @property
    def delta(self) -> float:
        return self.head - self.base


@dataclass(frozen=True)
class StackDiff:
    base_total: float
    head_total: float
    components: tuple[Change, ...]

    @property
    def delta(self) -> float:
        return self.head_total - self.base_total


def _component_totals(document: Mapping[str, Any], which: str) -> tuple[float, dict[str, float]]:
    missing = [k for k in ("monthly_total", "by_component") if k not in document]
    if missing:
        raise CostRecordError(
            f"the {which} cost record lacks {missing}: write it with `gam-infra cost --json`"
        )
    try:
        components = {str(k): float(v["total"]) for k, v in document["by_component"].items()}
        return float(document["monthly_total"]), components
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise CostRecordError(f"the {which} cost record is malformed: {error!r}") from None


def diff(base: Mapping[str, Any], head: Mapping[str, Any]) -> StackDiff:
    """The change from `base` to `head` (cost records), by component, largest first."""
    base_total, base_parts = _component_totals(base, "base")
    head_total, head_parts = _component_totals(head, "new")
    changes = [
        Change(name, base_parts.get(name, 0.0), head_parts.get(name, 0.0))
        for name in sorted(set(base_parts) | set(head_parts))
    ]
    changes.sort(key=lambda c: (-abs(c.delta), c.component))
    return StackDiff(base_total, head_total, tuple(changes))


def _signed(value: float) -> str:
    return ("+" if value > 0.004 else "") + money(value)


def render_diff_text(change: StackDiff) -> str:
    rows = [
        [c.component, money(c.base), money(c.head), _signed(c.delta)] for c in change.components
    ]
    rows.append(
        ["total", money(change.base_total), money(change.head_total), _signed(change.delta)]
    )
    return "\n".join(_columns("Change against the base:", ["base", "new", "change"], rows)) + "\n"


def render_diff_markdown(change: StackDiff) -> str:
    lines = [
        f"**Change against the base: {_signed(change.delta)} a month**",
        "",
        _row("component", "base", "new", "change"),
        "| --- | ---: | ---: | ---: |",
    ]
    for c in change.components:
        lines.append(_row(f"`{c.component}`", money(c.base), money(c.head), _signed(c.delta)))
    lines.append(
        _row(
            "**total**",
            money(change.base_total),
            money(change.head_total),
            f"**{_signed(change.delta)}**",
        )
    )
    return "\n".join(lines)
