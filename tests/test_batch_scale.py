"""The batch with several workers and faults: claims, skips, bad names, bad databases,
files still being written, and files replaced under one name. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

import pipeline.batch as batch
from pipeline.batch import CallFiles, PhoneFacts, phone_facts, process_recording
from pipeline.flow import writable_sessions
from pipeline.phone.context import load_phone_context
from pipeline.phone.sidecar import load_sidecar, sidecar_path
from pipeline.records import Recording, Transcript
from pipeline.settings import TranscriptionOptions
from pipeline.stable import unfinished_reason, wav_size_mismatch
from pipeline.storage import claims
from pipeline.storage import repository as repo
from pipeline.storage.db import DatabaseNotWritable, open_database
from pipeline.storage.models import RecordingRow
from tests.helpers import call as hand_call


def tone(path: Path, seconds: float = 2.0, freq: float = 440.0) -> Path:
    t = np.arange(int(8000 * seconds)) / 8000
    sf.write(path, 0.3 * np.sin(2 * np.pi * freq * t), 8000, subtype="PCM_16")
    return path


# --- claims -----------------------------------------------------------------------


def test_a_claim_is_one_workers_until_its_lease_runs_out(empty_database_url: str) -> None:
    sessions = open_database(empty_database_url)
    with sessions.begin() as s:
        assert claims.try_claim(s, "call-1", "worker-a", timedelta(seconds=60))
    with sessions.begin() as s:
        assert not claims.try_claim(s, "call-1", "worker-b")
        assert claims.holder(s, "call-1") == "worker-a"
        assert claims.try_claim(s, "call-2", "worker-b")  # another call is free
    with sessions.begin() as s:  # worker-a dies: its lease runs out
        assert claims.renew(s, "call-1", "worker-a", timedelta(seconds=-1))
    with sessions.begin() as s:
        assert claims.try_claim(s, "call-1", "worker-b")
        assert not claims.renew(s, "call-1", "worker-a")  # it is no longer a's
        claims.release(s, "call-1", "worker-a")  # a late release by a takes nothing away
        assert claims.holder(s, "call-1") == "worker-b"
    sessions.kw["bind"].dispose()


def test_held_claim_renews_while_the_work_goes_on(empty_database_url: str) -> None:
    sessions = open_database(empty_database_url)
    lease = timedelta(seconds=3)
    with claims.held_claim(sessions, "long-call", "worker-a", lease) as mine:
        assert mine.held
        time.sleep(4.5)  # longer than the lease: only renewal keeps it
        with claims.held_claim(sessions, "long-call", "worker-b", lease) as theirs:
            assert not theirs.held and theirs.holder == "worker-a"
    with sessions.begin() as s:
        assert claims.holder(s, "long-call") is None  # released
    sessions.kw["bind"].dispose()


class CountingTranscriber:
    """Stands in for Whisper (the subject here is who transcribes, not what): slow enough
    for two workers to collide, and counting every call it is asked to transcribe."""

    def __init__(self, words: int = 0) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.client_line = "Здравствуйте, мне нужен газобетон." + " да" * words

    def __call__(self, audio: object, options: TranscriptionOptions, standard: object) -> Transcript:
        with self.lock:
            self.calls.append(str(audio))
        time.sleep(0.4)
        transcript = hand_call(("seller", 0.0, "Добрый день, компания Строй Дом, меня зовут Ирина."),
                               ("client", 4.0, self.client_line))
        # as Whisper's would: the analysis is keyed by the engine and model that made the words
        return dataclasses.replace(transcript, engine=options.engine, model=options.model)


def test_two_workers_on_one_inbox_transcribe_each_call_once(
    empty_database_url: str, tmp_path: Path, demo_standard, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    transcriber = CountingTranscriber()
    monkeypatch.setattr(batch, "transcribe_audio", transcriber)
    files = [tone(tmp_path / f"call-{i}.wav", 1.0 + i / 10, 300 + 50 * i) for i in range(4)]
    sessions = open_database(empty_database_url)
    outcomes: dict[str, list[batch.Outcome]] = {"a": [], "b": []}

    def work(worker: str, order: list[Path]) -> None:
        for path in order:
            outcomes[worker].append(process_recording(path, demo_standard, TranscriptionOptions(), sessions,
                                                      worker=f"worker-{worker}"))

    threads = [threading.Thread(target=work, args=("a", files)), threading.Thread(target=work, args=("b", files))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = outcomes["a"] + outcomes["b"]
    assert not [o.reason for o in everything if o.status == "failed"]
    assert len(transcriber.calls) == len(files)  # each call transcribed once
    assert sorted(o.path for o in everything if o.status == "analysed") == sorted(map(str, files))
    for o in everything:
        if o.status == "skipped":
            assert o.reason.startswith((batch.CLAIMED_ELSEWHERE, "already analysed")), o.reason
    with sessions.begin() as s:
        assert {r.status for r in s.query(RecordingRow)} == {"analysed"}
        assert s.query(RecordingRow).count() == len(files)
    sessions.kw["bind"].dispose()


# --- bad names, bad databases ---------------------------------------------------------


def test_a_name_too_long_for_its_sidecar_costs_no_call(tmp_path: Path) -> None:
    """254 bytes is a legal name, but its `.meta.json` sidecar's would not be: there is none."""
    path = tone(tmp_path / ("в" * 123 + ".wav"))  # 246 + 4 bytes in UTF-8
    assert len(path.name.encode()) == 250
    with pytest.raises(OSError):
        sidecar_path(path).exists() or sidecar_path(path).stat()
    assert load_sidecar(sidecar_path(path)) is None
    facts = phone_facts(CallFiles(path), load_phone_context(tmp_path))
    assert isinstance(facts, PhoneFacts) and not facts.note


