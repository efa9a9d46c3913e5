"""Property-based tests of the handler's event checking (issue 3, point 5).

Hypothesis builds valid AWS Config events for ACM certificates (change, oversized change and
scheduled notifications, every accepted ``notAfter`` form, any rule parameters the rule accepts)
and malformed ones made by breaking exactly one thing in a valid event.

- A valid event gets the verdict of the scenario table, worked out here by a small oracle written
  from the table (not by calling ``acm_expiry.verdict.judge``), and Config receives exactly that.
- A malformed event raises a :class:`RuleError` whose message names what was wrong, and nothing
  at all is asked of AWS (not even STS), so no evaluation is sent.

Each run draws 450 valid change + 100 valid scheduled + 650 malformed = 1,200 events, plus 20
fixed malformed ones. The ``aws`` fixture's clock is fixed and every generated ``notAfter`` is a
whole second (or carries an exact fraction) from it, so window edges are exact, never flaky.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from acm_expiry.errors import InvalidParameterError, MalformedEventError, RuleError
from acm_expiry_cli.sample_events import change_event, oversized_event, scheduled_event
from tests.conftest import World
from tests.support.inventory import config_item

RESOURCE_TYPE = "AWS::ACM::Certificate"
ACCOUNT = "123456789012"
DAY = timedelta(days=1)
DEFAULT_DAYS = 30

CHANGE = "ConfigurationItemChangeNotification"
OVERSIZED = "OversizedConfigurationItemChangeNotification"
SCHEDULED = "ScheduledNotification"

CERTIFICATE_STATUSES = (
    "ISSUED",
    "EXPIRED",
    "REVOKED",
    "INACTIVE",
    "PENDING_VALIDATION",
    "VALIDATION_TIMED_OUT",
    "FAILED",
)
NEVER_ISSUED = frozenset({"PENDING_VALIDATION", "VALIDATION_TIMED_OUT", "FAILED"})
CERTIFICATE_TYPES = ("IMPORTED", "AMAZON_ISSUED", "PRIVATE")
KEY_TYPES = ("RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1")
PRESENT_ITEM_STATUSES = ("OK", "ResourceDiscovered")
DELETED_ITEM_STATUSES = ("ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded")


def examples(count: int) -> settings:
    """``count`` examples; the ``aws`` fixture is shared by a test's examples (see :func:`fresh`)."""
    return settings(
        max_examples=count,
        deadline=None,
        database=None,  # nothing written into the repository; a failure prints its reproduction blob
        print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def fresh(aws: World) -> None:
    """One ``aws`` fixture serves every example of a test: forget what the previous one did."""
    aws.config.put_calls.clear()
    aws.config.results.clear()
    aws.config.history.clear()
    aws.doubles.requests.clear()
    aws.logs.clear()
    aws.acm.source = lambda region: []


# --- the oracle: the scenario table, written out independently of acm_expiry.verdict -------------


def expected_compliance(
    status: str | None, not_after: datetime | None, now: datetime, days: int, *, applicable: bool = True
) -> str:
    if not applicable:  # 1. deleted, or the event left scope
        return "NOT_APPLICABLE"
    if status in NEVER_ISSUED:  # 2. never issued
        return "NOT_APPLICABLE"
    # 3./4. ACM's own word, with or without a date (the table's code and test_verdict agree that an
    # EXPIRED or REVOKED certificate without notAfter is NON_COMPLIANT, not row 2's NOT_APPLICABLE).
    if status in ("EXPIRED", "REVOKED"):
        return "NON_COMPLIANT"
    if not_after is None:  # 2. no notAfter
        return "NOT_APPLICABLE"
    if not_after <= now:  # 3. expired by date
        return "NON_COMPLIANT"
    if not_after - now <= days * DAY:  # 5. inside the window (edge inclusive)
        return "NON_COMPLIANT"
    return "COMPLIANT"  # 6.


# --- valid parts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotAfter:
    """A notAfter ``offset`` (plus ``micros``) from the fixed clock, written in one accepted form."""

    offset: int  # whole seconds from aws.now
    form: str
    micros: int = 0  # sub-second part the form carries (fraction digits, milliseconds)
    fraction: str = ""
    zone_minutes: int = 0
    zone_colon: bool = True
    zulu: str = "Z"
    separator: str = "T"

    def instant(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.offset, microseconds=self.micros)

    def render(self, now: datetime) -> str | int | float:
        whole = now + timedelta(seconds=self.offset)
        epoch = int(whole.timestamp())
        if self.form == "epoch_seconds":
            return epoch
        if self.form == "epoch_seconds_float":
            return float(epoch)
        if self.form == "epoch_seconds_string":
            return str(epoch)
        if self.form == "epoch_millis":
            return epoch * 1000 + self.micros // 1000
        if self.form == "epoch_millis_string":
            return str(epoch * 1000 + self.micros // 1000)
        fraction = f".{self.fraction}" if self.fraction else ""
        if self.form == "iso_zulu":
            return f"{whole:%Y-%m-%d}{self.separator}{whole:%H:%M:%S}{fraction}{self.zulu}"
        if self.form == "iso_naive":  # no zone: UTC, as every AWS timestamp
            return f"{whole:%Y-%m-%d}{self.separator}{whole:%H:%M:%S}{fraction}"
        assert self.form == "iso_offset"
        local = whole.astimezone(timezone(timedelta(minutes=self.zone_minutes)))
        sign = "-" if self.zone_minutes < 0 else "+"
        hours, minutes = divmod(abs(self.zone_minutes), 60)
        zone = f"{sign}{hours:02d}{':' if self.zone_colon else ''}{minutes:02d}"
        return f"{local:%Y-%m-%d}{self.separator}{local:%H:%M:%S}{fraction}{zone}"


EPOCH_FORMS = ("epoch_seconds", "epoch_seconds_float", "epoch_seconds_string", "epoch_millis", "epoch_millis_string")
ISO_FORMS = ("iso_zulu", "iso_naive", "iso_offset")


@st.composite
def not_after_values(draw: st.DrawFn, days: int) -> NotAfter:
    window = days * 86400
    region = draw(st.sampled_from(["outside", "inside", "expired", "edge", "near edge"]))
    if region == "outside":  # beyond the window: COMPLIANT unless ACM says otherwise
        offset = draw(st.integers(window + 1, window + 4000 * 86400))
    elif region == "inside":  # inside the window, not yet expired
        offset = draw(st.integers(1, window))
    elif region == "expired":
        offset = draw(st.integers(-3650 * 86400, 0))
    else:  # a few seconds, or a day or two, around expiry or the window's edge (both inclusive)
        edge = draw(st.sampled_from([window, 0]))
        spread = 3 if region == "edge" else 2 * 86400
        offset = edge + draw(st.integers(-spread, spread))
    form = draw(st.sampled_from(EPOCH_FORMS + ISO_FORMS))
    if form in ("epoch_millis", "epoch_millis_string"):
        millis = draw(st.one_of(st.just(0), st.integers(0, 999)))
        return NotAfter(offset, form, micros=millis * 1000)
    if form in EPOCH_FORMS:
        return NotAfter(offset, form)
    fraction = draw(
        st.one_of(st.just(""), st.text("0", min_size=1, max_size=9), st.text("0123456789", min_size=1, max_size=9))
    )
    micros = int((fraction + "000000")[:6]) if fraction else 0  # the rule keeps microseconds, drops the rest
    return NotAfter(
        offset,
        form,
        micros=micros,
        fraction=fraction,
        zone_minutes=draw(st.integers(-12 * 4, 14 * 4).map(lambda q: q * 15)),
        zone_colon=draw(st.booleans()),
        zulu=draw(st.sampled_from(["Z", "z"])),
        separator=draw(st.sampled_from(["T", "T", " "])),
    )


@dataclass(frozen=True)
class Days:
    """The daysToExpiration parameter, as it appears (or not) in ruleParameters."""

    value: int | None  # None: no daysToExpiration key
    written: object = None  # what the event carries

    @property
    def effective(self) -> int:
        return DEFAULT_DAYS if self.value is None else self.value


@st.composite
def days_parameters(draw: st.DrawFn) -> Days:
    value = draw(st.one_of(st.none(), st.integers(1, 3650), st.sampled_from([1, 14, 30, 365, 3650])))
    if value is None:
        return Days(None)
    whitespace = st.text(" \t\n", max_size=3)
    written = draw(
        st.one_of(
            st.just(str(value)),
            st.tuples(whitespace, whitespace).map(lambda w: f"{w[0]}{value}{w[1]}"),
            st.just(value),
            st.just(float(value)),
        )
    )
    return Days(value, written)


@st.composite
def rule_parameters(draw: st.DrawFn, days: Days, assume_role: bool | None = None) -> dict[str, Any] | None:
    """None: the event has no ruleParameters key at all. ``assume_role`` None: either mode."""
    if assume_role is None:
        assume_role = draw(st.booleans())
    if assume_role:
        mode = draw(st.sampled_from([None, None, "true", "TRUE"]))
    else:
        mode = draw(st.sampled_from(["false", "False", "FALSE"]))
    if days.value is None and mode is None and draw(st.booleans()):
        return None
    parameters: dict[str, Any] = {}
    if days.value is not None:
        parameters["daysToExpiration"] = days.written
    if mode is not None:
        parameters["AssumeRoleMode"] = mode
    if draw(st.booleans()):
        parameters["securityHubFindings"] = draw(st.sampled_from(["false", "FALSE", False]))
    return parameters


domain_names = st.one_of(
    st.sampled_from(["example.com", "www.example.com", "*.example.com"]),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-.*", min_size=1, max_size=253),
    st.just("a" * 253),
)
certificate_ids = st.uuids().map(str)


@dataclass(frozen=True)
class Configuration:
    """What Config records about one certificate, before rendering against the clock."""

    certificate_id: str
    domain_name: str
    status: str
    type: str
    key_algorithm: str | None
    not_after: NotAfter | None
    not_after_absent_as: str  # "missing" key, JSON "null" or "empty" string when there is no notAfter
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/{self.certificate_id}"

    def described(self, now: datetime) -> dict[str, Any]:
        """The same certificate as ACM's DescribeCertificate tells it."""
        renewal = self.extra.get("renewalSummary") or {}
        described: dict[str, Any] = {
            "CertificateArn": self.arn,
            "DomainName": self.domain_name,
            "Status": self.status,
            "Type": self.type,
            "KeyAlgorithm": self.key_algorithm,
            "RenewalEligibility": self.extra.get("renewalEligibility"),
            "CertificateKeyPairOrigin": self.extra.get("certificateKeyPairOrigin"),
        }
        if self.not_after is not None:
            described["NotAfter"] = self.not_after.instant(now).timestamp()
        if renewal.get("renewalStatus"):
            described["RenewalSummary"] = {"RenewalStatus": renewal["renewalStatus"]} | (
                {"RenewalStatusReason": renewal["renewalStatusReason"]} if renewal.get("renewalStatusReason") else {}
            )
        return {k: v for k, v in described.items() if v is not None}

    def render(self, now: datetime) -> dict[str, Any]:
        configuration: dict[str, Any] = {
            "certificateArn": self.arn,
            "domainName": self.domain_name,
            "status": self.status,
            "type": self.type,
        } | self.extra
        if self.key_algorithm is not None:
            configuration["keyAlgorithm"] = self.key_algorithm
        if self.not_after is not None:
            configuration["notAfter"] = self.not_after.render(now)
        elif self.not_after_absent_as == "null":
            configuration["notAfter"] = None
        elif self.not_after_absent_as == "empty":
            configuration["notAfter"] = ""
        return configuration


def asks_acm(spec: ChangeSpec, not_after: datetime | None, now: datetime) -> bool:
    """The oracle of when the change path must ask ACM: where the item cannot decide."""
    configuration = spec.configuration
    if not spec.applicable or configuration.status in NEVER_ISSUED:
        return False
    if not_after is None:
        return True
    if configuration.status == "REVOKED" and not_after > now and not configuration.extra.get("revokedAt"):
        return True  # the annotation names the revocation date, which Config's schema does not record
    compliance = expected_compliance(configuration.status, not_after, now, spec.days.effective)
    if (
        compliance == "NON_COMPLIANT"
        and not configuration.extra.get("certificateKeyPairOrigin")
        and configuration.type != "IMPORTED"
    ):
        return True  # an ACME-issued certificate gets other advice, and is never told to be deleted
    renewal = configuration.extra.get("renewalSummary") or {}
    return (
        configuration.status not in ("EXPIRED", "REVOKED")
        and timedelta(0) < not_after - now <= spec.days.effective * DAY
        and configuration.type in ("AMAZON_ISSUED", "PRIVATE")
        and configuration.extra.get("renewalEligibility") != "INELIGIBLE"
        # unknown, or FAILED without the reason the advice names
        and (
            renewal.get("renewalStatus") is None
            or (renewal["renewalStatus"] == "FAILED" and not renewal.get("renewalStatusReason"))
        )
    )


def key_algorithms() -> st.SearchStrategy[str]:
    return st.sampled_from(KEY_TYPES).flatmap(lambda k: st.sampled_from([k, k.replace("_", "-", 1)]))


@st.composite
def configurations(draw: st.DrawFn, days: int) -> Configuration:
    # What decides the verdict is drawn first: hypothesis leans to the simplest choices late in a
    # long example, so what comes last is the least varied.
    status = draw(st.sampled_from(("ISSUED", "ISSUED", *CERTIFICATE_STATUSES)))  # ISSUED thrice as likely
    # ACM dates only issued certificates; Config may still carry a date for any status, so both occur.
    dated = draw(st.booleans()) if status in NEVER_ISSUED else draw(st.integers(0, 5)) < 5
    not_after = draw(not_after_values(days)) if dated else None
    certificate_type = draw(st.sampled_from(CERTIFICATE_TYPES))
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        extra["inUseBy"] = draw(
            st.lists(st.just("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/x"), max_size=2)
        )
    if draw(st.booleans()):
        extra["renewalEligibility"] = draw(st.sampled_from(["ELIGIBLE", "INELIGIBLE", None]))
    if draw(st.booleans()):
        renewal: dict[str, Any] = {
            "renewalStatus": draw(st.sampled_from(["PENDING_AUTO_RENEWAL", "PENDING_VALIDATION", "SUCCESS", "FAILED"]))
        }
        if draw(st.booleans()):
            renewal["renewalStatusReason"] = draw(
                st.sampled_from(["NO_AVAILABLE_CONTACTS", "CAA_ERROR", "OTHER", "SOMETHING_NEW"])
            )
        extra["renewalSummary"] = draw(st.sampled_from([renewal, None]))
    if draw(st.booleans()):  # Config's resource schema is unverified: the item may or may not carry it
        extra["certificateKeyPairOrigin"] = draw(st.sampled_from(["AWS_MANAGED", "CUSTOMER_PROVIDED", "ACME"]))
    if status == "REVOKED" and draw(st.booleans()):
        extra["revokedAt"] = "2026-01-02T03:04:05Z"
        extra["revocationReason"] = "KEY_COMPROMISE"
    return Configuration(
        certificate_id=draw(certificate_ids),
        domain_name=draw(domain_names),
        status=status,
        type=certificate_type,
        key_algorithm=draw(st.one_of(st.none(), key_algorithms())),
        not_after=not_after,
        not_after_absent_as=draw(st.sampled_from(["missing", "null", "empty"])),
        extra=extra,
    )


@dataclass(frozen=True)
class ChangeSpec:
    message_type: str  # CHANGE or OVERSIZED
    item_status: str
    left_scope: bool
    configuration: Configuration
    days: Days
    parameters: dict[str, Any] | None

    @property
    def applicable(self) -> bool:
        return self.item_status in PRESENT_ITEM_STATUSES and not self.left_scope

    def event(self, aws: World) -> dict[str, Any]:
        rendered = self.configuration.render(aws.now)
        described = self.configuration.described(aws.now)
        aws.acm.source = lambda region: [described]  # ACM knows what Config recorded
        item = config_item(rendered, aws.now, status=self.item_status)
        if self.message_type == OVERSIZED:
            aws.config.record_history(item)
            event = oversized_event(item, aws.now, parameters=self.parameters or {})
        else:
            event = change_event(item, aws.now, parameters=self.parameters or {})
        event["eventLeftScope"] = self.left_scope
        if self.parameters is None:
            del event["ruleParameters"]
        return event


@st.composite
def change_specs(
    draw: st.DrawFn,
    message_types: tuple[str, ...] = (CHANGE, CHANGE, CHANGE, OVERSIZED),
    item_statuses: tuple[str, ...] = PRESENT_ITEM_STATUSES * 4 + DELETED_ITEM_STATUSES,
    assume_role: bool | None = None,
) -> ChangeSpec:
    item_status = draw(st.sampled_from(item_statuses))
    left_scope = draw(st.integers(0, 7)) == 7
    days = draw(days_parameters())
    return ChangeSpec(
        message_type=draw(st.sampled_from(message_types)),
        item_status=item_status,
        left_scope=left_scope,
        configuration=draw(configurations(days.effective)),
        days=days,
        parameters=draw(rule_parameters(days, assume_role)),
    )


@dataclass(frozen=True)
class AcmCertificate:
    """One certificate as FakeAcm serves it (DescribeCertificate form)."""

    certificate_id: str
    status: str
    type: str
    key_algorithm: str
    not_after: int | None  # seconds from aws.now

    @property
    def arn(self) -> str:
        return f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/{self.certificate_id}"

    def render(self, now: datetime) -> dict[str, Any]:
        described: dict[str, Any] = {
            "CertificateArn": self.arn,
            "DomainName": "periodic.example.com",
            "Status": self.status,
            "Type": self.type,
            "KeyAlgorithm": self.key_algorithm,
            "InUseBy": [],
        }
        if self.not_after is not None:
            described["NotAfter"] = (now + timedelta(seconds=self.not_after)).timestamp()
        return described


@st.composite
def acm_certificates(draw: st.DrawFn, days: int) -> AcmCertificate:
    status = draw(st.sampled_from(CERTIFICATE_STATUSES))
    not_after = None if status in NEVER_ISSUED else draw(not_after_values(days)).offset
    return AcmCertificate(
        certificate_id=draw(certificate_ids),
        status=status,
        type=draw(st.sampled_from(CERTIFICATE_TYPES)),
        key_algorithm=draw(key_algorithms()),
        not_after=not_after,
    )


@dataclass(frozen=True)
class ScheduledSpec:
    certificates: list[AcmCertificate]
    days: Days
    parameters: dict[str, Any] | None

    def event(self, aws: World) -> dict[str, Any]:
        inventory = [c.render(aws.now) for c in self.certificates]
        aws.acm.source = lambda region: inventory
        event = scheduled_event(aws.now, parameters=self.parameters or {})
        if self.parameters is None:
            del event["ruleParameters"]
        return event


@st.composite
def scheduled_specs(draw: st.DrawFn) -> ScheduledSpec:
    days = draw(days_parameters())
    certificates = draw(st.lists(acm_certificates(days.effective), max_size=4, unique_by=lambda c: c.certificate_id))
    return ScheduledSpec(certificates, days, draw(rule_parameters(days)))


# --- malformed: one valid event, one thing broken -------------------------------------------------

not_strings = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.just(""),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
not_objects = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=2),
)
not_booleans = st.one_of(
    st.integers(),
    st.none(),
    st.sampled_from(["true", "false", "True", ""]),
    st.lists(st.booleans(), max_size=1),
)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


