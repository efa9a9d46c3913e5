"""Exemptions by tag: "this certificate is expiring and that is fine, stop telling me"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from acm_expiry.errors import InvalidParameterError, MalformedEventError
from acm_expiry_cli.sample_events import change_event, oversized_event, scheduled_event
from tests.conftest import World
from tests.support.inventory import config_item, synthetic_inventory

KEY = "acm-expiry-exempt"
EXEMPT = {"daysToExpiration": "30", "exemptTagKey": KEY}
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"


def item(aws: World, name: str, days: float, tags: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    recorded = {
        "certificateArn": ARN + name,
        "domainName": f"{name}.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=days)).isoformat(),
    } | fields
    return config_item(recorded, aws.now, tags=tags)


def test_a_change_event_for_a_tagged_certificate_is_exempt(aws: World) -> None:
    aws.run(change_event(item(aws, "old-shop", 3, {KEY: "shop retired 2027-01", "team": "web"}), aws.now, EXEMPT))
    (evaluation,) = aws.config.sent
    assert (evaluation["ComplianceType"], evaluation["Annotation"]) == (
        "NOT_APPLICABLE",
        f"Exempt by tag {KEY}: shop retired 2027-01",
    )
    assert [name for name, _ in aws.doubles.requests if not name.startswith(("config.", "sts."))] == []


def test_the_tag_means_nothing_without_the_parameter(aws: World) -> None:
    aws.run(change_event(item(aws, "old-shop", 3, {KEY: "retired"}), aws.now))
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"


def test_an_empty_tag_value_still_exempts_and_says_so(aws: World) -> None:
    aws.run(change_event(item(aws, "x", 3, {KEY: ""}), aws.now, EXEMPT))
    assert aws.config.sent[0]["Annotation"] == f"Exempt by tag {KEY}: (no reason given)"


def test_an_oversized_items_tags_are_read_from_config_history(aws: World) -> None:
    recorded = item(aws, "big", 3, {KEY: "load test only"})
    aws.config.record_history(recorded)
    aws.run(oversized_event(recorded, aws.now, EXEMPT))
    assert aws.config.sent[0]["Annotation"] == f"Exempt by tag {KEY}: load test only"


def test_tags_that_are_not_an_object_are_refused_when_exemptions_are_on(aws: World) -> None:
    broken = item(aws, "x", 3) | {"tags": [KEY]}
    with pytest.raises(MalformedEventError, match="tags must be an object"):
        aws.run(change_event(broken, aws.now, EXEMPT))


def tag(records: list[dict[str, Any]], every: int, value: str = "accepted risk") -> set[str]:
    tagged = set()
    for index, record in enumerate(records):
        if index % every == 0:
            record["Tags"] = [{"Key": "team", "Value": "web"}, {"Key": KEY, "Value": f"{value} #{index}"}]
            tagged.add(record["CertificateArn"])
        elif index % every == 1:
            record["Tags"] = [{"Key": "team", "Value": "web"}]  # tagged, but not exempt
    return tagged


def test_the_periodic_run_finds_exempt_certificates_in_one_paged_query(aws: World) -> None:
    inventory = synthetic_inventory(600, aws.now)
    exempt = tag(inventory, 4)  # 150 of them
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=EXEMPT))

    queries = aws.doubles.calls("resourcegroupstaggingapi.GetResources")
    assert len(queries) == 2  # ⌈150 / 100⌉, not one call per certificate
    assert all(q["ResourcesPerPage"] == 100 and q["ResourceTypeFilters"] == ["acm:certificate"] for q in queries)
    assert all(q["TagFilters"] == [{"Key": KEY}] for q in queries)
    assert "PaginationToken" not in queries[0] and queries[1]["PaginationToken"]

    sent = {e["ComplianceResourceId"]: e for e in aws.config.sent}
    assert len(sent) == 600
    for arn in exempt:
        assert sent[arn]["ComplianceType"] == "NOT_APPLICABLE"
        assert sent[arn]["Annotation"].startswith(f"Exempt by tag {KEY}: accepted risk #")
    described = {c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")}
    assert described and not described & exempt  # an exempt certificate is not judged, nor described
    not_exempt = [arn for arn in sent if arn not in exempt]
    assert not [arn for arn in not_exempt if sent[arn].get("Annotation", "").startswith("Exempt")]
    line = aws.log_lines()[-1]
    assert line["CertificatesEvaluated"] == 600
    assert line["NonCompliantCertificates"] == sum(1 for e in sent.values() if e["ComplianceType"] == "NON_COMPLIANT")


def test_without_the_parameter_no_tagging_call_is_made(aws: World) -> None:
    inventory = synthetic_inventory(50, aws.now)
    tag(inventory, 4)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    assert aws.doubles.calls("resourcegroupstaggingapi.GetResources") == []
    assert not [e for e in aws.config.sent if e.get("Annotation", "").startswith("Exempt")]


def test_exempt_certificates_get_no_finding_and_lose_the_one_they_had(aws: World) -> None:
    inventory = synthetic_inventory(20, aws.now)
    aws.acm.source = lambda region: inventory
    findings_on = {"securityHubFindings": "true"}
    aws.run(scheduled_event(aws.now, parameters=findings_on))
    exempt = tag(inventory, 5)
    aws.run(scheduled_event(aws.later(days=1), parameters=findings_on | {"exemptTagKey": KEY}))
    found = {f["Resources"][0]["Id"]: f for f in aws.security_hub.visible()}
    issued_exempt = {arn for arn in exempt if arn in found}
    assert issued_exempt and all(found[arn]["RecordState"] == "ARCHIVED" for arn in issued_exempt)
    assert all(f["RecordState"] == "ACTIVE" for arn, f in found.items() if arn not in exempt)
    assert aws.log_lines()[-1]["findings"]["archived"] == len(issued_exempt)


@pytest.mark.parametrize("value", ["aws:createdBy", "x" * 129, "bad\nkey", 7, ["k"]])
def test_an_invalid_tag_key_is_refused_by_name(aws: World, value: object) -> None:
    with pytest.raises(InvalidParameterError, match="exemptTagKey"):
        aws.run(scheduled_event(aws.now, parameters={"exemptTagKey": value}))
    assert aws.doubles.requests == []


def test_an_empty_tag_key_means_no_exemptions(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(5, aws.now)
    aws.run(scheduled_event(aws.now, parameters={"exemptTagKey": ""}))
    assert aws.doubles.calls("resourcegroupstaggingapi.GetResources") == []


@pytest.mark.parametrize("item_tags", [None, {}, {"team": "web"}], ids=["no-tags-key", "empty", "other-tags"])
def test_both_triggers_agree_when_the_item_does_not_show_the_tag(aws: World, item_tags: Any) -> None:
    """The item's tags are read first; where they do not show the key, one GetResources call decides."""
    record = {
        "CertificateArn": ARN + "quiet",
        "DomainName": "quiet.example.com",
        "Status": "ISSUED",
        "Type": "IMPORTED",
        "KeyAlgorithm": "RSA_2048",
        "NotAfter": (aws.now + timedelta(days=3)).timestamp(),
        "Tags": [{"Key": KEY, "Value": "load test only"}],
    }
    aws.acm.source = lambda region: [record]
    aws.run(scheduled_event(aws.now, parameters=EXEMPT))
    (periodic,) = aws.config.sent
    aws.config.put_calls.clear()
    aws.doubles.requests.clear()

    recorded = item(aws, "quiet", 3)
    if item_tags is None:
        del recorded["tags"]
    else:
        recorded["tags"] = item_tags
    aws.run(change_event(recorded, aws.now, EXEMPT))
    (change,) = aws.config.sent
    assert (change["ComplianceType"], change["Annotation"]) == (periodic["ComplianceType"], periodic["Annotation"])
    assert change["Annotation"] == f"Exempt by tag {KEY}: load test only"
    (lookup,) = aws.doubles.calls("resourcegroupstaggingapi.GetResources")
    assert lookup["ResourceARNList"] == [ARN + "quiet"]


