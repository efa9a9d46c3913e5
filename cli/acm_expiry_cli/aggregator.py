"""An organization's certificates from an AWS Config aggregator, judged by the rule's own verdict core.

One advanced query (``SelectAggregateResourceConfig``) over the aggregator returns the recorded
configuration of every ``AWS::ACM::Certificate`` in every account and region it collects, 100 a
page, each result a JSON document in a string. Each is judged with the same code as the rule's
change events (:meth:`Certificate.from_configuration_item`, :func:`judge`), but without asking
ACM: the scan runs in one account and cannot reach the others' certificates, so a certificate
whose recorded configuration lacks an expiry date stays "without an expiry date".

It sees only what the accounts' configuration recorders record: an account or region outside the
aggregator, or where AWS::ACM::Certificate is not recorded, is not in the answer.

A result that is not a certificate the scan can judge (not JSON, no ``configuration`` object, a
``resourceId`` that is not an ACM certificate ARN or names another account or region than the
row, a field of the wrong type, an expiry date that cannot be read) is :class:`Rejected`: the scan
names it on stderr and judges the rest. Where a change event would ask ACM about an unreadable
``notAfter``, the scan cannot, and a guess could make an expired certificate look valid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from acm_expiry import RESOURCE_TYPE
from acm_expiry.arns import ACCOUNT_ID, describe_non_arn, parse_certificate_arn, shown
from acm_expiry.certificate import Certificate, UnreadableTimestamp, parse_timestamp
from acm_expiry.edge import pages
from acm_expiry.errors import MalformedEventError
from acm_expiry.events import check_configuration, kind_of
from acm_expiry.limits import AGGREGATE_QUERY_PAGE
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import exempt, judge

SELECTED = ("accountId", "awsRegion", "resourceId", "configuration", "tags")
# SelectAggregateResourceConfig's Expression: at most 4096 characters (the Config API model in
# botocore, which does not check it before sending). The query is ASCII, so characters, UTF-16 units
# and bytes all count the same: no reading of AWS's limit can differ.
EXPRESSION_LIMIT = 4096
REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


class AggregatorQueryError(ValueError):
    """An --account or --region value that cannot go into the query."""


class ForeignRow(ValueError):
    """A query result that is not a certificate the scan can judge."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """One certificate as the aggregator holds it, judged."""

    account: str
    region: str
    assessment: Assessment


@dataclass(frozen=True, slots=True)
class Rejected:
    """A query result left out of the scan: which one (its place in the answer, what it names), and why."""

    number: int  # 1 for the first result
    names: str
    why: str

    def __str__(self) -> str:
        return f"aggregator result {self.number}{f' ({self.names})' if self.names else ''} skipped: {self.why}"


@dataclass(frozen=True, slots=True)
class Judged:
    recorded: list[Recorded] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def query(accounts: Sequence[str] = (), regions: Sequence[str] = ()) -> str:
    """The advanced query: every recorded ACM certificate, narrowed to ``accounts`` and ``regions`` if given.

    Values are checked against the shapes of account ids and region names before they are quoted
    into the query, so nothing else can reach it.
    """
    for account in accounts:
        if not ACCOUNT_ID.fullmatch(account):
            raise AggregatorQueryError(f"--account {account!r} is not a 12-digit AWS account id")
    for region in regions:
        if not REGION_NAME.match(region):
            raise AggregatorQueryError(f"--region {region!r} is not an AWS region name")
    conditions = [f"resourceType = '{RESOURCE_TYPE}'"]
    for name, values in (("accountId", accounts), ("awsRegion", regions)):
        if values:
            conditions.append(f"{name} IN ({', '.join(repr(str(v)) for v in dict.fromkeys(values))})")
    expression = f"SELECT {', '.join(SELECTED)} WHERE {' AND '.join(conditions)}"
    if len(expression) > EXPRESSION_LIMIT:
        raise AggregatorQueryError(
            f"{len(accounts)} --account and {len(regions)} --region values make a query of {len(expression):,} "
            f"characters, and an aggregator query takes at most {EXPRESSION_LIMIT:,}: name fewer (each --account "
            "adds 16), or none to scan every account"
        )
    return expression


def read(config: Any, aggregator: str, expression: str) -> Iterator[object]:
    """Every result of the query as the API returns it (a JSON string each), paged to the end
    (``AwsCallError`` if any page fails)."""
    for page in pages(
        config,
        "select_aggregate_resource_config",
        AGGREGATE_QUERY_PAGE,
        ConfigurationAggregatorName=aggregator,
        Expression=expression,
    ):
        yield from page.get("Results", [])


def judge_results(
    results: Iterable[object], now: datetime, days_to_expiration: int, exempt_tag: str | None = None
) -> Judged:
    """Every result judged, or rejected with the reason; one result never stops the others."""
    judged = Judged()
    for number, result in enumerate(results, start=1):
        document: object = None
        try:
            document = _document(result)
            judged.recorded.append(judge_recorded(document, now, days_to_expiration, exempt_tag))
        except ForeignRow as error:
            judged.rejected.append(Rejected(number, _names(document), str(error)))
    return judged


def _document(result: object) -> object:
    """A result as the API returns it, a JSON document in a string, read (anything else is taken as read)."""
    if not isinstance(result, str):
        return result
    try:
        return json.loads(result)
    except json.JSONDecodeError as error:
        raise ForeignRow(f"not a JSON document: {error.msg} at position {error.pos}") from None
    except (ValueError, RecursionError) as error:  # a number of over 4300 digits; nesting too deep
        raise ForeignRow(f"not a JSON document this scan can read: {type(error).__name__}") from None


def judge_recorded(document: object, now: datetime, days_to_expiration: int, exempt_tag: str | None = None) -> Recorded:
    """One query result judged as the rule judges a configuration item; :class:`ForeignRow` if it cannot be."""
    if not isinstance(document, Mapping):
        raise ForeignRow(f"a result must be a JSON object, got {kind_of(document)}")
    resource_id = document.get("resourceId")
    arn = parse_certificate_arn(resource_id)
    if arn is None:
        raise ForeignRow(f"resourceId {describe_non_arn(resource_id)}")
    for key, value in (("accountId", arn.account), ("awsRegion", arn.region)):
        if document.get(key) is not None and document.get(key) != value:
            raise ForeignRow(f"{key} {shown(document.get(key))} is not the certificate's ({value})")
    configuration = document.get("configuration")
    if not isinstance(configuration, Mapping):
        raise ForeignRow(f"configuration must be an object, got {kind_of(configuration)}")
    try:
        check_configuration(configuration, "configuration")
    except MalformedEventError as error:
        raise ForeignRow(str(error)) from None
    if configuration.get("certificateArn") not in (None, resource_id):
        raise ForeignRow(f"configuration.certificateArn {shown(configuration.get('certificateArn'))} is not resourceId")
    try:  # the scan cannot ask ACM, as a change event does, about a date it cannot read
        parse_timestamp("configuration.notAfter", configuration.get("notAfter"))
    except UnreadableTimestamp as error:
        raise ForeignRow(str(error)) from None
    certificate = Certificate.from_configuration_item({"resourceId": resource_id, "configuration": configuration})
    tags = tag_values(document.get("tags"))
    if exempt_tag is not None and exempt_tag in tags:
        verdict = exempt(exempt_tag, tags[exempt_tag])
    else:
        verdict = judge(certificate, now, days_to_expiration)
    return Recorded(arn.account, arn.region, Assessment(certificate, verdict))


def tag_values(tags: object) -> dict[str, str]:
    """Tags as an advanced query returns them (a list of key/value objects), or as a plain mapping."""
    if isinstance(tags, Mapping):
        return {str(k): str(v or "") for k, v in tags.items()}
    if isinstance(tags, list):
        return {str(t["key"]): str(t.get("value") or "") for t in tags if isinstance(t, Mapping) and "key" in t}
    return {}


def _names(document: object) -> str:
    """What a rejected result says it is, as far as it says: its account, region and resource id, quoted."""
    if not isinstance(document, Mapping):
        return ""
    return " ".join(shown(document[k], 100) for k in ("accountId", "awsRegion", "resourceId") if k in document)
