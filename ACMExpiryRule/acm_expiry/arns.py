"""ARNs, read in one place: what an ACM certificate's ARN is, what a Config rule's is, and their parts.

An ACM certificate ARN is ``arn:<partition>:acm:<region>:<account>:certificate/<id>``: ACM's API
model allows ``arn:[\\w+=/,.@-]+:acm:[\\w+=/,.@-]*:[0-9]+:[\\w+=,.@-]+(/[\\w+=,.@-]+)*``, 20 to 2048
characters; an account id is 12 digits, a certificate's resource is ``certificate/<id>``, and the
region must be one a client can be made for (:data:`REGION`).
Anything else (a resource id someone else's rule recorded, a test's placeholder, an empty string)
is not a certificate ACM can be asked about, and callers say so instead of sending it.

A Config rule ARN is ``arn:<partition>:config:<region>:<account>:config-rule/<id>`` (Config's API
model: ``ConfigRuleArn``, 1 to 256 characters); the rule's account and partition name the
Security Hub product its findings go to.

Pure: no boto3, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from acm_expiry.errors import RuleError

ACCOUNT_ID = re.compile(r"[0-9]{12}", re.ASCII)  # an AWS account id: exactly 12 digits
# A Region, as the rule sends it to AWS: a DNS label (botocore refuses anything else with
# InvalidRegionError), lowercase as every Region is. ACM's ARN pattern allows more (``us-east-1/../x``),
# none of which names a Region a client can be made for.
REGION = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_CERTIFICATE_ARN = re.compile(
    r"arn:(?P<partition>[\w+=/,.@-]+):acm:(?P<region>" + REGION + r"):(?P<account>[0-9]{12}):"
    r"certificate/(?P<id>[\w+=,.@-]+)",
    re.ASCII,
)
_CONFIG_RULE_ARN = re.compile(
    r"arn:(?P<partition>[a-z][a-z0-9-]*):config:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"config-rule/(?P<id>[\w+=,.@/-]+)",
    re.ASCII,
)
ARN_LENGTH = (20, 2048)  # ACM's Arn shape: min and max
CONFIG_RULE_ARN_LENGTH = 256  # Config's ConfigRuleArn: at most
EXPECTED = "an ACM certificate ARN (arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>)"
EXPECTED_RULE = "a Config rule ARN (arn:<partition>:config:<region>:<12-digit account>:config-rule/<id>)"


class NotACertificateArn(RuleError):
    """A value was about to be sent to AWS as a certificate ARN, and is not one."""


@dataclass(frozen=True, slots=True)
class CertificateArn:
    partition: str
    region: str
    account: str
    id: str


@dataclass(frozen=True, slots=True)
class ConfigRuleArn:
    partition: str
    region: str
    account: str
    id: str


def parse_certificate_arn(text: object) -> CertificateArn | None:
    """The parts of an ACM certificate ARN, or None when ``text`` is not one."""
    if not isinstance(text, str) or not ARN_LENGTH[0] <= len(text) <= ARN_LENGTH[1]:
        return None
    match = _CERTIFICATE_ARN.fullmatch(text)
    if match is None:
        return None
    return CertificateArn(match["partition"], match["region"], match["account"], match["id"])


def is_certificate_arn(text: object) -> bool:
    return parse_certificate_arn(text) is not None


def certificate_arn(text: object, where: str) -> CertificateArn:
    """The parts of ``text``, which ``where`` is about to send as a certificate ARN.

    Raises :class:`NotACertificateArn`, naming ``where`` and the value, when it is not one.
    """
    parsed = parse_certificate_arn(text)
    if parsed is None:
        raise NotACertificateArn(f"{where}: {describe_non_arn(text)}")
    return parsed


def parse_config_rule_arn(text: object) -> ConfigRuleArn | None:
    """The parts of a Config rule ARN, or None when ``text`` is not one."""
    if not isinstance(text, str) or len(text) > CONFIG_RULE_ARN_LENGTH:
        return None
    match = _CONFIG_RULE_ARN.fullmatch(text)
    if match is None:
        return None
    return ConfigRuleArn(match["partition"], match["region"], match["account"], match["id"])


def describe_non_arn(text: object, expected: str = EXPECTED) -> str:
    """Words for an error: the value (clipped) and what was expected instead."""
    return f"{shown(text)} is not {expected}"


def shown(value: object, limit: int = 80) -> str:
    """``value`` as an error message quotes it: its repr, clipped to about ``limit`` characters."""
    return repr(clip(value, limit)) if isinstance(value, str) else clip(repr(value), limit)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in "..." where it was cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
