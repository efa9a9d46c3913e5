"""Which certificates carry a tag: one paged Resource Groups Tagging API query, not one call per certificate."""

from __future__ import annotations

from typing import Any

from acm_expiry.edge import call, pages
from acm_expiry.limits import TAGGING_PAGE

ACM_RESOURCE_FILTER = "acm:certificate"  # service:resourceType, as in the ARN


def tagged_certificates(tagging: Any, key: str) -> dict[str, str]:
    """Certificate ARN -> the value of tag ``key``, for every certificate in the region carrying it.

    GetResources filtered by resource type and tag key, 100 a page: ⌈tagged / 100⌉ calls.
    """
    tagged: dict[str, str] = {}
    for page in pages(
        tagging,
        "get_resources",
        TAGGING_PAGE,
        ResourceTypeFilters=[ACM_RESOURCE_FILTER],
        TagFilters=[{"Key": key}],
    ):
        for resource in page.get("ResourceTagMappingList", []):
            value = _value_of(resource, key)
            if value is not None:
                tagged[str(resource["ResourceARN"])] = value
    return tagged


def tag_value(tagging: Any, arn: str, key: str) -> str | None:
    """The value of tag ``key`` on one certificate, or None when it does not carry it (one call)."""
    answer = call(tagging, "get_resources", ResourceARNList=[arn])
    for resource in answer.get("ResourceTagMappingList", []):
        # GetResources with ResourceARNList answers those resources only (API reference), so no answer
        # AWS gives tells this check's absence apart (an equivalent mutant, bench/mutant_catalogue.py).
        value = _value_of(resource, key) if resource.get("ResourceARN") == arn else None
        if value is not None:
            return value
    return None


def _value_of(resource: Any, key: str) -> str | None:
    """The value of tag ``key`` in one GetResources ResourceTagMapping, or None when it has none."""
    for tag in resource.get("Tags", []):
        if tag.get("Key") == key:
            return str(tag.get("Value", ""))
    return None
