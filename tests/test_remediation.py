"""The remediation runbook's script (acm_expiry.remediation) against moto's ACM, Route 53 and ACM PCA.

ACM and Route 53 are answered as AWS documents them where moto does not (tests/support/doubles.py's
FakeAcm, with RenewCertificate, and tests/support/route53.py's FakeRoute53: listing order and
paging). Every test runs each certificate twice, the second run changing nothing, and the fixture
checks after every test that no Delete* request was sent and that no record change was anything but
an UPSERT.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.endpoint
import moto.route53.models
import pytest
from moto import mock_aws

from acm_expiry import remediation
from acm_expiry.remediation import (
    IN_PLACE,
    NOT_TAKEN,
    RETRIES,
    TAKEN,
    WOULD,
    WRITE,
    InvalidInput,
    Options,
    RemediationFailed,
    Report,
    remediate,
)
from tests.support.doubles import AwsError, Doubles, FakeAcm, access_denied, moto_acm_source
from tests.support.route53 import FakeRoute53

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/"
IN_USE = {"InUseBy": [f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/shop/1"]}
APPLY = Options(dry_run=False)
THROTTLING = AwsError("Throttling", "Rate exceeded")


@dataclass
class World:
    doubles: Doubles
    acm: FakeAcm
    route53: FakeRoute53
    inventory: list[dict[str, Any]] = field(default_factory=list)  # certificates besides moto's own
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)
    _vpc: str = ""

    @property
    def session(self) -> Any:
        if not hasattr(self, "_session"):
            self._session = self.doubles.session()
        return self._session

    def client(self, service: str, region: str = REGION) -> Any:
        if (service, region) not in self._clients:
            self._clients[service, region] = self.session.client(service, region_name=region, config=RETRIES)
        return self._clients[service, region]

    def run(self, arn: str, options: Options = APPLY) -> Report:
        return remediate(arn, self.client, options, NOW)

    def add(self, name: str, days: float | None, **fields: Any) -> str:
        """A certificate as DescribeCertificate tells it, expiring ``days`` after NOW."""
        certificate: dict[str, Any] = {
            "CertificateArn": ARN + name,
            "DomainName": f"{name}.example.com",
            "Status": "ISSUED",
            "Type": "AMAZON_ISSUED",
            "KeyAlgorithm": "EC_prime256v1",
            "InUseBy": [],
            "RenewalEligibility": "INELIGIBLE",
            "NotBefore": (NOW - timedelta(days=180)).timestamp(),
        }
        if days is not None:
            certificate["NotAfter"] = (NOW + timedelta(days=days)).timestamp()
        self.inventory.append(certificate | fields)
        return ARN + name

    def zone(self, name: str, *, private: bool = False, reference: str | None = None) -> str:
        route53 = self.client("route53")
        extra: dict[str, Any] = {}
        if private:
            self._vpc = self._vpc or self.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            extra = {"HostedZoneConfig": {"PrivateZone": True}, "VPC": {"VPCRegion": REGION, "VPCId": self._vpc}}
        answer = route53.create_hosted_zone(Name=name, CallerReference=reference or f"{name}-{private}", **extra)
        return str(answer["HostedZone"]["Id"]).rsplit("/", 1)[-1]

    def put(self, zone: str, name: str, kind: str, value: str, **extra: Any) -> None:
        change = {"Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": kind, "TTL": 60,
                                                            "ResourceRecords": [{"Value": value}]} | extra}  # fmt: skip
        self.client("route53").change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [change]})
        self.route53.batches.clear()  # seeding is not the remediation's doing

    def records(self, zone: str) -> list[tuple[str, str, tuple[str, ...]]]:
        pages = self.client("route53").get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone)
        return sorted(
            (r["Name"], r["Type"], tuple(v["Value"] for v in r.get("ResourceRecords", [])))
            for page in pages
            for r in page["ResourceRecordSets"]
        )

    def calls(self, operation: str) -> int:
        return sum(1 for name, _ in self.doubles.requests if name == operation)

    def writes(self) -> list[dict[str, Any]]:
        return [change for batch in self.route53.batches for change in batch["changes"]]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from moto_world(monkeypatch)


def moto_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The fixture's body, for other modules' fixtures (the CLI's)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    # botocore's own retries (the script relies on them) wait on a clock the tests do not keep.
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda seconds: None))
    with mock_aws():
        doubles = Doubles()
        moto_certificates = moto_acm_source(ACCOUNT)
        world = World(doubles, FakeAcm(lambda region: []), FakeRoute53(ACCOUNT))
        world.acm.source = lambda region: moto_certificates(region) + world.inventory
        world.acm.clock = lambda: NOW
        doubles.serve("acm", world.acm)
        doubles.serve("route53", world.route53)
        yield world
    # Never a deletion, whatever the test: not an API whose name says so, not a record change.
    assert not [name for name, _ in doubles.requests if name.split(".", 1)[1].startswith("Delete")]
    assert {change["Action"] for change in world.writes()} <= {"UPSERT"}


def requested(world: World, *names: str, **overlay: Any) -> str:
    """A DNS-validated certificate requested from moto's ACM, issued, in use and eligible (moto says neither)."""
    acm = world.client("acm")
    arn = str(acm.request_certificate(DomainName=names[0], SubjectAlternativeNames=list(names),
                                      ValidationMethod="DNS")["CertificateArn"])  # fmt: skip
    world.acm.overlay[arn] |= {"Status": "ISSUED", "RenewalEligibility": "ELIGIBLE",
                               "NotAfter": (NOW + timedelta(days=20)).timestamp()} | IN_USE | overlay  # fmt: skip
    return arn


