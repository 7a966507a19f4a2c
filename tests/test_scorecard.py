"""Scorecard figures against hand-computed values, on SQLite and PostgreSQL.

Two datasets: a tiny one whose every figure is worked out by hand in the
comments, and the seeded call centre of `scorecard_seed` (200 calls, 5 sellers,
8 weeks) whose figures are recomputed here from the plan with plain Python.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipeline.reports.links import call_link
from pipeline.reports.period import Period, current_week, parse_period, period_between
from pipeline.reports.queries import (
    load_period,
    load_seller_scorecard,
    load_team_report,
    seller_scorecard,
    team_report,
)
from tests.scorecard_seed import (
    FIRST_MONDAY,
    MISSED,
    SELLERS,
    STAGES,
    WEEKS,
    CallPlan,
    FindingPlan,
    plan_calls,
    seed,
    store_call,
)

NOV = parse_period("2026-11")
MOSCOW = timedelta(hours=3)  # no DST in Moscow since 2014
RANK = {"info": 0, "minor": 1, "major": 2, "critical": 3}


def plan(n: int, seller: str | None, local: datetime, score: float, *, greeting: bool = True,
         findings: tuple[FindingPlan, ...] = (), talk: float | None = 0.5, asked: tuple[str, ...] = (),
         analysed_utc: datetime | None = None) -> CallPlan:
    return CallPlan(sha=f"f{n:063x}", seller=seller, local=local,
                    analysed_utc=analysed_utc or datetime(2026, 11, 9, tzinfo=timezone.utc), score=score,
                    stages={st: (greeting if st == "greeting" else True) for st in STAGES}, findings=findings,
                    talk_share=talk, monologue_s=None if talk is None else 20.0,
                    questions=None if talk is None else 2, asked=asked)


# --- the tiny dataset, by hand --------------------------------------------------------------


@pytest.fixture
def tiny(db_session: Session) -> dict[str, int]:
    """Ольга: 80, 60, 40; Пётр: 90, 50; all in the week of 2026-11-02."""
    day = datetime(2026, 11, 3, 10, 0)
    ids = {
        "o80": store_call(db_session, plan(1, "Ольга", day, 80, findings=(FindingPlan("ignored_question", "major", 12),),
                                           talk=0.5, asked=("urgency", "budget"))),
        "o60": store_call(db_session, plan(2, "Ольга", day, 60, talk=0.7, asked=("urgency",))),
        "o40": store_call(db_session, plan(3, "Ольга", day, 40, greeting=False, talk=None, findings=(
            FindingPlan("wrong_answer", "major", 30), FindingPlan("missing_stage", "critical", 45)))),
        "p90": store_call(db_session, plan(4, "Пётр", day, 90, findings=(FindingPlan("ignored_question", "minor", 7),))),
        "p50": store_call(db_session, plan(5, "Пётр", day, 50, greeting=False)),
    }
    return ids


def test_a_sellers_figures_by_hand(db_session: Session, tiny: dict[str, int]) -> None:
    card = load_seller_scorecard(db_session, "Ольга", parse_period("2026-W45"), min_calls=3)
    assert (card.calls, card.team_calls, card.enough) == (3, 5, True)
    assert card.average_score == pytest.approx(60.0)  # (80 + 60 + 40) / 3
    assert card.team_median == 60.0  # median of 40 50 60 80 90
    greeting = next(r for r in card.stages if r.key == "greeting")
    assert (greeting.seller, greeting.team) == (pytest.approx(2 / 3), pytest.approx(3 / 5))
    findings = {r.key: (r.seller, r.team) for r in card.findings}
    assert findings["ignored_question"] == (pytest.approx(10 / 3), pytest.approx(4.0))  # 1 of 3 calls; 2 of 5
    assert findings["wrong_answer"] == (pytest.approx(10 / 3), pytest.approx(2.0))
    assert {r.key: r.seller for r in card.lead} == pytest.approx({"urgency": 1.0, "budget": 0.5, "benefit": 0.0})
    assert card.talk.talk_share == pytest.approx(0.6) and card.talk.measured == 2  # the mono call has none
    assert [(w.week, w.calls, w.average, w.team_median) for w in card.weeks] == [(date(2026, 11, 2), 3, 60.0, 60.0)]
    assert [p.analysis_id for p in card.best] == [tiny["o80"], tiny["o60"]]
    # the critical finding at 45 s outranks the earlier major one at 30 s
    (worst,) = card.worst
    assert (worst.analysis_id, worst.second) == (tiny["o40"], 45)
    assert call_link("https://qa.example", worst.analysis_id, worst.second) == f"https://qa.example/call/{tiny['o40']}?t=45"
    assert (card.best[0].analysis_id, card.best[0].second) == (tiny["o80"], 12)
    assert (card.reviews.reviewed_calls, card.reviews.dismissed_findings) == (0, 0)


def test_too_few_calls_is_not_enough(db_session: Session, tiny: dict[str, int]) -> None:
    card = load_seller_scorecard(db_session, "Пётр", parse_period("2026-W45"))  # default minimum 5
    assert (card.calls, card.min_calls, card.enough) == (2, 5, False)
    team = load_team_report(db_session, parse_period("2026-W45"))
    assert [(r.seller, r.enough) for r in team.ranking] == [("Ольга", False), ("Пётр", False)]
    assert team.heatmap == {}  # no seller has enough calls for a row
    assert team.calls == 5 and team.median_score == 60.0


def test_only_the_latest_analysis_counts(db_session: Session) -> None:
    store_call(db_session, plan(1, "Ольга", datetime(2026, 11, 3, 10), 77), stale_first=True)
    card = load_seller_scorecard(db_session, "Ольга", parse_period("2026-W45"), min_calls=1)
    assert (card.calls, card.average_score) == (1, 77.0)


def test_moscow_days_decide_the_period(db_session: Session) -> None:
    # No start time: 23:30 UTC on Sunday 29 November is 02:30 on Monday 30 November in Moscow.
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=timezone.utc)
    store_call(db_session, plan(1, None, datetime(2000, 1, 1), 70, analysed_utc=sunday_night))
    # The PBX clock reads 23:30 on Sunday: that is already Moscow time, and stays Sunday.
    store_call(db_session, plan(2, "Ольга", datetime(2026, 11, 29, 23, 30), 50))
    w48, w49 = parse_period("2026-W48"), parse_period("2026-W49")
    assert [c.score for c in load_period(db_session, w48, "Europe/Moscow").calls] == [50.0]
    monday = load_period(db_session, w49, "Europe/Moscow").calls
    assert [(c.score, c.timed_by_analysis, c.local_time) for c in monday] == [(70.0, True, datetime(2026, 11, 30, 2, 30))]
    # in UTC the same call stays on Sunday
    assert [c.score for c in load_period(db_session, w48, "UTC").calls] == [70.0, 50.0]
    team = load_team_report(db_session, w49, "Europe/Moscow", min_calls=1)
    assert team.timed_by_analysis == 1 and team.ranking == ()  # nobody to rank: the seller is unknown


def test_periods() -> None:
    assert parse_period("2026-12") == Period(date(2026, 12, 1), date(2027, 1, 1), "2026-12")
    assert parse_period("2026-W01").start == date(2025, 12, 29)
    assert period_between(date(2026, 11, 2), date(2026, 11, 8)).days == 7
    assert current_week(date(2026, 11, 29)).label == "2026-W48"
    assert NOV.previous() == Period(date(2026, 10, 2), date(2026, 11, 1), "2026-10-02…2026-10-31")
    assert NOV.weeks()[0] == date(2026, 10, 26) and NOV.weeks()[-1] == date(2026, 11, 30)
    lo, hi = NOV.utc_bounds("Europe/Moscow")
    assert (lo, hi) == (datetime(2026, 10, 31, 21, tzinfo=timezone.utc), datetime(2026, 11, 30, 21, tzinfo=timezone.utc))


# --- the seeded call centre -------------------------------------------------------------------

EXTRA = (  # calls nobody is named on, placed by their analysis time
    plan(9001, None, datetime(2000, 1, 1), 65, analysed_utc=datetime(2026, 10, 31, 22, 30, tzinfo=timezone.utc)),
    plan(9002, None, datetime(2000, 1, 1), 35, analysed_utc=datetime(2026, 11, 30, 21, 0, tzinfo=timezone.utc)),
)


@pytest.fixture(scope="module")
def centre(db_engine: Engine) -> Iterator[tuple[Session, list[CallPlan]]]:
    """Seeded once per backend, in a transaction rolled back at the end."""
    with db_engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            plans = seed(session)
            for extra in EXTRA:
                store_call(session, extra)
            yield session, plans + list(EXTRA)
        finally:
            session.close()
            outer.rollback()


def local_day(p: CallPlan) -> date:
    return (p.local if p.seller else (p.analysed_utc + MOSCOW).replace(tzinfo=None)).date()


def in_period(plans: list[CallPlan], period: Period, seller: str | None = None) -> list[CallPlan]:
    return [p for p in plans if period.start <= local_day(p) < period.end and (seller is None or p.seller == seller)]


def per_10(plans: list[CallPlan]) -> dict[str, float]:
    counts = Counter(f.type for p in plans for f in p.findings)
    return {t: 10 * n / len(plans) for t, n in counts.items()}


def test_the_seed_is_big_enough(centre: tuple[Session, list[CallPlan]]) -> None:
    _, plans = centre
    named = [p for p in plans if p.seller]
    assert len(named) >= 200 and {p.seller for p in named} == set(SELLERS)
    assert {local_day(p) for p in named} <= {FIRST_MONDAY + timedelta(days=d) for d in range(7 * WEEKS)}
    assert plans[: len(plan_calls())] == plan_calls()  # deterministic


@pytest.mark.parametrize("seller", SELLERS)
def test_seller_figures_match_the_plan(centre: tuple[Session, list[CallPlan]], seller: str) -> None:
    session, plans = centre
    mine, team = in_period(plans, NOV, seller), in_period(plans, NOV)
    card = load_seller_scorecard(session, seller, NOV, "Europe/Moscow")
    assert (card.calls, card.team_calls, card.timed_by_analysis) == (len(mine), len(team), 0)
    assert card.average_score == pytest.approx(statistics.fmean(p.score for p in mine))
    assert card.team_median == pytest.approx(statistics.median(p.score for p in team))
    for week in card.weeks:
        week_mine = [p.score for p in mine if week.week <= local_day(p) < week.week + timedelta(days=7)]
        week_team = [p.score for p in team if week.week <= local_day(p) < week.week + timedelta(days=7)]
        assert week.calls == len(week_mine)
        assert week.average == (pytest.approx(statistics.fmean(week_mine)) if week_mine else None)
        assert week.team_median == (pytest.approx(statistics.median(week_team)) if week_team else None)
    for rate in card.stages:
        assert rate.seller == pytest.approx(sum(p.stages[rate.key] for p in mine) / len(mine))
        assert rate.team == pytest.approx(sum(p.stages[rate.key] for p in team) / len(team))
    mine10, team10 = per_10(mine), per_10(team)
    assert {r.key: r.seller for r in card.findings} == pytest.approx({t: mine10.get(t, 0.0) for t in team10})
    assert {r.key: r.team for r in card.findings} == pytest.approx(team10)
    stereo = [p for p in mine if p.talk_share is not None]
    assert card.talk.measured == len(stereo)
    assert card.talk.talk_share == pytest.approx(statistics.fmean(p.talk_share for p in stereo))  # type: ignore[misc]
    assert card.talk.monologue_s == pytest.approx(statistics.fmean(p.monologue_s for p in stereo))  # type: ignore[misc]
    assert card.talk.questions == pytest.approx(statistics.fmean(p.questions for p in stereo))  # type: ignore[misc]
    assert {r.key: r.seller for r in card.lead} == pytest.approx(
        {c: sum(c in p.asked for p in stereo) / len(stereo) for c in ("urgency", "budget", "benefit")})
    missed = [m for m in MISSED if m[2] == seller and NOV.start <= m[1].date() < NOV.end]
    assert (card.missed_calls, card.missed_not_called_back) == (len(missed), sum(not m[3] for m in missed))
    assert card.parallel_work == sum(f.type == "parallel_work" for p in mine for f in p.findings)
    order = {p.sha: i for i, p in enumerate(plans)}
    best = sorted(mine, key=lambda p: (-p.score, p.local, order[p.sha]))[:2]
    worst = [p for p in sorted(mine, key=lambda p: (p.score, p.local, order[p.sha])) if p not in best][:2]
    assert [(c.score, c.local_time, c.second) for c in card.best + card.worst] == [
        (p.score, p.local, int(min(p.findings, key=lambda f: (-RANK[f.severity], f.start)).start) if p.findings else 0)
        for p in best + worst]


def test_team_figures_match_the_plan(centre: tuple[Session, list[CallPlan]]) -> None:
    session, plans = centre
    report = load_team_report(session, NOV, "Europe/Moscow")
    team = in_period(plans, NOV)
    assert report.calls == len(team) and report.timed_by_analysis == 1  # 9001 is 01:30 on 1 November in Moscow
    means = {s: statistics.fmean(p.score for p in in_period(plans, NOV, s)) for s in SELLERS}
    assert [r.seller for r in report.ranking] == sorted(SELLERS, key=lambda s: -means[s])
    assert [r.average_score for r in report.ranking] == pytest.approx(sorted(means.values(), reverse=True))
    assert set(report.heatmap) == set(SELLERS)
    for seller, row in report.heatmap.items():
        mine = in_period(plans, NOV, seller)
        assert row == pytest.approx({st: sum(p.stages[st] for p in mine) / len(mine) for st in STAGES})
    assert list(report.heatmap["Анна"]) == list(STAGES)  # in the standard's order
    before = per_10(in_period(plans, NOV.previous()))
    now = per_10(team)
    delta = {t: now.get(t, 0.0) - before.get(t, 0.0) for t in set(now) | set(before)}
    assert [c.type for c in report.rose] == sorted((t for t in delta if delta[t] > 0), key=lambda t: -delta[t])[:3]
    assert [c.type for c in report.fell] == sorted((t for t in delta if delta[t] < 0), key=lambda t: delta[t])[:3]
    assert all(c.change == pytest.approx(delta[c.type]) for c in report.rose + report.fell)
    assert {(m.responsible, m.total, m.not_called_back) for m in report.missed} == {
        ("Анна", 3, 2), ("Борис", 1, 1), ("queue 600", 1, 1)}  # m5 is 31 October


def test_cards_share_one_load(centre: tuple[Session, list[CallPlan]]) -> None:
    """The nightly path (one load, every seller) gives the same cards as one card at a time."""
    session, _ = centre
    data = load_period(session, NOV, "Europe/Moscow")
    for seller in SELLERS:
        assert seller_scorecard(session, data, seller) == load_seller_scorecard(session, seller, NOV, "Europe/Moscow")
    previous = load_period(session, NOV.previous(), "Europe/Moscow")
    assert team_report(data, previous) == load_team_report(session, NOV, "Europe/Moscow")
    assert replace(data, calls=()).calls_of("Анна") == []
