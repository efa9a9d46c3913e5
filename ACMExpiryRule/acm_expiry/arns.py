"""ARNs, read in one place: what an ACM certificate's ARN is, and its parts.

An ACM certificate ARN is ``arn:<partition>:acm:<region>:<account>:certificate/<id>``: ACM's API
model allows ``arn:[\\w+=/,.@-]+:acm:[\\w+=/,.@-]*:[0-9]+:[\\w+=,.@-]+(/[\\w+=,.@-]+)*``, 20 to 2048
characters; an account id is 12 digits and a certificate's resource is ``certificate/<id>``.
Anything else (a resource id someone else's rule recorded, a test's placeholder, an empty string)
is not a certificate ACM can be asked about, and callers say so instead of sending it.

Pure: no boto3, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CERTIFICATE_ARN = re.compile(
    r"arn:(?P<partition>[\w+=/,.@-]+):acm:(?P<region>[\w+=/,.@-]*):(?P<account>[0-9]{12}):"
    r"certificate/(?P<id>[\w+=,.@-]+)",
    re.ASCII,
)
ARN_LENGTH = (20, 2048)  # ACM's Arn shape: min and max
EXPECTED = "an ACM certificate ARN (arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>)"


@dataclass(frozen=True, slots=True)
class CertificateArn:
    partition: str
    region: str
    account: str
    id: str


def parse_certificate_arn(text: object) -> CertificateArn | None:
    """The parts of an ACM certificate ARN, or None when ``text`` is not one."""
    if not isinstance(text, str) or not ARN_LENGTH[0] <= len(text) <= ARN_LENGTH[1]:
        return None
    match = _CERTIFICATE_ARN.fullmatch(text)
    if match is None:
        return None
    return CertificateArn(match["partition"], match["region"], match["account"], match["id"])


def is_certificate_arn(text: object) -> bool:
    return parse_certificate_arn(text) is not None


def describe_non_arn(text: object) -> str:
    """Words for an error: the value (clipped) and what was expected instead."""
    shown = repr(text) if not isinstance(text, str) or len(text) <= 80 else repr(text[:77] + "...")
    return f"{shown} is not {EXPECTED}"
