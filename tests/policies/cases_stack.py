"""Cross-resource cases: backup selections, WAF for the edge and public load balancers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gam_policies.framework import Resource
from gam_policies.rules import stack
from tests.policies.baseline import resource
from tests.policies.casekit import Break, Case
from tests.policies.cases_edge import distribution, web_acl

DAILY = [{"type": "STRINGEQUALS", "key": "Backup", "value": "daily"}]
LB = stack.LOAD_BALANCER_TYPES[0]


def backup_stack() -> list[Resource]:
    """[database, data bucket, logs bucket, selection by ARN, selection by tag]."""
    database = resource(stack.DATABASE_TYPES[0], "catalog-db", {"engine": "postgres"}, protect=True)
    data = resource(
        "aws:s3/bucket:Bucket", "data", {"bucket": "gam-data"}, Purpose="data", Backup="daily"
    )
    logs = resource("aws:s3/bucket:Bucket", "logs", {"bucket": "gam-logs"}, Purpose="logs")
    plan = {"iamRoleArn": "arn:aws:iam::1:role/backup", "planId": "daily-plan-id"}
    by_arn = resource(
        stack.BACKUP_SELECTION, "databases", {**plan, "resources": [database.get("arn")]}
    )
    by_tag = resource(stack.BACKUP_SELECTION, "tagged", {**plan, "selectionTags": DAILY})
    return [database, data, logs, by_arn, by_tag]


def load_balancer(name: str = "api", **props: Any) -> Resource:
    defaults = {"internal": False, "loadBalancerType": "application", "subnets": ["public-a-id"]}
    return resource(LB, name, {**defaults, **props})


def protected_lb() -> list[Resource]:
    lb = load_balancer()
    association = resource(
        stack.WEB_ACL_ASSOCIATION,
        "api-waf",
        {
            "resourceArn": lb.get("arn"),
            "webAclArn": "arn:aws:wafv2:eu-west-1:1:regional/webacl/api/x",
        },
    )
    return [lb, association]


CASES = [
    Case(
        "backup-plan-coverage",
        backup_stack(),
        (
            Break("resources", [], index=3),
            Break("resources", index=3),
            Break("tags.Backup", "weekly", index=1),
            Break("selectionTags.0.type", "STRINGLIKE", index=4),
            Break("tags.Purpose", "data", index=2),
        ),
    ),
    Case(  # in a preview the ARN is unknown: the property dependency links them
        "backup-plan-coverage",
        [
            backup_stack()[0],
            resource(
                stack.BACKUP_SELECTION,
                "databases",
                {"planId": "p"},
                {"resources": backup_stack()[0]},
            ),
        ],
        (),
    ),
    Case(
        "backup-plan-coverage",
        [
            backup_stack()[0],
            resource(stack.BACKUP_SELECTION, "everything", {"planId": "p", "resources": ["*"]}),
        ],
        (Break("resources", ["arn:aws:rds:eu-west-1:1:db:other"], index=1),),
    ),
    Case(  # read replicas are backed up through their source: each type names it its way
        "backup-plan-coverage",
        [
            resource(
                stack.DB_CLUSTER, "replica-cluster", {"replicationSourceIdentifier": "arn:src"}
            ),
            resource(stack.DB_INSTANCE, "replica-db", {"replicateSourceDb": "catalog-db"}),
        ],
        (
            Break("replicationSourceIdentifier", index=0),
            Break("replicateSourceDb", index=1),
            Break("replicationSourceIdentifier", "", index=0),
        ),
    ),
    Case(
        "cloudfront-waf-acl-in-stack",
        [distribution(), web_acl()],
        (
            Break("scope", "REGIONAL", index=1),
            Break("webAclId", "arn:other", index=0),
            Break("webAclId", index=0),
        ),
    ),
    Case(  # in a preview the ACL's ARN is unknown: the property dependency links them
        "cloudfront-waf-acl-in-stack",
        [
            replace(
                distribution(webAclId="unknown"),
                property_dependencies={"webAclId": (web_acl().urn,)},
            ),
            web_acl(),
        ],
        (Break("scope", "REGIONAL", index=1),),
    ),
    Case(
        "lb-public-waf-association",
        protected_lb(),
        (
            Break("resourceArn", "arn:aws:elasticloadbalancing:other", index=1),
            Break("resourceArn", index=1),
        ),
    ),
    Case(
        "lb-public-waf-association",
        [load_balancer("internal-api", internal=True)],
        (Break("internal", False), Break("internal")),
    ),
    Case(
        "lb-public-waf-association",
        [load_balancer("tcp-ingest", loadBalancerType="network")],
        (Break("loadBalancerType", "application"), Break("loadBalancerType")),
    ),
]
