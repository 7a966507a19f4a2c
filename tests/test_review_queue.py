"""The review queue's query: who is in it, in which order, every filter and the pages; SQLite and PostgreSQL.

The calls are hand-built plans (tests/scorecard_seed.py) stored through the
batch's own repository functions; the expectations are written out by hand.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.orm import Session

from pipeline.review.queue import QueueFilters, filter_choices, queue_page
from pipeline.storage.db import alembic_config
from pipeline.storage.models import ScoreRow
from pipeline.storage.reviews import User, add_user, record_action
from tests.scorecard_seed import STAGES, CallPlan, FindingPlan, store_call

F = FindingPlan


def plan(n: int, seller: str | None, score: float, findings: tuple[FindingPlan, ...] = (), *,
         day: int = 3, missing: tuple[str, ...] = ()) -> CallPlan:
    return CallPlan(sha=f"a{n:063x}", seller=seller, local=datetime(2026, 11, day, 10, n % 60),
                    analysed_utc=datetime(2026, 11, 20, tzinfo=timezone.utc), score=score,
                    stages={st: st not in missing for st in STAGES}, findings=findings, talk_share=0.5,
                    monologue_s=20.0, questions=2, asked=())


@pytest.fixture
def calls(db_session: Session) -> dict[str, int]:
    """Flagged means score < 70 in these plans."""
    plans = {
        "crit_low": plan(1, "Анна", 40, (F("wrong_answer", "critical", 30), F("ignored_question", "minor", 50))),
        "crit_high": plan(2, "Борис", 65, (F("parallel_work", "critical", 0),), day=5),
        "major": plan(3, "Анна", 30, (F("multitasking_pause", "major", 12),), missing=("farewell",), day=7),
        "minor": plan(4, "Борис", 55, (F("ignored_question", "minor", 9),), missing=("greeting",), day=9),
        "none_flagged": plan(5, "Вера", 60, (), day=10),
        "good": plan(6, "Вера", 95, (F("ignored_question", "minor", 20),), day=11),  # not flagged
        "stale": plan(7, "Анна", 20, (F("wrong_answer", "critical", 5),), day=12),  # re-analysed below
    }
    ids = {k: store_call(db_session, p, stale_first=(k == "stale")) for k, p in plans.items()}
    return ids


@pytest.fixture
def lead(db_session: Session) -> User:
    return add_user(db_session, "lead", "qa_lead", "pw")


def ids(page) -> list[int]:
    return [r.analysis_id for r in page.rows]


def test_flagged_calls_most_severe_first_then_lowest_score(db_session: Session, calls: dict[str, int],
                                                          lead: User) -> None:
    page = queue_page(db_session, lead)
    # stale: its older analysis (score 0) is history; the latest (score 20, critical) is the one queued
    assert ids(page) == [calls["stale"], calls["crit_low"], calls["crit_high"], calls["major"], calls["minor"],
                         calls["none_flagged"]]
    assert page.total == 6 and page.pages == 1
    first = page.rows[1]
    assert (first.severity, first.seller, first.score, first.n_findings) == ("critical", "Анна", 40.0, 2)
    assert first.finding_types == ("ignored_question", "wrong_answer")
    assert page.rows[-1].severity == "info"  # flagged with no finding (a low stage score)


@pytest.mark.parametrize(("filters", "expected"), [
    (QueueFilters(seller="Анна"), ["stale", "crit_low", "major"]),
    (QueueFilters(date_from=date(2026, 11, 5), date_to=date(2026, 11, 9)), ["crit_high", "major", "minor"]),
    (QueueFilters(finding="ignored_question"), ["crit_low", "minor"]),
    (QueueFilters(missing_stage="greeting"), ["minor"]),
    (QueueFilters(score_min=50, score_max=65), ["crit_high", "minor", "none_flagged"]),
    (QueueFilters(finding="ignored_question", everything=True), ["crit_low", "minor", "good"]),
    (QueueFilters(seller="Вера", everything=True), ["good", "none_flagged"]),
    (QueueFilters(seller="Никто"), []),
    (QueueFilters(date_from=date(2026, 11, 9), date_to=date.max), ["stale", "minor", "none_flagged"]),  # the last day there is
])
def test_filters(db_session: Session, calls: dict[str, int], lead: User, filters: QueueFilters,
                 expected: list[str]) -> None:
    page = queue_page(db_session, lead, filters)
    assert ids(page) == [calls[k] for k in expected]
    assert page.total == len(expected)


def test_reviews_overrides_and_appeals(db_session: Session, calls: dict[str, int], lead: User) -> None:
    anna = add_user(db_session, "anna", "seller", "pw", seller_name="Анна")
    record_action(db_session, lead, calls["crit_low"], "mark_reviewed")
    record_action(db_session, lead, calls["minor"], "override_score", score=90, comment="the greeting was there")
    reviewed = queue_page(db_session, lead, QueueFilters(reviewed="yes"))
    assert ids(reviewed) == [calls["crit_low"]] and reviewed.rows[0].reviewed
    not_reviewed = queue_page(db_session, lead, QueueFilters(reviewed="no"))
    assert calls["crit_low"] not in ids(not_reviewed) and not_reviewed.total == 5
    # the override is the score shown and filtered on; the automatic one stays beside it
    minor = next(r for r in not_reviewed.rows if r.analysis_id == calls["minor"])
    assert (minor.score, minor.automatic_score, minor.overridden) == (90.0, 55.0, True)
    assert calls["minor"] not in ids(queue_page(db_session, lead, QueueFilters(score_max=60)))
    assert db_session.scalars(select(ScoreRow.score).where(ScoreRow.analysis_id == calls["minor"])).one() == 55

    # a seller's appeal puts the reviewed call back, and brings an unflagged call into the queue
    record_action(db_session, anna, calls["crit_low"], "appeal_finding", finding_idx=0, comment="I answered")
    assert calls["good"] not in ids(queue_page(db_session, lead))
    vera = add_user(db_session, "vera", "seller", "pw", seller_name="Вера")
    record_action(db_session, vera, calls["good"], "appeal_finding", finding_idx=0, comment="she never asked")
    page = queue_page(db_session, lead, QueueFilters(reviewed="no"))
    rows = {r.analysis_id: r for r in page.rows}
    assert rows[calls["crit_low"]].appealed and not rows[calls["crit_low"]].reviewed
    assert rows[calls["good"]].appealed


def test_a_seller_sees_only_their_calls(db_session: Session, calls: dict[str, int]) -> None:
    anna = add_user(db_session, "anna", "seller", "pw", seller_name="Анна")
    page = queue_page(db_session, anna, QueueFilters(everything=True))
    assert ids(page) == [calls["stale"], calls["crit_low"], calls["major"]]
    # a filter naming another seller cannot widen it
    assert queue_page(db_session, anna, QueueFilters(seller="Борис")).total == 0
    assert filter_choices(db_session, anna)["sellers"] == ["Анна"]
    unattached = User(99, "ghost", "seller", None)
    assert queue_page(db_session, unattached, QueueFilters(everything=True)).total == 0


def test_pages(db_session: Session, calls: dict[str, int], lead: User) -> None:
    everything = ids(queue_page(db_session, lead, QueueFilters(everything=True)))
    pages = [queue_page(db_session, lead, QueueFilters(everything=True, page=n), page_size=3) for n in (1, 2, 3)]
    assert [ids(p) for p in pages] == [everything[:3], everything[3:6], everything[6:]]
    assert pages[0].total == 7 and pages[0].pages == 3
    assert ids(pages[2]) == [calls["none_flagged"]]  # severity first: "good" has a minor finding


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"reviewed": "maybe"}, "reviewed"),
    ({"page": 0}, "page"),
    ({"date_from": date(2026, 11, 9), "date_to": date(2026, 11, 1)}, "date_from"),
    ({"score_min": 80, "score_max": 20}, "score_min"),
])
def test_bad_filters_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        QueueFilters(**kwargs)


def test_filter_choices(db_session: Session, calls: dict[str, int], lead: User) -> None:
    choices = filter_choices(db_session, lead)
    assert choices["sellers"] == ["Анна", "Борис", "Вера"]
    assert choices["findings"] == ["ignored_question", "multitasking_pause", "parallel_work", "wrong_answer"]
    assert choices["stages"] == sorted(STAGES)


def test_migration_0006_backfills_the_severity_and_goes_down(db_connection: Connection, db_session: Session,
                                                             calls: dict[str, int]) -> None:
    db_session.flush()
    cfg = alembic_config()
    cfg.attributes["connection"] = db_connection
    command.downgrade(cfg, "0005")
    insp = inspect(db_connection)
    assert "severity_rank" not in {c["name"] for c in insp.get_columns("scores")}
    assert "web_sessions" not in insp.get_table_names()
    command.upgrade(cfg, "head")
    ranks = dict(db_connection.execute(text("SELECT analysis_id, severity_rank FROM scores")).all())
    assert ranks[calls["crit_low"]] == 3 and ranks[calls["major"]] == 2 and ranks[calls["minor"]] == 1
    assert ranks[calls["none_flagged"]] == 0
    latest = {aid for (aid,) in db_connection.execute(text("SELECT latest_analysis_id FROM recordings"))}
    assert latest == set(calls.values())  # the stale call's newer analysis, not its first
    assert "ix_scores_queue" in {ix["name"] for ix in inspect(db_connection).get_indexes("scores")}


# --- issue 17: the QA lead's working day ---------------------------------------------------------


def test_the_default_queue_is_what_nobody_has_reviewed(db_session: Session, calls: dict[str, int],
                                                       lead: User) -> None:
    before = ids(queue_page(db_session, lead))
    record_action(db_session, lead, calls["crit_low"], "mark_reviewed")
    after = queue_page(db_session, lead)
    assert ids(after) == [i for i in before if i != calls["crit_low"]]
    assert ids(queue_page(db_session, lead, QueueFilters(reviewed="yes"))) == [calls["crit_low"]]


def test_dismissed_findings_leave_the_row_and_the_decisions_show(db_session: Session, calls: dict[str, int],
                                                                 lead: User) -> None:
    aid = calls["crit_low"]  # findings: 0 wrong_answer, 1 ignored_question
    record_action(db_session, lead, aid, "dismiss_finding", finding_idx=0, reason="asr_error")
    record_action(db_session, lead, aid, "confirm_finding", finding_idx=1)
    record_action(db_session, lead, aid, "mark_reviewed")
    row = queue_page(db_session, lead, QueueFilters(reviewed="yes")).rows[0]
    assert (row.analysis_id, row.finding_types, row.n_findings) == (aid, ("ignored_question",), 1)
    assert (row.confirmed, row.dismissed, row.reviewed) == (1, 1, True)
    # a later confirmation of the dismissed finding counts it in again: the latest decision wins
    record_action(db_session, lead, aid, "confirm_finding", finding_idx=0)
    row = queue_page(db_session, lead, QueueFilters(reviewed="yes")).rows[0]
    assert (row.finding_types, row.confirmed, row.dismissed) == (("ignored_question", "wrong_answer"), 2, 0)


def test_the_appeals_inbox(db_session: Session, calls: dict[str, int], lead: User) -> None:
    assert queue_page(db_session, lead, QueueFilters(appeals=True, reviewed="any")).total == 0
    vera = add_user(db_session, "vera", "seller", "pw", seller_name="Вера")
    record_action(db_session, vera, calls["good"], "appeal_finding", finding_idx=0, comment="вопроса не было")
    inbox = queue_page(db_session, lead, QueueFilters(appeals=True, reviewed="any"))
    assert ids(inbox) == [calls["good"]] and inbox.rows[0].appealed  # unflagged, yet in the inbox
    record_action(db_session, lead, calls["good"], "mark_reviewed")  # answered: out of the inbox
    assert queue_page(db_session, lead, QueueFilters(appeals=True, reviewed="any")).total == 0


def test_assignments_and_the_mine_filter(db_session: Session, calls: dict[str, int], lead: User) -> None:
    from pipeline.storage.assignments import assign, reviewers

    other = add_user(db_session, "lead2", "qa_lead", "pw")
    add_user(db_session, "coach", "coach", "pw")
    assert [r.name for r in reviewers(db_session)] == ["lead", "lead2"]  # coaches don't review
    assert assign(db_session, lead, [calls["major"], calls["minor"]], "lead2") == 2
    assert assign(db_session, lead, [calls["crit_low"]], "lead") == 1
    mine = queue_page(db_session, other, QueueFilters(assigned_to=other.id))
    assert ids(mine) == [calls["major"], calls["minor"]]
    assert {r.assignee for r in mine.rows} == {"lead2"}
    assert ids(queue_page(db_session, lead, QueueFilters(assigned_to=lead.id))) == [calls["crit_low"]]
    # reassigning replaces, taking back empties
    assign(db_session, lead, [calls["major"]], "lead")
    assert ids(queue_page(db_session, other, QueueFilters(assigned_to=other.id))) == [calls["minor"]]
    assign(db_session, lead, [calls["minor"]], None)
    assert queue_page(db_session, other, QueueFilters(assigned_to=other.id)).total == 0
    with pytest.raises(ValueError, match="^assignee 'coach'"):
        assign(db_session, lead, [calls["minor"]], "coach")
    with pytest.raises(ValueError, match="^analysis_ids: no such call 999999"):
        assign(db_session, lead, [999999], "lead")


@pytest.mark.parametrize("field", ["seller", "finding", "missing_stage"])
def test_a_nul_in_a_filter_is_refused_before_the_database(db_session: Session, calls: dict[str, int],
                                                          lead: User, field: str) -> None:
    from pipeline.review.queue import NulInFilter

    with pytest.raises(NulInFilter, match=f"^{field}: a NUL"):
        queue_page(db_session, lead, QueueFilters(**{field: "Ан\x00на"}))
    assert queue_page(db_session, lead, QueueFilters(**{field: "Анна"})).total >= 0  # the session still works


@pytest.mark.postgres
def test_a_nul_in_the_queue_url_is_400_on_postgresql(empty_database_url: str, tmp_path) -> None:
    from fastapi.testclient import TestClient

    from pipeline.review.app import create_app
    from pipeline.review.web import ReviewSettings
    from pipeline.storage.db import open_database

    sessions = open_database(empty_database_url)
    with sessions.begin() as session:
        add_user(session, "lead", "qa_lead", "lead-pass-1")
    with TestClient(create_app(ReviewSettings(sessions, tmp_path / "cache"))) as client:
        assert client.post("/api/login", json={"name": "lead", "password": "lead-pass-1"}).status_code == 200
        for url in ("/queue?seller=%00", "/queue?finding=a%00b", "/api/queue?seller=%00",
                    "/api/queue/export.csv?missing_stage=%00"):
            response = client.get(url)
            assert response.status_code == 400, (url, response.status_code, response.text[:200])
        assert client.get("/queue").status_code == 200
    sessions.kw["bind"].dispose()