def test_a_certificate_without_the_tag_is_judged_after_one_lookup(aws: World) -> None:
    aws.run(change_event(item(aws, "plain", 3, {"team": "web"}), aws.now, EXEMPT))
    assert aws.config.sent[0]["ComplianceType"] == "NON_COMPLIANT"
    assert len(aws.doubles.calls("resourcegroupstaggingapi.GetResources")) == 1


def test_a_failing_tagging_query_sends_nothing(aws: World) -> None:
    from acm_expiry.errors import AwsCallError
    from tests.support.doubles import access_denied

    aws.acm.source = lambda region: synthetic_inventory(20, aws.now)
    aws.doubles.faults.add("resourcegroupstaggingapi.GetResources", access_denied("tag:GetResources"))
    with pytest.raises(AwsCallError, match="missing IAM permission: tag:GetResources"):
        aws.run(scheduled_event(aws.now, parameters=EXEMPT))
    assert aws.config.put_calls == []


def acm_record(aws: World, name: str, tags: list[dict[str, str]]) -> dict[str, Any]:
    """A certificate 3 days from expiry in the ACM double, with these tags (what the Tagging API reads)."""
    return {
        "CertificateArn": ARN + name,
        "DomainName": f"{name}.example.com",
        "Status": "ISSUED",
        "Type": "IMPORTED",
        "KeyAlgorithm": "RSA_2048",
        "NotAfter": (aws.now + timedelta(days=3)).timestamp(),
        "Tags": tags,
    }


@pytest.mark.parametrize("trigger", ["periodic", "change"])
def test_an_empty_tag_value_exempts_in_both_triggers(aws: World, trigger: str) -> None:
    """The key is what exempts; an empty value only means no reason was given (AWS tag values may be empty)."""
    aws.acm.source = lambda region: [acm_record(aws, "blank", [{"Key": KEY, "Value": ""}])]
    if trigger == "periodic":
        aws.run(scheduled_event(aws.now, parameters=EXEMPT))
    else:  # the item does not show the tag: the Tagging API is asked
        aws.run(change_event(item(aws, "blank", 3, {}), aws.now, EXEMPT))
    (evaluation,) = aws.config.sent
    assert (evaluation["ComplianceType"], evaluation["Annotation"]) == (
        "NOT_APPLICABLE",
        f"Exempt by tag {KEY}: (no reason given)",
    )


def test_tag_keys_are_case_sensitive_as_aws_has_them(aws: World) -> None:
    """A tag ACM-Expiry-Exempt is not the acm-expiry-exempt tag: the certificate is judged."""
    aws.acm.source = lambda region: [acm_record(aws, "cased", [{"Key": KEY.upper(), "Value": "not this one"}])]
    aws.run(change_event(item(aws, "cased", 3, {}), aws.now, EXEMPT))
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert len(aws.doubles.calls("resourcegroupstaggingapi.GetResources")) == 1
