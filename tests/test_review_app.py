"""The review app end to end: bad input, review actions, roles, the queue, audio and the JSON API.

Every test runs against its own copy of a database holding the six demo calls
as the real batch analysed them (tests/conftest_review.py). What a call should
look like in the queue is worked out from the stored rows, so the expectations
follow the data rather than numbers copied into the test.
"""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from pipeline.storage.db import open_database
from pipeline.storage.models import (
    AnalysisRow,
    FindingRow,
    RecordingRow,
    ReviewActionRow,
    ScoreRow,
    SellerRow,
    StageResultRow,
    UserRow,
    UtteranceRow,
)
from pipeline.privacy.masking import mask_phone_numbers
from tests.conftest_review import ROLE_USERS, login

pytestmark = pytest.mark.model  # the seed database comes from the real Whisper model

ANNA, SERGEY = "Анна", "Сергей"


# --- what the database holds ---------------------------------------------------------


@dataclass(frozen=True)
class StoredCall:
    id: int
    seller: str | None
    day: date
    score: float
    flagged: bool
    severity_rank: int
    finding_types: tuple[str, ...]  # by finding idx
    absent_stages: frozenset[str]
    path: str


def _sessions(url: str):
    return open_database(url)


def stored_calls(url: str) -> dict[int, StoredCall]:
    sessions = _sessions(url)
    out = {}
    with sessions.begin() as s:
        for aid, seller, started, path, score, flagged, rank in s.execute(
                select(AnalysisRow.id, SellerRow.name, RecordingRow.started_at, RecordingRow.path, ScoreRow.score,
                       ScoreRow.flagged, ScoreRow.severity_rank)
                .join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
                .outerjoin(SellerRow, SellerRow.id == RecordingRow.seller_id)
                .join(ScoreRow, ScoreRow.analysis_id == AnalysisRow.id)):
            types = tuple(s.scalars(select(FindingRow.type).where(FindingRow.analysis_id == aid)
                                    .order_by(FindingRow.idx)))
            absent = frozenset(s.scalars(select(StageResultRow.stage_id).where(
                StageResultRow.analysis_id == aid, StageResultRow.present.is_(False))))
            out[aid] = StoredCall(aid, seller, started.date(), score, flagged, rank, types, absent, path)
    sessions.kw["bind"].dispose()
    return out


def queue_order(calls) -> list[int]:
    """The documented order: most severe finding first, then the lowest score, then the newest."""
    return [c.id for c in sorted(calls, key=lambda c: (-c.severity_rank, c.score, -c.id))]


def action_rows(url: str, analysis_id: int | None = None) -> list[dict[str, Any]]:
    sessions = _sessions(url)
    with sessions.begin() as s:
        query = select(ReviewActionRow, UserRow.name).join(UserRow, UserRow.id == ReviewActionRow.user_id)
        if analysis_id is not None:
            query = query.where(ReviewActionRow.analysis_id == analysis_id)
        rows = [{"id": r.id, "analysis_id": r.analysis_id, "user": name, "kind": r.kind,
                 "finding_idx": r.finding_idx, "stage_id": r.stage_id, "score": r.score, "comment": r.comment,
                 "created_at": r.created_at} for r, name in s.execute(query.order_by(ReviewActionRow.id))]
    sessions.kw["bind"].dispose()
    return rows