def validation_records(world: World, arn: str) -> set[tuple[str, str]]:
    """The records ACM asks for, as DescribeCertificate gives them."""
    described = world.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]
    return {(o["ResourceRecord"]["Name"], o["ResourceRecord"]["Value"]) for o in described["DomainValidationOptions"]}


def outcomes(report: Report) -> list[str]:
    return [action.outcome for action in report.actions]


def reasons(report: Report) -> str:
    return " | ".join(f"{action.target}: {action.reason}" for action in report.actions)


# --- DNS validation records --------------------------------------------------------------------------


def test_both_missing_records_are_written_into_the_public_zone_and_the_private_one_is_untouched(world: World) -> None:
    public, private = world.zone("example.com"), world.zone("example.com", private=True)
    world.put(public, "www.example.com", "A", "192.0.2.10")
    private_before = world.records(private)
    # example.com and *.example.com share one validation record: two records for three names.
    arn = requested(world, "example.com", "www.example.com", "*.example.com")
    wanted = validation_records(world, arn)
    assert len(wanted) == 2

    first = world.run(arn)

    assert outcomes(first) == [TAKEN, TAKEN] and first.changed
    assert [batch["zone"] for batch in world.route53.batches] == [public]  # one batch, the public zone
    assert {(c["Name"], c["Values"][0]) for c in world.writes()} == wanted
    assert all(c["Type"] == "CNAME" and c["TTL"] == "300" for c in world.writes())
    assert {(name, value[0]) for name, kind, value in world.records(public) if kind == "CNAME"} == wanted
    assert world.records(private) == private_before

    world.route53.batches.clear()
    second = world.run(arn)
    assert outcomes(second) == [IN_PLACE, IN_PLACE] and not second.changed
    assert world.route53.batches == []
    assert "0 change(s) made, 2 already in place, 0 not done" in second.summary()


def test_a_dry_run_reads_and_says_what_it_would_write(world: World) -> None:
    world.zone("example.com")
    arn = requested(world, "example.com", "www.example.com")
    report = world.run(arn, Options(dry_run=True))
    assert outcomes(report) == [WOULD, WOULD] and not report.changed
    assert world.calls("route53.ChangeResourceRecordSets") == 0
    assert "dry run, 2 change(s) would be made" in report.summary()
    assert report.output()["DryRun"] is True


