"""Amazon EventBridge's PutEvents as AWS documents it, and what the rule put on the default bus.

EventBridge API Reference, PutEvents and PutEventsRequestEntry:

- ``Entries``: 1 to 10 entries a request (more is a ValidationException for the whole request);
- each entry needs ``Source``, ``DetailType`` and ``Detail``; ``Detail`` is "a valid JSON object"
  (else the entry fails with ``MalformedDetail``), ``DetailType`` at most 128 characters, ``Source``
  at most 256; the whole request at most 256 KB (a ValidationException);
- a ``Source`` starting with ``aws.`` is AWS's own: the entry fails with
  ``NotAuthorizedForSourceException`` ("Not authorized for the source");
- the answer: ``FailedEntryCount`` and ``Entries``, one result per entry in the order sent, either
  an ``EventId`` or an ``ErrorCode`` with an ``ErrorMessage``; a failed entry is not put (and "is
  not retried" by EventBridge: the caller must send it again).

The double keeps every event put (``put``), and fails entries on demand (``fail_next``) with the
codes EventBridge answers entries with (``ThrottlingException``, ``InternalFailure``, ...).
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.support.doubles import AwsError, PassThrough

MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 256 * 1024


@dataclass
class FakeEvents:
    put: list[dict[str, Any]] = field(default_factory=list)  # entries put, as sent (Detail parsed)
    requests: int = 0
    _failures: deque[str] = field(default_factory=deque)  # error codes for the next entries

    def fail_next(self, *codes: str) -> None:
        """The next entries sent fail with these codes, one each (then entries are put again)."""
        self._failures.extend(codes)

    def __call__(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation != "PutEvents":
            raise PassThrough()
        entries = params.get("Entries") or []
        if not 1 <= len(entries) <= MAX_ENTRIES:
            raise AwsError("ValidationException", f"Entries must hold 1 to {MAX_ENTRIES} entries, not {len(entries)}")
        if len(json.dumps(entries, default=str).encode()) > MAX_REQUEST_BYTES:
            raise AwsError("ValidationException", "Total size of the entries in the request is over the limit")
        self.requests += 1
        results: list[dict[str, Any]] = []
        for entry in entries:
            results.append(self._put(entry))
        return {"FailedEntryCount": sum(1 for r in results if "ErrorCode" in r), "Entries": results}

    def _put(self, entry: dict[str, Any]) -> dict[str, str]:
        source, detail_type, detail = entry.get("Source"), entry.get("DetailType"), entry.get("Detail")
        if not source or not detail_type or detail is None:
            return _failed("InvalidArgument", "Source, DetailType and Detail are required")
        if str(source).startswith("aws."):
            return _failed("NotAuthorizedForSourceException", "Not authorized for the source")
        if len(detail_type) > 128 or len(source) > 256:
            return _failed("InvalidArgument", "DetailType or Source is too long")
        try:
            parsed = json.loads(detail)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            return _failed("MalformedDetail", "Detail is malformed.")
        if self._failures:
            code = self._failures.popleft()
            return _failed(code, f"{code} (scripted)")
        self.put.append(entry | {"Detail": parsed})
        return {"EventId": str(uuid.uuid4())}

    def details(self) -> list[dict[str, Any]]:
        return [entry["Detail"] for entry in self.put]


def _failed(code: str, message: str) -> dict[str, str]:
    return {"ErrorCode": code, "ErrorMessage": message}
