"""Links from the scorecards to the review app's call page, at the second worth hearing.

The base URL is the review app as the readers of the reports reach it
(`CALLQA_REVIEW_URL`, e.g. https://qa.example.ru); `callqa review` serves
`/call/<analysis id>?t=<second>`. Without it there is no link at all: a
scheme nothing opens only teaches people that the links are broken.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

REVIEW_URL_ENV = "CALLQA_REVIEW_URL"


def checked_review_url(value: str, source: str = REVIEW_URL_ENV) -> str | None:
    """`value` without a trailing slash; None when empty; ValueError naming `source` when it is no http(s) URL."""
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{source} {value!r}: expected the review app's address, like https://qa.example.ru")
    return value.rstrip("/")


def review_url_from_env() -> str | None:
    return checked_review_url(os.environ.get(REVIEW_URL_ENV, ""))


def call_link(review_url: str | None, analysis_id: int, second: int) -> str | None:
    """The call page at `second`, or None without a review app to link to."""
    if review_url is None:
        return None
    return f"{review_url}/call/{analysis_id}?t={max(0, second)}"


__all__ = ["REVIEW_URL_ENV", "call_link", "checked_review_url", "review_url_from_env"]
