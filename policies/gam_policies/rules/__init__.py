"""Every rule of the pack, by domain. A domain module exposes `RULES: list[Rule]`."""

from __future__ import annotations

import importlib

from gam_policies.framework import Rule

DOMAINS = (
    "s3",
    "rds",
    "eks",
    "kubernetes",
    "elasticache",
    "opensearch",
    "ecr",
    "codebuild",
    "edge",
    "identity",
    "messaging",
    "kms",
    "iam",
    "network",
    "logging",
    "observability",
    "drills",
    "secrets",
    "tags",
    "protection",
    "stack",
)


def all_rules() -> list[Rule]:
    rules: list[Rule] = []
    for domain in DOMAINS:
        try:
            module = importlib.import_module(f"gam_policies.rules.{domain}")
        except ModuleNotFoundError as exc:
            if exc.name != f"gam_policies.rules.{domain}":
                raise
            continue  # domain not written yet
        rules.extend(module.RULES)
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate policy names: {duplicates}")
    return rules
