"""Users, roles, the append-only review trail, and reviews in the scorecards; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.reports.period import parse_period
from pipeline.reports.queries import NO_REVIEWS, load_seller_scorecard
from pipeline.storage.db import alembic_config, open_database
from pipeline.storage.models import ReviewActionRow, ScoreRow, UserRow
from pipeline.storage.reviews import (
    DATABASE_REVIEWS,
    User,
    add_user,
    can_act,
    can_review,
    can_see,
    record_action,
    review_state,
    verify_password,
)
from tests.scorecard_seed import STAGES, CallPlan, FindingPlan, store_call

WEEK = parse_period("2026-W45")


def call(n: int, seller: str, score: float, findings: tuple[FindingPlan, ...] = ()) -> CallPlan:
    return CallPlan(sha=f"e{n:063x}", seller=seller, local=datetime(2026, 11, 3, 10, 0),
                    analysed_utc=datetime(2026, 11, 9, tzinfo=timezone.utc), score=score,
                    stages={st: True for st in STAGES}, findings=findings, talk_share=0.5, monologue_s=20.0,
                    questions=2, asked=())


@pytest.fixture
def people(db_session: Session) -> dict[str, User]:
    return {
        "lead": add_user(db_session, "lead", "qa_lead", "lead-pw"),
        "admin": add_user(db_session, "admin", "admin", "admin-pw"),
        "coach": add_user(db_session, "coach", "coach", "coach-pw"),
        "olga": add_user(db_session, "olga", "seller", "olga-pw", seller_name="Ольга"),
    }


@pytest.fixture
def calls(db_session: Session) -> dict[str, int]:
    return {
        "o1": store_call(db_session, call(1, "Ольга", 80, (FindingPlan("ignored_question", "major", 12),
                                                           FindingPlan("wrong_answer", "critical", 40)))),
        "o2": store_call(db_session, call(2, "Ольга", 60, (FindingPlan("ignored_question", "minor", 7),))),
        "p1": store_call(db_session, call(3, "Пётр", 90, (FindingPlan("wrong_answer", "major", 5),))),
    }


# --- users ---------------------------------------------------------------------------


def test_passwords_are_hashed_and_verified(db_session: Session, people: dict[str, User]) -> None:
    stored = db_session.scalars(select(UserRow.password_hash).where(UserRow.name == "lead")).one()
    assert stored != "lead-pw" and "lead-pw" not in stored and stored.startswith("$argon2id$")
    assert verify_password(db_session, "lead", "lead-pw") == people["lead"]
    assert verify_password(db_session, "lead", "wrong") is None
    assert verify_password(db_session, "nobody", "lead-pw") is None
    assert people["olga"].seller == "Ольга" and people["lead"].seller is None


@pytest.mark.parametrize(("args", "field"), [
    (("x", "boss", "pw"), "role"),
    (("x", "seller", "pw"), "seller"),  # a seller user names their seller
    (("x", "coach", "pw", "Ольга"), "seller"),
    (("x", "coach", ""), "password"),
    (("lead", "admin", "pw"), "name"),  # taken
])
def test_bad_users_are_refused(db_session: Session, people: dict[str, User], args: tuple, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        add_user(db_session, *args)


def test_role_check_constraint_in_the_database(db_session: Session) -> None:
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(UserRow(name="x", role="boss", password_hash="h"))
        db_session.flush()


# --- role rules ----------------------------------------------------------------------

OLGA = User(4, "olga", "seller", "Ольга")
ROLE_TABLE = [
    # user, the call's seller, sees, reviews, may appeal
    (User(1, "lead", "qa_lead", None), "Пётр", True, True, False),
    (User(2, "admin", "admin", None), None, True, True, False),
    (User(3, "coach", "coach", None), "Ольга", True, False, False),
    (OLGA, "Ольга", True, False, True),
    (OLGA, "Пётр", False, False, False),
    (OLGA, None, False, False, False),  # an unattributed call is nobody's own
    (User(5, "lost", "seller", None), None, False, False, False),
]


@pytest.mark.parametrize(("user", "call_seller", "sees", "reviews", "appeals"), ROLE_TABLE)
def test_role_rules(user: User, call_seller: str | None, sees: bool, reviews: bool, appeals: bool) -> None:
    assert can_see(user, call_seller) is sees
    assert can_review(user) is reviews
    assert all(can_act(user, k, call_seller) is reviews
               for k in ("confirm_finding", "dismiss_finding", "stage_absent", "override_score", "mark_reviewed"))
    assert can_act(user, "appeal_finding", call_seller) is appeals


# --- actions -------------------------------------------------------------------------


def test_actions_append_and_the_latest_wins(db_session: Session, people: dict[str, User],
                                             calls: dict[str, int]) -> None:
    lead, admin, olga, aid = people["lead"], people["admin"], people["olga"], calls["o1"]
    record_action(db_session, lead, aid, "dismiss_finding", finding_idx=0, comment="she did answer")
    record_action(db_session, lead, aid, "confirm_finding", finding_idx=1)
    record_action(db_session, lead, aid, "stage_absent", stage_id="greeting")
    record_action(db_session, lead, aid, "override_score", score=70, comment="greeting was missed")
    record_action(db_session, admin, aid, "override_score", score=85, comment="greeting was fine")  # conflicts
    record_action(db_session, lead, aid, "mark_reviewed")
    state = review_state(db_session, aid)
    assert state.reviewed and state.dismissed == {0} and state.findings[1].kind == "confirm_finding"
    assert state.stages["greeting"].kind == "stage_absent"
    assert state.score_override is not None
    assert (state.score_override.score, state.score_override.comment, state.score_override.user) == \
        (85, "greeting was fine", "admin")
    overrides = [(a.user, a.score) for a in state.trail if a.kind == "override_score"]
    assert overrides == [("lead", 70), ("admin", 85)]  # the first is not erased
    assert len(state.trail) == 6 and [a.id for a in state.trail] == sorted(a.id for a in state.trail)

    # the seller appeals the confirmed finding: the call is back in the queue
    record_action(db_session, olga, aid, "appeal_finding", finding_idx=1, comment="the client had hung up")
    state = review_state(db_session, aid)
    assert not state.reviewed and state.appealed == {1} and len(state.trail) == 7
    # the automatic result is untouched
    assert db_session.scalars(select(ScoreRow.score).where(ScoreRow.analysis_id == aid)).one() == 80
    assert review_state(db_session, calls["o2"]).trail == ()


def test_a_dismissal_keeps_its_reason_code(db_session: Session, people: dict[str, User],
                                           calls: dict[str, int]) -> None:
    aid = calls["o2"]
    made = record_action(db_session, people["lead"], aid, "dismiss_finding", finding_idx=0, reason=" asr_error ",
                         comment="цифры распознаны неверно")
    assert (made.reason, made.comment) == ("asr_error", "цифры распознаны неверно")
    stored = db_session.scalars(select(ReviewActionRow).where(ReviewActionRow.id == made.id)).one()
    assert stored.reason == "asr_error"
    assert review_state(db_session, aid).findings[0].reason == "asr_error"


def test_invalid_actions_are_rejected(db_session: Session, people: dict[str, User], calls: dict[str, int]) -> None:
    lead, aid = people["lead"], calls["o2"]  # one finding, idx 0
    with pytest.raises(ValueError, match=r"^finding_idx 3: analysis \d+ has findings 0$"):
        record_action(db_session, lead, aid, "dismiss_finding", finding_idx=3)
    with pytest.raises(ValueError, match="^finding_idx: required"):
        record_action(db_session, lead, aid, "confirm_finding")
    with pytest.raises(ValueError, match="^finding_idx: not allowed"):
        record_action(db_session, lead, aid, "mark_reviewed", finding_idx=0)
    with pytest.raises(ValueError, match="^stage_id 'closing'"):
        record_action(db_session, lead, aid, "stage_present", stage_id="closing")
    with pytest.raises(ValueError, match="^comment: a reason is required"):
        record_action(db_session, lead, aid, "override_score", score=50, comment="  ")
    with pytest.raises(ValueError, match="^score 120"):
        record_action(db_session, lead, aid, "override_score", score=120, comment="why")
    with pytest.raises(ValueError, match="^comment: at most 4000"):
        record_action(db_session, lead, aid, "confirm_finding", finding_idx=0, comment="x" * 4001)
    with pytest.raises(ValueError, match="^kind 'delete'"):
        record_action(db_session, lead, aid, "delete")
    with pytest.raises(ValueError, match="^reason: a reason code .* dismiss_finding only, not confirm_finding"):
        record_action(db_session, lead, aid, "confirm_finding", finding_idx=0, reason="asr_error")
    with pytest.raises(ValueError, match="^reason: a reason code \\(at most 100"):
        record_action(db_session, lead, aid, "dismiss_finding", finding_idx=0, reason="x" * 101)
    with pytest.raises(PermissionError):
        record_action(db_session, people["coach"], aid, "confirm_finding", finding_idx=0)
    with pytest.raises(PermissionError):
        record_action(db_session, people["olga"], calls["p1"], "appeal_finding", finding_idx=0, comment="not mine")
    with pytest.raises(LookupError, match="analysis_id 999999"):
        record_action(db_session, lead, 999999, "mark_reviewed")
    assert db_session.scalars(select(ReviewActionRow)).all() == []
    with pytest.raises(IntegrityError), db_session.begin_nested():  # the database refuses it too
        db_session.add(ReviewActionRow(analysis_id=aid, user_id=lead.id, kind="override_score", score=1.0))
        db_session.flush()


# --- scorecards ----------------------------------------------------------------------


def test_scorecards_count_dismissed_findings_out(db_session: Session, people: dict[str, User],
                                                 calls: dict[str, int]) -> None:
    lead = people["lead"]
    record_action(db_session, lead, calls["o1"], "dismiss_finding", finding_idx=0)  # ignored_question
    record_action(db_session, lead, calls["o1"], "mark_reviewed")
    record_action(db_session, lead, calls["o2"], "dismiss_finding", finding_idx=0)
    record_action(db_session, lead, calls["o2"], "confirm_finding", finding_idx=0)  # changed their mind
    card = load_seller_scorecard(db_session, "Ольга", WEEK, min_calls=1, reviews=DATABASE_REVIEWS)
    findings = {r.key: r.seller for r in card.findings}
    assert findings["ignored_question"] == pytest.approx(5.0)  # 1 left in 2 calls, per 10 calls
    assert findings["wrong_answer"] == pytest.approx(5.0)
    assert (card.reviews.reviewed_calls, card.reviews.dismissed_findings) == (1, 1)
    unreviewed = load_seller_scorecard(db_session, "Ольга", WEEK, min_calls=1, reviews=NO_REVIEWS)
    assert {r.key: r.seller for r in unreviewed.findings}["ignored_question"] == pytest.approx(10.0)

    # an appeal after the «reviewed» mark puts the call back: no longer counted as reviewed
    record_action(db_session, people["olga"], calls["o1"], "appeal_finding", finding_idx=1, comment="no")
    card = load_seller_scorecard(db_session, "Ольга", WEEK, min_calls=1, reviews=DATABASE_REVIEWS)
    assert (card.reviews.reviewed_calls, card.reviews.dismissed_findings) == (0, 1)


def test_scorecards_take_the_latest_score_override(db_session: Session, people: dict[str, User],
                                                  calls: dict[str, int]) -> None:
    record_action(db_session, people["lead"], calls["o2"], "override_score", score=70, comment="pause was a hold")
    record_action(db_session, people["admin"], calls["o2"], "override_score", score=90, comment="client asked to wait")
    card = load_seller_scorecard(db_session, "Ольга", WEEK, min_calls=1, reviews=DATABASE_REVIEWS)
    assert card.average_score == pytest.approx((80 + 90) / 2)
    automatic = load_seller_scorecard(db_session, "Ольга", WEEK, min_calls=1, reviews=NO_REVIEWS)
    assert automatic.average_score == pytest.approx((80 + 60) / 2)
    assert db_session.scalars(select(ScoreRow.score).where(ScoreRow.analysis_id == calls["o2"])).one() == 60


# --- migration and CLI -----------------------------------------------------------------


def test_migration_0005_down_and_up(db_connection: Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = db_connection
    command.downgrade(cfg, "0004")
    tables = set(inspect(db_connection).get_table_names())
    assert not {"users", "review_actions"} & tables and {"analyses", "sellers"} <= tables
    command.upgrade(cfg, "head")
    insp = inspect(db_connection)
    assert {"users", "review_actions"} <= set(insp.get_table_names())
    assert [ix["column_names"] for ix in insp.get_indexes("review_actions")] == [["analysis_id"]]


def test_cli_user_add(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    runner = CliRunner()
    ok = runner.invoke(app, ["user", "add", "lead", "--role", "qa_lead", "--password-stdin", "--db", url],
                       input="s3cret pw for the QA\n")
    assert ok.exit_code == 0, ok.output
    prompted = runner.invoke(app, ["user", "add", "olga", "--role", "seller", "--seller", "Ольга", "--create-seller",
                                   "--db", url], input="her-pw-is-long\nher-pw-is-long\n")
    assert prompted.exit_code == 0, prompted.output
    assert "her-pw-is-long" not in prompted.output  # the prompt hides it
    bad_role = runner.invoke(app, ["user", "add", "x", "--role", "boss", "--password-stdin", "--db", url], input="p\n")
    assert bad_role.exit_code == 2 and "expected one of qa_lead, admin, coach, seller" in bad_role.output
    no_seller = runner.invoke(app, ["user", "add", "y", "--role", "seller", "--password-stdin", "--db", url],
                              input="p\n")
    assert no_seller.exit_code == 2 and "--seller" in no_seller.output
    with open_database(url).begin() as session:
        assert verify_password(session, "lead", "s3cret pw for the QA") is not None
        olga = verify_password(session, "olga", "her-pw-is-long")
        assert olga is not None and (olga.role, olga.seller) == ("seller", "Ольга")
        assert verify_password(session, "y", "p") is None
