"""The rdklib rule: reads the trigger, judges through the pure core, returns rdklib Evaluations.

Each :class:`RuleEvaluation` is an rdklib ``Evaluation`` that also carries its :data:`Outcome`
(the certificate and verdict, or why the resource was removed), so findings and metrics are built
from what ``evaluate_*`` returned, not from state left on the rule. The rule keeps no state
between calls; AWS is reached only through the ``client_factory`` it is handed (the invocation's
:class:`~acm_expiry.edge.AwsEdge`, or any rdklib ``ClientFactory``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from rdklib import ComplianceType, ConfigRule, Evaluation

from acm_expiry import RESOURCE_TYPE
from acm_expiry.acm import ListingPlan, describe_certificate
from acm_expiry.arns import certificate_arn
from acm_expiry.assess import NO_EXEMPTIONS, Exemptions, assess_certificate, assess_region
from acm_expiry.certificate import Certificate, MalformedCertificate
from acm_expiry.errors import MalformedEventError
from acm_expiry.events import check_configuration_item
from acm_expiry.outcome import Assessment, Outcome, Removed
from acm_expiry.parameters import RuleParameters, parse_parameters
from acm_expiry.recording import DELETED
from acm_expiry.results import HeldResult
from acm_expiry.tags import tag_value, tagged_certificates
from acm_expiry.verdict import exempt, judge

GONE_FROM_ACM = "Certificate no longer exists in ACM."


def utc_now() -> datetime:
    return datetime.now(UTC)


class RuleEvaluation(Evaluation):  # type: ignore[misc]  # rdklib ships no type hints
    """An rdklib ``Evaluation`` that carries the outcome it reports."""

    def __init__(self, outcome: Outcome, resource_id: str | None = None) -> None:
        if isinstance(outcome, Assessment):
            super().__init__(
                str(outcome.verdict.compliance),
                resourceId=resource_id,
                resourceType=RESOURCE_TYPE if resource_id else None,
                annotation=outcome.verdict.annotation,
            )
        else:
            super().__init__(
                ComplianceType.NOT_APPLICABLE,
                resourceId=resource_id,
                resourceType=outcome.resource_type if resource_id else None,
                annotation=outcome.annotation,
            )
        self.outcome = outcome


class RuleEvaluations(list[RuleEvaluation]):
    """What ``evaluate_*`` returns: rdklib's list of Evaluations, plus what the periodic run's recording needs.

    ``listing_gaps``: what the listing could not ask for (an SDK too old to lift a default filter);
    ``exemptions``: the certificates carrying the exemption tag, for those judged later.
    """

    def __init__(
        self,
        evaluations: Iterable[RuleEvaluation] = (),
        *,
        listing_gaps: tuple[str, ...] = (),
        exemptions: Exemptions = NO_EXEMPTIONS,
    ) -> None:
        super().__init__(evaluations)
        self.listing_gaps = listing_gaps
        self.exemptions = exemptions


class ACMExpiryRule(ConfigRule):  # type: ignore[misc]  # rdklib ships no type hints
    # Under rdklib's own Evaluator this keeps rdklib from marking old results NOT_APPLICABLE: the
    # adapter marks certificates deleted since the last run itself (acm_expiry.recording), after
    # the verdicts, with an annotation, and only after a complete listing (or ACM's word).
    delete_old_evaluations_on_scheduled_notification = False

    def __init__(self, now: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.now = now

    def evaluate_parameters(self, rule_parameters: Mapping[str, Any]) -> RuleParameters:
        return parse_parameters(rule_parameters)

    def evaluate_change(
        self,
        event: Any,
        client_factory: Any,
        configuration_item: Mapping[str, Any],
        valid_rule_parameters: RuleParameters,
    ) -> RuleEvaluations:
        """Judge from the configuration item; ask ACM only where the item cannot decide, as the periodic run does.

        The item is checked first: an ACM certificate's item whose resourceId is not its ARN is
        refused (:class:`MalformedEventError`), never judged. ACM and the Tagging API are asked in
        the certificate's own region, which is not the clients' when ``ExecutionRoleRegion`` points
        the rule elsewhere.
        """
        check_configuration_item(configuration_item, "configuration item")
        try:
            certificate = Certificate.from_configuration_item(configuration_item)
        except MalformedCertificate as error:
            raise MalformedEventError(str(error)) from None
        region = certificate_arn(certificate.arn, "configuration item").region
        key = valid_rule_parameters.exempt_tag_key
        if key is not None:
            value = _exempt_tag(configuration_item, certificate.arn, key, client_factory, region)
            if value is not None:
                return RuleEvaluations([RuleEvaluation(Assessment(certificate, exempt(key, value)))])

        def describe(arn: str) -> Certificate | None:
            return describe_certificate(client_factory.build_client("acm", region), arn)

        assessment = assess_certificate(certificate, self.now(), valid_rule_parameters.days_to_expiration, describe)
        outcome: Outcome = assessment or Removed(certificate.arn, RESOURCE_TYPE, GONE_FROM_ACM, confirmed=True)
        # The resource id comes from the configuration item (rdklib's import_fields_from_configuration_item).
        return RuleEvaluations([RuleEvaluation(outcome)])

    def evaluate_periodic(
        self, event: Any, client_factory: Any, valid_rule_parameters: RuleParameters
    ) -> RuleEvaluations:
        """Judge every certificate in the region (what to record of it, and what is gone, the adapter decides)."""
        acm = client_factory.build_client("acm")
        plan = ListingPlan.for_client(acm)
        now, days = self.now(), valid_rule_parameters.days_to_expiration
        exemptions = NO_EXEMPTIONS
        if valid_rule_parameters.exempt_tag_key is not None:
            key = valid_rule_parameters.exempt_tag_key
            exemptions = Exemptions(
                key, tagged_certificates(client_factory.build_client("resourcegroupstaggingapi"), key)
            )
        unreadable: list[str] = []
        assessments = assess_region(acm, plan, now, days, exemptions, unreadable)
        gaps = plan.gaps
        if unreadable:  # a listing missing what it could not read is not whole
            gaps += (f"ListCertificates answered {len(unreadable)} summaries the rule cannot read: {unreadable[0]}",)
        return RuleEvaluations(
            (RuleEvaluation(a, a.certificate.arn) for a in assessments),
            listing_gaps=gaps,
            exemptions=exemptions,
        )

    def assess_unlisted(
        self,
        results: Iterable[HeldResult],
        client_factory: Any,
        valid_rule_parameters: RuleParameters,
        exemptions: Exemptions = NO_EXEMPTIONS,
    ) -> list[Outcome]:
        """Certificates judged before that the listing did not show, where its word is not enough: ACM's decides.

        One DescribeCertificate each: a certificate ACM still has is judged (or exempt); one it no
        longer has is NOT_APPLICABLE, deleted.
        """
        acm = client_factory.build_client("acm")
        now, days = self.now(), valid_rule_parameters.days_to_expiration
        outcomes: list[Outcome] = []
        for result in results:
            described = describe_certificate(acm, result.resource_id)
            if described is None:
                outcomes.append(Removed(result.resource_id, RESOURCE_TYPE, DELETED, confirmed=True))
            else:
                outcomes.append(Assessment(described, exemptions.verdict(described.arn) or judge(described, now, days)))
        return outcomes


def _exempt_tag(item: Mapping[str, Any], arn: str, key: str, client_factory: Any, region: str) -> str | None:
    """The exemption tag's value, from the configuration item's tags, or else from the Tagging API.

    The item's tags are read first. Whether Config records every ACM certificate's tags in its
    items is not something we could confirm, so an item that does not show the key is not taken
    as proof: one GetResources call for this certificate decides, as the periodic run's query does.
    """
    tags = item.get("tags")
    if tags is not None and not isinstance(tags, Mapping):
        raise MalformedEventError(f"configurationItem.tags must be an object, got {type(tags).__name__}")
    if tags and key in tags:
        return str(tags[key] if tags[key] is not None else "")
    return tag_value(client_factory.build_client("resourcegroupstaggingapi", region), arn, key)


def resource_id(outcome: Outcome) -> str:
    return outcome.certificate.arn if isinstance(outcome, Assessment) else outcome.resource_id
