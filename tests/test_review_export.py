"""Reviewed calls become `callqa eval` sidecars, and eval measures the automatic results against them."""

from __future__ import annotations

import functools
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
        truth = labelled_truth(load_call_view(session, missing))  # a view loaded as it is: in clear
        written = [path for _, path in export_reviewed(session, tmp_path / "labels", clear=True)]

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


# --- issue 17: the queue and its decisions as CSV and XLSX -------------------------------------------


def test_queue_exports_open_in_openpyxl_and_csv_and_hold_the_decisions(review_client, review_db_url: str) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from pipeline.review.export import DECISION_COLUMNS, QUEUE_COLUMNS
    from tests.conftest_review import login

    token = login(review_client, "lead")
    with open_database(review_db_url).begin() as session:
        aid = _call_with(session, "wrong_answer")
        idx = session.scalars(select(FindingRow.idx).where(FindingRow.analysis_id == aid,
                                                           FindingRow.type == "wrong_answer")).first()
    post = functools.partial(review_client.post, f"/api/calls/{aid}/actions", headers={"X-CSRF-Token": token})
    # a dismissal without a reason from the standard's list is refused, naming the field
    refused = post(json={"kind": "dismiss_finding", "finding_idx": idx})
    assert refused.status_code == 422 and refused.json()["detail"].startswith("reason: a dismissal needs a reason")
    assert post(json={"kind": "dismiss_finding", "finding_idx": idx, "reason": "nonsense"}).status_code == 422
    assert post(json={"kind": "dismiss_finding", "finding_idx": idx, "reason": "asr_error",
                      "comment": "цену назвали верно"}).status_code == 201
    assert post(json={"kind": "override_score", "score": 88, "comment": "ошибка распознавания"}).status_code == 201
    assert post(json={"kind": "mark_reviewed"}).status_code == 201

    xlsx = review_client.get("/api/queue/export.xlsx?all=1&reviewed=any")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["Очередь", "Решения"]
    queue = [row for row in book["Очередь"].iter_rows(values_only=True)]
    every = review_client.get("/api/queue", params={"all": 1, "page_size": 1}).json()["total"]
    assert queue[0] == QUEUE_COLUMNS and len(queue) == 1 + every > 2  # every demo call, not one page
    mine = next(r for r in queue[1:] if r[0] == aid)
    row = dict(zip(QUEUE_COLUMNS, mine))
    assert (row["Балл"], row["Отклонено"], row["Проверен"]) == (88, 1, "да")
    assert "Неверный ответ" not in (row["Находки"] or "")  # the dismissed finding counts no more
    decisions = [r for r in book["Решения"].iter_rows(values_only=True)]
    assert decisions[0] == DECISION_COLUMNS
    dismissed = next(dict(zip(DECISION_COLUMNS, r)) for r in decisions[1:] if r[3] == "отклонено")
    assert (dismissed["Звонок"], dismissed["Кто"], dismissed["Находка"]) == (aid, "lead", "Неверный ответ")
    assert (dismissed["Причина (код)"], dismissed["Причина"]) == ("asr_error", "Ошибка распознавания речи")
    assert dismissed["Комментарий"] == "цену назвали верно"
    assert [r[3] for r in decisions[1:] if r[0] == aid] == ["отклонено", "балл исправлен", "проверено"]

    for table, columns, expected in (("queue", QUEUE_COLUMNS, len(queue) - 1),
                                     ("decisions", DECISION_COLUMNS, len(decisions) - 1)):
        response = review_client.get(f"/api/queue/export.csv?all=1&reviewed=any&table={table}")
        assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")  # Excel's UTF-8 mark
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert tuple(rows[0]) == columns and len(rows) - 1 == expected
    # the default export is the default queue: the reviewed call is not in it
    default = load_workbook(io.BytesIO(review_client.get("/api/queue/export.xlsx").content), read_only=True)
    assert aid not in [r[0] for r in default["Очередь"].iter_rows(min_row=2, values_only=True)]


def test_exported_text_that_looks_like_a_formula_stays_text() -> None:
    """A seller's appeal «=HYPERLINK(...)» must not become a live formula in the QA lead's spreadsheet."""
    import io as _io

    from openpyxl import load_workbook

    from pipeline.review.export import Table, to_csv, to_xlsx

    evil = '=HYPERLINK("http://x","клик")'
    table = Table("Решения", ("Звонок", "Комментарий", "Балл"), ((1, evil, -5.0), (2, "+7 916", 80)))
    sheet = load_workbook(_io.BytesIO(to_xlsx([table])))["Решения"]
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "'" + evil
    assert sheet["B3"].value == "'+7 916"
    assert sheet["C2"].value == -5.0  # numbers stay numbers
    assert "'=HYPERLINK" in to_csv(table).decode("utf-8-sig")
