"""The rule's parameters, as Config hands them over (strings, or numbers from some tools)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from acm_expiry.errors import InvalidParameterError

DAYS_TO_EXPIRATION = "daysToExpiration"
SECURITY_HUB_FINDINGS = "securityHubFindings"
EXEMPT_TAG_KEY = "exemptTagKey"
ALERT_THRESHOLD_DAYS = "alertThresholdDays"
CROSSING_EVENTS = "crossingEvents"
DEFAULT_DAYS_TO_EXPIRATION = 30
DEFAULT_ALERT_THRESHOLD_DAYS = (7,)  # deploy/alerts.yaml's SoonestExpiryThresholdDays
MAX_ALERT_THRESHOLDS = 5
MIN_DAYS, MAX_DAYS = 1, 3650
# rdklib reads these itself; they pass through untouched.
RDKLIB_PARAMETERS = frozenset({"AssumeRoleMode", "ExecutionRoleName", "ExecutionRoleRegion"})
KNOWN_PARAMETERS = RDKLIB_PARAMETERS | {
    DAYS_TO_EXPIRATION,
    SECURITY_HUB_FINDINGS,
    EXEMPT_TAG_KEY,
    ALERT_THRESHOLD_DAYS,
    CROSSING_EVENTS,
}
# AWS tag keys (Tagging API reference, TagFilter Key; IAM's aws:TagKeys): 1..128 Unicode letters,
# digits, white space and _ . : / = + - @, as the pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ has it; the
# "aws:" prefix is AWS's own. Each character is checked by its Unicode category, so a control character
# (a final line break, say) is refused where a regular expression's "$" would have let it through.
_TAG_KEY_CATEGORIES = ("L", "N", "Z")  # \p{L}, \p{N}, \p{Z}
_TAG_KEY_SYMBOLS = frozenset("_.:/=+-@")


@dataclass(frozen=True, slots=True)
class RuleParameters:
    days_to_expiration: int = DEFAULT_DAYS_TO_EXPIRATION
    security_hub_findings: bool = False
    exempt_tag_key: str | None = None  # certificates carrying this tag key are NOT_APPLICABLE
    alert_threshold_days: tuple[int, ...] = DEFAULT_ALERT_THRESHOLD_DAYS
    crossing_events: bool = True  # one EventBridge event per certificate per threshold crossed


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
        alert_threshold_days=parse_alert_threshold_days(raw.get(ALERT_THRESHOLD_DAYS)),
        crossing_events=parse_flag(CROSSING_EVENTS, raw.get(CROSSING_EVENTS), default=True),
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
            f"Rule parameter {DAYS_TO_EXPIRATION} is {_shown(value)}; "
            f"it must be a whole number of days from {MIN_DAYS} to {MAX_DAYS} (default {DEFAULT_DAYS_TO_EXPIRATION})."
        )
    return days


def parse_alert_threshold_days(value: object) -> tuple[int, ...]:
    """Whole days 1..3650, one or several separated by commas ("14,7,1"); 7 when absent or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_ALERT_THRESHOLD_DAYS
    parts = value.split(",") if isinstance(value, str) else [value]
    days: list[int] = []
    for part in parts:
        try:
            days.append(_whole_days(part))
        except ValueError:
            days = []
            break
    if not days or len(days) > MAX_ALERT_THRESHOLDS:
        raise InvalidParameterError(
            f"Rule parameter {ALERT_THRESHOLD_DAYS} is {_shown(value)}; it must be whole numbers of days from "
            f"{MIN_DAYS} to {MAX_DAYS}, at most {MAX_ALERT_THRESHOLDS}, separated by commas (default 7)."
        )
    return tuple(sorted(set(days), reverse=True))


def _whole_days(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, float) and value.is_integer():
        days = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 5:
        days = int(value.strip())
    else:
        raise ValueError(value)
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(value)
    return days


def parse_flag(name: str, value: object, *, default: bool = False) -> bool:
    """``"true"``/``"false"`` in any case (or a JSON boolean); ``default`` when absent."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidParameterError(
        f'Rule parameter {name} is {_shown(value)}; it must be "true" or "false" (default "{str(default).lower()}").'
    )


def parse_tag_key(name: str, value: object) -> str | None:
    """An AWS tag key, or None when absent or empty (unset)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and is_tag_key(value):
        return value
    raise InvalidParameterError(
        f"Rule parameter {name} is {_shown(value)}; it must be a tag key: 1 to 128 letters, digits, spaces "
        "and _ . : / = + - @, not starting with aws: (empty or absent: no exemptions)."
    )


def is_tag_key(text: str) -> bool:
    """Whether AWS would take ``text`` as a tag key of one's own: 1..128 characters of the allowed
    categories and symbols (no control character), not starting with \"aws:\"."""
    if not 1 <= len(text) <= 128 or text.lower().startswith("aws:"):
        return False
    return all(c in _TAG_KEY_SYMBOLS or unicodedata.category(c).startswith(_TAG_KEY_CATEGORIES) for c in text)


def _shown(value: object) -> str:
    """A parameter's value as an error message quotes it: clipped, so a huge value is not copied whole."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
