"""`acm-expiry scan --aggregator`: every result judged or named, the scan completes, the exit status counts every row.

An aggregator collects what many accounts' recorders wrote. A result that is not a certificate the scan
can judge (no configuration, not an ACM certificate ARN, fields of the wrong type, a date that cannot
be read) is named on stderr, one line each, and skipped; the others are judged and reported.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acm_expiry_cli.aggregator import judge_results
from acm_expiry_cli.main import main
from tests.conftest import World

ACCOUNT = "111111111111"
REGION = "eu-west-1"
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def arn(name: str, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:acm:{region}:{account}:certificate/{name}"


def recorded(
    name: str, days: float | None, status: str = "ISSUED", now: datetime = NOW, **fields: Any
) -> dict[str, Any]:
    """One advanced-query result for a certificate expiring ``days`` from ``now``, as the aggregator holds it."""
    configuration: dict[str, Any] = {
        "certificateArn": arn(name),
        "domainName": f"{name}.example.com",
        "status": status,
        "type": "IMPORTED",
    }
    if days is not None:
        configuration["notAfter"] = f"{now + timedelta(days=days):%Y-%m-%dT%H:%M:%S.000Z}"
    return {
        "accountId": ACCOUNT,
        "awsRegion": REGION,
        "resourceId": arn(name),
        "resourceType": "AWS::ACM::Certificate",
        "configuration": configuration,
        "tags": [],
    } | fields


def issued_on(name: str, not_after: object) -> dict[str, Any]:
    """A result for an issued certificate whose recorded ``notAfter`` is ``not_after``, as it is."""
    return recorded(name, None) | {"configuration": {"status": "ISSUED", "notAfter": not_after}}


def scan(aws: World, records: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, list[str]]:
    """Run `acm-expiry scan --aggregator org --format json` over ``records``: exit status, report, stderr lines."""
    aws.config.aggregators["org"] = records
    status = main(["scan", "--aggregator", "org", "--format", "json"], new_session=aws.doubles.session)
    out, err = capsys.readouterr()
    return status, json.loads(out) if out else None, err.splitlines()


# --- malformed and foreign results (issue 17, points 2 and 6) -----------------------------------------------


def test_malformed_results_are_named_on_stderr_and_the_scan_completes(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    good = [recorded(f"good-{n}", 100 + n, now=aws.now) for n in range(3)]
    bad = [
        recorded("null-configuration", 50, now=aws.now) | {"configuration": None},
        recorded("string-configuration", 50, now=aws.now) | {"configuration": "{}"},
        recorded("no-status", 50, now=aws.now) | {"configuration": {"certificateArn": arn("no-status")}},
        recorded("odd-type", 50, now=aws.now) | {"configuration": {"status": "ISSUED", "notAfter": {"when": "soon"}}},
        recorded("not-an-arn", 50, now=aws.now) | {"resourceId": "i-0abc"},
        recorded("other-account", 50, now=aws.now) | {"accountId": "222222222222"},
        issued_on("too-late", "9999-12-31T23:59:59-01:00"),
        issued_on("too-early", "0001-01-01T00:00:00+01:00"),
        issued_on("huge", 10**400),
        issued_on("seconds-or-millis", 63_072_000_000),
    ]  # fmt: skip
    status, report, err = scan(aws, good[:1] + bad + good[1:], capsys)

    assert status == 0  # the judged rows are all COMPLIANT
    assert sorted(r["arn"] for r in report["rows"]) == sorted(r["resourceId"] for r in good)
    assert len(err) == len(bad)
    assert all(line.startswith("acm-expiry scan: warning: aggregator result ") for line in err)
    said = dict(zip([r["resourceId"] for r in bad], err, strict=True))
    assert "result 2 (" in said[arn("null-configuration")]
    assert "configuration must be an object, got null" in said[arn("null-configuration")]
    assert "configuration must be an object, got a string" in said[arn("string-configuration")]
    assert "configuration.status is missing" in said[arn("no-status")]
    assert "configuration.notAfter must be a string or a number (or null), got an object" in said[arn("odd-type")]
    assert "resourceId 'i-0abc' is not an ACM certificate ARN" in said["i-0abc"]
    assert "accountId '222222222222' is not the certificate's (111111111111)" in said[arn("other-account")]
    assert "outside 1970-01-01 to 9999-12-31 in UTC" in said[arn("too-late")]
    assert "outside 1970-01-01 to 9999-12-31 in UTC" in said[arn("too-early")]
    assert "beyond 9999-12-31" in said[arn("huge")] and len(said[arn("huge")]) < 400
    assert "seconds after 2100 or milliseconds before 1978" in said[arn("seconds-or-millis")]


def test_a_hostile_value_in_a_rejected_result_stays_on_its_line(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = recorded("x", 50, now=aws.now) | {
        "resourceId": "evil\n\x1b[31mFAKE: all clear\x1b[0m",
        "configuration": None,
    }
    status, report, err = scan(aws, [hostile], capsys)
    line, nothing_found = err  # the rejected record, then the warning that the scan found no certificate
    assert "\x1b" not in line and "evil\\n\\x1b[31mFAKE" in line and status == 0 and report["rows"] == []
    assert "holds no ACM certificate" in nothing_found


# --- the exit status counts every row (issue 17, point 8) ---------------------------------------------------


def test_the_exit_status_is_non_compliant_when_any_row_is(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    """The one NON_COMPLIANT certificate is revoked with 300 days left: it sorts neither first (the soonest
    expiry) nor last (certificates without a date)."""
    records = [
        *(recorded(f"fine-{n}", 40 + n, now=aws.now) for n in range(5)),
        recorded("revoked", 300, status="REVOKED", now=aws.now),
        *(recorded(f"fine-later-{n}", 400 + n, now=aws.now) for n in range(3)),
        recorded("pending", None, status="PENDING_VALIDATION", now=aws.now),
    ]
    status, report, _ = scan(aws, records, capsys)
    verdicts = [r["verdict"] for r in report["rows"]]
    assert verdicts.count("NON_COMPLIANT") == 1
    assert verdicts[0] == "COMPLIANT" and verdicts[-1] == "NOT_APPLICABLE"
    assert status == 2


def test_the_exit_status_is_zero_when_no_row_is_non_compliant(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    records = [recorded(f"fine-{n}", 40 + n, now=aws.now) for n in range(5)]
    records.append(recorded("pending", None, status="PENDING_VALIDATION", now=aws.now))
    status, report, _ = scan(aws, records, capsys)
    assert status == 0 and len(report["rows"]) == 6


# --- any result at all (issue 17: property) -----------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(10**300, 10**400), st.floats(), st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)  # fmt: skip
DATES = st.one_of(JSON_SCALARS, st.sampled_from(["9999-12-31T23:59:59-01:00", "2027-01-02T03:04:05Z", 1798859045]))
CONFIGURATIONS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {"status": st.one_of(st.sampled_from(["ISSUED", "EXPIRED", "REVOKED", "PENDING_VALIDATION"]), JSON_SCALARS)},
        optional={
            "notAfter": DATES,
            "revokedAt": DATES,
            "type": JSON_SCALARS,
            "inUseBy": JSON_VALUES,
            "renewalSummary": JSON_VALUES,
            "certificateArn": st.sampled_from([arn("a"), "x"]),
        },
    ),
)
RESULTS = st.one_of(
    st.fixed_dictionaries(
        {
            "resourceId": st.one_of(
                st.sampled_from([arn("a"), arn("b"), arn("c", account="222222222222")]), JSON_SCALARS
            ),
            "configuration": CONFIGURATIONS,
        },
        optional={
            "accountId": st.sampled_from([ACCOUNT, "x"]),
            "awsRegion": st.sampled_from([REGION, "us-east-1"]),
            "tags": JSON_VALUES,
        },
    ).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.text(max_size=40),  # not JSON at all
)


@settings(max_examples=200, deadline=None, database=None)
@given(results=st.lists(RESULTS, max_size=8))
def test_every_result_is_judged_or_named(results: list[str]) -> None:
    judged = judge_results(results, NOW, 30, exempt_tag="skip-me")
    assert len(judged.recorded) + len(judged.rejected) == len(results)
    assert [r.number for r in judged.rejected] == sorted(r.number for r in judged.rejected)
    for rejected in judged.rejected:
        assert str(rejected).startswith(f"aggregator result {rejected.number}") and rejected.why
    for row in judged.recorded:
        assert row.assessment.verdict.annotation


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.fixed_dictionaries({"resourceId": st.sampled_from([arn("a"), "nope"]),
                                                "configuration": CONFIGURATIONS}), max_size=6))  # fmt: skip
def test_the_scan_over_any_results_completes_and_names_what_it_skips(
    aws: World, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    status, report, err = scan(aws, [r | {"resourceType": "AWS::ACM::Certificate"} for r in records], capsys)
    assert status in (0, 2)
    skipped = [line for line in err if line.startswith("acm-expiry scan: warning: aggregator result ")]
    assert len(report["rows"]) + len(skipped) == len(records)
    # Besides them, only the warning that the organization scan found nothing, when it found nothing.
    assert len(err) - len(skipped) == (0 if report["rows"] else 1)
    assert status == (2 if any(r["verdict"] == "NON_COMPLIANT" for r in report["rows"]) else 0)
