"""Facts about the AWS APIs the rule and the CLI call, written once (code, tests and doubles read them)."""

from __future__ import annotations

# Every key type ACM issues or imports. ListCertificates returns only RSA_1024 and RSA_2048
# unless all of them are named in Includes.keyTypes.
ACM_KEY_TYPES: tuple[str, ...] = (
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
)
# ListCertificates also leaves out ACME key pairs unless every origin is named, and Amazon N2
# certificates unless a listing asks for them (and then for them alone).
KEY_PAIR_ORIGINS: tuple[str, ...] = ("AWS_MANAGED", "ACME", "CUSTOMER_PROVIDED")
N2_ROOT_HIERARCHIES: tuple[str, ...] = ("N2_AMAZON_MANAGED", "N2_SFG2_AMAZON_MANAGED")

LIST_CERTIFICATES_PAGE = 1000  # ListCertificates' maximum MaxItems
COMPLIANCE_DETAILS_PAGE = 100  # GetComplianceDetailsByConfigRule's maximum Limit
PUT_EVALUATIONS_BATCH = 100  # PutEvaluations' maximum Evaluations
FINDINGS_BATCH = 100  # BatchImportFindings' and BatchUpdateFindings' maximum
GET_FINDINGS_PAGE = 100  # GetFindings' maximum MaxResults
TAGGING_PAGE = 100  # Resource Groups Tagging API GetResources' maximum ResourcesPerPage
AGGREGATE_QUERY_PAGE = 100  # SelectAggregateResourceConfig's maximum Limit
ANNOTATION_LIMIT = 256  # PutEvaluations' Annotation, 1..256 characters

# Retries: botocore's own retry conditions decide what is worth retrying (throttling codes, 5xx
# answers, transient network faults), but not its retry quota: botocore's standard mode keeps 500
# tokens per client, takes 5 per throttled retry and gives back little, so a long run under
# sustained throttling exhausts it and later calls fail after their first throttle. The edge's
# own handler retries instead, with botocore's standard backoff (full jitter, base 2, capped at
# 20 s), as long as the invocation's deadline allows; without a deadline (the CLI) at most
# MAX_ATTEMPTS times.
BACKOFF_CAP_SECONDS = 20
MAX_ATTEMPTS = 7  # without a deadline: six throttles or 5xx answers in a row are ridden out
# Each attempt gives up after these (botocore's defaults are 60 s each): a call started before the
# deadline's reserve ends before the deadline, so no invocation is ended mid-call.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
# A call is started only with this much time left before Lambda's timeout: one attempt at most
# (connect + read timeouts) and the log line.
DEADLINE_RESERVE_SECONDS = 15
# The watchdog (acm_expiry.edge.Watchdog) ends a call still under way this long before Lambda's
# timeout (a server dripping its answer outlasts any read timeout): time left for the log line.
WATCHDOG_RESERVE_SECONDS = 3
# Lambda's longest timeout is 900 s; a context answering more is read as this (a bound, not a guess).
MAX_REMAINING_MILLIS = 900_000
# What a periodic run keeps for sending once it has judged: reading Config's results (100 a page)
# stops this much earlier, so that NON_COMPLIANT evaluations still go out.
SENDING_RESERVE_SECONDS = 30

# Request rates each client paces itself to, per operation and Region: (requests per second,
# burst). ACM documents ListCertificates 8/s and DescribeCertificate 10/s (ACM quotas; no burst
# given: one second's worth). Security Hub documents GetFindings 3/s (burst 6), BatchImportFindings
# and BatchUpdateFindings 10/s (burst 30). AWS Config, the Resource Groups Tagging API and STS
# publish no per-operation rate in their documentation: their calls are paced at DEFAULT_RATE (an
# assumption; any throttling still shows in the log line's retries).
DEFAULT_RATE = (5.0, 5)
RATES: dict[str, tuple[float, int]] = {
    "acm.ListCertificates": (8.0, 8),
    "acm.DescribeCertificate": (10.0, 10),
    "securityhub.GetFindings": (3.0, 6),
    "securityhub.BatchImportFindings": (10.0, 30),
    "securityhub.BatchUpdateFindings": (10.0, 30),
}
