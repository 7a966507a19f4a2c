"""Storage layer: migrations, dedupe, versioned analyses, round trips, cache, failures.

Every test runs against SQLite and PostgreSQL (fixtures in conftest_storage).
"""

from __future__ import annotations

import dataclasses

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.orm import Session

from pipeline.records import (
    CallAnalysis,
    CallScore,
    Evidence,
    Finding,
    Recording,
    StageHit,
    StageScore,
    Transcript,
    Utterance,
    Word,
)
from pipeline.storage import repository as repo
from pipeline.storage.db import (
    DEFAULT_DATABASE_URL,
    alembic_config,
    database_url,
    open_database,
)
from pipeline.storage.models import AnalysisRow, Base, FailureRow, RecordingRow

SHA = "a" * 64
OTHER_SHA = "b" * 64


def make_transcript(engine: str = "faster-whisper", model: str = "large-v3") -> Transcript:
    return Transcript(
        utterances=(
            Utterance(
                speaker="seller",
                start=0.52,
                end=3.1,
                text="Добрый день, компания «СтройДом», меня зовут Ольга.",
                words=(
                    Word(0.52, 0.9, "Добрый", 0.98765),
                    Word(0.9, 1.2, "день,", 0.912),
                    Word(1.25, 2.4, "компания", 1.0),
                ),
                channel=0,
            ),
            Utterance(
                speaker="client",
                start=3.4,
                end=5.05,
                text="Здравствуйте. Сколько стоит доставка щебня?",
                words=(),
                channel=1,
            ),
        ),
        duration_s=61.237,
        channels=2,
        language="ru",
        engine=engine,
        model=model,
        speech_regions=(((0.5, 3.2),), ((3.3, 5.1), (7.0, 9.25))),
        channel_roles=("seller", "client"),
    )


def make_analysis(
    *, standard_version: str = "1.0", model: str = "large-v3", path: str = "inbox/call1.wav"
) -> CallAnalysis:
    return CallAnalysis(
        recording=path,
        transcript=make_transcript(model=model),
        stages=(
            StageHit(
                stage_id="greeting",
                present=True,
                score=0.875,
                evidence=Evidence(
                    start=0.52,
                    end=3.1,
                    speaker="seller",
                    quote="Добрый день, компания «СтройДом»",
                    reference="Добрый день, компания СтройДом, меня зовут …",
                    match_score=91.3,
                ),
                elements={"company": True, "name": True, "position": False},
                check="stage_detector@1.2",
            ),
            StageHit(stage_id="needs", present=False, score=0.0, check="stage_detector@1.2"),
        ),
        findings=(
            Finding(
                type="long_pause",
                severity="major",
                start=12.0,
                end=19.5,
                speaker="seller",
                evidence="(тишина 7.5 с)",
                reference="пауза не более 5 с",
                check="pauses@2",
                details={"pause_s": 7.5, "threshold_s": 5, "channels": [0, 1], "ok": False},
            ),
            Finding(
                type="missing_stage",
                severity="critical",
                start=0.0,
                end=61.2,
                speaker="seller",
                evidence="no phrase of stage «needs» was found",
                check="missing_stage@1",
                details={"stage": "needs"},
            ),
        ),
        score=CallScore(
            score=62.5,
            flagged=True,
            reasons=("critical finding: missing_stage", "stage missing: needs"),
            stages=(StageScore("greeting", 10.0, 8.75), StageScore("needs", 20.0, 0.0)),
            penalty=15.0,
        ),
        checks_run=("stage_detector@1.2", "pauses@2", "facts@1"),
        checks_skipped=("script_order@1",),
        standard_id="stroydom",
        standard_version=standard_version,
    )


def add_recording(session: Session, sha: str = SHA, path: str = "inbox/call1.wav") -> RecordingRow:
    return repo.upsert_recording(
        session, Recording(path=path, sha256=sha, size_bytes=1234), duration_s=61.2, channels=2
    )


# --- schema -----------------------------------------------------------------------


def test_migrations_create_all_tables(db_connection: Connection) -> None:
    tables = set(inspect(db_connection).get_table_names())
    assert set(Base.metadata.tables) | {"alembic_version"} <= tables


def test_migrations_match_models(db_connection: Connection) -> None:
    """The hand-tidied migration must describe exactly what the models declare."""
    ctx = MigrationContext.configure(db_connection, opts={"compare_type": True})
    assert compare_metadata(ctx, Base.metadata) == []


def test_downgrade_and_upgrade_again(db_connection: Connection) -> None:
    """Migrations run inside a caller's connection; the outer rollback undoes them."""
    cfg = alembic_config()
    cfg.attributes["connection"] = db_connection
    command.downgrade(cfg, "base")
    assert not set(Base.metadata.tables) & set(inspect(db_connection).get_table_names())
    command.upgrade(cfg, "head")
    assert set(Base.metadata.tables) <= set(inspect(db_connection).get_table_names())


