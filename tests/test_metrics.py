"""CloudWatch metrics in the log line (Embedded Metric Format), checked against the spec and the evaluations.

The EMF checks are written from the published specification
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
not from acm_expiry.metrics; the figures are worked out here from the evaluations Config received
and from the inventory, independently of the rule's code.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from acm_expiry import handler
from acm_expiry.acm import ListingPlan
from acm_expiry.certificate import Certificate
from acm_expiry.errors import AwsCallError, InvalidParameterError, MalformedEventError
from acm_expiry.events import CHANGE, OVERSIZED, SCHEDULED
from acm_expiry.metrics import Invocation, invocation_metrics
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import Compliance, Scenario, Verdict
from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World
from tests.support.doubles import access_denied
from tests.support.inventory import config_item, synthetic_inventory

UNITS_OF = {
    "PeriodicRunsCompleted": "Count",
    "CertificatesEvaluated": "Count",
    "NonCompliantCertificates": "Count",
    "ExpiredCertificates": "Count",
    "SoonestExpiryDays": "None",
    "ListingGaps": "Count",
    "FindingsFailures": "Count",
    "EventsFailures": "Count",
    "PeriodicRunFailures": "Count",
    "ChangeEventFailures": "Count",
}
UNITS = set(
    [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ]
)
METRICS = set(UNITS_OF)  # the contract: names and units, written out here rather than imported
RULE = "ACMExpiryRule"
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/"


def emf_metrics(line: dict[str, Any]) -> dict[str, float]:
    """The metrics CloudWatch would extract from a log line, after checking it against the EMF spec.

    Every line declares the rule's dimension set and the empty one (every rule of the account and
    Region); a line for an event refused before its rule name was read, the empty one alone.
    """
    metadata = line["_aws"]
    assert set(metadata) == {"Timestamp", "CloudWatchMetrics"}
    assert isinstance(metadata["Timestamp"], int) and metadata["Timestamp"] > 1_600_000_000_000  # milliseconds
    (directive,) = metadata["CloudWatchMetrics"]
    assert set(directive) == {"Namespace", "Dimensions", "Metrics"}
    assert directive["Namespace"] == "ACMExpiryRule"
    # The rule's dimension set only for an event of the rule the function serves, under a name CloudWatch takes.
    assert directive["Dimensions"] == ([["ConfigRuleName"], []] if "ConfigRuleName" in line else [[]])
    if "ConfigRuleName" in line:
        assert line["ConfigRuleName"] == line["configRuleName"]
        assert re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", line["ConfigRuleName"])
    for dimension_set in directive["Dimensions"]:
        for name in dimension_set:  # a dimension target MUST be a string member of the root
            assert isinstance(line[name], str) and 1 <= len(line[name]) <= 1024
    assert 1 <= len(directive["Metrics"]) <= 100
    values = {}
    for definition in directive["Metrics"]:
        assert set(definition) <= {"Name", "Unit", "StorageResolution"} and definition["Unit"] in UNITS
        assert definition["Unit"] == UNITS_OF[definition["Name"]]
        value = line[definition["Name"]]  # targets MUST be numeric members of the root
        assert isinstance(value, int | float) and not isinstance(value, bool)
        values[definition["Name"]] = value
    assert set(values) <= METRICS
    return values


def days_left(not_after: float, now: datetime) -> int:
    remaining = not_after - now.timestamp()
    return math.ceil(remaining / 86400) if remaining > 0 else -math.floor(-remaining / 86400)


def record(name: str, not_after: datetime | None, status: str = "ISSUED") -> dict[str, Any]:
    base = {"CertificateArn": ARN + name, "DomainName": f"{name}.example.com", "Status": status,
            "Type": "IMPORTED", "KeyAlgorithm": "RSA_2048"}  # fmt: skip
    return base | ({"NotAfter": not_after.timestamp()} if not_after is not None else {})


# --- what each kind of invocation writes, through the real handler --------------------------------------


def test_a_completed_runs_metrics_are_the_accounts_figures(aws: World) -> None:
    inventory = synthetic_inventory(400, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    line = aws.log_lines()[-1]
    metrics = emf_metrics(line)
    sent = aws.config.sent
    assert line["ConfigRuleName"] == RULE
    assert metrics["PeriodicRunsCompleted"] == 1
    assert metrics["CertificatesEvaluated"] == len(sent) == 400
    assert metrics["NonCompliantCertificates"] == sum(1 for e in sent if e["ComplianceType"] == "NON_COMPLIANT")
    assert metrics["ExpiredCertificates"] == sum(1 for e in sent if e.get("Annotation", "").startswith("Expired")) > 0
    assert line["_aws"]["Timestamp"] == int(aws.now.timestamp() * 1000)
    assert "ChangeEventFailures" not in metrics  # a daily run says nothing of change events
    assert metrics["ExpiredCertificates"] > 0 and metrics["SoonestExpiryDays"] == 0  # expired ones count 0 days
    unexpired = [
        c for c in inventory if "NotAfter" in c and c["Status"] != "EXPIRED" and c["NotAfter"] > aws.now.timestamp()
    ]
    inventory[:] = unexpired
    aws.run(scheduled_event(aws.later(minutes=5)))
    metrics = emf_metrics(aws.log_lines()[-1])
    assert metrics["SoonestExpiryDays"] == min(days_left(c["NotAfter"], aws.now) for c in unexpired) > 0
    failures = ("ListingGaps", "FindingsFailures", "EventsFailures", "PeriodicRunFailures")
    assert [metrics[name] for name in failures] == [0, 0, 0, 0]


def test_a_change_event_writes_no_inventory_figure(aws: World) -> None:
    """One certificate's figures would read as the whole inventory's (a day whose run failed, say)."""
    configuration = {
        "certificateArn": ARN + "one",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=400)).isoformat(),
    }
    aws.run(change_event(config_item(configuration, aws.now), aws.now))
    assert emf_metrics(aws.log_lines()[-1]) == {"FindingsFailures": 0, "EventsFailures": 0, "ChangeEventFailures": 0}


def test_a_failed_run_writes_its_failure_and_nothing_that_reads_as_all_clear(aws: World) -> None:
    aws.acm.source = lambda region: [record("soon", aws.now + timedelta(days=3))]
    aws.doubles.faults.always("acm.ListCertificates", access_denied("acm:ListCertificates"))
    with pytest.raises(AwsCallError):
        aws.run(scheduled_event(aws.now))
    assert emf_metrics(aws.log_lines()[-1]) == {"PeriodicRunsCompleted": 0, "PeriodicRunFailures": 1}


def test_a_failed_change_event_writes_its_failure_alone(aws: World) -> None:
    aws.doubles.faults.always("config.PutEvaluations", access_denied("config:PutEvaluations"))
    configuration = {"certificateArn": ARN + "one", "status": "ISSUED", "type": "IMPORTED",
                     "notAfter": (aws.now + timedelta(days=3)).isoformat()}  # fmt: skip
    with pytest.raises(AwsCallError):
        aws.run(change_event(config_item(configuration, aws.now), aws.now))
    assert emf_metrics(aws.log_lines()[-1]) == {"ChangeEventFailures": 1}


def test_an_event_refused_before_it_is_read_counts_under_every_rule_alone(aws: World) -> None:
    with pytest.raises(MalformedEventError):
        aws.run({"invokingEvent": "not json"})
    line = aws.log_lines()[-1]
    assert "ConfigRuleName" not in line
    assert emf_metrics(line) == {"ChangeEventFailures": 1}


def test_a_refused_event_whose_type_is_readable_counts_under_its_trigger(aws: World) -> None:
    """A daily run whose event is refused (a bad parameter, say) is a failed daily run, not a change event's."""
    event = scheduled_event(aws.now, parameters={"daysToExpiration": "thirty"})
    with pytest.raises(InvalidParameterError):
        aws.run(event)
    line = aws.log_lines()[-1]
    assert line["messageType"] == SCHEDULED and "ConfigRuleName" not in line
    assert emf_metrics(line) == {"PeriodicRunsCompleted": 0, "PeriodicRunFailures": 1}


