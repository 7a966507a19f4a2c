"""The reports the nightly flow writes: this week's card for every seller, and the team's.

Kept out of `pipeline.flow` on purpose: the flow only calls
`write_current_reports(...)` after the batch, and the same function serves
anyone who wants the files without running a batch.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from checks.standard import Standard
from pipeline.phone.threads import UNKNOWN_SELLER
from pipeline.reports.links import review_url_from_env
from pipeline.reports.period import DEFAULT_TIMEZONE, Period, current_week, zone_info
from pipeline.reports.queries import (
    DEFAULT_MIN_CALLS,
    ReviewSource,
    known_sellers,
    load_period,
    seller_scorecard,
    team_report,
)
from pipeline.reports.render import Format, write_report
from pipeline.storage.reviews import DATABASE_REVIEWS

DEFAULT_REPORTS_DIR = Path("reports")  # relative to the current directory, like callqa.db
NIGHTLY_FORMATS: tuple[Format, ...] = ("html", "pdf")


def stage_titles(standard: Standard | None) -> dict[str, str]:
    """Stage id -> the standard's title («Приветствие»), for the charts' labels."""
    return {s.id: s.title for s in standard.stages if s.title} if standard else {}


def company_timezone(standard: Standard | None) -> str:
    return standard.company.timezone if standard else DEFAULT_TIMEZONE


def file_stem(name: str) -> str:
    """A seller's name as a file name: letters (Cyrillic too), digits, '-', '_'; nothing that walks paths."""
    return re.sub(r"[^\w-]+", "_", name).strip("_") or "seller"


def write_current_reports(sessions: sessionmaker[Session], reports_dir: Path = DEFAULT_REPORTS_DIR,
                          today: date | None = None, *, standard: Standard | None = None,
                          min_calls: int = DEFAULT_MIN_CALLS,
                          formats: tuple[Format, ...] = NIGHTLY_FORMATS,
                          reviews: ReviewSource = DATABASE_REVIEWS, review_url: str | None = None) -> list[Path]:
    """Write this week's scorecards (every known seller, and any seller with calls) and the team report.

    Files go to `reports_dir/<ISO week>/<seller>.<fmt>` and `team.<fmt>`; a rerun
    the same night overwrites them. `today` defaults to today in the company's
    time zone. Findings the QA lead dismissed are counted out (`reviews`). The calls to hear link to
    the review app at `review_url` (default: $CALLQA_REVIEW_URL; none without it). Returns the paths written.
    """
    review_url = review_url or review_url_from_env()
    tz = company_timezone(standard)
    day = today or datetime.now(zone_info(tz)).date()
    period: Period = current_week(day)
    titles = stage_titles(standard)
    folder = reports_dir / period.label
    written: list[Path] = []
    with sessions.begin() as session:
        data = load_period(session, period, tz, reviews)
        previous = load_period(session, period.previous(), tz, reviews)
        sellers = sorted((set(known_sellers(session)) | set(data.sellers)) - {UNKNOWN_SELLER})
        cards = [seller_scorecard(session, data, s, min_calls=min_calls, reviews=reviews) for s in sellers]
    team = team_report(data, previous, min_calls=min_calls)
    for fmt in formats:
        written.append(write_report(team, fmt, folder / f"team.{fmt}", titles))
        written += [write_report(card, fmt, folder / f"{file_stem(card.seller)}.{fmt}", titles, review_url)
                    for card in cards]
    return written
