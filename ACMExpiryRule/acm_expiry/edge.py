"""The edge where the rule meets AWS: one object per invocation (or per CLI scan), passed down.

An :class:`AwsEdge` holds everything one invocation needs to talk to AWS: the credentials (the
session's own, or those of at most one AssumeRole, made on first use), clients with the retry
policy, the pace each operation is held to, the invocation's :class:`Deadline`, and a count of
the calls, attempts and waits they made. It is built from a session the caller hands over
(``boto3.Session()`` in Lambda, a profile's session in the CLI, a session with AWS doubles in
tests) and is dropped when the invocation ends.

Calls that finish in the field:

- **Paced.** Before each attempt a client waits for its operation's turn at the rate the service
  documents (:data:`~acm_expiry.limits.RATES`), so a long run does not provoke the throttling it
  would then have to ride out.
- **Retried without a quota.** botocore's own retry conditions decide what is retryable, and its
  standard backoff (full jitter, base 2, capped at 20 s) how long to wait; but the retries are the
  edge's, not botocore's standard mode's, whose per-client quota (500 tokens, 5 a throttled
  retry) a long run under sustained throttling exhausts. They are bounded by the deadline (in
  Lambda) or by :data:`~acm_expiry.limits.MAX_ATTEMPTS` (without one: the CLI).
- **Within the deadline.** No attempt and no wait starts unless it can end, with the reserve for
  the log line, before Lambda's timeout: :class:`~acm_expiry.errors.DeadlineReached` is raised
  instead, never in the middle of a call. The waits go through the injected :class:`Clock`, so
  tests and the benchmark run them on a simulated clock.

Nothing here touches boto3's default session, registers a hook on anything but the edge's own
clients, or keeps a value between invocations: a warm Lambda container behaves as a cold one, and
two edges in one process (or one edge in several threads) never see each other's calls.

It also implements rdklib's ``ClientFactory`` interface (``build_client``), so the rule's
``evaluate_*`` methods receive it where rdklib would pass its own factory.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError, PaginationError
from botocore.retries.standard import RetryEventAdapter, StandardRetryConditions, ThrottledRetryableChecker

from acm_expiry.arns import clip
from acm_expiry.errors import AwsCallError, DeadlineReached
from acm_expiry.limits import (
    BACKOFF_CAP_SECONDS,
    CONNECT_TIMEOUT_SECONDS,
    DEADLINE_RESERVE_SECONDS,
    DEFAULT_RATE,
    MAX_ATTEMPTS,
    MAX_REMAINING_MILLIS,
    RATES,
    READ_TIMEOUT_SECONDS,
    WATCHDOG_RESERVE_SECONDS,
)
from acm_expiry.permissions import action_for_operation

# botocore's standard mode with one attempt: its retry handler then never retries (nor takes from
# its quota); the edge's handler, registered on every client, decides instead.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=CONNECT_TIMEOUT_SECONDS,
    read_timeout=READ_TIMEOUT_SECONDS,
)
ROLE_SESSION_NAME = "ACMExpiryRule"
ROLE_SESSION_SECONDS = 900  # rdklib's CONFIG_ROLE_TIMEOUT_SECONDS
# botocore's conditions for a retry (throttling codes, 5xx, transient network errors, modelled
# retryable errors), without its attempt limit, which the edge applies itself.
_RETRYABLE = StandardRetryConditions(max_attempts=sys.maxsize)
_THROTTLED = ThrottledRetryableChecker()
_RETRY_CONTEXT = RetryEventAdapter()


# botocore's reader of its own API model files (service-2.json, endpoints.json). The one thing
# shared between invocations: read-only data that no call, credential or setting changes. A new
# session without it reads the files again: a warm invocation takes 83 ms instead of 28 ms (make bench,
# docs/benchmarks.md, "Warm containers").
_API_MODELS = botocore.loaders.create_loader()


def new_session(profile_name: str | None = None) -> boto3.Session:
    """A new boto3 session for one invocation (or scan): its own credentials chain, events and settings."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _API_MODELS)
    return boto3.Session(botocore_session=core, profile_name=profile_name)


@dataclass(frozen=True, slots=True)
class Clock:
    """Time as the edge sees it: the real one in Lambda and the CLI, a simulated one in tests and the bench."""

    monotonic: Callable[[], float]
    sleep: Callable[[float], None]


# Looked up at each call, so that a test can give the module a simulated ``time``.
SYSTEM_CLOCK = Clock(lambda: time.monotonic(), lambda seconds: time.sleep(seconds))


