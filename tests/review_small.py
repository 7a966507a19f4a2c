"""A review app over a small stored call centre, without the Whisper model: for the security tests.

Two calls (Анна's and Борис's) are stored through the batch's repository
functions (`tests.scorecard_seed.store_call`); each points at a real file in
a recordings folder of the test's own, with that file's true size and SHA-256,
as `pipeline.batch.fingerprint` would have stored them. Runs on SQLite and on
PostgreSQL (`empty_database_url`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from pipeline.storage.db import open_database
from pipeline.storage.models import AnalysisRow, RecordingRow
from pipeline.storage.reviews import add_user
from tests.scorecard_seed import plan_calls, store_call

PASSWORDS = {"lead": "lead-password-1", "anna": "anna-password-1", "boris": "boris-password-1"}
USERS = {"lead": ("qa_lead", None), "anna": ("seller", "Анна"), "boris": ("seller", "Борис")}


@dataclass
class SmallReview:
    url: str
    sessions: sessionmaker[Session]
    recordings: Path  # the recordings root the app serves from
    calls: dict[str, int]  # seller -> analysis id
    files: dict[str, Path]  # seller -> the call's audio file
    app: FastAPI

    def point_at(self, seller: str, path: Path, content: bytes | None = None) -> None:
        """Store `path` as the seller's call, with the size and hash of `content` (default: the file's bytes)."""
        data = path.read_bytes() if content is None else content
        with self.sessions.begin() as session:
            analysis = session.get(AnalysisRow, self.calls[seller])
            assert analysis is not None
            recording = session.get(RecordingRow, analysis.recording_id)
            assert recording is not None
            analysis.recording_path = recording.path = str(path)
            recording.sha256, recording.size_bytes = hashlib.sha256(data).hexdigest(), len(data)


def fake_flac(path: Path, size: int = 6000) -> Path:
    """Bytes with a FLAC signature: the app streams .flac as it is, so no decoder looks inside."""
    path.write_bytes(b"fLaC" + os.urandom(size - 4))
    return path


def build_small_review(url: str, root: Path, **settings: object) -> SmallReview:
    from pipeline.review.app import create_app
    from pipeline.review.web import ReviewSettings

    recordings = root / "recordings"
    recordings.mkdir(parents=True)
    sessions = open_database(url)
    plans = {p.seller: p for p in plan_calls() if p.seller in ("Анна", "Борис")}
    calls, files = {}, {}
    with sessions.begin() as session:
        for seller in ("Анна", "Борис"):
            calls[seller] = store_call(session, plans[seller])
        for name, (role, seller) in USERS.items():
            add_user(session, name, role, PASSWORDS[name], seller)
    app = create_app(ReviewSettings(sessions, root / "audio-cache", recordings_root=recordings, **settings))  # type: ignore[arg-type]
    small = SmallReview(url, sessions, recordings, calls, files, app)
    for i, seller in enumerate(("Анна", "Борис")):
        files[seller] = fake_flac(recordings / f"call-{i + 1}.flac")
        small.point_at(seller, files[seller])
    return small


@pytest.fixture
def small_review(empty_database_url: str, tmp_path: Path) -> Iterator[SmallReview]:
    small = build_small_review(empty_database_url, tmp_path)
    yield small
    small.sessions.kw["bind"].dispose()


def sign_in(client, name: str) -> str:
    """Sign `client` in through the API; returns the CSRF token."""
    response = client.post("/api/login", json={"name": name, "password": PASSWORDS[name]})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]

