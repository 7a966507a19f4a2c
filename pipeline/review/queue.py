"""The review queue: which calls a human should hear first, as one SQL query.

Why it is built this way:

- One row per recording: its latest analysis (an older analysis with an older
  standard is history, not work), found through `recordings.latest_analysis_id`.
- In the queue: flagged calls, and calls with an open appeal (a seller's appeal
  puts a call back whatever its score).
- Order: the most severe finding first (`scores.severity_rank`, written with the
  analysis), then the lowest score, the override included, then the newest id.
- The review state comes from one grouped pass over `review_actions`, which
  holds a few rows per reviewed call; nothing derived is stored, the trail
  stays the only truth.
- The count and the sort run over narrow rows (ids and sort keys); only the
  page's rows are joined to their paths and sellers. Filters are plain columns
  with indexes (migration 0006); `callqa bench-queue` measures a page at
  100,000 calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, case, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from pipeline.records import SEVERITY_RANK
from pipeline.storage.models import (
    AnalysisRow,
    FindingRow,
    RecordingRow,
    ReviewActionRow,
    ScoreRow,
    SellerRow,
    StageResultRow,
)
from pipeline.storage.assignments import assigned_to, assignees
from pipeline.storage.reviews import FINDING_KINDS, User

PAGE_SIZE = 50
SEVERITY_OF_RANK: dict[int, str] = {rank: name for name, rank in SEVERITY_RANK.items()}
REVIEWED_CHOICES = ("any", "yes", "no")


class NulInFilter(ValueError):
    """A filter with a NUL character: refused with 400 (PostgreSQL cannot even compare such text)."""


@dataclass(frozen=True)
class QueueFilters:
    """What the QA lead narrows the queue to; every field is optional."""

    seller: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    finding: str | None = None  # a finding type the call has
    missing_stage: str | None = None  # a stage detected as absent
    score_min: float | None = None
    score_max: float | None = None
    reviewed: str = "no"  # any / yes / no: the working day starts with what nobody has reviewed yet
    everything: bool = False  # every call, not only flagged and appealed ones
    page: int = 1
    appeals: bool = False  # only calls with an open appeal (the «апелляции» inbox)
    assigned_to: int | None = None  # only calls given to this user id (the «мои» filter)

    def __post_init__(self) -> None:
        for name in ("seller", "finding", "missing_stage"):
            if "\x00" in (getattr(self, name) or ""):  # PostgreSQL refuses NUL in text: a 500 otherwise
                raise NulInFilter(f"{name}: a NUL character is not allowed")
        if self.reviewed not in REVIEWED_CHOICES:
            raise ValueError(f"reviewed {self.reviewed!r}: expected one of {', '.join(REVIEWED_CHOICES)}")
        if self.page < 1:
            raise ValueError(f"page {self.page}: pages start at 1")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ValueError(f"score_min {self.score_min} is above score_max {self.score_max}")


@dataclass(frozen=True)
class QueueRow:
    analysis_id: int
    recording: str
    started_at: datetime | None
    seller: str | None
    duration_s: float | None
    score: float  # the override where there is one
    automatic_score: float
    overridden: bool
    flagged: bool
    severity: str  # of the most severe finding; "info" when there is none
    n_findings: int
    finding_types: tuple[str, ...]
    reviewed: bool
    appealed: bool
    client_number: str | None = None
    assignee: str | None = None
    confirmed: int = 0  # findings whose latest decision is a confirmation
    dismissed: int = 0  # ... a dismissal: no longer counted in n_findings nor finding_types


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    total: int
    page: int
    page_size: int
    filters: QueueFilters = field(default_factory=QueueFilters)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _review_summary() -> Any:
    """Per analysis: the ids of the latest «reviewed» mark, appeal and override (0: none)."""
    a = ReviewActionRow

    def last(kind: str) -> Any:
        return func.max(case((a.kind == kind, a.id), else_=0))

    return (select(a.analysis_id.label("analysis_id"), last("mark_reviewed").label("last_mark"),
                   last("appeal_finding").label("last_appeal"), last("override_score").label("last_override"))
            .group_by(a.analysis_id)
            .subquery("review_summary"))


def _seller_id(name: str) -> Any:
    return select(SellerRow.id).where(SellerRow.name == name).scalar_subquery()


def _narrow_select(user: User, filters: QueueFilters) -> Select[Any]:
    """The filtered calls as narrow rows (ids, sort keys, review state), unsorted.

    Narrow on purpose: the count and the sort run over every matching call, so
    they carry only what they need; the page's 50 rows get their paths and
    sellers afterwards.
    """
    summary = _review_summary()
    override = aliased(ReviewActionRow)
    last_mark = func.coalesce(summary.c.last_mark, 0)
    last_appeal = func.coalesce(summary.c.last_appeal, 0)
    score = func.coalesce(override.score, ScoreRow.score)
    reviewed = last_mark > last_appeal
    query = (
        select(ScoreRow.analysis_id.label("aid"), ScoreRow.severity_rank.label("rank"), score.label("score"),
               ScoreRow.score.label("automatic"), (override.id.is_not(None)).label("overridden"),
               ScoreRow.flagged.label("flagged"), reviewed.label("reviewed"),
               (last_appeal > last_mark).label("appealed"))
        .join(RecordingRow, RecordingRow.latest_analysis_id == ScoreRow.analysis_id)
        .outerjoin(summary, summary.c.analysis_id == ScoreRow.analysis_id)
        .outerjoin(override, override.id == summary.c.last_override)
    )
    if user.role == "seller":
        query = query.where(RecordingRow.seller_id == _seller_id(user.seller)) if user.seller else query.where(false())
    if not (filters.everything or filters.appeals):
        query = query.where(or_(ScoreRow.flagged == true(), last_appeal > last_mark))
    if filters.seller:
        query = query.where(RecordingRow.seller_id == _seller_id(filters.seller))
    if filters.date_from or filters.date_to:
        query = query.join(AnalysisRow, AnalysisRow.id == ScoreRow.analysis_id)
        started = func.coalesce(RecordingRow.started_at, AnalysisRow.created_at)
        if filters.date_from:
            query = query.where(started >= datetime.combine(filters.date_from, time.min))
        if filters.date_to:
            query = query.where(started <= datetime.combine(filters.date_to, time.max))
    if filters.finding:
        query = query.where(exists().where(FindingRow.type == filters.finding,
                                           FindingRow.analysis_id == ScoreRow.analysis_id))
    if filters.missing_stage:
        query = query.where(exists().where(StageResultRow.stage_id == filters.missing_stage,
                                           StageResultRow.present == false(),
                                           StageResultRow.analysis_id == ScoreRow.analysis_id))
    if filters.score_min is not None:
        query = query.where(score >= filters.score_min)
    if filters.score_max is not None:
        query = query.where(score <= filters.score_max)
    if filters.reviewed != "any":
        query = query.where(reviewed if filters.reviewed == "yes" else ~reviewed)
    if filters.appeals:
        query = query.where(last_appeal > last_mark)
    if filters.assigned_to is not None:
        query = query.where(ScoreRow.analysis_id.in_(assigned_to(filters.assigned_to)))
    return query


def queue_page(session: Session, user: User, filters: QueueFilters = QueueFilters(),
               page_size: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue as `user` may see it: a seller only their own calls."""
    narrow = _narrow_select(user, filters)
    total = session.scalar(select(func.count()).select_from(narrow.subquery())) or 0
    page = (narrow.order_by(ScoreRow.severity_rank.desc(), narrow.selected_columns.score.asc(),
                            ScoreRow.analysis_id.desc())
            .limit(page_size).offset((filters.page - 1) * page_size)).subquery("page")
    found = session.execute(
        select(page, RecordingRow.path, func.coalesce(RecordingRow.started_at, AnalysisRow.created_at).label("started"),
               SellerRow.name.label("seller"), RecordingRow.duration_s, RecordingRow.client_number)
        .join(AnalysisRow, AnalysisRow.id == page.c.aid)
        .join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
        .outerjoin(SellerRow, SellerRow.id == RecordingRow.seller_id)
        .order_by(page.c.rank.desc(), page.c.score.asc(), page.c.aid.desc())).all()
    ids = [r.aid for r in found]
    findings, decisions, given = _findings(session, ids), _decisions(session, ids), assignees(session, ids)
    rows = []
    for r in found:
        decided = decisions.get(r.aid, {})
        kept = [kind for idx, kind in findings.get(r.aid, ()) if decided.get(idx) != "dismiss_finding"]
        rows.append(QueueRow(
            analysis_id=r.aid, recording=r.path, started_at=r.started, seller=r.seller,
            duration_s=r.duration_s, score=float(r.score), automatic_score=float(r.automatic),
            overridden=bool(r.overridden), flagged=bool(r.flagged), severity=SEVERITY_OF_RANK.get(r.rank, "info"),
            n_findings=len(kept), finding_types=tuple(sorted(set(kept))), reviewed=bool(r.reviewed),
            appealed=bool(r.appealed), client_number=r.client_number, assignee=given.get(r.aid),
            confirmed=sum(k == "confirm_finding" for k in decided.values()),
            dismissed=sum(k == "dismiss_finding" for k in decided.values())))
    return QueuePage(tuple(rows), total, filters.page, page_size, filters)


