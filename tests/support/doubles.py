"""AWS doubles that behave like AWS where moto does not.

They sit in botocore's ``before-send`` hook, ahead of moto, so the real botocore stack (request
serialisation, error parsing, the retry handler) runs exactly as it does against AWS:

- :class:`FakeAcm` answers ListCertificates with ACM's default filters (RSA_1024 and RSA_2048
  only unless ``Includes.keyTypes`` names more; no ACME key pairs unless
  ``CertificateKeyPairOrigins`` names them; no Amazon N2 certificates unless
  ``RootHierarchyTypes`` asks, and then only those), ``MaxItems`` 1..1000 and ``NextToken``
  paging, DescribeCertificate with ``RenewalSummary`` and the hyphenated key algorithm, and
  RenewCertificate (which moto lacks) for exported certificates only.
- :class:`FakeConfig` answers PutEvaluations (at most 100, empty lists accepted, ``FailedEvaluations``
  on demand), GetComplianceDetailsByConfigRule (``Limit`` at most 100, paged) and
  GetResourceConfigHistory (with Config's ``configuration`` as a JSON string), none of which moto
  does like AWS.
- :class:`~tests.support.securityhub.FakeSecurityHub` is Security Hub as AWS documents it
  (eventually consistent, workflow resets, paging), in its own module.
- :class:`~tests.support.route53.FakeRoute53` is Route 53's listing order and paging, in its own module.
- :class:`Faults` scripts answers per operation and attempt: throttling, 5xx, access denied.

Everything else falls through to moto (or to the network, which tests never reach).
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from acm_expiry.edge import new_session
from acm_expiry.limits import ACM_KEY_TYPES

DEFAULT_KEY_TYPES = ("RSA_1024", "RSA_2048")  # what ListCertificates returns without Includes
NEVER_ISSUED = ("PENDING_VALIDATION", "VALIDATION_TIMED_OUT", "FAILED")
DEFAULT_KEY_PAIR_ORIGINS = ("AWS_MANAGED", "CUSTOMER_PROVIDED")  # ACME only when asked for
MAX_LIST_ITEMS = 1000
SUMMARY_FIELDS = (
    "CertificateArn",
    "DomainName",
    "SubjectAlternativeNameSummaries",
    "Status",
    "Type",
    "KeyAlgorithm",
    "KeyUsages",
    "ExtendedKeyUsages",
    "InUse",
    "Exported",
    "RenewalEligibility",
    "NotBefore",
    "NotAfter",
    "CreatedAt",
    "IssuedAt",
    "ImportedAt",
    "RevokedAt",
    "CertificateKeyPairOrigin",
)


class AwsError(Exception):
    """Raised inside a double to answer with an AWS error."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class NotAws(AwsError):
    """An answer that is not AWS's: a proxy's or captive portal's web page, with any HTTP status."""

    def __init__(self, status: int, page: str) -> None:
        super().__init__(str(status), page, status)
        self.page = page


THROTTLING = AwsError("ThrottlingException", "Rate exceeded")
SERVICE_UNAVAILABLE = AwsError("ServiceUnavailable", "Service unavailable", 503)
INTERNAL_ERROR = AwsError("InternalFailure", "Internal server error", 500)


def access_denied(action: str) -> AwsError:
    return AwsError(
        "AccessDeniedException",
        f"User: arn:aws:sts::123456789012:assumed-role/rule/fn is not authorized to perform: {action}",
    )


