"""One certificate model from a configuration item or an ACM answer; timestamps in every AWS form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from acm_expiry.certificate import Certificate, MalformedCertificate, UnreadableTimestamp, parse_timestamp

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/1"
WHEN = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2027-01-02T03:04:05Z",
        "2027-01-02T03:04:05.000Z",
        "2027-01-02T03:04:05.000000001Z",
        "2027-01-02T04:04:05+01:00",
        "2027-01-01T22:04:05-0500",
        "2027-01-02 03:04:05",
        "2027-01-02T03:04:05",
        1798859045,
        1798859045.0,
        "1798859045",
        1798859045000,
        "1798859045000",
        WHEN,
        WHEN.astimezone(timezone(timedelta(hours=9))),
    ],
)
def test_not_after_is_read_in_every_aws_form(value: object) -> None:
    assert parse_timestamp("notAfter", value) == WHEN


@pytest.mark.parametrize("value", ["soon", "2027-13-45T00:00:00Z", "12/31/2027", -5, 0, True, [1], {"a": 1}, "nan"])
def test_unreadable_not_after_raises_instead_of_guessing(value: object) -> None:
    with pytest.raises(UnreadableTimestamp, match="notAfter"):
        parse_timestamp("notAfter", value)


@pytest.mark.parametrize("value", [None, ""])
def test_absent_not_after_is_none(value: object) -> None:
    assert parse_timestamp("notAfter", value) is None


def test_from_configuration_item() -> None:
    item = {
        "resourceId": ARN,
        "configuration": {
            "certificateArn": ARN,
            "domainName": "www.example.com",
            "status": "ISSUED",
            "type": "AMAZON_ISSUED",
            "keyAlgorithm": "EC-prime256v1",
            "notAfter": "2027-01-02T03:04:05.000Z",
            "inUseBy": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"],
            "renewalEligibility": "ELIGIBLE",
            "renewalSummary": {"renewalStatus": "FAILED", "renewalStatusReason": "CAA_ERROR"},
        },
    }
    certificate = Certificate.from_configuration_item(item)
    assert certificate == Certificate(
        ARN,
        "www.example.com",
        "ISSUED",
        "AMAZON_ISSUED",
        "EC_prime256v1",
        WHEN,
        True,
        "ELIGIBLE",
        "FAILED",
        "CAA_ERROR",
    )


def test_configuration_item_without_configuration_is_malformed() -> None:
    with pytest.raises(MalformedCertificate, match="no 'configuration'"):
        Certificate.from_configuration_item({"resourceId": ARN, "configuration": None})


def test_from_list_summary_and_describe_agree() -> None:
    summary = {
        "CertificateArn": ARN,
        "DomainName": "a.example",
        "Status": "ISSUED",
        "Type": "AMAZON_ISSUED",
        "KeyAlgorithm": "RSA_4096",
        "InUse": False,
        "RenewalEligibility": "INELIGIBLE",
        "NotAfter": WHEN,
    }
    described = dict(
        summary, KeyAlgorithm="RSA-4096", InUseBy=[], RenewalSummary={"RenewalStatus": "PENDING_VALIDATION"}
    )
    del described["InUse"]
    listed = Certificate.from_acm(summary)
    merged = listed.with_details(Certificate.from_acm(described))
    assert listed.key_algorithm == merged.key_algorithm == "RSA_4096"
    assert merged.renewal_status == "PENDING_VALIDATION"
    assert merged.in_use is False