non_json_texts = st.one_of(
    st.sampled_from(["", "{", "not json", "{'daysToExpiration': '30'}", '{"a": 1,}', "undefined", "{}}"]),
    st.text(max_size=20).filter(lambda t: not _is_json(t)),
)
json_non_objects = st.one_of(
    st.integers(), st.text(max_size=10), st.none(), st.booleans(), st.lists(st.integers(), max_size=3)
).map(json.dumps)
not_timestamps = st.one_of(
    st.sampled_from(["yesterday", "2026-13-45T99:99:99Z", "soon", "-", "2026/01/01"]),
    st.text("abcxyz!?", min_size=1, max_size=10),
)
bad_days = st.one_of(
    st.sampled_from(["abc", "0", "-5", "1.5", "100000", "", " ", "3651", "+5", "1e3", "٣٠", "30 days"]),
    st.sampled_from([0, -5, 1.5, 100000, 3651, True, False, [30], {"days": 30}]),
    st.integers(max_value=0),
    st.integers(min_value=3651),
)


@dataclass(frozen=True)
class Mutation:
    """Break one thing: ``where`` is the part of the event, ``key`` the field, ``value`` its new value."""

    where: str  # whole | event | invoking | item | summary | configuration | parameters
    key: str
    value: Any = None
    drop: bool = False
    names: str = ""  # what the error must name; defaults to key
    error: type[RuleError] = MalformedEventError

    def apply(self, config_event: dict[str, Any]) -> Any:
        if self.where == "whole":
            return self.value
        if self.where == "event":
            self._set(config_event)
            return config_event
        if self.where == "parameters":
            parameters = json.loads(config_event.get("ruleParameters") or "{}")
            self._set(parameters)
            config_event["ruleParameters"] = json.dumps(parameters)
            return config_event
        invoking = json.loads(config_event["invokingEvent"])
        target = {
            "invoking": lambda: invoking,
            "item": lambda: invoking["configurationItem"],
            "summary": lambda: invoking["configurationItemSummary"],
            "configuration": lambda: invoking["configurationItem"]["configuration"],
        }[self.where]()
        self._set(target)
        config_event["invokingEvent"] = json.dumps(invoking)
        return config_event

    def _set(self, target: dict[str, Any]) -> None:
        if self.drop:
            target.pop(self.key, None)
        else:
            target[self.key] = self.value