def test_a_name_with_no_public_zone_here_is_named_with_the_record_to_create(world: World) -> None:
    world.zone("example.com")
    world.zone("example.org", private=True)  # private zones do not count: ACM validates through public DNS
    arn = requested(world, "shop.example.com", "shop.example.org")
    report = world.run(arn)
    (written,) = [a for a in report.actions if a.outcome == TAKEN]
    (left,) = [a for a in report.actions if a.outcome == NOT_TAKEN]
    assert "shop.example.com" in written.target
    assert left.target.startswith("CNAME _") and "shop.example.org." in left.target and "-> _" in left.target
    assert "no public hosted zone for shop.example.org in this account" in left.reason
    assert "only a private zone here" in left.reason and "DNS provider or AWS account" in left.reason
    assert len(world.writes()) == 1
    world.route53.batches.clear()
    assert sorted(outcomes(world.run(arn))) == [IN_PLACE, NOT_TAKEN] and world.writes() == []


def test_the_longest_public_zone_is_chosen(world: World) -> None:
    parent, child = world.zone("example.com"), world.zone("shop.example.com")
    arn = requested(world, "www.shop.example.com")
    world.run(arn)
    assert [batch["zone"] for batch in world.route53.batches] == [child]
    assert not [r for r in world.records(parent) if r[1] == "CNAME"]


def test_a_record_already_there_with_another_value_is_left_alone(world: World) -> None:
    zone = world.zone("example.com")
    arn = requested(world, "example.com")
    ((name, _),) = validation_records(world, arn)
    world.put(zone, name, "CNAME", "_someone-else.acm-validations.aws.")
    report = world.run(arn)
    assert outcomes(report) == [NOT_TAKEN]
    assert "already has CNAME at this name, not this value" in report.actions[0].reason
    assert world.writes() == []


def test_a_subdomain_delegated_elsewhere_is_out_of_reach(world: World) -> None:
    zone = world.zone("example.com")
    world.put(zone, "shop.example.com", "NS", "ns-1.other-provider.example.net.")
    arn = requested(world, "www.shop.example.com")
    report = world.run(arn)
    assert outcomes(report) == [NOT_TAKEN]
    assert "delegates shop.example.com to other name servers" in report.actions[0].reason
    assert world.writes() == []


def test_two_public_zones_of_one_name_are_not_guessed_between(world: World) -> None:
    world.zone("example.com", reference="one")
    world.zone("example.com", reference="two")
    report = world.run(requested(world, "example.com"))
    assert outcomes(report) == [NOT_TAKEN]
    assert "2 public hosted zones are named example.com here" in report.actions[0].reason
    assert world.writes() == []


def test_hosted_zones_are_read_across_pages(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """100 private zones named example.com (one per VPC, say) fill ListHostedZonesByName's first page of 100;
    the public one is on the second. Zones listed after example.com's are not read."""
    # Zones of one name are listed by id: ids in the order of creation put the public zone, made last, on page 2
    # (moto's are random, which put it there once in a hundred runs).
    made = iter(range(1, 1000))
    monkeypatch.setattr(moto.route53.models, "create_route53_zone_id", lambda **_: f"Z{next(made):021d}")
    for index in range(100):
        world.zone("example.com", private=True, reference=f"vpc-{index}")
    public = world.zone("example.com", reference="public")
    world.zone("example.net")  # after example.com in Route 53's order
    arn = requested(world, "example.com")
    world.run(arn)
    assert [batch["zone"] for batch in world.route53.batches] == [public]
    listings = world.calls("route53.ListHostedZonesByName")
    assert listings == 2, listings


def test_record_sets_are_read_across_pages(world: World) -> None:
    """300 weighted CNAMEs at the validation name fill ListResourceRecordSets' first page of 300; the one with
    ACM's value comes after them (its set identifier sorts last), on the second page."""
    zone = world.zone("example.com")
    arn = requested(world, "example.com")
    ((name, value),) = validation_records(world, arn)
    changes = [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": name, "Type": "CNAME", "TTL": 60, "SetIdentifier": ident,
                                                   "Weight": 1, "ResourceRecords": [{"Value": target}]}}
        for ident, target in [(f"a{index:03}", f"_other{index}.example.net.") for index in range(300)]
        + [("zzz", value)]
    ]  # fmt: skip
    world.client("route53").change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    world.route53.batches.clear()
    report = world.run(arn)
    assert outcomes(report) == [IN_PLACE], reasons(report)
    assert world.writes() == []