class Deadline:
    """When this invocation must have stopped calling AWS, on the edge's clock; ``None``: no deadline.

    Lambda ends an invocation at its timeout without running anything more (no ``finally``, no log
    line), so every attempt and every wait is checked first: it starts only if it can end with
    ``reserve`` seconds to spare. A phase may keep more in hand (:meth:`keeping`): a periodic run
    stops reading Config's results early enough to still send what it judged.
    """

    def __init__(self, clock: Clock, at: float | None, *, reserve: float = DEADLINE_RESERVE_SECONDS) -> None:
        self._clock = clock
        self.at = at
        self.reserve = reserve
        self.budget = None if at is None else max(0.0, at - clock.monotonic())
        self._extra = 0.0
        self.reached: DeadlineReached | None = None  # the first thing it stopped

    @classmethod
    def from_context(cls, context: Any, clock: Clock, *, reserve: float = DEADLINE_RESERVE_SECONDS) -> Deadline:
        """The deadline of a Lambda invocation (``context.get_remaining_time_in_millis()``).

        None without a usable one: no context, no such method, or an answer that is not a number of
        milliseconds (None, text, a bool, NaN, a method that raises). The rule then runs as the CLI
        does, each call bounded by its attempts, rather than failing before it could write its line.
        """
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        try:
            millis = remaining() if callable(remaining) else None
        except Exception:
            millis = None
        if isinstance(millis, bool) or not isinstance(millis, int | float) or millis != millis:
            return cls(clock, None, reserve=reserve)
        return cls(
            clock, clock.monotonic() + max(0.0, min(float(millis), MAX_REMAINING_MILLIS)) / 1000, reserve=reserve
        )

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - self._clock.monotonic()

    def check(self, operation: str, wait: float = 0.0) -> None:
        """Raise :class:`DeadlineReached` unless a wait of ``wait`` seconds, then one attempt, fits."""
        left = self.remaining()
        if left is not None and left - wait < self.reserve + self._extra:
            raise self.stop(operation)

    def stop(self, operation: str) -> DeadlineReached:
        """The error that stops the invocation before (or during) ``operation``; the first is remembered."""
        error = DeadlineReached(operation, self.remaining() or 0.0)
        if self.reached is None:
            self.reached = error
        return error

    @contextmanager
    def keeping(self, seconds: float) -> Iterator[None]:
        """Within the block, stop ``seconds`` earlier than otherwise."""
        before, self._extra = self._extra, self._extra + seconds
        try:
            yield
        finally:
            self._extra = before


class Watchdog:
    """Ends whatever the invocation is doing ``reserve`` seconds before Lambda's timeout.

    The deadline keeps any call from *starting* too late, and each socket read is bounded by the read
    timeout, but a server that sends a byte every few seconds keeps one call alive for as long as it
    likes: Lambda would then end the invocation with no log line and no metrics. So, while armed, a
    real-time timer (``SIGALRM``, one-shot) raises :class:`DeadlineReached` in the invocation's
    thread at ``deadline - reserve``, from inside whatever call or wait is under way (urllib3 closes
    the connection on the way out), and the handler still writes its line in the reserve.

    Signals reach only the main thread, where Lambda runs the handler; elsewhere (a CLI thread) the
    watchdog stays unarmed and says so. It restores the previous handler when disarmed, so nothing
    of it outlives the invocation.
    """

    def __init__(self, deadline: Deadline, reserve: float = WATCHDOG_RESERVE_SECONDS) -> None:
        self._deadline = deadline
        self.reserve = reserve
        self.fired = False
        self.armed = False

    @contextmanager
    def arm(self) -> Iterator[None]:
        remaining = self._deadline.remaining()
        if remaining is None or threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, max(remaining - self.reserve, 0.001))
        self.armed = True
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _fire(self, signum: int, frame: Any) -> None:
        if self.fired:  # one-shot: a second signal (none is scheduled) changes nothing
            return
        self.fired = True
        raise self._deadline.stop("the call under way when the watchdog fired")