def _findings(session: Session, analysis_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """(idx, type) of every finding of one page's calls (one small query, not one per row)."""
    out: dict[int, list[tuple[int, str]]] = {}
    if analysis_ids:
        for aid, idx, kind in session.execute(select(FindingRow.analysis_id, FindingRow.idx, FindingRow.type)
                                              .where(FindingRow.analysis_id.in_(analysis_ids))):
            out.setdefault(aid, []).append((idx, kind))
    return out


def _decisions(session: Session, analysis_ids: list[int]) -> dict[int, dict[int, str]]:
    """analysis -> finding idx -> the latest confirm/dismiss/appeal (the trail, oldest first, latest wins)."""
    out: dict[int, dict[int, str]] = {}
    if analysis_ids:
        a = ReviewActionRow
        for aid, idx, kind in session.execute(select(a.analysis_id, a.finding_idx, a.kind)
                                              .where(a.analysis_id.in_(analysis_ids), a.kind.in_(FINDING_KINDS))
                                              .order_by(a.id)):
            out.setdefault(aid, {})[idx] = kind
    return out


def filter_choices(session: Session, user: User) -> dict[str, list[str]]:
    """The values the queue's drop-downs offer: sellers, finding types, stages."""
    sellers = ([user.seller] if user.role == "seller" and user.seller else
               [] if user.role == "seller" else
               list(session.scalars(select(SellerRow.name).order_by(SellerRow.name))))
    return {
        "sellers": sellers,
        "findings": list(session.scalars(select(FindingRow.type).distinct().order_by(FindingRow.type))),
        "stages": list(session.scalars(select(StageResultRow.stage_id).distinct().order_by(StageResultRow.stage_id))),
    }


__all__ = ["NulInFilter", "PAGE_SIZE", "QueueFilters", "QueuePage", "QueueRow", "filter_choices", "queue_page"]