def test_email_validated_and_not_yet_given_records_say_why(world: World) -> None:
    world.zone("example.com")
    options = [
        {"DomainName": "mail.example.com", "ValidationMethod": "EMAIL", "ValidationStatus": "PENDING_VALIDATION"},
        {"DomainName": "new.example.com", "ValidationMethod": "DNS", "ValidationStatus": "PENDING_VALIDATION"},
    ]
    arn = world.add("mixed", 20, RenewalEligibility="ELIGIBLE", DomainValidationOptions=options, **IN_USE)
    report = world.run(arn)
    assert outcomes(report) == [NOT_TAKEN, NOT_TAKEN]
    assert "validated by EMAIL, not DNS: approve ACM's mail" in report.actions[0].reason
    assert "ACM has not given its validation record yet" in report.actions[1].reason


def test_a_certificate_awaiting_validation_gets_its_records(world: World) -> None:
    """A new request (PENDING_VALIDATION, not yet eligible): what ACM's console does with "Create records"."""
    zone = world.zone("example.com")
    arn = requested(world, "new.example.com", Status="PENDING_VALIDATION", RenewalEligibility="INELIGIBLE",
                    InUseBy=[])  # fmt: skip
    assert outcomes(world.run(arn)) == [TAKEN]
    assert [batch["zone"] for batch in world.route53.batches] == [zone]


def test_renewal_validation_records_are_written_too(world: World) -> None:
    """During a renewal ACM lists the records to validate in RenewalSummary.DomainValidationOptions."""
    zone = world.zone("example.com")
    renewal = {
        "RenewalStatus": "PENDING_VALIDATION",
        "DomainValidationOptions": [
            {"DomainName": "api.example.com", "ValidationMethod": "DNS", "ValidationStatus": "PENDING_VALIDATION",
             "ResourceRecord": {"Name": "_0a1b.api.example.com.", "Type": "CNAME",
                                "Value": "_9f8e.xyz.acm-validations.aws."}},
        ],
    }  # fmt: skip
    arn = world.add("api", 12, RenewalEligibility="ELIGIBLE", RenewalSummary=renewal, **IN_USE)
    world.run(arn)
    assert world.writes() == [{"Action": "UPSERT", "Name": "_0a1b.api.example.com.", "Type": "CNAME", "TTL": "300",
                               "Values": ["_9f8e.xyz.acm-validations.aws."]}]  # fmt: skip
    assert ("_0a1b.api.example.com.", "CNAME", ("_9f8e.xyz.acm-validations.aws.",)) in world.records(zone)


# --- nothing to do, and why ----------------------------------------------------------------------------


NOTHING_CASES = [
    # (id, fields, words of the one reason)
    ("imported", {"Type": "IMPORTED", "RenewalEligibility": "INELIGIBLE"}, "re-import a renewed certificate"),
    ("acme", {"CertificateKeyPairOrigin": "ACME", "RenewalEligibility": "ELIGIBLE", **IN_USE},
     "ACME-issued: the ACME client that ordered it renews it"),
    ("acme_not_in_use", {"CertificateKeyPairOrigin": "ACME"}, "ACM cannot delete it"),
    ("not_in_use", {"RenewalEligibility": "INELIGIBLE"}, "not in use, so ACM will not renew it"),
    ("expired_by_date", {"NotAfter": (NOW - timedelta(days=2)).timestamp()}, "it expired on 2026-11-25"),
    ("expired_status", {"Status": "EXPIRED"}, "nothing renews an expired certificate"),
    ("revoked", {"Status": "REVOKED", **IN_USE}, "revoked: request a new certificate"),
    ("timed_out", {"Status": "VALIDATION_TIMED_OUT"}, "will never be issued"),
    ("private_not_exported", {"Type": "PRIVATE", "RenewalEligibility": "INELIGIBLE"}, "not exported or associated"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "words"), [pytest.param(*row[1:], id=row[0]) for row in NOTHING_CASES])
