"""One unready account never takes the others down: organization.yaml's StackSet preferences, run through a model of
StackSet operations as AWS documents them (tests/support/stackset_operations.py says where each rule comes from).

The preferences are read from the template, resolved as CloudFormation would, never copied here. The model's own
rules are checked first against the documented figures, and against the preferences this project used to ship
(25 % tolerance), which the model shows failing releases: it is not a model that cannot fail.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest

from tests.support.stackset_operations import (
    CANCELLED,
    FAILED,
    NOT_DEPLOYED,
    PARALLEL,
    SEQUENTIAL,
    SKIPPED_SUSPENDED_ACCOUNT,
    SOFT,
    STRICT,
    SUCCEEDED,
    AutoDeployed,
    InvalidPreferences,
    Preferences,
    auto_deploy,
    release,
    run_operation,
)
from tests.support.templates import ACCOUNT, DEPLOY, Resolver, active_resources, load

REGIONS = ("us-east-1", "eu-west-1")
RECORDER_STACK_SET = (
    f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stackset/config-recorder:0123abcd-0123-4567-89ab-0123456789ab"
)
# What the organization template needs to resolve (the release passes these).
REQUIRED = {
    "TargetOrganizationalUnitIds": "ou-ab12-cdef3456",
    "TargetRegions": ",".join(REGIONS),
    "ArtifactBucketAccount": ACCOUNT,
    "MemberTemplateURL": "https://b.s3.us-east-1.amazonaws.com/acm-expiry/member-0123456789abcdef.yaml",
    "AlertsTemplateURL": "https://b.s3.us-east-1.amazonaws.com/acm-expiry/alerts-0123456789abcdef.yaml",
}
# The preferences deploy/organization.yaml had before this model: 25 % tolerance, 25 % concurrency, STRICT by default.
FORMER = Preferences(failure_tolerance_percentage=25, max_concurrent_percentage=25, region_concurrency=PARALLEL)


def stack_sets(overrides: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    template = load("organization.yaml")
    resolver = Resolver(template, {**REQUIRED, **(overrides or {})})
    return {
        logical_id: properties
        for logical_id, kind, properties in active_resources(template, resolver)
        if kind == "AWS::CloudFormation::StackSet"
    }


def template_preferences() -> dict[str, Preferences]:
    return {name: Preferences.from_template(props["OperationPreferences"]) for name, props in stack_sets().items()}


def accounts(count: int, regions: tuple[str, ...] = REGIONS) -> dict[str, list[str]]:
    return {region: [f"{index:012d}" for index in range(1, count + 1)] for region in regions}


# --- the model against the documented figures ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("percentage", "tolerated"),
    [
        (25, [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]),  # 25 % of 3 accounts is 0: the example
        (10, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        (100, list(range(1, 11))),
    ],
)
def test_failure_tolerance_is_rounded_down_per_region(percentage: int, tolerated: list[int]) -> None:
    preferences = Preferences(failure_tolerance_percentage=percentage)
    assert [preferences.tolerated(n) for n in range(1, 11)] == tolerated


def test_max_concurrent_percentage_rounds_down_but_never_to_zero() -> None:
    preferences = Preferences(max_concurrent_percentage=25)
    assert [preferences.max_concurrent(n) for n in range(1, 11)] == [1, 1, 1, 1, 1, 1, 1, 2, 2, 2]
    assert Preferences().max_concurrent(10) == 1  # MaxConcurrentCount defaults to 1
    assert Preferences().tolerated(10) == 0  # FailureToleranceCount defaults to 0


@pytest.mark.parametrize(
    "fields",
    [
        {"failure_tolerance_count": 1, "failure_tolerance_percentage": 10},
        {"max_concurrent_count": 1, "max_concurrent_percentage": 10},
        {"failure_tolerance_percentage": 101},
        {"max_concurrent_count": 0},
        {"concurrency_mode": "FAST"},
        {"region_concurrency": "ALL_AT_ONCE"},
        # STRICT: "MaxConcurrentCount is at most one more than the FailureToleranceCount".
        {"failure_tolerance_count": 1, "max_concurrent_count": 3},
    ],
)
def test_preferences_cloudformation_refuses(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidPreferences):
        Preferences(**fields)


def test_soft_concurrency_is_not_bound_by_the_tolerance() -> None:
    Preferences(failure_tolerance_count=1, max_concurrent_count=3, concurrency_mode=SOFT)


def test_strict_lowers_the_concurrency_as_accounts_fail() -> None:
    """Initial concurrency: the lower of MaxConcurrentCount and FailureToleranceCount + 1; then lowered so that
    failures never exceed FailureToleranceCount + 1."""
    preferences = Preferences(failure_tolerance_count=2, max_concurrent_count=3)
    operation = run_operation(preferences, accounts(8, ("us-east-1",)), {("000000000001", "us-east-1")})
    assert [len(batch) for batch in operation.regions["us-east-1"].batches] == [3, 2, 2, 1]
    assert operation.succeeded
    # Three failing accounts: the first batch holds them all (the worst order), and the Region stops there.
    failing = {(f"{index:012d}", "us-east-1") for index in (1, 2, 3)}
    stopped = run_operation(preferences, accounts(8, ("us-east-1",)), failing)
    assert not stopped.succeeded
    assert sum(result == FAILED for result in stopped.regions["us-east-1"].results.values()) == 3  # tolerance + 1
    assert list(stopped.regions["us-east-1"].results.values()).count(CANCELLED) == 5


def test_soft_lets_failures_run_past_the_tolerance_within_a_batch() -> None:
    preferences = Preferences(failure_tolerance_count=0, max_concurrent_count=4, concurrency_mode=SOFT)
    failing = {(f"{index:012d}", "us-east-1") for index in (1, 2, 3)}
    operation = run_operation(preferences, accounts(8, ("us-east-1",)), failing)
    results = operation.regions["us-east-1"].results
    assert list(results.values()).count(FAILED) == 3  # all in the first batch of 4
    assert list(results.values()).count(SUCCEEDED) == 1
    assert list(results.values()).count(CANCELLED) == 4


def test_a_failed_region_fails_the_operation_and_cancels_the_others() -> None:
    failing = {("000000000001", "eu-west-1")}
    parallel = run_operation(FORMER, accounts(3), failing)
    assert parallel.status == FAILED
    assert parallel.regions["eu-west-1"].status == FAILED
    assert CANCELLED in parallel.regions["us-east-1"].results.values()
    sequential = run_operation(
        Preferences(failure_tolerance_percentage=25, region_concurrency=SEQUENTIAL, region_order=REGIONS[::-1]),
        accounts(3),
        failing,
    )
    assert sequential.regions["eu-west-1"].status == FAILED
    assert sequential.regions["us-east-1"].status == CANCELLED  # never begun
    assert set(sequential.regions["us-east-1"].results.values()) == {CANCELLED}


def test_a_suspended_account_is_skipped_and_counts_against_the_tolerance() -> None:
    operation = run_operation(FORMER, accounts(3, ("us-east-1",)), suspended={("000000000002", "us-east-1")})
    assert operation.result("000000000002", "us-east-1") == SKIPPED_SUSPENDED_ACCOUNT
    assert not operation.succeeded


def test_the_former_preferences_failed_releases_with_one_unready_account() -> None:
    """What the issue reports: 25 % tolerates nothing below 4 accounts in a Region, and the first release then rolls
    back, deleting every StackSet instance that had succeeded; an update rolls back to the previous version."""
    for count in (1, 2, 3):
        first = release(FORMER, accounts(count), {("000000000001", "us-east-1")}, first=True)
        assert (first.operation.status, first.stack_status, first.deployed) == (
            FAILED,
            "ROLLBACK_COMPLETE",
            frozenset(),
        )
        update = release(FORMER, accounts(count), {("000000000001", "us-east-1")}, first=False)
        assert update.stack_status == "UPDATE_ROLLBACK_FAILED"  # the rollback's operation fails the same way
        assert not update.succeeded
    four = release(FORMER, accounts(4), {("000000000001", "us-east-1")}, first=True)
    assert four.succeeded  # 25 % of 4 is 1
    assert not release(FORMER, accounts(4), {(f"{i:012d}", "us-east-1") for i in (1, 2)}, first=True).succeeded


# --- organization.yaml's preferences -------------------------------------------------------------------------


def test_both_stack_sets_take_preferences_the_model_reads() -> None:
    preferences = template_preferences()
    assert set(preferences) == {"RuleStackSet", "AlertsStackSet"}
    assert set(template_preferences().values()) == {preferences["RuleStackSet"]}


@pytest.mark.parametrize("stack_set", ["RuleStackSet", "AlertsStackSet"])
@pytest.mark.parametrize("count", range(1, 11))
def test_no_number_of_failing_accounts_fails_the_release(stack_set: str, count: int) -> None:
    """For 1 to 10 accounts in each of two Regions, any one or more failing in one Region, in both, or all of them:
    the operation succeeds, the parent stack neither fails nor rolls back (first release and update), every ready
    account gets the release and every failing one is reported FAILED, not passed over."""
    preferences = template_preferences()[stack_set]
    everyone = accounts(count)
    pairs = [(account, region) for region, members in everyone.items() for account in members]
    cases: list[set[tuple[str, str]]] = []
    for failing_count in range(1, count + 1):
        for failing in combinations(everyone[REGIONS[0]], failing_count):
            cases.append({(account, REGIONS[0]) for account in failing})
            cases.append({(account, region) for account in failing for region in REGIONS})
    cases.append(set(pairs))
    for failing in cases:
        for first in (True, False):
            outcome = release(preferences, everyone, failing, first=first)
            assert outcome.operation.status == SUCCEEDED, (count, failing)
            assert outcome.stack_status == ("CREATE_COMPLETE" if first else "UPDATE_COMPLETE")
            assert outcome.deployed == frozenset(pair for pair in pairs if pair not in failing)
            assert all(outcome.operation.result(*pair) == FAILED for pair in failing)


def test_the_template_says_what_makes_it_true() -> None:
    """The comment beside the preferences names the figure, and the preferences hold it: 100 % of any number of
    accounts, rounded down, is all of them."""
    comment = (DEPLOY / "organization.yaml").read_text()
    assert "FailureTolerancePercentage 100" in comment
    for preferences in template_preferences().values():
        assert all(preferences.tolerated(n) == n for n in range(1, 10_001))
        assert preferences.concurrency_mode == SOFT and preferences.region_concurrency == PARALLEL


# --- automatic deployment to an account that joins ---------------------------------------------------------


def auto_deployed(overrides: dict[str, str]) -> list[AutoDeployed]:
    """The two StackSets as a joining account meets them, with the DependsOn the template declares (ARNs mapped
    back to names) and what each template needs: the rule a recorder, the alerts the rule's log group."""
    resolved = stack_sets(overrides)
    names = {f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stackset/sample-{name}": name for name in resolved} | {
        RECORDER_STACK_SET: "recorder"
    }
    needs = {"RuleStackSet": ("recorder",), "AlertsStackSet": ("RuleStackSet",)}
    found = [AutoDeployed("recorder")]
    for name, properties in resolved.items():
        assert properties["AutoDeployment"]["Enabled"] is True
        depends_on = tuple(names[arn] for arn in properties["AutoDeployment"].get("DependsOn", ()))
        found.append(AutoDeployed(name, depends_on, needs[name]))
    return found


