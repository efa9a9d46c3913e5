"""What counts as an ACM certificate ARN: the one reader every module uses."""

from __future__ import annotations

import pytest

from acm_expiry.arns import CertificateArn, describe_non_arn, is_certificate_arn, parse_certificate_arn

UUID = "12345678-1234-1234-1234-123456789012"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (f"arn:aws:acm:us-east-1:123456789012:certificate/{UUID}", ("aws", "us-east-1", "123456789012", UUID)),
        (f"arn:aws-cn:acm:cn-north-1:123456789012:certificate/{UUID}", ("aws-cn", "cn-north-1", "123456789012", UUID)),
        (
            "arn:aws-iso-b:acm:us-isob-east-1:000000000000:certificate/x",
            ("aws-iso-b", "us-isob-east-1", "000000000000", "x"),
        ),
    ],
)
def test_certificate_arns_are_read_into_their_parts(text: str, parts: tuple[str, str, str, str]) -> None:
    assert parse_certificate_arn(text) == CertificateArn(*parts)
    assert is_certificate_arn(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not-an-arn",
        UUID,
        f"arn:aws:acm:us-east-1:1234:certificate/{UUID}",  # account not 12 digits
        f"arn:aws:iam::123456789012:server-certificate/{UUID}",  # another service
        f"arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/{UUID}",
        f"arn:aws:acm:us-east-1:123456789012:certificate/{UUID}/extra",
        f"arn:aws:acm:us-east-1:123456789012:certificate/{UUID}\n",
        f" arn:aws:acm:us-east-1:123456789012:certificate/{UUID}",
        "arn:aws:acm:us-east-1:123456789012:certificate/" + "a" * 2048,  # longer than ACM's 2048
        None,
        42,
    ],
)
def test_anything_else_is_not_a_certificate_arn(text: object) -> None:
    assert parse_certificate_arn(text) is None
    assert not is_certificate_arn(text)


def test_the_error_words_name_the_value_and_what_was_expected() -> None:
    assert describe_non_arn("i-0abc") == (
        "'i-0abc' is not an ACM certificate ARN (arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>)"
    )
    assert "..." in describe_non_arn("x" * 500) and len(describe_non_arn("x" * 500)) < 200


def test_a_value_about_to_be_sent_as_a_certificate_arn_is_refused_by_name() -> None:
    from acm_expiry.arns import NotACertificateArn, certificate_arn
    from acm_expiry.errors import RuleError

    assert certificate_arn(f"arn:aws:acm:eu-west-1:123456789012:certificate/{UUID}", "X").region == "eu-west-1"
    with pytest.raises(NotACertificateArn) as raised:
        certificate_arn("i-0abc", "DescribeCertificate")
    assert str(raised.value).startswith("DescribeCertificate: 'i-0abc' is not an ACM certificate ARN (arn:")
    assert isinstance(raised.value, RuleError)  # not a ValueError: rdklib does not swallow it


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-abc123",
            ("aws", "eu-west-1", "123456789012", "config-rule-abc123"),
        ),
        (
            "arn:aws-us-gov:config:us-gov-west-1:123456789012:config-rule/aws-service-rule/x.amazonaws.com/r-1",
            ("aws-us-gov", "us-gov-west-1", "123456789012", "aws-service-rule/x.amazonaws.com/r-1"),
        ),
    ],
)
def test_config_rule_arns_are_read_into_their_parts(text: str, parts: tuple[str, str, str, str]) -> None:
    from acm_expiry.arns import ConfigRuleArn, parse_config_rule_arn

    assert parse_config_rule_arn(text) == ConfigRuleArn(*parts)


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:config:us-east-1:123456789012",  # no resource
        "arn:aws:config:us-east-1:12345:config-rule/x",  # account not 12 digits
        "arn:aws:config::123456789012:config-rule/x",  # no region: no product to write to
        f"arn:aws:acm:us-east-1:123456789012:certificate/{UUID}",
        "arn:aws:config:us-east-1:123456789012:config-rule/" + "x" * 256,
        "",
        None,
    ],
)
def test_anything_else_is_not_a_config_rule_arn(text: object) -> None:
    from acm_expiry.arns import parse_config_rule_arn

    assert parse_config_rule_arn(text) is None
