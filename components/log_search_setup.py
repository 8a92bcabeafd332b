"""The log store's setup, run in the cluster by `LogSearch`'s Job (ADR 0018): applies the
security plugin's roles and mappings, the index template and the ISM policy to the
domain, signed with the Job's role (the domain's master user) through Pod Identity.

Standard library and botocore only (the AWS Lambda Python base image has both). It is
idempotent: every run leaves the domain holding exactly the documents it was given, and
attaches the policy to the log indices that exist already. `plan` is pure and tested;
`main` sends what it plans.

    OPENSEARCH_ENDPOINT=vpc-gam-prod-logs-....es.amazonaws.com AWS_REGION=eu-west-1 \\
    DOCUMENTS=/etc/gam-log-search python3 log_search_setup.py
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POLICY_FILE = "ism-policy.json"
TEMPLATE_FILE = "index-template.json"
SECURITY_FILE = "security.json"
SETTINGS_FILE = "names.json"
ATTEMPTS = 5


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Mapping[str, Any] | None = None
    accept: tuple[int, ...] = (200, 201)
    """Statuses that mean done (404 on a lookup: nothing there yet)."""


def plan(
    names: Mapping[str, str],
    policy: Mapping[str, Any],
    template: Mapping[str, Any],
    security: Mapping[str, Any],
) -> list[Call]:
    """Roles, then their mappings, then the template, then the policy's lookup (its
    create-or-update is decided on the answer: `policy_call`), then attaching it to the
    existing indices."""
    calls = [
        Call("PUT", f"_plugins/_security/api/roles/{role}", body)
        for role, body in security["roles"].items()
    ]
    calls += [
        Call("PUT", f"_plugins/_security/api/rolesmapping/{role}", body)
        for role, body in security["roles_mapping"].items()
    ]
    calls.append(Call("PUT", f"_index_template/{names['template']}", template))
    calls.append(Call("GET", f"_plugins/_ism/policies/{names['policy']}", accept=(200, 404)))
    return calls + attach(names)


def policy_call(
    names: Mapping[str, str], policy: Mapping[str, Any], found: Mapping[str, Any] | None
) -> Call:
    """Create the policy, or update the one `found` (optimistic concurrency: its seq_no
    and primary term)."""
    path = f"_plugins/_ism/policies/{names['policy']}"
    if found is None:
        return Call("PUT", path, policy)
    query = f"?if_seq_no={found['_seq_no']}&if_primary_term={found['_primary_term']}"
    return Call("PUT", path + query, policy)


def attach(names: Mapping[str, str]) -> list[Call]:
    """Existing indices: managed ones move to the current policy, the others get it
    (ISM answers 200 with per-index failures for those already in the other case, and
    may answer 404 while no log index exists yet)."""
    body = {"policy_id": names["policy"]}
    return [
        Call("POST", f"_plugins/_ism/change_policy/{names['pattern']}", body, (200, 404)),
        Call("POST", f"_plugins/_ism/add/{names['pattern']}", body, (200, 404)),
    ]


Sender = Callable[[Call], tuple[int, dict[str, Any]]]


def run(
    calls: list[Call], policy: Mapping[str, Any], names: Mapping[str, str], send: Sender
) -> None:
    """Send `calls` in order; the policy lookup's answer decides its create-or-update,
    sent right after it. Raises on any status a call does not accept."""
    for call in calls:
        status, answer = send(call)
        if status not in call.accept:
            raise RuntimeError(f"{call.method} {call.path}: HTTP {status} {answer}")
        print(f"{call.method} {call.path}: HTTP {status}")
        if call.method == "GET" and "_ism/policies/" in call.path:
            update = policy_call(names, policy, answer if status == 200 else None)
            status, answer = send(update)
            if status not in update.accept:
                raise RuntimeError(f"PUT {update.path}: HTTP {status} {answer}")
            print(f"PUT {update.path}: HTTP {status}")


def signed_sender(endpoint: str, region: str) -> Sender:  # pragma: no cover - needs AWS
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials (is the Pod Identity association in place?)")

    def send(call: Call) -> tuple[int, dict[str, Any]]:
        url = f"https://{endpoint}/{call.path}"
        data = json.dumps(call.body).encode() if call.body is not None else None
        request = AWSRequest(
            method=call.method, url=url, data=data, headers={"Content-Type": "application/json"}
        )
        SigV4Auth(credentials.get_frozen_credentials(), "es", region).add_auth(request)
        prepared = urllib.request.Request(
            url, data=data, method=call.method, headers=dict(request.headers.items())
        )
        for attempt in range(ATTEMPTS):
            try:
                with urllib.request.urlopen(prepared, timeout=30) as response:
                    return response.status, json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read() or b"{}")
            except urllib.error.URLError:
                if attempt == ATTEMPTS - 1:
                    raise
                time.sleep(2**attempt * 5)
        raise AssertionError("unreachable")

    return send


def main() -> int:  # pragma: no cover - runs in the cluster
    folder = Path(os.environ.get("DOCUMENTS", "/etc/gam-log-search"))
    documents = {
        name: json.loads((folder / name).read_text())
        for name in (POLICY_FILE, TEMPLATE_FILE, SECURITY_FILE, SETTINGS_FILE)
    }
    names = documents[SETTINGS_FILE]
    policy = documents[POLICY_FILE]
    calls = plan(names, policy, documents[TEMPLATE_FILE], documents[SECURITY_FILE])
    send = signed_sender(os.environ["OPENSEARCH_ENDPOINT"], os.environ["AWS_REGION"])
    run(calls, policy, names, send)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
