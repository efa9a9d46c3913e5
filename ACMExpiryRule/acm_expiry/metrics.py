"""CloudWatch metrics of one invocation, in Embedded Metric Format, for the log line.

CloudWatch Logs turns a log line carrying an ``_aws`` block into metrics (EMF specification:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
namespace ``ACMExpiryRule``, one dimension, the Config rule's name, and:

=========================  =====  ============================================================
metric                     unit   value
=========================  =====  ============================================================
CertificatesEvaluated      Count  certificates this invocation judged (exempt and never issued included)
NonCompliantCertificates   Count  of those, NON_COMPLIANT
ExpiredCertificates        Count  of those, expired (by date or by ACM's EXPIRED status)
SoonestExpiryDays          None   the smallest days left among the certificates it judged that have
                                  not expired yet; left out when there were none
FindingsFailures           Count  1 when publishing Security Hub findings failed, else 0
=========================  =====  ============================================================

A scheduled run judges every certificate: its figures are the account's and region's. A change
event judges one certificate: its figures are that certificate's. SoonestExpiryDays leaves out
expired certificates, which ExpiredCertificates counts: an expired certificate nobody deleted
would otherwise hold an alarm on it in ALARM for good, and a certificate reaching 7 days later
would never notify. Pure: no boto3, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from acm_expiry.outcome import Assessment, Outcome
from acm_expiry.verdict import Compliance, Scenario

NAMESPACE = "ACMExpiryRule"
DIMENSION = "ConfigRuleName"
UNITS = {
    "CertificatesEvaluated": "Count",
    "NonCompliantCertificates": "Count",
    "ExpiredCertificates": "Count",
    "SoonestExpiryDays": "None",
    "FindingsFailures": "Count",
}


def run_metrics(outcomes: Iterable[Outcome], *, findings_failures: int) -> dict[str, int]:
    """The metrics' values for one invocation's outcomes."""
    assessments = [o for o in outcomes if isinstance(o, Assessment)]
    metrics = {
        "CertificatesEvaluated": len(assessments),
        "NonCompliantCertificates": sum(1 for a in assessments if a.verdict.compliance is Compliance.NON_COMPLIANT),
        "ExpiredCertificates": sum(1 for a in assessments if a.verdict.scenario is Scenario.EXPIRED),
        "FindingsFailures": findings_failures,
    }
    days = [
        a.verdict.days_left
        for a in assessments
        if a.verdict.days_left is not None and a.verdict.scenario is not Scenario.EXPIRED
    ]
    if days:
        metrics["SoonestExpiryDays"] = min(days)
    return metrics


def embedded(metrics: dict[str, int], rule_name: str | None, at: datetime) -> dict[str, Any]:
    """The members EMF needs at the log line's root: the ``_aws`` directive, the dimension and each value."""
    dimensions = [[DIMENSION]] if rule_name else [[]]
    directive = {
        "Namespace": NAMESPACE,
        "Dimensions": dimensions,
        "Metrics": [{"Name": name, "Unit": UNITS[name]} for name in UNITS if name in metrics],
    }
    root: dict[str, Any] = {"_aws": {"Timestamp": int(at.timestamp() * 1000), "CloudWatchMetrics": [directive]}}
    if rule_name:
        root[DIMENSION] = rule_name
    return root | metrics
