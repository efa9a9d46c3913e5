"""The rule's parameters, as Config hands them over (strings, or numbers from some tools)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from acm_expiry.errors import InvalidParameterError

DAYS_TO_EXPIRATION = "daysToExpiration"
SECURITY_HUB_FINDINGS = "securityHubFindings"
EXEMPT_TAG_KEY = "exemptTagKey"
DEFAULT_DAYS_TO_EXPIRATION = 30
MIN_DAYS, MAX_DAYS = 1, 3650
# rdklib reads these itself; they pass through untouched.
RDKLIB_PARAMETERS = frozenset({"AssumeRoleMode", "ExecutionRoleName", "ExecutionRoleRegion"})
KNOWN_PARAMETERS = RDKLIB_PARAMETERS | {DAYS_TO_EXPIRATION, SECURITY_HUB_FINDINGS, EXEMPT_TAG_KEY}
# AWS tag keys: 1..128 letters, digits, spaces and _ . : / = + - @ (the "aws:" prefix is AWS's own).
_TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,128}$", re.UNICODE)


@dataclass(frozen=True, slots=True)
class RuleParameters:
    days_to_expiration: int = DEFAULT_DAYS_TO_EXPIRATION
    security_hub_findings: bool = False
    exempt_tag_key: str | None = None  # certificates carrying this tag key are NOT_APPLICABLE


def parse_parameters(raw: Mapping[str, Any]) -> RuleParameters:
    """Validate the rule's own parameters; rdklib's pass through, anything else is refused.

    A misspelt name would otherwise be ignored, and the rule would quietly run with the default.
    """
    unknown = sorted(set(raw) - KNOWN_PARAMETERS)
    if unknown:
        raise InvalidParameterError(
            f"Rule parameter {', '.join(map(repr, unknown))} is not known; "
            f"the rule accepts {', '.join(sorted(KNOWN_PARAMETERS, key=str.lower))}."
        )
    return RuleParameters(
        days_to_expiration=parse_days_to_expiration(raw.get(DAYS_TO_EXPIRATION)),
        security_hub_findings=parse_flag(SECURITY_HUB_FINDINGS, raw.get(SECURITY_HUB_FINDINGS)),
        exempt_tag_key=parse_tag_key(EXEMPT_TAG_KEY, raw.get(EXEMPT_TAG_KEY)),
    )


def parse_days_to_expiration(value: object) -> int:
    """An integer 1..3650 as a string or number, surrounding whitespace tolerated; 30 when absent."""
    if value is None:
        return DEFAULT_DAYS_TO_EXPIRATION
    days: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, float) and value.is_integer():
        days = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            days = int(text)
    if days is None or not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidParameterError(
            f"Rule parameter {DAYS_TO_EXPIRATION} is {value!r}; "
            f"it must be a whole number of days from {MIN_DAYS} to {MAX_DAYS} (default {DEFAULT_DAYS_TO_EXPIRATION})."
        )
    return days


def parse_flag(name: str, value: object) -> bool:
    """``"true"``/``"false"`` in any case (or a JSON boolean); false when absent."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidParameterError(f'Rule parameter {name} is {value!r}; it must be "true" or "false" (default "false").')


def parse_tag_key(name: str, value: object) -> str | None:
    """An AWS tag key, or None when absent or empty (unset)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and _TAG_KEY.match(value) and not value.lower().startswith("aws:"):
        return value
    raise InvalidParameterError(
        f"Rule parameter {name} is {value!r}; it must be a tag key: 1 to 128 letters, digits, spaces "
        "and _ . : / = + - @, not starting with aws: (empty or absent: no exemptions)."
    )