def test_certificates_the_runbook_cannot_help_change_nothing_and_say_why(
    world: World, fields: dict[str, Any], words: str
) -> None:
    zone = world.zone("example.com")
    record = {"Name": "_ab12.case.example.com.", "Type": "CNAME", "Value": "_cd34.acm-validations.aws."}
    validation = [{"DomainName": "case.example.com", "ValidationMethod": "DNS", "ResourceRecord": record}]
    arn = world.add("case", 10, DomainValidationOptions=validation, Exported=True, **fields)
    before = world.records(zone)
    for _ in range(2):
        report = world.run(arn)
        assert [a.outcome for a in report.actions if a.target == arn] == [NOT_TAKEN], reasons(report)
        assert words in reasons(report)
        assert not report.changed
    assert world.writes() == [] and world.acm.renewed == []
    assert world.records(zone) == before


def test_an_sdk_that_cannot_tell_acme_certificates_acts_on_none(world: World) -> None:
    """SSM's runtime may lag botocore (it drops response fields its model lacks): not knowing whether a certificate
    is ACME-issued, the runbook does nothing to a managed one, and says so."""
    world.zone("example.com")
    arn = requested(world, "example.com")

    def old_sdk(service: str, region: str) -> Any:
        client = world.client(service, region)
        if service == "acm":
            detail = client.meta.service_model.shape_for("CertificateDetail")
            members = {k: v for k, v in detail.members.items() if k != "CertificateKeyPairOrigin"}
            model = SimpleNamespace(shape_for=lambda name: SimpleNamespace(members=members))
            return SimpleNamespace(meta=SimpleNamespace(service_model=model),
                                   describe_certificate=client.describe_certificate)  # fmt: skip
        return client

    report = remediate(arn, old_sdk, APPLY, NOW)
    assert outcomes(report) == [NOT_TAKEN] and "cannot tell an ACME-issued certificate" in report.actions[0].reason
    assert world.writes() == []
    imported = world.add("imported", 10, Type="IMPORTED")  # what needs no origin is still said
    assert "re-import" in remediate(imported, old_sdk, APPLY, NOW).actions[0].reason


def test_a_certificate_acm_does_not_have_changes_nothing(world: World) -> None:
    report = world.run(ARN + "gone")
    assert outcomes(report) == [NOT_TAKEN]
    assert "ACM has no such certificate" in report.actions[0].reason


# --- renewals --------------------------------------------------------------------------------------


@pytest.fixture
def authority(world: World) -> str:
    pca = world.client("acm-pca")
    arn = pca.create_certificate_authority(
        CertificateAuthorityConfiguration={"KeyAlgorithm": "RSA_2048", "SigningAlgorithm": "SHA256WITHRSA",
                                           "Subject": {"CommonName": "Example Internal CA"}},
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]  # fmt: skip
    pca.update_certificate_authority(CertificateAuthorityArn=arn, Status="ACTIVE")
    return str(arn)


def exported_private(world: World, authority: str, days: float = 12, **fields: Any) -> str:
    exported = {
        "Type": "PRIVATE",
        "RenewalEligibility": "ELIGIBLE",
        "Exported": True,
        "CertificateAuthorityArn": authority,
    }
    return world.add("internal", days, **(exported | fields))


def test_an_exported_private_certificate_is_renewed_once(world: World, authority: str) -> None:
    arn = exported_private(world, authority)
    first = world.run(arn)
    assert outcomes(first) == [TAKEN] and first.actions[0].action == "renew certificate"
    assert world.acm.renewed == [arn]
    second = world.run(arn)  # renewed: it now expires far outside the window
    assert outcomes(second) == [NOT_TAKEN] and "more than RenewWithinDays (30) away" in second.actions[0].reason
    assert world.acm.renewed == [arn]


