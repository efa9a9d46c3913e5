"""One certificate model, built from either a Config configuration item or an ACM answer.

Both triggers judge through :class:`Certificate`, so a change event and a periodic run can never
disagree about the same certificate. Nothing here calls AWS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any


class UnreadableTimestamp(Exception):
    """A timestamp field held a value we cannot read; the caller must not guess."""

    def __init__(self, field: str, value: object) -> None:
        super().__init__(f"{field} {value!r} is not an ISO-8601 timestamp nor epoch seconds/milliseconds")
        self.field = field
        self.value = value


class MalformedCertificate(Exception):
    """A configuration item or ACM answer is missing what every certificate has."""


@dataclass(frozen=True, slots=True)
class Certificate:
    arn: str
    domain_name: str = ""
    status: str | None = None
    type: str | None = None
    key_algorithm: str | None = None
    not_after: datetime | None = None
    in_use: bool | None = None
    renewal_eligibility: str | None = None
    renewal_status: str | None = None
    renewal_status_reason: str | None = None
    revoked_at: datetime | None = None

    @classmethod
    def from_configuration_item(cls, item: Mapping[str, Any]) -> Certificate:
        """Build from a Config configuration item (camelCase ``configuration``).

        A ``notAfter`` that is absent or unreadable is left unknown (``None``): the item cannot
        decide, and the caller asks ACM as the periodic run does, rather than guess.
        """
        configuration = item.get("configuration")
        if not isinstance(configuration, Mapping):
            raise MalformedCertificate(
                f"configuration item for {item.get('resourceId')!r} has no 'configuration' object "
                f"(got {type(configuration).__name__})"
            )
        arn = arn_of(item)
        if not arn:
            raise MalformedCertificate("configuration item names no certificate (no certificateArn or resourceId)")
        renewal = configuration.get("renewalSummary")
        renewal = renewal if isinstance(renewal, Mapping) else {}
        in_use_by = configuration.get("inUseBy")
        return cls(
            arn=arn,
            domain_name=_text(configuration.get("domainName")),
            status=_optional_text(configuration.get("status")),
            type=_optional_text(configuration.get("type")),
            key_algorithm=normalize_key_algorithm(configuration.get("keyAlgorithm")),
            not_after=_lenient_timestamp("notAfter", configuration.get("notAfter")),
            in_use=bool(in_use_by) if isinstance(in_use_by, list) else None,
            renewal_eligibility=_optional_text(configuration.get("renewalEligibility")),
            renewal_status=_optional_text(renewal.get("renewalStatus")),
            renewal_status_reason=_optional_text(renewal.get("renewalStatusReason")),
            revoked_at=_lenient_timestamp("revokedAt", configuration.get("revokedAt")),
        )

    @classmethod
    def from_acm(cls, answer: Mapping[str, Any]) -> Certificate:
        """Build from a ListCertificates ``CertificateSummary`` or a DescribeCertificate ``Certificate``."""
        arn = answer.get("CertificateArn")
        if not isinstance(arn, str) or not arn:
            raise MalformedCertificate("ACM answered a certificate without CertificateArn")
        renewal = answer.get("RenewalSummary") or {}
        in_use = answer.get("InUse")
        if in_use is None and "InUseBy" in answer:
            in_use = bool(answer["InUseBy"])
        return cls(
            arn=arn,
            domain_name=_text(answer.get("DomainName")),
            status=_optional_text(answer.get("Status")),
            type=_optional_text(answer.get("Type")),
            key_algorithm=normalize_key_algorithm(answer.get("KeyAlgorithm")),
            not_after=parse_timestamp("NotAfter", answer.get("NotAfter")),
            in_use=in_use,
            renewal_eligibility=_optional_text(answer.get("RenewalEligibility")),
            renewal_status=_optional_text(renewal.get("RenewalStatus")),
            renewal_status_reason=_optional_text(renewal.get("RenewalStatusReason")),
            revoked_at=_lenient_timestamp("RevokedAt", answer.get("RevokedAt")),
        )

    def with_details(self, described: Certificate) -> Certificate:
        """This certificate completed by DescribeCertificate: its renewal facts, and anything the summary lacked."""
        return replace(
            self,
            status=self.status or described.status,
            type=self.type or described.type,
            key_algorithm=self.key_algorithm or described.key_algorithm,
            not_after=self.not_after or described.not_after,
            revoked_at=self.revoked_at or described.revoked_at,
            renewal_status=described.renewal_status or self.renewal_status,
            renewal_status_reason=described.renewal_status_reason or self.renewal_status_reason,
            renewal_eligibility=described.renewal_eligibility or self.renewal_eligibility,
            in_use=self.in_use if described.in_use is None else described.in_use,
        )


def arn_of(item: Mapping[str, Any]) -> str:
    """The certificate a configuration item is about: its configuration's ARN, else the item's ids."""
    configuration = item.get("configuration")
    configuration = configuration if isinstance(configuration, Mapping) else {}
    for arn in (configuration.get("certificateArn"), item.get("resourceId"), item.get("ARN")):
        if isinstance(arn, str) and arn:
            return arn
    return ""


def normalize_key_algorithm(value: object) -> str | None:
    """ListCertificates writes ``RSA_2048``, DescribeCertificate ``RSA-2048``: keep one form."""
    if not isinstance(value, str) or not value:
        return None
    return value.replace("-", "_")


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
# Epoch values above this are milliseconds: 1e11 seconds is the year 5138.
_MILLISECONDS_THRESHOLD = 10**11


def parse_timestamp(field: str, value: object) -> datetime | None:
    """Read a timestamp as Config or ACM may write it; ``None`` when absent.

    Accepts aware ``datetime`` (boto3), ISO-8601 with or without fraction and with ``Z`` or an
    offset (a missing offset means UTC, as all AWS timestamps are), and epoch seconds or
    milliseconds as numbers or numeric strings. Anything else raises :class:`UnreadableTimestamp`.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise UnreadableTimestamp(field, value)
    if isinstance(value, str):
        text = value.strip()
        if _ISO.match(text):
            return _parse_iso(field, value, text)
        try:
            number: float = float(text)
        except ValueError:
            raise UnreadableTimestamp(field, value) from None
    elif isinstance(value, int | float):
        number = float(value)
    else:
        raise UnreadableTimestamp(field, value)
    if number != number or number <= 0:  # NaN or before 1970: not a certificate's date
        raise UnreadableTimestamp(field, value)
    seconds = number / 1000 if number >= _MILLISECONDS_THRESHOLD else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise UnreadableTimestamp(field, value) from None


def _parse_iso(field: str, original: str, text: str) -> datetime:
    text = text.replace(" ", "T", 1)
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    # Python 3.11+ reads any fraction length up to microseconds; trim nanoseconds.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UnreadableTimestamp(field, original) from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _lenient_timestamp(field: str, value: object) -> datetime | None:
    """For dates shown only in annotations: unreadable is the same as unknown."""
    try:
        return parse_timestamp(field, value)
    except UnreadableTimestamp:
        return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