def automatic_result(url: str, analysis_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every column of the rows the batch wrote for one analysis."""
    sessions = _sessions(url)
    out: dict[str, list[dict[str, Any]]] = {}
    with sessions.begin() as s:
        for model, key in ((AnalysisRow, AnalysisRow.id), (UtteranceRow, UtteranceRow.analysis_id),
                           (StageResultRow, StageResultRow.analysis_id), (FindingRow, FindingRow.analysis_id),
                           (ScoreRow, ScoreRow.analysis_id)):
            rows = s.scalars(select(model).where(key == analysis_id).order_by(model.id)).all()
            out[model.__tablename__] = [{c.key: getattr(r, c.key) for c in model.__table__.columns} for r in rows]
    sessions.kw["bind"].dispose()
    return out


def calls_of(calls: dict[int, StoredCall], seller: str) -> list[int]:
    return sorted(c.id for c in calls.values() if c.seller == seller)


def idx_of(call: StoredCall, finding_type: str) -> int:
    return call.finding_types.index(finding_type)


# --- talking to the app --------------------------------------------------------------


def form_act(client, token: str, analysis_id: int, kind: str, **fields: Any):
    data = {"csrf_token": token, "kind": kind, **{k: str(v) for k, v in fields.items()}}
    return client.post(f"/call/{analysis_id}/action", data=data, follow_redirects=False)


def api_act(client, token: str | None, analysis_id: int, **body: Any):
    headers = {"X-CSRF-Token": token} if token is not None else {}
    return client.post(f"/api/calls/{analysis_id}/actions", json=body, headers=headers)


def instant(stamp: str) -> datetime:
    """An API timestamp as an aware datetime; SQLite gives back naive UTC, so naive is read as UTC."""
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def page_rows(response) -> list[int]:
    """The analysis ids of the queue page's rows, in order."""
    assert response.status_code == 200, response.text
    return [int(n) for n in re.findall(r'<tr class="sev-\w+" data-analysis="(\d+)"', response.text)]


def api_rows(client, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/queue", params=params)
    assert response.status_code == 200, response.text
    return response.json()["calls"]


def error_message(response) -> str:
    """The message of an error page, unescaped."""
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    assert found, response.text
    return html.unescape(found.group(1))


# --- bad input -----------------------------------------------------------------------


def test_unknown_call_id_is_404_everywhere(review_client) -> None:
    token = login(review_client, "lead")
    for missing in (9999, 0, 10**25):
        for url in (f"/call/{missing}", f"/call/{missing}/audio", f"/call/{missing}/truth.json"):
            response = review_client.get(url)
            assert response.status_code == 404, url
            assert "no such call" in error_message(response)
        for url in (f"/api/calls/{missing}", f"/api/calls/{missing}/findings", f"/api/calls/{missing}/actions",
                    f"/api/calls/{missing}/peaks"):
            response = review_client.get(url)
            assert response.status_code == 404, url
            assert "no such call" in response.json()["detail"]
        assert form_act(review_client, token, missing, "mark_reviewed").status_code == 404
        assert api_act(review_client, token, missing, kind="mark_reviewed").status_code == 404
    response = review_client.get("/call/abc")
    assert response.status_code == 422
    assert "analysis_id" in error_message(response)
    assert review_client.get("/api/calls/abc").json()["detail"].startswith("analysis_id")


def test_a_recording_missing_from_disk_still_shows_the_call(review_client, review_db_url, tmp_path: Path) -> None:
    calls = stored_calls(review_db_url)
    gone, kept = calls_of(calls, ANNA)[0], calls_of(calls, SERGEY)[0]
    moved = str(tmp_path / "moved-away" / Path(calls[gone].path).name)
    sessions = _sessions(review_db_url)
    with sessions.begin() as s:
        s.execute(update(RecordingRow).where(RecordingRow.path == calls[gone].path).values(path=moved))
        s.execute(update(AnalysisRow).where(AnalysisRow.id == gone).values(recording_path=moved))
        first_line = s.scalars(select(UtteranceRow.text).where(UtteranceRow.analysis_id == gone)
                               .order_by(UtteranceRow.idx)).first()
    sessions.kw["bind"].dispose()
    login(review_client, "lead")

    page = review_client.get(f"/call/{gone}")
    assert page.status_code == 200
    assert 'id="audio-unavailable"' in page.text and "Запись недоступна" in page.text
    assert moved not in page.text and "moved-away" not in page.text  # no server path on the page
    assert "<audio" not in page.text
    assert html.escape(first_line, quote=False) in page.text  # the rest of the call is there
    assert 'action="/call/%d/action"' % gone in page.text  # and can still be reviewed

    audio = review_client.get(f"/call/{gone}/audio")
    assert audio.status_code == 404 and "недоступна" in error_message(audio).lower()
    assert "moved-away" not in audio.text
    peaks = review_client.get(f"/api/calls/{gone}/peaks")
    assert peaks.status_code == 404 and "недоступна" in peaks.json()["detail"]
    assert "moved-away" not in peaks.text

    other = review_client.get(f"/call/{kept}")
    assert '<audio id="player"' in other.text and "audio-unavailable" not in other.text


@pytest.mark.parametrize(("fields", "named"), [
    ({"finding_idx": "0"}, "kind"),  # no kind at all
    ({"kind": "no_such_kind"}, "kind"),
    ({"kind": "confirm_finding", "finding_idx": "abc"}, "finding_idx"),
    ({"kind": "confirm_finding", "finding_idx": "²"}, "finding_idx"),  # str.isdigit() says yes, int() says no
    ({"kind": "confirm_finding", "finding_idx": "-1"}, "finding_idx"),
    ({"kind": "confirm_finding", "finding_idx": "99"}, "finding_idx"),
    ({"kind": "confirm_finding"}, "finding_idx"),
    ({"kind": "mark_reviewed", "finding_idx": "0"}, "finding_idx"),
    ({"kind": "stage_absent", "stage_id": "no_such_stage"}, "stage_id"),
    ({"kind": "stage_present"}, "stage_id"),
    ({"kind": "override_score", "score": "abc", "comment": "why"}, "score"),
    ({"kind": "override_score", "score": "150", "comment": "why"}, "score"),
    ({"kind": "override_score", "score": "nan", "comment": "why"}, "score"),
    ({"kind": "override_score", "comment": "why"}, "score"),
    ({"kind": "override_score", "score": "70"}, "comment"),  # the reason is mandatory
    ({"kind": "override_score", "score": "70", "comment": "   "}, "comment"),
])
def test_malformed_form_posts_are_422_naming_the_field(review_client, review_db_url, fields: dict, named: str) -> None:
    calls = stored_calls(review_db_url)
    target = calls_of(calls, ANNA)[0]
    token = login(review_client, "lead")
    response = review_client.post(f"/call/{target}/action", data={"csrf_token": token, **fields},
                                  follow_redirects=False)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert error_message(response).startswith(named), error_message(response)
    assert action_rows(review_db_url) == []


@pytest.mark.parametrize(("body", "named"), [
    ({}, "kind"),
    ({"kind": "no_such_kind"}, "kind"),
    ({"kind": "confirm_finding", "finding_idx": -1}, "finding_idx"),
    ({"kind": "confirm_finding", "finding_idx": "x"}, "finding_idx"),
    ({"kind": "confirm_finding", "finding_idx": 99}, "finding_idx"),
    ({"kind": "override_score", "score": 101, "comment": "why"}, "score"),
    ({"kind": "override_score", "score": 70}, "comment"),
    ({"kind": "stage_present", "stage_id": "no_such_stage"}, "stage_id"),
])
def test_malformed_api_actions_are_422_naming_the_field(review_client, review_db_url, body: dict, named: str) -> None:
    target = calls_of(stored_calls(review_db_url), ANNA)[0]
    token = login(review_client, "lead")
    response = api_act(review_client, token, target, **body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(named), response.json()
    assert action_rows(review_db_url) == []


def test_a_second_reviewers_conflicting_override_does_not_erase_the_first(review_app, review_db_url) -> None:
    from fastapi.testclient import TestClient

    calls = stored_calls(review_db_url)
    target = calls_of(calls, ANNA)[0]
    with TestClient(review_app) as first, TestClient(review_app) as second:
        assert form_act(first, login(first, "lead"), target, "override_score", score=70,
                        comment="приветствие было").status_code == 303
        assert form_act(second, login(second, "lead2"), target, "override_score", score="40,5",
                        comment="цена названа неверно").status_code == 303

        call = first.get(f"/api/calls/{target}").json()
        assert call["score"] == 40.5
        assert call["review"]["score_override"]["score"] == 40.5
        assert call["review"]["score_override"]["user"] == "lead2"
        assert call["review"]["score_override"]["reason"] == "цена названа неверно"
        trail = [(a["user"], a["kind"], a["score"], a["comment"]) for a in call["review"]["trail"]]
        assert trail == [("lead", "override_score", 70.0, "приветствие было"),
                         ("lead2", "override_score", 40.5, "цена названа неверно")]
        assert call["analysis"]["score"] == calls[target].score  # the automatic score stays

        page = first.get(f"/call/{target}")
        assert re.search(r'<b id="score">40</b>', page.text)  # "%.0f" of 40.5 rounds half to even
        assert "приветствие было" in page.text and "цена названа неверно" in page.text

        row = next(r for r in api_rows(first, all=1) if r["analysis_id"] == target)
        assert (row["score"], row["automatic_score"], row["overridden"]) == (40.5, calls[target].score, True)
    assert [(a["user"], a["score"]) for a in action_rows(review_db_url)] == [("lead", 70.0), ("lead2", 40.5)]


# --- review actions ------------------------------------------------------------------


def test_review_actions_are_stored_with_user_and_time_and_never_touch_the_automatic_result(
        review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    target = calls[calls_of(calls, ANNA)[0]]
    assert len(target.finding_types) >= 2
    present = sorted({h for h in ("greeting", "needs_discovery")} - target.absent_stages)[0]
    absent = sorted(target.absent_stages)[0]
    before = automatic_result(review_db_url, target.id)
    token = login(review_client, "lead")
    started = datetime.now(timezone.utc)

    steps = [
        ("confirm_finding", {"finding_idx": 0, "comment": "слышно на 0:45"}),
        ("dismiss_finding", {"finding_idx": 1, "reason": "asr_error"}),  # the comment is optional, the reason not
        ("stage_absent", {"stage_id": present}),
        ("stage_present", {"stage_id": absent, "comment": "сказал другими словами"}),
        ("override_score", {"score": 88, "comment": "находка 1 ложная"}),
        ("mark_reviewed", {}),
    ]
    for kind, fields in steps:
        response = form_act(review_client, token, target.id, kind, **fields)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/call/{target.id}#review"
    finished = datetime.now(timezone.utc)

    stored = action_rows(review_db_url, target.id)
    assert [(r["user"], r["kind"]) for r in stored] == [("lead", kind) for kind, _ in steps]
    assert [r["finding_idx"] for r in stored] == [0, 1, None, None, None, None]
    assert [r["stage_id"] for r in stored] == [None, None, present, absent, None, None]
    assert [r["comment"] for r in stored] == ["слышно на 0:45", None, None, "сказал другими словами",
                                              "находка 1 ложная", None]
    assert stored[4]["score"] == 88
    for row in stored:
        at = row["created_at"] if row["created_at"].tzinfo else row["created_at"].replace(tzinfo=timezone.utc)
        assert started - timedelta(minutes=1) <= at <= finished + timedelta(minutes=1)

    assert automatic_result(review_db_url, target.id) == before  # findings, stages, score: untouched

    review = review_client.get(f"/api/calls/{target.id}").json()["review"]
    assert review["findings"] == {"0": "confirm_finding", "1": "dismiss_finding"}
    assert review["stages"] == {present: False, absent: True}
    assert review["reviewed"] is True
    assert review["score_override"]["score"] == 88
    assert all(a["user"] == "lead" and a["at"] for a in review["trail"])

    page = review_client.get(f"/call/{target.id}").text
    assert re.search(r'id="reviewed-badge"\s*>проверен<', page)
    articles = {int(m.group(1)): m.group(0)
                for m in re.finditer(r'<article [^>]*id="finding-(\d+)".*?</article>', page, re.S)}
    assert 'class="badge decision confirm_finding"' in articles[0]
    assert 'class="badge decision dismiss_finding"' in articles[1]
    assert not any(re.search(r'class="badge decision \w+"', articles[i]) for i in articles if i > 1)
    assert re.search(rf'<tr class="stage absent" data-stage="{present}"', page)
    assert re.search(rf'<tr class="stage present" data-stage="{absent}"', page)


def test_api_actions_get_and_post(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    target = calls[calls_of(calls, ANNA)[0]]
    token = login(review_client, "admin")
    assert review_client.get(f"/api/calls/{target.id}/actions").json() == []

    response = api_act(review_client, token, target.id, kind="dismiss_finding", finding_idx=0, comment="ложная",
                       reason="rule_too_strict")
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["user"], made["kind"], made["finding_idx"], made["comment"]) == (
        "admin", "dismiss_finding", 0, "ложная")
    assert made["at"] and made["id"]
    response = api_act(review_client, token, target.id, kind="override_score", score=61.5, comment="перепроверено")
    assert response.status_code == 201

    trail = review_client.get(f"/api/calls/{target.id}/actions").json()
    assert [(a["kind"], a["user"]) for a in trail] == [("dismiss_finding", "admin"), ("override_score", "admin")]
    assert {k: v for k, v in trail[0].items() if k != "at"} == {k: v for k, v in made.items() if k not in ("at", "call")}
    # each answer carries the call as the page must redraw it: the shown score, reviewed or not
    assert (made["call"]["reviewed"], response.json()["call"]) == (False, {"score": 61.5, "reviewed": False,
                                                                           "appealed": False})
    assert instant(trail[0]["at"]) == instant(made["at"])

    findings = review_client.get(f"/api/calls/{target.id}/findings").json()
    assert [f["idx"] for f in findings] == list(range(len(target.finding_types)))
    assert [f["type"] for f in findings] == list(target.finding_types)
    assert findings[0]["review"] == "dismiss_finding"
    assert all(f["review"] is None for f in findings[1:])

    call = review_client.get(f"/api/calls/{target.id}").json()
    assert (call["analysis_id"], call["seller"], call["score"]) == (target.id, ANNA, 61.5)
    assert len(call["analysis"]["findings"]) == len(target.finding_types)
    assert call["analysis"]["transcript"] and call["analysis"]["transcript"][0]["text"]


def test_labelled_sidecar_reflects_dismissals_and_stage_corrections(review_client, review_db_url,
                                                                   tmp_path: Path) -> None:
    from pipeline.review.callview import export_reviewed

    calls = stored_calls(review_db_url)
    missing = next(c for c in calls.values() if "missing_stage" in c.finding_types and c.flagged)
    stage = next(iter(missing.absent_stages & {"meeting_proposal", "farewell"}))
    wrong = next(c for c in calls.values() if "wrong_answer" in c.finding_types and c.id != missing.id)
    token = login(review_client, "lead")

    before = review_client.get(f"/call/{missing.id}/truth.json")
    assert before.status_code == 200
    assert before.headers["content-disposition"].startswith("attachment;")
    assert before.json()["stages"][stage] is False and before.json()["reviewed"] is False
    assert before.json()["stages"]["greeting"] is True

    form_act(review_client, token, missing.id, "dismiss_finding", finding_idx=idx_of(missing, "missing_stage"),
             comment="этап был", reason="justified")
    form_act(review_client, token, missing.id, "stage_absent", stage_id="greeting")
    form_act(review_client, token, missing.id, "mark_reviewed")
    after = review_client.get(f"/call/{missing.id}/truth.json").json()
    assert after["stages"][stage] is True  # «not missing» says the stage was there
    assert after["stages"]["greeting"] is False
    assert after["reviewed"] is True
    assert after["source"].endswith(f"analysis {missing.id}")

    def types(truth: dict) -> list[str]:
        return [f["type"] for key in ("findings", "phone_findings") for f in truth.get(key, [])]

    assert "wrong_answer" in types(review_client.get(f"/call/{wrong.id}/truth.json").json())
    form_act(review_client, token, wrong.id, "dismiss_finding", finding_idx=idx_of(wrong, "wrong_answer"),
             reason="asr_error")
    wrong_truth = review_client.get(f"/call/{wrong.id}/truth.json").json()
    assert "wrong_answer" not in types(wrong_truth)
    assert wrong_truth["reviewed"] is False

    sessions = _sessions(review_db_url)
    with sessions.begin() as s:
        written = [path for _, path in export_reviewed(s, tmp_path / "labelled")]
    sessions.kw["bind"].dispose()
    # masked, as the page's sidecar: the client's number in the file name is «[телефон]» (issue 18)
    stem = mask_phone_numbers(Path(missing.path).name.split(".")[0])
    assert [p.name for p in written] == [f"{missing.id}-{stem}.truth.json"]
    assert json.loads(written[0].read_text(encoding="utf-8")) == after


# --- users and roles -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["lead", "admin"])
def test_qa_lead_and_admin_review_every_call(review_client, review_db_url, name: str) -> None:
    calls = stored_calls(review_db_url)
    token = login(review_client, name)
    assert review_client.get("/api/queue", params={"all": 1}).json()["total"] == len(calls)
    for aid in calls:
        page = review_client.get(f"/call/{aid}")
        assert page.status_code == 200
        assert 'value="mark_reviewed"' in page.text and 'value="override_score"' in page.text
        assert form_act(review_client, token, aid, "mark_reviewed").status_code == 303
        assert api_act(review_client, token, aid, kind="stage_present", stage_id="greeting").status_code == 201
    assert {(r["analysis_id"], r["user"]) for r in action_rows(review_db_url)} == {(aid, name) for aid in calls}


def test_coach_sees_everything_read_only(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    token = login(review_client, "coach")
    assert review_client.get("/api/queue", params={"all": 1}).json()["total"] == len(calls)
    for aid in calls:
        page = review_client.get(f"/call/{aid}")
        assert page.status_code == 200
        assert "/action" not in page.text  # no review or appeal forms at all
        assert review_client.get(f"/call/{aid}/truth.json").status_code == 200
        assert review_client.get(f"/api/calls/{aid}/actions").status_code == 200
        for kind, fields in (("confirm_finding", {"finding_idx": 0}), ("stage_absent", {"stage_id": "greeting"}),
                             ("override_score", {"score": 10, "comment": "x"}), ("mark_reviewed", {}),
                             ("appeal_finding", {"finding_idx": 0, "comment": "x"})):
            if "finding_idx" in fields and not calls[aid].finding_types:
                continue
            assert form_act(review_client, token, aid, kind, **fields).status_code == 403
            assert api_act(review_client, token, aid, kind=kind, **fields).status_code == 403
    assert action_rows(review_db_url) == []


def test_seller_sees_only_their_own_calls(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    own, foreign = calls_of(calls, ANNA), [aid for aid, c in calls.items() if c.seller != ANNA]
    token = login(review_client, "anna")

    everything = review_client.get("/api/queue", params={"all": 1}).json()
    assert sorted(r["analysis_id"] for r in everything["calls"]) == own and everything["total"] == len(own)
    assert {r["seller"] for r in everything["calls"]} == {ANNA}
    assert api_rows(review_client, all=1, seller=SERGEY) == []  # asking for another seller does not help
    queue_page = review_client.get("/queue?all=1")
    assert sorted(page_rows(queue_page)) == own
    assert f'<option value="{SERGEY}"' not in queue_page.text and f'<option value="{ANNA}"' in queue_page.text

    for aid in foreign:
        for url in (f"/call/{aid}", f"/call/{aid}/audio", f"/call/{aid}/truth.json"):
            assert review_client.get(url).status_code == 403, url
        for url in (f"/api/calls/{aid}", f"/api/calls/{aid}/findings", f"/api/calls/{aid}/actions",
                    f"/api/calls/{aid}/peaks"):
            assert review_client.get(url).status_code == 403, url
        if calls[aid].finding_types:
            assert form_act(review_client, token, aid, "appeal_finding", finding_idx=0,
                            comment="не я").status_code == 403
            assert api_act(review_client, token, aid, kind="appeal_finding", finding_idx=0,
                           comment="не я").status_code == 403

    mine = own[0]
    page = review_client.get(f"/call/{mine}")
    assert page.status_code == 200
    assert 'value="appeal_finding"' in page.text
    assert 'value="confirm_finding"' not in page.text and 'value="mark_reviewed"' not in page.text
    assert review_client.get(f"/api/calls/{mine}").status_code == 200
    assert review_client.get(f"/call/{mine}/audio").status_code == 200
    assert review_client.get(f"/call/{mine}/truth.json").status_code == 403  # the labelled export is not theirs
    for kind, fields in (("confirm_finding", {"finding_idx": 0}), ("dismiss_finding", {"finding_idx": 0}),
                         ("stage_present", {"stage_id": "greeting"}), ("mark_reviewed", {}),
                         ("override_score", {"score": 100, "comment": "я молодец"})):
        assert form_act(review_client, token, mine, kind, **fields).status_code == 403
        assert api_act(review_client, token, mine, kind=kind, **fields).status_code == 403
    assert action_rows(review_db_url) == []


def test_seller_appeal_puts_a_reviewed_call_back_in_the_queue(review_app, review_db_url) -> None:
    from fastapi.testclient import TestClient

    calls = stored_calls(review_db_url)
    target = next(calls[aid] for aid in calls_of(calls, SERGEY) if calls[aid].finding_types and not calls[aid].flagged)
    with TestClient(review_app) as lead, TestClient(review_app) as seller:
        lead_token, seller_token = login(lead, "lead"), login(seller, "sergey")
        assert target.id not in [r["analysis_id"] for r in api_rows(lead)]  # not flagged: not in the queue
        assert form_act(lead, lead_token, target.id, "mark_reviewed").status_code == 303
        row = next(r for r in api_rows(lead, all=1) if r["analysis_id"] == target.id)
        assert (row["reviewed"], row["appealed"]) == (True, False)

        # the comment is mandatory
        assert form_act(seller, seller_token, target.id, "appeal_finding", finding_idx=0).status_code == 422
        response = form_act(seller, seller_token, target.id, "appeal_finding", finding_idx=0,
                            comment="клиент сам попросил перезвонить")
        assert response.status_code == 303, response.text

        for client in (lead, seller):
            rows = {r["analysis_id"]: r for r in api_rows(client)}
            assert target.id in rows
            assert (rows[target.id]["reviewed"], rows[target.id]["appealed"]) == (False, True)
        assert target.id in [r["analysis_id"] for r in api_rows(lead, reviewed="no")]
        assert target.id not in [r["analysis_id"] for r in api_rows(lead, reviewed="yes", all=1)]
        assert target.id in page_rows(lead.get("/queue"))
        call = lead.get(f"/api/calls/{target.id}").json()
        assert call["review"]["reviewed"] is False and call["review"]["findings"] == {"0": "appeal_finding"}
        assert call["review"]["trail"][-1]["user"] == "sergey"
        assert '<span class="badge appeal">апелляция</span>' in lead.get(f"/call/{target.id}").text

        # the QA lead answers the appeal: reviewed again, and out of the queue of flagged work
        assert form_act(lead, lead_token, target.id, "confirm_finding", finding_idx=0,
                        comment="остаётся").status_code == 303
        assert form_act(lead, lead_token, target.id, "mark_reviewed").status_code == 303
        assert target.id not in [r["analysis_id"] for r in api_rows(lead)]
        row = next(r for r in api_rows(lead, all=1) if r["analysis_id"] == target.id)
        assert (row["reviewed"], row["appealed"]) == (True, False)


# --- the queue -----------------------------------------------------------------------


def test_queue_is_sorted_by_severity_then_score(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    login(review_client, "lead")
    flagged = queue_order(c for c in calls.values() if c.flagged)
    everything = queue_order(calls.values())
    assert len(set(c.severity_rank for c in calls.values())) > 1 and 0 < len(flagged) < len(calls)

    rows = api_rows(review_client, all=1)
    assert [r["analysis_id"] for r in rows] == everything
    keys = [(-calls[r["analysis_id"]].severity_rank, r["score"]) for r in rows]
    assert keys == sorted(keys)
    assert [r["analysis_id"] for r in api_rows(review_client)] == flagged
    assert page_rows(review_client.get("/queue")) == flagged
    assert page_rows(review_client.get("/queue?all=1")) == everything
    assert review_client.get("/", follow_redirects=False).headers["location"] == "/queue"


def _expected(calls: dict[int, StoredCall], reviewed: set[int], params: dict[str, str]) -> list[int]:
    def keep(c: StoredCall) -> bool:
        return all([
            params.get("all") == "1" or c.flagged,
            "seller" not in params or c.seller == params["seller"],
            "date_from" not in params or c.day >= date.fromisoformat(params["date_from"]),
            "date_to" not in params or c.day <= date.fromisoformat(params["date_to"]),
            "finding" not in params or params["finding"] in c.finding_types,
            "missing_stage" not in params or params["missing_stage"] in c.absent_stages,
            "score_min" not in params or c.score >= float(params["score_min"]),
            "score_max" not in params or c.score <= float(params["score_max"]),
            params.get("reviewed", "any") == "any" or (c.id in reviewed) == (params["reviewed"] == "yes"),
        ])
    return queue_order(c for c in calls.values() if keep(c))


FILTERS = [
    {},
    {"all": "1"},
    {"all": "1", "seller": SERGEY},
    {"seller": ANNA},
    {"all": "1", "date_from": "2026-11-03", "date_to": "2026-11-05"},
    {"all": "1", "date_from": "2026-11-05"},
    {"all": "1", "date_to": "2026-11-02"},
    {"all": "1", "finding": "wrong_answer"},
    {"finding": "missing_stage"},
    {"all": "1", "missing_stage": "presentation"},
    {"all": "1", "missing_stage": "meeting_proposal"},
    {"all": "1", "score_min": "60", "score_max": "85"},
    {"all": "1", "score_max": "66.7"},
    {"all": "1", "reviewed": "yes"},
    {"all": "1", "reviewed": "no"},
    {"reviewed": "no", "score_min": "55"},
    {"all": "1", "seller": "Никто"},
]


def test_queue_filters_on_pages_and_api(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    token = login(review_client, "lead")
    reviewed = {calls_of(calls, SERGEY)[0], queue_order(c for c in calls.values() if c.flagged)[0]}
    for aid in reviewed:
        assert form_act(review_client, token, aid, "mark_reviewed").status_code == 303
    seen = set()
    for params in FILTERS:
        expected = _expected(calls, reviewed, params)
        seen.add(tuple(expected))
        api = review_client.get("/api/queue", params=params)
        assert [r["analysis_id"] for r in api.json()["calls"]] == expected, params
        assert api.json()["total"] == len(expected)
        # the page starts with what nobody has reviewed; asked for «any», it lists what the API does
        page = {**params, "reviewed": params.get("reviewed", "any")}
        assert page_rows(review_client.get("/queue", params=page)) == expected, params
    unreviewed = _expected(calls, reviewed, {"reviewed": "no"})
    assert page_rows(review_client.get("/queue")) == unreviewed and not reviewed & set(unreviewed)
    assert len(seen) >= 10  # the filters really narrow the queue in different ways
    # the queue form sends every field, empty ones included: empty means «any»
    blank = {k: "" for k in ("seller", "date_from", "date_to", "finding", "missing_stage", "score_min", "score_max")}
    assert page_rows(review_client.get("/queue", params={**blank, "reviewed": "any"})) == _expected(calls, reviewed, {})


def test_queue_pagination(review_client, review_db_url, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.review import pages, queue

    calls = stored_calls(review_db_url)
    everything = queue_order(calls.values())
    login(review_client, "lead")
    pages_seen = []
    last = -(-len(calls) // 2)
    for n in range(1, last + 1):
        body = review_client.get("/api/queue", params={"all": 1, "page_size": 2, "page": n}).json()
        assert (body["total"], body["pages"], body["page"], body["page_size"]) == (len(calls), last, n, 2)
        pages_seen += [r["analysis_id"] for r in body["calls"]]
    assert pages_seen == everything
    assert review_client.get("/api/queue", params={"all": 1, "page_size": 2, "page": last + 1}).json()["calls"] == []

    monkeypatch.setattr(pages, "queue_page", functools.partial(queue.queue_page, page_size=4))
    second = review_client.get("/queue", params={"all": "1", "seller": "", "page": "2"})
    assert page_rows(second) == everything[4:]
    assert "стр. 2 из 2" in second.text
    prev = re.search(r'<a href="([^"]+)" rel="prev">', second.text)
    assert prev and html.unescape(prev.group(1)) == "/queue?all=1&page=1"  # filters kept, empty ones dropped
    assert 'rel="next"' not in second.text
    assert page_rows(review_client.get("/queue?all=1")) == everything[:4]


@pytest.mark.parametrize(("param", "value"), [
    ("score_min", "abc"),
    ("score_max", "много"),
    ("date_from", "2026-13-01"),
    ("date_to", "yesterday"),
    ("reviewed", "maybe"),
    ("page", "0"),
    ("page", "abc"),
    ("page", "²"),
    ("page", "99999999999999999999999"),
])
def test_bad_filter_values_are_422_naming_the_parameter(review_client, param: str, value: str) -> None:
    login(review_client, "lead")
    page = review_client.get("/queue", params={param: value})
    assert page.status_code == 422
    assert error_message(page).startswith(param), error_message(page)
    api = review_client.get("/api/queue", params={param: value})
    assert api.status_code == 422
    assert api.json()["detail"].startswith(param), api.json()


def test_contradictory_filters_are_422(review_client) -> None:
    login(review_client, "lead")
    for params, named in (({"date_from": "2026-11-06", "date_to": "2026-11-01"}, "date_from"),
                          ({"score_min": "80", "score_max": "20"}, "score_min")):
        assert error_message(review_client.get("/queue", params=params)).startswith(named)
        response = review_client.get("/api/queue", params=params)
        assert response.status_code == 422 and response.json()["detail"].startswith(named)
    for params, named in (({"page_size": "0"}, "page_size"), ({"page_size": "1000"}, "page_size"),
                          ({"score_min": "-1"}, "score_min"), ({"all": "perhaps"}, "all")):
        response = review_client.get("/api/queue", params=params)
        assert response.status_code == 422 and response.json()["detail"].startswith(named), response.json()


# --- audio ---------------------------------------------------------------------------


def test_audio_whole_file_and_range_requests(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    target = calls[calls_of(calls, ANNA)[0]]
    data = Path(target.path).read_bytes()
    login(review_client, "lead")

    whole = review_client.get(f"/call/{target.id}/audio")
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["content-type"].startswith("audio/")
    assert whole.headers["accept-ranges"] == "bytes"

    part = review_client.get(f"/call/{target.id}/audio", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 0-99/{len(data)}"
    assert part.content == data[:100]

    tail = review_client.get(f"/call/{target.id}/audio", headers={"Range": f"bytes={len(data) - 10}-"})
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes {len(data) - 10}-{len(data) - 1}/{len(data)}"
    assert tail.content == data[-10:]

    beyond = review_client.get(f"/call/{target.id}/audio", headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416


def test_waveform_peaks(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    target = calls_of(calls, ANNA)[0]
    login(review_client, "coach")
    peaks = review_client.get(f"/api/calls/{target}/peaks").json()
    assert peaks["duration"] > 10
    assert len(peaks["channels"]) == 2
    assert all(0 <= v <= 1 for ch in peaks["channels"] for v in ch) and max(peaks["channels"][0]) > 0


# --- the JSON API --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ROLE_USERS))
def test_api_me(review_client, name: str) -> None:
    token = login(review_client, name)
    role, seller, _ = ROLE_USERS[name]
    assert review_client.get("/api/me").json() == {"user": name, "role": role, "seller": seller, "csrf_token": token}


def test_openapi_needs_login_and_lists_the_api(review_client) -> None:
    response = review_client.get("/api/openapi.json")
    assert response.status_code == 401
    login(review_client, "coach")
    schema = review_client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path, methods in {"/api/queue": {"get"}, "/api/calls/{analysis_id}": {"get"},
                          "/api/calls/{analysis_id}/findings": {"get"},
                          "/api/calls/{analysis_id}/actions": {"get", "post"}, "/api/me": {"get"},
                          "/api/login": {"post"}}.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    assert not [p for p in paths if not p.startswith("/api/")]  # the pages are not part of the API
    queue_params = {p["name"] for p in paths["/api/queue"]["get"]["parameters"]}
    assert {"seller", "date_from", "date_to", "finding", "missing_stage", "score_min", "score_max", "reviewed",
            "all", "page", "page_size"} <= queue_params


def test_api_login_and_logout(review_client) -> None:
    response = review_client.post("/api/login", json={"name": "lead", "password": "wrong"})
    assert response.status_code == 401
    assert review_client.get("/api/me").status_code == 401
    token = login(review_client, "lead")
    assert review_client.get("/api/me").status_code == 200
    response = review_client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert review_client.get("/api/me").status_code == 401
    assert review_client.get("/queue", follow_redirects=False).headers["location"] == "/login?next=/queue"


def test_form_login_leads_to_the_page_asked_for(review_client, review_db_url) -> None:
    target = calls_of(stored_calls(review_db_url), ANNA)[0]
    first = review_client.get(f"/call/{target}", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == f"/login?next=/call/{target}"
    form = review_client.get(first.headers["location"])
    assert f'name="next" value="/call/{target}"' in form.text
    wrong = review_client.post("/login", data={"name": "anna", "password": "nope", "next": f"/call/{target}"})
    assert wrong.status_code == 401 and "Неверное имя или пароль" in wrong.text
    response = review_client.post("/login", data={"name": "anna", "password": ROLE_USERS["anna"][2],
                                                  "next": f"/call/{target}"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/call/{target}"
    assert review_client.get(f"/call/{target}").status_code == 200


# --- issue 17: every role its screen, work management, Russian pages ----------------------------------


def test_every_role_has_its_screen_and_403_keeps_the_navigation(review_app, review_db_url) -> None:
    from fastapi.testclient import TestClient

    calls = stored_calls(review_db_url)
    with TestClient(review_app) as seller, TestClient(review_app) as coach:
        login(seller, "anna")
        page = seller.get("/queue")
        assert "<h1>Мои звонки" in page.text and 'id="nav-scorecards">Моя карточка' in page.text
        assert page_rows(page) == [aid for aid in queue_order(c for c in calls.values() if c.seller == ANNA)]
        card = seller.get("/scorecards")
        assert card.status_code == 200
        assert re.findall(r'data-seller="([^"]+)"', card.text) == [ANNA]  # only her own card
        assert "Средний балл" in card.text and "Приветствие" in card.text  # the standard's stage titles
        other = next(aid for aid, c in calls.items() if c.seller != ANNA)
        refused = seller.get(f"/call/{other}")
        assert refused.status_code == 403
        assert 'id="nav-queue">Мои звонки' in refused.text and 'id="sign-out">Выйти' in refused.text

        login(coach, "coach")
        team = coach.get("/scorecards")
        assert sorted(re.findall(r'data-seller="([^"]+)"', team.text)) == sorted({c.seller for c in calls.values()
                                                                                  if c.seller})
        assert coach.get("/scorecards?date_from=05.11.2026&date_to=01.11.2026").status_code == 422
        assert "data-seller" not in coach.get("/scorecards?date_from=01.01.2020&date_to=02.01.2020").text


def test_pages_are_russian_only_with_the_standards_titles(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    login(review_client, "lead")
    target = next(c for c in calls.values() if "missing_stage" in c.finding_types and c.flagged)
    text = review_client.get(f"/call/{target.id}").text
    assert not re.search(r"\((confirm|dismiss|queue|reviewed|flagged|findings|transcript|audit trail|sign out)\)", text)
    assert "Пропущен этап: " in text and "missing_stage</b>" not in text
    assert re.search(r'<span class="badge sev-\w+">(критическая|серьёзная|незначительная|к сведению)</span>', text)
    assert "below" not in text and re.search(r"<li>оценка \d+(,\d)? ниже 70</li>", text)
    assert "(Europe/Moscow, UTC+3)" in text
    queue = review_client.get("/queue?all=1&reviewed=any&date_from=01.11.2026&date_to=30.11.2026")
    assert queue.status_code == 200 and 'value="01.11.2026"' in queue.text
    assert review_client.get("/queue?date_from=31.02.2026").status_code == 422


def test_bulk_assign_mark_reviewed_and_the_mine_filter(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    token = login(review_client, "lead")
    flagged = queue_order(c for c in calls.values() if c.flagged)
    post = functools.partial(review_client.post, headers={"X-CSRF-Token": token})
    assert post("/api/queue/assign", json={"analysis_ids": flagged[:2], "assignee": "lead"}).json()["assigned"] == 2
    assert page_rows(review_client.get("/queue?mine=1")) == flagged[:2]
    assert [r["analysis_id"] for r in api_rows(review_client, mine="true")] == flagged[:2]
    assert post("/api/queue/assign", json={"analysis_ids": flagged[:1], "assignee": "coach"}).status_code == 422
    assert post("/api/queue/assign", json={"analysis_ids": flagged[:1]}, headers={}).status_code == 403  # no CSRF
    # an unknown call refuses the whole request: the call before it is not marked either
    assert post("/api/queue/reviewed", json={"analysis_ids": [flagged[0], 999_999]}).status_code == 404
    assert post("/api/queue/reviewed", json={"analysis_ids": [2**63]}).status_code == 422
    assert page_rows(review_client.get("/queue")) == flagged
    assert post("/api/queue/reviewed", json={"analysis_ids": flagged[:2]}).json() == {"reviewed": 2}
    assert page_rows(review_client.get("/queue")) == flagged[2:]  # reviewed: out of the default queue
    assert page_rows(review_client.get("/queue?reviewed=yes")) == flagged[:2]
    seller_token = login(review_client, "anna")  # the same browser, now a seller's
    refused = review_client.post("/api/queue/reviewed", json={"analysis_ids": flagged[:1]},
                                 headers={"X-CSRF-Token": seller_token})
    assert refused.status_code == 403


def test_the_api_shows_no_server_path(review_client, review_db_url) -> None:
    calls = stored_calls(review_db_url)
    login(review_client, "anna")
    mine = next(aid for aid, c in calls.items() if c.seller == ANNA)
    data = review_client.get(f"/api/calls/{mine}").json()
    # the file's name only, and the client's number in it masked for a seller (issue 18)
    assert data["analysis"]["recording"] == mask_phone_numbers(Path(calls[mine].path).name)
    assert calls[mine].path not in review_client.get(f"/api/calls/{mine}").text
    assert all("/" not in r["recording"] for r in api_rows(review_client, all=1))


def test_a_mono_call_page_says_its_voices_were_separated_with_each_lines_confidence(review_client, review_db_url) -> None:
    """Issue 16: the app shows how a call's speakers were found, and how sure each line's speaker is."""
    calls = stored_calls(review_db_url)
    mono = next(c for c in calls.values() if c.path.endswith(".wav") and "20261107" in c.path)
    stereo = next(c for c in calls.values() if c.path.endswith(".flac"))
    login(review_client, "lead")
    page = review_client.get(f"/call/{mono.id}").text
    assert "моно: продавец и клиент разделены по голосам автоматически" in page
    assert "одна дорожка: продавец и клиент вместе" in page
    assert re.search(r'class="conf" title="уверенность в говорящем">\d+%<', page)
    data = review_client.get(f"/api/calls/{mono.id}").json()
    assert data["analysis"]["speaker_source"] == "diarization"
    plain = review_client.get(f"/call/{stereo.id}").text
    assert "моно:" not in plain and 'class="conf"' not in plain
