"""The verdict and advice tables of acm_expiry.verdict, row by row: pure values and a fixed clock, no AWS.

Row 1 (deleted / left scope) is the adapter's and is tested end to end in test_handler.py.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acm_expiry.certificate import Certificate
from acm_expiry.verdict import (
    ADVICE,
    ANNOTATION_LIMIT,
    MAX_ENUM_LENGTH,
    RENEWAL_REASON_HINTS,
    TAG_KEY_LIMIT,
    Compliance,
    Scenario,
    advise,
    days_left,
    exempt,
    judge,
    unusable,
    what_to_do,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/1"


def cert(days: float | None = 120, **fields: object) -> Certificate:
    defaults: dict[str, object] = {"status": "ISSUED", "type": "IMPORTED", "key_algorithm": "RSA_2048"}
    if days is not None:
        defaults["not_after"] = NOW + timedelta(days=days)
    return Certificate(ARN, "www.example.com", **(defaults | fields))  # type: ignore[arg-type]


SCENARIOS = [
    # (id, certificate, verdict, scenario, words the annotation must contain)
    (
        "scenario2_pending_validation_is_not_applicable",
        cert(None, status="PENDING_VALIDATION"),
        Compliance.NOT_APPLICABLE,
        Scenario.NEVER_ISSUED,
        ["PENDING_VALIDATION", "expiry does not apply yet"],
    ),
    (
        "scenario2_validation_timed_out_is_not_applicable",
        cert(None, status="VALIDATION_TIMED_OUT"),
        Compliance.NOT_APPLICABLE,
        Scenario.NEVER_ISSUED,
        ["VALIDATION_TIMED_OUT", "expiry does not apply yet"],
    ),
    (
        "scenario2_failed_is_not_applicable",
        cert(None, status="FAILED"),
        Compliance.NOT_APPLICABLE,
        Scenario.NEVER_ISSUED,
        ["FAILED", "expiry does not apply yet"],
    ),
    (
        "scenario2_failed_with_a_date_is_still_not_applicable",
        cert(5, status="FAILED"),
        Compliance.NOT_APPLICABLE,
        Scenario.NEVER_ISSUED,
        ["FAILED"],
    ),
    (
        "scenario2_no_not_after_is_not_applicable",
        cert(None, status="ISSUED"),
        Compliance.NOT_APPLICABLE,
        Scenario.NEVER_ISSUED,
        ["ISSUED without an expiry date", "expiry does not apply yet"],
    ),
    (
        "scenario3_status_expired_is_non_compliant",
        cert(-3.5, status="EXPIRED"),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRED,
        ["Expired 3 days ago, on 2026-11-24"],
    ),
    (
        "scenario3_not_after_passed_is_non_compliant",
        cert(-40, status="ISSUED"),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRED,
        ["Expired 40 days ago, on 2026-10-18"],
    ),
    ("scenario3_expired_one_day_ago", cert(-1.2), Compliance.NON_COMPLIANT, Scenario.EXPIRED, ["Expired 1 day ago"]),
    (
        "scenario3_not_after_equal_to_now_is_expired",
        cert(0),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRED,
        ["Expired less than a day ago, on 2026-11-27"],
    ),
    (
        "scenario3_expired_status_with_a_date_still_ahead",
        cert(3, status="EXPIRED"),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRED,
        ["ACM reports it EXPIRED although notAfter is 2026-11-30"],
    ),
    (
        "scenario3_expired_status_without_date",
        cert(None, status="EXPIRED"),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRED,
        ["EXPIRED", "replace it"],
    ),
    (
        "scenario4_revoked_is_non_compliant",
        cert(200, status="REVOKED", revoked_at=NOW - timedelta(days=2)),
        Compliance.NON_COMPLIANT,
        Scenario.REVOKED,
        ["Revoked on 2026-11-25: replace it"],
    ),
    (
        "scenario4_revoked_without_date",
        cert(200, status="REVOKED"),
        Compliance.NON_COMPLIANT,
        Scenario.REVOKED,
        ["Revoked: replace it"],
    ),
    (
        "scenario5_imported_inside_window",
        cert(6.5, type="IMPORTED"),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRING,
        ["Expires in 7 days (2026-12-04)", "ACM never renews imported certificates", "re-import"],
    ),
    (
        "scenario5_amazon_issued_renewal_pending_validation",
        cert(10, type="AMAZON_ISSUED", renewal_eligibility="ELIGIBLE", renewal_status="PENDING_VALIDATION"),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRING,
        ["Expires in 10 days", "ACM renewal is PENDING_VALIDATION", "DNS validation CNAME record"],
    ),
    (
        "scenario5_amazon_issued_renewal_failed_with_reason",
        cert(
            2,
            type="AMAZON_ISSUED",
            renewal_eligibility="ELIGIBLE",
            renewal_status="FAILED",
            renewal_status_reason="CAA_ERROR",
        ),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRING,
        ["ACM renewal is FAILED (CAA_ERROR)", "CAA record"],
    ),
    (
        "scenario5_amazon_issued_not_in_use_is_ineligible",
        cert(20, type="AMAZON_ISSUED", renewal_eligibility="INELIGIBLE", in_use=False),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRING,
        ["Not in use, so ACM will not renew it", "attach it", "delete it"],
    ),
    (
        "scenario5_amazon_issued_eligible_auto_renewal",
        cert(20, type="AMAZON_ISSUED", renewal_eligibility="ELIGIBLE", renewal_status="PENDING_AUTO_RENEWAL"),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRING,
        ["ACM renews it", "renewal status"],
    ),
    (
        "scenario5_private_inside_window",
        cert(29, type="PRIVATE"),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRING,
        ["Expires in 29 days", "ACM renews it only once exported or associated"],
    ),
    (
        "scenario5_less_than_a_day_left",
        cert(0.5),
        Compliance.NON_COMPLIANT,
        Scenario.EXPIRING,
        ["Expires within a day (2026-11-28)"],
    ),
    ("scenario5_1.5_days_left", cert(1.5), Compliance.NON_COMPLIANT, Scenario.EXPIRING, ["Expires in 2 days "]),
    ("scenario5_one_day_left", cert(1), Compliance.NON_COMPLIANT, Scenario.EXPIRING, ["Expires within a day "]),
    (
        "scenario6_outside_window_is_compliant",
        cert(120.9),
        Compliance.COMPLIANT,
        Scenario.VALID,
        ["Expires on 2027-03-28, outside the 30-day window."],
    ),
    (
        "scenario6_inactive_but_far_from_expiry_is_compliant",
        cert(90, status="INACTIVE"),
        Compliance.COMPLIANT,
        Scenario.VALID,
        ["Expires on 2027-02-25"],
    ),
]


@pytest.mark.parametrize(
    ("certificate", "compliance", "scenario", "words"),
    [pytest.param(*row[1:], id=row[0]) for row in SCENARIOS],
)
def test_verdict_table(certificate: Certificate, compliance: Compliance, scenario: Scenario, words: list[str]) -> None:
    verdict = judge(certificate, NOW, 30)
    assert (verdict.compliance, verdict.scenario) == (compliance, scenario)
    for word in words:
        assert word in verdict.annotation
    assert 1 <= len(verdict.annotation) <= ANNOTATION_LIMIT


def test_scenario_names_are_unique() -> None:
    names = [row[0] for row in SCENARIOS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("offset", "compliance"),
    [
        (timedelta(days=30) - timedelta(minutes=1), Compliance.NON_COMPLIANT),
        (timedelta(days=30), Compliance.NON_COMPLIANT),
        (timedelta(days=30) + timedelta(minutes=1), Compliance.COMPLIANT),
    ],
    ids=[
        "scenario5_one_minute_inside_window",
        "scenario5_exactly_on_the_edge_is_inside",
        "scenario6_one_minute_outside",
    ],
)
def test_window_edge_is_inclusive(offset: timedelta, compliance: Compliance) -> None:
    certificate = Certificate(ARN, not_after=NOW + offset, status="ISSUED", type="IMPORTED")
    assert judge(certificate, NOW, 30).compliance is compliance


@pytest.mark.parametrize(
    ("offset", "compliance"),
    [(timedelta(minutes=-1), Compliance.NON_COMPLIANT), (timedelta(minutes=1), Compliance.NON_COMPLIANT)],
    ids=["scenario3_one_minute_after_expiry", "scenario5_one_minute_before_expiry"],
)
def test_expiry_edge(offset: timedelta, compliance: Compliance) -> None:
    verdict = judge(Certificate(ARN, not_after=NOW + offset, status="ISSUED", type="IMPORTED"), NOW, 30)
    assert verdict.compliance is compliance
    assert verdict.scenario is (Scenario.EXPIRED if offset < timedelta(0) else Scenario.EXPIRING)


def test_acms_expired_status_at_the_moment_of_expiry_reads_as_the_date_says() -> None:
    """At notAfter itself ACM and the date agree: the certificate expired less than a day ago (days 0),
    not "ACM reports it EXPIRED although notAfter is still ahead"."""
    at_expiry = judge(cert(0, status="EXPIRED"), NOW, 30)
    assert at_expiry == judge(cert(0, status="ISSUED"), NOW, 30)
    assert (at_expiry.scenario, at_expiry.days_left) == (Scenario.EXPIRED, 0)


@pytest.mark.parametrize(
    ("left", "days"),
    [
        (timedelta(days=45, hours=23), 46),
        (timedelta(days=45), 45),
        (timedelta(days=45, microseconds=1), 46),
        (timedelta(days=30, hours=23), 31),  # the issue's example: outside a 30-day window, and says so
        (timedelta(minutes=5), 1),
        (timedelta(0), 0),
        (timedelta(hours=-5), 0),
        (timedelta(days=-3, hours=-1), -3),
    ],
)
def test_days_left_rounds_up_until_expiry_then_counts_whole_days_since(left: timedelta, days: int) -> None:
    assert days_left(NOW + left, NOW) == days


def test_the_issues_calendar_example() -> None:
    """Run on 2026-11-27 15:00, a certificate expiring 2026-12-02 09:00 (4.75 days) expires in 5 days, not 4."""
    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    not_after = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    verdict = judge(Certificate(ARN, not_after=not_after, status="ISSUED"), now, 30)
    assert verdict.annotation.startswith("Expires in 5 days (2026-12-02)")


# Arbitrary remaining durations, to the microsecond, and windows, against the words.
_EXPIRES_IN = re.compile(r"^Expires (?:in (\d+) days|within a day) \((\S+)\), within the (\d+)-day window")
_EXPIRES_ON = re.compile(r"^Expires on (\d{4}-\d{2}-\d{2}), outside the (\d+)-day window\.$")


@settings(max_examples=2000, deadline=None, database=None)
@given(
    remaining=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=4000)),
    window=st.integers(1, 3650),
)
def test_the_number_in_the_words_and_the_verdict_agree(remaining: timedelta, window: int) -> None:
    not_after = NOW + remaining
    verdict = judge(Certificate(ARN, not_after=not_after, status="ISSUED", type="IMPORTED"), NOW, window)
    assert verdict.days_left == days_left(not_after, NOW)
    inside = verdict.compliance is Compliance.NON_COMPLIANT
    assert inside == (remaining <= timedelta(days=window)) == (verdict.days_left <= window)  # the edge stays
    if inside:  # the days left, which the verdict agrees with
        match = _EXPIRES_IN.match(verdict.annotation)
        assert match, verdict.annotation
        assert int(match.group(1) or 1) == verdict.days_left
        assert (match.group(2), int(match.group(3))) == (f"{not_after:%Y-%m-%d}", window)
    else:  # the date, not the days: the same words every day until it enters the window
        match = _EXPIRES_ON.match(verdict.annotation)
        assert match, verdict.annotation
        assert (match.group(1), int(match.group(2))) == (f"{not_after:%Y-%m-%d}", window)


@settings(max_examples=500, deadline=None, database=None)
@given(
    left=st.timedeltas(min_value=timedelta(days=31), max_value=timedelta(days=4000)),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)),
)
def test_a_compliant_annotation_reads_the_same_every_day_until_the_window(left: timedelta, later: timedelta) -> None:
    """What lets a periodic run skip a COMPLIANT certificate whose result Config already holds."""
    certificate = Certificate(ARN, not_after=NOW + left, status="ISSUED", type="IMPORTED")
    first, then = judge(certificate, NOW, 30), judge(certificate, NOW + later, 30)
    if then.compliance is Compliance.COMPLIANT:
        assert then.annotation == first.annotation
    else:  # it entered the window: the words change, so the run records it
        assert then.annotation != first.annotation


@settings(max_examples=500, deadline=None, database=None)
@given(since=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)))
def test_expired_days_are_whole_days_since(since: timedelta) -> None:
    verdict = judge(cert(None, not_after=NOW - since), NOW, 30)
    said = verdict.annotation.split(",")[0]
    days = since // timedelta(days=1)
    assert said == {0: "Expired less than a day ago", 1: "Expired 1 day ago"}.get(days, f"Expired {days} days ago")
    assert verdict.days_left == -days


def test_window_follows_the_parameter() -> None:
    assert judge(cert(45), NOW, 60).compliance is Compliance.NON_COMPLIANT
    assert "60-day window" in judge(cert(45), NOW, 60).annotation
    assert judge(cert(45), NOW, 14).compliance is Compliance.COMPLIANT


def test_every_annotation_fits_config_by_construction() -> None:
    """All kinds, statuses and renewal facts, with 253-character domains and absurd enum values."""
    long_domain = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(long_domain) == 253
    odd = "X" * 500
    statuses = ["ISSUED", "EXPIRED", "REVOKED", "INACTIVE", "PENDING_VALIDATION", "FAILED", odd, None]
    types = ["IMPORTED", "AMAZON_ISSUED", "PRIVATE", odd, None]
    renewals = ["PENDING_AUTO_RENEWAL", "PENDING_VALIDATION", "SUCCESS", "FAILED", odd, None]
    reasons = [*RENEWAL_REASON_HINTS, odd, None]
    days = [None, -10_000, -1, 0, 0.5, 30, 3650, 40_000]
    origins = ["AWS_MANAGED", "ACME", None]
    for status, kind, renewal, reason, day, origin in itertools.product(
        statuses, types, renewals, reasons, days, origins
    ):
        certificate = Certificate(
            ARN,
            long_domain,
            status=status,
            type=kind,
            renewal_status=renewal,
            renewal_status_reason=reason,
            renewal_eligibility="INELIGIBLE" if day == 30 else "ELIGIBLE",
            not_after=None if day is None else NOW + timedelta(days=day),
            revoked_at=NOW if status == "REVOKED" else None,
            key_pair_origin=origin,
            in_use=day != 3650,
        )
        for window in (1, 30, 3650):
            annotation = judge(certificate, NOW, window).annotation
            assert 1 <= len(annotation) <= ANNOTATION_LIMIT, annotation
            assert len(annotation.encode("utf-16-le")) // 2 <= ANNOTATION_LIMIT, annotation
            assert long_domain not in annotation
            # The alerts' EventBridge input transformer inserts it unescaped into a JSON string.
            assert '"' not in annotation and "\n" not in annotation and "\\" not in annotation


# --- the advice table, row by row (verdict.py's docstring, docs/verdicts.md's "What to do") -------

ADVICE_ROWS = [
    # (id, certificate fields, advice key, words)
    (
        "acme_issued_whatever_its_eligibility",
        {"type": "AMAZON_ISSUED", "key_pair_origin": "ACME", "renewal_eligibility": "INELIGIBLE"},
        "ACME",
        ["ACME-issued", "the ACME client that ordered it renews it", "cannot delete it"],
    ),
    (
        "acme_issued_renewal_pending_validation",
        {
            "type": "AMAZON_ISSUED",
            "key_pair_origin": "ACME",
            "renewal_eligibility": "ELIGIBLE",
            "in_use": True,
            "renewal_status": "PENDING_VALIDATION",
        },
        "ACME",
        ["ACME-issued"],
    ),
    ("imported", {"type": "IMPORTED", "renewal_eligibility": "INELIGIBLE"}, "IMPORTED", ["re-import"]),
    (
        "amazon_issued_ineligible_even_with_a_failed_renewal",
        {"type": "AMAZON_ISSUED", "renewal_eligibility": "INELIGIBLE", "renewal_status": "FAILED"},
        "INELIGIBLE",
        ["Not in use", "attach it", "delete it"],
    ),
    (
        "private_ineligible",
        {"type": "PRIVATE", "renewal_eligibility": "INELIGIBLE"},
        "PRIVATE_INELIGIBLE",
        ["Not exported or associated", "export it or associate it", "ACM then renews it"],
    ),
    (
        "amazon_issued_renewal_pending_validation",
        {"type": "AMAZON_ISSUED", "renewal_eligibility": "ELIGIBLE", "renewal_status": "PENDING_VALIDATION"},
        "PENDING_VALIDATION",
        [
            "ACM renewal is PENDING_VALIDATION",
            "DNS validation CNAME record",
            "Remediate in Config",
            "public Route 53 zone",
        ],
    ),
    (
        "amazon_issued_renewal_failed_caa",
        {
            "type": "AMAZON_ISSUED",
            "renewal_eligibility": "ELIGIBLE",
            "renewal_status": "FAILED",
            "renewal_status_reason": "CAA_ERROR",
        },
        "RENEWAL_FAILED",
        ["ACM renewal is FAILED (CAA_ERROR)", "CAA record"],
    ),
    (
        "private_renewal_failed_ca_disabled",
        {
            "type": "PRIVATE",
            "renewal_eligibility": "ELIGIBLE",
            "renewal_status": "FAILED",
            "renewal_status_reason": "PCA_INVALID_STATE",
        },
        "PRIVATE_CA",
        ["ACM renewal is FAILED (PCA_INVALID_STATE)", "private CA is not ACTIVE"],
    ),
    (
        "private_renewal_failed_access_denied",
        {
            "type": "PRIVATE",
            "renewal_eligibility": "ELIGIBLE",
            "renewal_status": "FAILED",
            "renewal_status_reason": "PCA_ACCESS_DENIED",
        },
        "PRIVATE_CA",
        ["(PCA_ACCESS_DENIED)", "grant ACM's service principal permission"],
    ),
    (
        "amazon_issued_eligible_not_in_use_is_exported",
        {
            "type": "AMAZON_ISSUED",
            "renewal_eligibility": "ELIGIBLE",
            "in_use": False,
            "renewal_status": "PENDING_AUTO_RENEWAL",
        },
        "PUBLIC_EXPORTED",
        ["Exported", "each renewal is charged", "renews it now if allowed to"],
    ),
    (
        "amazon_issued_eligible",
        {"type": "AMAZON_ISSUED", "renewal_eligibility": "ELIGIBLE", "renewal_status": "PENDING_AUTO_RENEWAL"},
        "AUTO_RENEWAL",
        ["ACM renews it up to 60 days before expiry", "check its renewal status"],
    ),
    (
        "private_eligible_not_in_use_is_exported",
        {
            "type": "PRIVATE",
            "renewal_eligibility": "ELIGIBLE",
            "in_use": False,
            "renewal_status": "PENDING_AUTO_RENEWAL",
        },
        "PRIVATE_EXPORTED",
        ["Exported", "Remediate in Config", "acm:RenewCertificate"],
    ),
    (
        "private_eligible",
        {
            "type": "PRIVATE",
            "renewal_eligibility": "ELIGIBLE",
            "in_use": True,
            "renewal_status": "PENDING_AUTO_RENEWAL",
        },
        "PRIVATE_AUTO_RENEWAL",
        ["Exported or associated", "ACM renews it up to 60 days before expiry"],
    ),
    (
        "private_eligibility_unknown",
        {"type": "PRIVATE"},
        "PRIVATE",
        ["only once exported or associated", "check its renewal eligibility"],
    ),
    ("unknown_type", {"type": None}, "UNKNOWN", ["Renew or replace it"]),
    # Eligibility says what ACM does with AMAZON_ISSUED and PRIVATE certificates only: of an unknown type, nothing.
    ("unknown_type_ineligible", {"type": None, "renewal_eligibility": "INELIGIBLE"}, "UNKNOWN", []),
]

# Where the runbook (acm_expiry.remediation) acts, the advice says so; nowhere else.
RUNBOOK_ROWS = {"PENDING_VALIDATION", "PUBLIC_EXPORTED", "PRIVATE_EXPORTED"}


@pytest.mark.parametrize(("fields", "key", "words"), [pytest.param(*row[1:], id=row[0]) for row in ADVICE_ROWS])
def test_advice_table(fields: dict[str, object], key: str, words: list[str]) -> None:
    certificate = cert(12, **fields)
    assert advise(certificate).key == key
    verdict = judge(certificate, NOW, 30)
    assert verdict.annotation.startswith("Expires in 12 days (2026-12-09), within the 30-day window. ")
    for word in words:
        assert word in verdict.annotation
    assert what_to_do(certificate) in verdict.annotation
    assert 1 <= len(verdict.annotation) <= ANNOTATION_LIMIT


def test_every_advice_row_is_tested_and_linked() -> None:
    assert {row[2] for row in ADVICE_ROWS} == set(ADVICE)
    assert all(advice.url.startswith("https://") for advice in ADVICE.values())


@pytest.mark.parametrize("key", sorted(ADVICE))
def test_the_advice_names_the_runbook_exactly_where_it_can_fix(key: str) -> None:
    assert ("Remediate in Config" in ADVICE[key].text) is (key in RUNBOOK_ROWS)
    # ACM does not renew an ineligible certificate on request (RenewCertificate renews "an eligible ACM
    # certificate", API reference): no row sends anyone there but the exported private one.
    assert ("RenewCertificate" in ADVICE[key].text) is (key == "PRIVATE_EXPORTED")
    # ACM refuses to delete ACME-issued certificates; ACME comes first, so no ACME one reads "delete it".
    assert "delete it" not in ADVICE[key].text or key in ("INELIGIBLE", "ACME")


def test_the_longest_advice_fits_config_in_utf16_units() -> None:
    """The longest prefix (3650 days, a 3650-day window) with every row, counted as UTF-16 code units."""
    not_after = datetime(9999, 12, 31, tzinfo=UTC)
    now = not_after - timedelta(days=3650)
    longest_hint = max(RENEWAL_REASON_HINTS, key=lambda reason: len(RENEWAL_REASON_HINTS[reason]))
    for row_id, fields, _, _ in ADVICE_ROWS:
        for reason in (fields.get("renewal_status_reason"), longest_hint, "X" * 500):
            certificate = Certificate(
                ARN, not_after=not_after, status="ISSUED", **(fields | {"renewal_status_reason": reason})
            )  # type: ignore[arg-type]
            annotation = judge(certificate, now, 3650).annotation
            assert annotation.startswith("Expires in 3650 days (9999-12-31), within the 3650-day window. "), row_id
            assert len(annotation.encode("utf-16-le")) // 2 <= ANNOTATION_LIMIT, (row_id, annotation)


def test_every_pca_reason_has_its_own_hint() -> None:
    from acm_expiry.asff import ASFF_RENEWAL_REASONS

    assert set(RENEWAL_REASON_HINTS) == ASFF_RENEWAL_REASONS  # ACM's RenewalStatusReason values


# --- row 2: exempt by tag -------------------------------------------------------------------------


def test_exempt_says_the_tag_and_the_reason() -> None:
    verdict = exempt("acm-expiry-exempt", "decommissioned with the old shop, 2027-01")
    assert (verdict.compliance, verdict.scenario) == (Compliance.NOT_APPLICABLE, Scenario.EXEMPT)
    assert verdict.annotation == "Exempt by tag acm-expiry-exempt: decommissioned with the old shop, 2027-01"
    assert exempt("k", "  ").annotation == "Exempt by tag k: (no reason given)"


def test_exempt_clips_the_longest_tag_to_fit_config() -> None:
    verdict = exempt("k" * 128, "why " * 64)  # AWS's longest key and value
    assert len(verdict.annotation) == ANNOTATION_LIMIT
    assert verdict.annotation.startswith("Exempt by tag " + "k" * 128 + ": why why")
    assert verdict.annotation.endswith("…")


# --- clipped values: whole up to the limit, clipped to it beyond -----------------------------------


@pytest.mark.parametrize("length", [MAX_ENUM_LENGTH - 1, MAX_ENUM_LENGTH, MAX_ENUM_LENGTH + 1, 500])
def test_an_acm_value_up_to_the_limit_is_quoted_whole_and_a_longer_one_clipped_to_it(length: int) -> None:
    """An unexpected status (or renewal reason) is quoted in the annotation, at most MAX_ENUM_LENGTH characters."""
    value = "X" * length
    for certificate in (
        cert(None, status=value),
        cert(12, type="AMAZON_ISSUED", renewal_status="FAILED", renewal_status_reason=value),
    ):
        match = re.search(r"X+…?", judge(certificate, NOW, 30).annotation)
        assert match is not None
        if length <= MAX_ENUM_LENGTH:
            assert match.group() == value
        else:
            assert match.group() == value[: MAX_ENUM_LENGTH - 1] + "…"


def test_an_exemption_reason_that_fits_exactly_is_kept_whole() -> None:
    head = len(exempt("k", "").annotation) - len("(no reason given)")
    fits = "w" * (ANNOTATION_LIMIT - head)
    annotation = exempt("k", fits).annotation
    assert annotation.endswith(fits) and len(annotation) == ANNOTATION_LIMIT
    longer = exempt("k", fits + "w").annotation
    assert longer.endswith("w…") and len(longer) == ANNOTATION_LIMIT


@pytest.mark.parametrize("key_length", [1, TAG_KEY_LIMIT, TAG_KEY_LIMIT + 1, 300, 1000])
@pytest.mark.parametrize("value_length", [0, 1, 300])
def test_an_exemption_annotation_fits_whatever_the_key_and_value(key_length: int, value_length: int) -> None:
    """AWS's longest key is 128 characters; a longer one (never from a validated parameter) is clipped to it."""
    annotation = exempt("k" * key_length, "w" * value_length).annotation
    assert 1 <= len(annotation) <= ANNOTATION_LIMIT
    assert "k" * min(key_length, TAG_KEY_LIMIT) in annotation and "k" * (TAG_KEY_LIMIT + 1) not in annotation


