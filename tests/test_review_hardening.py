"""Regression tests for the outside security review of the review app (issue 17, «Security» 1–6).

They run without the Whisper model, on SQLite and PostgreSQL, against the
real app over a small stored call centre (`tests.review_small`).
"""

from __future__ import annotations

import gc
import os
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from pipeline.review.auth import MAX_KEY, LoginLimiter
from pipeline.storage import reviews as reviews_module
from pipeline.storage.models import FindingRow, ReviewActionRow
from tests.review_small import PASSWORDS, SmallReview, build_small_review, fake_flac, sign_in
from tests.review_small import small_review  # noqa: F401  (fixture)

ANNA, BORIS = "Анна", "Борис"


@pytest.fixture
def client(small_review: SmallReview) -> Iterator[TestClient]:
    with TestClient(small_review.app) as c:
        yield c


def audio(client: TestClient, small: SmallReview, seller: str = ANNA) -> httpx.Response:
    return client.get(f"/call/{small.calls[seller]}/audio")


def no_server_path(small: SmallReview, text: str) -> None:
    for secret in (str(small.recordings), str(small.recordings.parent), "/etc/passwd", "root:"):
        assert secret not in text, f"{secret!r} reached the client: {text[:300]}"


# --- 1. audio: regular files inside the recordings root, as analysed ------------------------


