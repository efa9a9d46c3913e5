"""Lengths as AWS counts them: text limits in UTF-16 code units.

AWS documents its text limits in "characters" (PutEvaluations' Annotation: 1 to 256; an ASFF finding's
Title: 256). Its services are written in Java, whose ``String.length()`` counts UTF-16 code units, so a
character outside the Basic Multilingual Plane (an emoji in a tag value, say) counts twice there and
once in Python's ``len``. Which count each service applies is not documented (assumed, not verified);
the rule counts UTF-16 units, the stricter of the two, so its words fit either way.

Pure: no boto3, no clock.
"""

from __future__ import annotations

ELLIPSIS = "…"  # one unit


def utf16_units(text: str) -> int:
    """``text``'s length in UTF-16 code units (a character beyond U+FFFF counts 2)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def clip_utf16(text: str, limit: int, marker: str = ELLIPSIS) -> str:
    """``text`` if it fits ``limit`` UTF-16 units, else cut (never inside a character) to fit with ``marker``."""
    if utf16_units(text) <= limit:
        return text
    room, used, kept = limit - utf16_units(marker), 0, []
    for c in text:
        width = 2 if ord(c) > 0xFFFF else 1
        if used + width > room:
            break
        kept.append(c)
        used += width
    return "".join(kept) + marker
