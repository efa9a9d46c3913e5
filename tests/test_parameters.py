"""daysToExpiration and securityHubFindings: what is accepted, and the error for everything else."""

from __future__ import annotations

import pytest

from acm_expiry.errors import InvalidParameterError
from acm_expiry.parameters import RuleParameters, parse_parameters


@pytest.mark.parametrize(
    ("raw", "days"),
    [
        ({}, 30),
        ({"daysToExpiration": "30"}, 30),
        ({"daysToExpiration": " 14 \n"}, 14),
        ({"daysToExpiration": 1}, 1),
        ({"daysToExpiration": "3650"}, 3650),
        ({"daysToExpiration": 90.0}, 90),
    ],
)
def test_accepted_days(raw: dict[str, object], days: int) -> None:
    assert parse_parameters(raw).days_to_expiration == days


@pytest.mark.parametrize(
    "value", ["abc", "0", "-5", "1.5", "100000", "", "  ", "3651", "1e3", "٣٠", 0, -1, 1.5, True, [30]]
)
def test_rejected_days_name_the_parameter_the_value_and_the_range(value: object) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        parse_parameters({"daysToExpiration": value})
    message = str(raised.value)
    assert "daysToExpiration" in message
    assert repr(value) in message
    assert "from 1 to 3650" in message


def test_rdklib_parameters_pass_through_untouched() -> None:
    raw = {
        "daysToExpiration": "45",
        "AssumeRoleMode": "false",
        "ExecutionRoleName": "x",
        "ExecutionRoleRegion": "eu-west-1",
    }
    assert parse_parameters(raw) == RuleParameters(45, False)
    assert raw["AssumeRoleMode"] == "false"


@pytest.mark.parametrize(
    ("value", "flag"), [(None, False), ("true", True), ("FALSE", False), (" True ", True), (True, True)]
)
def test_security_hub_flag(value: object, flag: bool) -> None:
    raw = {} if value is None else {"securityHubFindings": value}
    assert parse_parameters(raw).security_hub_findings is flag


@pytest.mark.parametrize("value", ["yes", "1", "", "on"])
def test_security_hub_flag_rejects_anything_else(value: str) -> None:
    with pytest.raises(InvalidParameterError, match="securityHubFindings"):
        parse_parameters({"securityHubFindings": value})


@pytest.mark.parametrize("name", ["daysToExpiraton", "DaysToExpiration", "days"])
def test_an_unknown_parameter_is_refused_by_name(name: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"'{name}' is not known.*daysToExpiration"):
        parse_parameters({name: "14"})
