"""An organization's certificates from an AWS Config aggregator, judged by the rule's own verdict core.

One advanced query (``SelectAggregateResourceConfig``) over the aggregator returns the recorded
configuration of every ``AWS::ACM::Certificate`` in every account and region it collects, 100 a
page, each result a JSON document in a string. Each is judged with the same code as the rule's
change events (:meth:`Certificate.from_configuration_item`, :func:`judge`), but without asking
ACM: the scan runs in one account and cannot reach the others' certificates, so a certificate
whose recorded configuration lacks an expiry date stays "without an expiry date".

It sees only what the accounts' configuration recorders record: an account or region outside the
aggregator, or where AWS::ACM::Certificate is not recorded, is not in the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from acm_expiry import RESOURCE_TYPE
from acm_expiry.certificate import Certificate, MalformedCertificate
from acm_expiry.edge import pages
from acm_expiry.findings import ACCOUNT_ID
from acm_expiry.limits import AGGREGATE_QUERY_PAGE
from acm_expiry.outcome import Assessment
from acm_expiry.verdict import exempt, judge

SELECTED = ("accountId", "awsRegion", "resourceId", "configuration", "tags")
REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


class AggregatorQueryError(ValueError):
    """An --account or --region value that cannot go into the query."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """One certificate as the aggregator holds it, judged."""

    account: str
    region: str
    assessment: Assessment


def query(accounts: Sequence[str] = (), regions: Sequence[str] = ()) -> str:
    """The advanced query: every recorded ACM certificate, narrowed to ``accounts`` and ``regions`` if given.

    Values are checked against the shapes of account ids and region names before they are quoted
    into the query, so nothing else can reach it.
    """
    for account in accounts:
        if not ACCOUNT_ID.match(account):
            raise AggregatorQueryError(f"--account {account!r} is not a 12-digit AWS account id")
    for region in regions:
        if not REGION_NAME.match(region):
            raise AggregatorQueryError(f"--region {region!r} is not an AWS region name")
    conditions = [f"resourceType = '{RESOURCE_TYPE}'"]
    for field, values in (("accountId", accounts), ("awsRegion", regions)):
        if values:
            conditions.append(f"{field} IN ({', '.join(repr(str(v)) for v in dict.fromkeys(values))})")
    return f"SELECT {', '.join(SELECTED)} WHERE {' AND '.join(conditions)}"


def read(config: Any, aggregator: str, expression: str) -> Iterator[dict[str, Any]]:
    """Every result of the query, paged to the end (``AwsCallError`` if any page fails)."""
    for page in pages(
        config,
        "select_aggregate_resource_config",
        AGGREGATE_QUERY_PAGE,
        ConfigurationAggregatorName=aggregator,
        Expression=expression,
    ):
        for result in page.get("Results", []):
            document = json.loads(result)
            if isinstance(document, dict):
                yield document


def judge_recorded(
    document: Mapping[str, Any], now: datetime, days_to_expiration: int, exempt_tag: str | None = None
) -> Recorded:
    """One query result judged as the rule judges a configuration item."""
    item = {"resourceId": document.get("resourceId"), "configuration": document.get("configuration")}
    try:
        certificate = Certificate.from_configuration_item(item)
    except MalformedCertificate as error:
        raise AggregatorQueryError(f"the aggregator returned a certificate without configuration: {error}") from None
    tags = tag_values(document.get("tags"))
    if exempt_tag is not None and exempt_tag in tags:
        verdict = exempt(exempt_tag, tags[exempt_tag])
    else:
        verdict = judge(certificate, now, days_to_expiration)
    account, region = str(document.get("accountId", "")), str(document.get("awsRegion", ""))
    return Recorded(account, region, Assessment(certificate, verdict))


def tag_values(tags: object) -> dict[str, str]:
    """Tags as an advanced query returns them (a list of key/value objects), or as a plain mapping."""
    if isinstance(tags, Mapping):
        return {str(k): str(v or "") for k, v in tags.items()}
    if isinstance(tags, list):
        return {str(t["key"]): str(t.get("value") or "") for t in tags if isinstance(t, Mapping) and "key" in t}
    return {}
