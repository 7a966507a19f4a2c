"""Personal data spans stored per analysis (migration 0009), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from pipeline.privacy.detect import detect_personal_data, ignore_terms
from pipeline.privacy.masking import mask_for_role
from pipeline.records import CallAnalysis, CallScore, Recording
from pipeline.storage import repository as repo
from pipeline.storage.db import open_database
from pipeline.storage.models import AnalysisRow, PersonalSpanRow
from pipeline.storage.personal_data import load_personal_spans, save_personal_spans
from tests.helpers import call

CALL = call(
    ("seller", 0.0, "Продиктуйте, пожалуйста, номер карты."),
    ("client", 3.0, "4276 3801 2345 6789, это Ирина Соколова."),
)
SHA = "d" * 64


def _store_analysis(session) -> int:
    repo.upsert_recording(session, Recording("inbox/call.flac", SHA, 1000), duration_s=10.0, channels=2)
    analysis = CallAnalysis(recording="inbox/call.flac", transcript=CALL, stages=(), findings=(),
                            score=CallScore(80.0, False, (), ()), checks_run=(), standard_id="s", standard_version="1")
    return repo.save_analysis(session, SHA, analysis)


def test_spans_round_trip_replace_and_go_with_their_analysis(empty_database_url: str) -> None:
    sessions = open_database(empty_database_url)
    spans = detect_personal_data(CALL, ignore_terms("СтройДом"))
    assert [s.type for s in spans] == ["card", "name"]
    with sessions.begin() as session:
        aid = _store_analysis(session)
        save_personal_spans(session, aid, spans)
    with sessions.begin() as session:
        loaded = load_personal_spans(session, aid)
        assert loaded == spans
        # what was stored is enough to mask the call again
        assert mask_for_role(CALL, loaded, "seller").utterances[1].text == "[карта], это [имя]."
        save_personal_spans(session, aid, spans[:1])  # detection rerun: replaces, not appends
    with sessions.begin() as session:
        assert load_personal_spans(session, aid) == spans[:1]
        session.execute(delete(AnalysisRow).where(AnalysisRow.id == aid))
    with sessions.begin() as session:
        assert session.scalars(select(PersonalSpanRow)).all() == []
    sessions.kw["bind"].dispose()


def test_spans_need_a_stored_analysis(empty_database_url: str) -> None:
    sessions = open_database(empty_database_url)
    with sessions.begin() as session, pytest.raises(LookupError, match="no analysis with id 999"):
        save_personal_spans(session, 999, [])
    with sessions.begin() as session:
        assert load_personal_spans(session, 999) == []
    sessions.kw["bind"].dispose()
