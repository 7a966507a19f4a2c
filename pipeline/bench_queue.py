"""`callqa bench-queue`: how quick the review queue is with 100,000 calls (a script, not a test).

The issue asks for a queue that "must stay quick with 100,000 calls in the
database". A timed test would be flaky and would prove nothing about the size
that matters, so this module measures instead: it fills an empty database with
synthetic calls shaped like real ones, lets the planner gather statistics, and
times `queue_page` and `filter_choices` for the filters the QA lead uses.

Seeding goes through SQLAlchemy Core bulk inserts with ids assigned here, not
through the repository: the repository stores one call at a time through the
ORM, which would take longer than the measurement itself. The rows still
satisfy every NOT NULL, unique and check constraint of the models, and
`scores.severity_rank` matches the findings, as `save_analysis` would write it.

Usage: `callqa bench-queue --db sqlite:////tmp/q.db --calls 100000` (README «Queue speed»).
"""

from __future__ import annotations

import hashlib
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from rich.table import Table
from sqlalchemy import Table as SqlTable
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from pipeline.records import SEVERITY_RANK
from pipeline.review.queue import QueueFilters, filter_choices, queue_page
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
)
from pipeline.storage.reviews import User

CHUNK = 5000  # rows per executemany: big enough to amortise round trips, small enough for memory
SLOW_MS = 300.0  # a page slower than this is noticeable to a reviewer clicking through the queue

SELLERS: tuple[str, ...] = (
    "Анна", "Борис", "Вера", "Глеб", "Дина", "Егор", "Жанна", "Зоя", "Иван", "Кира",
    "Лев", "Мария", "Никита", "Олег", "Полина", "Роман", "Светлана", "Тимур", "Ульяна", "Фёдор",
)
STAGES: tuple[str, ...] = ("greeting", "needs_discovery", "presentation", "meeting_proposal", "farewell")
FINDING_TYPES: tuple[str, ...] = (
    "wrong_answer", "ignored_question", "multitasking_pause", "missing_stage", "interruption", "talk_ratio",
)
SEVERITIES: tuple[str, ...] = ("minor", "major", "critical")
SEVERITY_WEIGHTS: tuple[int, ...] = (6, 3, 1)  # most findings are minor, few critical
LEAD_NAME = "bench-lead"
SELLER_USER_NAME = "bench-seller"
# fixed, so a seed gives the same database whenever it is run
FIRST_DAY = datetime(2026, 8, 1, tzinfo=timezone.utc)
DAYS = 90
# a password hash no password matches: bench users are never meant to sign in
NO_LOGIN = "!bench-user-no-login"

SECOND_ANALYSIS_SHARE = 0.05  # re-scored with a newer standard: exercises "latest analysis per recording"
FLAG_BELOW = 70.0
REVIEWED_SHARE = 0.02
STAGE_PRESENT_SHARE = 0.8


SEEDED: tuple[type[Any], ...] = (SellerRow, UserRow, RecordingRow, AnalysisRow, ScoreRow, FindingRow,
                                 StageResultRow, ReviewActionRow)


@dataclass
class _Ids:
    """The next free id per table: ids are assigned here so no RETURNING round trip is needed."""

    recording: int
    analysis: int
    score: int
    finding: int
    stage: int
    action: int


@dataclass
class _Chunk:
    """The rows of one batch of recordings, in foreign-key order."""

    recordings: list[dict[str, Any]]
    analyses: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    stages: list[dict[str, Any]]
    actions: list[dict[str, Any]]


# --- seeding --------------------------------------------------------------------------------------


def _table(model: type[Any]) -> SqlTable:
    return cast(SqlTable, model.__table__)


def _insert(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(_table(model)), list(rows[start:start + CHUNK]))


def _next_id(session: Session, model: type[Any]) -> int:
    return (session.scalar(select(func.max(_table(model).c.id))) or 0) + 1


def _seed_people(session: Session) -> tuple[list[int], int, int]:
    """The sellers, a QA lead and one seller user; returns (seller ids, lead id, seller user id)."""
    first_seller = _next_id(session, SellerRow)
    seller_ids = [first_seller + i for i in range(len(SELLERS))]
    _insert(session, SellerRow, [{"id": sid, "name": name, "extension": str(100 + i)}
                                 for i, (sid, name) in enumerate(zip(seller_ids, SELLERS))])
    lead_id = _next_id(session, UserRow)
    now = FIRST_DAY  # not the wall clock: the same seed gives the same rows
    _insert(session, UserRow, [
        {"id": lead_id, "name": LEAD_NAME, "role": "qa_lead", "password_hash": NO_LOGIN, "seller_id": None,
         "created_at": now},
        {"id": lead_id + 1, "name": SELLER_USER_NAME, "role": "seller", "password_hash": NO_LOGIN,
         "seller_id": seller_ids[0], "created_at": now},
    ])
    return seller_ids, lead_id, lead_id + 1


