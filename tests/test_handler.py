"""The real lambda_handler, end to end through rdklib, against moto behind AWS-faithful doubles."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from acm_expiry.errors import InvalidParameterError
from acm_expiry_cli.sample_events import change_event, oversized_event, scheduled_event
from tests.conftest import World, amazon_issued_record
from tests.support.inventory import config_item, import_certificate, let_expire_in_moto, synthetic_inventory

RESOURCE_TYPE = "AWS::ACM::Certificate"
ARN_PREFIX = "arn:aws:acm:us-east-1:123456789012:certificate/"


def by_id(evaluations: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["ComplianceResourceId"]: e for e in evaluations}


def verdicts(evaluations: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(e["ComplianceResourceId"], e["ComplianceType"], e.get("Annotation", "")) for e in evaluations}


def configuration(arn: str, **fields: Any) -> dict[str, Any]:
    return {
        "certificateArn": arn,
        "domainName": "www.example.com",
        "status": "ISSUED",
        "type": "IMPORTED",
        "keyAlgorithm": "RSA-2048",
        "inUseBy": [],
    } | fields


# --- periodic ---------------------------------------------------------------------------------


def test_periodic_judges_every_key_type_and_sends_one_evaluation_each(aws: World) -> None:
    acm = aws.client("acm")
    near_ec = import_certificate(acm, "ec.example.com", "EC_prime256v1", aws.now + timedelta(days=6, hours=1))
    far_rsa = import_certificate(acm, "rsa.example.com", "RSA_2048", aws.now + timedelta(days=200))
    near_rsa4096 = import_certificate(acm, "big.example.com", "RSA_4096", aws.now + timedelta(days=20, hours=1))
    expired = import_certificate(acm, "old.example.com", "EC_secp384r1", aws.now + timedelta(days=100))
    let_expire_in_moto(expired, aws.now - timedelta(days=3, hours=1))

    returned = aws.run(scheduled_event(aws.now))

    sent = by_id(aws.config.sent)
    assert set(sent) == {near_ec, far_rsa, near_rsa4096, expired}
    assert sent[near_ec]["ComplianceType"] == "NON_COMPLIANT"
    assert sent[near_ec]["Annotation"].startswith("Expires in 7 days")  # 6 days and 1 hour, rounded up
    assert "ACM never renews imported certificates" in sent[near_ec]["Annotation"]
    assert sent[far_rsa]["ComplianceType"] == "COMPLIANT"
    assert sent[near_rsa4096]["ComplianceType"] == "NON_COMPLIANT"
    assert sent[expired]["Annotation"].startswith("Expired 3 days ago")
    assert all(e["ComplianceResourceType"] == RESOURCE_TYPE for e in sent.values())
    assert verdicts(returned) == verdicts(aws.config.sent)


def test_periodic_lifts_every_default_filter_of_list_certificates(aws: World) -> None:
    aws.run(scheduled_event(aws.now))
    everything, n2_only = aws.doubles.calls("acm.ListCertificates")
    for request in (everything, n2_only):
        assert request["MaxItems"] == 1000
        assert sorted(request["Includes"]["keyTypes"]) == sorted(
            ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
        )
        assert sorted(request["CertificateKeyPairOrigins"]) == ["ACME", "AWS_MANAGED", "CUSTOMER_PROVIDED"]
    assert "RootHierarchyTypes" not in everything
    assert sorted(n2_only["RootHierarchyTypes"]) == ["N2_AMAZON_MANAGED", "N2_SFG2_AMAZON_MANAGED"]


def test_periodic_sees_acme_and_amazon_n2_certificates(aws: World) -> None:
    base = {
        "Status": "ISSUED",
        "Type": "AMAZON_ISSUED",
        "KeyAlgorithm": "EC_prime256v1",
        "InUse": True,
        "RenewalEligibility": "ELIGIBLE",
        "NotAfter": (aws.now + timedelta(days=200)).timestamp(),
    }
    inventory = [
        base
        | {"CertificateArn": f"{ARN_PREFIX}acme", "DomainName": "acme.example.com", "CertificateKeyPairOrigin": "ACME"},
        base
        | {
            "CertificateArn": f"{ARN_PREFIX}n2",
            "DomainName": "n2.example.com",
            "RootHierarchyType": "N2_AMAZON_MANAGED",
        },
        base | {"CertificateArn": f"{ARN_PREFIX}plain", "DomainName": "plain.example.com"},
    ]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    assert {e["ComplianceResourceId"] for e in aws.config.sent} == {c["CertificateArn"] for c in inventory}


def test_certificates_a_listing_misses_are_described_not_marked_deleted(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older boto3 (as a Lambda runtime may carry) cannot lift every filter: what Config knows
    but the listing missed is judged through DescribeCertificate; only what ACM says is gone is
    NOT_APPLICABLE."""
    from acm_expiry.acm import ListingPlan

    real = ListingPlan.for_client

    def old_sdk(cls: type[ListingPlan], client: Any) -> ListingPlan:
        first = real(client).requests[0]
        trimmed = {k: v for k, v in first.items() if k not in ("CertificateKeyPairOrigins", "RootHierarchyTypes")}
        return ListingPlan((trimmed,), ("no CertificateKeyPairOrigins", "no RootHierarchyTypes"))

    monkeypatch.setattr(ListingPlan, "for_client", classmethod(old_sdk))
    acme = {
        "CertificateArn": f"{ARN_PREFIX}acme",
        "DomainName": "acme.example.com",
        "Status": "ISSUED",
        "Type": "AMAZON_ISSUED",
        "KeyAlgorithm": "RSA_2048",
        "CertificateKeyPairOrigin": "ACME",
        "NotAfter": (aws.now + timedelta(days=5)).timestamp(),
    }
    aws.acm.source = lambda region: [acme]
    for arn in (acme["CertificateArn"], f"{ARN_PREFIX}deleted"):
        aws.config.results[arn] = {
            "ComplianceResourceId": arn,
            "ComplianceResourceType": RESOURCE_TYPE,
            "ComplianceType": "NON_COMPLIANT",
            "OrderingTimestamp": aws.now.timestamp(),
            "Annotation": "Expires in 5 days",
        }
    aws.run(scheduled_event(aws.now))
    assert acme["CertificateArn"] in {c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")}
    assert aws.config.results[acme["CertificateArn"]]["ComplianceType"] == "NON_COMPLIANT"
    assert aws.config.results[acme["CertificateArn"]]["Annotation"].startswith("Expires in 5 days")
    assert aws.config.results[f"{ARN_PREFIX}deleted"]["ComplianceType"] == "NOT_APPLICABLE"
    gaps = aws.log_lines()[-1]["listingGaps"]
    assert gaps[:2] == ["no CertificateKeyPairOrigins", "no RootHierarchyTypes"]
    assert gaps[2:] == [
        "the listing was empty while Config holds results for 2 certificates: nothing is cleared on its word"
    ]


def test_periodic_follows_next_token_over_2500_certificates(aws: World) -> None:
    inventory = synthetic_inventory(2500, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    # three pages of everything, then the (empty) listing of Amazon N2 certificates
    assert len(aws.doubles.calls("acm.ListCertificates")) == 4
    assert {e["ComplianceResourceId"] for e in aws.config.sent} == {c["CertificateArn"] for c in inventory}
    assert max(len(batch) for batch in aws.config.put_calls) <= 100
    assert len(aws.config.put_calls) == 25


def test_periodic_describes_only_certificates_acm_renews_inside_the_window(aws: World) -> None:
    """AMAZON_ISSUED and PRIVATE, eligible for renewal: their renewal status decides the advice."""
    inventory = synthetic_inventory(800, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    described = {c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")}
    in_window = [
        c
        for c in inventory
        if c["Status"] == "ISSUED"
        and timedelta(0) < timedelta(seconds=c["NotAfter"] - aws.now.timestamp()) <= timedelta(days=30)
    ]
    expected = {
        c["CertificateArn"]
        for c in in_window
        if c["Type"] in ("AMAZON_ISSUED", "PRIVATE") and c["RenewalEligibility"] == "ELIGIBLE"
    }
    assert {c["Type"] for c in inventory if c["CertificateArn"] in expected} == {"AMAZON_ISSUED", "PRIVATE"}
    assert described == expected
    ineligible = [c for c in in_window if c["Type"] != "IMPORTED" and c["RenewalEligibility"] == "INELIGIBLE"]
    assert ineligible and not described & {c["CertificateArn"] for c in ineligible}


def test_periodic_reports_renewal_status_from_describe(aws: World) -> None:
    record = amazon_issued_record(aws.now, "renew-1", {"RenewalStatus": "PENDING_VALIDATION"})
    aws.acm.source = lambda region: [record]
    aws.run(scheduled_event(aws.now))
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "ACM renewal is PENDING_VALIDATION" in evaluation["Annotation"]


def test_periodic_marks_certificates_deleted_since_last_run_not_applicable(aws: World) -> None:
    acm = aws.client("acm")
    kept = import_certificate(acm, "kept.example.com", "EC_prime256v1", aws.now + timedelta(days=90))
    gone = import_certificate(acm, "gone.example.com", "EC_prime256v1", aws.now + timedelta(days=90))
    aws.run(scheduled_event(aws.now))
    assert aws.config.results[gone]["ComplianceType"] == "COMPLIANT"

    acm.delete_certificate(CertificateArn=gone)
    aws.config.put_calls.clear()
    aws.run(scheduled_event(aws.now))
    sent = by_id(aws.config.sent)
    assert sent[gone]["ComplianceType"] == "NOT_APPLICABLE"
    assert sent[gone]["Annotation"] == "No longer in ACM: deleted since the last periodic run."
    assert aws.config.results[kept]["ComplianceType"] == "COMPLIANT"


def test_periodic_without_includes_would_miss_ec_certificates(aws: World) -> None:
    """The double filters like ACM: without Includes, only RSA_1024/2048 come back."""
    acm = aws.client("acm")
    import_certificate(acm, "ec.example.com", "EC_prime256v1", aws.now + timedelta(days=90))
    rsa = import_certificate(acm, "rsa.example.com", "RSA_2048", aws.now + timedelta(days=90))
    plain = acm.list_certificates()["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in plain] == [rsa]


# --- change-triggered -------------------------------------------------------------------------


def test_change_is_judged_from_the_item_alone(aws: World) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/change-1"
    item = config_item(configuration(arn, notAfter=(aws.now + timedelta(days=9, hours=2)).isoformat()), aws.now)
    returned = aws.run(change_event(item, aws.now))
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceResourceId"] == arn
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("Expires in 10 days")  # 9 days and 2 hours, rounded up
    assert verdicts(returned) == verdicts(aws.config.sent)
    assert not [r for r in aws.doubles.requests if r[0].startswith("acm.")]


@pytest.mark.parametrize(("token", "test_mode"), [("TESTMODE", True), ("token", False)])
def test_the_testmode_result_token_validates_evaluations_without_recording_them(
    aws: World, token: str, test_mode: bool
) -> None:
    """Config's TESTMODE token (PutEvaluations' API reference) goes with TestMode: Config checks, records nothing."""
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/test-mode"
    item = config_item(configuration(arn, notAfter=(aws.now + timedelta(days=9)).isoformat()), aws.now)
    aws.run(change_event(item, aws.now) | {"resultToken": token})
    (put,) = aws.doubles.calls("config.PutEvaluations")
    assert (put["ResultToken"], put["TestMode"]) == (token, test_mode)
    assert (arn in aws.config.results) is not test_mode


@pytest.mark.parametrize("form", ["iso", "epoch_seconds", "epoch_millis"])
def test_change_accepts_not_after_forms(aws: World, form: str) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/change-2"
    moment = aws.now + timedelta(days=100)
    value = {
        "iso": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "epoch_seconds": moment.timestamp(),
        "epoch_millis": int(moment.timestamp() * 1000),
    }[form]
    aws.run(change_event(config_item(configuration(arn, notAfter=value), aws.now), aws.now))
    assert aws.config.sent[0]["ComplianceType"] == "COMPLIANT"


def test_change_with_unreadable_not_after_asks_acm(aws: World) -> None:
    acm = aws.client("acm")
    arn = import_certificate(acm, "x.example.com", "EC_prime256v1", aws.now + timedelta(days=5, hours=1))
    item = config_item(configuration(arn, notAfter="next Tuesday"), aws.now)
    aws.run(change_event(item, aws.now))
    assert [c["CertificateArn"] for c in aws.doubles.calls("acm.DescribeCertificate")] == [arn]
    assert aws.config.sent[0]["Annotation"].startswith("Expires in 6 days")


def test_change_for_pending_validation_is_not_applicable(aws: World) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/new"
    item = config_item(configuration(arn, status="PENDING_VALIDATION", type="AMAZON_ISSUED"), aws.now)
    aws.run(change_event(item, aws.now))
    assert aws.config.sent[0]["ComplianceType"] == "NOT_APPLICABLE"
    assert "PENDING_VALIDATION" in aws.config.sent[0]["Annotation"]


@pytest.mark.parametrize("status", ["ResourceDeleted", "ResourceDeletedNotRecorded"])
def test_scenario1_deleted_certificate_is_not_applicable(aws: World, status: str) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/deleted"
    aws.run(change_event(config_item(configuration(arn), aws.now, status=status), aws.now))
    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in aws.config.sent] == [(arn, "NOT_APPLICABLE")]


def test_scenario1_event_left_scope_is_not_applicable(aws: World) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/left"
    item = config_item(configuration(arn, notAfter=(aws.now + timedelta(days=2)).isoformat()), aws.now)
    aws.run(change_event(item, aws.now, left_scope=True))
    assert aws.config.sent[0]["ComplianceType"] == "NOT_APPLICABLE"


def test_oversized_change_reads_the_item_from_config_history(aws: World) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/big"
    item = config_item(configuration(arn, notAfter=(aws.now + timedelta(days=3, hours=1)).isoformat()), aws.now)
    aws.config.record_history(item)
    aws.run(oversized_event(item, aws.now))
    assert aws.doubles.calls("config.GetResourceConfigHistory")[0]["resourceId"] == arn
    (evaluation,) = aws.config.sent
    assert (evaluation["ComplianceResourceId"], evaluation["ComplianceType"]) == (arn, "NON_COMPLIANT")


# --- parameters -------------------------------------------------------------------------------


def test_days_to_expiration_moves_the_window(aws: World) -> None:
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/p"
    item = config_item(configuration(arn, notAfter=(aws.now + timedelta(days=45)).isoformat()), aws.now)
    aws.run(change_event(item, aws.now, parameters={"daysToExpiration": "60"}))
    aws.run(change_event(item, aws.now, parameters={}))
    assert [e["ComplianceType"] for e in aws.config.sent] == ["NON_COMPLIANT", "COMPLIANT"]


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "100000", ""])
def test_invalid_days_fails_the_invocation_and_sends_nothing(aws: World, value: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"daysToExpiration is {value!r}.*from 1 to 3650"):
        aws.run(scheduled_event(aws.now, parameters={"daysToExpiration": value}))
    assert aws.doubles.requests == []


def test_assume_role_mode_false_uses_the_function_role(aws: World) -> None:
    aws.run(scheduled_event(aws.now, parameters={"daysToExpiration": "30", "AssumeRoleMode": "false"}))
    assert aws.doubles.calls("sts.AssumeRole") == []
    aws.run(scheduled_event(aws.now))
    assert len(aws.doubles.calls("sts.AssumeRole")) == 1


def test_a_service_linked_execution_role_is_refused_with_the_fix(aws: World) -> None:
    from acm_expiry.errors import InvalidParameterError

    event = scheduled_event(aws.now)
    event["executionRoleArn"] = (
        "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    with pytest.raises(InvalidParameterError, match=r'service-linked role.*AssumeRoleMode to "false"'):
        aws.run(event)
    assert aws.doubles.requests == []


def test_a_service_linked_execution_role_is_no_obstacle_with_execution_role_name(aws: World) -> None:
    """An organization rule's event names Config's service-linked role; ExecutionRoleName replaces it."""
    aws.acm.source = lambda region: synthetic_inventory(3, aws.now)
    event = scheduled_event(aws.now, parameters={"ExecutionRoleName": "ACMExpiryRule-Member"})
    event["executionRoleArn"] = (
        "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    )
    aws.run(event)
    (assumed,) = aws.doubles.calls("sts.AssumeRole")
    assert assumed["RoleArn"] == "arn:aws:iam::123456789012:role/ACMExpiryRule-Member"
    assert len(aws.config.sent) == 3


def test_execution_role_name_assumes_the_member_role(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(5, aws.now)
    aws.run(scheduled_event(aws.now, parameters={"ExecutionRoleName": "ACMExpiryRule-Member"}))
    (assumed,) = aws.doubles.calls("sts.AssumeRole")
    assert assumed["RoleArn"] == "arn:aws:iam::123456789012:role/ACMExpiryRule-Member"
    assert len(aws.config.sent) == 5


def test_a_misspelt_parameter_fails_instead_of_running_with_the_default(aws: World) -> None:
    from acm_expiry.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'daysToExpiraton' is not known"):
        aws.run(scheduled_event(aws.now, parameters={"daysToExpiraton": "60"}))
    assert aws.doubles.requests == []


def test_summaries_without_dates_are_described_not_judged_never_issued(aws: World) -> None:
    """An SDK older than the summary's Status and NotAfter fields drops them: ask DescribeCertificate."""
    inventory = synthetic_inventory(30, aws.now)
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now))
    full = {e["ComplianceResourceId"]: (e["ComplianceType"], e["Annotation"]) for e in aws.config.sent}

    aws.config.put_calls.clear()
    aws.acm.summary_fields = ("CertificateArn", "DomainName")
    aws.run(scheduled_event(aws.now))
    # The second run sends only what differs (nothing should) beside its NON_COMPLIANT and refresh
    # share; a summary judged wrongly would differ, and change what Config holds.
    sparse = {e["ComplianceResourceId"]: (e["ComplianceType"], e["Annotation"]) for e in aws.config.sent}
    assert sparse.items() <= full.items() and any(c == "NON_COMPLIANT" for c, _ in sparse.values())
    held = {arn: (e["ComplianceType"], e["Annotation"]) for arn, e in aws.config.results.items()}
    assert held == full
    assert len(aws.doubles.calls("acm.DescribeCertificate")) >= len(inventory)