def drop(where: str, key: str) -> st.SearchStrategy[Mutation]:
    return st.just(Mutation(where, key, drop=True))


def set_to(where: str, key: str, values: st.SearchStrategy[Any], **kwargs: Any) -> st.SearchStrategy[Mutation]:
    return values.map(lambda value: Mutation(where, key, value, **kwargs))


@functools.cache  # built once per combination: hypothesis validates a new strategy on first use
def mutations(kind: str, item_present: bool, assume_role: bool) -> st.SearchStrategy[Mutation]:
    """Every way to break an event of ``kind`` (change, oversized or scheduled)."""
    options = [
        drop("event", "invokingEvent"),
        set_to("event", "invokingEvent", non_json_texts | json_non_objects | not_objects.filter(_not_str)),
        set_to("event", "ruleParameters", non_json_texts | json_non_objects),
        set_to("event", "ruleParameters", not_objects.filter(_not_str)),
        drop("event", "resultToken"),
        set_to("event", "resultToken", not_strings),
        drop("invoking", "messageType"),
        set_to("invoking", "messageType", st.text(max_size=40).filter(lambda t: not t.endswith("Notification"))),
        set_to("invoking", "messageType", st.sampled_from(["ConfigurationSnapshotDeliveryCompleted", CHANGE.lower()])),
        set_to("invoking", "messageType", not_strings),
        # AssumeRoleMode and friends are read by rdklib as strings.
        *(
            set_to("parameters", key, not_strings.filter(_not_str))
            for key in ("AssumeRoleMode", "ExecutionRoleName", "ExecutionRoleRegion")
        ),
        set_to("parameters", "daysToExpiration", bad_days, error=InvalidParameterError),
        set_to(
            "parameters",
            "securityHubFindings",
            st.sampled_from(["yes", "1", "", 1, [True]]),
            error=InvalidParameterError,
        ),
    ]
    if assume_role:  # the role to assume, or its account for ExecutionRoleName
        options += [
            drop("event", "executionRoleArn"),
            set_to("event", "executionRoleArn", not_strings),
            set_to("event", "executionRoleArn", st.sampled_from(["role", "arn:aws:iam::1:root", "config-role/x"])),
        ]
    if kind == SCHEDULED:  # the rule's earlier results, and the evaluations' ordering timestamp
        options += [
            drop("event", "configRuleName"),
            set_to("event", "configRuleName", not_strings),
            drop("invoking", "notificationCreationTime"),
            set_to("invoking", "notificationCreationTime", not_strings),
            set_to("invoking", "notificationCreationTime", not_timestamps),
        ]
    if kind in (CHANGE, OVERSIZED):  # absent means false; present, it must say which
        options.append(set_to("event", "eventLeftScope", not_booleans))
    if kind == CHANGE:
        options += [
            drop("invoking", "configurationItem"),
            set_to("invoking", "configurationItem", not_objects),
            *(
                drop("item", key)
                for key in ("resourceType", "resourceId", "configurationItemStatus", "configurationItemCaptureTime")
            ),
            *(
                set_to("item", key, not_strings)
                for key in ("resourceType", "resourceId", "configurationItemStatus", "configurationItemCaptureTime")
            ),
            set_to(
                "item", "configurationItemStatus", st.sampled_from(["Deleted", "ok", "UNKNOWN", "ResourceDeleted "])
            ),
            set_to("item", "configurationItemCaptureTime", not_timestamps),
        ]
        if item_present:
            options += [
                drop("item", "configuration"),
                set_to("item", "configuration", not_objects),
                drop("configuration", "status"),
                set_to("configuration", "status", not_strings),
                set_to(
                    "configuration",
                    "notAfter",
                    st.one_of(
                        st.booleans(), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(), st.text())
                    ),
                ),
                *(
                    set_to("configuration", key, not_strings.filter(lambda v: v is not None and v != ""))
                    for key in ("type", "domainName", "keyAlgorithm", "renewalEligibility", "certificateArn")
                ),
                set_to("configuration", "renewalSummary", not_objects.filter(lambda v: v is not None)),
                set_to(
                    "configuration", "inUseBy", not_objects.filter(lambda v: v is not None and not isinstance(v, list))
                ),
            ]
    if kind == OVERSIZED:
        options += [
            drop("invoking", "configurationItemSummary"),
            set_to("invoking", "configurationItemSummary", not_objects),
            *(drop("summary", key) for key in ("resourceType", "resourceId")),
            *(set_to("summary", key, not_strings) for key in ("resourceType", "resourceId")),
        ]
    options.append(
        st.sampled_from([[], "event", 42, None, "{}"]).map(lambda v: Mutation("whole", "event", v, names="event"))
    )
    return st.one_of(options)


