"""Route 53 as AWS documents it where moto does not, in front of moto (tests/support/doubles.py's ``before-send``).

- **ListHostedZonesByName** (API reference): zones in the order of their names with the labels
  reversed (``com.example.www``), then by zone id, from ``DNSName`` (and ``HostedZoneId``) on, at
  most ``MaxItems`` (1 to 100, default 100) a page, with ``IsTruncated``, ``NextDNSName`` and
  ``NextHostedZoneId``. moto returns only the zones named ``DNSName``, all at once: code that
  stops at the first other name, or pages, could not be told from code that does neither.
- **ListResourceRecordSets**: record sets by name (labels reversed), then type, then set
  identifier, from ``StartRecordName``/``Type``/``Identifier`` on, ``MaxItems`` 1 to 300 (default
  300), with ``NextRecordName``/``Type``/``Identifier``. moto has no identifiers, so a page ending
  inside a weighted set would start that set again.
- **ChangeResourceRecordSets**: AWS refuses a CNAME beside any other record of its name
  (InvalidChangeBatch, RFC 1034's rule); every batch is recorded in :attr:`FakeRoute53.batches`
  before moto applies it.

The zones and records are moto's (``route53_backends``), so tests seed them with boto3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from tests.support.doubles import AwsError, PassThrough, XmlAnswer

ACCOUNT = "123456789012"
MAX_ZONES = 100
MAX_RECORDS = 300
NAMESPACE = "https://route53.amazonaws.com/doc/2013-04-01/"


@dataclass
class FakeRoute53:
    account: str = ACCOUNT
    batches: list[dict[str, Any]] = field(default_factory=list)  # {"zone": id, "changes": [...]}, as sent

    def __call__(self, operation: str, params: dict[str, Any]) -> XmlAnswer:
        url = urlsplit(params["_url"])
        query = {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
        if operation == "ListHostedZonesByName":
            return self.list_hosted_zones_by_name(query)
        if operation == "ListResourceRecordSets":
            return self.list_resource_record_sets(_zone_id(url.path), query)
        if operation == "ChangeResourceRecordSets":
            self.change_resource_record_sets(_zone_id(url.path), params["_body"])
        raise PassThrough()

    def _backend(self) -> Any:
        from moto.route53.models import route53_backends

        return route53_backends[self.account]["aws"]

    def list_hosted_zones_by_name(self, query: dict[str, str]) -> XmlAnswer:
        limit = _max_items(query.get("maxitems"), MAX_ZONES)
        zones = sorted(self._backend().zones.values(), key=lambda zone: (_reversed(zone.name), _plain(zone.id)))
        dns_name, zone_id = query.get("dnsname"), query.get("hostedzoneid")
        if zone_id and not dns_name:
            raise AwsError("InvalidInput", "HostedZoneId requires DNSName")
        if dns_name:
            start = (_reversed(dns_name), _plain(zone_id or ""))
            zones = [zone for zone in zones if (_reversed(zone.name), _plain(zone.id)) >= start]
        page, rest = zones[:limit], zones[limit:]
        body = "".join(
            f"<HostedZone><Id>/hostedzone/{_plain(zone.id)}</Id><Name>{escape(zone.name)}</Name>"
            f"<CallerReference>{escape(zone.caller_reference)}</CallerReference>"
            f"<Config><PrivateZone>{str(bool(zone.private_zone)).lower()}</PrivateZone></Config>"
            f"<ResourceRecordSetCount>{len(zone.rrsets)}</ResourceRecordSetCount></HostedZone>"
            for zone in page
        )
        more = (
            f"<NextDNSName>{escape(rest[0].name)}</NextDNSName><NextHostedZoneId>{_plain(rest[0].id)}</NextHostedZoneId>"
            if rest
            else ""
        )
        asked = f"<DNSName>{escape(dns_name)}</DNSName>" if dns_name else ""
        return _answer(
            "ListHostedZonesByNameResponse",
            f"<HostedZones>{body}</HostedZones>{asked}<IsTruncated>{str(bool(rest)).lower()}</IsTruncated>"
            f"{more}<MaxItems>{limit}</MaxItems>",
        )

    def list_resource_record_sets(self, zone_id: str, query: dict[str, str]) -> XmlAnswer:
        limit = _max_items(query.get("maxitems"), MAX_RECORDS)
        zone = self._zone(zone_id)
        name, kind, identifier = query.get("name"), query.get("type"), query.get("identifier")
        if (kind and not name) or (identifier and not kind):
            raise AwsError("InvalidInput", "StartRecordType needs StartRecordName, StartRecordIdentifier both")
        records = sorted(zone.rrsets, key=_record_key)
        if name:
            start = (_reversed(name), kind or "", identifier or "")
            records = [record for record in records if _record_key(record) >= start]
        page, rest = records[:limit], records[limit:]
        more = ""
        if rest:
            following = rest[0]
            more = f"<NextRecordName>{escape(following.name)}</NextRecordName>"
            more += f"<NextRecordType>{following.type}</NextRecordType>"
            if rest[0].set_identifier:
                more += f"<NextRecordIdentifier>{escape(rest[0].set_identifier)}</NextRecordIdentifier>"
        return _answer(
            "ListResourceRecordSetsResponse",
            f"<ResourceRecordSets>{''.join(_record_xml(record) for record in page)}</ResourceRecordSets>"
            f"<IsTruncated>{str(bool(rest)).lower()}</IsTruncated>{more}<MaxItems>{limit}</MaxItems>",
        )

    def change_resource_record_sets(self, zone_id: str, body: str) -> None:
        zone = self._zone(zone_id)
        root = ElementTree.fromstring(body)
        changes = []
        for change in root.iter(f"{{{NAMESPACE}}}Change"):
            rrset = change.find(f"{{{NAMESPACE}}}ResourceRecordSet")
            assert rrset is not None
            changes.append(
                {
                    "Action": change.findtext(f"{{{NAMESPACE}}}Action"),
                    "Name": rrset.findtext(f"{{{NAMESPACE}}}Name"),
                    "Type": rrset.findtext(f"{{{NAMESPACE}}}Type"),
                    "TTL": rrset.findtext(f"{{{NAMESPACE}}}TTL"),
                    "Values": [value.text for value in rrset.iter(f"{{{NAMESPACE}}}Value")],
                }
            )
        self.batches.append({"zone": zone_id, "changes": changes})
        for change in changes:
            if change["Action"] in ("CREATE", "UPSERT") and change["Type"] == "CNAME":
                others = {r.type for r in zone.rrsets if _reversed(r.name) == _reversed(change["Name"])} - {"CNAME"}
                if others:
                    raise AwsError(
                        "InvalidChangeBatch",
                        f"RRSet of type CNAME with DNS name {change['Name']} is not permitted as it conflicts with "
                        f"other records with the same DNS name in zone {zone.name}",
                    )

    def _zone(self, zone_id: str) -> Any:
        zone = self._backend().zones.get(zone_id)
        if zone is None:
            raise AwsError("NoSuchHostedZone", f"No hosted zone found with ID: {zone_id}", 404)
        return zone


def _plain(zone_id: str) -> str:
    """A zone's id as Route 53 orders zones and names the next one (``Z...``), without moto's ``/hostedzone/``."""
    return zone_id.rsplit("/", 1)[-1]


def _zone_id(path: str) -> str:
    return unquote(path.split("/hostedzone/", 1)[1].split("/", 1)[0])


def _max_items(value: str | None, most: int) -> int:
    if value is None:
        return most
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise AwsError("InvalidInput", f"1 validation error detected: Value '{value}' at 'maxItems' failed to satisfy "
                                       f"constraint: Member must be between 1 and {most}")  # fmt: skip
    return int(value)


def _reversed(name: str) -> str:
    """Route 53's sort key: the labels reversed, as text, with the trailing dot (``com.example.www.``)."""
    return ".".join(reversed(name.lower().rstrip(".").split("."))) + "."


def _record_key(record: Any) -> tuple[str, str, str]:
    return (_reversed(record.name), record.type, record.set_identifier or "")


def _record_xml(record: Any) -> str:
    values = "".join(
        f"<ResourceRecord><Value>{escape(value if isinstance(value, str) else value['Value'])}</Value></ResourceRecord>"
        for value in record.records
    )
    identity = ""
    if record.set_identifier:
        identity = f"<SetIdentifier>{escape(record.set_identifier)}</SetIdentifier>"
        identity += f"<Weight>{record.weight or 0}</Weight>"
    ttl = f"<TTL>{record.ttl}</TTL>" if record.ttl is not None else ""
    return (
        f"<ResourceRecordSet><Name>{escape(record.name)}</Name><Type>{record.type}</Type>{identity}{ttl}"
        f"<ResourceRecords>{values}</ResourceRecords></ResourceRecordSet>"
    )


def _answer(root: str, body: str) -> XmlAnswer:
    return XmlAnswer(f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{NAMESPACE}">{body}</{root}>')
