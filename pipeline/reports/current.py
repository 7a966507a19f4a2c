"""The reports the nightly flow writes: this week's card for every seller, and the team's.

Kept out of `pipeline.flow` on purpose: the flow only calls
`write_current_reports(...)` after the batch, and the same function serves
anyone who wants the files without running a batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from functools import lru_cache
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
from pipeline.reports.render import Format, Report, write_report
from pipeline.storage.reviews import DATABASE_REVIEWS

DEFAULT_REPORTS_DIR = Path("reports")  # relative to the current directory, like callqa.db
NIGHTLY_FORMATS: tuple[Format, ...] = ("html", "pdf")
# in each week's folder: file name -> the key of what that file shows (`content_key`)
MANIFEST = ".callqa-keys.json"


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

    Files go to `reports_dir/<ISO week>/<seller>.<fmt>` and `team.<fmt>`; a rerun the same
    night redraws only the reports whose figures changed (`content_key`), and returns every
    one of the week's paths, redrawn or already current. `today` defaults to today in the company's
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
    keys = _read_manifest(folder)
    for fmt in formats:
        for report, name, url in [(team, "team", None), *((c, file_stem(c.seller), review_url) for c in cards)]:
            out = folder / f"{name}.{fmt}"
            key = content_key(report, fmt, titles, url)
            # drawing the charts and embedding the PDF fonts took about 10 s a night for 6 sellers
            # (issue 20): a report whose figures have not changed since it was written is kept
            if not (out.is_file() and keys.get(out.name) == key):
                write_report(report, fmt, out, titles, url)
                keys[out.name] = key
                _write_manifest(folder, keys)
            written.append(out)
    return written


@lru_cache(maxsize=1)
def _renderer_fingerprint() -> bytes:
    """The code and library that draw a report: a new version redraws every report."""
    import matplotlib

    from pipeline.reports import charts, render

    code = b"".join(Path(m.__file__).read_bytes() for m in (charts, render))  # type: ignore[arg-type]
    return hashlib.sha256(code + matplotlib.__version__.encode()).digest()


def content_key(report: Report, fmt: Format, titles: Mapping[str, str], review_url: str | None) -> str:
    """What a report file shows: its figures (every field of the report's dataclasses), the
    stage titles, the links' address, the format and the renderer. Any change gives a new key;
    an unchanged key means the file on disk would be drawn the same."""
    shown = repr(_canonical((fmt, report, titles, review_url))).encode()
    return hashlib.sha256(_renderer_fingerprint() + shown).hexdigest()[:32]


def _canonical(value: object) -> object:
    """`value` as nested tuples in one order: a set's repr follows string hashing, which
    differs from process to process, and the key must not."""
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, *((f.name, _canonical(getattr(value, f.name))) for f in fields(value)))
    if isinstance(value, Mapping):
        # in its own order, which the report shows
        return ("map", *((_canonical(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return ("set", *sorted((_canonical(v) for v in value), key=repr))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


def _read_manifest(folder: Path) -> dict[str, str]:
    """The keys of the reports already in `folder`; none (all redrawn) if unreadable."""
    try:
        keys = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in keys.items()} if isinstance(keys, dict) else {}


def _write_manifest(folder: Path, keys: dict[str, str]) -> None:
    """Written after each report, through a temporary file: a night stopped half way leaves
    keys only for the files that were finished. The temporary file is this process's own: two
    workers on one inbox write the same folder's manifest, and one's rename must not take the
    other's file away."""
    tmp = folder / f"{MANIFEST}.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_text(json.dumps(keys, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    tmp.replace(folder / MANIFEST)
