"""The invocation's log line stays within what CloudWatch Logs takes, whatever the invocation was handed."""

from __future__ import annotations

import json

from acm_expiry.logline import LINE_LIMIT_BYTES, LIST_LIMIT, TEXT_LIMIT, bounded, clip_text, render


def test_a_text_at_the_limit_is_whole_and_one_longer_is_clipped_saying_how_long_it_was() -> None:
    assert clip_text("x" * TEXT_LIMIT) == "x" * TEXT_LIMIT
    clipped = clip_text("x" * (TEXT_LIMIT + 1))
    assert clipped == "x" * TEXT_LIMIT + f"[clipped: {TEXT_LIMIT + 1} characters in all]"


def test_lists_keys_and_nested_texts_are_bounded_but_not_the_metrics_block() -> None:
    directive = {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "n" * 5000, "Dimensions": [[]], "Metrics": []}]}
    line = {
        "_aws": directive,
        "error": "e" * 10_000,
        "k" * 3000: 1,
        "nested": {"deep": ["v" * 3000] * (LIST_LIMIT + 5)},
    }
    out = bounded(line)
    assert out["_aws"] == directive  # the rule's own, left whole
    assert len(out["error"]) < TEXT_LIMIT + 50
    assert any(key.startswith("k" * TEXT_LIMIT + "[clipped") for key in out)
    deep = out["nested"]["deep"]
    assert len(deep) == LIST_LIMIT + 1 and deep[-1] == "[clipped: 5 more items]"
    assert all(len(item) < TEXT_LIMIT + 50 for item in deep[:-1])


def test_a_line_still_too_long_keeps_what_says_what_happened() -> None:
    metric = {"Name": "ChangeEventFailures", "Unit": "Count"}
    directive = {"Namespace": "ACMExpiryRule", "Dimensions": [[]], "Metrics": [metric]}
    line = {
        "rule": "ACMExpiryRule",
        "outcome": "error",
        "error": "boom",
        "_aws": {"Timestamp": 1, "CloudWatchMetrics": [directive]},
        "ChangeEventFailures": 1,
        "noise": {f"k{i}": "x" * TEXT_LIMIT for i in range(LINE_LIMIT_BYTES // TEXT_LIMIT + 10)},
    }
    text = render(line)
    assert len(text.encode()) <= LINE_LIMIT_BYTES
    parsed = json.loads(text)
    assert parsed["clipped"] is True and "noise" not in parsed
    assert (parsed["outcome"], parsed["error"], parsed["ChangeEventFailures"]) == ("error", "boom", 1)
    assert parsed["_aws"] == line["_aws"]


def test_a_line_within_the_limit_is_rendered_as_it_is() -> None:
    line = {"rule": "ACMExpiryRule", "outcome": "ok", "evaluations": {"COMPLIANT": 3}}
    assert json.loads(render(line)) == line and "clipped" not in render(line)
