"""How the rule asks ACM for every certificate, with a current and with an older SDK."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import boto3

from acm_expiry.acm import ListingPlan


def client_without(*missing: str) -> Any:
    real = boto3.client("acm", region_name="us-east-1").meta.service_model.operation_model("ListCertificates")
    members = {k: v for k, v in real.input_shape.members.items() if k not in missing}
    operation = SimpleNamespace(input_shape=SimpleNamespace(members=members))
    return SimpleNamespace(meta=SimpleNamespace(service_model=SimpleNamespace(operation_model=lambda name: operation)))


def test_current_sdk_lifts_every_filter_without_gaps() -> None:
    plan = ListingPlan.for_client(client_without())
    requests, gaps = plan.requests, plan.gaps
    assert gaps == ()
    assert [sorted(r) for r in requests] == [
        ["CertificateKeyPairOrigins", "Includes"],
        ["CertificateKeyPairOrigins", "Includes", "RootHierarchyTypes"],
    ]


def test_older_sdk_names_what_it_cannot_list() -> None:
    plan = ListingPlan.for_client(client_without("CertificateKeyPairOrigins", "RootHierarchyTypes"))
    requests, gaps = plan.requests, plan.gaps
    assert [sorted(r) for r in requests] == [["Includes"]]
    assert len(gaps) == 2
    assert "ACME" in gaps[0] and "N2" in gaps[1]
