"""Reading ACM: the one place the rule lists and describes certificates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from acm_expiry.aws import aws_call_error, call
from acm_expiry.certificate import Certificate
from acm_expiry.permissions import ACM_KEY_TYPES, KEY_PAIR_ORIGINS, LIST_CERTIFICATES_PAGE_SIZE, N2_ROOT_HIERARCHIES


def listing_requests(acm: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The ListCertificates requests that together return every certificate, and what they miss.

    ListCertificates filters three ways by default: key type (only RSA_1024 and RSA_2048), key
    pair origin (not ACME) and root hierarchy (not Amazon N2). The first two are lifted by naming
    every value (ours, and any newer ones the SDK's model knows); N2 certificates come only from a
    second listing that asks for them alone. A boto3 too old to know a filter cannot lift it: the
    second list names what goes unseen, for the log line.
    """
    members = acm.meta.service_model.operation_model("ListCertificates").input_shape.members
    includes = members["Includes"].members
    key_types = sorted(set(ACM_KEY_TYPES) | set(includes["keyTypes"].member.enum or ()))
    base: dict[str, Any] = {"Includes": {"keyTypes": key_types}, "MaxItems": LIST_CERTIFICATES_PAGE_SIZE}
    gaps = []
    if "CertificateKeyPairOrigins" in members:
        base["CertificateKeyPairOrigins"] = sorted(
            set(KEY_PAIR_ORIGINS) | set(members["CertificateKeyPairOrigins"].member.enum)
        )
    else:
        gaps.append("this boto3 cannot list certificates with ACME key pairs (no CertificateKeyPairOrigins)")
    requests = [base]
    if "RootHierarchyTypes" in members:
        hierarchies = sorted(set(N2_ROOT_HIERARCHIES) | set(members["RootHierarchyTypes"].member.enum))
        requests.append(base | {"RootHierarchyTypes": hierarchies})
    else:
        gaps.append("this boto3 cannot list Amazon N2 certificates (no RootHierarchyTypes)")
    return requests, gaps


def list_certificates(acm: Any) -> Iterator[Certificate]:
    """Every certificate in the client's region that this SDK can ask for, 1000 per call.

    Raises :class:`AwsCallError` if any page fails: a caller must treat a broken listing as no
    listing, never as "these are all the certificates".
    """
    seen: set[str] = set()
    for request in listing_requests(acm)[0]:
        request = dict(request)
        while True:
            page = call(acm, "list_certificates", **request)
            for summary in page.get("CertificateSummaryList", []):
                certificate = Certificate.from_acm(summary)
                if certificate.arn not in seen:
                    seen.add(certificate.arn)
                    yield certificate
            token = page.get("NextToken")
            if not token:
                break
            request["NextToken"] = token


def describe_certificate(acm: Any, arn: str) -> Certificate | None:
    """The certificate as DescribeCertificate tells it; ``None`` if it was deleted meanwhile."""
    try:
        answer = acm.describe_certificate(CertificateArn=arn)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise aws_call_error(error) from error
    return Certificate.from_acm(answer["Certificate"])