def _not_str(value: object) -> bool:
    return not isinstance(value, str)


@st.composite
def malformed_events(draw: st.DrawFn) -> tuple[ChangeSpec | ScheduledSpec, Mutation]:
    # The mutation is drawn before the (long) valid event, so its choice stays varied.
    kind = draw(st.sampled_from([CHANGE, CHANGE, OVERSIZED, SCHEDULED]))
    item_present = kind == CHANGE and draw(st.integers(0, 3)) > 0
    assume_role = draw(st.booleans())
    mutation = draw(mutations(kind, item_present, assume_role))
    spec: ChangeSpec | ScheduledSpec
    if kind == SCHEDULED:
        days = draw(days_parameters())
        spec = ScheduledSpec([], days, draw(rule_parameters(days, assume_role)))
    else:
        statuses = PRESENT_ITEM_STATUSES if item_present else DELETED_ITEM_STATUSES
        if kind == OVERSIZED:
            statuses = PRESENT_ITEM_STATUSES + DELETED_ITEM_STATUSES
        spec = draw(change_specs(message_types=(kind,), item_statuses=statuses, assume_role=assume_role))
    return spec, mutation


# --- the properties ---------------------------------------------------------------------------------


def _check_sent(aws: World, expected: dict[str, str]) -> None:
    sent = aws.config.sent
    assert len(sent) == len(expected), sent
    assert {e["ComplianceResourceId"]: e["ComplianceType"] for e in sent} == expected
    for evaluation in sent:
        assert evaluation["ComplianceResourceType"] == RESOURCE_TYPE
        assert evaluation["OrderingTimestamp"]
        annotation = evaluation.get("Annotation")
        assert annotation is None or 1 <= len(annotation) <= 256
    assert not [e for e in sent if e.get("Annotation") is None and e["ComplianceType"] != "NOT_APPLICABLE"]
    (line,) = aws.log_lines()
    assert line["outcome"] == "ok"