def read_only_url(url: str) -> str:
    if url.startswith("sqlite"):
        return url.replace("sqlite:///", "sqlite:///file:", 1) + "?mode=ro&uri=true"
    return url.replace("options=-csearch_path", "options=-cdefault_transaction_read_only%3Don%20-csearch_path")


def test_a_read_only_database_stops_the_run_before_any_call(empty_database_url: str) -> None:
    open_database(empty_database_url).kw["bind"].dispose()  # migrated, then made read-only
    with pytest.raises(DatabaseNotWritable, match="cannot store results"):
        writable_sessions(read_only_url(empty_database_url))
    writable_sessions(empty_database_url)  # the same database, writable, passes


def _fill_up(sessions: sessionmaker[Session]) -> None:
    """SQLite's own «database or disk is full»: no page may be added from now on."""
    engine = sessions.kw["bind"]
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _cap(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_database_fails_the_call_not_the_batch(tmp_path: Path, demo_standard,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "transcribe_audio", CountingTranscriber(words=3000))  # more than a page
    sessions = open_database(f"sqlite:///{tmp_path / 'full.db'}")
    _fill_up(sessions)
    outcomes = [process_recording(tone(tmp_path / f"c{i}.wav", 1 + i), demo_standard, TranscriptionOptions(),
                                  sessions) for i in range(2)]
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert all("database or disk is full" in o.reason for o in outcomes)


def test_a_database_that_takes_not_even_the_failure_fails_the_call_not_the_batch(
    empty_database_url: str, tmp_path: Path, demo_standard, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(batch, "transcribe_audio", CountingTranscriber())
    open_database(empty_database_url).kw["bind"].dispose()
    sessions = open_database(read_only_url(empty_database_url))  # became read-only after the start
    outcome = process_recording(tone(tmp_path / "c.wav"), demo_standard, TranscriptionOptions(), sessions)
    assert outcome.status == "failed" and "the failure could not be recorded either" in outcome.reason
    sessions.kw["bind"].dispose()


# --- unfinished and replaced files ------------------------------------------------------


def test_a_file_still_being_written_is_left_for_a_later_run(tmp_path: Path) -> None:
    path = tone(tmp_path / "live.wav", 2.0)
    finished = path.stat().st_size
    old = time.time() - 600
    os.utime(path, (old, old))
    assert unfinished_reason([path], settle_s=30) is None
    with path.open("ab") as fh:  # the recorder appends; the header still says 2 s
        fh.write(b"\x00\x01" * 8000)
    os.utime(path, (old, old))
    assert "still being written" in unfinished_reason([path], settle_s=30)
    path.write_bytes(path.read_bytes()[:finished])
    assert "still being written" in unfinished_reason([path], settle_s=30)  # just touched
    assert unfinished_reason([path], settle_s=30, now=time.time() + 60) is None


def test_a_wav_header_still_wrong_an_hour_on_goes_to_the_decoder(tmp_path: Path) -> None:
    path = tone(tmp_path / "cut.wav", 2.0)
    path.write_bytes(path.read_bytes()[:20000])  # a recorder that died: the header promises more
    ten_minutes, two_hours = time.time() - 600, time.time() - 7200
    os.utime(path, (ten_minutes, ten_minutes))
    assert "more bytes of audio" in unfinished_reason([path], settle_s=30)
    os.utime(path, (two_hours, two_hours))
    assert unfinished_reason([path], settle_s=30) is None  # analysed or failed, never waiting for ever


def test_a_sidecar_in_another_encoding_costs_no_call(tmp_path: Path) -> None:
    path = tone(tmp_path / "in-101-89161234567-20261102-100000-1762070400.1.wav")
    sidecar_path(path).write_bytes('{"extension": "101", "seller": "Ирина"}'.encode("cp1251"))
    facts = phone_facts(CallFiles(path), load_phone_context(tmp_path))
    assert facts.metadata is None and "not UTF-8" in facts.note


def test_wav_header_sizes_against_the_file() -> None:
    header = b"RIFF" + (36 + 16000).to_bytes(4, "little") + b"WAVE" + b"fmt " + (16).to_bytes(4, "little")
    header += bytes(16) + b"data" + (16000).to_bytes(4, "little")
    assert wav_size_mismatch(header, 44 + 16000) is None
    assert "more bytes of audio" in wav_size_mismatch(header, 44 + 8000)
    assert "follow the end" in wav_size_mismatch(header, 44 + 24000)
    assert wav_size_mismatch(b"fLaC" + bytes(40), 10) is None  # not a WAV: the decoder judges


def test_a_replaced_file_is_a_new_version_of_the_recording(db_session: Session) -> None:
    first = repo.upsert_recording(db_session, Recording("inbox/a.wav", "1" * 64, 100), duration_s=None, channels=None)
    repo.upsert_recording(db_session, Recording("inbox/other.wav", "2" * 64, 100), duration_s=None, channels=None)
    second = repo.upsert_recording(db_session, Recording("inbox/a.wav", "3" * 64, 200), duration_s=None, channels=None)
    assert second.id != first.id and second.previous_id == first.id
    assert [v.sha256 for v in repo.recording_versions(db_session, "3" * 64)] == ["3" * 64, "1" * 64]
    again = repo.upsert_recording(db_session, Recording("inbox/a.wav", "3" * 64, 200), duration_s=None, channels=None)
    assert again.id == second.id and again.previous_id == first.id  # the same audio again is no new version
