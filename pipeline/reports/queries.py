"""Every figure on a scorecard, from one place: the queries and the arithmetic over them.

Why it is built this way:

- Set-based: a report costs a fixed handful of queries (the period's calls,
  stage counts, finding counts, missed calls, the picked calls' worst
  findings), never one per call. Counts and sums are grouped in SQL; what
  SQLite cannot do portably (medians, JSON arrays of the lead's questions) is
  done in Python over the one row per call the first query returns.
- Only each recording's latest analysis counts (the highest id, as
  `client_history` does): a re-scored call must not be counted twice.
- A call belongs to the local day of its own start time, in the company's
  time zone; without one, of the time it was analysed (`timed_by_analysis`
  counts those, and the card says so). See `period.py` for the two clocks.
- Reviews plug in through `ReviewSource`: `pipeline.storage.reviews.DatabaseReviews`
  (what the nightly reports and `callqa scorecard` use) counts out the findings
  whose latest review is a dismissal; `NO_REVIEWS` counts every finding.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from pipeline.phone.threads import UNKNOWN_SELLER
from pipeline.reports.period import DEFAULT_TIMEZONE, Period, local_time, week_start
from pipeline.storage.models import (
    AnalysisRow,
    FindingRow,
    MissedCallRow,
    RecordingRow,
    ScoreRow,
    SellerRow,
    StageResultRow,
)

DEFAULT_MIN_CALLS = 5
LEAD_CATEGORIES: tuple[str, ...] = ("urgency", "budget", "benefit")
PARALLEL_WORK = "parallel_work"
SEVERITY_RANK: dict[str, int] = {"info": 0, "minor": 1, "major": 2, "critical": 3}


# --- reviews (pipeline.storage.reviews.DatabaseReviews fills these in) ---------------


class ReviewSource(Protocol):
    """What the review trail provides: id sets as subqueries, or None when it has none."""

    def reviewed_analyses(self) -> Select[Any] | None: ...

    def dismissed_findings(self) -> Select[Any] | None: ...

    def score_overrides(self) -> Select[Any] | None:
        """(analysis_id, score) of each call's latest score override."""
        ...


class _NoReviews:
    def reviewed_analyses(self) -> Select[Any] | None:
        return None

    def dismissed_findings(self) -> Select[Any] | None:
        return None

    def score_overrides(self) -> Select[Any] | None:
        return None


NO_REVIEWS: ReviewSource = _NoReviews()


@dataclass(frozen=True)
class ReviewStatus:
    reviewed_calls: int
    dismissed_findings: int  # left out of every finding count


# --- what the queries return ------------------------------------------------------


@dataclass(frozen=True)
class CallFact:
    """One call of the period, with its latest analysis."""

    analysis_id: int
    seller: str
    path: str
    local_time: datetime  # naive, company time
    timed_by_analysis: bool  # no start time from the phone system
    score: float
    flagged: bool
    talk_share: float | None
    monologue_s: float | None
    questions: float | None
    lead_asked: frozenset[str] | None  # None: lead_qualification did not run (mono, switched off)

    @property
    def week(self) -> date:
        return week_start(self.local_time.date())


@dataclass(frozen=True)
class StageCount:
    seller: str
    stage_id: str
    present: int
    total: int
    order: int  # the stage's position in the standard, for display


@dataclass(frozen=True)
class FindingCount:
    seller: str
    type: str
    count: int


@dataclass(frozen=True)
class MissedCount:
    responsible: str
    total: int
    not_called_back: int


@dataclass(frozen=True)
class PeriodData:
    """The raw material of every report of one period."""

    period: Period
    tz: str
    calls: tuple[CallFact, ...]
    stages: tuple[StageCount, ...]
    findings: tuple[FindingCount, ...]
    missed: tuple[MissedCount, ...]
    reviews: dict[str, ReviewStatus]

    def calls_of(self, seller: str | None) -> list[CallFact]:
        return [c for c in self.calls if seller is None or c.seller == seller]

    @property
    def sellers(self) -> list[str]:
        return sorted({c.seller for c in self.calls})