@examples(450)
@given(spec=change_specs())
def test_valid_change_events_get_the_scenario_tables_verdict(aws: World, spec: ChangeSpec) -> None:
    fresh(aws)
    config_event = spec.event(aws)
    returned = aws.run(config_event)

    configuration = spec.configuration
    not_after = configuration.not_after.instant(aws.now) if configuration.not_after else None
    compliance = expected_compliance(
        configuration.status, not_after, aws.now, spec.days.effective, applicable=spec.applicable
    )
    event(f"{spec.message_type[:9]} -> {compliance}")
    (evaluation,) = aws.config.sent
    assert evaluation["ComplianceResourceId"] == configuration.arn
    assert evaluation["ComplianceResourceType"] == RESOURCE_TYPE
    assert evaluation["ComplianceType"] == compliance, (configuration.status, not_after, aws.now, spec.days)
    # The item's capture time (config_item writes aws.now), as botocore serialises it: epoch seconds.
    assert evaluation["OrderingTimestamp"] == aws.now.timestamp()
    if spec.applicable:  # rdklib's own NOT_APPLICABLE for deleted/out-of-scope items carries no text
        assert 1 <= len(evaluation["Annotation"]) <= 256
        _check_annotation_words(evaluation["Annotation"], compliance, configuration.status, not_after, aws.now)
    else:
        assert 1 <= len(evaluation.get("Annotation", "x")) <= 256
    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in returned] == [(configuration.arn, compliance)]
    # ACM is asked exactly where the item cannot decide (the periodic run would ask too).
    asked = [name for name, _ in aws.doubles.requests if name.startswith("acm.")]
    assert asked == (["acm.DescribeCertificate"] if asks_acm(spec, not_after, aws.now) else []), asked
    (line,) = aws.log_lines()
    assert line["outcome"] == "ok"
    assert line["messageType"] == spec.message_type


