"""Personal data wired into callqa (issue 18): masked by role in the app, its audio toned, exports
masked unless an admin asks, every clear view logged, and the flow's scan stored.

The demo calls have no client saying a phone number, so one client line of Анна's first call is
rewritten in the test's database copy (`tests.conftest_review.plant_personal_data`); the recording is
the committed one. That call was stored by the real batch without a scan, as a call analysed before
this change: the app scans it the first time a coach or a seller opens it. Each test runs on SQLite and
on PostgreSQL (the same rows, `tests/review_backends.py`): the scans, the access log and its triggers
are the database's.
"""

from __future__ import annotations

import csv
import io
import json
import wave

import numpy as np
import pytest
from sqlalchemy import select

from pipeline.privacy.stored import SCANNED_BY
from pipeline.privacy.tone import TONE_HZ
from pipeline.storage.access_log import read_access_log
from pipeline.storage.db import open_database
from pipeline.storage.models import PersonalScanRow, RecordingRow
from pipeline.storage.personal_data import load_personal_spans, scanned
from tests.conftest_review import PLANTED_NAME, PLANTED_PHONE, Planted, login
from tests.review_backends import review_db_url  # noqa: F401  (the demo calls on both backends)

pytestmark = pytest.mark.usefixtures("planted")


def _log(db_url: str, analysis_id: int | None = None) -> list:
    sessions = open_database(db_url)
    with sessions.begin() as session:
        entries = list(read_access_log(session, analysis_id))
    sessions.kw["bind"].dispose()
    return entries


def _line(data: dict, planted: Planted) -> str:
    return data["analysis"]["transcript"][planted.utterance]["text"]


@pytest.mark.parametrize("user", ["anna", "coach"])
def test_a_seller_and_a_coach_read_the_call_masked_and_nothing_is_logged(review_client, review_db_url: str,
                                                                          planted: Planted, user: str) -> None:
    login(review_client, user)
    data = review_client.get(f"/api/calls/{planted.analysis_id}").json()
    line = _line(data, planted)
    assert line == "Спасибо, Анна. Меня зовут [имя], мой номер [телефон]."  # the seller's own name stays
    assert data["personal_data_masked"] is True and data["client_number"] == "[телефон]"
    assert "[телефон]" in data["analysis"]["recording"]
    whole = json.dumps(data, ensure_ascii=False)
    assert PLANTED_PHONE not in whole and "555-12-34" not in whole and "Ольга" not in whole
    assert "89161112233" not in whole and "+7903" not in whole  # no client number from the file name either
    page = review_client.get(f"/call/{planted.analysis_id}").text
    assert "[телефон]" in page and PLANTED_PHONE not in page and PLANTED_NAME not in page
    assert 'id="masked-note"' in page
    findings = review_client.get(f"/api/calls/{planted.analysis_id}/findings").json()
    assert PLANTED_PHONE not in json.dumps(findings, ensure_ascii=False)
    assert _log(review_db_url) == []
    # the scan the first masked view made is stored, not redone at every view
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        assert scanned(session, planted.analysis_id)
        assert {s.type for s in load_personal_spans(session, planted.analysis_id)} >= {"name", "phone"}
    sessions.kw["bind"].dispose()


def test_a_qa_lead_reads_the_call_in_clear_and_each_view_is_logged(review_client, review_db_url: str,
                                                                    planted: Planted) -> None:
    login(review_client, "lead")
    data = review_client.get(f"/api/calls/{planted.analysis_id}").json()
    assert PLANTED_PHONE in _line(data, planted) and data["personal_data_masked"] is False
    assert review_client.get(f"/call/{planted.analysis_id}").status_code == 200
    review_client.get(f"/api/calls/{planted.analysis_id}/actions")  # the trail has no transcript: not logged
    entries = _log(review_db_url, planted.analysis_id)
    assert [(e.user, e.role, e.action) for e in entries] == [("lead", "qa_lead", "view_call")] * 2
    assert entries[0].detail == f"GET /api/calls/{planted.analysis_id}"


