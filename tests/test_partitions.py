"""Every ARN the templates make is built on AWS::Partition: resolved for the China and GovCloud partitions, no
resource holds an ``arn:aws:`` of the commercial partition.

Each template is resolved with every optional part switched on (findings, exemptions, signing, alarms, the member
role), so that no conditional statement escapes. The organization template is resolved too, although
deploy/artifacts.py refuses to release it in the China Regions (tests/test_release.py): its ARNs must still be
right in GovCloud, and nothing in it should assume the partition either.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.templates import DEPLOY, RELEASED_MEMBER, Resolver, active_resources, load

PARTITIONS = {"aws-cn": ("cn-north-1", "amazonaws.com.cn"), "aws-us-gov": ("us-gov-west-1", "amazonaws.com")}
ACCOUNT, OTHER = "111111111111", "222222222222"


def everything(partition: str, region: str, suffix: str) -> dict[str, dict[str, str]]:
    """Each template's parameters with every optional part on (template file name -> overrides)."""
    signer = f"arn:{partition}:signer:{region}:{OTHER}:/signing-profiles/acm_expiry/a1b2c3d4e5"
    return {
        "aggregator.yaml": {},
        "alerts.yaml": {"AlertEmail": "ops@example.com", "AlarmConfigRuleName": "acm-expiry-rule"},
        "artifacts.yaml": {"OrganizationId": "o-exampleorg1", "ReaderAccountIds": OTHER},
        "conformance-pack.yaml": {
            "LambdaFunctionArn": f"arn:{partition}:lambda:{region}:{ACCOUNT}:function:acm-expiry-rule",
            "ExemptTagKey": "exempt",
        },
        "execution-role.yaml": {
            "SecurityHubFindings": "true",
            "ExemptTagKey": "exempt",
            "MemberRoleName": "ACMExpiryRule-Member",
            "OrganizationId": "o-exampleorg1",
        },
        "invoke-permission.yaml": {"SourceAccountId": OTHER},
        "member-role.yaml": {
            "CentralAccountId": OTHER,
            "OrganizationId": "o-exampleorg1",
            "SecurityHubFindings": "true",
            "ExemptTagKey": "exempt",
        },
        RELEASED_MEMBER: {
            "ArtifactBucketAccount": OTHER,
            "SecurityHubFindings": "true",
            "ExemptTagKey": "exempt",
            "SigningProfileVersionArns": signer,
            "Remediation": "automatic",
            "RenewExportedCertificates": "private-and-public",
        },
        "remediation.yaml": {"Remediation": "automatic", "RenewExportedCertificates": "private-and-public"},
        "organization.yaml": {
            "TargetOrganizationalUnitIds": "ou-ab12-cdef3456",
            "TargetRegions": region,
            "ArtifactBucketAccount": OTHER,
            "MemberTemplateURL": f"https://b.s3.{region}.{suffix}/acm-expiry/member-0123456789abcdef.yaml",
            "AlertsTemplateURL": f"https://b.s3.{region}.{suffix}/acm-expiry/alerts-0123456789abcdef.yaml",
            "RecorderStackSetArn": f"arn:{partition}:cloudformation:{region}:{ACCOUNT}:stackset/rec:"
            "0123abcd-0123-4567-89ab-0123456789ab",
            "SigningProfileVersionArns": signer,
            "AlertEmail": "ops@example.com",
            "RolloutAlertEmail": "ops@example.com",
        },
    }


def test_every_template_is_covered() -> None:
    names = {path.name for path in DEPLOY.glob("*.yaml")} - {"member.yaml"}
    assert names | {RELEASED_MEMBER} == set(everything("aws", "us-east-1", "amazonaws.com"))


@pytest.mark.parametrize("partition", sorted(PARTITIONS))
@pytest.mark.parametrize("name", sorted(everything("aws", "us-east-1", "amazonaws.com")))
def test_no_arn_assumes_the_commercial_partition(partition: str, name: str) -> None:
    region, suffix = PARTITIONS[partition]
    template = load(name)
    resolver = Resolver(
        template,
        everything(partition, region, suffix)[name],
        pseudo={"AWS::Partition": partition, "AWS::Region": region, "AWS::URLSuffix": suffix},
    )
    resolved: list[Any] = [props for _, _, props in active_resources(template, resolver)]
    text = json.dumps(resolved)
    assert "arn:aws:" not in text, name
    assert f"arn:{partition}:" in text  # every template makes ARNs: built for this partition