def test_query_columns_are_indexed(db_connection: Connection) -> None:
    insp = inspect(db_connection)
    indexed = {
        (table, tuple(ix["column_names"]))
        for table in ("findings", "analyses", "scores")
        for ix in insp.get_indexes(table)
    }
    assert ("findings", ("type",)) in indexed
    assert ("analyses", ("recording_id",)) in indexed
    assert ("scores", ("flagged",)) in indexed


def test_open_database_is_idempotent(db_engine: Engine) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    sessions = open_database(url)  # already at head: upgrade is a no-op
    try:
        with sessions.begin() as session:
            assert session.scalar(select(func.count()).select_from(RecordingRow)) is not None
    finally:
        sessions.kw["bind"].dispose()


def test_database_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLQA_DATABASE_URL", raising=False)
    assert database_url() == DEFAULT_DATABASE_URL == "sqlite:///callqa.db"
    monkeypatch.setenv("CALLQA_DATABASE_URL", "postgresql+psycopg2://u@h/db")
    assert database_url() == "postgresql+psycopg2://u@h/db"


# --- recordings -------------------------------------------------------------------


def test_same_audio_twice_is_one_row(db_session: Session) -> None:
    first = add_recording(db_session)
    again = add_recording(db_session)
    moved = add_recording(db_session, path="inbox/renamed.wav")
    assert first.id == again.id == moved.id
    rows = db_session.scalars(select(RecordingRow)).all()
    assert len(rows) == 1
    assert rows[0].path == "inbox/renamed.wav"
    assert rows[0].status == "pending" and rows[0].attempts == 0


def test_upsert_keeps_known_duration(db_session: Session) -> None:
    add_recording(db_session)
    row = repo.upsert_recording(
        db_session, Recording("inbox/call1.wav", SHA, 1234), duration_s=None, channels=None
    )
    assert row.duration_s == 61.2 and row.channels == 2


def test_seller_is_created_once(db_session: Session) -> None:
    first = repo.get_or_create_seller(db_session, "Ольга Петрова")
    again = repo.get_or_create_seller(db_session, "Ольга Петрова", extension="204")
    assert first.id == again.id and again.extension == "204"
    rec = add_recording(db_session)
    rec.seller = again
    db_session.flush()
    assert rec.seller_id == first.id


def test_large_file_size_fits(db_session: Session) -> None:
    row = repo.upsert_recording(
        db_session, Recording("big.wav", SHA, 5 * 2**30), duration_s=None, channels=None
    )
    db_session.expire_all()
    assert db_session.get(RecordingRow, row.id).size_bytes == 5 * 2**30  # type: ignore[union-attr]


# --- analyses ---------------------------------------------------------------------


def test_round_trip_is_exact(db_session: Session) -> None:
    add_recording(db_session)
    analysis = make_analysis()
    analysis_id = repo.save_analysis(db_session, SHA, analysis)
    db_session.expire_all()  # force a real read, not the identity map
    loaded = repo.load_analysis(db_session, analysis_id)
    assert loaded == analysis
    assert loaded.stages[1].evidence is None
    assert loaded.transcript.utterances[0].words[0].probability == 0.98765


def test_unicode_russian_text_round_trips(db_session: Session) -> None:
    add_recording(db_session)
    text = "Щебень фракции 20–40 — 1 850 ₽ за м³, ёлки-палки! «Ёж» 😊"
    base = make_analysis()
    utt = dataclasses.replace(base.transcript.utterances[0], text=text)
    analysis = dataclasses.replace(
        base,
        transcript=dataclasses.replace(base.transcript, utterances=(utt,)),
        findings=(dataclasses.replace(base.findings[0], evidence=text, details={"цитата": text}),),
    )
    analysis_id = repo.save_analysis(db_session, SHA, analysis)
    db_session.expire_all()
    loaded = repo.load_analysis(db_session, analysis_id)
    assert loaded.transcript.utterances[0].text == text
    assert loaded.findings[0].evidence == text
    assert loaded.findings[0].details == {"цитата": text}


def test_save_marks_recording_analysed(db_session: Session) -> None:
    add_recording(db_session)
    repo.record_failure(db_session, "inbox/call1.wav", SHA, "decoder crashed")
    repo.save_analysis(db_session, SHA, make_analysis())
    row = db_session.scalars(select(RecordingRow)).one()
    assert row.status == "analysed" and row.error is None
    assert repo.pending_failed_paths(db_session) == []


