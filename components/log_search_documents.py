"""The log store's documents (ADR 0018), pure: the index lifecycle (ISM) policy and the
index template kept as JSON in `observability/opensearch/`, rendered per stack, and the
security plugin's roles and role mappings.

The repository's documents carry every setting but the per-stack ones, which
`ism_policy` and `index_template` set: the ages of the warm and delete transitions
(`gam:logSearch.warmAfterDays`, `retentionDays`) and the replica count (0 on a one-node
domain, where a replica could never be assigned and the cluster would stay yellow).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

DOCUMENTS = Path(__file__).resolve().parent.parent / "observability" / "opensearch"
ISM_POLICY_FILE = "ism-policy.json"
INDEX_TEMPLATE_FILE = "index-template.json"

INDEX_PREFIX = "gam-logs"
"""Fluent Bit writes daily indices `gam-logs-YYYY.MM.DD` (Logstash format)."""
INDEX_PATTERN = f"{INDEX_PREFIX}-*"
POLICY_ID = "gam-logs"
TEMPLATE_NAME = "gam-logs"
STATES = ("hot", "warm", "delete")
MERGE_LOG_KEY = "data"
"""Fluent Bit's kubernetes filter puts a container's parsed JSON log under this key."""
CORRELATION_FIELDS = (
    "correlation_id",
    "trace_id",
    "span_id",
    "request_id",
    "job_id",
    "pipeline_run_id",
)
"""Blueprint 4.1: logs carry the correlation id the pipeline orchestrator propagates, and
the OpenTelemetry trace and span ids; exact-match (keyword) fields."""
WRITER_ROLE = "gam_log_writer"
"""The security plugin role of the log shippers: create and write `gam-logs-*` only."""
_AGE = re.compile(r"^(\d+)d$")


@cache
def _load(name: str) -> str:
    return (DOCUMENTS / name).read_text()


def load(name: str) -> dict[str, Any]:
    """A document of `observability/opensearch/`, parsed (a fresh copy)."""
    document: dict[str, Any] = json.loads(_load(name))
    return document


def _states(policy: Mapping[str, Any]) -> dict[str, Any]:
    return {state["name"]: state for state in policy["policy"]["states"]}


def transition_ages(policy: Mapping[str, Any]) -> dict[str, int]:
    """Days after an index's creation when it enters each state but the first:
    {"warm": 7, "delete": 30}."""
    ages = {}
    for state in policy["policy"]["states"]:
        for transition in state.get("transitions", []):
            age = _AGE.match(str(transition["conditions"].get("min_index_age", "")))
            if age:
                ages[transition["state_name"]] = int(age[1])
    return ages


def ism_policy(*, warm_after_days: int, retention_days: int) -> dict[str, Any]:
    """The repository's ISM policy with this stack's ages: warm after `warm_after_days`,
    deleted after `retention_days` (both from the index's creation)."""
    if not 0 < warm_after_days < retention_days:
        raise ValueError(
            f"warm_after_days ({warm_after_days}) must be above 0 and below "
            f"retention_days ({retention_days})"
        )
    policy = load(ISM_POLICY_FILE)
    states = _states(policy)
    states["hot"]["transitions"][0]["conditions"] = {"min_index_age": f"{warm_after_days}d"}
    states["warm"]["transitions"][0]["conditions"] = {"min_index_age": f"{retention_days}d"}
    return policy


def index_template(*, data_nodes: int) -> dict[str, Any]:
    """The repository's index template with as many replicas as the nodes allow (one
    when there are two data nodes or more)."""
    template = load(INDEX_TEMPLATE_FILE)
    template["template"]["settings"]["index"]["number_of_replicas"] = 1 if data_nodes > 1 else 0
    return template


def security(
    *,
    admin_arns: Sequence[str],
    writer_arns: Sequence[str],
    reader_arns: Sequence[str] = (),
) -> dict[str, Any]:
    """The security plugin's roles and role mappings (IAM role ARNs as backend roles):
    admins get `all_access`, readers `readall`, writers `WRITER_ROLE`."""
    writer = {
        "description": "Log shippers: create and write the gam-logs indices only",
        "cluster_permissions": ["cluster_monitor", "indices:data/write/bulk"],
        "index_permissions": [
            {
                "index_patterns": [INDEX_PATTERN],
                "allowed_actions": ["create_index", "write", "indices:admin/mapping/put"],
            }
        ],
    }
    mappings = {
        "all_access": list(admin_arns),
        "readall": list(reader_arns),
        WRITER_ROLE: list(writer_arns),
    }
    return {
        "roles": {WRITER_ROLE: writer},
        "roles_mapping": {
            role: {"backend_roles": sorted(set(arns))} for role, arns in mappings.items() if arns
        },
    }


def document_problems(policy: Mapping[str, Any], template: Mapping[str, Any]) -> list[str]:
    """What makes the pair unusable: states not hot -> warm -> delete in that order, an
    index pattern the two do not share, a correlation field not mapped as a keyword."""
    found = []
    body = policy.get("policy", {})
    names = [state.get("name") for state in body.get("states", [])]
    if tuple(names) != STATES:
        found.append(f"the ISM policy's states are {names}, expected {list(STATES)}")
    elif body.get("default_state") != "hot":
        found.append("the ISM policy must start indices in the hot state")
    else:
        chain = [
            [t.get("state_name") for t in state.get("transitions", [])] for state in body["states"]
        ]
        if chain != [["warm"], ["delete"], []]:
            found.append(f"the ISM transitions are {chain}, expected hot -> warm -> delete")
        elif set(transition_ages(policy)) != {"warm", "delete"}:
            found.append("each ISM transition needs a min_index_age in days (e.g. 30d)")
        if not any("delete" in action for action in _states(policy)["delete"]["actions"]):
            found.append("the ISM delete state does not delete the index")
    patterns = [p for item in body.get("ism_template", []) for p in item.get("index_patterns", [])]
    if patterns != [INDEX_PATTERN] or template.get("index_patterns") != [INDEX_PATTERN]:
        found.append(
            f"the ISM policy ({patterns}) and the index template "
            f"({template.get('index_patterns')}) must both cover exactly {INDEX_PATTERN}"
        )
    mapped = (
        template.get("template", {})
        .get("mappings", {})
        .get("properties", {})
        .get(MERGE_LOG_KEY, {})
        .get("properties", {})
    )
    unmapped = [f for f in CORRELATION_FIELDS if mapped.get(f, {}).get("type") != "keyword"]
    if unmapped:
        found.append(
            f"the index template does not map {unmapped} as keywords under {MERGE_LOG_KEY}"
        )
    return found


def rendered(
    *, warm_after_days: int, retention_days: int, data_nodes: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stack's (ISM policy, index template), checked."""
    policy = ism_policy(warm_after_days=warm_after_days, retention_days=retention_days)
    template = index_template(data_nodes=data_nodes)
    found = document_problems(policy, template)
    if found:
        raise ValueError("the log store's documents are unusable: " + "; ".join(found))
    return policy, template
