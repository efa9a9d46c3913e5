"""CloudWatch metrics in the log line (Embedded Metric Format), checked against the spec and the evaluations.

The EMF checks are written from the published specification
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
not from acm_expiry.metrics; the figures are worked out here from the evaluations Config received
and from the inventory, independently of the rule's code.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from acm_expiry_cli.sample_events import change_event, scheduled_event
from tests.conftest import World
from tests.support.inventory import config_item, synthetic_inventory

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
METRICS = {"CertificatesEvaluated", "NonCompliantCertificates", "ExpiredCertificates", "SoonestExpiryDays",
           "FindingsFailures"}  # fmt: skip


def emf_metrics(line: dict[str, Any]) -> dict[str, float]:
    """The metrics CloudWatch would extract from a log line, after checking it against the EMF spec."""
    metadata = line["_aws"]
    assert set(metadata) == {"Timestamp", "CloudWatchMetrics"}
    assert isinstance(metadata["Timestamp"], int) and metadata["Timestamp"] > 1_600_000_000_000  # milliseconds
    (directive,) = metadata["CloudWatchMetrics"]
    assert set(directive) == {"Namespace", "Dimensions", "Metrics"}
    assert directive["Namespace"] == "ACMExpiryRule"
    assert directive["Dimensions"] == [["ConfigRuleName"]]
    for dimension_set in directive["Dimensions"]:
        for name in dimension_set:  # a dimension target MUST be a string member of the root
            assert isinstance(line[name], str) and 1 <= len(line[name]) <= 1024
    assert 1 <= len(directive["Metrics"]) <= 100
    values = {}
    for definition in directive["Metrics"]:
        assert set(definition) <= {"Name", "Unit", "StorageResolution"} and definition["Unit"] in UNITS
        value = line[definition["Name"]]  # targets MUST be numeric members of the root
        assert isinstance(value, int | float) and not isinstance(value, bool)
        values[definition["Name"]] = value
    assert set(values) <= METRICS
    return values


def days_left(not_after: float, now: datetime) -> int:
    remaining = not_after - now.timestamp()
    return math.ceil(remaining / 86400) if remaining > 0 else -math.floor(-remaining / 86400)


def test_a_scheduled_runs_metrics_are_the_accounts_figures(aws: World) -> None:
    inventory = synthetic_inventory(400, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    line = aws.log_lines()[-1]
    metrics = emf_metrics(line)
    sent = aws.config.sent
    assert line["ConfigRuleName"] == "ACMExpiryRule"
    assert metrics["CertificatesEvaluated"] == len(sent) == 400
    assert metrics["NonCompliantCertificates"] == sum(1 for e in sent if e["ComplianceType"] == "NON_COMPLIANT")
    assert metrics["ExpiredCertificates"] == sum(1 for e in sent if e.get("Annotation", "").startswith("Expired")) > 0
    valid = [
        c for c in inventory if "NotAfter" in c and c["Status"] != "EXPIRED" and c["NotAfter"] > aws.now.timestamp()
    ]
    assert metrics["SoonestExpiryDays"] == min(days_left(c["NotAfter"], aws.now) for c in valid) > 0
    assert metrics["ExpiredCertificates"] > 0  # expired certificates are counted there, not here
    assert metrics["FindingsFailures"] == 0
    assert line["_aws"]["Timestamp"] == int(aws.now.timestamp() * 1000)


def test_a_change_events_metrics_are_its_certificates(aws: World) -> None:
    configuration = {
        "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/one",
        "status": "ISSUED",
        "type": "IMPORTED",
        "notAfter": (aws.now + timedelta(days=4, hours=2)).isoformat(),
    }
    aws.run(change_event(config_item(configuration, aws.now), aws.now))
    metrics = emf_metrics(aws.log_lines()[-1])
    assert metrics == {
        "CertificatesEvaluated": 1,
        "NonCompliantCertificates": 1,
        "ExpiredCertificates": 0,
        "SoonestExpiryDays": 5,
        "FindingsFailures": 0,
    }


def test_soonest_expiry_is_left_out_when_no_issued_certificate_was_judged(aws: World) -> None:
    pending = {
        "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/new",
        "DomainName": "new.example.com",
        "Status": "PENDING_VALIDATION",
        "Type": "AMAZON_ISSUED",
        "KeyAlgorithm": "RSA_2048",
    }
    aws.acm.source = lambda region: [pending]
    aws.run(scheduled_event(aws.now))
    line = aws.log_lines()[-1]
    metrics = emf_metrics(line)
    assert "SoonestExpiryDays" not in metrics and "SoonestExpiryDays" not in line  # declared only with a value
    assert metrics["CertificatesEvaluated"] == 1 and metrics["NonCompliantCertificates"] == 0


def test_every_log_line_is_one_json_object_cloudwatch_can_parse(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(10, aws.now)
    aws.run(scheduled_event(aws.now))
    (raw,) = aws.logs
    assert "\n" not in raw
    parsed = json.loads(raw)
    assert isinstance(parsed, dict) and emf_metrics(parsed)["CertificatesEvaluated"] == 10
    assert datetime.fromtimestamp(parsed["_aws"]["Timestamp"] / 1000, UTC) == aws.now


def test_an_expired_certificate_does_not_hold_soonest_expiry(aws: World) -> None:
    """One expired certificate nobody deleted must not keep the alarm on SoonestExpiryDays in ALARM."""
    base = {"Status": "ISSUED", "Type": "IMPORTED", "KeyAlgorithm": "RSA_2048", "DomainName": "x.example.com"}
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/"
    aws.acm.source = lambda region: [
        base | {"CertificateArn": arn + "old", "NotAfter": (aws.now - timedelta(days=300)).timestamp()},
        base | {"CertificateArn": arn + "soon", "NotAfter": (aws.now + timedelta(days=6, hours=3)).timestamp()},
    ]
    aws.run(scheduled_event(aws.now))
    metrics = emf_metrics(aws.log_lines()[-1])
    assert (metrics["SoonestExpiryDays"], metrics["ExpiredCertificates"]) == (7, 1)
