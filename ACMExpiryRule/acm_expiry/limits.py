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

# botocore's "standard" retry mode: exponential backoff (base 2, capped at 20 s) with full jitter,
# on throttling codes, 5xx answers and transient network faults. Seven attempts in all: six
# throttles or 5xx answers in a row are ridden out.
RETRY_MODE = "standard"
TOTAL_MAX_ATTEMPTS = 7
