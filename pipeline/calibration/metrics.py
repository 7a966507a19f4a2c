"""Precision and recall on the reviewed calls, before and after the proposal.

Both sides are the checks run again on the stored transcripts (no Whisper), the input standard
before and the proposed one after, and scored as `callqa eval` scores a sidecar: the stages
against the lead's labels, the findings against those the lead let stand (within 3 s, same
type), `missing_stage` against the labelled required stages. "Before" is a fresh run rather
than the stored result, so a call analysed under an older version compares like with like.
Findings that need the phone system (`parallel_work`, `misrouted_call`) are not re-run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from checks.analyze import analyze_transcript
from checks.standard import Standard
from pipeline.calibration.labels import ReviewedCall
from pipeline.evaluate import Counts, EvalReport, score_call


def measure(calls: Sequence[ReviewedCall], standard: Standard) -> EvalReport:
    report = EvalReport()
    for call in calls:
        analysis = analyze_transcript(call.transcript, standard, call.recording)
        report.checks_run = analysis.checks_run
        report.calls += 1
        score_call(report, dict(call.truth), analysis, standard)
    return report


def all_stages(report: EvalReport) -> Counts:
    return Counts(*(sum(getattr(c, f) for c in report.stages.values()) for f in ("tp", "fp", "fn")))


@dataclass(frozen=True)
class Row:
    kind: str  # stage or finding
    name: str
    before: Counts
    after: Counts


def compare(before: EvalReport, after: EvalReport) -> list[Row]:
    rows = [Row("stage", "all stages", all_stages(before), all_stages(after))]
    for kind, b, a in (("stage", before.stages, after.stages), ("finding", before.findings, after.findings)):
        for name in sorted(set(b) | set(a)):
            rows.append(Row(kind, name, b.get(name, Counts()), a.get(name, Counts())))
    return rows


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _change(before: float | None, after: float | None) -> str:
    shown = f"{_ratio(before)} → {_ratio(after)}"
    if before is None or after is None or abs(after - before) < 1e-9:
        return shown
    return f"[green]{shown}[/green]" if after > before else f"[red]{shown}[/red]"


def render_comparison(rows: list[Row], calls: int) -> Table:
    table = Table(title=f"callqa calibrate: {calls} reviewed call(s), the checks run again on their stored transcripts")
    for col in ("kind", "name", "TP", "FP", "FN", "precision", "recall"):
        table.add_column(col)
    for row in rows:
        b, a = row.before, row.after
        counts = [f"{getattr(b, f)} → {getattr(a, f)}" for f in ("tp", "fp", "fn")]
        name = f"[bold]{row.name}[/bold]" if row.name == "all stages" else row.name
        table.add_row(row.kind, name, *counts, _change(b.precision, a.precision), _change(b.recall, a.recall))
    table.caption = "before: the input standard; after: the proposed version. TP/FP/FN against the QA lead's decisions"
    return table
