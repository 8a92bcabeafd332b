"""OpenSearch cases: one compliant domain."""

from __future__ import annotations

import json

from gam_policies.rules import opensearch
from tests.policies.builders import make
from tests.policies.casekit import Break, Case

LOG_GROUP = "arn:aws:logs:eu-west-1:111111111111:log-group:/gam/opensearch"

DOMAIN = make(
    opensearch.DOMAIN,
    "search",
    {
        "encryptAtRest": {"enabled": True, "kmsKeyId": "arn:aws:kms:eu-west-1:1:key/search"},
        "nodeToNodeEncryption": {"enabled": True},
        "domainEndpointOptions": {
            "enforceHttps": True,
            "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
        },
        "vpcOptions": {"subnetIds": ["subnet-a", "subnet-b", "subnet-c"]},
        "accessPolicies": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                        "Action": "es:ESHttp*",
                        "Resource": "arn:aws:es:eu-west-1:111111111111:domain/search/*",
                    }
                ],
            }
        ),
        "advancedSecurityOptions": {"enabled": True, "anonymousAuthEnabled": False},
        "logPublishingOptions": [
            {"logType": log, "cloudwatchLogGroupArn": LOG_GROUP, "enabled": True}
            for log in opensearch.LOG_TYPES
        ],
        "clusterConfig": {
            "instanceCount": 3,
            "dedicatedMasterEnabled": True,
            "dedicatedMasterCount": 3,
            "zoneAwarenessEnabled": True,
            "zoneAwarenessConfig": {"availabilityZoneCount": 3},
        },
    },
)


def case(rule: str, *breaks: Break) -> Case:
    return Case(rule=rule, compliant=DOMAIN, breaks=breaks)


TLS = "domainEndpointOptions.tlsSecurityPolicy"
OPEN_TO_ANYONE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*"}],
    }
)

CASES = [
    case(
        "opensearch-encryption-at-rest",
        Break("encryptAtRest.enabled", False),
        Break("encryptAtRest.kmsKeyId"),
        Break("encryptAtRest"),
    ),
    case(
        "opensearch-node-to-node-encryption",
        Break("nodeToNodeEncryption.enabled", False),
        Break("nodeToNodeEncryption"),
    ),
    case(
        "opensearch-https-tls",
        Break("domainEndpointOptions.enforceHttps", False),
        Break("domainEndpointOptions.enforceHttps"),
        Break(TLS, "Policy-Min-TLS-1-0-2019-07"),
        Break(TLS),
    ),
    case(
        "opensearch-access-policy-scoped",
        Break("accessPolicies", OPEN_TO_ANYONE),
        Break("accessPolicies", "not json"),
        Break("accessPolicies"),
    ),
    case("opensearch-in-vpc", Break("vpcOptions.subnetIds", []), Break("vpcOptions")),
    case(
        "opensearch-fine-grained-access",
        Break("advancedSecurityOptions.enabled", False),
        Break("advancedSecurityOptions.anonymousAuthEnabled", True),
        Break("advancedSecurityOptions"),
    ),
    case(
        "opensearch-logs",
        Break("logPublishingOptions.0.enabled", False),
        Break("logPublishingOptions.1.cloudwatchLogGroupArn"),
        Break("logPublishingOptions.2"),
        Break("logPublishingOptions"),
    ),
    case(
        "opensearch-high-availability",
        Break("clusterConfig.dedicatedMasterEnabled", False),
        Break("clusterConfig.dedicatedMasterCount", 2),
        Break("clusterConfig.zoneAwarenessEnabled", False),
        Break("clusterConfig.instanceCount", 1),
        Break("clusterConfig"),
    ),
]