@pytest.mark.parametrize(
    "name",
    ["ACMExpiryRule\n", "rule with spaces", "x" * 129, "ACMExpiryRule\u202e"],
    ids=["line-break", "spaces", "too-long", "bidi"],
)
def test_a_rule_name_cloudwatch_cannot_take_is_no_dimension(aws: World, name: str) -> None:
    aws.acm.source = lambda region: []
    event = scheduled_event(aws.now)
    event["configRuleName"] = name
    aws.run(event)
    line = aws.log_lines()[-1]
    assert "ConfigRuleName" not in line and line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    assert emf_metrics(line)["PeriodicRunsCompleted"] == 1


def test_another_rules_event_writes_no_metric_under_its_name(aws: World) -> None:
    """The function serves one rule: an event of another is refused, and its name names no metric."""
    served = handler_runtime(aws, served="ACMExpiryRule-member")
    event = scheduled_event(aws.now)
    event["configRuleName"] = "SomeoneElsesRule"
    with pytest.raises(MalformedEventError, match="not 'ACMExpiryRule-member'"):
        handler.handle(event, None, served)
    line = json.loads(aws.logs[-1])
    assert "ConfigRuleName" not in line and line["configRuleName"] == "SomeoneElsesRule"
    assert emf_metrics(line | {"configRuleName": None}) == {"PeriodicRunsCompleted": 0, "PeriodicRunFailures": 1}