def test_a_renewal_waits_for_the_window(world: World, authority: str) -> None:
    arn = exported_private(world, authority, days=45)
    assert outcomes(world.run(arn)) == [NOT_TAKEN]
    assert outcomes(world.run(arn, Options(dry_run=False, renew_within_days=60))) == [TAKEN]


def test_a_dry_run_renews_nothing(world: World, authority: str) -> None:
    report = world.run(exported_private(world, authority), Options(dry_run=True))
    assert outcomes(report) == [WOULD]
    assert world.acm.renewed == [] and world.calls("acm.RenewCertificate") == 0


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("DISABLED", "is DISABLED: enable it"),
        ("PENDING_CERTIFICATE", "has no CA certificate"),
        ("EXPIRED", "has an expired CA certificate"),
        ("DELETED", "is deleted: restore it"),
    ],
)
def test_the_private_cas_state_is_named_and_nothing_renewed(
    world: World, authority: str, status: str, words: str
) -> None:
    world.client("acm-pca").update_certificate_authority(CertificateAuthorityArn=authority, Status=status)
    renewal = {"RenewalStatus": "FAILED", "RenewalStatusReason": "PCA_INVALID_STATE"}
    arn = exported_private(world, authority, RenewalSummary=renewal)
    report = world.run(arn)
    assert all(action.outcome == NOT_TAKEN for action in report.actions)
    assert f"its private CA {words}" in reasons(report)
    assert "ACM's last renewal FAILED (PCA_INVALID_STATE)" in reasons(report)
    assert world.acm.renewed == []


def test_a_private_ca_that_cannot_be_read_is_named(world: World, authority: str) -> None:
    world.doubles.faults.always("acm-pca.DescribeCertificateAuthority", access_denied("acm-pca:Describe..."))
    report = world.run(exported_private(world, authority))
    assert "its private CA could not be read" in reasons(report) and world.acm.renewed == []


def test_an_associated_private_certificate_is_left_to_acm(world: World, authority: str) -> None:
    report = world.run(exported_private(world, authority, **IN_USE))
    assert outcomes(report) == [NOT_TAKEN]
    assert "ACM renews it itself" in report.actions[0].reason and world.acm.renewed == []


def test_acm_refusing_a_renewal_is_reported_not_hidden(world: World, authority: str) -> None:
    """ELIGIBLE and not in use reads as exported; associated another way (not in InUseBy), ACM refuses."""
    arn = exported_private(world, authority, Exported=False)
    report = world.run(arn)
    assert outcomes(report) == [NOT_TAKEN]
    assert "ACM did not renew it: ValidationException" in report.actions[0].reason


def test_an_exported_public_certificate_is_renewed_only_when_allowed(world: World) -> None:
    arn = world.add("exported", 12, RenewalEligibility="ELIGIBLE", Exported=True,
                    Options={"Export": "ENABLED"})  # fmt: skip
    report = world.run(arn)
    assert outcomes(report) == [NOT_TAKEN] and "renewing it now is charged" in report.actions[0].reason
    assert world.acm.renewed == []
    allowed = world.run(arn, Options(dry_run=False, renew_exported_public=True))
    assert outcomes(allowed) == [TAKEN] and world.acm.renewed == [arn]
    assert outcomes(world.run(arn, Options(dry_run=False, renew_exported_public=True))) == [NOT_TAKEN]


# --- failures and input ------------------------------------------------------------------------------


def test_a_refused_write_fails_the_run_naming_the_call_and_what_was_done(world: World) -> None:
    world.zone("example.com")
    world.doubles.faults.always(
        "route53.ChangeResourceRecordSets", AwsError("AccessDenied", "not authorized to perform: route53:Change...")
    )
    arn = requested(world, "example.com")
    with pytest.raises(RemediationFailed) as failed:
        world.run(arn)
    assert "route53:ChangeResourceRecordSets failed: AccessDenied" in str(failed.value)
    assert "0 change(s) made" in str(failed.value)


