"""The pure rules of `PostgisDatabase`, shared with the settings (no Pulumi here)."""

from __future__ import annotations

import re
from typing import Any

from components.values import LOG_RETENTION_DAYS

PORT = 5432
# PostgreSQL majors RDS ships PostGIS 3 for, newest first (RDS "Extension versions for
# Amazon RDS for PostgreSQL"): 16 and 17 carry PostGIS 3.4/3.5.
SUPPORTED_MAJORS = (17, 16)
ENGINE_VERSION = re.compile(r"^(\d+)\.(\d+)$")
INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9]+\.(micro|small|medium|large|\d*xlarge)$")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED_NAMES = ("postgres", "rdsadmin", "rdsrepladmin", "template0", "template1", "admin")
# RDS's windows: `hh24:mi-hh24:mi` (UTC) and `ddd:hh24:mi-ddd:hh24:mi`.
BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
MAINTENANCE_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-"
    r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$"
)
MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
# Database Insights: standard keeps 7 days of Performance Insights (free); advanced 465.
INSIGHTS_RETENTION = {"standard": 7, "advanced": 465}
# The CA RDS signs server certificates with (RSA 2048, valid to 2061; AWS's default).
CA_CERTIFICATES = ("rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1")
# What RDS for PostgreSQL exports: the pack wants both (rds-log-exports).
LOG_EXPORTS = ("postgresql", "upgrade")
# The extensions the application needs, created by the enablement Job (ADR 0015).
EXTENSIONS = ("postgis", "postgis_raster", "postgis_topology", "fuzzystrmatch", "pg_trgm")


def parameter_group_family(engine_version: str) -> str:
    """`17.6` -> `postgres17`: the family follows the major, so it is never typed twice."""
    match = ENGINE_VERSION.match(engine_version)
    if not match:
        raise ValueError(f"{engine_version!r} is not a PostgreSQL version such as 17.6")
    return f"postgres{match.group(1)}"


def engine_version_problems(engine_version: str) -> list[str]:
    match = ENGINE_VERSION.match(engine_version)
    if not match:
        return [f"engine version {engine_version!r} is not a minor version such as 17.6"]
    if int(match.group(1)) not in SUPPORTED_MAJORS:
        return [
            f"engine version {engine_version} is not of a major RDS ships PostGIS 3 for; "
            f"use one of {list(SUPPORTED_MAJORS)}"
        ]
    return []


def connect_policy(resource_arns: list[str], db_user: str) -> dict[str, Any]:
    """`rds-db:connect` for one database user on the given `dbuser:` resources."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ConnectAsOneDatabaseUser",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": [f"{arn}/{db_user}" for arn in resource_arns],
            }
        ],
    }


def value_problems(
    *,
    engine_version: str,
    instance_class: str,
    allocated_storage_gb: int,
    max_allocated_storage_gb: int,
    database_name: str,
    master_username: str,
    read_replicas: int,
    backup_retention_days: int,
    backup_replication_retention_days: int,
    backup_window: str,
    maintenance_window: str,
    monitoring_interval: int,
    log_retention_days: int,
    ca_certificate: str,
) -> list[str]:
    """What RDS would refuse, checked before anything exists (also by the settings)."""
    found = engine_version_problems(engine_version)
    if not INSTANCE_CLASS.match(instance_class):
        found.append(f"instance class {instance_class!r} is not an RDS class such as db.r7g.large")
    if not 20 <= allocated_storage_gb <= 65536:
        found.append(f"allocated storage {allocated_storage_gb} GB must be 20 to 65536")
    if max_allocated_storage_gb <= allocated_storage_gb:
        found.append(
            f"max allocated storage {max_allocated_storage_gb} GB must exceed the allocated "
            f"{allocated_storage_gb} GB (storage autoscaling)"
        )
    for what, value in (("database name", database_name), ("master username", master_username)):
        if not IDENTIFIER.match(value) or value in RESERVED_NAMES:
            found.append(f"{what} {value!r} must be a lower-case identifier, not a reserved name")
    if not 0 <= read_replicas <= 5:
        found.append(f"read replicas {read_replicas} must be 0 to 5")
    for what, days in (
        ("backup retention", backup_retention_days),
        ("backup replication retention", backup_replication_retention_days),
    ):
        if not 1 <= days <= 35:
            found.append(f"{what} {days} days must be 1 to 35 (0 turns backups off)")
    if not BACKUP_WINDOW.match(backup_window):
        found.append(f"backup window {backup_window!r} must look like 02:00-03:00 (UTC)")
    if not MAINTENANCE_WINDOW.match(maintenance_window):
        found.append(
            f"maintenance window {maintenance_window!r} must look like sun:03:30-sun:04:30"
        )
    elif BACKUP_WINDOW.match(backup_window) and windows_overlap(backup_window, maintenance_window):
        found.append(
            f"backup window {backup_window} overlaps maintenance window {maintenance_window}"
        )
    if monitoring_interval not in MONITORING_INTERVALS:
        found.append(
            f"monitoring interval {monitoring_interval} must be one of {MONITORING_INTERVALS}"
        )
    if log_retention_days not in LOG_RETENTION_DAYS:
        found.append(
            f"log retention {log_retention_days} is not a CloudWatch Logs retention; use one of "
            f"{LOG_RETENTION_DAYS}"
        )
    if ca_certificate not in CA_CERTIFICATES:
        found.append(f"CA certificate {ca_certificate!r} must be one of {list(CA_CERTIFICATES)}")
    return found


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def windows_overlap(backup_window: str, maintenance_window: str) -> bool:
    """Whether the daily backup window meets the weekly maintenance window (RDS refuses)."""
    week = 7 * 24 * 60
    start, end = (_minutes(t) for t in backup_window.split("-"))
    daily = [(d * 1440 + start, d * 1440 + end + (1440 if end <= start else 0)) for d in range(7)]
    (day_a, clock_a), (day_b, clock_b) = (
        (part[:3], part[4:]) for part in maintenance_window.split("-")
    )
    m_start = _DAYS.index(day_a) * 1440 + _minutes(clock_a)
    m_end = _DAYS.index(day_b) * 1440 + _minutes(clock_b)
    if m_end <= m_start:
        m_end += week
    spans = [(m_start, m_end), (m_start - week, m_end - week), (m_start + week, m_end + week)]
    return any(a < d and c < b for a, b in daily for c, d in spans)
