"""The reviewed calls of one standard, read from the database.

A call counts when a QA lead marked it reviewed (and no appeal came since), under any
version of the standard's id. A recording reviewed under several versions counts once, with
its latest reviewed analysis: the same call twice would weigh twice in the metrics.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.calibration.labels import ReviewedCall, reviewed_call
from pipeline.review.callview import load_call_view
from pipeline.storage.db import database_url, open_database
from pipeline.storage.models import AnalysisRow
from pipeline.storage.reviews import DATABASE_REVIEWS


class CalibrationSourceError(RuntimeError):
    """No labels to calibrate on, or no database to read them from; the message says which."""


def reviewed_calls_in(session: Session, standard_id: str) -> list[ReviewedCall]:
    """Every reviewed call of `standard_id`, oldest analysis first; CalibrationSourceError when none."""
    reviewed = DATABASE_REVIEWS.reviewed_analyses().order_by(None).subquery()
    rows = session.execute(
        select(AnalysisRow.id, AnalysisRow.recording_id)
        .where(AnalysisRow.standard_id == standard_id, AnalysisRow.id.in_(select(reviewed.c.analysis_id)))
        .order_by(AnalysisRow.id)).all()
    latest = {recording_id: analysis_id for analysis_id, recording_id in rows}  # ids grow: the last wins
    if not latest:
        total = session.scalar(select(func.count()).select_from(AnalysisRow)
                               .where(AnalysisRow.standard_id == standard_id)) or 0
        raise CalibrationSourceError(
            f"no reviewed calls for standard {standard_id!r}: the database has {total} analys"
            f"{'is' if total == 1 else 'es'} of it and none is marked reviewed; review calls in "
            "`callqa review` (mark each one reviewed) first")
    return [reviewed_call(load_call_view(session, a)) for a in sorted(latest.values())]


def load_reviewed_calls(url: str | None, standard_id: str) -> list[ReviewedCall]:
    """Open the database at `url` (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db) and read
    the labels; an SQLite file that does not exist is an error, not a new empty database."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).is_file():
        raise CalibrationSourceError(f"{url}: no such database file")
    try:
        with open_database(url).begin() as session:
            return reviewed_calls_in(session, standard_id)
    except SQLAlchemyError as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise CalibrationSourceError(f"database {shown} unreachable: {exc.__class__.__name__}: "
                                     f"{str(exc).splitlines()[0]}") from None
