"""Checking the event Config sends before anything reads it: what the rule needs, and only that.

rdklib indexes the event directly, so a malformed one would surface as a bare ``KeyError`` or
``TypeError`` from deep inside it. Here every part the rule reads is checked first and a
:class:`MalformedEventError` names exactly what is wrong; no evaluation is built from a guess.
A part the rule does not read may be missing or odd: the AWS Config developer guide's own change
example has no ``notificationCreationTime`` nor ``recordVersion``, and it is judged like any other.

What each event needs (``tests/test_events_examples.py`` runs the developer guide's examples):

=========================================  =============================================================
part                                       needed for
=========================================  =============================================================
``resultToken``                            every event: PutEvaluations
``invokingEvent.messageType``              every event: which trigger
``ruleParameters``                         optional; when present, a JSON object of known parameters
``executionRoleArn``                       when a role is assumed (``AssumeRoleMode`` not "false"):
                                           the role, or its account for ``ExecutionRoleName``
``configRuleName``                         scheduled: the rule's earlier results; findings: their generator;
                                           crossing events (on by default): the certificate's held result
``configRuleArn``                          findings: the Security Hub product of the rule's account and region
``eventLeftScope``                         change: a boolean if present; absent means false
``invokingEvent.notificationCreationTime`` scheduled: the evaluations' ordering timestamp
``invokingEvent.configurationItem``        change: ``resourceType``, ``resourceId``,
                                           ``configurationItemStatus``, ``configurationItemCaptureTime``
                                           (the ordering timestamp); for an ACM certificate also
                                           ``configuration`` unless deleted, and ``resourceId`` its ARN
``invokingEvent.configurationItemSummary`` oversized: ``resourceType`` and ``resourceId`` (the item is read
                                           with GetResourceConfigHistory and then checked as above)
=========================================  =============================================================

Items that are not about an ACM certificate. Config's resource id of an ``AWS::ACM::Certificate`` is
the certificate's ARN, so an item of that type whose ``resourceId`` (or ``configuration.certificateArn``)
is anything else is malformed: no certificate stands behind it to judge or to ask ACM about, and any
result recorded for it (even NOT_APPLICABLE) would be a result in Config that no certificate backs.
An item of another resource type is rdklib's business: it is NOT_APPLICABLE, whatever its
``configuration`` holds, as rdklib's ``is_applicable_resource_type`` has it, so only the fields
rdklib reads are checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from acm_expiry import RESOURCE_TYPE
from acm_expiry.arns import EXPECTED_RULE, describe_non_arn, parse_certificate_arn, parse_config_rule_arn, shown
from acm_expiry.certificate import UnreadableTimestamp, parse_timestamp
from acm_expiry.errors import InvalidParameterError, MalformedEventError
from acm_expiry.parameters import RDKLIB_PARAMETERS, RuleParameters, parse_parameters

CONFIG_RULE_NAME_LIMIT = 128  # Config API Reference, ConfigRule.ConfigRuleName: 1 to 128
CHANGE = "ConfigurationItemChangeNotification"
OVERSIZED = "OversizedConfigurationItemChangeNotification"
SCHEDULED = "ScheduledNotification"
MESSAGE_TYPES = (CHANGE, OVERSIZED, SCHEDULED)
# Statuses for which Config sends no configuration (rdklib answers NOT_APPLICABLE for them).
DELETED_STATUSES = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded"})
ITEM_STATUSES = DELETED_STATUSES | {"OK", "ResourceDiscovered"}
# Fields of an ACM item's ``configuration`` the rule reads, with the JSON types each may hold
# (null always allowed). ``status`` is required: without it no row of the verdict table applies.
# An unreadable ``notAfter`` or ``revokedAt`` (a string, or a number out of range) is left to the rule,
# which asks ACM; any other type is malformed.
_TEXT = (str,)
CONFIGURATION_FIELDS: dict[str, tuple[type, ...]] = {
    "certificateArn": _TEXT,
    "domainName": _TEXT,
    "type": _TEXT,
    "keyAlgorithm": _TEXT,
    "renewalEligibility": _TEXT,
    "notAfter": (str, int, float),
    "revokedAt": (str, int, float),
    "inUseBy": (list,),
    "renewalSummary": (Mapping,),
}
RENEWAL_SUMMARY_FIELDS = ("renewalStatus", "renewalStatusReason")


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    message_type: str
    invoking_event: dict[str, Any]
    rule_parameters: dict[str, Any]  # as the event carries them, rdklib's included
    parameters: RuleParameters
    config_rule_name: str | None
    config_rule_arn: str | None
    left_scope: bool


def message_type_of(event: object) -> str | None:
    """The event's message type if it can be read at all, whatever else is wrong with it (for the log
    line and the per-trigger failure metric of an event :func:`check_event` refuses); None otherwise."""
    raw = event.get("invokingEvent") if isinstance(event, Mapping) else None
    try:
        invoking_event = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        return None
    message_type = invoking_event.get("messageType") if isinstance(invoking_event, dict) else None
    return message_type if message_type in MESSAGE_TYPES else None


def check_event(event: object) -> CheckedEvent:
    """Validate a Config rule event; raise :class:`MalformedEventError` (or :class:`InvalidParameterError`)
    naming the first fault."""
    if not isinstance(event, Mapping):
        raise MalformedEventError(f"event must be a JSON object, got {kind_of(event)}")
    invoking_event = _json_object(event, "invokingEvent", required=True)
    rule_parameters = _json_object(event, "ruleParameters", required=False)
    for name in RDKLIB_PARAMETERS & rule_parameters.keys():
        # rdklib calls str methods on these; anything else would fail inside it. Empty means unset.
        if rule_parameters[name] != "":
            _string(rule_parameters, name, "ruleParameters")
    parameters = parse_parameters(rule_parameters)
    _string(event, "resultToken", "event")
    assumed = str(rule_parameters.get("AssumeRoleMode") or "true").lower() != "false"
    if assumed:
        role = _string(event, "executionRoleArn", "event")
        if not role.startswith("arn:") or "/" not in role:
            raise MalformedEventError(f"event.executionRoleArn {shown(role, 160)} is not an IAM role ARN")
        if not rule_parameters.get("ExecutionRoleName") and ":role/aws-service-role/" in role:
            raise InvalidParameterError(
                f"rdklib would assume executionRoleArn {role}, a service-linked role that Lambda cannot assume: "
                'set rule parameter AssumeRoleMode to "false" (use the function\'s own role) '
                "or ExecutionRoleName (a role to assume in each account)"
            )
    if not isinstance(event.get("eventLeftScope", False), bool):
        raise MalformedEventError(f"event.eventLeftScope must be true or false, got {kind_of(event['eventLeftScope'])}")

    message_type = invoking_event.get("messageType")
    if message_type not in MESSAGE_TYPES:
        raise MalformedEventError(
            f"invokingEvent.messageType {shown(message_type)} is not one of {', '.join(MESSAGE_TYPES)}"
        )
    rule_name = rule_arn = None
    if message_type == SCHEDULED or parameters.security_hub_findings or parameters.crossing_events:
        rule_name = _string(event, "configRuleName", "event")
    elif isinstance(event.get("configRuleName"), str):
        rule_name = event["configRuleName"]  # for the log line only
    if rule_name is not None and len(rule_name) > CONFIG_RULE_NAME_LIMIT:
        raise MalformedEventError(
            f"event.configRuleName {shown(rule_name)} is {len(rule_name):,} characters long; Config's rule names "
            f"have at most {CONFIG_RULE_NAME_LIMIT}"
        )
    if parameters.security_hub_findings:
        rule_arn = _string(event, "configRuleArn", "event")
        if parse_config_rule_arn(rule_arn) is None:
            raise MalformedEventError(f"event.configRuleArn {describe_non_arn(rule_arn, EXPECTED_RULE)}")
    if message_type == SCHEDULED:
        # The evaluations' OrderingTimestamp: botocore refuses to send anything unreadable.
        _timestamp(invoking_event, "notificationCreationTime", "invokingEvent")
    elif message_type == CHANGE:
        check_configuration_item(invoking_event.get("configurationItem"), "invokingEvent.configurationItem")
    else:
        summary = invoking_event.get("configurationItemSummary")
        if not isinstance(summary, Mapping):
            raise MalformedEventError(
                f"invokingEvent.configurationItemSummary must be an object, got {kind_of(summary)}"
            )
        for key in ("resourceType", "resourceId"):
            _string(summary, key, "invokingEvent.configurationItemSummary")
        _certificate_id(summary, "invokingEvent.configurationItemSummary")
    return CheckedEvent(
        message_type=str(message_type),
        invoking_event=dict(invoking_event),
        rule_parameters=dict(rule_parameters),
        parameters=parameters,
        config_rule_name=rule_name,
        config_rule_arn=rule_arn,
        left_scope=bool(event.get("eventLeftScope", False)),
    )


def without_empty_rdklib_parameters(event: dict[str, Any], checked: CheckedEvent) -> dict[str, Any]:
    """``event`` with rdklib's parameters left empty removed: empty means unset, which rdklib
    understands for ExecutionRoleName but not for ExecutionRoleRegion (it builds an endpoint
    from the empty string)."""
    # With the handler's edge this changes nothing today: AwsEdge.for_rule_event reads an empty
    # ExecutionRoleRegion as no region, and rdklib an empty ExecutionRoleName or AssumeRoleMode as
    # unset, so keeping them is an equivalent mutant (bench/mutant_catalogue.py). It keeps the event
    # safe for rdklib's own client factory all the same.
    kept = {k: v for k, v in checked.rule_parameters.items() if not (k in RDKLIB_PARAMETERS and v == "")}
    if kept == checked.rule_parameters:
        return event
    return event | {"ruleParameters": json.dumps(kept)}


def check_configuration_item(item: object, where: str) -> Mapping[str, Any]:
    """A configuration item has what rdklib and the rule read; deleted ones need no configuration.

    Only an ACM certificate's item is read beyond what rdklib reads (see the module's docstring).
    """
    if not isinstance(item, Mapping):
        raise MalformedEventError(f"{where} must be an object, got {kind_of(item)}")
    for key in ("resourceType", "resourceId"):
        _string(item, key, where)
    arn = _certificate_id(item, where)
    # A change evaluation's OrderingTimestamp. A string in notifications (and in the items oversized.py
    # reads); a datetime in those rdklib's own Evaluator reads with GetResourceConfigHistory.
    _timestamp(item, "configurationItemCaptureTime", where)
    status = _string(item, "configurationItemStatus", where)
    if status not in ITEM_STATUSES:
        raise MalformedEventError(
            f"{where}.configurationItemStatus {shown(status)} is not one of {', '.join(sorted(ITEM_STATUSES))}"
        )
    if status in DELETED_STATUSES or arn is None:
        return item
    configuration = item.get("configuration")
    if not isinstance(configuration, Mapping):
        raise MalformedEventError(
            f"{where}.configuration must be an object for a {status} item, got {kind_of(configuration)}"
        )
    check_configuration(configuration, f"{where}.configuration")
    named = configuration.get("certificateArn")
    if named is not None and named != arn:
        raise MalformedEventError(
            f"{where}.configuration.certificateArn {shown(named, 160)} is not the item's resourceId {shown(arn, 160)}: "
            "the item must be about one certificate"
        )
    return item


def _certificate_id(item: Mapping[str, Any], where: str) -> str | None:
    """An ACM certificate's ``resourceId``, which must be its ARN; None for an item of another type."""
    if item["resourceType"] != RESOURCE_TYPE:
        return None
    resource_id = item["resourceId"]
    if parse_certificate_arn(resource_id) is None:
        raise MalformedEventError(f"{where}.resourceId of an {RESOURCE_TYPE}: {describe_non_arn(resource_id)}")
    return str(resource_id)


