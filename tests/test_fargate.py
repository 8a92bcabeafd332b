"""The ECS Fargate fallback: off by default; when on, insights on and exec encrypted."""

from __future__ import annotations

from typing import Any

from gam_offline import analyzer, engine
from gam_offline.records import Record
from tests.support import PACK_DIR, ROOT
from tests.test_settings import BASE


def test_no_stack_has_the_fallback_unless_asked(stack_records: dict[str, Record]) -> None:
    assert all(not r.by_type("aws:ecs/cluster:Cluster") for r in stack_records.values())


def _dev_with_fargate() -> Record:
    config: dict[str, Any] = {**BASE, "gam:fargate": {"enabled": True, "spotWeight": 2}}
    config["gam:eks"] = {"enabled": False}
    config["gam:imageCache"] = {"enabled": False}
    return engine.run_program(
        lambda: __import__("runpy").run_path(str(ROOT / "infra" / "__main__.py")),
        stack="dev",
        region="eu-west-1",
        config=config,
        source=ROOT,
    )


def test_when_on_it_has_insights_encrypted_logged_exec_and_passes_the_pack() -> None:
    record = _dev_with_fargate()
    cluster = record.one("aws:ecs/cluster:Cluster").plain_inputs()
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    exec_config = cluster["configuration"]["executeCommandConfiguration"]
    key = next(r for r in record.by_type("aws:kms/key:Key") if r.name.endswith("fargate-exec-key"))
    assert exec_config["kmsKeyId"] == key.outputs["arn"]
    assert exec_config["logging"] == "OVERRIDE"
    assert exec_config["logConfiguration"]["cloudWatchEncryptionEnabled"] is True
    providers = record.one(
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
    ).plain_inputs()
    strategy = {
        s["capacityProvider"]: s["weight"] for s in providers["defaultCapacityProviderStrategies"]
    }
    assert strategy == {"FARGATE": 1, "FARGATE_SPOT": 2}
    assert analyzer.evaluate(record, PACK_DIR).mandatory() == []