class _Raw:
    """The raw stream botocore reads a response body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterable[bytes]:
        yield self._body


Handler = Callable[[str, dict[str, Any]], dict[str, Any]]


class Doubles:
    """The ``before-send`` dispatcher: faults first, then the fake services, then moto."""

    def __init__(self) -> None:
        self.faults = Faults()
        self._services: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        # When each request (attempt) was sent, on the test's clock (the conftest sets it).
        self.clock: Callable[[], float] = lambda: 0.0
        self.sent_at: list[tuple[str, float]] = []
        # Called with each request's operation: the bench's model of network latency.
        self.per_request: Callable[[str], None] = lambda operation: None

    def serve(self, service: str, handler: Handler) -> None:
        self._services[service] = handler

    def install(self, session: boto3.Session) -> boto3.Session:
        """Put the doubles in front of every client ``session`` makes from now on."""
        session.events.register_first("before-send", self._before_send)
        return session

    def session(self, profile_name: str | None = None) -> boto3.Session:
        """A new session behind the doubles: what the handler's ``Runtime.new_session`` gives in tests.

        Made as Lambda's are (:func:`acm_expiry.edge.new_session`, botocore's API models read once).
        """
        session = new_session(profile_name)
        return self.install(session)

    def calls(self, operation: str) -> list[dict[str, Any]]:
        """The parameters of every request (attempt) for ``service.Operation``."""
        return [params for name, params in self.requests if name == operation]

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        _prefix, service_id, operation = event_name.split(".", 2)
        service = _SERVICE_IDS.get(service_id, service_id)
        params = _params(request)
        self.requests.append((f"{service}.{operation}", params))
        self.sent_at.append((f"{service}.{operation}", self.clock()))
        self.per_request(f"{service}.{operation}")
        try:
            self.faults.check(f"{service}.{operation}")
            handler = self._services.get(service)
            if handler is None:
                return None
            answer = handler(operation, params | {"_region": _region(request.url), "_url": request.url,
                                                  "_body": _text(request.body)})  # fmt: skip
            if isinstance(answer, XmlAnswer):  # the query protocols (EC2, STS) answer in XML
                response = _response(request, 200, answer.body.encode(), {"Content-Type": "text/xml"})
            else:
                response = _response(request, 200, json.dumps(answer, default=_json_default).encode())
        except AwsError as error:
            response = _error_response(request, service, error)
        except PassThrough:
            return None
        # botocore still offers the request to the handlers after this one (moto's among them):
        # point it nowhere, so they leave it alone and only this answer counts.
        request.url = _ANSWERED_URL
        return response


@dataclass(frozen=True)
class XmlAnswer:
    """A double's answer for a service that speaks XML (EC2, STS)."""

    body: str


class PassThrough(Exception):
    """The fake does not handle this operation: let moto answer."""


_SERVICE_IDS = {
    "config-service": "config",
    "resource-groups-tagging-api": "resourcegroupstaggingapi",
    "eventbridge": "events",
    "route-53": "route53",
    "acm-pca": "acm-pca",
}
_ANSWERED_URL = "http://answered-by-acm-expiry-double.invalid/"


@dataclass
class Faults:
    """Scripted failures: for each operation, what its next attempts answer (None means normally).

    :meth:`throttle_every_call` models sustained throttling instead: every call of every operation
    is throttled ``times`` times before it succeeds (calls of one operation are sequential, as in
    one Lambda invocation).
    """

    _plans: dict[str, deque[AwsError | None]] = field(default_factory=lambda: defaultdict(deque))
    _each_call: int = 0
    _attempts: Counter[str] = field(default_factory=Counter)

    def add(self, operation: str, *answers: AwsError | None) -> None:
        self._plans[operation].extend(answers)

    def always(self, operation: str, error: AwsError, times: int = 10_000) -> None:
        self.add(operation, *([error] * times))

    def throttle_every_call(self, times: int) -> None:
        self._each_call = times

    def check(self, operation: str) -> None:
        plan = self._plans.get(operation)
        if plan:
            answer = plan.popleft()
            if answer is not None:
                raise answer
            return
        if self._each_call:
            self._attempts[operation] += 1
            if self._attempts[operation] % (self._each_call + 1):
                raise THROTTLING


