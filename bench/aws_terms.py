"""What AWS documents that the benchmark turns into time and money: rate quotas, list prices, and the
Lambda settings docs/deployment.md recommends ("Lambda timeout")."""

from __future__ import annotations

LIST_QUOTA, DESCRIBE_QUOTA = 8, 10  # requests per second, ACM's documented rate quotas
SECURITY_HUB_QUOTAS = {"GetFindings": 3, "BatchImportFindings": 10, "BatchUpdateFindings": 10}
LAMBDA_TIMEOUT_SECONDS, LAMBDA_MEMORY_GB = 900, 0.25  # what docs/deployment.md, "Lambda timeout", recommends
# AWS Config rule evaluations, list price per evaluation recorded, per account and Region a month.
CONFIG_PRICE_TIERS = ((100_000, 0.001), (400_000, 0.0008), (None, 0.0005))


def config_cost(evaluations_a_month: int) -> float:
    """The month's AWS Config rule evaluation charge at list price, in dollars."""
    cost, left = 0.0, evaluations_a_month
    for size, price in CONFIG_PRICE_TIERS:
        part = left if size is None else min(left, size)
        cost, left = cost + part * price, left - part
    return round(cost, 2)
