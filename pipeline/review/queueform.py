"""The queue's filters as the pages and the exports read them from a URL.

Why a module of its own: the QA lead's day needs more than plain fields:
the default is «not yet reviewed», a seller's default is all
their own calls, dates are typed the Russian way (05.12.2026), and
«апелляции» and «мои» are inboxes of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from pipeline.review.auth import SignedIn
from pipeline.review.labels import parse_day
from pipeline.review.queue import NulInFilter, QueueFilters
from pipeline.review.web import MAX_PAGE, parse_number

ON = ("1", "on", "true", "yes")


def queue_filters(params: Any, who: SignedIn) -> QueueFilters:
    """QueueFilters from query parameters; ValueError names the offending parameter.

    Empty fields (as HTML forms send them) mean «any».
    """
    def text(name: str) -> str | None:
        value = (params.get(name) or "").strip()
        if "\x00" in value:  # PostgreSQL refuses NUL in text; refused here for every field alike
            raise NulInFilter(f"{name}: a NUL character is not allowed")
        return value or None

    page_raw = text("page") or "1"
    if not (page_raw.isdecimal() and len(page_raw) <= len(str(MAX_PAGE)) and 1 <= int(page_raw) <= MAX_PAGE):
        raise ValueError(f"page {page_raw!r}: expected a whole number from 1 to {MAX_PAGE}")
    seller = who.user.role == "seller"
    return QueueFilters(
        seller=text("seller"), date_from=parse_day("date_from", text("date_from")),
        date_to=parse_day("date_to", text("date_to")), finding=text("finding"), missing_stage=text("missing_stage"),
        score_min=parse_number("score_min", text("score_min")), score_max=parse_number("score_max", text("score_max")),
        # a seller's «Мои звонки» lists every call of theirs; a QA lead starts with what nobody has reviewed
        reviewed=text("reviewed") or ("any" if seller else "no"),
        everything=(text("all") or ("1" if seller else "")) in ON, page=int(page_raw),
        appeals=(text("appeals") or "") in ON,
        assigned_to=who.user.id if (text("mine") or "") in ON else None)


@contextmanager
def filter_errors() -> Iterator[None]:
    """Bad queue filters as the routes answer them: 400 for a NUL, 422 naming the parameter otherwise."""
    try:
        yield
    except NulInFilter as exc:
        raise HTTPException(400, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


__all__ = ["filter_errors", "queue_filters"]