def test_without_depends_on_a_joining_account_can_keep_a_failed_rule() -> None:
    """No recorder StackSet named: the rule's stack can run before the recorder exists, fail, and stay FAILED; no
    operation preference helps (automatic deployment ignores them), and the alerts never begin."""
    outcome = auto_deploy(auto_deployed({}), preferences=template_preferences()["RuleStackSet"])
    assert outcome == {"recorder": SUCCEEDED, "RuleStackSet": FAILED, "AlertsStackSet": NOT_DEPLOYED}


def test_depends_on_the_recorder_stack_set_sequences_the_joining_account() -> None:
    outcome = auto_deploy(auto_deployed({"RecorderStackSetArn": RECORDER_STACK_SET}))
    assert outcome == {"recorder": SUCCEEDED, "RuleStackSet": SUCCEEDED, "AlertsStackSet": SUCCEEDED}
    # The recorder's own stack failing there: the rule waits for nothing that will come, and is not deployed.
    stuck = auto_deploy(
        auto_deployed({"RecorderStackSetArn": RECORDER_STACK_SET}), ready=lambda name: name != "recorder"
    )
    assert stuck == {"recorder": FAILED, "RuleStackSet": NOT_DEPLOYED, "AlertsStackSet": NOT_DEPLOYED}


def test_the_alerts_wait_for_the_rule_in_a_joining_account() -> None:
    """The alerts' metric filter needs the function's log group: declared, so a failed rule leaves no failed
    alerts stack behind, and a deployed rule always comes first."""
    declared = {stack_set.name: stack_set.depends_on for stack_set in auto_deployed({})}
    assert declared["AlertsStackSet"] == ("RuleStackSet",)
    rule_fails = auto_deploy(
        auto_deployed({"RecorderStackSetArn": RECORDER_STACK_SET}), ready=lambda name: name != "RuleStackSet"
    )
    assert rule_fails["AlertsStackSet"] == NOT_DEPLOYED
    undeclared = [
        AutoDeployed(s.name, () if s.name == "AlertsStackSet" else s.depends_on, s.needs)
        for s in auto_deployed({"RecorderStackSetArn": RECORDER_STACK_SET})
    ]
    assert auto_deploy(undeclared)["AlertsStackSet"] == FAILED


