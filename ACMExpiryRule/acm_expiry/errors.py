"""The rule's failures.

None of these subclasses ``ValueError`` or botocore's ``ClientError``: rdklib swallows those two
inside ``evaluate_*`` and reports success. Ours escape it, so the invocation raises, Lambda
retries it and counts it in its Errors metric.
"""

from __future__ import annotations

from typing import Any


class RuleError(Exception):
    """Base of every failure the rule reports by raising.

    ``partial``: what the invocation had concluded when it failed (an ``adapter.RuleRun``), so its
    log line can say what was judged and what Config did record.
    """

    partial: Any = None


class InvalidParameterError(RuleError):
    """A rule parameter has a value the rule does not accept."""


class MalformedEventError(RuleError):
    """The event Config sent is not of the shape the rule needs."""


class AwsCallError(RuleError):
    """An AWS API call failed after retries."""

    def __init__(self, operation: str, code: str, message: str, *, missing_permission: str | None = None) -> None:
        text = f"{operation} failed: {code}: {message}"
        if missing_permission:
            text += f" (missing IAM permission: {missing_permission})"
        super().__init__(text)
        self.operation = operation
        self.code = code
        self.message = message
        self.missing_permission = missing_permission


class DeliveryError(RuleError):
    """AWS did not record some evaluations or findings, even after they were sent again."""

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        codes: tuple[str, ...],
        delivered: list[dict[str, Any]] | None = None,
        failed: int = 0,
    ) -> None:
        super().__init__(message)
        self.operation = operation  # PutEvaluations, BatchImportFindings, BatchUpdateFindings or PutEvents
        self.codes = codes  # the error codes AWS gave ("" where it gave none)
        self.delivered = delivered or []  # what AWS did record before the rest failed
        self.failed = failed  # how many it did not


class DeadlineReached(RuleError):
    """The invocation stopped calling AWS: too little time was left before Lambda's timeout.

    Raised before a call (or a wait) that could not finish with the reserve kept for the log
    line, never in the middle of one.
    """

    def __init__(self, operation: str, remaining: float) -> None:
        super().__init__(
            f"Deadline reached before {operation}: {remaining:.1f} s left before the Lambda timeout, "
            "less than the reserve kept to finish the call and write the log line"
        )
        self.operation = operation
        self.remaining = remaining
        # What a delivery had got recorded when it stopped.
        self.delivered: list[dict[str, Any]] = []
