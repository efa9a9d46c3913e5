"""Oversized change notifications: read the item from Config before rdklib sees the event.

rdklib reads the history itself, but outside its error handling and without checks: a deleted
item, an empty history or an access-denied answer escape as bare ``TypeError``, ``IndexError``
or an unnamed ``ClientError``. Here the item is read through the rule's own edge, checked like
any other configuration item, and handed on as an ordinary change notification.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from acm_expiry.arns import shown
from acm_expiry.edge import call
from acm_expiry.errors import AwsCallError, MalformedEventError
from acm_expiry.events import CHANGE, CheckedEvent, check_configuration_item


def inflate(event: dict[str, Any], checked: CheckedEvent, config: Any) -> tuple[dict[str, Any], CheckedEvent]:
    """``event`` with its oversized notification replaced by the change notification it stands for."""
    invoking_event = checked.invoking_event
    summary = invoking_event["configurationItemSummary"]
    answer = call(
        config,
        "get_resource_config_history",
        resourceType=summary["resourceType"],
        resourceId=summary["resourceId"],
        limit=1,
    )
    items = answer.get("configurationItems") or []
    if not items:
        raise AwsCallError(
            "GetResourceConfigHistory", "NoConfigurationItem", f"Config holds no history for {summary['resourceId']}"
        )
    item = notification_item(items[0])
    check_configuration_item(item, "GetResourceConfigHistory configurationItems[0]")
    change = {
        "configurationItem": item,
        "notificationCreationTime": invoking_event.get("notificationCreationTime"),
        "messageType": CHANGE,
        "recordVersion": invoking_event.get("recordVersion"),
    }
    return event | {"invokingEvent": json.dumps(change)}, replace(checked, message_type=CHANGE, invoking_event=change)


def notification_item(history_item: dict[str, Any]) -> dict[str, Any]:
    """A GetResourceConfigHistory item in the shape change notifications carry."""
    configuration = history_item.get("configuration")
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except json.JSONDecodeError:
            raise MalformedEventError(
                f"GetResourceConfigHistory returned a configuration for {shown(history_item.get('resourceId'), 160)} "
                "that is not JSON"
            ) from None
    captured = history_item.get("configurationItemCaptureTime")
    return {
        "configurationItemCaptureTime": captured.isoformat() if isinstance(captured, datetime) else captured,
        "configurationItemStatus": history_item.get("configurationItemStatus"),
        "configurationStateId": history_item.get("configurationStateId"),
        "awsAccountId": history_item.get("accountId"),
        "ARN": history_item.get("arn"),
        "awsRegion": history_item.get("awsRegion"),
        "resourceType": history_item.get("resourceType"),
        "resourceId": history_item.get("resourceId"),
        "resourceName": history_item.get("resourceName", history_item.get("resourceId")),
        "tags": history_item.get("tags") or {},
        "configuration": configuration,
    }
