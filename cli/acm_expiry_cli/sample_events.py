"""Events shaped as AWS Config sends them to a custom Lambda rule."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

ACCOUNT_ID = "123456789012"
RULE_NAME = "ACMExpiryRule"
# The configuration recorder's role, as `rdk init` creates it (a service-linked role cannot be assumed).
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/rdk/config-role"


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _event(
    invoking_event: Mapping[str, Any], parameters: Mapping[str, Any] | None, token: str, left_scope: bool
) -> dict[str, Any]:
    return {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking_event),
        "ruleParameters": json.dumps(dict(parameters if parameters is not None else {"daysToExpiration": "30"})),
        "resultToken": token,
        "eventLeftScope": left_scope,
        "executionRoleArn": EXECUTION_ROLE_ARN,
        "configRuleArn": f"arn:aws:config:us-east-1:{ACCOUNT_ID}:config-rule/config-rule-abc123",
        "configRuleName": RULE_NAME,
        "configRuleId": "config-rule-abc123",
        "accountId": ACCOUNT_ID,
    }


def scheduled_event(now: datetime, parameters: Mapping[str, Any] | None = None, token: str = "token") -> dict[str, Any]:
    invoking = {
        "awsAccountId": ACCOUNT_ID,
        "notificationCreationTime": _timestamp(now),
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return _event(invoking, parameters, token, False)


def change_event(
    item: Mapping[str, Any],
    now: datetime,
    parameters: Mapping[str, Any] | None = None,
    token: str = "token",
    left_scope: bool = False,
) -> dict[str, Any]:
    invoking = {
        "configurationItemDiff": None,
        "configurationItem": dict(item),
        "notificationCreationTime": _timestamp(now),
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    }
    return _event(invoking, parameters, token, left_scope)


def oversized_event(
    item: Mapping[str, Any], now: datetime, parameters: Mapping[str, Any] | None = None, token: str = "token"
) -> dict[str, Any]:
    invoking = {
        "configurationItemSummary": {
            "changeType": "UPDATE",
            "configurationItemVersion": "1.3",
            "configurationItemCaptureTime": item["configurationItemCaptureTime"],
            "configurationStateId": 1,
            "awsAccountId": item["awsAccountId"],
            "configurationItemStatus": item["configurationItemStatus"],
            "resourceType": item["resourceType"],
            "resourceId": item["resourceId"],
            "resourceName": item.get("resourceName"),
            "ARN": item["ARN"],
            "awsRegion": item["awsRegion"],
        },
        "notificationCreationTime": _timestamp(now),
        "messageType": "OversizedConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    }
    return _event(invoking, parameters, token, False)