def test_the_parent_stack_orders_the_release_too() -> None:
    """On a release, CloudFormation creates or updates the alerts StackSet after the rule StackSet's resource
    completed, because the alerts' properties refer to it (a Ref in its AutoDeployment.DependsOn)."""
    alerts = load("organization.yaml")["Resources"]["AlertsStackSet"]["Properties"]["AutoDeployment"]["DependsOn"]
    assert "RuleStackSet" in str(alerts)


def test_strict_is_the_default_mode() -> None:
    assert Preferences().concurrency_mode == STRICT


def test_the_deployment_guide_states_the_figure_and_how_a_failed_instance_is_retried() -> None:
    """The deployment guide says what makes "one account that fails does not stop the others" true, with the figure
    the template holds, and has the sections the release's and org-status's messages cite (by name, through
    deploy/README.md's list of cited sections, which tests/test_docs.py checks)."""
    readme = (DEPLOY.parent / "docs" / "deployment.md").read_text()
    assert "### One account that fails does not stop the others" in readme
    for figure in ("FailureTolerancePercentage: 100", "SOFT_FAILURE_TOLERANCE", "MaxConcurrentPercentage: 100"):
        assert figure in readme
    for preferences in template_preferences().values():
        assert preferences.failure_tolerance_percentage == 100 and preferences.max_concurrent_percentage == 100
    assert "### A stack instance that failed" in readme
    assert "update-stack-instances" in readme and "AccountFilterType=INTERSECTION" in readme
    assert "### Accounts that join" in readme and "RecorderStackSetArn" in readme
