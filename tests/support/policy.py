"""IAM policies evaluated as the IAM User Guide's "Policy evaluation logic" describes, for one account's view.

moto stores bucket, function and role policies but does not enforce them. The organization tests ask
the questions AWS would: may this principal call this action on this resource, in this context? An
explicit Deny wins; otherwise an Allow whose principal, action, resource and every condition match;
otherwise the request is denied implicitly. Only the condition operators the templates use are
known: any other fails the test instead of being guessed at. Condition keys are case-insensitive, and
a key the request does not carry fails its condition (no ...IfExists operators are used), except under
``ForAllValues:``, which IAM evaluates as true for a request without the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ALLOW, DENY, IMPLICIT_DENY = "Allow", "Deny", "ImplicitDeny"


@dataclass(frozen=True)
class Request:
    """``principal``: an IAM ARN, or a service principal such as ``config.amazonaws.com``."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)  # a multivalued key's value is a list


def decide(policy: Mapping[str, Any], request: Request, *, identity: bool = False) -> str:
    """Allow, Deny or ImplicitDeny. ``identity``: an identity policy (its statements name no principal)."""
    verdict = IMPLICIT_DENY
    for statement in policy["Statement"]:
        assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement), statement
        if not identity and not _principal_matches(statement["Principal"], request.principal):
            continue
        if not any(_glob(action, request.action, case=False) for action in _listed(statement["Action"])):
            continue
        if not any(_glob(resource, request.resource) for resource in _listed(statement.get("Resource", "*"))):
            continue
        if not _conditions_hold(statement.get("Condition", {}), request.context):
            continue
        if statement["Effect"] == DENY:
            return DENY
        verdict = ALLOW
    return verdict


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _principal_matches(principal: Any, who: str) -> bool:
    if principal == "*":
        return True
    for kind, names in principal.items():
        for name in _listed(names):
            if kind == "Service" and name == who:
                return True
            if kind == "AWS" and ((name == "*" and ":" in who) or name == who or _account_root(name, who)):
                return True
    return False


def _account_root(name: str, who: str) -> bool:
    """``arn:aws:iam::<account>:root`` or a bare account id stands for every principal of that account."""
    account = name.split(":")[4] if name.endswith(":root") else name if name.isdigit() else None
    return account is not None and who.split(":")[4:5] == [account]


def _glob(pattern: str, value: str, *, case: bool = True) -> bool:
    """IAM's wildcards: ``*`` any run of characters (colons too), ``?`` one character."""
    expression = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(expression, value, 0 if case else re.IGNORECASE) is not None


def _conditions_hold(conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, Any]) -> bool:
    carried = {key.lower(): value for key, value in context.items()}
    for operator, tests in conditions.items():
        for key, expected in tests.items():
            value = carried.get(key.lower())
            if operator.startswith("ForAllValues:"):
                # A multivalued key: every value the request carries must match one of the policy's. IAM's
                # documented trap is kept: a request without the key (no values) matches.
                single = operator.removeprefix("ForAllValues:")
                values = [] if value is None else _listed(value)
                if not all(any(_compare(single, str(want), str(v)) for want in _listed(expected)) for v in values):
                    return False
                continue
            if value is None or not any(_compare(operator, str(want), value) for want in _listed(expected)):
                return False
    return True


def _compare(operator: str, expected: str, value: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return value == expected
    if operator in ("StringLike", "ArnLike"):
        return _glob(expected, value)
    if operator == "Bool":
        return value.lower() == expected.lower()
    raise AssertionError(f"condition operator {operator} is not modelled: add it as IAM documents it")
