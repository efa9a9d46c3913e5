"""Debian's chromium, headless: screenshots, PDFs, and pages whose scripts report what they saw.

Used by ``tests/test_report_browser.py`` (skipped where no chromium is installed) and by
``make report-preview``. Every run gets a fresh profile and no network: ``--disable-background-networking``
and friends keep chromium from calling home, and the report fetches nothing itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
PAPERS = ("A4", "Letter")


def find_chromium() -> str | None:
    """The chromium (or Chrome) on PATH, if any."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run(chromium: str, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )


def screenshot(chromium: str, page: Path, out: Path, width: int, height: int) -> Path:
    """The page at ``width`` CSS pixels, ``height`` tall (chromium shoots the window, not the whole page)."""
    run(chromium, f"--window-size={width},{height}", f"--screenshot={out}", page.as_uri())
    return out


def pdf(chromium: str, page: Path, out: Path, paper: str) -> Path:
    """The page printed on ``paper`` (A4 or Letter), as choosing it in the print dialog would.

    The report asks for landscape only and leaves the paper to the printer; headless chromium has
    no paper option, so a copy of the page names the paper in an ``@page`` rule of its own.
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {PAPERS}, not {paper!r}")
    text = page.read_text(encoding="utf-8")
    copy = out.with_suffix(f".{paper}.html")
    copy.write_text(text.replace("</head>", f"<style>@page {{ size: {paper} landscape; }}</style>\n</head>", 1))
    try:
        run(chromium, "--no-pdf-header-footer", f"--print-to-pdf={out}", copy.as_uri())
    finally:
        copy.unlink()
    return out


def pdf_page_count(document: bytes) -> int:
    """Pages in a PDF chromium wrote (its page objects are plain dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", document))