def test_an_exemption_reason_of_emoji_fits_config_counted_in_utf16_units() -> None:
    """Each emoji is two UTF-16 units (the stricter reading of Config's 256): clipped by units, never inside one."""
    units = len(exempt("k", "").annotation) - len("(no reason given)")
    fits = "🔒" * ((ANNOTATION_LIMIT - units) // 2)
    assert exempt("k", fits).annotation.endswith(fits)
    for reason in (fits + "🔒", "🔒" * 300):
        annotation = exempt("k", reason).annotation
        assert len(annotation.encode("utf-16-le")) // 2 <= ANNOTATION_LIMIT and annotation.endswith("🔒…")


@pytest.mark.parametrize(
    "facts",
    [
        {"status": "EXPIRED", "not_after": None},
        {"status": "EXPIRED", "not_after": NOW + timedelta(days=3)},
        {"status": "ISSUED", "not_after": NOW - timedelta(days=3)},
        {"status": "REVOKED", "not_after": NOW + timedelta(days=40), "revoked_at": NOW - timedelta(days=1)},
        {"status": "REVOKED", "not_after": None},
    ],
    ids=["expired-dateless", "expired-by-acm", "expired", "revoked", "revoked-dateless"],
)
def test_an_expired_or_revoked_acme_certificate_is_named_acme_issued_and_never_told_to_be_deleted(
    facts: dict[str, Any],
) -> None:
    def annotation(origin: str | None) -> str:
        certificate = Certificate(ARN, type="AMAZON_ISSUED", key_pair_origin=origin, **facts)
        verdict = judge(certificate, NOW, 30)
        assert verdict.compliance is Compliance.NON_COMPLIANT and unusable(verdict.annotation)
        assert len(verdict.annotation.encode("utf-16-le")) // 2 <= ANNOTATION_LIMIT
        return verdict.annotation

    acme, managed = annotation("ACME"), annotation("AWS_MANAGED")
    assert acme.startswith(managed) and "ACME-issued" in acme and "ACM cannot delete it" in acme
    assert "ACME" not in managed
