"""What `make bench` measures: the inventory sizes, the window, the runs of the rule and of its peers, their labels."""

from __future__ import annotations

COUNTS = (100, 2_500, 10_000)
DAYS = 30
REGION = "us-east-1"
EXEMPT_COUNT = 100
OURS = ("ours", "ours-steady", "ours-findings", "ours-exempt")
THROTTLED = ("throttled-2", "throttled-3")
PEERS = ("prowler", "custodian", "hand-written")
MODES = (*OURS, *PEERS)
LABELS = {
    "ours": "ours 1st",
    "ours-steady": "ours steady",
    "ours-findings": "ours+findings",
    "ours-exempt": "ours+exempt",
    "prowler": "Prowler",
    "custodian": "Custodian",
    "hand-written": "hand-written",
}
