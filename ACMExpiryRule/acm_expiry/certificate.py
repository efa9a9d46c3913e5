"""One certificate model, built from either a Config configuration item or an ACM answer.

Both triggers judge through :class:`Certificate`, so a change event and a periodic run can never
disagree about the same certificate. Nothing here calls AWS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from acm_expiry.arns import shown


class UnreadableTimestamp(Exception):
    """A timestamp field held a value we cannot read; the caller must not guess."""

    def __init__(self, field: str, value: object, why: str = "") -> None:
        why = why or "is not an ISO-8601 timestamp nor epoch seconds/milliseconds"
        super().__init__(f"{field} {shown(value, 64)} {why}")
        self.field = field
        self.value = value
        self.why = why


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
    # AWS_MANAGED, CUSTOMER_PROVIDED or ACME (issued through ACM's ACME endpoint: the ACME client
    # renews it, and ACM refuses to delete it). None: the answer did not say (an older SDK drops
    # the field; Config's resource schema for the item is unverified).
    key_pair_origin: str | None = None

    @classmethod
    def from_configuration_item(cls, item: Mapping[str, Any]) -> Certificate:
        """Build from a Config configuration item (camelCase ``configuration``).

        A ``notAfter`` that is absent or unreadable is left unknown (``None``): the item cannot
        decide, and the caller asks ACM as the periodic run does, rather than guess.
        """
        configuration = item.get("configuration")
        if not isinstance(configuration, Mapping):
            raise MalformedCertificate(
                f"configuration item for {shown(item.get('resourceId'), 160)} has no 'configuration' object "
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
            key_pair_origin=_optional_text(configuration.get("certificateKeyPairOrigin")),
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
            key_pair_origin=_optional_text(answer.get("CertificateKeyPairOrigin")),
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
            key_pair_origin=self.key_pair_origin or described.key_pair_origin,
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

# The moments a timestamp the rule reads can hold: from the Unix epoch to the last second
# ``datetime`` holds (RFC 5280's "no well-defined expiration" notAfter, 99991231235959Z).
FIRST = datetime(1970, 1, 1, tzinfo=UTC)
LAST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
# Epoch numbers: seconds below SECONDS_BELOW (2100-01-01), milliseconds from MILLISECONDS_FROM
# (the first number past 9999-12-31 in seconds: 1978-01-12 in milliseconds). The two readings of
# one number cannot be told apart by its size alone, so each range is where only one of them can
# be a certificate's date (see parse_timestamp); a number between them is refused.
SECONDS_BELOW = 4_102_444_800
MILLISECONDS_FROM = 253_402_300_800
MILLISECONDS_TO = 253_402_300_799_999  # 9999-12-31T23:59:59.999


def parse_timestamp(field: str, value: object) -> datetime | None:
    """Read a timestamp as Config or ACM may write it; ``None`` when absent.

    Accepts aware ``datetime`` (boto3), ISO-8601 with or without fraction and with ``Z`` or an
    offset (a missing offset means UTC, as all AWS timestamps are), and epoch seconds or
    milliseconds as numbers or numeric strings, for a moment from 1970-01-01 to 9999-12-31 UTC.
    Anything else raises :class:`UnreadableTimestamp`, never ``OverflowError``.

    Seconds or milliseconds? A number N read as seconds is the moment 1000 times as far from
    1970 as N read as milliseconds, so size alone decides only where one reading cannot be a
    date the rule meets:

    - N < 4,102,444,800: seconds, up to 2100-01-01. As milliseconds these numbers would be
      1970-01-01 to 1970-02-17, which no certificate, Config item or notification carries (ACM
      refuses to import an expired certificate; it and Config began in the 2010s). So a
      millisecond value of early 1970 is misread as seconds, and nothing can tell it apart.
    - 4,102,444,800 <= N < 253,402,300,800: refused. Seconds after 2100 (a long-lived private
      or self-signed certificate, up to 9999-12-31) or milliseconds of 1970-02-17 to 1978-01-12,
      and nothing tells which: guessing either could make an expired certificate COMPLIANT. A
      change event then asks ACM, as for any unreadable ``notAfter``.
    - 253,402,300,800 <= N <= 253,402,300,799,999: milliseconds (no seconds value reaches past
      9999), 1978-01-12 to 9999-12-31.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _in_range(field, value, value if value.tzinfo else value.replace(tzinfo=UTC))
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
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float: no date
            raise UnreadableTimestamp(field, value, "is beyond 9999-12-31") from None
    else:
        raise UnreadableTimestamp(field, value)
    if number != number or number <= 0:  # NaN, 0 (a value left unset) or before 1970
        raise UnreadableTimestamp(field, value, "is not a moment after 1970-01-01" if number <= 0 else "")
    if number < SECONDS_BELOW:
        since = timedelta(seconds=number)
    elif number < MILLISECONDS_FROM:
        raise UnreadableTimestamp(
            field, value, "is epoch seconds after 2100 or milliseconds before 1978, and nothing tells which"
        )
    elif number <= MILLISECONDS_TO:
        since = timedelta(milliseconds=number)
    else:
        raise UnreadableTimestamp(field, value, "is beyond 9999-12-31 in seconds and in milliseconds")
    return _in_range(field, value, FIRST + since)


def _parse_iso(field: str, original: str, text: str) -> datetime:
    text = text.replace(" ", "T", 1)
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    # Trim nanoseconds to microseconds. Python 3.12's fromisoformat truncates them itself, so no input
    # tells this line's absence apart (an equivalent mutant, bench/mutant_catalogue.py): it keeps the
    # reading independent of that.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UnreadableTimestamp(field, original) from None
    return _in_range(field, original, parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _in_range(field: str, original: object, moment: datetime) -> datetime:
    """``moment`` in UTC, if it lies from 1970 to 9999 there (an offset can carry it past either end)."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise UnreadableTimestamp(field, original, "is outside 1970-01-01 to 9999-12-31 in UTC") from None
    if not FIRST <= utc <= LAST:
        raise UnreadableTimestamp(field, original, "is outside 1970-01-01 to 9999-12-31 in UTC")
    return utc


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
