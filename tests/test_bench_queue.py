"""The queue benchmark's synthetic data and its scenarios; no timing is asserted (times are measured, not tested).

Expectations are computed with plain Python over the seeded rows, never through
the queue query, so a wrong queue and a wrong benchmark cannot agree by accident.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from pipeline.bench_queue import (
    SELLER_USER_NAME,
    SELLERS,
    STAGES,
    bench_queue,
    render_bench_queue,
    scenarios,
    seed_synthetic_calls,
)
from pipeline.records import SEVERITY_RANK
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
from tests.conftest_storage import DEFAULT_TEST_POSTGRES_URL

N_CALLS = 300


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One seeded database for the module; it is only read afterwards."""
    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'q.db'}"
    sessions = open_database(url)
    seed_synthetic_calls(sessions, N_CALLS, seed=3)
    with sessions() as session:
        data = _snapshot(session)
    sessions.kw["bind"].dispose()
    return data


def _rows(session: Session, model: type[Any]) -> list[Any]:
    return list(session.scalars(select(model).order_by(model.id)))


def _snapshot(session: Session) -> dict[str, Any]:
    """Plain-Python copies of the rows, taken before the session closes."""
    return {
        "recordings": [(r.id, r.seller_id, r.sha256) for r in _rows(session, RecordingRow)],
        "analyses": [(a.id, a.recording_id) for a in _rows(session, AnalysisRow)],
        "scores": {s.analysis_id: (s.flagged, s.severity_rank) for s in _rows(session, ScoreRow)},
        "findings": [(f.analysis_id, f.idx, f.type, f.severity) for f in _rows(session, FindingRow)],
        "stages": [(s.analysis_id, s.idx, s.stage_id, s.present) for s in _rows(session, StageResultRow)],
        "actions": [(a.id, a.analysis_id, a.kind, a.finding_idx) for a in _rows(session, ReviewActionRow)],
        "sellers": {s.id: s.name for s in _rows(session, SellerRow)},
    }


def _latest(analyses: list[tuple[int, int]]) -> dict[int, int]:
    """Recording id -> its newest analysis id."""
    latest: dict[int, int] = {}
    for aid, rid in analyses:
        latest[rid] = max(latest.get(rid, 0), aid)
    return latest


def _appealed(actions: list[tuple[int, int, str, int | None]]) -> set[int]:
    """Analyses whose latest appeal is newer than their latest «reviewed» mark."""
    last: dict[tuple[int, str], int] = {}
    for action_id, aid, kind, _ in actions:
        last[aid, kind] = max(last.get((aid, kind), 0), action_id)
    return {aid for (aid, kind) in last if kind == "appeal_finding"
            and last[aid, "appeal_finding"] > last.get((aid, "mark_reviewed"), 0)}


def test_seeding_counts(seeded: dict[str, Any]) -> None:
    recordings, analyses = seeded["recordings"], seeded["analyses"]
    assert len(recordings) == N_CALLS
    assert len({sha for _, _, sha in recordings}) == N_CALLS
    assert all(len(sha) == 64 and int(sha, 16) >= 0 for _, _, sha in recordings)
    assert sorted(seeded["sellers"].values()) == sorted(SELLERS)
    per_recording = Counter(rid for _, rid in analyses)
    assert set(per_recording) == {rid for rid, _, _ in recordings}
    assert set(per_recording.values()) == {1, 2}  # some calls were re-scored
    assert len(seeded["scores"]) == len(analyses)
    assert len(seeded["stages"]) == len(STAGES) * len(analyses)


def test_stages_and_findings_are_well_formed(seeded: dict[str, Any]) -> None:
    stages_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for aid, idx, stage, _ in seeded["stages"]:
        stages_of[aid].append((idx, stage))
    assert all(sorted(v) == list(enumerate(STAGES)) for v in stages_of.values())
    assert any(not present for *_, present in seeded["stages"])
    idx_of: dict[int, list[int]] = defaultdict(list)
    for aid, idx, _, _ in seeded["findings"]:
        idx_of[aid].append(idx)
    assert all(sorted(v) == list(range(len(v))) and len(v) <= 4 for v in idx_of.values())


def test_severity_rank_is_the_max_of_the_findings(seeded: dict[str, Any]) -> None:
    expected: dict[int, int] = defaultdict(int)
    for aid, _, _, severity in seeded["findings"]:
        expected[aid] = max(expected[aid], SEVERITY_RANK[severity])
    for aid, _ in seeded["analyses"]:
        assert seeded["scores"][aid][1] == expected[aid], aid
    assert {rank for _, rank in seeded["scores"].values()} == {0, 1, 2, 3}


def test_review_actions_point_at_real_findings(seeded: dict[str, Any]) -> None:
    actions = seeded["actions"]
    assert {kind for _, _, kind, _ in actions} == {"mark_reviewed", "override_score", "appeal_finding"}
    findings = {(aid, idx) for aid, idx, _, _ in seeded["findings"]}
    for _, aid, kind, idx in actions:
        assert (kind == "appeal_finding") == (idx is not None)
        if idx is not None:
            assert (aid, idx) in findings


def test_seeding_is_deterministic(tmp_path: Path, seeded: dict[str, Any]) -> None:
    sessions = open_database(f"sqlite:///{tmp_path / 'again.db'}")
    seed_synthetic_calls(sessions, N_CALLS, seed=3)
    with sessions() as session:
        again = _snapshot(session)
    sessions.kw["bind"].dispose()
    assert again == seeded


