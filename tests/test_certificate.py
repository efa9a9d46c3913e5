"""One certificate model from a configuration item or an ACM answer; timestamps in every AWS form."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acm_expiry.certificate import Certificate, MalformedCertificate, UnreadableTimestamp, arn_of, parse_timestamp

ARN = "arn:aws:acm:us-east-1:123456789012:certificate/1"
WHEN = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "2027-01-02T03:04:05Z",
        "2027-01-02T03:04:05.000Z",
        "2027-01-02T03:04:05.000000001Z",
        "2027-01-02T03:04:05z",  # RFC 3339 allows a lowercase z
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


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("9999-12-31T23:59:59-01:00", "outside 1970-01-01 to 9999-12-31 in UTC"),  # 10000-01-01 in UTC
        ("0001-01-01T00:00:00+01:00", "outside 1970-01-01 to 9999-12-31 in UTC"),  # year 0 in UTC
        ("1969-12-31T23:59:59Z", "outside 1970-01-01 to 9999-12-31 in UTC"),
        (10**400, "beyond 9999-12-31"),  # a JSON integer no float holds
        (1e400, "beyond 9999-12-31"),  # json.loads reads 1e400 as infinity
        ("1" + "0" * 400, "beyond 9999-12-31"),
        (float("inf"), "beyond 9999-12-31"),
        (10**20, "beyond 9999-12-31"),
        (253_402_300_800_000, "beyond 9999-12-31"),
        (datetime(9999, 12, 31, 23, 30, tzinfo=timezone(-timedelta(hours=1))), "outside 1970-01-01 to 9999-12-31"),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "outside 1970-01-01 to 9999-12-31"),
    ],
)
def test_dates_out_of_range_are_unreadable_never_an_overflow(value: object, why: str) -> None:
    with pytest.raises(UnreadableTimestamp, match=why) as raised:
        parse_timestamp("notAfter", value)
    assert len(str(raised.value)) < 200  # a 401-digit number is quoted clipped


@pytest.mark.parametrize(
    ("value", "read_as"),
    [
        # Below 2100-01-01 in seconds: seconds (as milliseconds: January or February 1970, no certificate's date).
        (1_798_859_045, WHEN),
        (4_102_444_799, datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)),
        # From 1978-01-12 in milliseconds (past 9999 in seconds): milliseconds.
        (253_402_300_800, datetime(1978, 1, 11, 21, 31, 40, 800000, tzinfo=UTC)),
        (1_798_859_045_000, WHEN),
        (253_402_300_799_999, datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
        # Between: seconds after 2100 or milliseconds before 1978; refused, never guessed.
        (4_102_444_800, None),
        (63_072_000_000, None),  # 1972-01-01 in milliseconds, or the year 3968 in seconds
        (99_999_999_999, None),  # 1973-03-03 in milliseconds (the old threshold read it as seconds)
        (253_402_300_799, None),  # 9999-12-31T23:59:59 in seconds, or 1978-01-11 in milliseconds
    ],
)
def test_seconds_and_milliseconds_are_told_apart_where_only_one_can_be_a_date(
    value: int, read_as: datetime | None
) -> None:
    if read_as is None:
        with pytest.raises(UnreadableTimestamp, match="seconds after 2100 or milliseconds before 1978"):
            parse_timestamp("notAfter", value)
    else:
        assert parse_timestamp("notAfter", value) == read_as
        assert parse_timestamp("notAfter", str(value)) == read_as


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.one_of(
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=40),
        st.from_regex(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?([+-]\d{2}:\d{2}|Z)?", fullmatch=True),
        st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
        st.none(),
        st.booleans(),
    )
)
def test_any_value_is_a_moment_from_1970_to_9999_or_unreadable(value: object) -> None:
    """Whatever a configuration item, an aggregator row or an answer holds: never OverflowError, never a guess
    outside the range every reader of the result can print and compare."""
    try:
        moment = parse_timestamp("notAfter", value)
    except UnreadableTimestamp as error:
        assert str(error).startswith("notAfter ") and len(str(error)) < 200
        return
    if moment is not None:
        assert moment.tzinfo is UTC
        assert datetime(1970, 1, 1, tzinfo=UTC) <= moment <= datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def test_out_of_range_dates_in_an_item_are_unknown_so_acm_is_asked() -> None:
    item = {
        "resourceId": ARN,
        "configuration": {"status": "REVOKED", "notAfter": 10**400, "revokedAt": "9999-12-31T23:59:59-01:00"},
    }
    certificate = Certificate.from_configuration_item(item)
    assert (certificate.not_after, certificate.revoked_at) == (None, None)


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


@pytest.mark.parametrize("origin", ["ACME", "AWS_MANAGED", "CUSTOMER_PROVIDED"])
def test_key_pair_origin_is_read_from_every_source(origin: str) -> None:
    summary = {"CertificateArn": ARN, "CertificateKeyPairOrigin": origin}
    item = {"resourceId": ARN, "configuration": {"certificateArn": ARN, "certificateKeyPairOrigin": origin}}
    assert Certificate.from_acm(summary).key_pair_origin == origin
    assert Certificate.from_configuration_item(item).key_pair_origin == origin


def test_an_unknown_key_pair_origin_is_completed_by_describe_certificate() -> None:
    """A configuration item may not record it (Config's schema is unverified); DescribeCertificate does."""
    item = {"resourceId": ARN, "configuration": {"certificateArn": ARN, "type": "AMAZON_ISSUED"}}
    recorded = Certificate.from_configuration_item(item)
    assert recorded.key_pair_origin is None
    described = Certificate.from_acm({"CertificateArn": ARN, "CertificateKeyPairOrigin": "ACME"})
    assert recorded.with_details(described).key_pair_origin == "ACME"
    # What the item or summary said stands.
    listed = Certificate.from_acm({"CertificateArn": ARN, "CertificateKeyPairOrigin": "AWS_MANAGED"})
    assert listed.with_details(described).key_pair_origin == "AWS_MANAGED"


# --- a summary (or an item) completed by DescribeCertificate ----------------------------------------

LOAD_BALANCER = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"


def test_describe_certificates_renewal_facts_and_use_win_over_a_stale_item() -> None:
    """An item recorded days ago said the renewal FAILED and nothing used the certificate; ACM says otherwise now."""
    item = Certificate.from_configuration_item(
        {
            "resourceId": ARN,
            "configuration": {
                "status": "ISSUED",
                "type": "AMAZON_ISSUED",
                "notAfter": "2027-01-02T03:04:05Z",
                "inUseBy": [],
                "renewalEligibility": "INELIGIBLE",
                "renewalSummary": {"renewalStatus": "FAILED", "renewalStatusReason": "CAA_ERROR"},
            },
        }
    )
    described = Certificate.from_acm(
        {
            "CertificateArn": ARN,
            "Status": "ISSUED",
            "Type": "AMAZON_ISSUED",
            "NotAfter": WHEN,
            "InUseBy": [LOAD_BALANCER],
            "RenewalEligibility": "ELIGIBLE",
            "RenewalSummary": {"RenewalStatus": "PENDING_VALIDATION", "RenewalStatusReason": "DOMAIN_NOT_ALLOWED"},
        }
    )
    merged = item.with_details(described)
    assert (merged.renewal_status, merged.renewal_status_reason) == ("PENDING_VALIDATION", "DOMAIN_NOT_ALLOWED")
    assert (merged.renewal_eligibility, merged.in_use) == ("ELIGIBLE", True)


def test_what_describe_leaves_unknown_keeps_what_the_summary_knew() -> None:
    listed = Certificate.from_acm({"CertificateArn": ARN, "InUse": True, "RenewalEligibility": "ELIGIBLE"})
    merged = listed.with_details(Certificate.from_acm({"CertificateArn": ARN, "Status": "ISSUED"}))
    assert (merged.in_use, merged.renewal_eligibility) == (True, "ELIGIBLE")


def test_the_summarys_own_facts_stand_and_describe_fills_only_what_it_lacked() -> None:
    """The verdict that asked for DescribeCertificate was judged on the summary's date and status: they stay."""
    listed = Certificate.from_acm({"CertificateArn": ARN, "Status": "ISSUED", "Type": "PRIVATE", "NotAfter": WHEN})
    described = Certificate.from_acm(
        {
            "CertificateArn": ARN,
            "Status": "INACTIVE",
            "Type": "PRIVATE",
            "KeyAlgorithm": "EC-prime256v1",
            "NotAfter": WHEN + timedelta(days=395),
            "RevokedAt": WHEN - timedelta(days=1),
        }
    )
    merged = listed.with_details(described)
    assert (merged.not_after, merged.status) == (WHEN, "ISSUED")
    assert (merged.key_algorithm, merged.revoked_at) == ("EC_prime256v1", WHEN - timedelta(days=1))


@pytest.mark.parametrize(("in_use_by", "in_use"), [(None, None), ([], False), ([LOAD_BALANCER], True)])
def test_in_use_is_read_from_in_use_by_and_unknown_without_it(in_use_by: list[str] | None, in_use: bool | None) -> None:
    """Config records ``inUseBy`` (no ``inUse``); an item without it says nothing about use (the report shows '-')."""
    configuration: dict[str, object] = {"status": "ISSUED"}
    if in_use_by is not None:
        configuration["inUseBy"] = in_use_by
    assert Certificate.from_configuration_item({"resourceId": ARN, "configuration": configuration}).in_use is in_use
    answer: dict[str, object] = {"CertificateArn": ARN}
    if in_use_by is not None:
        answer["InUseBy"] = in_use_by  # DescribeCertificate's
    assert Certificate.from_acm(answer).in_use is in_use


def test_an_unreadable_not_after_from_acm_raises_instead_of_reading_as_never_issued() -> None:
    """From an item it is unknown (ACM is asked); from ACM itself nobody else can tell, so nothing is guessed."""
    with pytest.raises(UnreadableTimestamp, match="NotAfter 'soon'"):
        Certificate.from_acm({"CertificateArn": ARN, "Status": "ISSUED", "NotAfter": "soon"})


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        (datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
    ids=["first-moment", "first-moment-datetime", "last-moment"],
)
def test_the_range_is_inclusive_at_both_ends(value: object, moment: datetime) -> None:
    assert parse_timestamp("notAfter", value) == moment


@pytest.fixture
def tokyo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time 9 hours ahead of UTC (the CLI runs wherever its user is)."""
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("tokyo_time")
@pytest.mark.parametrize("value", ["2027-01-02T03:04:05", "2027-01-02 03:04:05.000", datetime(2027, 1, 2, 3, 4, 5)])  # noqa: DTZ001
def test_a_timestamp_without_offset_is_utc_whatever_the_machines_time_zone(value: object) -> None:
    assert parse_timestamp("notAfter", value) == WHEN


@pytest.mark.parametrize("algorithm", ["", None, 7])
def test_a_missing_or_empty_key_algorithm_is_unknown(algorithm: object) -> None:
    assert Certificate.from_acm({"CertificateArn": ARN, "KeyAlgorithm": algorithm}).key_algorithm is None
    item = {"resourceId": ARN, "configuration": {"keyAlgorithm": algorithm}}
    assert Certificate.from_configuration_item(item).key_algorithm is None


def test_an_item_names_its_certificate_by_its_configuration_first_then_its_ids() -> None:
    other = "arn:aws:acm:us-east-1:123456789012:certificate/2"
    assert arn_of({"resourceId": other, "ARN": other, "configuration": {"certificateArn": ARN}}) == ARN
    assert arn_of({"resourceId": ARN, "ARN": other, "configuration": {}}) == ARN
    assert arn_of({"ARN": ARN, "configuration": {"certificateArn": ""}}) == ARN
    assert arn_of({"configuration": None}) == ""


def test_an_acm_answer_with_an_empty_arn_is_malformed() -> None:
    with pytest.raises(MalformedCertificate, match="without CertificateArn"):
        Certificate.from_acm({"CertificateArn": "", "Status": "ISSUED"})


def test_empty_acm_values_are_unknown_not_empty() -> None:
    """A status or renewal value of "" says nothing: the verdict then reads UNKNOWN, never a blank."""
    answer = {
        "CertificateArn": ARN,
        "Status": "",
        "Type": "",
        "RenewalEligibility": "",
        "RenewalSummary": {"RenewalStatus": "", "RenewalStatusReason": ""},
    }
    certificate = Certificate.from_acm(answer)
    assert (certificate.status, certificate.type, certificate.renewal_eligibility) == (None, None, None)
    assert (certificate.renewal_status, certificate.renewal_status_reason) == (None, None)
    item = {"resourceId": ARN, "configuration": {"status": "", "type": "", "renewalSummary": {"renewalStatus": ""}}}
    recorded = Certificate.from_configuration_item(item)
    assert (recorded.status, recorded.type, recorded.renewal_status) == (None, None, None)
