"""StackSet operations as AWS documents them: does a release survive accounts that are not ready?

A release updates ``deploy/organization.yaml``, whose ``AWS::CloudFormation::StackSet`` resources run
StackSet operations across every account of the target OUs, Region by Region. This model decides, for
given operation preferences (read from the template by the tests, never copied) and a set of accounts
that fail, what each account ends up with, whether the operation succeeds, and what the parent stack
does. What it rests on, and where AWS says it:

- **Tolerance, per Region, rounded down.** ``FailureTolerancePercentage``: "The percentage of accounts
  per Region this stack operation can fail in before CloudFormation stops the operation in that
  Region ... CloudFormation rounds *down* to the next whole number." Default 0.
  (CloudFormation API Reference, StackSetOperationPreferences, as botocore 1.44 ships it.)
- **Concurrency.** ``MaxConcurrentPercentage`` rounds down too, "except in cases where rounding down
  would result is zero. In this case, CloudFormation sets the number as one instead"; default 1.
  ``STRICT_FAILURE_TOLERANCE`` (the default) "dynamically lowers the concurrency level to ensure the
  number of failed accounts never exceeds the value of FailureToleranceCount +1. The initial actual
  concurrency is set to the lower of either the value of the MaxConcurrentCount, or the value of
  FailureToleranceCount +1"; ``SOFT_FAILURE_TOLERANCE`` "decouples FailureToleranceCount from the actual
  concurrency". With STRICT, "MaxConcurrentCount is at most one more than the FailureToleranceCount":
  counts that break this are refused here.
- **A failed Region fails the operation.** StackSetOperation.Status FAILED: "If the number of failed
  stacks within a Region exceeds the failure tolerance, the status of the operation in the Region is set
  to FAILED. This in turn sets the status of the operation as a whole to FAILED, and CloudFormation
  cancels the operation in any remaining Regions." Accounts not reached are CANCELLED ("because the
  failure tolerance of the StackSet operation has been exceeded").
- **A failed operation fails the resource, and the parent stack rolls back.** The
  ``AWS::CloudFormation::StackSet`` handler (aws-cloudformation/aws-cloudformation-resource-providers-
  cloudformation, ``BaseHandlerStd.isStackSetOperationDone``) accepts SUCCEEDED only: any other final
  status throws "Stack set operation [...] was unexpectedly stopped or failed". A stack whose resource
  fails rolls back: on its creation, every resource it made is deleted (the StackSet, and with it the
  instances that had succeeded); on an update, the previous template is deployed again, which is one
  more StackSet operation that the same accounts can fail.
- **Automatic deployment ignores the preferences, and is not retried.** "StackSetOperationPreferences
  don't apply to AutoDeployment, even if it's enabled" (same page). AWS documents no retry of an automatic
  deployment; a failed instance is retried by an operation someone starts (User Guide, "Troubleshooting
  CloudFormation StackSets"), so the model keeps it FAILED. ``AutoDeployment.DependsOn``: "When
  auto-deployment is triggered, operations will be sequenced to ensure all dependencies complete
  successfully before this StackSet's operation begins." (AutoDeployment, API Reference.)

Where AWS leaves something open, the model takes what is worst for the release:

- the order in which a Region's accounts are attempted is not documented: failing accounts go first;
- how STRICT "reduces proportionally": the concurrency is at most FailureToleranceCount + 1 less the
  failures so far, which is the bound AWS states;
- in PARALLEL, a Region that fails cancels every account of every other Region not yet done;
- a suspended account (SKIPPED_SUSPENDED_ACCOUNT) counts as a failure;
- StackSets deployed to a joining account in no declared order run in the worst order: one that
  needs another StackSet's resources runs before it, unless ``DependsOn`` says otherwise; a StackSet
  whose dependency failed is not deployed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

STRICT = "STRICT_FAILURE_TOLERANCE"
SOFT = "SOFT_FAILURE_TOLERANCE"
PARALLEL = "PARALLEL"
SEQUENTIAL = "SEQUENTIAL"
SUCCEEDED, FAILED, CANCELLED = "SUCCEEDED", "FAILED", "CANCELLED"
SKIPPED_SUSPENDED_ACCOUNT = "SKIPPED_SUSPENDED_ACCOUNT"
NOT_DEPLOYED = "NOT_DEPLOYED"


class InvalidPreferences(ValueError):
    """CloudFormation refuses these operation preferences (ValidationError)."""


def _whole(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidPreferences(f"{name} must be a whole number, not {value!r}") from None
    return number


@dataclass(frozen=True)
class Preferences:
    """``OperationPreferences`` of a StackSet (the API's defaults where a field is absent)."""

    failure_tolerance_count: int | None = None
    failure_tolerance_percentage: int | None = None
    max_concurrent_count: int | None = None
    max_concurrent_percentage: int | None = None
    concurrency_mode: str = STRICT
    region_concurrency: str = SEQUENTIAL
    region_order: tuple[str, ...] = ()

    @classmethod
    def from_template(cls, properties: Mapping[str, Any]) -> Preferences:
        """From a resolved ``OperationPreferences`` property (CloudFormation's names; values may be strings)."""
        known = {
            "FailureToleranceCount",
            "FailureTolerancePercentage",
            "MaxConcurrentCount",
            "MaxConcurrentPercentage",
            "ConcurrencyMode",
            "RegionConcurrencyType",
            "RegionOrder",
        }
        unknown = set(properties) - known
        if unknown:
            raise InvalidPreferences(f"unknown operation preferences {sorted(unknown)}")
        return cls(
            failure_tolerance_count=_whole(properties.get("FailureToleranceCount"), "FailureToleranceCount"),
            failure_tolerance_percentage=_whole(
                properties.get("FailureTolerancePercentage"), "FailureTolerancePercentage"
            ),
            max_concurrent_count=_whole(properties.get("MaxConcurrentCount"), "MaxConcurrentCount"),
            max_concurrent_percentage=_whole(properties.get("MaxConcurrentPercentage"), "MaxConcurrentPercentage"),
            concurrency_mode=str(properties.get("ConcurrencyMode", STRICT)),
            region_concurrency=str(properties.get("RegionConcurrencyType", SEQUENTIAL)),
            region_order=tuple(str(region) for region in properties.get("RegionOrder", ())),
        )

    def __post_init__(self) -> None:
        if self.failure_tolerance_count is not None and self.failure_tolerance_percentage is not None:
            raise InvalidPreferences("specify FailureToleranceCount or FailureTolerancePercentage, not both")
        if self.max_concurrent_count is not None and self.max_concurrent_percentage is not None:
            raise InvalidPreferences("specify MaxConcurrentCount or MaxConcurrentPercentage, not both")
        for name, value, low, high in (
            ("FailureToleranceCount", self.failure_tolerance_count, 0, None),
            ("FailureTolerancePercentage", self.failure_tolerance_percentage, 0, 100),
            ("MaxConcurrentCount", self.max_concurrent_count, 1, None),
            ("MaxConcurrentPercentage", self.max_concurrent_percentage, 0, 100),
        ):
            if value is not None and (value < low or (high is not None and value > high)):
                raise InvalidPreferences(f"{name} {value} is outside {low}..{high if high is not None else ''}")
        if self.concurrency_mode not in (STRICT, SOFT):
            raise InvalidPreferences(f"ConcurrencyMode {self.concurrency_mode!r} is neither {STRICT} nor {SOFT}")
        if self.region_concurrency not in (PARALLEL, SEQUENTIAL):
            raise InvalidPreferences(
                f"RegionConcurrencyType {self.region_concurrency!r} is not {PARALLEL}/{SEQUENTIAL}"
            )
        if (
            self.concurrency_mode == STRICT
            and self.max_concurrent_count is not None
            and self.max_concurrent_count > (self.failure_tolerance_count or 0) + 1
        ):
            raise InvalidPreferences(
                f"with {STRICT}, MaxConcurrentCount ({self.max_concurrent_count}) is at most one more than "
                f"FailureToleranceCount ({self.failure_tolerance_count or 0})"
            )

    def tolerated(self, accounts: int) -> int:
        """How many accounts of a Region with ``accounts`` accounts may fail (percentages rounded down)."""
        if self.failure_tolerance_count is not None:
            return self.failure_tolerance_count
        return (self.failure_tolerance_percentage or 0) * accounts // 100

    def max_concurrent(self, accounts: int) -> int:
        """At most how many of the Region's accounts at once (a percentage rounded down, but never to 0)."""
        if self.max_concurrent_count is not None:
            return self.max_concurrent_count
        if self.max_concurrent_percentage is None:
            return 1
        return max(1, self.max_concurrent_percentage * accounts // 100)


@dataclass(frozen=True)
class RegionRun:
    region: str
    status: str  # SUCCEEDED, FAILED, or CANCELLED (the operation stopped before the Region began)
    results: Mapping[str, str]  # account -> SUCCEEDED, FAILED, SKIPPED_SUSPENDED_ACCOUNT or CANCELLED
    batches: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Operation:
    status: str  # SUCCEEDED or FAILED
    regions: Mapping[str, RegionRun]

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    def result(self, account: str, region: str) -> str:
        return self.regions[region].results[account]

    def deployed(self) -> set[tuple[str, str]]:
        return {
            (account, run.region)
            for run in self.regions.values()
            for account, r in run.results.items()
            if r == SUCCEEDED
        }


@dataclass
class _RegionState:
    region: str
    pending: list[str]
    tolerated: int
    max_concurrent: int
    failing: set[str]
    suspended: set[str]
    failures: int = 0
    results: dict[str, str] = field(default_factory=dict)
    batches: list[tuple[str, ...]] = field(default_factory=list)
    status: str | None = None

    def step(self, mode: str) -> None:
        """One batch of the Region's accounts."""
        size = self.max_concurrent
        if mode == STRICT:
            size = min(size, self.tolerated + 1 - self.failures)
        batch = tuple(self.pending[:size])
        del self.pending[:size]
        self.batches.append(batch)
        for account in batch:
            if account in self.suspended:
                self.results[account] = SKIPPED_SUSPENDED_ACCOUNT
                self.failures += 1
            elif account in self.failing:
                self.results[account] = FAILED
                self.failures += 1
            else:
                self.results[account] = SUCCEEDED
        if self.failures > self.tolerated:
            self.status = FAILED
        elif not self.pending:
            self.status = SUCCEEDED

    def cancel(self) -> None:
        for account in self.pending:
            self.results[account] = CANCELLED
        self.pending.clear()
        if self.status is None:
            self.status = CANCELLED


def run_operation(
    preferences: Preferences,
    accounts: Mapping[str, Sequence[str]],
    failing: Collection[tuple[str, str]] = (),
    suspended: Collection[tuple[str, str]] = (),
) -> Operation:
    """One StackSet operation (create or update) over ``accounts`` (Region -> its accounts).

    ``failing``: (account, Region) pairs whose stack fails (no recorder, Region not enabled, a name
    already taken); ``suspended``: pairs StackSets skips.
    """
    order = list(preferences.region_order) + [region for region in accounts if region not in preferences.region_order]
    states = []
    for region in order:
        if region not in accounts:
            continue
        members = list(accounts[region])
        bad = {account for account in members if (account, region) in failing}
        skipped = {account for account in members if (account, region) in suspended}
        # Undocumented order: the failing accounts first, the worst case for the others.
        ordered = sorted(members, key=lambda account: (account not in bad | skipped, members.index(account)))
        states.append(
            _RegionState(
                region,
                ordered,
                preferences.tolerated(len(members)),
                preferences.max_concurrent(len(members)),
                bad,
                skipped,
            )
        )
    if preferences.region_concurrency == SEQUENTIAL:
        stopped = False
        for state in states:
            if stopped:
                state.cancel()
                continue
            if not state.pending:
                state.status = SUCCEEDED
            while state.status is None:
                state.step(preferences.concurrency_mode)
            if state.status == FAILED:
                state.cancel()
                stopped = True
    else:
        for state in states:
            if not state.pending:
                state.status = SUCCEEDED
        while any(state.status is None for state in states):
            for state in states:
                if state.status is None:
                    state.step(preferences.concurrency_mode)
            if any(state.status == FAILED for state in states):
                for state in states:
                    state.cancel()
    regions = {
        state.region: RegionRun(state.region, str(state.status), dict(state.results), tuple(state.batches))
        for state in states
    }
    status = FAILED if any(run.status == FAILED for run in regions.values()) else SUCCEEDED
    return Operation(status, regions)


@dataclass(frozen=True)
class Release:
    """What a release of the parent stack (the one holding the ``AWS::CloudFormation::StackSet``) ends in."""

    operation: Operation
    stack_status: str
    deployed: frozenset[tuple[str, str]]  # the (account, Region) pairs running this release afterwards
    rollback: Operation | None = None

    @property
    def succeeded(self) -> bool:
        return self.stack_status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")


def release(
    preferences: Preferences,
    accounts: Mapping[str, Sequence[str]],
    failing: Collection[tuple[str, str]] = (),
    *,
    first: bool,
    suspended: Collection[tuple[str, str]] = (),
) -> Release:
    """A stack create (``first``) or update whose StackSet runs one operation over ``accounts``."""
    operation = run_operation(preferences, accounts, failing, suspended)
    if operation.succeeded:
        return Release(operation, "CREATE_COMPLETE" if first else "UPDATE_COMPLETE", frozenset(operation.deployed()))
    if first:
        # The rollback deletes the StackSet it created, with the instances that had succeeded.
        return Release(operation, "ROLLBACK_COMPLETE", frozenset())
    # The previous template goes out again: one more operation, which the same accounts fail again.
    rollback = run_operation(preferences, accounts, failing, suspended)
    status = "UPDATE_ROLLBACK_COMPLETE" if rollback.succeeded else "UPDATE_ROLLBACK_FAILED"
    return Release(operation, status, frozenset(), rollback)


@dataclass(frozen=True)
class AutoDeployed:
    """One StackSet with automatic deployment, as a joining account sees it."""

    name: str
    depends_on: tuple[str, ...] = ()  # AutoDeployment.DependsOn (other StackSets of this list, by name)
    needs: tuple[str, ...] = ()  # what its template needs in the account: other StackSets' resources


def auto_deploy(
    stack_sets: Sequence[AutoDeployed],
    ready: Callable[[str], bool] = lambda name: True,
    preferences: Preferences | None = None,
) -> dict[str, str]:
    """What each StackSet leaves in an account that joins a target OU (one Region): SUCCEEDED, FAILED
    (kept FAILED: there is no retry) or NOT_DEPLOYED (a dependency failed, so it never began).

    ``ready(name)``: whether the account lets that StackSet's stack succeed once its needs are met.
    ``preferences`` is accepted and ignored, as AWS ignores them for automatic deployment.
    """
    del preferences
    by_name = {stack_set.name: stack_set for stack_set in stack_sets}
    outcome: dict[str, str] = {}

    def declared(name: str) -> set[str]:
        """Every StackSet ``name`` waits for, through DependsOn."""
        seen: set[str] = set()
        todo = list(by_name[name].depends_on)
        while todo:
            other = todo.pop()
            if other not in seen:
                seen.add(other)
                todo.extend(by_name[other].depends_on if other in by_name else ())
        return seen

    def settle(name: str) -> str:
        if name in outcome:
            return outcome[name]
        stack_set = by_name[name]
        waits = declared(name)
        for dependency in stack_set.depends_on:
            if dependency in by_name and settle(dependency) != SUCCEEDED:
                outcome[name] = NOT_DEPLOYED
                return NOT_DEPLOYED
        # A need nobody sequenced: in the worst order, this StackSet ran before it existed.
        unmet = [
            need for need in stack_set.needs if need not in by_name or need not in waits or settle(need) != SUCCEEDED
        ]
        outcome[name] = FAILED if unmet or not ready(name) else SUCCEEDED
        return outcome[name]

    for stack_set in stack_sets:
        settle(stack_set.name)
    return outcome