def test_the_stored_recording_is_served(small_review: SmallReview, client: TestClient) -> None:
    sign_in(client, "anna")
    response = audio(client, small_review)
    assert response.status_code == 200
    assert response.content == small_review.files[ANNA].read_bytes()
    assert response.headers["content-type"] == "audio/flac"
    part = client.get(f"/call/{small_review.calls[ANNA]}/audio", headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"fLaC"


def test_a_recording_replaced_by_a_symlink_is_not_served(small_review: SmallReview, client: TestClient,
                                                         tmp_path: Path) -> None:
    sign_in(client, "anna")
    stored = small_review.files[ANNA]
    for target in (Path("/etc/passwd"), Path(small_review.url.removeprefix("sqlite:///"))):
        if not target.is_file():
            continue  # the PostgreSQL run has no database file to point at
        stored.unlink()
        stored.symlink_to(target)
        small_review.point_at(ANNA, stored, target.read_bytes())  # even with the target's true hash
        response = audio(client, small_review)
        assert response.status_code == 404, target
        assert response.content != target.read_bytes()[:len(response.content)] or not response.content
        no_server_path(small_review, response.text)
        assert "Запись недоступна: это не обычный файл" in response.text


def test_a_symlink_to_another_recording_inside_the_root_is_refused(small_review: SmallReview,
                                                                    client: TestClient) -> None:
    sign_in(client, "lead")
    stored = small_review.files[ANNA]
    other = fake_flac(small_review.recordings / "other.flac")
    stored.unlink()
    stored.symlink_to(other)
    small_review.point_at(ANNA, stored, other.read_bytes())  # size and hash match what it points at
    assert audio(client, small_review).status_code == 404
    assert audio(client, small_review, BORIS).status_code == 200


def test_a_symlinked_folder_leading_out_of_the_root_is_refused(small_review: SmallReview, client: TestClient,
                                                              tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = fake_flac(outside / "secret.flac")
    (small_review.recordings / "linked").symlink_to(outside)
    sign_in(client, "lead")
    small_review.point_at(ANNA, small_review.recordings / "linked" / "secret.flac")
    assert audio(client, small_review).status_code == 404
    small_review.point_at(ANNA, secret)  # a regular file, but outside the root
    assert audio(client, small_review).status_code == 404


def test_a_recording_changed_since_its_analysis_is_refused(small_review: SmallReview, client: TestClient) -> None:
    sign_in(client, "lead")
    stored = small_review.files[ANNA]
    assert audio(client, small_review).status_code == 200
    original = stored.read_bytes()
    stored.write_bytes(original[:-4] + b"XXXX")  # same size, other bytes
    assert audio(client, small_review).status_code == 404
    stored.write_bytes(original)
    assert audio(client, small_review).status_code == 200
    # same size and the old mtime put back (touch -r): the file's ctime still tells it changed
    before = stored.stat()
    stored.write_bytes(original[:-4] + b"YYYY")
    os.utime(stored, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert audio(client, small_review).status_code == 404
    stored.write_bytes(original)
    stored.unlink()
    missing = audio(client, small_review)
    assert missing.status_code == 404 and "Запись недоступна: файла нет на диске" in missing.text
    no_server_path(small_review, missing.text)


# --- 2. login time does not tell which names exist ------------------------------------------


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification the app makes, by the hash it checked against."""
    calls: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            calls.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(reviews_module, "_hasher", Counting())
    return calls


def test_every_failed_login_costs_one_argon2_verification(small_review: SmallReview, client: TestClient,
                                                          argon2_calls: list[str]) -> None:
    from pipeline.storage.users import disable_user

    with small_review.sessions.begin() as session:
        disable_user(session, "boris")
    cases = {"known name, wrong password": ("anna", "wrong-password"),
             "unknown name": ("nobody-here", "wrong-password"),
             "disabled user, right password": ("boris", PASSWORDS["boris"]),
             "NUL in the name": ("an\x00na", "wrong-password")}
    timings = {}
    for case, (name, password) in cases.items():
        argon2_calls.clear()
        started = time.perf_counter()
        response = client.post("/api/login", json={"name": name, "password": password})
        timings[case] = time.perf_counter() - started
        assert response.status_code == 401, (case, response.text)
        assert len(argon2_calls) == 1, case  # the same work on every path: nothing to time
        assert argon2_calls[0].startswith("$argon2id$"), case
    print({k: f"{v * 1000:.0f} ms" for k, v in timings.items()})
    argon2_calls.clear()
    assert client.post("/api/login", json={"name": "anna", "password": PASSWORDS["anna"]}).status_code == 200
    assert len(argon2_calls) == 1


# --- 3. the login limiter's memory is bounded -----------------------------------------------


def test_the_limiter_keeps_a_bounded_table_for_many_long_names() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_failures=5, window_s=300, clock=lambda: now[0], max_keys=1000)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for n in range(1200):
            name = f"{n}:" + "я" * (1 << 20)  # 2 MB of UTF-8 each
            limiter.failed("ip:203.0.113.9", f"name:{name}")
            del name
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(limiter) == 1000  # the least recently failed went first
    assert after - before < 2_000_000, f"the limiter kept {after - before} bytes"  # 2.4 GB of names went through
    assert limiter.retry_after("ip:203.0.113.9") > 0  # the address was counted all along
    long_name = "name:" + "x" * (MAX_KEY * 10)
    for _ in range(5):
        limiter.failed(long_name)
    assert limiter.retry_after(long_name) > 0  # a long key is still counted, as its digest


def test_the_limiter_drops_entries_whose_failures_left_the_window() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_failures=3, window_s=60, clock=lambda: now[0])
    limiter.failed("ip:a", "name:x")
    assert limiter.retry_after("ip:b", "name:never-tried") == 0 and len(limiter) == 2  # asking adds nothing
    now[0] = 61.0
    assert limiter.retry_after("ip:a", "name:x") == 0
    assert len(limiter) == 0


def test_a_two_megabyte_login_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post("/api/login", json={"name": "я" * (1 << 20), "password": "x"})
    assert response.status_code == 413
    form = client.post("/login", data={"name": "я" * (1 << 20), "password": "x"})
    assert form.status_code == 413


# --- 4. X-Forwarded-For is believed only from trusted proxies -------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _served(small: SmallReview, forwarded_allow_ips: str | None) -> Iterator[str]:
    import uvicorn

    from pipeline.review.app import server_config

    port = _free_port()
    config = server_config(small.app, "127.0.0.1", port, forwarded_allow_ips)
    config.log_level = "warning"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start in 20 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("trusted", [None, "127.0.0.1"])
def test_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path: Path, trusted: str | None) -> None:
    limiter = LoginLimiter(max_failures=3, window_s=300)
    small = build_small_review(f"sqlite:///{tmp_path / 'f.db'}", tmp_path, limiter=limiter)
    for base in _served(small, trusted):
        for n in range(3):  # each «from» a different address, all through 127.0.0.1
            response = httpx.post(f"{base}/api/login", json={"name": f"guess-{n}", "password": "x"},
                                  headers={"X-Forwarded-For": f"198.51.100.{n + 1}"})
            assert response.status_code == 401
        response = httpx.post(f"{base}/api/login", json={"name": "lead", "password": PASSWORDS["lead"]},
                              headers={"X-Forwarded-For": "198.51.100.99"})
    if trusted is None:  # the header is ignored: one peer, three failures, blocked
        assert limiter.retry_after("ip:127.0.0.1") > 0
        assert all(limiter.retry_after(f"ip:198.51.100.{n + 1}") == 0 for n in range(3))
        assert response.status_code == 429
    else:  # behind a trusted proxy each client is counted by its own address
        assert limiter.retry_after("ip:127.0.0.1") == 0
        assert response.status_code == 200
    small.sessions.kw["bind"].dispose()


# --- 5. server paths never reach a client ---------------------------------------------------


def test_no_server_path_in_the_api(small_review: SmallReview, client: TestClient) -> None:
    sign_in(client, "anna")
    call = client.get(f"/api/calls/{small_review.calls[ANNA]}")
    assert call.status_code == 200
    assert call.json()["analysis"]["recording"] == "call-1.flac"
    no_server_path(small_review, call.text)
    queue = client.get("/api/queue", params={"all": "true"})
    assert queue.status_code == 200
    no_server_path(small_review, queue.text)
    small_review.files[ANNA].unlink()
    page = client.get(f"/call/{small_review.calls[ANNA]}")
    assert page.status_code == 200 and "Запись недоступна" in page.text and "call-1.flac" in page.text
    no_server_path(small_review, page.text)
    for url in (f"/call/{small_review.calls[ANNA]}/audio", f"/api/calls/{small_review.calls[ANNA]}/peaks"):
        gone = client.get(url)
        assert gone.status_code == 404, url
        no_server_path(small_review, gone.text)


# --- 6. requests the app mishandled ---------------------------------------------------------


def test_head_is_answered_where_get_is(small_review: SmallReview, client: TestClient) -> None:
    assert client.head("/login").status_code == 200
    sign_in(client, "anna")
    for url in ("/api/me", f"/call/{small_review.calls[ANNA]}/audio", f"/api/calls/{small_review.calls[ANNA]}"):
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b"", url
    audio_head = client.head(f"/call/{small_review.calls[ANNA]}/audio")
    assert int(audio_head.headers["content-length"]) == small_review.files[ANNA].stat().st_size
    assert client.head(f"/call/{small_review.calls[BORIS]}/audio").status_code == 403  # same rules as GET


def test_request_bodies_are_limited(small_review: SmallReview, client: TestClient) -> None:
    token = sign_in(client, "lead")
    url = f"/api/calls/{small_review.calls[ANNA]}/actions"
    big = {"kind": "mark_reviewed", "comment": "a" * 70_000}
    assert client.post(url, json=big, headers={"X-CSRF-Token": token}).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is counted as it streams
        yield b'{"kind": "mark_reviewed", "comment": "'
        for _ in range(80):
            yield b"a" * 1000
        yield b'"}'

    streamed = client.post(url, content=chunks(), headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
    assert streamed.status_code == 413
    fine = client.post(url, json={"kind": "mark_reviewed", "comment": "ok"}, headers={"X-CSRF-Token": token})
    assert fine.status_code == 201


@pytest.mark.parametrize("via", ["api", "form"])
def test_a_nul_in_a_login_name_is_a_refusal_not_a_500(client: TestClient, via: str) -> None:
    """Runs on SQLite and PostgreSQL: PostgreSQL refuses NUL in text, which once made this a 500."""
    for name in ("anna\x00", "\x00", "an\x00na"):
        if via == "api":
            response = client.post("/api/login", json={"name": name, "password": PASSWORDS["anna"]})
        else:
            response = client.post("/login", data={"name": name, "password": PASSWORDS["anna"]},
                                   follow_redirects=False)
        assert response.status_code == 401, (name, response.text)
    assert client.get("/api/me").status_code == 401


def test_a_nul_in_a_filter_is_a_400(client: TestClient) -> None:
    sign_in(client, "lead")
    for url in ("/api/queue?seller=%00", "/api/queue?finding=a%00b", "/queue?seller=%00",
                "/queue?missing_stage=greeting%00"):
        response = client.get(url)
        assert response.status_code == 400, (url, response.status_code, response.text[:200])
    assert client.get("/api/queue", params={"seller": ANNA}).status_code == 200


def test_control_and_bidi_characters_never_reach_the_trail(small_review: SmallReview, client: TestClient) -> None:
    token = sign_in(client, "lead")
    url = f"/api/calls/{small_review.calls[ANNA]}/actions"
    sneaky = "ok\u202eдетавонеклто\u202c \u2066x\u2069\x07\x1b[31m\x00 done\r\nnext line"
    response = client.post(url, json={"kind": "override_score", "score": 50, "comment": sneaky},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.text
    expected = "okдетавонеклто x[31m done\nnext line"
    assert response.json()["comment"] == expected
    with small_review.sessions.begin() as session:
        stored = session.scalars(select(ReviewActionRow.comment)).all()
    assert stored == [expected]
    only_hidden = client.post(url, json={"kind": "override_score", "score": 50, "comment": "\u202e\u200f\x00"},
                              headers={"X-CSRF-Token": token})
    assert only_hidden.status_code == 422 and "comment" in only_hidden.json()["detail"]  # no reason left
    with small_review.sessions.begin() as session:  # a dismissal's reason code: refused, every path
        from pipeline.storage.reviews import get_user, record_action

        lead = get_user(session, "lead")
        assert lead is not None
        finding = session.scalars(select(FindingRow.idx).where(FindingRow.analysis_id == small_review.calls[ANNA])
                                  ).first()
        assert finding is not None
        with pytest.raises(ValueError, match="reason .*control or bidi"):
            record_action(session, lead, small_review.calls[ANNA], "dismiss_finding", finding_idx=finding,
                          reason="false_alarm\u202e")


def test_the_limits_keep_the_login_form_working(client: TestClient) -> None:
    response = client.post("/login", data={"name": "lead", "password": PASSWORDS["lead"]}, follow_redirects=False)
    assert response.status_code == 303
    assert os.path.basename(response.headers["location"]) in ("queue", "")


def test_a_decoder_error_shows_no_path(small_review: SmallReview, client: TestClient) -> None:
    """A file that passes the checks but does not decode: the decoder's message (which may quote the path) stays in the log."""
    sign_in(client, "lead")
    broken = small_review.recordings / "broken.wav"
    broken.write_bytes(b"RIFF" + os.urandom(3000))  # a WAV the browser can't be given as it is
    small_review.point_at(ANNA, broken)
    for url in (f"/call/{small_review.calls[ANNA]}/audio", f"/api/calls/{small_review.calls[ANNA]}/peaks"):
        response = client.get(url)
        assert response.status_code == 404, (url, response.text[:200])
        assert "Запись недоступна: файл не читается или не декодируется" in response.text
        no_server_path(small_review, response.text)
        assert "broken.wav" not in response.text.replace("«broken.wav»", "")