def test_throttled_calls_are_retried(world: World) -> None:
    world.zone("example.com")
    world.doubles.faults.add("route53.ListHostedZonesByName", THROTTLING, THROTTLING)
    world.doubles.faults.add("acm.DescribeCertificate", AwsError("ThrottlingException", "Rate exceeded"))
    report = world.run(requested(world, "example.com"))
    assert outcomes(report) == [TAKEN]


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"CertificateArn": "arn:aws:acm:us-east-1:123456789012:cert/x"}, "is not an ACM certificate ARN"),
        ({"CertificateArn": ""}, "is not an ACM certificate ARN"),
        ({"CertificateArn": ARN + "x", "DryRun": "maybe"}, "DryRun must be true or false, not 'maybe'"),
        ({"CertificateArn": ARN + "x", "RenewWithinDays": 0}, "RenewWithinDays must be a whole number of days"),
        ({"CertificateArn": ARN + "x", "RenewWithinDays": "ten"}, "not 'ten'"),
        ({"CertificateArn": ARN + "x", "RenewExportedPublic": 1}, "RenewExportedPublic must be true or false"),
    ],
)
def test_bad_input_is_refused_naming_what_was_wrong(payload: dict[str, Any], error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        remediation.handler(payload, None)


def test_the_handler_takes_ssms_typed_and_a_persons_string_parameters(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SSM passes Boolean and Integer parameters typed when a value is the placeholder alone; strings work too."""
    world.zone("example.com")
    arn = requested(world, "example.com")
    monkeypatch.setattr(remediation.boto3.session, "Session", world.doubles.session)
    world.acm.overlay[arn]["NotAfter"] = (datetime.now(UTC) + timedelta(days=20)).timestamp()  # the handler's clock
    dry = remediation.handler({"CertificateArn": arn, "DryRun": True, "RenewWithinDays": 30}, None)
    assert dry["DryRun"] is True and dry["Changed"] is False
    assert [a["Outcome"] for a in dry["Actions"]] == [WOULD] and dry["Actions"][0]["Action"] == WRITE
    applied = remediation.handler(
        {"CertificateArn": arn, "DryRun": "false", "RenewExportedPublic": "False", "RenewWithinDays": "30"}, None
    )
    assert applied["Changed"] is True and set(applied) == {"CertificateArn", "DryRun", "Changed", "Summary", "Actions"}
    assert all(set(action) == {"Action", "Target", "Outcome", "Reason"} for action in applied["Actions"])
    assert all(isinstance(value, str) for action in applied["Actions"] for value in action.values())


# --- the script stands alone ---------------------------------------------------------------------------


def test_the_script_imports_only_the_standard_library_boto3_and_botocore() -> None:
    """SSM runs the script alone: nothing of this package, nothing else installed."""
    tree = ast.parse(Path(remediation.__file__).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}  # fmt: skip
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}  # fmt: skip
    assert imported - set(sys.stdlib_module_names) == {"boto3", "botocore"}
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]


def python311() -> str | None:
    """SSM's runtime: PYTHON311, else pyenv's 3.11, else python3.11 on PATH."""
    candidates = sorted(Path.home().glob(".pyenv/versions/3.11*/bin/python3.11"))
    return os.environ.get("PYTHON311") or (str(candidates[-1]) if candidates else shutil.which("python3.11"))


@pytest.mark.skipif(python311() is None, reason="no python3.11 here (set PYTHON311): SSM runs the script on 3.11")
def test_the_script_passes_these_tests_on_python_3_11() -> None:
    """This module's tests, under the Python that runs the runbook (this virtualenv's packages are pure
    Python or abi3, which 3.11 loads)."""
    interpreter = python311()
    assert interpreter is not None
    paths = [sysconfig.get_paths()["purelib"], str(ROOT / "ACMExpiryRule"), str(ROOT / "cli"), str(ROOT)]
    result = subprocess.run(
        [interpreter, "-m", "pytest", str(Path(__file__)), "-p", "no:cacheprovider",
         "-p", "no:hypothesispytest",  # hypothesis' compiled part is built for this Python, not 3.11
         "-k", "not python_3_11"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    version = subprocess.run([interpreter, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("Python 3.11"), version
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed[1]) >= 40 and "skipped" not in result.stdout, result.stdout[-500:]


def test_no_private_renewal_when_not_allowed(world: World, authority: str) -> None:
    """RenewExportedCertificates "none": the role has no acm:RenewCertificate, so the runbook must not call it."""
    report = world.run(exported_private(world, authority), Options(dry_run=False, renew_exported_private=False))
    assert outcomes(report) == [NOT_TAKEN] and "RenewExportedPrivate false" in report.actions[0].reason
    assert world.calls("acm.RenewCertificate") == 0


# --- the runbook's embedded script, as SSM runs it -----------------------------------------------------


def embedded_handler() -> Any:
    """deploy/remediation.yaml's script, compiled and run as a module of its own (as aws:executeScript does)."""
    import runbook

    module = types.ModuleType("runbook_script")
    script = runbook.extract((ROOT / "deploy" / "remediation.yaml").read_text())
    # dont_inherit: not this test module's __future__ imports. The module is not put in sys.modules either,
    # the strictest way SSM could load it.
    exec(compile(script, "<runbook>", "exec", dont_inherit=True), module.__dict__)
    return module.handler


def test_the_embedded_script_handles_every_kind_of_certificate_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each kind, two runs of the runbook's own script (real clock, as in SSM): the second changes nothing, and
    nothing is ever deleted (the fixture's check)."""
    handler = embedded_handler()
    monkeypatch.setattr(boto3.session, "Session", lambda: world.session)
    zone = world.zone("example.com")
    authority = world.client("acm-pca").create_certificate_authority(
        CertificateAuthorityConfiguration={"KeyAlgorithm": "RSA_2048", "SigningAlgorithm": "SHA256WITHRSA",
                                           "Subject": {"CommonName": "CA"}}, CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]  # fmt: skip
    world.client("acm-pca").update_certificate_authority(CertificateAuthorityArn=authority, Status="ACTIVE")
    soon = (datetime.now(UTC) + timedelta(days=12)).timestamp()
    kinds = {
        "dns": requested(world, "example.com", "www.example.com", "shop.example.org"),
        "imported": world.add("imported", None, Type="IMPORTED", NotAfter=soon),
        "acme": world.add("acme", None, CertificateKeyPairOrigin="ACME", NotAfter=soon, **IN_USE),
        "not-in-use": world.add("unused", None, NotAfter=soon),
        "expired": world.add("expired", None, Status="EXPIRED", NotAfter=soon - 30 * 86400),
        "private": world.add("private", None, Type="PRIVATE", RenewalEligibility="ELIGIBLE", Exported=True,
                             CertificateAuthorityArn=authority, NotAfter=soon),
        "public-exported": world.add("public", None, RenewalEligibility="ELIGIBLE", Exported=True, NotAfter=soon),
    }  # fmt: skip
    world.acm.overlay[kinds["dns"]]["NotAfter"] = soon
    world.acm.clock = lambda: datetime.now(UTC)
    before = {name: world.records(zone) for name in ("zone",)}
    changed = {}
    for kind, arn in kinds.items():
        first = handler({"CertificateArn": arn, "DryRun": False}, None)
        second = handler({"CertificateArn": arn, "DryRun": "false"}, None)
        assert second["Changed"] is False, (kind, second)
        changed[kind] = first["Changed"]
        assert all(action["Reason"] for action in first["Actions"] + second["Actions"]), kind
    assert changed == {"dns": True, "imported": False, "acme": False, "not-in-use": False, "expired": False,
                       "private": True, "public-exported": False}  # fmt: skip
    assert world.acm.renewed == [kinds["private"]]
    written = {(c["Name"], c["Values"][0]) for c in world.writes()}
    assert written == {r for r in validation_records(world, kinds["dns"]) if ".example.com." in r[0]}
    assert set(before["zone"]) < set(world.records(zone))