class Pacer:
    """Spaces one edge's requests to each operation's documented rate (a token bucket per operation and Region)."""

    def __init__(self, rates: Mapping[str, tuple[float, int]] = RATES) -> None:
        self._rates = rates
        self._lock = threading.Lock()
        self._due: dict[tuple[str, str | None], float] = {}  # when the bucket is next empty (GCRA's TAT)

    def reserve(self, operation: str, region: str | None, now: float) -> float:
        """Take the next turn for ``operation``; how long to wait for it."""
        rate, burst = self._rates.get(operation, DEFAULT_RATE)
        interval = 1 / rate
        with self._lock:
            due = self._due.get((operation, region), now)
            allowed = max(now, due - (burst - 1) * interval)
            self._due[(operation, region)] = max(due, allowed) + interval
        return allowed - now


@dataclass
class CallCounts:
    """The API calls, attempts and waits of one edge's clients (thread-safe: the CLI scans regions in threads)."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _calls: Counter[str] = field(default_factory=Counter)
    _attempts: int = 0
    throttles: int = 0
    backoff_seconds: float = 0.0
    pacing_seconds: float = 0.0

    def call(self, operation: str) -> None:
        with self._lock:
            self._calls[operation] += 1

    def attempt(self, *, throttled: bool) -> None:
        with self._lock:
            self._attempts += 1
            self.throttles += throttled

    def waited(self, seconds: float, *, backoff: bool) -> None:
        with self._lock:
            if backoff:
                self.backoff_seconds += seconds
            else:
                self.pacing_seconds += seconds

    @property
    def calls(self) -> dict[str, int]:
        """``service.Operation`` -> calls, sorted; one call may take several attempts."""
        with self._lock:
            return dict(sorted(self._calls.items()))

    @property
    def retries(self) -> int:
        with self._lock:
            return max(0, self._attempts - sum(self._calls.values()))


class AwsEdge:
    """Clients for one invocation, with one set of credentials, one retry policy, one pace and one deadline."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        region: str | None = None,
        role_arn: str | None = None,
        clock: Clock = SYSTEM_CLOCK,
        deadline: Deadline | None = None,
    ) -> None:
        """``role_arn``: assume this role (once, on the first client) and use its credentials for every client.

        ``deadline``: when to stop (Lambda's); without one, each call is tried at most
        :data:`~acm_expiry.limits.MAX_ATTEMPTS` times.
        """
        self._session = session
        # Lambda sets AWS_REGION (and AWS_DEFAULT_REGION, the one botocore reads); rdklib reads AWS_REGION.
        self.region = region or session.region_name or os.environ.get("AWS_REGION")
        self._role_arn = role_arn
        self._credentials: Mapping[str, str] | None = None
        self._clients: dict[tuple[str, str | None, bool], Any] = {}
        self._lock = threading.Lock()
        self.clock = clock
        self.deadline = deadline if deadline is not None else Deadline(clock, None)
        self._max_attempts = None if self.deadline.at is not None else MAX_ATTEMPTS
        self._pacer = Pacer()
        self.counts = CallCounts()

    @classmethod
    def for_rule_event(
        cls,
        event: Mapping[str, Any],
        rule: Any,
        session: boto3.Session,
        *,
        clock: Clock = SYSTEM_CLOCK,
        deadline: Deadline | None = None,
    ) -> AwsEdge:
        """The edge for one Config rule invocation, with the credentials rdklib's rule parameters ask for.

        rdklib's own helpers read the parameters: ``AssumeRoleMode`` "false" uses the function's own
        role; otherwise the role is the event's ``executionRoleArn``, or ``ExecutionRoleName`` in the
        event's account; ``ExecutionRoleRegion`` picks the region of every client.
        """
        region = rule.get_assume_role_region(event) or None
        role = rule.get_execution_role_arn(event) if rule.get_assume_role_mode(event) else None
        return cls(session, region=region, role_arn=role, clock=clock, deadline=deadline)

    def client(self, service: str, region: str | None = None, *, assumed: bool = True) -> Any:
        """This edge's client for ``service`` in ``region`` (the edge's own by default), made once."""
        key = (service, region or self.region, assumed and self._role_arn is not None)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._new_client(service, key[1], self._role_credentials() if key[2] else {})
                self._clients[key] = client
        return client

    def build_client(self, service: str, region: str | None = None, assume_role_mode: bool = True) -> Any:
        """rdklib's ``ClientFactory.build_client``, so the rule's ``evaluate_*`` methods can take the edge."""
        return self.client(service, region, assumed=assume_role_mode)

    def wait(self, seconds: float, before: str) -> None:
        """Wait (between delivery rounds, say) if the deadline leaves time for it and for ``before`` after it."""
        self.deadline.check(before, wait=seconds)
        self.clock.sleep(seconds)
        self.counts.waited(seconds, backoff=True)

    def _role_credentials(self) -> Mapping[str, str]:
        if self._credentials is None:
            sts = self._new_client("sts", self.region, {})
            answer = call(
                sts,
                "assume_role",
                RoleArn=self._role_arn,
                RoleSessionName=ROLE_SESSION_NAME,
                DurationSeconds=ROLE_SESSION_SECONDS,
            )
            issued = answer["Credentials"]
            self._credentials = {
                "aws_access_key_id": issued["AccessKeyId"],
                "aws_secret_access_key": issued["SecretAccessKey"],
                "aws_session_token": issued["SessionToken"],
            }
        return self._credentials

    def _new_client(self, service: str, region: str | None, credentials: Mapping[str, str]) -> Any:
        client = self._session.client(service, region_name=region, config=CLIENT_CONFIG, **credentials)
        # Hooks on this client alone (each client has its own copy of the session's event system).
        client.meta.events.register("before-call", self._on_call)
        client.meta.events.register("request-created", partial(self._on_attempt, service, region))
        client.meta.events.register("needs-retry", self._needs_retry)
        return client

    def _on_call(self, model: Any, **_: Any) -> None:
        self.counts.call(f"{model.service_model.service_name}.{model.name}")

    def _on_attempt(self, service: str, region: str | None, operation_name: str, **_: Any) -> None:
        """Before every attempt (retries included): its turn at the operation's pace, within the deadline."""
        operation = f"{service}.{operation_name}"
        wait = self._pacer.reserve(operation, region, self.clock.monotonic())
        self.deadline.check(operation_name, wait=wait)
        if wait > 0:
            self.clock.sleep(wait)
            self.counts.waited(wait, backoff=False)

    def _needs_retry(self, attempts: int, operation: Any, **kwargs: Any) -> float | None:
        """botocore's ``needs-retry``: the wait before the next attempt (waited here, on the edge's clock), or None."""
        caught = kwargs.get("caught_exception")
        stopped = getattr(caught, "kwargs", {}).get("error") if isinstance(caught, HTTPClientError) else caught
        if isinstance(stopped, DeadlineReached):  # the watchdog, from inside the request: no retry
            raise stopped
        context = _RETRY_CONTEXT.create_retry_context(attempts=attempts, operation=operation, **kwargs)
        retryable = _RETRYABLE.is_retryable(context)
        self.counts.attempt(throttled=retryable and _THROTTLED.is_retryable(context))
        if not retryable or (self._max_attempts is not None and attempts >= self._max_attempts):
            return None  # botocore raises the error it got
        delay = random.uniform(0, min(BACKOFF_CAP_SECONDS, 2 ** (attempts - 1)))
        self.deadline.check(operation.name, wait=delay)
        self.clock.sleep(delay)
        self.counts.waited(delay, backoff=True)
        return 0  # waited already: botocore retries at once


