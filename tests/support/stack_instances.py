"""CloudFormation's ListStackInstances as AWS answers it (moto's does not page, and ignores CallAs and filters).

It sits in botocore's ``before-send`` hook, so the real botocore stack (query-protocol serialisation, XML parsing,
the paginator) runs as it does against AWS, and answers:

- ``MaxResults`` 1..100 (a ValidationError otherwise) and ``NextToken`` paging: a full page carries a token even
  when nothing follows (the last page is the one without a token); without MaxResults, pages of ``default_page``;
- ``CallAs``: a StackSet made by a delegated administrator exists, for ListStackInstances, only when asked with
  DELEGATED_ADMIN, and one made by the management account only with SELF; otherwise StackSetNotFoundException, as
  CloudFormation answers (API Reference, CallAs: "If you are signed in to a delegated administrator account,
  specify DELEGATED_ADMIN");
- ``Filters`` on DETAILED_STATUS, and ``StackInstanceAccount`` / ``StackInstanceRegion``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import boto3
from botocore.awsrequest import AWSResponse

from tests.support.doubles import _Raw

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
ANSWERED_URL = "http://answered-by-stack-instances-double.invalid/"


class _Refused(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class FakeStackInstances:
    """``stack_sets``: name -> (who made it, "SELF" or "DELEGATED_ADMIN"; its instance summaries)."""

    stack_sets: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)
    default_page: int = 100
    requests: list[dict[str, str]] = field(default_factory=list)

    def add(self, name: str, instances: Sequence[Mapping[str, Any]], made_as: str = "SELF") -> None:
        self.stack_sets[name] = (made_as, [dict(instance) for instance in instances])

    def install(self, session: boto3.Session) -> boto3.Session:
        session.events.register_first("before-send.cloudformation.ListStackInstances", self._before_send)
        return session

    def _before_send(self, request: Any, **_: Any) -> AWSResponse:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        params = dict(parse_qsl(body))
        self.requests.append(params)
        try:
            xml, status = self._list(params), 200
        except _Refused as refused:
            xml = (
                f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>Sender</Type><Code>{refused.code}</Code>'
                f"<Message>{escape(refused.message)}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
            )
            status = refused.status
        request.url = ANSWERED_URL  # the handlers after this one (moto's) leave it alone
        return AWSResponse(ANSWERED_URL, status, {"Content-Type": "text/xml"}, _Raw(xml.encode()))

    def _list(self, params: Mapping[str, str]) -> str:
        name = params["StackSetName"]
        call_as = params.get("CallAs", "SELF")
        if name not in self.stack_sets or self.stack_sets[name][0] != call_as:
            raise _Refused("StackSetNotFoundException", f"StackSet {name} not found", 404)
        size = int(params.get("MaxResults", self.default_page))
        if not 1 <= size <= 100:
            raise _Refused("ValidationError", "MaxResults must be between 1 and 100", 400)
        wanted = _filters(params)
        instances = [
            instance
            for instance in self.stack_sets[name][1]
            if all(_field(instance, key) in values for key, values in wanted.items())
            and params.get("StackInstanceAccount", instance["Account"]) == instance["Account"]
            and params.get("StackInstanceRegion", instance["Region"]) == instance["Region"]
        ]
        start = _decode(params.get("NextToken"))
        page = instances[start : start + size]
        token = f"<NextToken>{_encode(start + size)}</NextToken>" if len(page) == size else ""
        members = "".join(f"<member>{_xml(instance)}</member>" for instance in page)
        return (
            f'<ListStackInstancesResponse xmlns="{NAMESPACE}"><ListStackInstancesResult>'
            f"<Summaries>{members}</Summaries>{token}</ListStackInstancesResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListStackInstancesResponse>"
        )


def _filters(params: Mapping[str, str]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    index = 1
    while f"Filters.member.{index}.Name" in params:
        name = params[f"Filters.member.{index}.Name"]
        if name != "DETAILED_STATUS":
            raise _Refused("ValidationError", f"the double filters on DETAILED_STATUS only, not {name}", 400)
        wanted["DetailedStatus"] = set(params[f"Filters.member.{index}.Values"].split(","))
        index += 1
    return wanted


def _field(instance: Mapping[str, Any], key: str) -> str:
    return str(instance.get("StackInstanceStatus", {}).get(key, ""))


def _xml(value: Mapping[str, Any]) -> str:
    parts = []
    for key, item in value.items():
        inner = _xml(item) if isinstance(item, Mapping) else escape(str(item))
        parts.append(f"<{key}>{inner}</{key}>")
    return "".join(parts)


def _encode(index: int) -> str:
    return base64.b64encode(json.dumps({"i": index}).encode()).decode()


def _decode(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["i"])
    except (ValueError, KeyError):
        raise _Refused("ValidationError", "Invalid NextToken", 400) from None