class FakeAcm:
    """ACM's ListCertificates and DescribeCertificate as AWS answers them.

    ``source(region)`` gives the region's certificates in DescribeCertificate form (``KeyAlgorithm``
    may be in either form). ``overlay`` adds fields per ARN (a ``RenewalSummary``, say).
    """

    def __init__(self, source: Callable[[str], list[dict[str, Any]]]) -> None:
        self.source = source
        self.overlay: dict[str, dict[str, Any]] = defaultdict(dict)
        # What ListCertificates summaries carry; fewer fields stand for an older SDK, whose parser
        # drops the summary fields it does not know.
        self.summary_fields: tuple[str, ...] = SUMMARY_FIELDS
        # Certificates ACM still has (DescribeCertificate answers) that ListCertificates leaves out: a
        # listing's silence, as eventual consistency or a fault in ACM would give it.
        self.unlisted: set[str] = set()
        # Answer every ListCertificates page with this NextToken (a service repeating its page token).
        self.stuck_token: str | None = None
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # when RenewCertificate renews
        self.renewed: list[str] = []  # the ARNs RenewCertificate renewed, in order (each renewal may be charged)
        self._index: dict[str, tuple[list[dict[str, Any]], int, dict[str, dict[str, Any]]]] = {}

    def __call__(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "ListCertificates":
            return self.list_certificates(params)
        if operation == "DescribeCertificate":
            return self.describe_certificate(params)
        if operation == "ListTagsForCertificate":
            return {"Tags": self._known(params).get("Tags", [])}
        if operation == "RenewCertificate":
            return self.renew_certificate(params)
        raise PassThrough()

    def renew_certificate(self, params: dict[str, Any]) -> dict[str, Any]:
        """RenewCertificate, which moto lacks: only an issued certificate that has been exported (private, or
        public and exportable; ACM user guide), else ValidationException; RequestInProgressException while it
        awaits validation. It is renewed at once: the same validity from now, and a SUCCESS renewal summary."""
        arn = str(params.get("CertificateArn"))
        certificate = self._known(params) | self.overlay.get(arn, {})
        if certificate.get("Status") == "PENDING_VALIDATION":
            raise AwsError("RequestInProgressException", f"Certificate {arn} is still pending validation.")
        if certificate.get("Status") != "ISSUED" or not certificate.get("Exported"):
            raise AwsError("ValidationException", f"Certificate {arn} is not eligible for renewal.")
        now = self.clock()
        not_before, not_after = _moment(certificate.get("NotBefore")), _moment(certificate.get("NotAfter"))
        validity = not_after - not_before if not_before and not_after else timedelta(days=395)
        self.overlay[arn] |= {
            "NotBefore": now.timestamp(),
            "NotAfter": (now + validity).timestamp(),
            "RenewalSummary": {"RenewalStatus": "SUCCESS", "UpdatedAt": now.timestamp()},
        }
        self.renewed.append(arn)
        return {}

    def certificates(self, region: str) -> list[dict[str, Any]]:
        return [
            certificate | self.overlay.get(certificate.get("CertificateArn", ""), {})
            for certificate in self.source(region)
        ]

    def list_certificates(self, params: dict[str, Any]) -> dict[str, Any]:
        max_items = params.get("MaxItems", MAX_LIST_ITEMS)
        if not isinstance(max_items, int) or not 1 <= max_items <= MAX_LIST_ITEMS:
            raise AwsError("ValidationException", f"MaxItems must be between 1 and {MAX_LIST_ITEMS}")
        key_types = (params.get("Includes") or {}).get("keyTypes") or DEFAULT_KEY_TYPES
        unknown = set(key_types) - set(ACM_KEY_TYPES)
        if unknown:
            raise AwsError("ValidationException", f"Unknown keyTypes: {sorted(unknown)}")
        statuses = params.get("CertificateStatuses")
        origins = params.get("CertificateKeyPairOrigins") or DEFAULT_KEY_PAIR_ORIGINS
        hierarchies = params.get("RootHierarchyTypes")
        matching = [
            c
            for c in self.certificates(params["_region"])
            if _underscore(c.get("KeyAlgorithm")) in key_types
            and (not statuses or c.get("Status") in statuses)
            and key_pair_origin(c) in origins
            # Without RootHierarchyTypes, no Amazon N2 certificate; with it, only those named.
            and (c.get("RootHierarchyType") in hierarchies if hierarchies else "RootHierarchyType" not in c)
            and c.get("CertificateArn") not in self.unlisted
        ]
        start = decode_token(params.get("NextToken"))
        page = matching[start : start + max_items]
        answer: dict[str, Any] = {"CertificateSummaryList": [_summary(c, self.summary_fields) for c in page]}
        if start + max_items < len(matching):
            answer["NextToken"] = encode_token(start + max_items)
        if self.stuck_token is not None:
            answer["NextToken"] = self.stuck_token
        return answer

    def _known(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = str(params.get("CertificateArn"))
        certificate = self._by_arn(params["_region"]).get(arn)
        if certificate is None:
            raise AwsError("ResourceNotFoundException", f"Could not find certificate {arn}.")
        return certificate

    def describe_certificate(self, params: dict[str, Any]) -> dict[str, Any]:
        arn = str(params.get("CertificateArn"))
        certificate = self._known(params)
        described = {k: v for k, v in certificate.items() if k != "InUse"} | self.overlay.get(arn, {})
        described["KeyAlgorithm"] = _hyphen(certificate.get("KeyAlgorithm"))
        described.setdefault("InUseBy", [])
        described["CertificateKeyPairOrigin"] = key_pair_origin(described)
        return {"Certificate": described}

    def _by_arn(self, region: str) -> dict[str, dict[str, Any]]:
        """The region's certificates by ARN, rebuilt only when the source hands over another list."""
        certificates = self.source(region)
        cached = self._index.get(region)
        if cached is None or cached[0] is not certificates or cached[1] != len(certificates):
            cached = (certificates, len(certificates), {c["CertificateArn"]: c for c in certificates})
            self._index[region] = cached
        return cached[2]


class FakeTagging:
    """The Resource Groups Tagging API's GetResources over the ACM double's certificates (their ``Tags``).

    ``ResourcesPerPage`` 1..100, ``PaginationToken`` paging that ends, as AWS's does, with an empty
    string rather than no token; only tagged resources are returned; tag filters as documented
    (a key with no values: any value).
    """

    def __init__(self, acm: FakeAcm) -> None:
        self.acm = acm

    def __call__(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation != "GetResources":
            raise PassThrough()
        if params.get("ResourceARNList"):  # these resources and their tags; no paging with a list
            return self._listed(params["ResourceARNList"], params["_region"])
        per_page = params.get("ResourcesPerPage", 50)
        if not 1 <= per_page <= 100:
            raise AwsError("InvalidParameterException", "ResourcesPerPage must be between 1 and 100")
        types = params.get("ResourceTypeFilters") or []
        if types and types != ["acm:certificate"]:
            raise NotImplementedError(f"FakeTagging serves acm:certificate only, not {types}")
        filters = params.get("TagFilters") or []

        def matches(tags: dict[str, str]) -> bool:
            return all(f["Key"] in tags and (not f.get("Values") or tags[f["Key"]] in f["Values"]) for f in filters)

        tagged = []
        for certificate in self.acm.certificates(params["_region"]):
            tags = {t["Key"]: t.get("Value", "") for t in certificate.get("Tags", [])}
            if tags and matches(tags):
                tagged.append(
                    {
                        "ResourceARN": certificate["CertificateArn"],
                        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
                    }
                )
        start = decode_token(params.get("PaginationToken"))
        end = start + per_page
        return {
            "ResourceTagMappingList": tagged[start:end],
            "PaginationToken": encode_token(end) if end < len(tagged) else "",
        }

    def _listed(self, arns: list[str], region: str) -> dict[str, Any]:
        if len(arns) > 100:
            raise AwsError("InvalidParameterException", "ResourceARNList holds at most 100 ARNs")
        certificates = {c["CertificateArn"]: c for c in self.acm.certificates(region)}
        return {
            "ResourceTagMappingList": [
                {"ResourceARN": arn, "Tags": certificates[arn].get("Tags", [])} for arn in arns if arn in certificates
            ],
            "PaginationToken": "",
        }


class FakeConfig:
    """AWS Config's evaluation API as AWS answers it, recording what was sent."""

    def __init__(self) -> None:
        self.put_calls: list[list[dict[str, Any]]] = []
        self.results: dict[str, dict[str, Any]] = {}  # resource id -> last evaluation recorded
        self.recorded_at: dict[str, datetime] = {}  # resource id -> when (ResultRecordedTime)
        # When Config records what it is sent: the test's clock (the conftest sets it).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.history: dict[str, dict[str, Any]] = {}  # resource id -> GetResourceConfigHistory item
        self.refuse: Callable[[dict[str, Any]], bool] = lambda evaluation: False
        # EvaluationResults served after the rule's own, as they are (results some other writer left).
        self.raw_results: list[dict[str, Any]] = []
        # Whether an evaluation identical to the one held (same compliance and annotation) moves its
        # ResultRecordedTime (False: Config keeps the first). AWS does not document which; tests run both.
        self.moves_recorded_time_on_identical = True
        # The Config rule the results belong to (GetComplianceDetailsByResource names it), and results
        # other rules hold for the same resources: [{resource id, rule name, compliance, annotation}].
        self.rule_name = "ACMExpiryRule"
        self.other_rules: list[dict[str, Any]] = []
        self.by_resource_page = 100  # results a GetComplianceDetailsByResource page holds
        # Aggregator name -> what it collects: one record per resource, as advanced queries read them
        # (accountId, awsRegion, resourceId, resourceType, configuration, tags as [{key, value}]).
        self.aggregators: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "PutEvaluations":
            return self.put_evaluations(params)
        if operation == "GetComplianceDetailsByConfigRule":
            return self.get_compliance_details(params)
        if operation == "GetResourceConfigHistory":
            return self.get_resource_config_history(params)
        if operation == "GetComplianceDetailsByResource":
            return self.get_compliance_details_by_resource(params)
        if operation == "SelectAggregateResourceConfig":
            return self.select_aggregate_resource_config(params)
        raise PassThrough()

    def select_aggregate_resource_config(self, params: dict[str, Any]) -> dict[str, Any]:
        """The advanced query over an aggregator, as the API reference shows it.

        Results are JSON documents in strings, holding the selected properties (dotted ones
        nested); ``Limit`` 0..100 (0 or absent: 25, the documented default for a query without
        aggregates); ``NextToken`` paging. The query language is read only as far as the CLI
        writes it: ``SELECT p, ... WHERE c AND ...`` with conditions ``name = 'v'`` and
        ``name IN ('a', 'b')``; anything else is refused as an invalid expression.
        """
        name = params.get("ConfigurationAggregatorName")
        if name not in self.aggregators:
            raise AwsError(
                "NoSuchConfigurationAggregatorException", f"The configuration aggregator {name} does not exist."
            )
        limit = params.get("Limit", 0)
        if not 0 <= limit <= 100:
            raise AwsError("InvalidLimitException", "Limit must be between 0 and 100")
        selected, conditions = _parse_query(str(params.get("Expression", "")))
        matching = [r for r in self.aggregators[name] if all(str(_dig(r, f)) in vs for f, vs in conditions)]
        page_size = limit or 25
        start = decode_token(params.get("NextToken"))
        answer: dict[str, Any] = {
            "Results": [json.dumps(_project(r, selected)) for r in matching[start : start + page_size]],
            "QueryInfo": {"SelectFields": [{"Name": name} for name in selected]},
        }
        if start + page_size < len(matching):
            answer["NextToken"] = encode_token(start + page_size)
        return answer

    def refuse_times(self, resource_id: str, times: int) -> None:
        """List ``resource_id`` in FailedEvaluations for its next ``times`` deliveries."""
        remaining = {"n": times}
        previous = self.refuse

        def refuse(evaluation: dict[str, Any]) -> bool:
            if evaluation["ComplianceResourceId"] == resource_id and remaining["n"] > 0:
                remaining["n"] -= 1
                return True
            return previous(evaluation)

        self.refuse = refuse

    @property
    def sent(self) -> list[dict[str, Any]]:
        return [evaluation for batch in self.put_calls for evaluation in batch]

    def put_evaluations(self, params: dict[str, Any]) -> dict[str, Any]:
        evaluations = params.get("Evaluations", [])
        if len(evaluations) > 100:
            raise AwsError("ValidationException", "Evaluations: member must have length less than or equal to 100")
        for evaluation in evaluations:
            annotation = evaluation.get("Annotation")
            if annotation is not None and not 1 <= len(annotation) <= 256:
                raise AwsError("ValidationException", "Annotation must be 1..256 characters")
        self.put_calls.append(evaluations)
        failed = []
        for evaluation in evaluations:
            if self.refuse(evaluation):
                failed.append(evaluation)
            elif not params.get("TestMode"):
                resource = evaluation["ComplianceResourceId"]
                before = self.results.get(resource)
                identical = before is not None and all(
                    before.get(k) == evaluation.get(k) for k in ("ComplianceType", "Annotation")
                )
                self.results[resource] = evaluation
                if not identical or self.moves_recorded_time_on_identical or resource not in self.recorded_at:
                    self.recorded_at[resource] = self.clock()
        return {"FailedEvaluations": failed}

    def get_compliance_details(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("Limit", 100)
        if not 0 <= limit <= 100:
            raise AwsError("ValidationException", "Limit must be at most 100")
        limit = limit or 100
        wanted = set(params.get("ComplianceTypes") or ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"])
        unknown = wanted - {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"}
        if unknown:  # the API reference: "The allowed values are COMPLIANT, NON_COMPLIANT, and NOT_APPLICABLE"
            raise AwsError("InvalidParameterValueException", f"ComplianceTypes {sorted(unknown)} are not allowed")
        matching = [
            {
                "EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {
                        "ConfigRuleName": params["ConfigRuleName"],
                        "ResourceType": e["ComplianceResourceType"],
                        "ResourceId": e["ComplianceResourceId"],
                    },
                    "OrderingTimestamp": e["OrderingTimestamp"],
                },
                "ComplianceType": e["ComplianceType"],
                "ResultRecordedTime": self.recorded_at.get(e["ComplianceResourceId"], e["OrderingTimestamp"]),
                "ConfigRuleInvokedTime": e["OrderingTimestamp"],
                **({"Annotation": e["Annotation"]} if "Annotation" in e else {}),
            }
            for e in self.results.values()
            if e["ComplianceType"] in wanted
        ] + self.raw_results
        start = decode_token(params.get("NextToken"))
        answer: dict[str, Any] = {"EvaluationResults": matching[start : start + limit]}
        if start + limit < len(matching):
            answer["NextToken"] = encode_token(start + limit)
        return answer

    def get_compliance_details_by_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        """Every rule's result for one resource (API reference: ResourceType and ResourceId required,
        ComplianceTypes COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE; paged with NextToken, no page size)."""
        if not params.get("ResourceType") or not params.get("ResourceId"):
            raise AwsError("InvalidParameterValueException", "ResourceType and ResourceId are required")
        wanted = set(params.get("ComplianceTypes") or ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"])
        resource = params["ResourceId"]
        results = []
        for other in self.other_rules:
            if other["resource_id"] == resource and other["compliance"] in wanted:
                results.append(self._result(other["rule_name"], params["ResourceType"], resource, other))
        held = self.results.get(resource)
        if (
            held is not None
            and held["ComplianceResourceType"] == params["ResourceType"]
            and held["ComplianceType"] in wanted
        ):
            results.append(self._result(self.rule_name, params["ResourceType"], resource, held))
        start = decode_token(params.get("NextToken"))
        answer: dict[str, Any] = {"EvaluationResults": results[start : start + self.by_resource_page]}
        if start + self.by_resource_page < len(results):
            answer["NextToken"] = encode_token(start + self.by_resource_page)
        return answer

    def _result(self, rule: str, resource_type: str, resource: str, held: Mapping[str, Any]) -> dict[str, Any]:
        ordering = held.get("OrderingTimestamp", self.clock())
        return {
            "EvaluationResultIdentifier": {
                "EvaluationResultQualifier": {
                    "ConfigRuleName": rule,
                    "ResourceType": resource_type,
                    "ResourceId": resource,
                },
                "OrderingTimestamp": ordering,
            },
            "ComplianceType": held.get("ComplianceType") or held.get("compliance"),
            "ResultRecordedTime": self.recorded_at.get(resource, ordering) if rule == self.rule_name else ordering,
            "ConfigRuleInvokedTime": ordering,
            **({"Annotation": held["Annotation"]} if held.get("Annotation") else {}),
        }

    def get_resource_config_history(self, params: dict[str, Any]) -> dict[str, Any]:
        item = self.history.get(params.get("resourceId", ""))
        if item is None:
            raise AwsError("ResourceNotDiscoveredException", f"Resource {params.get('resourceId')} is not discovered.")
        return {"configurationItems": [item]}

    def record_history(self, item: Mapping[str, Any]) -> None:
        """Store a notification-shaped configuration item in GetResourceConfigHistory's shape."""
        self.history[item["resourceId"]] = {
            "version": "1.3",
            "accountId": item["awsAccountId"],
            "configurationItemCaptureTime": item["configurationItemCaptureTime"],
            "configurationItemStatus": item["configurationItemStatus"],
            "configurationStateId": item.get("configurationStateId", "1"),
            "configurationItemMD5Hash": "",
            "arn": item["ARN"],
            "resourceType": item["resourceType"],
            "resourceId": item["resourceId"],
            "resourceName": item.get("resourceName", item["resourceId"]),
            "awsRegion": item["awsRegion"],
            "availabilityZone": "Regional",
            "tags": item.get("tags", {}),
            "relatedEvents": [],
            "relationships": [],
            # null for a deleted resource, as Config records it
            "configuration": None if item["configuration"] is None else json.dumps(item["configuration"]),
            "supplementaryConfiguration": {},
        }


_SELECT = re.compile(r"^SELECT (?P<fields>[\w.]+(?:, [\w.]+)*) WHERE (?P<where>.+)$")
_CONDITION = re.compile(r"^(?P<field>[\w.]+) (?:= '(?P<value>[^']*)'|IN \((?P<values>'[^']*'(?:, '[^']*')*)\))$")


def _parse_query(expression: str) -> tuple[list[str], list[tuple[str, set[str]]]]:
    match = _SELECT.match(expression)
    if not match:
        raise AwsError("InvalidExpressionException", f"Invalid expression: {expression!r}")
    conditions = []
    for text in match["where"].split(" AND "):
        condition = _CONDITION.match(text)
        if not condition:
            raise AwsError("InvalidExpressionException", f"Invalid condition: {text!r}")
        if condition["value"] is not None:
            values = {condition["value"]}
        else:
            values = {v.strip()[1:-1] for v in condition["values"].split(",")}
        conditions.append((condition["field"], values))
    return match["fields"].split(", "), conditions


def _dig(record: dict[str, Any], field: str) -> Any:
    node: Any = record
    for part in field.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _project(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The selected properties, dotted ones nested, as the advanced query returns them."""
    projected: dict[str, Any] = {}
    for name in fields:
        value = _dig(record, name)
        if value is None:
            continue
        *parents, leaf = name.split(".")
        node = projected
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return projected


def moto_acm_source(account_id: str = "123456789012") -> Callable[[str], list[dict[str, Any]]]:
    """Certificates from moto's in-process ACM backend, for :class:`FakeAcm`."""

    def source(region: str) -> list[dict[str, Any]]:
        from moto.acm.models import acm_backends

        backend = acm_backends[account_id][region]
        certificates = []
        for bundle in backend.list_certificates([], {}):  # moto's own listing: no filter, no paging
            described = bundle.describe()["Certificate"]
            described["InUse"] = bool(described.get("InUseBy"))
            if described.get("Status") in NEVER_ISSUED:  # moto dates them anyway; ACM does not
                described.pop("NotAfter", None)
                described.pop("NotBefore", None)
            certificates.append(described)
        return certificates

    return source


def _summary(certificate: Mapping[str, Any], fields: tuple[str, ...] = SUMMARY_FIELDS) -> dict[str, Any]:
    summary = {k: certificate[k] for k in fields if k in certificate}
    if "CertificateKeyPairOrigin" in fields:
        summary["CertificateKeyPairOrigin"] = key_pair_origin(certificate)
    if "KeyAlgorithm" in fields:
        summary["KeyAlgorithm"] = _underscore(certificate.get("KeyAlgorithm"))
    if "InUse" in fields and "InUse" not in summary:
        summary["InUse"] = bool(certificate.get("InUseBy"))
    return summary


def key_pair_origin(certificate: Mapping[str, Any]) -> str:
    """The origin the double answers with: the certificate's own, else ACM's key pair for a requested
    certificate and the importer's for an imported one (the latter an assumption: ACM documents the
    values, AWS_MANAGED, CUSTOMER_PROVIDED and ACME, not which an imported certificate gets)."""
    default = "CUSTOMER_PROVIDED" if certificate.get("Type") == "IMPORTED" else "AWS_MANAGED"
    return str(certificate.get("CertificateKeyPairOrigin", default))


def _moment(value: Any) -> datetime | None:
    """A certificate date as the doubles' sources hold it: epoch seconds or a datetime."""
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None


def _underscore(key_algorithm: Any) -> str:
    return str(key_algorithm or "").replace("-", "_")


def _hyphen(key_algorithm: Any) -> str:
    return _underscore(key_algorithm).replace("_", "-", 1)


def encode_token(index: int) -> str:
    return base64.b64encode(json.dumps({"i": index}).encode()).decode()


def decode_token(token: Any) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["i"])
    except (ValueError, KeyError, TypeError):
        raise AwsError("InvalidNextTokenException", "The next token is invalid.") from None


def _text(body: Any) -> str:
    return body.decode() if isinstance(body, bytes) else str(body or "")


def _params(request: Any) -> dict[str, Any]:
    body = request.body
    if isinstance(body, bytes):
        body = body.decode()
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(body))
    return parsed if isinstance(parsed, dict) else {}


def _region(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0]
    parts = host.split(".")
    return parts[1] if len(parts) > 3 else "us-east-1"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _response(request: Any, status: int, body: bytes, headers: dict[str, str] | None = None) -> AWSResponse:
    return AWSResponse(request.url, status, headers or {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))


def _error_response(request: Any, service: str, error: AwsError) -> AWSResponse:
    if isinstance(error, NotAws):
        return _response(request, error.status, error.page.encode(), {"Content-Type": "text/html; charset=utf-8"})
    if service == "ec2":  # EC2's own XML error shape
        xml = (
            f"<Response><Errors><Error><Code>{error.code}</Code><Message>{error.message}</Message></Error>"
            "</Errors><RequestID>r</RequestID></Response>"
        )
        return _response(request, error.status, xml.encode(), {"Content-Type": "text/xml"})
    if service in ("sts", "route53"):  # the query and REST-XML protocols: XML errors
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{error.code}</Code>"
            f"<Message>{error.message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
        )
        return _response(request, error.status, xml.encode(), {"Content-Type": "text/xml"})
    body = json.dumps({"__type": error.code, "message": error.message}).encode()
    return _response(
        request, error.status, body, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": error.code}
    )