def _wav(body: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(body)) as fh:
        frames = np.frombuffer(fh.readframes(fh.getnframes()), dtype="<i2").reshape(-1, fh.getnchannels())
        return frames.astype(np.float32) / 32767, fh.getframerate()


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_a_seller_hears_a_tone_over_the_phone_number_and_the_lead_the_call_logged(review_client, review_db_url: str,
                                                                                   planted: Planted) -> None:
    login(review_client, "anna")
    answer = review_client.get(f"/call/{planted.analysis_id}/audio")
    assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
    samples, rate = _wav(answer.content)
    mid = (planted.phone_start + planted.phone_end) / 2
    window = samples[int((mid - 0.1) * rate):int((mid + 0.1) * rate)]
    for channel in window.T:  # the tone on both channels, at its level, nothing else
        assert _dominant_hz(channel, rate) == pytest.approx(TONE_HZ, abs=10)
        assert np.max(np.abs(channel)) == pytest.approx(0.2, abs=0.01)
    # before the planted line, the call itself
    before = samples[int(max(0.0, planted.line_start - 3.0) * rate):int((planted.line_start - 0.5) * rate)]
    assert not all(abs(_dominant_hz(ch, rate) - TONE_HZ) < 10 for ch in before.T)
    assert _log(review_db_url) == []

    login(review_client, "lead")
    clear = review_client.get(f"/call/{planted.analysis_id}/audio")
    assert clear.status_code == 200 and clear.headers["content-type"] != "audio/wav"  # the FLAC as it is
    review_client.get(f"/call/{planted.analysis_id}/audio", headers={"Range": "bytes=5000-"})  # a seek: same playback
    assert [(e.user, e.action) for e in _log(review_db_url)] == [("lead", "stream_audio")]


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_exports_are_masked_unless_an_admin_asks_and_that_is_logged(review_client, review_db_url: str,
                                                                    planted: Planted) -> None:
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        numbers = [n for n in session.scalars(select(RecordingRow.client_number)) if n]
    sessions.kw["bind"].dispose()
    assert numbers
    login(review_client, "lead")
    masked = review_client.get("/api/queue/export.csv?all=1").content.decode("utf-8-sig")
    assert "[телефон]" in masked and not any(n in masked for n in numbers)
    assert review_client.get("/api/queue/export.csv?all=1&clear=1").status_code == 403
    assert review_client.get(f"/call/{planted.analysis_id}/truth.json?clear=1").status_code == 403
    sidecar = review_client.get(f"/call/{planted.analysis_id}/truth.json").json()
    assert "[телефон]" in sidecar["recording"] and not any(n in sidecar["recording"] for n in numbers)
    assert _log(review_db_url) == []
    assert 'id="export-clear"' not in review_client.get("/queue").text

    login(review_client, "admin")
    assert 'id="export-clear"' in review_client.get("/queue").text  # the admin's one way to a clear export
    rows = _csv(review_client.get("/api/queue/export.csv?all=1&clear=1").content)
    header, body = rows[0], rows[1:]
    shown = {row[header.index("Номер клиента")].lstrip("'") for row in body}  # «'+7…»: kept text in Excel
    assert shown <= set(numbers) and shown
    sidecar = review_client.get(f"/call/{planted.analysis_id}/truth.json?clear=1").json()
    assert any(n.lstrip("+") in sidecar["recording"] for n in numbers)
    entries = _log(review_db_url)
    exported = [e for e in entries if e.action == "export_queue"]
    assert {e.analysis_id for e in exported} == {int(row[0]) for row in body} and {e.user for e in exported} == {"admin"}
    assert [(e.action, e.analysis_id) for e in entries if e.action == "export_sidecar"] == [
        ("export_sidecar", planted.analysis_id)]


def test_the_queue_masks_clients_numbers_for_a_coach(review_client, planted: Planted) -> None:
    login(review_client, "coach")
    calls = review_client.get("/api/queue?all=true").json()["calls"]
    assert calls and {c["client_number"] for c in calls} <= {"[телефон]", None}
    assert all("8916" not in c["recording"] and "8903" not in c["recording"] for c in calls)
    page = review_client.get("/queue?all=1").text
    assert "89161112233" not in page and "[телефон]" in page


def test_the_flow_scan_stores_spans_and_a_scan_record(review_db_url: str, planted: Planted, demo_standard) -> None:
    from pipeline.flow import scan_personal_data, sessions_for

    scan_personal_data(planted.analysis_id, demo_standard, review_db_url)
    with sessions_for(review_db_url).begin() as session:
        spans = load_personal_spans(session, planted.analysis_id)
        scan = session.get(PersonalScanRow, planted.analysis_id)
        assert scan is not None and scan.spans == len(spans)
        assert scan.detectors == SCANNED_BY  # every detector that ran: `callqa privacy-rescan` compares it
        phone = next(s for s in spans if s.type == "phone")
    assert phone.utterance == planted.utterance
    assert phone.start == pytest.approx(planted.phone_start, abs=0.05)
    assert phone.end == pytest.approx(planted.phone_end, abs=0.05)
    sessions_for(review_db_url).kw["bind"].dispose()
    sessions_for.cache_clear()
