"""The invocation's one log line, bounded: no value copied whole, no line CloudWatch Logs would refuse.

CloudWatch Logs takes events of at most 256 KiB (262,144 bytes, 26 of them its own overhead: PutLogEvents
quotas); Lambda sends what a function prints. The line carries what the invocation was handed (a rule
name, an error naming a value from the event), which can be megabytes long. So every text in it is
clipped to :data:`TEXT_LIMIT` characters with a marker saying how long it was, every list to
:data:`LIST_LIMIT` items; the metrics block (``_aws``) is the rule's own and left as it is. Should the
line still exceed :data:`LINE_LIMIT_BYTES`, only what says what happened is kept, with ``clipped``.

Pure: no boto3, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

TEXT_LIMIT = 2_000
LIST_LIMIT = 100
LINE_LIMIT_BYTES = 200_000  # well inside 262,144 - 26
ESSENTIAL = ("rule", "messageType", "outcome", "error", "configRuleName", "durationMs", "_aws")


def render(line: Mapping[str, Any]) -> str:
    """The line as one JSON text (ASCII: any other character escaped), within :data:`LINE_LIMIT_BYTES`."""
    text = json.dumps(bounded(line), sort_keys=True, default=str)
    if len(text) <= LINE_LIMIT_BYTES:
        return text
    kept = {key: line[key] for key in ESSENTIAL if key in line}
    metrics = line.get("_aws", {}).get("CloudWatchMetrics", [{}])[0] if isinstance(line.get("_aws"), Mapping) else {}
    names = [m.get("Name") for m in metrics.get("Metrics", [])] + ["ConfigRuleName"]
    kept |= {name: line[name] for name in names if isinstance(name, str) and name in line}
    return json.dumps(bounded(kept | {"clipped": True}), sort_keys=True, default=str)


def bounded(value: Any, *, top: bool = True) -> Any:
    """``value`` with every text and list clipped (the ``_aws`` block of the top level left whole)."""
    if isinstance(value, str):
        return clip_text(value)
    if isinstance(value, Mapping):
        return {
            clip_text(str(key)): (item if top and key == "_aws" else bounded(item, top=False))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        items = [bounded(item, top=False) for item in value[:LIST_LIMIT]]
        if len(value) > LIST_LIMIT:
            items.append(f"[clipped: {len(value) - LIST_LIMIT} more items]")
        return items
    return value


def clip_text(text: str, limit: int = TEXT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}[clipped: {len(text)} characters in all]"