def _findings(rng: random.Random, ids: _Ids, analysis_id: int, duration: float) -> list[dict[str, Any]]:
    out = []
    for idx in range(rng.randrange(5)):  # 0-4 findings
        kind = rng.choice(FINDING_TYPES)
        start = round(rng.uniform(0, max(duration - 10, 1)), 2)
        out.append({"id": ids.finding, "analysis_id": analysis_id, "idx": idx, "type": kind,
                    "severity": rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0], "start": start,
                    "end": round(start + rng.uniform(1, 10), 2), "speaker": "seller",
                    "evidence": "synthetic evidence", "reference": "synthetic reference",
                    "check": f"{kind}@1", "details": {}})
        ids.finding += 1
    return out


def _stages(rng: random.Random, ids: _Ids, analysis_id: int) -> list[dict[str, Any]]:
    out = []
    for idx, stage in enumerate(STAGES):
        present = rng.random() < STAGE_PRESENT_SHARE
        out.append({"id": ids.stage, "analysis_id": analysis_id, "idx": idx, "stage_id": stage,
                    "present": present, "score": round(rng.uniform(0.6, 1.0), 3) if present else 0.0,
                    "start": None, "end": None, "speaker": None, "quote": None, "reference": None,
                    "match_score": None, "elements": {}, "check": "stages@1"})
        ids.stage += 1
    return out


def _actions(rng: random.Random, ids: _Ids, analysis_id: int, n_findings: int, lead_id: int,
             seller_user_id: int, when: datetime) -> list[dict[str, Any]]:
    """A short, plausible review trail; appeals only where there is a finding to appeal."""
    plans: list[tuple[str, ...]] = [("mark_reviewed",), ("override_score", "mark_reviewed")]
    if n_findings:
        plans += [("appeal_finding",), ("mark_reviewed", "appeal_finding"),
                  ("appeal_finding", "mark_reviewed")]
    out = []
    for step, kind in enumerate(rng.choice(plans)):
        # who acted does not matter to the queue; the seller user appeals so the trail reads right
        row: dict[str, Any] = {"id": ids.action, "analysis_id": analysis_id,
                               "user_id": seller_user_id if kind == "appeal_finding" else lead_id,
                               "kind": kind, "finding_idx": None, "stage_id": None, "score": None,
                               "comment": None, "created_at": when + timedelta(hours=step + 1)}
        if kind == "override_score":
            row.update(score=float(rng.randrange(40, 101)), comment="the check misheard the client")
        elif kind == "appeal_finding":
            row.update(finding_idx=rng.randrange(n_findings), comment="the client had hung up")
        out.append(row)
        ids.action += 1
    return out


def _analysis(rng: random.Random, ids: _Ids, chunk: _Chunk, recording: dict[str, Any], version: int,
              created: datetime, lead_id: int, seller_user_id: int) -> None:
    """One analysis with its score, findings, stage results and, sometimes, a review trail."""
    aid = ids.analysis
    ids.analysis += 1
    recording["latest_analysis_id"] = aid  # as save_analysis keeps it; the recording is inserted after
    chunk.analyses.append({
        "id": aid, "recording_id": recording["id"], "recording_path": recording["path"],
        "engine": "faster-whisper", "model": "large-v3-int8", "standard_id": "stroydom",
        "standard_version": str(version), "checks_run": ["stages", "findings"], "checks_skipped": [],
        "metrics": {}, "attributes": {}, "language": "ru", "duration_s": recording["duration_s"], "channels": 2,
        "speech_regions": [], "channel_roles": ["seller", "client"], "created_at": created})
    findings = _findings(rng, ids, aid, recording["duration_s"])
    chunk.findings += findings
    chunk.stages += _stages(rng, ids, aid)
    # gauss(74, 16) puts ~40% of the calls under the flag line, as a strict standard would
    score = round(min(100.0, max(0.0, rng.gauss(74, 16))), 1)
    chunk.scores.append({
        "id": ids.score, "analysis_id": aid, "score": score, "flagged": score < FLAG_BELOW, "reasons": [],
        "penalty": 0.0, "stages": [],
        "severity_rank": max((SEVERITY_RANK[f["severity"]] for f in findings), default=0)})
    ids.score += 1
    if rng.random() < REVIEWED_SHARE:
        chunk.actions += _actions(rng, ids, aid, len(findings), lead_id, seller_user_id, created)


