"""A request log in front of moto_server: every AWS call a tool makes, named by service and operation.

The tools are pointed at this proxy with ``AWS_ENDPOINT_URL``; it forwards each request to
moto_server and writes one JSON line per request (``service``, ``operation``, HTTP status, and for
JSON-protocol calls the parameters). moto_server's own log names only the HTTP method and path,
which for JSON and query protocols is ``POST /`` for every operation.

The proxy changes what moto answers where moto is unlike AWS, and says so in the entry (``answeredBy``, ``adjusted``):

- **Config's GetComplianceDetailsByConfigRule**, which moto does not implement, is answered with
  no results: what Config holds for a rule whose evaluations were only sent in TestMode (which
  validates without recording).
- **Certificates ACM never issued** (PENDING_VALIDATION, VALIDATION_TIMED_OUT, FAILED) have no
  validity period in ACM: there is no certificate to date yet. moto generates one at request time
  and dates it a year ahead; the proxy removes ``NotBefore``, ``NotAfter`` and ``IssuedAt`` from
  such certificates in ListCertificates and DescribeCertificate answers. ListCertificates without
  ``Includes.keyTypes`` is given ACM's default key-type filter (RSA_1024 and RSA_2048 only), which
  moto does not apply.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from tests.support.doubles import DEFAULT_KEY_TYPES, NEVER_ISSUED  # ACM's, as the tests' doubles model it

UNDATED_FIELDS = ("NotBefore", "NotAfter", "IssuedAt")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_RPC_V2 = re.compile(r"^/service/[^/]+/operation/([^/?]+)")


def operation_of(method: str, target: str, headers: Mapping[str, str], body: bytes) -> tuple[str, str]:
    """(service, operation) of one AWS request, as its SigV4 scope and wire protocol name them.

    The service is the signing name in the Authorization header's credential scope (``acm``,
    ``config``, ``tagging``, ``sts``); the operation comes from ``X-Amz-Target`` (JSON protocol),
    ``Action`` (query protocol, in the form body or the query string), or the path of an
    RPC v2 CBOR call. A REST call has none of these and is named by its method and path.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    scope = _SCOPE.search(lowered.get("authorization", ""))
    service = scope.group(1) if scope else "unsigned"
    amz_target = lowered.get("x-amz-target")
    if amz_target:
        return service, amz_target.rsplit(".", 1)[-1]
    url = urlsplit(target)
    if "x-www-form-urlencoded" in lowered.get("content-type", ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return service, action[0]
    action = parse_qs(url.query).get("Action")
    if action:
        return service, action[0]
    rpc = _RPC_V2.match(url.path)
    if rpc:
        return service, rpc.group(1)
    return service, f"{method} {url.path}"


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else {}
    except ValueError:
        return None


def adjust_acm(operation: str, params: Any, answer: Any) -> tuple[Any, list[str]]:
    """moto's ACM answer made like ACM's where moto differs (see the module's docstring); what changed."""
    notes: list[str] = []
    if not isinstance(answer, dict):
        return answer, notes
    if operation == "ListCertificates":
        summaries = answer.get("CertificateSummaryList", [])
        asked = ((params or {}).get("Includes") or {}).get("keyTypes")
        if not asked:
            kept = [s for s in summaries if s.get("KeyAlgorithm") in DEFAULT_KEY_TYPES]
            if len(kept) != len(summaries):
                notes.append(f"{len(summaries) - len(kept)} left out by ACM's default key-type filter")
            answer = {**answer, "CertificateSummaryList": kept}
        undated = [_undated(s) for s in answer.get("CertificateSummaryList", [])]
        changed = sum(
            1 for new, old in zip(undated, answer.get("CertificateSummaryList", []), strict=True) if new != old
        )
        if changed:
            notes.append(f"dates removed from {changed} never-issued certificate(s)")
        answer = {**answer, "CertificateSummaryList": undated}
    elif operation == "DescribeCertificate" and isinstance(answer.get("Certificate"), dict):
        undated_one = _undated(answer["Certificate"])
        if undated_one != answer["Certificate"]:
            notes.append("dates removed from a never-issued certificate")
            answer = {**answer, "Certificate": undated_one}
    return answer, notes


def _undated(certificate: dict[str, Any]) -> dict[str, Any]:
    if certificate.get("Status") not in NEVER_ISSUED:
        return certificate
    return {k: v for k, v in certificate.items() if k not in UNDATED_FIELDS}


@dataclass(frozen=True)
class Entry:
    """One request as the log holds it."""

    service: str
    operation: str
    status: int
    answered_by: str
    params: Any = None
    listed: tuple[str, ...] = ()
    adjusted: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"

    def to_json(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "service": self.service,
            "operation": self.operation,
            "status": self.status,
            "answeredBy": self.answered_by,
        }
        if self.params is not None:
            line["params"] = self.params
        if self.listed:
            line["listed"] = list(self.listed)
        if self.adjusted:
            line["adjusted"] = list(self.adjusted)
        return line

    @classmethod
    def from_json(cls, line: Mapping[str, Any]) -> Entry:
        return cls(
            service=line["service"],
            operation=line["operation"],
            status=line["status"],
            answered_by=line["answeredBy"],
            params=line.get("params"),
            listed=tuple(line.get("listed", ())),
            adjusted=tuple(line.get("adjusted", ())),
        )


def count_calls(entries: Iterable[Entry]) -> dict[str, int]:
    """Calls by ``service.Operation``, sorted by name."""
    return dict(sorted(Counter(entry.name for entry in entries).items()))


def listed_arns(entries: Iterable[Entry]) -> set[str]:
    """Every certificate ARN that ListCertificates answers carried: what the tool could see."""
    return {arn for entry in entries for arn in entry.listed}


class RequestLog:
    """The proxy: a threaded HTTP server on 127.0.0.1 forwarding to ``upstream`` (moto_server).

    Entries are kept in order in memory and appended to ``path``, one JSON object a line, each
    with the time it was answered. :meth:`mark` and :meth:`since` cut the log into one tool's calls.
    """

    def __init__(self, upstream: str, path: Path) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._path = path
        self._lock = threading.Lock()
        self._entries: list[Entry] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="request-log", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._path.write_text("", encoding="utf-8")
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def mark(self) -> int:
        with self._lock:
            return len(self._entries)

    def since(self, mark: int) -> list[Entry]:
        with self._lock:
            return self._entries[mark:]

    def _record(self, entry: Entry) -> None:
        line = json.dumps({"time": round(time.time(), 3), **entry.to_json()}, sort_keys=True, default=str)
        with self._lock:
            self._entries.append(entry)
            with self._path.open("a", encoding="utf-8") as log:
                log.write(line + "\n")

    def answer(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Forward one request (or stand in for it), log it, and give back status, headers and body."""
        service, operation = operation_of(method, target, headers, body)
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        params = _json(body) if "json" in content_type else None
        if (service, operation) == ("config", "GetComplianceDetailsByConfigRule"):
            payload = json.dumps({"EvaluationResults": []}).encode()
            self._record(Entry(service, operation, 200, "proxy", params))
            return 200, [("Content-Type", "application/x-amz-json-1.1")], payload
        status, reply_headers, reply = self._forward(method, target, headers, body)
        listed: tuple[str, ...] = ()
        notes: list[str] = []
        if service == "acm" and status == 200 and operation in ("ListCertificates", "DescribeCertificate"):
            adjusted, notes = adjust_acm(operation, params, _json(reply))
            if notes:
                reply = json.dumps(adjusted).encode()
            if operation == "ListCertificates" and isinstance(adjusted, dict):
                listed = tuple(s["CertificateArn"] for s in adjusted.get("CertificateSummaryList", []))
        self._record(Entry(service, operation, status, "moto", params, listed, tuple(notes)))
        return status, reply_headers, reply

    def _forward(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self._upstream, timeout=120)
        try:
            forwarded = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            connection.request(method, target, body=body, headers=forwarded)
            response = connection.getresponse()
            reply = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}]
            return response.status, kept, reply
        finally:
            connection.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        log = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as SDKs expect

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, reply = log.answer(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:  # the JSON log is the log
                pass

        return Handler
