"""`callqa purge` (issue 18): past the retention period a call loses its transcript, quotes, audio
path and personal data; its score, findings and the scorecards' figures stay as they were.

On the demo calls as the real batch stored them (tests/conftest_review.py), three of them dated
before the cut-off, with a planted phone number scanned and stored; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.privacy.retention import parse_period, retention_period
from pipeline.privacy.stored import spans_of
from pipeline.reports.period import period_between
from pipeline.reports.queries import load_period, seller_scorecard
from pipeline.review.standards import standard_by_id
from pipeline.storage.db import open_database
from pipeline.storage.models import (
    AnalysisRow,
    FindingRow,
    PersonalSpanRow,
    RecordingRow,
    ReviewActionRow,
    ScoreRow,
    SellerRow,
    StageResultRow,
    TranscriptCacheRow,
    UtteranceRow,
)
from pipeline.storage.purge import PURGED_PATH, purge_before
from pipeline.storage.reviews import DATABASE_REVIEWS, get_user, record_action
from tests.conftest_review import PLANTED_NAME, PLANTED_PHONE, Planted, login, plant_personal_data
from tests.review_backends import review_db_url  # noqa: F401  (the demo calls on both backends)

CUTOFF = datetime(2026, 11, 5, tzinfo=timezone.utc)  # the demo calls of 2 and 3 November are older
PERIOD = period_between(date(2026, 11, 1), date(2026, 11, 30))


def _kept(session, aids: list[int]) -> dict:
    """What the scorecards and the queue need of each call."""
    def rows(*columns, where) -> list[tuple]:
        return sorted(tuple(r) for r in session.execute(select(*columns).where(where)))

    return {"scores": rows(ScoreRow.analysis_id, ScoreRow.score, ScoreRow.flagged, where=ScoreRow.analysis_id.in_(aids)),
            "findings": rows(FindingRow.analysis_id, FindingRow.type, FindingRow.start, FindingRow.severity,
                             where=FindingRow.analysis_id.in_(aids)),
            "stages": rows(StageResultRow.analysis_id, StageResultRow.stage_id, StageResultRow.present,
                           StageResultRow.start, where=StageResultRow.analysis_id.in_(aids)),
            "metrics": [(a, json.dumps(m, sort_keys=True)) for a, m in
                        rows(AnalysisRow.id, AnalysisRow.metrics, where=AnalysisRow.id.in_(aids))]}


def _cards(session) -> list:
    data = load_period(session, PERIOD, "Europe/Moscow", DATABASE_REVIEWS)
    names = sorted({c.seller for c in data.calls if c.seller})
    # a pick names its call's file: gone with the audio path, the rest of the card is the same
    return [replace(card, best=tuple(replace(p, path="") for p in card.best),
                    worst=tuple(replace(p, path="") for p in card.worst))
            for card in (seller_scorecard(session, data, n, min_calls=1, reviews=DATABASE_REVIEWS) for n in names)]


def _old_and_new(session) -> tuple[list[int], list[int]]:
    rows = session.execute(select(AnalysisRow.id, RecordingRow.started_at)
                           .join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)).all()
    old = sorted(a for a, started in rows if started.replace(tzinfo=timezone.utc) < CUTOFF)
    return old, sorted(a for a, _ in rows if a not in old)


def test_purge_keeps_scores_findings_and_scorecards_and_deletes_the_rest(review_db_url: str, planted: Planted) -> None:
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        old, new = _old_and_new(session)
        assert len(old) == 3 and new and planted.analysis_id in new  # Анна's call (5 November) stays
        for aid in old + new:
            spans_of(session, aid, standard_by_id)  # scanned, as the flow does
        assert session.scalar(select(func.count()).select_from(PersonalSpanRow)
                              .where(PersonalSpanRow.analysis_id == planted.analysis_id)) >= 2
        before, cards = _kept(session, old + new), _cards(session)
        new_utterances = session.scalar(select(func.count()).select_from(UtteranceRow)
                                        .where(UtteranceRow.analysis_id.in_(new)))
    with sessions.begin() as session:
        assert purge_before(session, CUTOFF, dry_run=True).analyses == tuple(old)
        assert session.scalar(select(func.count()).select_from(UtteranceRow)
                              .where(UtteranceRow.analysis_id.in_(old))) > 0  # a dry run changes nothing
        result = purge_before(session, CUTOFF)
    assert result.analyses == tuple(old) and result.utterances > 0 and result.cached_transcripts == 3

    with sessions.begin() as session:
        assert _kept(session, old + new) == before
        assert _cards(session) == cards
        assert session.scalar(select(func.count()).select_from(UtteranceRow)
                              .where(UtteranceRow.analysis_id.in_(old))) == 0
        assert session.scalar(select(func.count()).select_from(UtteranceRow)
                              .where(UtteranceRow.analysis_id.in_(new))) == new_utterances
        assert session.scalars(select(FindingRow.evidence).where(FindingRow.analysis_id.in_(old))).all() == [""] * len(
            [f for f in before["findings"] if f[0] in old])
        assert set(session.scalars(select(StageResultRow.quote).where(StageResultRow.analysis_id.in_(old)))) <= {None}
        for aid in old:
            row = session.get(AnalysisRow, aid)
            assert row.purged_at is not None and row.recording_path == PURGED_PATH
            assert row.recording.path == PURGED_PATH and row.recording.client_number is None
            assert session.scalar(select(func.count()).select_from(TranscriptCacheRow)
                                  .where(TranscriptCacheRow.sha256 == row.recording.sha256)) == 0
            assert session.scalar(select(func.count()).select_from(PersonalSpanRow)
                                  .where(PersonalSpanRow.analysis_id == aid)) == 0
            assert spans_of(session, aid, standard_by_id) == []  # purged: nothing to scan, not rescanned
        kept = session.get(AnalysisRow, planted.analysis_id)
        assert kept.purged_at is None and kept.recording.client_number
        # the sellers keep their calls: the seller of each purged call is still known
        assert None not in session.scalars(select(SellerRow.name).join(RecordingRow).join(AnalysisRow)
                                           .where(AnalysisRow.id.in_(old))).all()
    with sessions.begin() as session:
        assert purge_before(session, CUTOFF).analyses == ()  # once
    sessions.kw["bind"].dispose()


def test_a_purged_call_opens_without_transcript_or_audio(review_db_url: str, review_client) -> None:
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        old, _ = _old_and_new(session)
        with_findings = session.scalars(select(FindingRow.analysis_id).where(FindingRow.analysis_id.in_(old))).first()
        assert with_findings is not None  # an old call with findings: what the purged page must still show
        purge_before(session, CUTOFF)
    sessions.kw["bind"].dispose()
    login(review_client, "coach")
    data = review_client.get(f"/api/calls/{with_findings}").json()
    assert data["analysis"]["transcript"] == [] and data["score"] is not None and data["analysis"]["findings"]
    assert review_client.get(f"/call/{with_findings}").status_code == 200
    assert review_client.get(f"/call/{with_findings}/audio").status_code == 404


def test_cli_purge_takes_its_period_from_the_option_or_the_settings(review_db_url: str, monkeypatch) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["purge", "--older-than", "3650d", "--db", review_db_url])
    assert result.exit_code == 0, result.output
    assert "purged 0 call(s)" in result.output
    monkeypatch.setenv("CALLQA_RETENTION", "1d")
    result = runner.invoke(app, ["purge", "--db", review_db_url, "--dry-run"])
    assert result.exit_code == 0 and "7 call(s)" in result.output, result.output
    bad = runner.invoke(app, ["purge", "--older-than", "half a year", "--db", review_db_url])
    assert bad.exit_code == 2 and "--older-than 'half a year'" in bad.output


# a reviewer's note quoting the client as the transcript has it, and a number from the phone system
COMMENT = f"Клиентка {PLANTED_NAME} просит перезвонить на {PLANTED_PHONE} или на 89161112233, не продавать доставку"
MASKED = "Клиентка [имя] просит перезвонить на [телефон] или на [телефон], не продавать доставку"


def _comment_on(db_url: str, analysis_id: int) -> None:
    sessions = open_database(db_url)
    with sessions.begin() as session:
        record_action(session, get_user(session, "lead"), analysis_id, "mark_reviewed", comment=COMMENT)
    sessions.kw["bind"].dispose()


def _comments(session, analysis_id: int) -> list[str | None]:
    return list(session.scalars(select(ReviewActionRow.comment).where(ReviewActionRow.analysis_id == analysis_id)))


def test_purge_masks_the_reviewers_comments_of_the_calls_it_purges(review_db_url: str, planted: Planted) -> None:
    """What remains after the retention period holds no personal data: a comment quoting the client
    is masked with the call's spans, before they go, and any phone number in it."""
    old = plant_personal_data(review_db_url, seller="Ирина")  # her call of 2 November is past the cut-off
    for call in (old, planted):
        _comment_on(review_db_url, call.analysis_id)
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        assert {s.type for s in spans_of(session, old.analysis_id, standard_by_id)} >= {"name", "phone"}
        result = purge_before(session, CUTOFF)
    assert old.analysis_id in result.analyses and planted.analysis_id not in result.analyses
    assert result.comments == 1
    with sessions.begin() as session:
        assert _comments(session, old.analysis_id) == [MASKED]  # the action and its words stay
        assert _comments(session, planted.analysis_id) == [COMMENT]  # not due: as written
    sessions.kw["bind"].dispose()


def test_cli_purge_scans_a_call_never_scanned_to_mask_its_comments(review_db_url: str) -> None:
    old = plant_personal_data(review_db_url, seller="Ирина")
    _comment_on(review_db_url, old.analysis_id)
    result = CliRunner().invoke(app, ["purge", "--older-than", "1d", "--db", review_db_url])
    assert result.exit_code == 0, result.output
    assert "purged 7 call(s)" in result.output and "1 reviewers' comments masked" in result.output
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        assert _comments(session, old.analysis_id) == [MASKED]
        assert session.scalar(select(func.count()).select_from(PersonalSpanRow)) == 0  # the scan's spans went too
    sessions.kw["bind"].dispose()


@pytest.mark.parametrize(("text", "days"), [("180d", 180), ("26w", 182), ("1y", 365), ("90", 90)])
def test_periods_read(text: str, days: int) -> None:
    assert parse_period(text).days == days


@pytest.mark.parametrize("text", ["0d", "-5d", "6m", ""])
def test_bad_periods_are_refused_naming_the_source(text: str, monkeypatch) -> None:
    monkeypatch.setenv("CALLQA_RETENTION", text or "x")
    with pytest.raises(ValueError, match="CALLQA_RETENTION"):
        retention_period()
