"""Call metadata, a client's history and missed calls in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alembic import command
from sqlalchemy import Connection, inspect, select
from sqlalchemy.orm import Session

from pipeline.phone.metadata import CallMetadata
from pipeline.phone.missed import MissedCall
from pipeline.records import Recording
from pipeline.storage import calls
from pipeline.storage import repository as repo
from pipeline.storage.db import alembic_config
from pipeline.storage.models import MissedCallRow, RecordingRow

CLIENT = "+79161234567"


def meta(call_id: str, seller: str, when: datetime, number: str = CLIENT) -> CallMetadata:
    return CallMetadata(call_id=call_id, started_at=when, direction="inbound", client_number=number,
                        extension="101", seller=seller, seller_status="mapped", queue=None, disposition="ANSWERED",
                        ring_s=4.0, leg=None, channel_roles=None, sources=("cdr:line 3", "filename"))


def stored(session: Session, sha: str, m: CallMetadata) -> RecordingRow:
    row = repo.upsert_recording(session, Recording(f"inbox/{sha}.wav", sha, 100), duration_s=60.0, channels=2)
    calls.save_call_metadata(session, row, m)
    return row


def test_metadata_is_stored_with_its_seller(db_session: Session) -> None:
    row = stored(db_session, "a" * 64, meta("1700.1", "Ирина", datetime(2026, 11, 2, 10, 0)))
    db_session.expire_all()
    again = db_session.scalars(select(RecordingRow)).one()
    assert (again.call_id, again.client_number, again.seller.name, again.metadata_sources) == (
        "1700.1", CLIENT, "Ирина", ["cdr:line 3", "filename"])
    assert again.started_at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
    assert row.id == again.id


def test_earlier_calls_of_the_client_within_the_window(db_session: Session) -> None:
    stored(db_session, "a" * 64, meta("1", "Ирина", datetime(2026, 10, 1, 9, 0)))  # outside 14 days
    stored(db_session, "b" * 64, meta("2", "Ирина", datetime(2026, 11, 2, 9, 0)))
    stored(db_session, "c" * 64, meta("3", "Павел", datetime(2026, 11, 3, 9, 0), number="+79160000000"))
    stored(db_session, "d" * 64, meta("4", "Павел", datetime(2026, 11, 5, 9, 0)))  # this call
    got = calls.earlier_calls(db_session, CLIENT, datetime(2026, 11, 5, 9, 0), timedelta(days=14), "d" * 64)
    assert [(c.call_id, c.seller) for c in got] == [("2", "Ирина")]
    assert got[0].started_at == datetime(2026, 11, 2, 9, 0)  # naive, as the PBX wrote it


def test_missed_calls_are_upserted_by_uniqueid(db_session: Session) -> None:
    first = MissedCall("9.1", datetime(2026, 11, 2, 9, 5), CLIENT, "Ирина", "NO ANSWER", 30.0, None)
    assert calls.save_missed_calls(db_session, [first]) == 1
    later = MissedCall("9.1", datetime(2026, 11, 2, 9, 5), CLIENT, "Ирина", "NO ANSWER", 30.0,
                       datetime(2026, 11, 2, 9, 50))
    assert calls.save_missed_calls(db_session, [later]) == 0
    row = db_session.scalars(select(MissedCallRow)).one()
    assert row.called_back_at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 2, 9, 50, tzinfo=timezone.utc)


def test_migration_0004_round_trip_keeps_recordings(db_session: Session, db_connection: Connection) -> None:
    stored(db_session, "a" * 64, meta("1", "Ирина", datetime(2026, 11, 2, 9, 0)))
    db_session.commit()
    cfg = alembic_config()
    cfg.attributes["connection"] = db_connection
    command.downgrade(cfg, "0003")
    assert "missed_calls" not in inspect(db_connection).get_table_names()
    assert "client_number" not in {c["name"] for c in inspect(db_connection).get_columns("recordings")}
    command.upgrade(cfg, "head")
    db_session.expire_all()
    row = db_session.scalars(select(RecordingRow)).one()
    assert (row.client_number, row.metadata_sources) == (None, [])  # what older rows get


def test_client_history_joins_recorded_and_missed_calls_oldest_first(db_session: Session) -> None:
    from tests.test_storage import make_analysis  # a full analysis, findings included

    row = stored(db_session, "b" * 64, meta("2", "Ирина", datetime(2026, 11, 2, 9, 0)))
    stored(db_session, "c" * 64, meta("3", "Павел", datetime(2026, 11, 3, 9, 0), number="+79160000000"))
    repo.save_analysis(db_session, row.sha256, make_analysis(path=row.path))
    calls.save_missed_calls(db_session, [MissedCall("9.9", datetime(2026, 11, 1, 18, 0), CLIENT, "queue 600",
                                                    "NO ANSWER", 25.0, None)])
    history = calls.client_history(db_session, CLIENT)
    assert [(e.kind, e.seller) for e in history] == [("missed", "queue 600"), ("call", "Ирина")]
    assert history[1].score is not None and history[1].finding_types
    assert history[0].note == "NO ANSWER" and history[0].started_at == datetime(2026, 11, 1, 18, 0)
    assert not [e for e in history if e.seller == "Павел"]  # another client
