"""The rdklib rule: reads the trigger, judges through the pure core, hands evaluations to rdklib."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from rdklib import ComplianceType, ConfigRule, Evaluation

from acm_expiry import RESOURCE_TYPE
from acm_expiry.acm import describe_certificate, listing_requests
from acm_expiry.assess import Assessment, assess_region
from acm_expiry.aws import current_record
from acm_expiry.certificate import Certificate, MalformedCertificate, UnreadableTimestamp, arn_of
from acm_expiry.errors import MalformedEventError
from acm_expiry.events import check_configuration_item
from acm_expiry.parameters import RuleParameters, parse_parameters
from acm_expiry.results import results_not_seen
from acm_expiry.verdict import Verdict, judge

DELETED = "No longer in ACM: deleted since the last periodic run."


def utc_now() -> datetime:
    return datetime.now(UTC)


class ACMExpiryRule(ConfigRule):  # type: ignore[misc]  # rdklib ships no type hints
    # The rule marks certificates deleted since the last run itself (see evaluate_periodic):
    # in one pass, with an annotation, and only once DescribeCertificate confirms they are gone.
    delete_old_evaluations_on_scheduled_notification = False

    def __init__(self, now: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.now = now
        # What this invocation judged, and found gone, for Security Hub findings.
        self.assessments: list[Assessment] = []
        self.deleted: list[str] = []

    def evaluate_parameters(self, rule_parameters: Mapping[str, Any]) -> RuleParameters:
        return parse_parameters(rule_parameters)

    def evaluate_change(
        self,
        event: Any,
        client_factory: Any,
        configuration_item: Mapping[str, Any],
        valid_rule_parameters: RuleParameters,
    ) -> list[Evaluation]:
        """Judge from the configuration item alone; ask ACM only if its notAfter is unreadable."""
        check_configuration_item(configuration_item, "configuration item")
        try:
            certificate = Certificate.from_configuration_item(configuration_item)
        except MalformedCertificate as error:
            raise MalformedEventError(str(error)) from None
        except UnreadableTimestamp:
            arn = arn_of(configuration_item)
            described = describe_certificate(client_factory.build_client("acm"), arn)
            if described is None:
                return [Evaluation(ComplianceType.NOT_APPLICABLE, annotation="Certificate no longer exists in ACM.")]
            certificate = described
        _count_seen(1)
        verdict = judge(certificate, self.now(), valid_rule_parameters.days_to_expiration)
        self.assessments = [Assessment(certificate, verdict)]
        # The resource id comes from the configuration item (rdklib fills it in).
        return [_evaluation(verdict)]

    def evaluate_periodic(
        self, event: Any, client_factory: Any, valid_rule_parameters: RuleParameters
    ) -> list[Evaluation]:
        acm = client_factory.build_client("acm")
        now, days = self.now(), valid_rule_parameters.days_to_expiration
        assessments = assess_region(acm, now, days)
        record = current_record()
        if record is not None:
            record.listing_gaps.extend(listing_requests(acm)[1])
        seen = {a.certificate.arn for a in assessments}
        gone = []
        for resource_id, resource_type in results_not_seen(
            client_factory.build_client("config"), event["configRuleName"], seen
        ):
            # Judged before, not listed now. Only ACM's word makes it deleted: a listing can miss
            # certificates (an SDK too old to lift a default filter), and those are judged here.
            described = describe_certificate(acm, resource_id) if resource_type == RESOURCE_TYPE else None
            if described is not None:
                assessments.append(Assessment(described, judge(described, now, days)))
            else:
                gone.append((resource_id, resource_type))
        _count_seen(len(assessments))
        self.assessments = assessments
        self.deleted = [resource_id for resource_id, resource_type in gone if resource_type == RESOURCE_TYPE]
        return [_evaluation(a.verdict, a.certificate.arn) for a in assessments] + [
            Evaluation(ComplianceType.NOT_APPLICABLE, resource_id, resource_type, DELETED)
            for resource_id, resource_type in gone
        ]


def _evaluation(verdict: Verdict, resource_id: str | None = None) -> Evaluation:
    return Evaluation(
        str(verdict.compliance),
        resourceId=resource_id,
        resourceType=RESOURCE_TYPE if resource_id else None,
        annotation=verdict.annotation,
    )


def _count_seen(count: int) -> None:
    record = current_record()
    if record is not None:
        record.certificates_seen += count