def _chunks(rng: random.Random, ids: _Ids, n_calls: int, seller_ids: list[int], lead_id: int,
            seller_user_id: int, seed: int) -> Iterator[_Chunk]:
    """Generated a batch at a time, so 100,000 calls never sit in memory at once."""
    for first in range(0, n_calls, CHUNK):
        chunk = _Chunk([], [], [], [], [], [])
        for n in range(first, min(first + CHUNK, n_calls)):
            started = FIRST_DAY + timedelta(seconds=rng.randrange(DAYS * 86400))
            recording = {
                "id": ids.recording, "path": f"/calls/{started:%Y/%m/%d}/call-{seed}-{n:07d}.wav",
                "sha256": hashlib.sha256(f"bench:{seed}:{n}".encode()).hexdigest(),
                "size_bytes": rng.randrange(200_000, 20_000_000), "duration_s": round(rng.uniform(30, 900), 1),
                "channels": 2, "status": "analysed", "error": None, "attempts": 1,
                "seller_id": rng.choice(seller_ids), "call_id": None, "started_at": started, "direction": None,
                "client_number": None, "extension": None, "queue": None, "disposition": None, "ring_s": None,
                "metadata_sources": [], "latest_analysis_id": None, "created_at": started, "updated_at": started}
            ids.recording += 1
            chunk.recordings.append(recording)
            analysed = started + timedelta(minutes=rng.randrange(5, 120))
            _analysis(rng, ids, chunk, recording, 1, analysed, lead_id, seller_user_id)
            if rng.random() < SECOND_ANALYSIS_SHARE:
                _analysis(rng, ids, chunk, recording, 2, analysed + timedelta(days=rng.randrange(1, 30)),
                          lead_id, seller_user_id)
        yield chunk


def _fix_sequences(session: Session) -> None:
    """PostgreSQL's id sequences do not move for explicit ids; later ORM inserts would collide."""
    for model in SEEDED:
        name = _table(model).name
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                             f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))


def seed_synthetic_calls(sessions: sessionmaker[Session], n_calls: int, seed: int = 1) -> None:
    """Add `n_calls` analysed calls, their sellers and a few review trails; deterministic from `seed`.

    Meant for a fresh database: the seller and user names are fixed, so a second run into
    the same database stops on their unique constraints.
    """
    if n_calls < 0:
        raise ValueError(f"n_calls {n_calls}: must not be negative")
    rng = random.Random(seed)
    with sessions.begin() as session:
        seller_ids, lead_id, seller_user_id = _seed_people(session)
        ids = _Ids(*(_next_id(session, m) for m in (RecordingRow, AnalysisRow, ScoreRow, FindingRow,
                                                      StageResultRow, ReviewActionRow)))
        for chunk in _chunks(rng, ids, n_calls, seller_ids, lead_id, seller_user_id, seed):
            for model, rows in ((RecordingRow, chunk.recordings), (AnalysisRow, chunk.analyses),
                                (ScoreRow, chunk.scores), (FindingRow, chunk.findings),
                                (StageResultRow, chunk.stages), (ReviewActionRow, chunk.actions)):
                _insert(session, model, rows)
        if session.get_bind().dialect.name == "postgresql":
            _fix_sequences(session)


def _analyze(sessions: sessionmaker[Session]) -> None:
    """Planner statistics, as a settled database has them; without them both planners guess badly.

    PostgreSQL gets VACUUM as well: autovacuum would do it after a bulk load anyway, and
    it sets the visibility map that index-only scans depend on.
    """
    engine = sessions.kw["bind"]
    if engine.dialect.name == "postgresql":
        # only the seeded tables: a bare VACUUM would walk every schema of a shared database
        tables = ", ".join(_table(m).name for m in SEEDED)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM ANALYZE {tables}")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


# --- timing ---------------------------------------------------------------------------------------

Scenario = Callable[[Session], tuple[int, int]]  # returns (rows on the page, total)


def _page(user: User, filters: QueueFilters) -> Scenario:
    def run(session: Session) -> tuple[int, int]:
        found = queue_page(session, user, filters)
        return len(found.rows), found.total
    return run


def _choices(user: User) -> Scenario:
    def run(session: Session) -> tuple[int, int]:
        offered = filter_choices(session, user)
        n = sum(len(values) for values in offered.values())
        return n, n
    return run


