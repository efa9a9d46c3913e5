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
