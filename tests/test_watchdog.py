"""A slow answer never outlasts the deadline: the watchdog ends the call under way, and the line is written.

The read timeout bounds each socket read, not a call: a server that sends one byte at a time, well within
the read timeout, keeps a call alive as long as it likes, and Lambda would end the invocation at its
timeout with no log line and no metrics. Here a real HTTP server on loopback drips its answer to the real
handler (real sockets, real clock, a short Lambda budget), and the invocation must end within its budget,
having written its line.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from acm_expiry import handler
from acm_expiry.errors import DeadlineReached
from acm_expiry_cli.sample_events import scheduled_event
from tests.support.moto_server import free_port

BUDGET_SECONDS = 4.0  # what Lambda's context says is left
DEADLINE_RESERVE = 1.0  # no call starts with less than this left
WATCHDOG_RESERVE = 1.0  # a call still under way this long before the end is ended
DRIP_SECONDS = 0.2  # one byte every 0.2 s: far within the 10 s read timeout, forever


class Dripping(BaseHTTPRequestHandler):
    """Answers every request with a body of 40 bytes, sent one at a time: 8 s in all, twice the budget (so
    without the watchdog the test fails on the time taken instead of hanging)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", "40")
        self.end_headers()
        try:
            for _ in range(40):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(DRIP_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up: what the watchdog is for

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def dripping_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Dripping)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


class Context:
    """Lambda's context on the real clock."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._ends - time.monotonic()) * 1000))


def test_a_dripping_answer_is_ended_in_time_for_the_log_line(dripping_endpoint: str) -> None:
    lines: list[str] = []
    runtime = handler.Runtime(log=lines.append, deadline_reserve=DEADLINE_RESERVE, watchdog_reserve=WATCHDOG_RESERVE)
    event = scheduled_event(handler.utc_now(), parameters={"AssumeRoleMode": "false"})
    started = time.monotonic()
    with pytest.raises(DeadlineReached, match="watchdog"):
        handler.handle(event, Context(BUDGET_SECONDS), runtime)
    took = time.monotonic() - started
    assert took < BUDGET_SECONDS  # Lambda would have killed it at the budget: it ended first
    assert took >= BUDGET_SECONDS - WATCHDOG_RESERVE - 0.5  # and not before the watchdog's time
    (line,) = (json.loads(raw) for raw in lines)
    assert line["outcome"] == "error" and line["deadline"]["watchdog"] == "fired"
    assert line["deadline"]["reached"] is True and line["apiCalls"] == {"acm.ListCertificates": 1}
    assert line["PeriodicRunFailures"] == 1  # a run cut short before anything was recorded: Lambda retries it


def test_the_watchdog_leaves_nothing_behind(dripping_endpoint: str) -> None:
    """Disarmed after the invocation: the signal handler and the timer are what they were before it."""
    import signal

    before = signal.getsignal(signal.SIGALRM)
    runtime = handler.Runtime(
        log=lambda line: None, deadline_reserve=DEADLINE_RESERVE, watchdog_reserve=WATCHDOG_RESERVE
    )
    with pytest.raises(DeadlineReached):
        handler.handle(scheduled_event(handler.utc_now(), {"AssumeRoleMode": "false"}), Context(3.0), runtime)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_off_the_main_thread_the_watchdog_stays_unarmed_and_says_so() -> None:
    """Signals reach only the main thread: elsewhere the invocation runs as before (each call bounded by its
    own timeouts), and the line says the watchdog was not armed."""
    lines: list[str] = []
    runtime = handler.Runtime(log=lines.append)
    errors: list[BaseException] = []

    def invoke() -> None:
        try:
            handler.handle({"invokingEvent": "not json"}, Context(60), runtime)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=invoke)
    thread.start()
    thread.join()
    assert errors and json.loads(lines[0])["deadline"]["watchdog"] == "unarmed (not the main thread)"