def check_configuration(configuration: Mapping[str, Any], where: str) -> None:
    """The fields of an ACM certificate's recorded ``configuration`` that the verdict and its annotation
    are built from hold what ACM would put there (change events and aggregator rows alike)."""
    _string(configuration, "status", where)
    for key, types in CONFIGURATION_FIELDS.items():
        _optional(configuration, key, types, where)
    renewal = configuration.get("renewalSummary")
    if isinstance(renewal, Mapping):
        for key in RENEWAL_SUMMARY_FIELDS:
            _optional(renewal, key, _TEXT, f"{where}.renewalSummary")


def _json_object(event: Mapping[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    if key not in event:
        if required:
            raise MalformedEventError(f"event.{key} is missing")
        return {}
    raw = event[key]
    if not isinstance(raw, str):
        raise MalformedEventError(f"event.{key} must be a JSON string, got {kind_of(raw)}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise MalformedEventError(f"event.{key} is not valid JSON: {error.msg} at position {error.pos}") from None
    except RecursionError:
        raise MalformedEventError(f"event.{key} nests JSON deeper than Python can read") from None
    except ValueError as error:  # an integer of more digits than int() reads (sys.get_int_max_str_digits)
        raise MalformedEventError(f"event.{key} holds a number too long to read: {shown(str(error), 120)}") from None
    if not isinstance(value, dict):
        raise MalformedEventError(f"event.{key} must hold a JSON object, got {kind_of(value)}")
    return value


def _string(container: Mapping[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        if key not in container:
            raise MalformedEventError(f"{where}.{key} is missing")
        raise MalformedEventError(f"{where}.{key} must be a non-empty string, got {kind_of(value)}")
    return value


def _timestamp(container: Mapping[str, Any], key: str, where: str) -> None:
    if isinstance(container.get(key), datetime):
        return
    text = _string(container, key, where)
    why = "is not an ISO-8601 timestamp"
    try:
        readable = parse_timestamp(key, text) is not None and not _is_number(text)
    except UnreadableTimestamp as error:
        readable, why = False, error.why
    if not readable:
        raise MalformedEventError(f"{where}.{key} {shown(text, 64)} {why}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _optional(container: Mapping[str, Any], key: str, types: tuple[type, ...], where: str) -> None:
    value = container.get(key)
    if value is None or (isinstance(value, types) and not isinstance(value, bool)):
        return
    expected = " or ".join(dict.fromkeys(_TYPE_NAMES[t] for t in types))
    raise MalformedEventError(f"{where}.{key} must be {expected} (or null), got {kind_of(value)}")


_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    int: "a number",
    float: "a number",
    list: "an array",
    Mapping: "an object",
}


def kind_of(value: object) -> str:
    """A JSON value's kind, in the words of an error message ("an object", "null")."""
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


# The Config rule a function serves alone, when its deployment says (deploy/member.yaml sets it). A
# Lambda permission cannot name the one rule it admits (Config checks the permission when the rule is
# created, before the rule's ARN exists), so it admits the account's rules; this makes the function
# refuse any other rule's events, whatever parameters they carry.
SERVED_RULE_VARIABLE = "ACM_EXPIRY_RULE_NAME"


def check_served_rule(checked: CheckedEvent, served: str | None) -> None:
    """Refuse an event of another Config rule than the one this function serves (``served``; None: any)."""
    if served and checked.config_rule_name != served:
        raise MalformedEventError(
            f"event.configRuleName {shown(checked.config_rule_name, 160)} is not {served!r}, the one Config rule this "
            f"function serves ({SERVED_RULE_VARIABLE}): another rule of the account invoked it"
        )