@pytest.fixture(scope="module")
def benched(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'b.db'}"
    results = bench_queue(url, N_CALLS, repeats=1)
    sessions = open_database(url)
    with sessions() as session:
        data = _snapshot(session)
        data["seller_user"] = session.scalars(select(UserRow).where(UserRow.name == SELLER_USER_NAME)).one()
    sessions.kw["bind"].dispose()
    return url, results, data


def test_bench_reports_every_scenario(benched: tuple[str, list[dict[str, Any]], dict[str, Any]]) -> None:
    _, results, _ = benched
    names = [r["name"] for r in results if r["kind"] == "query"]
    lead, seller = User(1, "l", "qa_lead", None), User(2, "s", "seller", SELLERS[0])
    assert names == [name for name, _ in scenarios(lead, seller)]
    assert [r["kind"] for r in results[:2]] == ["setup", "setup"]
    for r in results:
        assert 0 <= r["median_ms"] <= r["max_ms"]
        assert 0 <= r["rows"] <= r["total"]
        if r["kind"] == "query" and r["name"] != "filter_choices":
            assert r["rows"] <= 50  # one page


def test_bench_totals_match_plain_python(benched: tuple[str, list[dict[str, Any]], dict[str, Any]]) -> None:
    _, results, data = benched
    by_name = {r["name"]: r for r in results}
    latest = set(_latest(data["analyses"]).values())
    appealed = _appealed(data["actions"])
    queue = {aid for aid in latest if data["scores"][aid][0] or aid in appealed}
    # the QA lead's opening page is what nobody has reviewed yet: the unreviewed part of the queue
    assert by_name["default, page 1"]["total"] == by_name["reviewed=no"]["total"] < len(queue)
    assert by_name["default, page 1"]["rows"] == min(50, by_name["reviewed=no"]["total"])
    assert by_name["everything"]["total"] == len(latest) == N_CALLS
    with_type = {aid for aid, _, kind, _ in data["findings"] if kind == "wrong_answer"}
    assert by_name["finding wrong_answer"]["total"] == len(queue & with_type)
    missing = {aid for aid, _, stage, present in data["stages"] if stage == "meeting_proposal" and not present}
    assert by_name["missing meeting_proposal"]["total"] == len(queue & missing)
    seller_of_recording = {rid: data["sellers"][sid] for rid, sid, _ in data["recordings"]}
    seller_of = {aid: seller_of_recording[rid] for aid, rid in data["analyses"]}
    own = data["sellers"][data["seller_user"].seller_id]
    assert by_name["seller user's own view"]["total"] == sum(1 for aid in queue if seller_of[aid] == own)
    assert by_name["seller"]["total"] == sum(1 for aid in queue if seller_of[aid] == SELLERS[3])
    reviewed = by_name["reviewed=yes"]["total"] + by_name["reviewed=no"]["total"]
    assert reviewed == len(queue)
    assert by_name["page 500 (deep offset)"]["rows"] == 0  # past the end: an empty page, not an error
    finding_types = {kind for _, _, kind, _ in data["findings"]}
    assert by_name["filter_choices"]["total"] == len(SELLERS) + len(finding_types) + len(STAGES)


def test_bench_refuses_a_database_with_calls(benched: tuple[str, list[dict[str, Any]], dict[str, Any]]) -> None:
    url, _, _ = benched
    with pytest.raises(ValueError, match="analyses holds .* rows; bench_queue needs an empty database"):
        bench_queue(url, 10)


def test_render(benched: tuple[str, list[dict[str, Any]], dict[str, Any]]) -> None:
    _, results, _ = benched
    console = Console(width=120, record=True)
    console.print(render_bench_queue(results))
    out = console.export_text()
    assert "default, page 1" in out and "seed 300 calls" in out and "median ms" in out


@pytest.fixture
def postgres_bench_url() -> Iterator[str]:
    """A schema of its own: the benchmark commits, so the shared test schema must not see its rows."""
    if os.environ.get("CALLQA_SKIP_POSTGRES") == "1":
        pytest.skip("PostgreSQL tests skipped: CALLQA_SKIP_POSTGRES=1")
    base = make_url(os.environ.get("CALLQA_TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL)
    schema = f"callqa_bench_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def test_bench_on_postgresql(postgres_bench_url: str) -> None:
    results = bench_queue(postgres_bench_url, 100, repeats=1)
    by_name = {r["name"]: r for r in results}
    sessions = open_database(postgres_bench_url)
    with sessions.begin() as session:
        data = _snapshot(session)
        # explicit ids must have moved the sequences on, or the app's next insert collides
        lead = session.scalars(select(UserRow).where(UserRow.role == "qa_lead")).one()
        session.add(ReviewActionRow(analysis_id=data["analyses"][0][0], user_id=lead.id, kind="mark_reviewed"))
        session.flush()
    sessions.kw["bind"].dispose()
    latest = set(_latest(data["analyses"]).values())
    appealed = _appealed(data["actions"])
    assert by_name["default, page 1"]["total"] == sum(1 for a in latest if data["scores"][a][0] or a in appealed)
    assert by_name["everything"]["total"] == 100
