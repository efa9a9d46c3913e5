"""The edge where the rule meets botocore: retries, call accounting and error naming.

rdklib builds its clients (Config, STS, and the ones the rule asks for) with ``boto3.client``,
that is from boto3's default session. Configuring that session once per invocation gives every
client, rdklib's included, the same retry policy and the same event hooks, without forking rdklib.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from acm_expiry.errors import AwsCallError
from acm_expiry.permissions import action_for_operation

# botocore's "standard" mode: exponential backoff (base 2, capped at 20 s) with full jitter, on
# throttling codes, 5xx answers and transient network faults. Seven attempts means six
# throttles or 5xx answers in a row are still ridden out.
RETRY_MODE = "standard"
MAX_ATTEMPTS = 7


@dataclass
class CallRecord:
    """What one invocation asked of AWS, filled in by botocore event hooks."""

    calls: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    failures: list[AwsCallError] = field(default_factory=list)
    failed_evaluations: list[dict[str, Any]] = field(default_factory=list)
    certificates_seen: int = 0
    listing_gaps: list[str] = field(default_factory=list)

    @property
    def retries(self) -> int:
        return max(0, self.attempts - sum(self.calls.values()))

    def take_failed_evaluations(self) -> list[dict[str, Any]]:
        taken, self.failed_evaluations = self.failed_evaluations, []
        return taken


_current: ContextVar[CallRecord | None] = ContextVar("acm_expiry_call_record", default=None)


@contextmanager
def recording() -> Iterator[CallRecord]:
    """Record the AWS calls made inside the block, from any client of a configured session."""
    record = CallRecord()
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def current_record() -> CallRecord | None:
    return _current.get()


def configure_session(session: boto3.Session) -> boto3.Session:
    """Give ``session``'s future clients the rule's retry policy and call accounting (idempotent)."""
    core = session._session
    core.set_config_variable("retry_mode", RETRY_MODE)
    core.set_config_variable("max_attempts", MAX_ATTEMPTS)
    events = session.events
    events.register("before-call", _on_call, unique_id="acm-expiry-call")
    events.register("needs-retry", _on_attempt, unique_id="acm-expiry-attempt")
    events.register("after-call", _on_answer, unique_id="acm-expiry-answer")
    events.register("after-call-error", _on_exception, unique_id="acm-expiry-exception")
    return session


def configure_default_session() -> boto3.Session:
    """The session rdklib's ``boto3.client`` calls use, configured."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    return configure_session(boto3.DEFAULT_SESSION)


def call(client: Any, method: str, **kwargs: Any) -> Any:
    """Call an AWS API, turning botocore's ClientError into the rule's own loud error."""
    try:
        return getattr(client, method)(**kwargs)
    except ClientError as error:
        raise aws_call_error(error) from error


def aws_call_error(error: ClientError) -> AwsCallError:
    """Name the operation, the error code and, for access denied, the missing permission."""
    details = error.response.get("Error", {})
    return _named_error(error.operation_name or "unknown operation", details)


def _named_error(operation: str, details: dict[str, Any]) -> AwsCallError:
    code = str(details.get("Code") or "Unknown")
    missing = None
    if "AccessDenied" in code or "Unauthorized" in code:
        missing = action_for_operation(operation)
    return AwsCallError(operation, code, str(details.get("Message") or ""), missing_permission=missing)


def _operation_key(model: Any) -> str:
    return f"{model.service_model.service_name}.{model.name}"


def _on_call(model: Any, **_: Any) -> None:
    record = _current.get()
    if record is not None:
        record.calls[_operation_key(model)] += 1


def _on_attempt(**_: Any) -> None:
    record = _current.get()
    if record is not None:
        record.attempts += 1


def _on_answer(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    record = _current.get()
    if record is None:
        return
    if http_response.status_code >= 300:
        record.failures.append(_named_error(model.name, parsed.get("Error", {})))
        return
    if model.name == "PutEvaluations":
        record.failed_evaluations.extend(parsed.get("FailedEvaluations") or [])


def _on_exception(event_name: str, exception: Exception, **_: Any) -> None:
    record = _current.get()
    if record is not None:
        operation = event_name.rsplit(".", 1)[-1]
        record.failures.append(AwsCallError(operation, type(exception).__name__, str(exception)))
