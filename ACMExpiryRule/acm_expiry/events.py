"""Checking the event Config sends before rdklib reads it.

rdklib indexes the event directly, so a malformed one surfaces as a bare ``KeyError`` or
``TypeError`` from deep inside it. Here every required part is checked first and a
:class:`MalformedEventError` names exactly what is wrong; no evaluation is built from a guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from acm_expiry.errors import MalformedEventError
from acm_expiry.parameters import RDKLIB_PARAMETERS

CHANGE = "ConfigurationItemChangeNotification"
OVERSIZED = "OversizedConfigurationItemChangeNotification"
SCHEDULED = "ScheduledNotification"
MESSAGE_TYPES = (CHANGE, OVERSIZED, SCHEDULED)
# Statuses for which Config sends no configuration (rdklib answers NOT_APPLICABLE for them).
DELETED_STATUSES = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded"})
ITEM_STATUSES = DELETED_STATUSES | {"OK", "ResourceDiscovered"}


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    message_type: str
    invoking_event: dict[str, Any]
    rule_parameters: dict[str, Any]
    config_rule_name: str


def check_event(event: object) -> CheckedEvent:
    """Validate a Config rule event; raise :class:`MalformedEventError` naming the first fault."""
    if not isinstance(event, Mapping):
        raise MalformedEventError(f"event must be a JSON object, got {_kind(event)}")
    invoking_event = _json_object(event, "invokingEvent", required=True)
    rule_parameters = _json_object(event, "ruleParameters", required=False)
    for name in RDKLIB_PARAMETERS & rule_parameters.keys():
        # rdklib calls str methods on these; anything else would fail inside it.
        _string(rule_parameters, name, "ruleParameters")
    _string(event, "resultToken", "event")
    _string(event, "configRuleName", "event")
    if str(rule_parameters.get("AssumeRoleMode", "true")).lower() != "false":
        role = _string(event, "executionRoleArn", "event")
        if not role.startswith("arn:") or "/" not in role:
            raise MalformedEventError(f"event.executionRoleArn {role!r} is not an IAM role ARN")
    if not isinstance(event.get("eventLeftScope", False), bool):
        raise MalformedEventError(f"event.eventLeftScope must be true or false, got {_kind(event['eventLeftScope'])}")

    message_type = invoking_event.get("messageType")
    if message_type not in MESSAGE_TYPES:
        raise MalformedEventError(
            f"invokingEvent.messageType {message_type!r} is not one of {', '.join(MESSAGE_TYPES)}"
        )
    _string(invoking_event, "notificationCreationTime", "invokingEvent")
    if message_type == CHANGE:
        if "eventLeftScope" not in event:
            raise MalformedEventError("event.eventLeftScope is missing (required for change notifications)")
        check_configuration_item(invoking_event.get("configurationItem"), "invokingEvent.configurationItem")
    elif message_type == OVERSIZED:
        if "eventLeftScope" not in event:
            raise MalformedEventError("event.eventLeftScope is missing (required for change notifications)")
        summary = invoking_event.get("configurationItemSummary")
        if not isinstance(summary, Mapping):
            raise MalformedEventError(f"invokingEvent.configurationItemSummary must be an object, got {_kind(summary)}")
        for key in ("resourceType", "resourceId"):
            _string(summary, key, "invokingEvent.configurationItemSummary")
        _string(invoking_event, "recordVersion", "invokingEvent")
    return CheckedEvent(
        message_type=str(message_type),
        invoking_event=dict(invoking_event),
        rule_parameters=dict(rule_parameters),
        config_rule_name=str(event["configRuleName"]),
    )


def check_configuration_item(item: object, where: str) -> Mapping[str, Any]:
    """A configuration item has what rdklib and the rule read; deleted ones need no configuration."""
    if not isinstance(item, Mapping):
        raise MalformedEventError(f"{where} must be an object, got {_kind(item)}")
    for key in ("resourceType", "resourceId"):
        _string(item, key, where)
    # A string in notifications; a datetime once boto3 has parsed GetResourceConfigHistory.
    if not isinstance(item.get("configurationItemCaptureTime"), datetime):
        _string(item, "configurationItemCaptureTime", where)
    status = _string(item, "configurationItemStatus", where)
    if status not in ITEM_STATUSES:
        raise MalformedEventError(
            f"{where}.configurationItemStatus {status!r} is not one of {', '.join(sorted(ITEM_STATUSES))}"
        )
    if status not in DELETED_STATUSES and not isinstance(item.get("configuration"), Mapping):
        raise MalformedEventError(
            f"{where}.configuration must be an object for a {status} item, got {_kind(item.get('configuration'))}"
        )
    return item


def _json_object(event: Mapping[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    if key not in event or event[key] is None:
        if required:
            raise MalformedEventError(f"event.{key} is missing")
        return {}
    raw = event[key]
    if not isinstance(raw, str):
        raise MalformedEventError(f"event.{key} must be a JSON string, got {_kind(raw)}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise MalformedEventError(f"event.{key} is not valid JSON: {error.msg} at position {error.pos}") from None
    if not isinstance(value, dict):
        raise MalformedEventError(f"event.{key} must hold a JSON object, got {_kind(value)}")
    return value


def _string(container: Mapping[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        if key not in container:
            raise MalformedEventError(f"{where}.{key} is missing")
        raise MalformedEventError(f"{where}.{key} must be a non-empty string, got {_kind(value)}")
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    for python_type, name in names.items():
        if type(value) is python_type:
            return name
    return type(value).__name__
