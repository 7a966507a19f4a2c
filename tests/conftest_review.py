"""Fixtures of the review app: the demo calls stored by the real batch, users of every role, the app.

The six demo calls go through `process_recording` exactly as in the nightly run
(phone metadata from Master.csv and sellers.yaml, so each call has its seller),
with the transcript cache filled from the session's one Whisper pass
(`demo_analyses`), so no call is transcribed twice. Each test gets its own copy
of that database file.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROLE_USERS = {  # login name -> (role, seller, password)
    "lead": ("qa_lead", None, "lead-pass-1"),
    "lead2": ("qa_lead", None, "lead2-pass-1"),
    "admin": ("admin", None, "admin-pass-1"),
    "coach": ("coach", None, "coach-pass-1"),
    "anna": ("seller", "Анна", "anna-pass-1"),
    "sergey": ("seller", "Сергей", "sergey-pass-1"),
}


@pytest.fixture(scope="session")
def review_seed_db(tmp_path_factory: pytest.TempPathFactory, demo_analyses: dict, demo_standard) -> Path:
    from pipeline.batch import discover, fingerprint, group_calls, process_recording
    from pipeline.flow import by_start_time
    from pipeline.phone.context import load_phone_context
    from pipeline.settings import TranscriptionOptions
    from pipeline.storage.db import open_database
    from pipeline.storage.repository import put_cached_transcript
    from pipeline.storage.reviews import add_user
    from tests.conftest import SAMPLES

    path = tmp_path_factory.mktemp("review") / "seed.db"
    sessions = open_database(f"sqlite:///{path}")
    options = TranscriptionOptions()
    calls = group_calls(discover(SAMPLES))
    with sessions.begin() as session:
        for call in calls:
            transcript = demo_analyses[str(call.path.relative_to(SAMPLES))].transcript
            put_cached_transcript(session, fingerprint(call).sha256, transcript, options.cache_key())
    for call, facts in by_start_time(calls, load_phone_context(SAMPLES)):
        outcome = process_recording(call, demo_standard, options, sessions, facts)
        assert outcome.status == "analysed", outcome
    with sessions.begin() as session:
        for name, (role, seller, password) in ROLE_USERS.items():
            add_user(session, name, role, password, seller)
    sessions.kw["bind"].dispose()
    return path


@pytest.fixture
def review_db_url(review_seed_db: Path, tmp_path: Path) -> str:
    copy = tmp_path / "review.db"
    shutil.copy(review_seed_db, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def review_app(review_db_url: str, tmp_path: Path):
    from pipeline.review.app import create_app
    from pipeline.review.web import ReviewSettings
    from pipeline.storage.db import open_database

    return create_app(ReviewSettings(open_database(review_db_url), tmp_path / "audio-cache"))


@pytest.fixture
def review_client(review_app) -> Iterator:
    from fastapi.testclient import TestClient

    with TestClient(review_app) as client:
        yield client


def login(client, name: str) -> str:
    """Sign `client` in as one of ROLE_USERS through the API; returns the CSRF token."""
    response = client.post("/api/login", json={"name": name, "password": ROLE_USERS[name][2]})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_review(review_app) -> Iterator[str]:
    """The app served by uvicorn on a free local port, for a real browser; yields its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(review_app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the review app did not start in 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


# --- personal data planted in a demo call (issue 18) -----------------------------------------------
# No committed demo call has a client saying a phone number, and the recordings stay as they are:
# one client line of the test's own database copy is rewritten, word by word over its seconds.
PLANTED_LINE = "Спасибо, Анна. Меня зовут Ольга Петрова, мой номер 8 916 555-12-34."
PLANTED_PHONE = "8 916 555-12-34"
PLANTED_NAME = "Ольга Петрова"


@dataclass(frozen=True)
class Planted:
    analysis_id: int
    utterance: int  # its index in the call
    line_start: float  # seconds
    phone_start: float  # seconds of the phone number's words
    phone_end: float


def plant_personal_data(db_url: str, seller: str = "Анна") -> Planted:
    """`seller`'s first call gets PLANTED_LINE in place of its longest client line (3 s or more)."""
    from sqlalchemy import select

    from pipeline.storage.db import open_database
    from pipeline.storage.models import AnalysisRow, RecordingRow, SellerRow, UtteranceRow

    sessions = open_database(db_url)
    with sessions.begin() as session:
        aid = session.scalars(select(AnalysisRow.id).join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
                              .join(SellerRow, SellerRow.id == RecordingRow.seller_id)
                              .where(SellerRow.name == seller).order_by(AnalysisRow.id)).first()
        rows = session.scalars(select(UtteranceRow).where(UtteranceRow.analysis_id == aid,
                                                          UtteranceRow.speaker == "client")).all()
        row = max(rows, key=lambda r: r.end - r.start)
        assert row.end - row.start >= 3.0, f"call {aid}: no client line of 3 s to plant personal data in"
        tokens = PLANTED_LINE.split()
        step = (row.end - row.start) / len(tokens)
        row.words = [{"start": row.start + i * step, "end": row.start + (i + 1) * step, "text": " " + t,
                      "probability": 0.9} for i, t in enumerate(tokens)]
        row.text = PLANTED_LINE
        first = len(PLANTED_LINE[:PLANTED_LINE.index(PLANTED_PHONE)].split())
        last = first + len(PLANTED_PHONE.split())
        planted = Planted(aid, row.idx, row.start, row.start + first * step, row.start + last * step)
    sessions.kw["bind"].dispose()
    return planted


@pytest.fixture
def planted(review_db_url: str) -> Planted:
    return plant_personal_data(review_db_url)