def scenarios(lead: User, seller_user: User) -> list[tuple[str, Scenario]]:
    """What the QA lead and a seller actually click; each filter alone, then a combination."""
    week_from = (FIRST_DAY + timedelta(days=40)).date()
    week_to = week_from + timedelta(days=6)  # date_to is inclusive: 7 days
    seller = SELLERS[3]
    # every view but the opening page looks at reviewed and unreviewed calls alike, as before the
    # queue's default became «not yet reviewed»
    return [
        # the QA lead's opening page: calls nobody has reviewed (QueueFilters' default)
        ("default, page 1", _page(lead, QueueFilters(reviewed="no"))),
        ("page 50", _page(lead, QueueFilters(page=50, reviewed="any"))),
        ("page 500 (deep offset)", _page(lead, QueueFilters(page=500, reviewed="any"))),
        ("seller", _page(lead, QueueFilters(seller=seller, reviewed="any"))),
        ("7-day window", _page(lead, QueueFilters(date_from=week_from, date_to=week_to, reviewed="any"))),
        ("finding wrong_answer", _page(lead, QueueFilters(finding="wrong_answer", reviewed="any"))),
        ("missing meeting_proposal", _page(lead, QueueFilters(missing_stage="meeting_proposal", reviewed="any"))),
        ("score 40-60", _page(lead, QueueFilters(score_min=40, score_max=60, reviewed="any"))),
        ("reviewed=no", _page(lead, QueueFilters(reviewed="no"))),
        ("reviewed=yes", _page(lead, QueueFilters(reviewed="yes"))),
        ("seller + finding + 7 days", _page(lead, QueueFilters(
            seller=seller, finding="wrong_answer", date_from=week_from, date_to=week_to, reviewed="any"))),
        ("everything", _page(lead, QueueFilters(everything=True, reviewed="any"))),
        ("everything, page 50", _page(lead, QueueFilters(everything=True, page=50, reviewed="any"))),
        ("seller user's own view", _page(seller_user, QueueFilters(reviewed="any"))),  # all their own calls
        ("filter_choices", _choices(lead)),
    ]


def _time(sessions: sessionmaker[Session], scenario: Scenario, repeats: int) -> tuple[list[float], int, int]:
    """Milliseconds per run, in one session as one page view of the web app uses one."""
    times: list[float] = []
    rows = total = 0
    with sessions() as session:
        for _ in range(repeats):
            start = time.perf_counter()
            rows, total = scenario(session)
            times.append((time.perf_counter() - start) * 1000)
            session.rollback()  # no snapshot or cache carried from one run to the next
    return times, rows, total


def _users(sessions: sessionmaker[Session]) -> tuple[User, User]:
    with sessions() as session:
        lead = session.scalars(select(UserRow).where(UserRow.name == LEAD_NAME)).one()
        seller = session.scalars(select(UserRow).where(UserRow.name == SELLER_USER_NAME)).one()
        seller_name = session.scalar(select(SellerRow.name).where(SellerRow.id == seller.seller_id))
        return User(lead.id, lead.name, "qa_lead", None), User(seller.id, seller.name, "seller", seller_name)


def bench_queue(url: str, n_calls: int, repeats: int = 7, seed: int = 1) -> list[dict[str, Any]]:
    """Seed an empty database at `url` with `n_calls` calls, then time every queue scenario.

    One dict per row: name, kind ("setup" or "query"), median_ms, max_ms, rows, total. The setup
    rows time the seeding and the statistics pass once; query rows run `repeats` times after one
    untimed warm-up of the default page (connection set-up is not the queue's cost).
    """
    if repeats < 1:
        raise ValueError(f"repeats {repeats}: must be at least 1")
    sessions = open_database(url)
    with sessions() as session:
        existing = session.scalar(select(func.count()).select_from(_table(AnalysisRow))) or 0
    if existing:
        shown = make_url(url).render_as_string(hide_password=True)
        raise ValueError(f"{shown}: analyses holds {existing} rows; bench_queue needs an empty database")
    results: list[dict[str, Any]] = []
    for name, step in ((f"seed {n_calls:,} calls", lambda: seed_synthetic_calls(sessions, n_calls, seed)),
                       ("ANALYZE", lambda: _analyze(sessions))):
        start = time.perf_counter()
        step()
        ms = (time.perf_counter() - start) * 1000
        results.append({"name": name, "kind": "setup", "median_ms": ms, "max_ms": ms, "rows": n_calls,
                        "total": n_calls})
    lead, seller_user = _users(sessions)
    planned = scenarios(lead, seller_user)
    _time(sessions, planned[0][1], 1)
    for name, scenario in planned:
        times, rows, total = _time(sessions, scenario, repeats)
        results.append({"name": name, "kind": "query", "median_ms": statistics.median(times),
                        "max_ms": max(times), "rows": rows, "total": total})
    sessions.kw["bind"].dispose()
    return results


# --- output ---------------------------------------------------------------------------------------


def render_bench_queue(results: Sequence[dict[str, Any]], title: str = "Review queue") -> Table:
    """The results as a table; a query whose median passes SLOW_MS is shown in red."""
    table = Table(title=title)
    table.add_column("scenario")
    for column in ("median ms", "max ms", "rows", "total"):
        table.add_column(column, justify="right")
    for r in results:
        slow = r["kind"] == "query" and r["median_ms"] > SLOW_MS
        median = f"{r['median_ms']:,.1f}"
        table.add_row(r["name"], f"[red]{median}[/red]" if slow else median, f"{r['max_ms']:,.1f}",
                      f"{r['rows']:,}", f"{r['total']:,}")
    return table


def machine() -> str:
    """What the numbers were measured on: they mean little without it."""
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
