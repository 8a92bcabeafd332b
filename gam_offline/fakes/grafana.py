"""Fakes of pulumiverse-grafana resource types: what a Grafana instance computes.

Grafana's provider ids are `<org id>:<uid>` (the default organisation is 1); a folder
and a dashboard answer with their URL in the instance. One function per type.
"""

from __future__ import annotations

import json
from typing import Any

from gam_offline.fakes.registry import digest, fake
from gam_offline.records import FakeContext

Inputs = dict[str, Any]
Outputs = dict[str, Any]
ORG = "1"


def _uid(inputs: Inputs, ctx: FakeContext) -> str:
    return str(inputs.get("uid") or digest(ctx.name, length=14))


@fake("grafana:oss/dataSource:DataSource")
def _data_source(inputs: Inputs, ctx: FakeContext) -> Outputs:
    uid = _uid(inputs, ctx)
    return {"id": f"{ORG}:{uid}", "uid": uid, "orgId": ORG}


@fake("grafana:oss/folder:Folder")
def _folder(inputs: Inputs, ctx: FakeContext) -> Outputs:
    uid = _uid(inputs, ctx)
    return {"id": f"{ORG}:{uid}", "uid": uid, "orgId": ORG, "url": f"/dashboards/f/{uid}/"}


@fake("grafana:oss/dashboard:Dashboard")
def _dashboard(inputs: Inputs, ctx: FakeContext) -> Outputs:
    model = json.loads(str(inputs.get("configJson") or "{}"))
    uid = str(model.get("uid") or digest(ctx.name, length=14))
    return {
        "id": f"{ORG}:{uid}",
        "uid": uid,
        "orgId": ORG,
        "dashboardId": int(digest(ctx.name, length=4), 16),
        "version": 1,
        "url": f"/d/{uid}",
    }
