"""Reading ACM: the one place the rule lists and describes certificates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from acm_expiry.aws import aws_call_error, call
from acm_expiry.certificate import Certificate
from acm_expiry.permissions import ACM_KEY_TYPES, LIST_CERTIFICATES_PAGE_SIZE


def list_certificates(acm: Any) -> Iterator[Certificate]:
    """Every certificate in the client's region, all key types, one call per 1000.

    Raises :class:`AwsCallError` if any page fails: a caller must treat a broken listing as no
    listing, never as "these are all the certificates".
    """
    request: dict[str, Any] = {
        "Includes": {"keyTypes": list(ACM_KEY_TYPES)},
        "MaxItems": LIST_CERTIFICATES_PAGE_SIZE,
    }
    while True:
        page = call(acm, "list_certificates", **request)
        for summary in page.get("CertificateSummaryList", []):
            yield Certificate.from_acm(summary)
        token = page.get("NextToken")
        if not token:
            return
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