def call(client: Any, method: str, **kwargs: Any) -> Any:
    """Call an AWS API, turning botocore's ClientError into the rule's own loud error."""
    try:
        return getattr(client, method)(**kwargs)
    except ClientError as error:
        raise aws_call_error(error) from error


def pages(client: Any, method: str, page_size: int | None, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every page of a paged read, through boto3's paginator, ``page_size`` items a page (None: the
    service's own, for an operation that takes no page size).

    A page that fails raises :class:`AwsCallError`: a caller never mistakes a broken read for a
    complete one.
    """
    paginator = client.get_paginator(method)
    try:
        yield from paginator.paginate(**kwargs, PaginationConfig={} if page_size is None else {"PageSize": page_size})
    except ClientError as error:
        raise aws_call_error(error) from error
    except PaginationError as error:  # botocore's guard: the service answered the same NextToken twice
        operation = client.meta.method_to_api_mapping.get(method, method)
        raise AwsCallError(operation, "PaginationError", clip(str(error), 300)) from None


def aws_call_error(error: ClientError) -> AwsCallError:
    """Name the operation, the error code and, for access denied, the missing permission."""
    details = error.response.get("Error", {})
    operation = error.operation_name or "unknown operation"
    code = str(details.get("Code") or "Unknown")
    missing = None
    if "AccessDenied" in code or "Unauthorized" in code:
        missing = action_for_operation(operation)
    message = clip(str(details.get("Message") or ""), 300)  # an answer's message is not ours to copy whole
    return AwsCallError(operation, clip(code, 100), message, missing_permission=missing)
