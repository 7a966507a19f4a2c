"""Reviewed calls become `callqa eval` sidecars, and eval measures the automatic results against them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from pipeline.batch import cached_transcriber
from pipeline.cli import app
from pipeline.evaluate import evaluate_folder
from pipeline.review.callview import export_reviewed, labelled_truth, load_call_view
from pipeline.settings import TranscriptionOptions
from pipeline.storage.db import open_database
from pipeline.storage.models import FindingRow
from pipeline.storage.reviews import get_user, record_action


def _call_with(session: Session, finding_type: str) -> int:
    return session.scalars(select(FindingRow.analysis_id).where(FindingRow.type == finding_type)).first()


def test_reviewed_calls_export_and_eval_reports_agreement(review_db_url: str, tmp_path: Path,
                                                          demo_standard) -> None:
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        lead = get_user(session, "lead")
        wrong = _call_with(session, "wrong_answer")
        missing = _call_with(session, "missing_stage")
        view = load_call_view(session, wrong)
        wrong_idx = next(i for i, f in enumerate(view.analysis.findings) if f.type == "wrong_answer")
        record_action(session, lead, wrong, "dismiss_finding", finding_idx=wrong_idx, comment="price was right")
        record_action(session, lead, wrong, "mark_reviewed")
        missing_view = load_call_view(session, missing)
        missing_idx, stage = next((i, f.details["stage"]) for i, f in enumerate(missing_view.analysis.findings)
                                  if f.type == "missing_stage")
        record_action(session, lead, missing, "dismiss_finding", finding_idx=missing_idx, comment="it was said")
        record_action(session, lead, missing, "mark_reviewed")
        truth = labelled_truth(load_call_view(session, missing))
        written = export_reviewed(session, tmp_path / "labels")

    assert truth["stages"][stage] is True  # «not missing» means the stage was there
    assert truth["reviewed"] is True and Path(truth["recording"]).is_file()
    assert sorted(p.name.split("-")[0] for p in written) == sorted([str(wrong), str(missing)])
    exported = json.loads((tmp_path / "labels" / written[0].name).read_text(encoding="utf-8"))
    assert {"recording", "stages", "findings", "channels"} <= exported.keys()

    options = TranscriptionOptions()
    report = evaluate_folder(tmp_path / "labels", demo_standard, options,
                             transcript_for=cached_transcriber(options, demo_standard, sessions))
    assert report.calls == 2 and not report.errors
    # the two findings the reviewer dismissed are the only disagreements
    assert (report.findings["wrong_answer"].tp, report.findings["wrong_answer"].fp) == (0, 1)
    assert report.findings["missing_stage"].fp == 1
    assert report.stages[stage].fn == 1
    agreed = [k for k, c in report.findings.items() if k not in ("wrong_answer", "missing_stage")]
    assert all(report.findings[k].fp == 0 and report.findings[k].fn == 0 for k in agreed)


def test_cli_review_export(review_db_url: str, tmp_path: Path) -> None:
    sessions = open_database(review_db_url)
    with sessions.begin() as session:
        record_action(session, get_user(session, "lead"), 1, "mark_reviewed")
    out = tmp_path / "cal"
    result = CliRunner().invoke(app, ["review-export", str(out), "--db", review_db_url])
    assert result.exit_code == 0, result.output
    assert "1 reviewed call(s)" in result.output and len(list(out.glob("1-*.truth.json"))) == 1
