"""The preview as Markdown, for a pull request's job summary (`gam-infra preview
--summary FILE`, appended to `$GITHUB_STEP_SUMMARY` by the preview workflow).

The Pulumi Action's PR comment leaves policy results out (pulumi/actions#1373), so
this is where reviewers read them: violations with their remediation, exemptions
with their reasons, the policies evaluated, and what the stack would create (by
component and by type).

Text from the record or the pack is never taken as markup: identifiers go in code
spans, prose keeps its code spans and has every other markup character escaped, and
the only HTML is the fixed `<details>`/`<summary>` wrapping of long lists.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from gam_offline import reachability
from gam_offline.analyzer import PolicyReport
from gam_offline.records import Record, RecordedResource

# A code span: a run of backticks, content, the same run again (CommonMark).
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
# What inline Markdown (GFM, and GitHub's `$` math) reads as markup, past a line's start.
_MARKUP = re.compile(r"([\\`*_\[\]<>&|~$])")
_LEVELS = ("mandatory", "advisory")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def code(text: str) -> str:
    """`text` as one inline code span, safe in a table cell."""
    text = _one_line(text)
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    escaped = text.replace("|", "\\|")  # GFM: a pipe splits cells even inside code
    return f"{fence}{pad}{escaped}{pad}{fence}"


def prose(text: str) -> str:
    """`text` on one line, its code spans kept and nothing else read as markup."""
    text = _one_line(text)
    parts, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(_MARKUP.sub(r"\\\1", text[last : span.start()]))
        parts.append(span.group(0).replace("|", "\\|"))
        last = span.end()
    parts.append(_MARKUP.sub(r"\\\1", text[last:]))
    return "".join(parts)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GFM table; cells are already rendered (`code`, `prose`)."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _details(title: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{html.escape(_one_line(title))}</summary>", "", *body]


def _end_details() -> list[str]:
    return ["</details>", ""]


def _resource_cells(urn: str, by_urn: dict[str, RecordedResource]) -> list[str]:
    resource = by_urn.get(urn)
    if resource is None:
        return [code(urn) if urn else "(the stack)", ""]
    return [code(resource.name), code(resource.type)]


def _headline(record: Record, report: PolicyReport | None) -> list[str]:
    lines = [f"## Offline preview of {code(f'{record.project}/{record.stack}')}", ""]
    resources = f"**{len(record.resources)}** resources"
    if report is None:
        return [*lines, f"{resources}. Policies not evaluated (`--no-policy`).", ""]
    counts = {level: sum(v.level == level for v in report.violations) for level in _LEVELS}
    verdict = "**fails**" if counts["mandatory"] else "passes"
    return [
        *lines,
        f"{resources}. Policy pack {code(f'{report.pack}@{report.version}')} {verdict}: "
        f"**{report.policies_evaluated}** policies evaluated, "
        f"**{counts['mandatory']}** mandatory and **{counts['advisory']}** advisory "
        f"violations, **{len(report.exemptions)}** exemptions.",
        "",
    ]


def _violations(record: Record, report: PolicyReport) -> list[str]:
    lines = ["### Violations", ""]
    if not report.violations:
        return [*lines, "None.", ""]
    by_urn = {r.urn: r for r in record.resources}
    for level in _LEVELS:
        found = [v for v in report.violations if v.level == level]
        for policy in sorted({v.policy for v in found}):
            of_policy = [v for v in found if v.policy == policy]
            lines += [f"#### {code(policy)}: {level}, severity {of_policy[0].severity}", ""]
            remediation = report.remediations.get(policy) or "(the pack gives none)"
            lines += [f"Remediation: {prose(remediation)}", ""]
            lines += table(
                ["resource", "type", "message"],
                (
                    [*_resource_cells(v.urn, by_urn), prose(v.message.splitlines()[-1])]
                    for v in of_policy
                ),
            )
    return lines


def _exemptions(record: Record, report: PolicyReport) -> list[str]:
    lines = ["### Exemptions", ""]
    if not report.exemptions:
        return [*lines, "None.", ""]
    by_urn = {r.urn: r for r in record.resources}
    by_name = {r.name: r for r in record.resources}
    rows = []
    for e in report.exemptions:
        target = by_urn.get(e.urn) or by_name.get(e.urn)
        rows.append([code(e.policy), code(target.name if target else e.urn), prose(e.reason)])
    return [*lines, *table(["policy", "resource", "reason"], rows)]


def _not_applicable(record: Record, report: PolicyReport) -> list[str]:
    """What a policy could not judge, and why (a component registered without properties):
    never counted as passing, so listed whenever there is any."""
    if not report.not_applicable:
        return []
    by_urn = {r.urn: r for r in record.resources}
    rows = []
    for n in report.not_applicable:
        target = by_urn.get(n.urn)
        shown = target.name if target else n.urn or "(the stack)"
        rows.append([code(n.policy), code(shown), prose(n.reason)])
    return ["### Not applicable (not judged)", "", *table(["policy", "resource", "reason"], rows)]


def _policies(report: PolicyReport) -> list[str]:
    levels = Counter(report.levels.values())
    title = f"{report.policies_evaluated} policies evaluated: " + ", ".join(
        f"{count} {level}" for level, count in sorted(levels.items())
    )
    rows = ([code(name), level] for name, level in sorted(report.levels.items()))
    return [
        "### Policies evaluated",
        "",
        *_details(title, table(["policy", "enforcement"], rows)),
        *_end_details(),
    ]


def _components(record: Record) -> list[str]:
    """Each component with what it holds directly; resources outside any component last."""
    urns = {r.urn for r in record.resources}
    children: dict[str | None, list[RecordedResource]] = {}
    for r in record.resources:
        children.setdefault(r.parent if r.parent in urns else None, []).append(r)
    components = [r for r in record.resources if not r.custom]
    rows = [[code(c.name), code(c.type), str(len(children.get(c.urn, [])))] for c in components]
    loose = [r for r in children.get(None, []) if r.custom]
    if loose:
        rows.append(["(no component)", "", str(len(loose))])
    lines = ["### Resources by component", "", *table(["component", "type", "resources"], rows)]
    groups = [(c.name, children.get(c.urn, [])) for c in components]
    for name, members in [*groups, *([("(no component)", loose)] if loose else [])]:
        if not members:
            continue
        body = table(
            ["type", "name", "kind"],
            (
                [code(m.type), code(m.name), "resource" if m.custom else "component"]
                for m in members
            ),
        )
        lines += [*_details(f"{name}: {len(members)} resources", body), *_end_details()]
    return lines


def _counts(record: Record) -> list[str]:
    counts = Counter(r.type for r in record.resources)
    rows = ([code(t), str(n)] for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return [
        f"### Counts by type ({len(record.resources)} resources)",
        "",
        *table(["type", "count"], rows),
    ]


def render(record: Record, report: PolicyReport | None) -> str:
    """The whole summary; `report=None` when policies were skipped."""
    lines = [*_headline(record, report), prose(reachability.summary(record)), ""]
    if report is not None:
        lines += _violations(record, report) + _exemptions(record, report)
        lines += _not_applicable(record, report)
    lines += _components(record) + _counts(record)
    if report is not None:
        lines += _policies(report)
    return "\n".join(lines).rstrip("\n") + "\n"
