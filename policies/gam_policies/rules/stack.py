"""Cross-resource rules: backup plan coverage, WAF in front of every public entry point."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from gam_policies.framework import Context, Resource, Rule, fsbp, on, references
from gam_policies.rules._shared import BUCKET_TYPES, as_list, is_data_bucket, of_type, unreferenced
from gam_policies.rules.edge import DISTRIBUTION, WEB_ACL
from gam_policies.rules.tags import effective_tags, tag_reads

DB_INSTANCE = "aws:rds/instance:Instance"
DB_CLUSTER = "aws:rds/cluster:Cluster"
DATABASE_TYPES = (DB_INSTANCE, DB_CLUSTER)
# A read replica is backed up through its source: instances name it in `replicateSourceDb`,
# clusters in `replicationSourceIdentifier`.
REPLICA_SOURCE = {DB_INSTANCE: "replicateSourceDb", DB_CLUSTER: "replicationSourceIdentifier"}
BACKUP_SELECTION = "aws:backup/selection:Selection"
LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"


def _selects(selection: Resource, resource: Resource) -> bool:
    """True if the backup selection picks `resource` by ARN, by `*`, or by one of its tags."""
    if "*" in as_list(selection.get("resources")) or references(selection, "resources", resource):
        return True
    tags = effective_tags(resource)
    return any(
        isinstance(t, Mapping)
        and str(t.get("type")).upper() == "STRINGEQUALS"
        and t.get("value") is not None
        and tags.get(str(t.get("key"))) == t.get("value")
        for t in as_list(selection.get("selectionTags"))
    )


def _backup_coverage(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    selections = of_type(resources, BACKUP_SELECTION)
    databases = [
        r for r in of_type(resources, *DATABASE_TYPES) if not r.get(REPLICA_SOURCE[r.type])
    ]
    buckets = [r for r in of_type(resources, *BUCKET_TYPES) if is_data_bucket(r)]
    for resource in databases + buckets:
        if not any(_selects(s, resource) for s in selections):
            yield (
                resource.urn,
                (
                    f"{resource.name} is not selected by any aws:backup/selection:Selection "
                    "(neither in `resources` nor through `selectionTags`)."
                ),
            )


def _backup_reads() -> dict[str, tuple[str, ...]]:
    covered = tag_reads((*DATABASE_TYPES, *BUCKET_TYPES))  # selected by ARN or by their tags
    reads = {type_: ("id", "arn", *paths) for type_, paths in covered.items()}
    for database, source in REPLICA_SOURCE.items():
        reads[database] += (source,)
    reads[BACKUP_SELECTION] = (
        "resources",
        "selectionTags[].type",
        "selectionTags[].key",
        "selectionTags[].value",
    )
    return reads


def _cloudfront_acl(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    acls = [a for a in of_type(resources, WEB_ACL) if a.get("scope") == "CLOUDFRONT"]
    for dist in of_type(resources, DISTRIBUTION):
        if not any(references(dist, "webAclId", acl) for acl in acls):
            message = "`webAclId` does not refer to a CLOUDFRONT-scope aws:wafv2/webAcl:WebAcl"
            yield dist.urn, f"distribution {dist.name}: {message} of this stack."


def is_public_application_lb(resource: Resource) -> bool:
    """Unset `internal` means internet-facing and unset type means application (AWS defaults)."""
    internal = resource.get("internal") is True
    return not internal and resource.get("loadBalancerType", "application") == "application"


def _public_lb_waf(resources: Sequence[Resource], ctx: Context) -> Iterator[tuple[str, str]]:
    public = [lb for lb in of_type(resources, *LOAD_BALANCER_TYPES) if is_public_application_lb(lb)]
    associations = of_type(resources, WEB_ACL_ASSOCIATION)
    what = "internet-facing load balancer"
    yield from unreferenced(public, associations, "resourceArn", what, WEB_ACL_ASSOCIATION)


RULES = [
    Rule(
        name="backup-plan-coverage",
        description=(
            "Databases and data buckets outside every AWS Backup plan have no independent, "
            "point-in-time copy to restore after deletion, corruption or ransomware."
        ),
        severity="high",
        remediation=(
            "Declare an aws.backup.Selection for the plan listing the resource's ARN in "
            "`resources`, or selecting it with `selection_tags=[{'type': 'STRINGEQUALS', "
            "'key': ..., 'value': ...}]` that match its tags."
        ),
        controls=(fsbp("RDS.26"),),
        category="reliability",
        stack_check=_backup_coverage,
        reads=_backup_reads(),
    ),
    Rule(
        name="cloudfront-waf-acl-in-stack",
        description=(
            "A distribution whose `webAclId` is not a CLOUDFRONT-scope web ACL managed here may "
            "be unprotected or protected by rules nobody reviews with this platform."
        ),
        severity="high",
        remediation=(
            "Declare an aws.wafv2.WebAcl with `scope='CLOUDFRONT'` (in us-east-1) in this program "
            "and pass its `arn` as `web_acl_id` of aws.cloudfront.Distribution."
        ),
        controls=(fsbp("CloudFront.6"),),
        stack_check=_cloudfront_acl,
        reads={WEB_ACL: ("scope", "id", "arn"), DISTRIBUTION: ("webAclId",)},
    ),
    Rule(
        name="lb-public-waf-association",
        description=(
            "An internet-facing application load balancer without a WAF association passes "
            "injection and flood traffic straight to the services behind it."
        ),
        severity="high",
        remediation=(
            "Declare an aws.wafv2.WebAclAssociation with `resource_arn=lb.arn` and the ARN of a "
            "REGIONAL aws.wafv2.WebAcl, or set `internal=True` on aws.lb.LoadBalancer."
        ),
        controls=(fsbp("ELB.16"),),
        stack_check=_public_lb_waf,
        reads={
            **on(LOAD_BALANCER_TYPES, "internal", "loadBalancerType", "id", "arn"),
            WEB_ACL_ASSOCIATION: ("resourceArn",),
        },
    ),
]
