"""Getting things recorded (acm_expiry.delivery.deliver): batches, failures sent again, then loud.

A scripted write API stands in for PutEvaluations, BatchImportFindings and BatchUpdateFindings: it
refuses chosen items with chosen error codes, send by send. No AWS, no clock: ``deliver`` is handed
the wait, as the edge hands it its own.
"""

from __future__ import annotations

from typing import Any

import pytest

import acm_expiry.delivery
from acm_expiry.delivery import REDELIVERY_ROUNDS, Failure, Sender, deliver
from acm_expiry.errors import DeadlineReached, DeliveryError


class ScriptedApi:
    """Answers each batch; ``refusals`` gives, per item id, the error code of each of its next sends ("" for none)."""

    def __init__(self, **refusals: list[str]) -> None:
        self.refusals = refusals
        self.batches: list[list[str]] = []

    def send(self, batch: list[dict[str, Any]]) -> list[Failure]:
        self.batches.append([item["Id"] for item in batch])
        return [(item, codes.pop(0)) for item in batch if (codes := self.refusals.get(item["Id"]))]


def items(*ids: str) -> list[dict[str, Any]]:
    return [{"Id": identifier} for identifier in ids]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between rounds, each at its cap (2, 4, 8 s: no jitter)."""
    monkeypatch.setattr(acm_expiry.delivery.random, "uniform", lambda low, high: high)
    return []


def run(api: ScriptedApi, sent: list[dict[str, Any]], waits: list[float], batch_size: int = 100) -> list[str]:
    recorded = deliver(
        "findings", sent, Sender("BatchImportFindings", api.send), lambda s, _: waits.append(s), batch_size=batch_size
    )
    return [item["Id"] for item in recorded]


def test_what_is_returned_is_what_aws_recorded_each_item_once(waits: list[float]) -> None:
    api = ScriptedApi(b=["", ""])
    assert run(api, items("a", "b", "c"), waits) == ["a", "c", "b"]
    assert api.batches == [["a", "b", "c"], ["b"], ["b"]]
    assert waits == [2, 4]


def test_failures_are_sent_again_three_rounds_after_growing_waits_then_raise(waits: list[float]) -> None:
    api = ScriptedApi(b=[""] * 10, c=[""] * 10)
    with pytest.raises(DeliveryError, match=r"^2 findings were not recorded .*sent 4 times\): b, c$") as raised:
        run(api, items("a", "b", "c"), waits)
    assert api.batches == [["a", "b", "c"]] + [["b", "c"]] * REDELIVERY_ROUNDS
    assert waits == [2, 4, 8]
    assert raised.value.operation == "BatchImportFindings"


@pytest.mark.parametrize("code", ["AccessDeniedException", "InvalidInput", "InvalidAccessException"])
def test_what_the_same_request_would_meet_again_is_not_sent_again(waits: list[float], code: str) -> None:
    """Access denied or invalid input: resending costs time and calls, and changes nothing."""
    api = ScriptedApi(b=[code] * 10)
    with pytest.raises(DeliveryError, match=rf"1 findings were not recorded \(1 {code}, sent 1 time\): b") as raised:
        run(api, items("a", "b"), waits)
    assert api.batches == [["a", "b"]] and waits == []
    assert raised.value.codes == (code,)


def test_a_deadline_stop_carries_only_what_aws_recorded() -> None:
    api = ScriptedApi(b=[""])

    def no_time_left(seconds: float, before: str) -> None:
        raise DeadlineReached(before, 1.0)

    with pytest.raises(DeadlineReached) as raised:
        deliver("evaluations", items("a", "b", "c"), Sender("PutEvaluations", api.send), no_time_left, batch_size=2)
    assert [item["Id"] for item in raised.value.delivered] == ["a", "c"]
    assert api.batches == [["a", "b"], ["c"]]


def test_batches_are_at_most_the_apis_size(waits: list[float]) -> None:
    api = ScriptedApi()
    assert run(api, items(*"abcde"), waits, batch_size=2) == list("abcde")
    assert api.batches == [["a", "b"], ["c", "d"], ["e"]]