def _check_annotation_words(
    annotation: str, compliance: str, status: str, not_after: datetime | None, now: datetime
) -> None:
    if status in NEVER_ISSUED:
        assert status in annotation
    elif status == "EXPIRED" and not_after is not None and not_after > now:
        assert annotation.startswith("ACM reports it EXPIRED")
    elif compliance == "NON_COMPLIANT" and (status == "EXPIRED" or (not_after is not None and not_after <= now)):
        assert annotation.startswith("Expired")
    elif status == "REVOKED":
        assert annotation.startswith("Revoked")
    elif compliance == "NON_COMPLIANT":
        assert annotation.startswith(("Expires in ", "Expires within a day "))
    elif compliance == "COMPLIANT":
        assert not_after is not None and annotation.startswith(f"Expires on {not_after:%Y-%m-%d}, outside ")


@examples(100)
@given(spec=scheduled_specs())
def test_valid_scheduled_events_get_the_scenario_tables_verdicts(aws: World, spec: ScheduledSpec) -> None:
    fresh(aws)
    aws.run(spec.event(aws))
    expected = {
        c.arn: expected_compliance(
            c.status,
            None if c.not_after is None else aws.now + timedelta(seconds=c.not_after),
            aws.now,
            spec.days.effective,
        )
        for c in spec.certificates
    }
    _check_sent(aws, expected)


