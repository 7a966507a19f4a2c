"""numpy values reach the database as plain Python numbers, on SQLite and PostgreSQL.

The checks compute with numpy; with numpy 2 a scalar's repr is `np.float64(0.17)`,
which psycopg2 once wrote into the SQL (`schema "np" does not exist`), so nothing
was ever stored on PostgreSQL while tests built their rows from plain floats.
"""

from __future__ import annotations

import dataclasses
import numpy as np
import pytest
from sqlalchemy.orm import Session

from pipeline.batch import fingerprint
from pipeline.records import CallAnalysis
from pipeline.storage import repository as repo
from pipeline.storage.db import open_database
from pipeline.storage.plain import dumps, plain, plain_parameters
from tests.conftest import SAMPLES
from tests.test_storage import SHA, add_recording, make_analysis


def with_numpy_values(analysis: CallAnalysis) -> CallAnalysis:
    """The same analysis with the numbers the checks produce: numpy scalars everywhere."""
    hit = analysis.stages[0]
    assert hit.evidence is not None
    evidence = dataclasses.replace(hit.evidence, start=np.float64(hit.evidence.start),
                                   end=np.float32(hit.evidence.end), match_score=np.float64(91.3))
    stages = (dataclasses.replace(hit, score=np.float64(hit.score), evidence=evidence), *analysis.stages[1:])
    finding = analysis.findings[0]
    details = {**finding.details, "pause_s": np.float64(7.5), "threshold_s": np.int64(5),
               "ok": np.bool_(False), "channels": np.array([0, 1])}
    findings = (dataclasses.replace(finding, start=np.float64(12.0), end=np.float64(19.5), details=details),
                *analysis.findings[1:])
    score = dataclasses.replace(analysis.score, score=np.float64(62.5), penalty=np.float64(15.0))
    return dataclasses.replace(analysis, stages=stages, findings=findings, score=score,
                               metrics={"talk_share": np.float64(0.43), "turns": np.int64(12)})


def test_plain_converts_at_any_depth() -> None:
    value = {"a": [np.int64(3), (np.float32(0.5),)], "b": np.bool_(True), "c": np.arange(2)}
    out = plain(value)
    assert out == {"a": [3, (0.5,)], "b": True, "c": [0, 1]}
    assert type(out["a"][0]) is int and type(out["b"]) is bool and type(out["a"][1][0]) is float
    assert plain_parameters([(np.float64(1.5), "x"), {"k": np.int32(2)}]) == [(1.5, "x"), {"k": 2}]
    assert dumps({"x": np.int64(4), "y": np.float64(0.25)}) == '{"x": 4, "y": 0.25}'
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        dumps({"x": object()})


def test_numpy_values_are_stored_as_numbers(db_session: Session) -> None:
    add_recording(db_session)
    expected = make_analysis()
    analysis_id = repo.save_analysis(db_session, SHA, with_numpy_values(expected))
    db_session.expire_all()
    loaded = repo.load_analysis(db_session, analysis_id)
    assert loaded.stages[0].evidence == dataclasses.replace(expected.stages[0].evidence, end=pytest.approx(3.1))
    assert loaded.findings[0].start == 12.0 and type(loaded.findings[0].start) is float
    assert loaded.findings[0].details == {**expected.findings[0].details, "ok": False, "channels": [0, 1]}
    assert loaded.score.score == 62.5 and loaded.metrics == {"talk_share": 0.43, "turns": 12}


@pytest.mark.model
def test_real_analysis_of_a_demo_call_is_stored_and_read_back(
    empty_database_url: str, demo_analyses: dict[str, CallAnalysis]
) -> None:
    """End to end: what the real model and checks produce for a committed call is stored as is."""
    sessions = open_database(empty_database_url)
    name, analysis = sorted(demo_analyses.items())[0]
    rec = fingerprint(SAMPLES / name)
    with sessions.begin() as session:
        repo.upsert_recording(session, rec, duration_s=analysis.transcript.duration_s, channels=2)
        analysis_id = repo.save_analysis(session, rec.sha256, analysis)
    with sessions.begin() as session:
        loaded = repo.load_analysis(session, analysis_id)
    sessions.kw["bind"].dispose()
    assert [(h.stage_id, h.present) for h in loaded.stages] == [(h.stage_id, h.present) for h in analysis.stages]
    assert [h.evidence.start for h in loaded.stages if h.evidence] == pytest.approx(
        [h.evidence.start for h in analysis.stages if h.evidence])
    assert [f.type for f in loaded.findings] == [f.type for f in analysis.findings]
    assert [f.start for f in loaded.findings] == pytest.approx([f.start for f in analysis.findings])
    assert loaded.score.score == pytest.approx(analysis.score.score)
    assert len(loaded.transcript.utterances) == len(analysis.transcript.utterances) > 0