def handler_runtime(aws: World, *, served: str) -> handler.Runtime:
    return dataclasses.replace(aws.runtime(), served_rule=lambda: served)


def test_soonest_expiry_is_the_horizon_when_no_certificate_is_unexpired(aws: World) -> None:
    """A completed run always says how soon: silence must mean "no run", never "nothing at risk"."""
    aws.acm.source = lambda region: [
        record("new", None, status="PENDING_VALIDATION"),
        record("old", aws.now - timedelta(days=3)),
    ]
    aws.run(scheduled_event(aws.now))
    metrics = emf_metrics(aws.log_lines()[-1])
    assert metrics["SoonestExpiryDays"] == 0  # the expired one counts 0 days
    assert (metrics["CertificatesEvaluated"], metrics["ExpiredCertificates"]) == (2, 1)
    aws.acm.source = lambda region: [record("new", None, status="PENDING_VALIDATION")]
    aws.run(scheduled_event(aws.now))
    assert emf_metrics(aws.log_lines()[-1])["SoonestExpiryDays"] == 3650
    aws.acm.source = lambda region: []
    aws.run(scheduled_event(aws.now))
    assert emf_metrics(aws.log_lines()[-1])["SoonestExpiryDays"] == 3650


def test_every_log_line_is_one_json_object_cloudwatch_can_parse(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(10, aws.now)
    aws.run(scheduled_event(aws.now))
    (raw,) = aws.logs
    assert "\n" not in raw
    parsed = json.loads(raw)
    assert isinstance(parsed, dict) and emf_metrics(parsed)["CertificatesEvaluated"] == 10
    assert datetime.fromtimestamp(parsed["_aws"]["Timestamp"] / 1000, UTC) == aws.now


def test_an_expired_certificate_counts_0_days_and_is_counted_apart(aws: World) -> None:
    """The day a certificate expires is no day for the expiry alarm to go OK: it counts 0 days left."""
    aws.acm.source = lambda region: [
        record("old", aws.now - timedelta(days=300)),
        record("soon", aws.now + timedelta(days=6, hours=3)),
    ]
    aws.run(scheduled_event(aws.now))
    metrics = emf_metrics(aws.log_lines()[-1])
    assert (metrics["SoonestExpiryDays"], metrics["ExpiredCertificates"]) == (0, 1)


def test_a_revoked_certificate_counts_with_the_expired_whatever_days_it_has_left(aws: World) -> None:
    """Clients refuse a revoked certificate as they refuse an expired one: it holds the expired alarm."""
    revoked = record("revoked", aws.now + timedelta(days=200)) | {"Status": "REVOKED", "RevokedAt": aws.now.timestamp()}
    undated = record("undated", aws.now) | {"Status": "REVOKED"}
    del undated["NotAfter"]
    aws.acm.source = lambda region: [revoked, undated, record("far", aws.now + timedelta(days=90))]
    aws.run(scheduled_event(aws.now))
    metrics = emf_metrics(aws.log_lines()[-1])
    assert (metrics["ExpiredCertificates"], metrics["SoonestExpiryDays"]) == (2, 0)


def test_an_exempt_expired_certificate_is_not_counted(aws: World) -> None:
    key = "acm-expiry-exempt"
    old = record("old", aws.now - timedelta(days=3)) | {"Tags": [{"Key": key, "Value": "decommissioned host"}]}
    aws.acm.source = lambda region: [old]
    aws.run(scheduled_event(aws.now, parameters={"daysToExpiration": "30", "exemptTagKey": key}))
    metrics = emf_metrics(aws.log_lines()[-1])
    assert (metrics["ExpiredCertificates"], metrics["SoonestExpiryDays"]) == (0, 3650)


def test_listing_gaps_are_counted(aws: World, monkeypatch: pytest.MonkeyPatch) -> None:
    old_sdk(monkeypatch)
    aws.acm.source = lambda region: [record("a", aws.now + timedelta(days=90))]
    aws.run(scheduled_event(aws.now))
    line = aws.log_lines()[-1]
    assert emf_metrics(line)["ListingGaps"] == len(line["listingGaps"]) == 2


def old_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The function on a boto3 whose ACM model predates CertificateKeyPairOrigins and RootHierarchyTypes."""
    real = ListingPlan.for_client.__func__  # type: ignore[attr-defined]

    def plan(cls: type[ListingPlan], client: Any) -> ListingPlan:
        members = client.meta.service_model.operation_model("ListCertificates").input_shape.members
        older = {k: v for k, v in members.items() if k not in ("CertificateKeyPairOrigins", "RootHierarchyTypes")}
        shape = SimpleNamespace(input_shape=SimpleNamespace(members=older))
        model = SimpleNamespace(operation_model=lambda name: shape)
        return real(cls, SimpleNamespace(meta=SimpleNamespace(service_model=model)))  # type: ignore[no-any-return]

    monkeypatch.setattr(ListingPlan, "for_client", classmethod(plan))


# --- the pure function, for what the handler cannot produce yet ------------------------------------------


def assessment(days: int | None, scenario: Scenario, compliance: Compliance) -> Assessment:
    return Assessment(Certificate(arn=ARN + "x", status="ISSUED"), Verdict(compliance, "", scenario, days))


OUTCOMES = (
    assessment(12, Scenario.EXPIRING, Compliance.NON_COMPLIANT),
    assessment(-2, Scenario.EXPIRED, Compliance.NON_COMPLIANT),
    assessment(200, Scenario.VALID, Compliance.COMPLIANT),
    assessment(None, Scenario.EXEMPT, Compliance.NOT_APPLICABLE),
)


@pytest.mark.parametrize(
    ("invocation", "expected"),
    [
        pytest.param(
            Invocation(SCHEDULED, completed=True, failed=False, outcomes=OUTCOMES, listing_gaps=("x",)),
            {"PeriodicRunsCompleted": 1, "CertificatesEvaluated": 4, "NonCompliantCertificates": 2,
             "ExpiredCertificates": 1, "SoonestExpiryDays": 0, "ListingGaps": 1, "FindingsFailures": 0,
             "EventsFailures": 0, "PeriodicRunFailures": 0},
            id="periodic-completed",
        ),
        pytest.param(
            Invocation(SCHEDULED, completed=True, failed=False, outcomes=(OUTCOMES[0], *OUTCOMES[2:]),
                       events_failures=2),
            {"PeriodicRunsCompleted": 1, "CertificatesEvaluated": 3, "NonCompliantCertificates": 1,
             "ExpiredCertificates": 0, "SoonestExpiryDays": 12, "ListingGaps": 0, "FindingsFailures": 0,
             "EventsFailures": 2, "PeriodicRunFailures": 0},
            id="periodic-completed-pages-not-put",
        ),
        pytest.param(
            Invocation(SCHEDULED, completed=True, failed=False, outcomes=OUTCOMES, listing_gaps=("doubted",),
                       inventory_complete=False),
            {"PeriodicRunsCompleted": 0, "ListingGaps": 1, "FindingsFailures": 0, "EventsFailures": 0,
             "PeriodicRunFailures": 0},
            id="periodic-doubted-listing-left-some-for-later",
        ),
        pytest.param(
            Invocation(SCHEDULED, completed=False, failed=False, outcomes=OUTCOMES, findings_failures=1),
            {"PeriodicRunsCompleted": 0, "ListingGaps": 0, "FindingsFailures": 1, "EventsFailures": 0,
             "PeriodicRunFailures": 0},
            id="periodic-cut-short-at-its-deadline",
        ),
        pytest.param(
            Invocation(SCHEDULED, completed=False, failed=True),
            {"PeriodicRunsCompleted": 0, "PeriodicRunFailures": 1},
            id="periodic-failed",
        ),
        pytest.param(
            Invocation(CHANGE, completed=True, failed=False, outcomes=OUTCOMES[:1]),
            {"FindingsFailures": 0, "EventsFailures": 0, "ChangeEventFailures": 0},
            id="change",
        ),
        pytest.param(
            Invocation(OVERSIZED, completed=False, failed=True, outcomes=OUTCOMES[:1]),
            {"ChangeEventFailures": 1},
            id="oversized-failed",
        ),
        pytest.param(Invocation(None, completed=False, failed=True), {"ChangeEventFailures": 1}, id="refused"),
    ],
)  # fmt: skip
def test_what_each_invocation_writes(invocation: Invocation, expected: dict[str, int]) -> None:
    assert invocation_metrics(invocation) == expected


def test_an_invocation_cannot_both_complete_and_fail() -> None:
    with pytest.raises(ValueError, match="both complete and fail"):
        Invocation(SCHEDULED, completed=True, failed=True)


def test_the_metrics_module_is_pure() -> None:
    loaded = "sorted(m for m in ('boto3', 'botocore', 'rdklib') if m in sys.modules)"
    probe = f"import sys, acm_expiry.metrics; print({loaded})"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
