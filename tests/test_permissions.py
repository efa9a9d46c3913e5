"""The code calls exactly the actions permissions.py declares (and the templates grant, test_deploy.py).

Every trigger and option is exercised through the real handler; every AWS request is recorded by
the doubles. An operation the code starts calling without declaring it, or a declared action the
code no longer calls, fails here.
"""

from __future__ import annotations

from datetime import timedelta

from acm_expiry.permissions import RULE_ACTIONS
from acm_expiry_cli.sample_events import change_event, oversized_event, scheduled_event
from tests.conftest import World
from tests.support.inventory import config_item, synthetic_inventory

ALL_ON = {"daysToExpiration": "30", "securityHubFindings": "true", "exemptTagKey": "acm-expiry-exempt"}


def test_code_calls_exactly_the_declared_actions(aws: World) -> None:
    inventory = synthetic_inventory(300, aws.now)
    inventory[0]["Tags"] = [{"Key": "acm-expiry-exempt", "Value": "test"}]
    aws.acm.source = lambda region: inventory
    aws.run(scheduled_event(aws.now, parameters=ALL_ON))
    renewed = next(
        c
        for c in inventory
        if c["Type"] == "IMPORTED"
        and c["Status"] == "ISSUED"
        and c["NotAfter"] < (aws.now + timedelta(days=30)).timestamp()
    )
    renewed["NotAfter"] = (aws.now + timedelta(days=395)).timestamp()  # its finding gets resolved
    aws.run(scheduled_event(aws.later(days=1), parameters=ALL_ON))

    arn = str(inventory[0]["CertificateArn"])
    unreadable = {"certificateArn": arn, "status": "ISSUED", "type": "IMPORTED", "notAfter": "soon"}
    aws.run(change_event(config_item(unreadable, aws.now), aws.now, parameters=ALL_ON))

    readable = dict(unreadable, notAfter=(aws.now + timedelta(days=3)).isoformat())
    item = config_item(readable, aws.now)
    aws.config.record_history(item)
    aws.run(oversized_event(item, aws.now, parameters=ALL_ON))

    called = {operation for operation, _ in aws.doubles.requests}
    assert called == set(RULE_ACTIONS)


def test_function_role_mode_needs_no_sts(aws: World) -> None:
    aws.acm.source = lambda region: synthetic_inventory(5, aws.now)
    aws.run(scheduled_event(aws.now, parameters={"AssumeRoleMode": "false"}))
    assert "sts.AssumeRole" not in {operation for operation, _ in aws.doubles.requests}
