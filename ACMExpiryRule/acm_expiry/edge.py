"""The edge where the rule meets AWS: one object per invocation (or per CLI scan), passed down.

An :class:`AwsEdge` holds everything one invocation needs to talk to AWS: the credentials (the
session's own, or those of at most one AssumeRole, made on first use), clients with the retry
policy, and a count of the calls and attempts they made. It is built from a session the caller
hands over (``boto3.Session()`` in Lambda, a profile's session in the CLI, a session with AWS
doubles in tests) and is dropped when the invocation ends.

Nothing here touches boto3's default session, registers a hook on anything but the edge's own
clients, or keeps a value between invocations: a warm Lambda container behaves as a cold one, and
two edges in one process (or one edge in several threads) never see each other's calls.

It also implements rdklib's ``ClientFactory`` interface (``build_client``), so the rule's
``evaluate_*`` methods receive it where rdklib would pass its own factory.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from acm_expiry.errors import AwsCallError
from acm_expiry.limits import RETRY_MODE, TOTAL_MAX_ATTEMPTS
from acm_expiry.permissions import action_for_operation

RETRY_POLICY = Config(retries={"mode": RETRY_MODE, "total_max_attempts": TOTAL_MAX_ATTEMPTS})
ROLE_SESSION_NAME = "ACMExpiryRule"
ROLE_SESSION_SECONDS = 900  # rdklib's CONFIG_ROLE_TIMEOUT_SECONDS


# botocore's reader of its own API model files (service-2.json, endpoints.json). The one thing
# shared between invocations: read-only data that no call, credential or setting changes. A new
# session without it reads the files again: 75 ms instead of 15 ms for a warm invocation's
# three clients (measured on the development machine, see the README's Layout section).
_API_MODELS = botocore.loaders.create_loader()


def new_session(profile_name: str | None = None) -> boto3.Session:
    """A new boto3 session for one invocation (or scan): its own credentials chain, events and settings."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _API_MODELS)
    return boto3.Session(botocore_session=core, profile_name=profile_name)


class CallCounts:
    """The API calls and attempts one edge's clients made (thread-safe: the CLI scans regions in threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._attempts = 0

    def call(self, operation: str) -> None:
        with self._lock:
            self._calls[operation] += 1

    def attempt(self) -> None:
        with self._lock:
            self._attempts += 1

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
    """Clients for one invocation, with one set of credentials and one retry policy."""

    def __init__(self, session: boto3.Session, *, region: str | None = None, role_arn: str | None = None) -> None:
        """``role_arn``: assume this role (once, on the first client) and use its credentials for every client."""
        self._session = session
        # Lambda sets AWS_REGION (and AWS_DEFAULT_REGION, the one botocore reads); rdklib reads AWS_REGION.
        self.region = region or session.region_name or os.environ.get("AWS_REGION")
        self._role_arn = role_arn
        self._credentials: Mapping[str, str] | None = None
        self._clients: dict[tuple[str, str | None, bool], Any] = {}
        self._lock = threading.Lock()
        self.counts = CallCounts()

    @classmethod
    def for_rule_event(cls, event: Mapping[str, Any], rule: Any, session: boto3.Session) -> AwsEdge:
        """The edge for one Config rule invocation, with the credentials rdklib's rule parameters ask for.

        rdklib's own helpers read the parameters: ``AssumeRoleMode`` "false" uses the function's own
        role; otherwise the role is the event's ``executionRoleArn``, or ``ExecutionRoleName`` in the
        event's account; ``ExecutionRoleRegion`` picks the region of every client.
        """
        region = rule.get_assume_role_region(event) or None
        role = rule.get_execution_role_arn(event) if rule.get_assume_role_mode(event) else None
        return cls(session, region=region, role_arn=role)

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
        client = self._session.client(service, region_name=region, config=RETRY_POLICY, **credentials)
        # Hooks on this client alone (each client has its own copy of the session's event system).
        client.meta.events.register("before-call", self._on_call)
        client.meta.events.register("needs-retry", self._on_attempt)
        return client

    def _on_call(self, model: Any, **_: Any) -> None:
        self.counts.call(f"{model.service_model.service_name}.{model.name}")

    def _on_attempt(self, **_: Any) -> None:
        self.counts.attempt()  # returns None: botocore reads a non-None answer as "retry after"


def call(client: Any, method: str, **kwargs: Any) -> Any:
    """Call an AWS API, turning botocore's ClientError into the rule's own loud error."""
    try:
        return getattr(client, method)(**kwargs)
    except ClientError as error:
        raise aws_call_error(error) from error


def pages(client: Any, method: str, page_size: int, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every page of a paged read, through boto3's paginator, ``page_size`` items a page.

    A page that fails raises :class:`AwsCallError`: a caller never mistakes a broken read for a
    complete one.
    """
    paginator = client.get_paginator(method)
    try:
        yield from paginator.paginate(**kwargs, PaginationConfig={"PageSize": page_size})
    except ClientError as error:
        raise aws_call_error(error) from error


def aws_call_error(error: ClientError) -> AwsCallError:
    """Name the operation, the error code and, for access denied, the missing permission."""
    details = error.response.get("Error", {})
    operation = error.operation_name or "unknown operation"
    code = str(details.get("Code") or "Unknown")
    missing = None
    if "AccessDenied" in code or "Unauthorized" in code:
        missing = action_for_operation(operation)
    return AwsCallError(operation, code, str(details.get("Message") or ""), missing_permission=missing)