# --- queries ----------------------------------------------------------------------


def _period_analyses(period: Period, tz: str) -> Select[Any]:
    """Latest analysis per recording whose call falls in the period: (analysis_id, seller)."""
    latest = (select(func.max(AnalysisRow.id).label("analysis_id"))
              .group_by(AnalysisRow.recording_id).scalar_subquery())
    clock_lo, clock_hi = period.clock_bounds()
    utc_lo, utc_hi = period.utc_bounds(tz)
    in_period = or_(
        and_(RecordingRow.started_at.is_not(None), RecordingRow.started_at >= clock_lo,
             RecordingRow.started_at < clock_hi),
        and_(RecordingRow.started_at.is_(None), AnalysisRow.created_at >= utc_lo, AnalysisRow.created_at < utc_hi),
    )
    return (
        select(AnalysisRow.id.label("analysis_id"),
               func.coalesce(SellerRow.name, UNKNOWN_SELLER).label("seller"))
        .join(RecordingRow, AnalysisRow.recording_id == RecordingRow.id)
        .outerjoin(SellerRow, RecordingRow.seller_id == SellerRow.id)
        .where(AnalysisRow.id.in_(latest), in_period)
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _asked(lead: Any) -> frozenset[str] | None:
    if not isinstance(lead, dict):
        return None
    return frozenset(str(a.get("category")) for a in lead.get("asked") or () if isinstance(a, dict))


def _calls(session: Session, scope: Any, tz: str, reviews: ReviewSource) -> tuple[CallFact, ...]:
    overrides = reviews.score_overrides()
    latest = overrides.subquery() if overrides is not None else None
    # a QA lead's override is the call's score on every card
    score = func.coalesce(latest.c.score, ScoreRow.score) if latest is not None else ScoreRow.score
    query = (
        select(scope.c.analysis_id, scope.c.seller, RecordingRow.path, RecordingRow.started_at,
               AnalysisRow.created_at, score, ScoreRow.flagged, AnalysisRow.metrics,
               AnalysisRow.attributes["lead"])
        .join(AnalysisRow, AnalysisRow.id == scope.c.analysis_id)
        .join(RecordingRow, AnalysisRow.recording_id == RecordingRow.id)
        .join(ScoreRow, ScoreRow.analysis_id == AnalysisRow.id)
        .order_by(scope.c.analysis_id)
    )
    if latest is not None:
        query = query.outerjoin(latest, latest.c.analysis_id == scope.c.analysis_id)
    rows = session.execute(query).all()
    facts = []
    for aid, seller, path, started, created, score, flagged, metrics, lead in rows:
        metrics = metrics or {}
        facts.append(CallFact(
            analysis_id=aid, seller=seller, path=path, local_time=local_time(started, created, tz),
            timed_by_analysis=started is None, score=float(score), flagged=bool(flagged),
            talk_share=_number(metrics.get("seller_talk_share")),
            monologue_s=_number(metrics.get("longest_seller_monologue_s")),
            questions=_number(metrics.get("seller_questions")),
            lead_asked=_asked(lead),
        ))
    return tuple(facts)


def _stage_counts(session: Session, scope: Any) -> tuple[StageCount, ...]:
    present = func.sum(case((StageResultRow.present, 1), else_=0))
    rows = session.execute(
        select(scope.c.seller, StageResultRow.stage_id, present, func.count(), func.min(StageResultRow.idx))
        .join(StageResultRow, StageResultRow.analysis_id == scope.c.analysis_id)
        .group_by(scope.c.seller, StageResultRow.stage_id)
    ).all()
    return tuple(StageCount(s, st, int(p or 0), int(n), int(o)) for s, st, p, n, o in rows)


def _finding_counts(session: Session, scope: Any, reviews: ReviewSource) -> tuple[FindingCount, ...]:
    query = (select(scope.c.seller, FindingRow.type, func.count())
             .join(FindingRow, FindingRow.analysis_id == scope.c.analysis_id)
             .group_by(scope.c.seller, FindingRow.type))
    dismissed = reviews.dismissed_findings()
    if dismissed is not None:  # count what was confirmed or never reviewed
        query = query.where(FindingRow.id.not_in(dismissed))
    return tuple(FindingCount(s, t, int(n)) for s, t, n in session.execute(query).all())


def _missed_counts(session: Session, period: Period) -> tuple[MissedCount, ...]:
    lo, hi = period.clock_bounds()  # missed calls carry the PBX clock, like recordings
    not_back = func.sum(case((MissedCallRow.called_back_at.is_(None), 1), else_=0))
    rows = session.execute(
        select(MissedCallRow.responsible, func.count(), not_back)
        .where(MissedCallRow.started_at >= lo, MissedCallRow.started_at < hi)
        .group_by(MissedCallRow.responsible)
    ).all()
    return tuple(MissedCount(r, int(n), int(nb or 0)) for r, n, nb in rows)


def _review_status(session: Session, scope: Any, reviews: ReviewSource) -> dict[str, ReviewStatus]:
    reviewed, dismissed = reviews.reviewed_analyses(), reviews.dismissed_findings()
    if reviewed is None:
        return {}
    calls = dict(session.execute(select(scope.c.seller, func.count())
                                 .where(scope.c.analysis_id.in_(reviewed)).group_by(scope.c.seller)).all())
    gone: dict[str, int] = {}
    if dismissed is not None:
        gone = dict(session.execute(
            select(scope.c.seller, func.count()).join(FindingRow, FindingRow.analysis_id == scope.c.analysis_id)
            .where(FindingRow.id.in_(dismissed)).group_by(scope.c.seller)).all())
    return {s: ReviewStatus(int(calls.get(s, 0)), int(gone.get(s, 0))) for s in set(calls) | set(gone)}


def load_period(session: Session, period: Period, tz: str = DEFAULT_TIMEZONE,
                reviews: ReviewSource = NO_REVIEWS) -> PeriodData:
    """Everything the reports of `period` need, for every seller at once."""
    scope = _period_analyses(period, tz).subquery()
    return PeriodData(period, tz, _calls(session, scope, tz, reviews), _stage_counts(session, scope),
                      _finding_counts(session, scope, reviews), _missed_counts(session, period),
                      _review_status(session, scope, reviews))


@dataclass(frozen=True)
class WorstFinding:
    type: str
    severity: str
    second: float


def worst_findings(session: Session, analysis_ids: Iterable[int],
                   reviews: ReviewSource = NO_REVIEWS) -> dict[int, WorstFinding]:
    """Per analysis, its most severe finding (the earliest on a tie): where to start listening."""
    ids = list(analysis_ids)
    if not ids:
        return {}
    query = (select(FindingRow.analysis_id, FindingRow.type, FindingRow.severity, FindingRow.start)
             .where(FindingRow.analysis_id.in_(ids)))
    dismissed = reviews.dismissed_findings()
    if dismissed is not None:
        query = query.where(FindingRow.id.not_in(dismissed))
    best: dict[int, WorstFinding] = {}
    for aid, kind, severity, start in session.execute(query).all():
        cur = best.get(aid)
        key = (-SEVERITY_RANK.get(severity, 0), start)
        if cur is None or key < (-SEVERITY_RANK.get(cur.severity, 0), cur.second):
            best[aid] = WorstFinding(kind, severity, float(start))
    return best


# --- figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A share or a rate for the seller against the team; None where there is nothing to divide."""

    key: str
    seller: float | None
    team: float | None


@dataclass(frozen=True)
class WeekPoint:
    week: date  # Monday
    calls: int
    average: float | None  # the seller's (or the team's) mean score that week
    team_median: float | None


@dataclass(frozen=True)
class TalkFigures:
    talk_share: float | None
    monologue_s: float | None
    questions: float | None
    measured: int  # calls with the metrics (mono calls have none)


@dataclass(frozen=True)
class CallPick:
    analysis_id: int
    path: str
    local_time: datetime
    score: float
    finding: WorstFinding | None

    @property
    def second(self) -> int:
        return int(self.finding.second) if self.finding else 0


@dataclass(frozen=True)
class SellerScorecard:
    seller: str
    period: Period
    tz: str
    min_calls: int
    calls: int
    team_calls: int
    timed_by_analysis: int  # calls placed by their analysis time, not their own
    reviews: ReviewStatus
    average_score: float | None
    team_median: float | None
    weeks: tuple[WeekPoint, ...]
    stages: tuple[Rate, ...]  # share of calls with the stage present
    findings: tuple[Rate, ...]  # per 10 calls, by type, the seller's most frequent first
    talk: TalkFigures
    team_talk: TalkFigures
    lead: tuple[Rate, ...]  # share of calls (with lead_qualification) where the category was asked
    missed_calls: int
    missed_not_called_back: int
    parallel_work: int
    best: tuple[CallPick, ...]
    worst: tuple[CallPick, ...]

    @property
    def enough(self) -> bool:
        """Under the minimum, percentages mislead: the card says «not enough calls» instead."""
        return self.calls >= self.min_calls


def _mean(values: Iterable[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return statistics.fmean(got) if got else None


def _median(values: Iterable[float]) -> float | None:
    got = list(values)
    return statistics.median(got) if got else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _weeks(data: PeriodData, seller: str | None) -> tuple[WeekPoint, ...]:
    mine: dict[date, list[float]] = defaultdict(list)
    team: dict[date, list[float]] = defaultdict(list)
    for c in data.calls:
        team[c.week].append(c.score)
        if seller is None or c.seller == seller:
            mine[c.week].append(c.score)
    return tuple(WeekPoint(w, len(mine[w]), _mean(mine[w]), _median(team[w])) for w in data.period.weeks())


def _stage_rates(data: PeriodData, seller: str | None) -> tuple[Rate, ...]:
    order: dict[str, int] = {}
    mine: Counter[str] = Counter()
    mine_n: Counter[str] = Counter()
    team: Counter[str] = Counter()
    team_n: Counter[str] = Counter()
    for s in data.stages:
        order[s.stage_id] = min(order.get(s.stage_id, s.order), s.order)
        team[s.stage_id] += s.present
        team_n[s.stage_id] += s.total
        if seller is None or s.seller == seller:
            mine[s.stage_id] += s.present
            mine_n[s.stage_id] += s.total
    return tuple(Rate(st, _share(mine[st], mine_n[st]), _share(team[st], team_n[st]))
                 for st in sorted(order, key=lambda k: (order[k], k)))


def finding_rates(data: PeriodData, seller: str | None) -> tuple[Rate, ...]:
    """Findings per 10 calls by type; a type the seller never had is 0, not missing."""
    calls_mine, calls_team = len(data.calls_of(seller)), len(data.calls)
    mine: Counter[str] = Counter()
    team: Counter[str] = Counter()
    for f in data.findings:
        team[f.type] += f.count
        if seller is None or f.seller == seller:
            mine[f.type] += f.count
    rates = [Rate(t, 10 * mine[t] / calls_mine if calls_mine else None, 10 * team[t] / calls_team if calls_team else None)
             for t in team]
    return tuple(sorted(rates, key=lambda r: (-(r.seller or 0), -(r.team or 0), r.key)))


def _talk(calls: Sequence[CallFact]) -> TalkFigures:
    return TalkFigures(_mean(c.talk_share for c in calls), _mean(c.monologue_s for c in calls),
                       _mean(c.questions for c in calls), sum(c.talk_share is not None for c in calls))


def _lead_shares(calls: Sequence[CallFact]) -> dict[str, float | None]:
    judged = [c.lead_asked for c in calls if c.lead_asked is not None]
    return {cat: _share(sum(cat in asked for asked in judged), len(judged)) for cat in LEAD_CATEGORIES}


def _picks(session: Session, calls: Sequence[CallFact], n: int, reviews: ReviewSource
           ) -> tuple[tuple[CallPick, ...], tuple[CallPick, ...]]:
    """The n best and n worst calls (distinct; earliest first on equal scores)."""
    best = sorted(calls, key=lambda c: (-c.score, c.local_time, c.analysis_id))[:n]
    taken = {c.analysis_id for c in best}
    worst = [c for c in sorted(calls, key=lambda c: (c.score, c.local_time, c.analysis_id))
             if c.analysis_id not in taken][:n]
    found = worst_findings(session, [c.analysis_id for c in best + worst], reviews)

    def pick(c: CallFact) -> CallPick:
        return CallPick(c.analysis_id, c.path, c.local_time, c.score, found.get(c.analysis_id))

    return tuple(map(pick, best)), tuple(map(pick, worst))


def seller_scorecard(session: Session, data: PeriodData, seller: str, *, min_calls: int = DEFAULT_MIN_CALLS,
                     picks: int = 2, reviews: ReviewSource = NO_REVIEWS) -> SellerScorecard:
    """One seller's card for `data.period` (see `load_period`), against the whole team."""
    mine = data.calls_of(seller)
    team_lead, my_lead = _lead_shares(data.calls), _lead_shares(mine)
    missed = [m for m in data.missed if m.responsible == seller]
    best, worst = _picks(session, mine, picks, reviews)
    return SellerScorecard(
        seller=seller, period=data.period, tz=data.tz, min_calls=min_calls, calls=len(mine),
        team_calls=len(data.calls), timed_by_analysis=sum(c.timed_by_analysis for c in mine),
        reviews=data.reviews.get(seller, ReviewStatus(0, 0)),
        average_score=_mean(c.score for c in mine), team_median=_median(c.score for c in data.calls),
        weeks=_weeks(data, seller), stages=_stage_rates(data, seller), findings=finding_rates(data, seller),
        talk=_talk(mine), team_talk=_talk(data.calls),
        lead=tuple(Rate(cat, my_lead[cat], team_lead[cat]) for cat in LEAD_CATEGORIES),
        missed_calls=sum(m.total for m in missed), missed_not_called_back=sum(m.not_called_back for m in missed),
        parallel_work=sum(f.count for f in data.findings if f.seller == seller and f.type == PARALLEL_WORK),
        best=best, worst=worst,
    )


# --- the team ----------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    seller: str
    calls: int
    average_score: float | None
    flagged_share: float | None
    enough: bool


@dataclass(frozen=True)
class FindingChange:
    type: str
    before: float  # per 10 calls in the previous period
    now: float

    @property
    def change(self) -> float:
        return self.now - self.before


@dataclass(frozen=True)
class TeamReport:
    period: Period
    previous: Period
    tz: str
    min_calls: int
    calls: int
    timed_by_analysis: int
    average_score: float | None
    median_score: float | None
    ranking: tuple[RankRow, ...]  # sellers with enough calls by average score, then the rest
    stages: tuple[Rate, ...]  # team shares (seller = team here)
    heatmap: dict[str, dict[str, float | None]]  # seller -> stage -> share; only sellers with enough calls
    weeks: tuple[WeekPoint, ...]
    rose: tuple[FindingChange, ...]  # biggest increases first
    fell: tuple[FindingChange, ...]  # biggest decreases first
    lead: tuple[Rate, ...]
    talk: TalkFigures
    missed: tuple[MissedCount, ...]


def _changes(now: PeriodData, before: PeriodData, top: int) -> tuple[tuple[FindingChange, ...], tuple[FindingChange, ...]]:
    rate_now = {r.key: r.team or 0.0 for r in finding_rates(now, None)}
    rate_before = {r.key: r.team or 0.0 for r in finding_rates(before, None)}
    changes = [FindingChange(t, rate_before.get(t, 0.0), rate_now.get(t, 0.0)) for t in set(rate_now) | set(rate_before)]
    if not now.calls or not before.calls:  # a change from or to nothing is no trend
        return (), ()
    rose = sorted((c for c in changes if c.change > 0), key=lambda c: (-c.change, c.type))[:top]
    fell = sorted((c for c in changes if c.change < 0), key=lambda c: (c.change, c.type))[:top]
    return tuple(rose), tuple(fell)


def team_report(data: PeriodData, previous: PeriodData, *, min_calls: int = DEFAULT_MIN_CALLS,
                top: int = 3) -> TeamReport:
    """The team's report for `data.period`; `previous` is the period of the same length before it."""
    ranking = []
    heatmap: dict[str, dict[str, float | None]] = {}
    for seller in data.sellers:
        if seller == UNKNOWN_SELLER:  # no one to coach; still counted in the team's figures
            continue
        mine = data.calls_of(seller)
        enough = len(mine) >= min_calls
        ranking.append(RankRow(seller, len(mine), _mean(c.score for c in mine),
                               _share(sum(c.flagged for c in mine), len(mine)), enough))
        if enough:
            heatmap[seller] = {r.key: r.seller for r in _stage_rates(data, seller)}
    # those under the minimum go last by name: ranking them by a shaky mean would mislead
    ranking.sort(key=lambda r: (not r.enough, -(r.average_score or 0) if r.enough else 0, r.seller))
    rose, fell = _changes(data, previous, top)
    lead = _lead_shares(data.calls)
    return TeamReport(
        period=data.period, previous=previous.period, tz=data.tz, min_calls=min_calls, calls=len(data.calls),
        timed_by_analysis=sum(c.timed_by_analysis for c in data.calls),
        average_score=_mean(c.score for c in data.calls), median_score=_median(c.score for c in data.calls),
        ranking=tuple(ranking), stages=_stage_rates(data, None), heatmap=heatmap, weeks=_weeks(data, None),
        rose=rose, fell=fell, lead=tuple(Rate(cat, lead[cat], lead[cat]) for cat in LEAD_CATEGORIES),
        talk=_talk(data.calls), missed=tuple(sorted(data.missed, key=lambda m: (-m.total, m.responsible))),
    )


def load_team_report(session: Session, period: Period, tz: str = DEFAULT_TIMEZONE, *,
                     min_calls: int = DEFAULT_MIN_CALLS, reviews: ReviewSource = NO_REVIEWS) -> TeamReport:
    return team_report(load_period(session, period, tz, reviews), load_period(session, period.previous(), tz, reviews),
                       min_calls=min_calls)


def load_seller_scorecard(session: Session, seller: str, period: Period, tz: str = DEFAULT_TIMEZONE, *,
                          min_calls: int = DEFAULT_MIN_CALLS, reviews: ReviewSource = NO_REVIEWS) -> SellerScorecard:
    return seller_scorecard(session, load_period(session, period, tz, reviews), seller,
                            min_calls=min_calls, reviews=reviews)


def known_sellers(session: Session) -> list[str]:
    """Every seller in the sellers table, so a seller with no calls this week still gets a card."""
    return list(session.scalars(select(SellerRow.name).order_by(SellerRow.name)))


__all__ = [
    "CallFact", "CallPick", "DEFAULT_MIN_CALLS", "FindingChange", "LEAD_CATEGORIES", "NO_REVIEWS",
    "PeriodData", "Rate", "RankRow", "ReviewSource", "ReviewStatus", "SellerScorecard", "TalkFigures",
    "TeamReport", "WeekPoint", "WorstFinding", "finding_rates", "known_sellers", "load_period",
    "load_seller_scorecard", "load_team_report", "seller_scorecard", "team_report", "worst_findings",
]
