"""A deterministic call centre for the scorecard tests: 5 sellers, 8 weeks, 240 calls.

The plan (`CallPlan`) is plain data; `seed` stores it through the repository
functions the batch uses (upsert_recording, save_call_metadata, save_analysis),
and the tests compute their expectations from the plan with plain Python, never
through the query layer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.orm import Session

from pipeline.phone.metadata import CallMetadata
from pipeline.phone.missed import MissedCall
from pipeline.records import (
    CallAnalysis,
    CallScore,
    Evidence,
    Finding,
    Recording,
    StageHit,
    StageScore,
    Transcript,
    Utterance,
)
from pipeline.storage import calls as calls_db
from pipeline.storage import repository as repo
from pipeline.storage.models import AnalysisRow

SELLERS = ("Анна", "Борис", "Вера", "Глеб", "Дина")
STAGES = ("greeting", "needs_discovery", "presentation", "meeting_proposal", "farewell")
FINDING_TYPES = ("missing_stage", "ignored_question", "multitasking_pause", "wrong_answer", "parallel_work")
SEVERITIES = ("minor", "major", "critical")
FIRST_MONDAY = date(2026, 10, 5)  # 8 ISO weeks: 2026-10-05 … 2026-11-29
WEEKS = 8


@dataclass(frozen=True)
class FindingPlan:
    type: str
    severity: str
    start: float


@dataclass(frozen=True)
class CallPlan:
    sha: str
    seller: str | None  # None: no metadata, timed by its analysis
    local: datetime  # the company's local time (PBX clock)
    analysed_utc: datetime  # when it was analysed, a UTC instant
    score: float
    stages: dict[str, bool]
    findings: tuple[FindingPlan, ...]
    talk_share: float | None  # None: a mono call, no metrics and no lead attribute
    monologue_s: float | None
    questions: int | None
    asked: tuple[str, ...]


def plan_calls(seed: int = 7) -> list[CallPlan]:
    rng = random.Random(seed)
    plans: list[CallPlan] = []
    n = 0
    for week in range(WEEKS):
        for s_idx, seller in enumerate(SELLERS):
            # seller i makes 4 + (i + week) % 3 calls a week: uneven on purpose
            for _ in range(4 + (s_idx + week) % 3):
                n += 1
                day = FIRST_MONDAY + timedelta(days=7 * week + rng.randrange(7))
                local = datetime(day.year, day.month, day.day, rng.randrange(8, 20), rng.randrange(60))
                mono = rng.random() < 0.1
                stages = {st: rng.random() < 0.55 + 0.08 * s_idx for st in STAGES}
                findings = tuple(
                    FindingPlan(rng.choice(FINDING_TYPES[: 3 + s_idx % 3]), rng.choice(SEVERITIES),
                                float(rng.randrange(5, 300)))
                    for _ in range(rng.randrange(0, 4 - s_idx % 2)))
                plans.append(CallPlan(
                    sha=f"{n:064x}", seller=seller, local=local,
                    analysed_utc=datetime.combine(day + timedelta(days=1), datetime.min.time(), timezone.utc),
                    score=float(rng.randrange(30, 101)), stages=stages, findings=findings,
                    talk_share=None if mono else round(rng.uniform(0.3, 0.8), 3),
                    monologue_s=None if mono else float(rng.randrange(5, 90)),
                    questions=None if mono else rng.randrange(0, 9),
                    asked=() if mono else tuple(c for c in ("urgency", "budget", "benefit") if rng.random() < 0.6),
                ))
    return plans


def _analysis(plan: CallPlan, version: str = "3") -> CallAnalysis:
    mono = plan.talk_share is None
    transcript = Transcript(
        utterances=(Utterance("seller" if not mono else "unknown", 0.0, 2.0, "Добрый день"),),
        duration_s=300.0, channels=1 if mono else 2, engine="faster-whisper", model="base",
        speech_regions=(((0.0, 2.0),),), channel_roles=("unknown",) if mono else ("seller", "client"))
    stages = tuple(
        StageHit(st, present, 1.0 if present else 0.0,
                 Evidence(1.0, 2.0, "seller", "…", "…", 90.0) if present else None, {}, "stages@1")
        for st, present in plan.stages.items())
    findings = tuple(Finding(f.type, f.severity, f.start, f.start + 3, "seller", "…", "…", f.type + "@1", {})  # type: ignore[arg-type]
                     for f in plan.findings)
    metrics: dict[str, float | int | None] = {
        "seller_talk_share": plan.talk_share, "longest_seller_monologue_s": plan.monologue_s,
        "seller_questions": plan.questions}
    attributes: dict[str, object] = {} if mono else {"lead": {
        "priority": "warm", "asked": [{"category": c, "evidence": {"quote": "…"}} for c in plan.asked],
        "not_asked": [c for c in ("urgency", "budget", "benefit") if c not in plan.asked]}}
    return CallAnalysis(
        recording=f"inbox/{plan.sha[-6:]}.flac", transcript=transcript, stages=stages, findings=findings,
        score=CallScore(plan.score, plan.score < 70, (), tuple(StageScore(s, 20.0, 0.0) for s in STAGES)),
        checks_run=("stages@1",), standard_id="stroydom-inbound", standard_version=version,
        metrics=metrics, attributes=attributes)


def store_call(session: Session, plan: CallPlan, *, stale_first: bool = False) -> int:
    """Store one planned call; `stale_first` stores an older analysis (score 0) the reports must ignore."""
    row = repo.upsert_recording(session, Recording(f"inbox/{plan.sha[-6:]}.flac", plan.sha, 1000),
                                duration_s=300.0, channels=2)
    if plan.seller is not None:
        calls_db.save_call_metadata(session, row, CallMetadata(
            call_id=plan.sha[-8:], started_at=plan.local, direction="inbound", client_number="+79160000000",
            extension="101", seller=plan.seller, seller_status="mapped", queue=None, disposition="ANSWERED",
            ring_s=3.0, leg=None, channel_roles=None, sources=("test",)))
    if stale_first:
        stale = _analysis(CallPlan(**{**plan.__dict__, "score": 0.0, "findings": ()}), version="2")
        _set_analysed_at(session, repo.save_analysis(session, plan.sha, stale), plan.analysed_utc)
    aid = repo.save_analysis(session, plan.sha, _analysis(plan))
    _set_analysed_at(session, aid, plan.analysed_utc)
    return aid


def _set_analysed_at(session: Session, analysis_id: int, when: datetime) -> None:
    # created_at is stamped with the wall clock on insert; the tests need it fixed
    row = session.get(AnalysisRow, analysis_id)
    assert row is not None
    row.created_at = when
    session.flush()


MISSED = (
    # (uniqueid, local time, responsible, called back)
    ("m1", datetime(2026, 11, 3, 9, 0), "Анна", False),
    ("m2", datetime(2026, 11, 4, 10, 0), "Анна", True),
    ("m3", datetime(2026, 11, 10, 11, 0), "Анна", False),
    ("m4", datetime(2026, 11, 5, 12, 0), "Борис", False),
    ("m5", datetime(2026, 10, 31, 23, 59), "Анна", False),  # October
    ("m6", datetime(2026, 11, 6, 13, 0), "queue 600", False),
)


def seed(session: Session) -> list[CallPlan]:
    """The whole plan stored; every 10th call first gets a stale analysis."""
    plans = plan_calls()
    for i, plan in enumerate(plans):
        store_call(session, plan, stale_first=i % 10 == 0)
    calls_db.save_missed_calls(session, [
        MissedCall(uid, when, "+79160000001", who, "NO ANSWER", 40.0,
                   when + timedelta(minutes=30) if back else None)
        for uid, when, who, back in MISSED])
    return plans
