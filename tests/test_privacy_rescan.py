"""`callqa privacy-rescan` (issue 18): a call's spans are those of the detectors that scanned it, so
the calls scanned by older detectors, and those never scanned, are scanned again with today's.

On the demo calls as the real batch stored them (none scanned), with a planted name and phone number
in Анна's first call (tests/conftest_review.py), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

import pipeline.privacy
from pipeline.cli import app
from pipeline.privacy.stored import DETECTORS, SCANNED_BY, spans_of, stale_scans
from pipeline.review.standards import standard_by_id
from pipeline.storage.db import open_database
from pipeline.storage.models import AnalysisRow, PersonalScanRow, PersonalSpanRow
from pipeline.storage.personal_data import load_personal_spans
from pipeline.storage.purge import purge_before
from tests.conftest_review import Planted
from tests.review_backends import review_db_url  # noqa: F401  (the demo calls on both backends)

OLD = "natasha-ner@1.6.0,numbers@1"  # a scan record of a detector version long gone


def _rescan(db_url: str, *more: str):
    return CliRunner().invoke(app, ["privacy-rescan", "--db", db_url, *more])


def test_every_detector_is_named_in_a_scan_record() -> None:
    """A detector module's version constant that DETECTORS left out would never cause a rescan."""
    constants = set()
    for module in pkgutil.iter_modules(pipeline.privacy.__path__):
        loaded = importlib.import_module(f"pipeline.privacy.{module.name}")
        constants |= {v for k, v in vars(loaded).items() if k.endswith("DETECTOR") and isinstance(v, str)}
    assert set(DETECTORS) == constants and SCANNED_BY == ",".join(DETECTORS)


def test_calls_scanned_by_older_detectors_or_never_are_rescanned(review_db_url: str, planted: Planted) -> None:
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        calls = session.scalars(select(AnalysisRow.id).order_by(AnalysisRow.id)).all()
        assert list(stale_scans(session)) == calls  # the batch stored them unscanned
        current = spans_of(session, planted.analysis_id, standard_by_id)
        assert {s.type for s in current} >= {"name", "phone"}
        assert session.get(PersonalScanRow, planted.analysis_id).detectors == SCANNED_BY
        assert planted.analysis_id not in stale_scans(session)
        # as stored by an older detector that found nothing in the planted line
        session.execute(delete(PersonalSpanRow).where(PersonalSpanRow.analysis_id == planted.analysis_id))
        scan = session.get(PersonalScanRow, planted.analysis_id)
        scan.detectors, scan.spans = OLD, 0
        other = next(a for a in calls if a != planted.analysis_id)
        spans_of(session, other, standard_by_id)  # scanned by today's detectors: stays as it is
        other_scanned_at = session.get(PersonalScanRow, other).scanned_at
    stale = [a for a in calls if a != other]

    dry = _rescan(review_db_url, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"{len(stale)} call(s) to rescan with {SCANNED_BY}; 1 by {OLD}; {len(stale) - 1} never scanned" in dry.output
    with sessions.begin() as session:
        assert load_personal_spans(session, planted.analysis_id) == []  # a dry run changes nothing
        assert list(stale_scans(session)) == stale

    result = _rescan(review_db_url)
    assert result.exit_code == 0, result.output
    for done, aid in enumerate(stale, 1):  # a line per call, naming it by its id, never its file
        assert f"privacy-rescan: {done}/{len(stale)} done" in result.output
        assert f"(call {aid})" in result.output
    assert f"rescanned {len(stale)} call(s): 0 personal data spans before" in result.output
    assert f"1 call(s) changed, {len(stale) - 1} never scanned before" in result.output
    with sessions.begin() as session:
        assert load_personal_spans(session, planted.analysis_id) == current
        assert stale_scans(session) == {}
        assert set(session.scalars(select(PersonalScanRow.detectors))) == {SCANNED_BY}
        assert session.scalar(select(func.count()).select_from(PersonalScanRow)) == len(calls)
        assert session.get(PersonalScanRow, other).scanned_at == other_scanned_at
    again = _rescan(review_db_url)
    assert again.exit_code == 0 and f"0 call(s) to rescan with {SCANNED_BY}" in again.output
    sessions.kw["bind"].dispose()


def test_a_purged_call_is_not_rescanned_and_a_failed_scan_keeps_the_old_one(
        review_db_url: str, planted: Planted, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        purged = purge_before(session, datetime(2026, 11, 5, tzinfo=timezone.utc)).analyses
        assert purged and planted.analysis_id not in purged
        assert not set(purged) & set(stale_scans(session))
        spans_of(session, planted.analysis_id, standard_by_id)
        session.get(PersonalScanRow, planted.analysis_id).detectors = OLD
        kept = load_personal_spans(session, planted.analysis_id)
        stale = list(stale_scans(session))

    def broken(*_: object) -> list:
        raise RuntimeError("detector down")

    monkeypatch.setattr("pipeline.privacy.stored.detect_personal_data", broken)
    result = _rescan(review_db_url)
    assert result.exit_code == 1
    assert f"call {planted.analysis_id}: RuntimeError: detector down" in result.output
    assert "rescanned 0 call(s)" in result.output
    with sessions.begin() as session:  # each call's rescan is its own transaction: nothing half done
        assert load_personal_spans(session, planted.analysis_id) == kept
        assert session.get(PersonalScanRow, planted.analysis_id).detectors == OLD
        assert list(stale_scans(session)) == stale
    sessions.kw["bind"].dispose()
