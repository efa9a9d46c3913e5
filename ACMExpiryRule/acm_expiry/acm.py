"""Reading ACM: the one place certificates are listed and described."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from acm_expiry.arns import certificate_arn, clip
from acm_expiry.certificate import Certificate, MalformedCertificate, UnreadableTimestamp
from acm_expiry.edge import aws_call_error, pages
from acm_expiry.limits import ACM_KEY_TYPES, KEY_PAIR_ORIGINS, LIST_CERTIFICATES_PAGE, N2_ROOT_HIERARCHIES


@dataclass(frozen=True, slots=True)
class ListingPlan:
    """The ListCertificates requests that together return every certificate, and what they miss.

    ListCertificates filters three ways by default: key type (only RSA_1024 and RSA_2048), key
    pair origin (not ACME) and root hierarchy (not Amazon N2). The first two are lifted by naming
    every value (ours, and any newer ones the SDK's model knows); N2 certificates come only from a
    second listing that asks for them alone. A boto3 too old to know a filter cannot lift it:
    ``gaps`` names what goes unseen, for the log line.
    """

    requests: tuple[dict[str, Any], ...]
    gaps: tuple[str, ...]

    @classmethod
    def for_client(cls, acm: Any) -> ListingPlan:
        """Read from the SDK's own model of ListCertificates; no call is made."""
        members = acm.meta.service_model.operation_model("ListCertificates").input_shape.members
        includes = members["Includes"].members
        key_types = sorted(set(ACM_KEY_TYPES) | set(includes["keyTypes"].member.enum or ()))
        base: dict[str, Any] = {"Includes": {"keyTypes": key_types}}
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
        return cls(tuple(requests), tuple(gaps))


def list_certificates(acm: Any, plan: ListingPlan, unreadable: list[str] | None = None) -> Iterator[Certificate]:
    """Every certificate in the client's region that ``plan`` asks for, 1000 per call.

    Raises :class:`AwsCallError` if any page fails: a caller must treat a broken listing as no
    listing, never as "these are all the certificates". A summary that cannot be read (no ARN, a
    date that is no date) is not guessed at: it is left out, and said in ``unreadable`` (what is
    wrong with it), so the caller knows the listing is not whole.
    """
    seen: set[str] = set()
    for request in plan.requests:
        for page in pages(acm, "list_certificates", LIST_CERTIFICATES_PAGE, **request):
            for summary in page.get("CertificateSummaryList") or []:
                try:
                    certificate = Certificate.from_acm(summary if isinstance(summary, dict) else {})
                except (MalformedCertificate, UnreadableTimestamp) as error:
                    if unreadable is not None:
                        unreadable.append(clip(str(error), 200))
                    continue
                if certificate.arn not in seen:
                    seen.add(certificate.arn)
                    yield certificate


def describe_certificate(acm: Any, arn: str) -> Certificate | None:
    """The certificate as DescribeCertificate tells it; ``None`` if it was deleted meanwhile.

    Anything but a certificate ARN is refused before it is sent (:class:`NotACertificateArn`, naming
    the value), not left to botocore's unnamed ``ParamValidationError``.
    """
    certificate_arn(arn, "DescribeCertificate")
    try:
        answer = acm.describe_certificate(CertificateArn=arn)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise aws_call_error(error) from error
    return Certificate.from_acm(answer["Certificate"])