def test_new_standard_version_or_model_adds_a_row(db_session: Session) -> None:
    add_recording(db_session)
    first = repo.save_analysis(db_session, SHA, make_analysis(standard_version="1.0"))
    second = repo.save_analysis(db_session, SHA, make_analysis(standard_version="1.1"))
    third = repo.save_analysis(db_session, SHA, make_analysis(model="medium"))
    assert len({first, second, third}) == 3
    assert db_session.scalar(select(func.count()).select_from(AnalysisRow)) == 3
    assert repo.load_analysis(db_session, first).standard_version == "1.0"
    assert repo.load_analysis(db_session, third).transcript.model == "medium"
    assert repo.latest_analysis_id(db_session, SHA) == third


def test_same_key_is_detected_and_not_overwritten(db_session: Session) -> None:
    add_recording(db_session)
    key = ("faster-whisper", "large-v3", "stroydom", "1.0")
    assert not repo.analysis_exists(db_session, SHA, *key)
    repo.save_analysis(db_session, SHA, make_analysis())
    assert repo.analysis_exists(db_session, SHA, *key)
    assert not repo.analysis_exists(db_session, SHA, "faster-whisper", "large-v3", "stroydom", "2.0")
    assert not repo.analysis_exists(db_session, OTHER_SHA, *key)
    with pytest.raises(repo.AnalysisExistsError):
        repo.save_analysis(db_session, SHA, make_analysis())
    assert db_session.scalar(select(func.count()).select_from(AnalysisRow)) == 1


def test_save_requires_a_recording(db_session: Session) -> None:
    with pytest.raises(LookupError):
        repo.save_analysis(db_session, OTHER_SHA, make_analysis())


def test_latest_and_load_of_unknown(db_session: Session) -> None:
    assert repo.latest_analysis_id(db_session, OTHER_SHA) is None
    with pytest.raises(LookupError):
        repo.load_analysis(db_session, 999_999)


def test_summary_rows(db_session: Session) -> None:
    add_recording(db_session)
    add_recording(db_session, sha=OTHER_SHA, path="inbox/call2.wav")
    clean = dataclasses.replace(
        make_analysis(path="inbox/call2.wav"),
        findings=(),
        stages=(make_analysis().stages[0],),
        score=CallScore(score=95.0, flagged=False, reasons=(), stages=()),
    )
    a = repo.save_analysis(db_session, SHA, make_analysis())
    b = repo.save_analysis(db_session, OTHER_SHA, clean)
    rows = repo.summary_rows(db_session, [b, a])
    assert rows == [
        repo.SummaryRow(b, "inbox/call2.wav", 61.2, 95.0, False, 0, ()),
        repo.SummaryRow(a, "inbox/call1.wav", 61.2, 62.5, True, 2, ("needs",)),
    ]
    assert repo.summary_rows(db_session, []) == []


def _real_attributes(standard) -> dict:  # type: ignore[no-untyped-def]
    """The lead and segment of a hand-built call, as the checks conclude them."""
    from checks.analyze import analyze_transcript
    from tests.helpers import call

    transcript = call(("seller", 0.0, "Когда вам нужен товар?"), ("client", 2.0, "Через две недели, в Подольск."),
                      ("seller", 5.0, "Как будете оплачивать?"), ("client", 7.0, "Сразу, бюджет триста тысяч."))
    attributes = analyze_transcript(transcript, standard).attributes
    assert set(attributes) == {"lead", "segment"} and attributes["lead"]["priority"] == "hot"
    return attributes


def test_attributes_round_trip(db_session: Session, demo_standard) -> None:  # type: ignore[no-untyped-def]
    add_recording(db_session)
    analysis = dataclasses.replace(make_analysis(), attributes=_real_attributes(demo_standard))
    analysis_id = repo.save_analysis(db_session, SHA, analysis)
    db_session.expire_all()
    loaded = repo.load_analysis(db_session, analysis_id)
    assert loaded.attributes == analysis.attributes and loaded == analysis
    assert loaded.attributes["segment"]["geography"]["evidence"]["reference"] == "Подольск"
    assert loaded.attributes["segment"]["ownership"] == {"value": None, "evidence": None, "others": []}


def test_summary_rows_show_the_lead(db_session: Session, demo_standard) -> None:  # type: ignore[no-untyped-def]
    add_recording(db_session)
    add_recording(db_session, sha=OTHER_SHA, path="inbox/call2.wav")
    hot = dataclasses.replace(make_analysis(), attributes=_real_attributes(demo_standard))
    a = repo.save_analysis(db_session, SHA, hot)
    b = repo.save_analysis(db_session, OTHER_SHA, make_analysis(path="inbox/call2.wav"))  # no lead check ran
    assert [(r.analysis_id, r.lead) for r in repo.summary_rows(db_session, [a, b])] == [(a, "hot"), (b, None)]