# Run every time, besides what hypothesis draws: the issue's own bad values, and the shapes that
# once got past events.py (a KeyError/TypeError from rdklib, a botocore ParamValidationError, or an
# evaluation sent from a guessed status).
_ISSUED = ChangeSpec(
    CHANGE,
    "OK",
    False,
    Configuration("fixed", "www.example.com", "ISSUED", "IMPORTED", "RSA-2048", NotAfter(86400 * 90, "iso_zulu"), ""),
    Days(None),
    {},
)
_NO_ASSUME = ScheduledSpec([], Days(None), {"AssumeRoleMode": "false"})
FIXED_MALFORMED: list[tuple[ChangeSpec | ScheduledSpec, Mutation]] = [
    *(
        (_ISSUED, Mutation("parameters", "daysToExpiration", value, error=InvalidParameterError))
        for value in ["abc", "0", "-5", "1.5", "100000", "", 1.5, 0, True]
    ),
    (_ISSUED, Mutation("event", "ruleParameters", None)),
    (_NO_ASSUME, Mutation("event", "configRuleName", drop=True)),
    (ScheduledSpec([], Days(None), {}), Mutation("invoking", "notificationCreationTime", "yesterday")),
    (_ISSUED, Mutation("item", "configurationItemCaptureTime", "2026/01/01")),
    (_ISSUED, Mutation("configuration", "status", True)),
    (_ISSUED, Mutation("configuration", "status", drop=True)),
    (_ISSUED, Mutation("configuration", "notAfter", [])),
    (_ISSUED, Mutation("configuration", "type", 7)),
    (_ISSUED, Mutation("configuration", "renewalSummary", "SUCCESS")),
    (_ISSUED, Mutation("item", "configuration", drop=True)),
]


def with_fixed_examples(test: Callable[..., None]) -> Callable[..., None]:
    for case in reversed(FIXED_MALFORMED):
        test = example(case=case)(test)
    return test


@examples(650)
@with_fixed_examples
@given(case=malformed_events())
def test_malformed_events_raise_a_named_error_and_send_nothing(
    aws: World, case: tuple[ChangeSpec | ScheduledSpec, Mutation]
) -> None:
    fresh(aws)
    spec, mutation = case
    event(f"{mutation.where}.{mutation.key} {'dropped' if mutation.drop else 'set'}")
    broken = mutation.apply(spec.event(aws))
    aws.doubles.requests.clear()  # building an oversized event's history is not the handler's doing

    with pytest.raises(RuleError) as raised:
        aws.run(broken)

    error = raised.value
    assert isinstance(error, mutation.error), repr(error)
    named = mutation.names or mutation.key
    assert named in str(error), f"{error!s} does not name {named}"
    assert error.__cause__ is None or isinstance(error.__cause__, RuleError)
    assert aws.config.put_calls == []
    assert aws.doubles.requests == []  # checked before any call: not even STS
    (line,) = aws.log_lines()
    assert line["outcome"] == "error"
    assert named in line["error"]


# --- a few fixed examples the properties rely on, kept as plain tests -----------------------------


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05.123456789Z", datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2030-01-02 05:34:05+0230", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (1893553445, datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("1893553445123", datetime(2030, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)),
    ],
)
def test_not_after_forms_the_strategies_write_are_read_as_meant(value: object, instant: datetime) -> None:
    from acm_expiry.certificate import parse_timestamp

    assert parse_timestamp("notAfter", value) == instant


def test_the_oracle_follows_the_table() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    oracle: Callable[..., str] = expected_compliance
    assert oracle("ISSUED", now + 30 * DAY, now, 30) == "NON_COMPLIANT"  # the edge is inclusive
    assert oracle("ISSUED", now + 30 * DAY + timedelta(microseconds=1), now, 30) == "COMPLIANT"
    assert oracle("ISSUED", now, now, 30) == "NON_COMPLIANT"
    assert oracle("ISSUED", None, now, 30) == "NOT_APPLICABLE"
    assert oracle("EXPIRED", None, now, 30) == "NON_COMPLIANT"
    assert oracle("REVOKED", now + 400 * DAY, now, 30) == "NON_COMPLIANT"
    assert oracle("PENDING_VALIDATION", now + DAY, now, 30) == "NOT_APPLICABLE"
    assert oracle("ISSUED", now + DAY, now, 30, applicable=False) == "NOT_APPLICABLE"