def test_migration_0003_gives_older_analyses_an_empty_map(db_session: Session, db_connection: Connection) -> None:
    add_recording(db_session)
    repo.save_analysis(db_session, SHA, make_analysis())
    cfg = alembic_config()
    cfg.attributes["connection"] = db_connection
    command.downgrade(cfg, "0002")
    assert "attributes" not in {c["name"] for c in inspect(db_connection).get_columns("analyses")}
    command.upgrade(cfg, "head")
    db_session.expire_all()
    assert db_session.scalars(select(AnalysisRow.attributes)).all() == [{}]


# --- transcript cache -------------------------------------------------------------


def test_transcript_cache_hit_and_miss(db_session: Session) -> None:
    transcript = make_transcript()
    args = ("faster-whisper", "large-v3")
    assert repo.get_cached_transcript(db_session, SHA, *args, "beam5-vad") is None
    repo.put_cached_transcript(db_session, SHA, transcript, "beam5-vad")
    hit = repo.get_cached_transcript(db_session, SHA, *args, "beam5-vad")
    assert hit is not None
    # The cache stores serialize.to_jsonable, which rounds to 3 decimals.
    assert hit.utterances[0].words[0].probability == 0.988
    assert dataclasses.replace(hit, utterances=()) == dataclasses.replace(transcript, utterances=())
    assert hit.utterances[1] == transcript.utterances[1]
    assert repo.get_cached_transcript(db_session, SHA, *args, "beam1") is None
    assert repo.get_cached_transcript(db_session, SHA, "faster-whisper", "medium", "beam5-vad") is None
    assert repo.get_cached_transcript(db_session, OTHER_SHA, *args, "beam5-vad") is None


def test_transcript_cache_put_replaces(db_session: Session) -> None:
    repo.put_cached_transcript(db_session, SHA, make_transcript(), "k")
    shorter = dataclasses.replace(make_transcript(), duration_s=10.0)
    repo.put_cached_transcript(db_session, SHA, shorter, "k")
    hit = repo.get_cached_transcript(db_session, SHA, "faster-whisper", "large-v3", "k")
    assert hit is not None and hit.duration_s == 10.0


# --- failures ---------------------------------------------------------------------


def test_record_failure_marks_failed_and_keeps_history(db_session: Session) -> None:
    add_recording(db_session)
    repo.record_failure(db_session, "inbox/call1.wav", SHA, "ffmpeg: invalid data")
    repo.record_failure(db_session, "inbox/call1.wav", SHA, "CUDA out of memory")
    row = db_session.scalars(select(RecordingRow)).one()
    assert (row.status, row.error, row.attempts) == ("failed", "CUDA out of memory", 2)
    reasons = db_session.scalars(select(FailureRow.reason).order_by(FailureRow.id)).all()
    assert reasons == ["ffmpeg: invalid data", "CUDA out of memory"]
    assert repo.pending_failed_paths(db_session) == ["inbox/call1.wav"]
    assert repo.pending_failed_paths(db_session, max_attempts=2) == []


def test_failure_before_hashing_is_retried(db_session: Session) -> None:
    repo.record_failure(db_session, "inbox/broken.wav", None, "permission denied")
    assert db_session.scalar(select(func.count()).select_from(RecordingRow)) == 0
    assert repo.pending_failed_paths(db_session) == ["inbox/broken.wav"]
    add_recording(db_session, path="inbox/broken.wav")
    repo.save_analysis(db_session, SHA, make_analysis(path="inbox/broken.wav"))
    assert repo.pending_failed_paths(db_session) == []


def test_analysis_id_for_finds_exactly_its_key(db_session: Session) -> None:
    add_recording(db_session)
    saved = repo.save_analysis(db_session, SHA, make_analysis())
    key = ("faster-whisper", "large-v3", "stroydom")
    assert repo.analysis_id_for(db_session, SHA, *key, "1.0") == saved
    assert repo.analysis_id_for(db_session, SHA, *key, "2.0") is None


def test_a_diarized_call_round_trips_with_how_its_speakers_were_found(db_session: Session, demo_standard) -> None:
    """The review app and `callqa calibrate` read stored analyses: a mono call must come back as diarized,
    with each line's confidence, or the checks re-run on it would treat it as two channels."""
    from checks.analyze import analyze_transcript
    from tests.test_mono import _diarized

    add_recording(db_session)
    analysis = analyze_transcript(_diarized(), demo_standard, "call.wav")
    analysis_id = repo.save_analysis(db_session, SHA, analysis)
    db_session.expire_all()
    loaded = repo.load_analysis(db_session, analysis_id)
    assert loaded.transcript.speaker_source == "diarization"
    assert loaded.transcript.speaker_note == "two voices found (similarity 0.77)"
    assert [u.speaker_confidence for u in loaded.transcript.utterances] == [0.93, 0.88, 0.1]
    assert loaded.transcript == analysis.transcript
