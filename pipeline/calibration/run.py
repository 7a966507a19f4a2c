"""`callqa calibrate` from end to end: labels from the database, proposals, metrics, the new file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from checks.standard import Standard
from pipeline.calibration.labels import ReviewedCall
from pipeline.calibration.metrics import Row, all_stages, compare, measure
from pipeline.calibration.proposals import Calibration, Proposal, propose
from pipeline.calibration.source import load_reviewed_calls
from pipeline.calibration.writer import default_output, new_version_text, next_version, write_new_version
from pipeline.storage.db import database_url


@dataclass(frozen=True)
class CalibrationResult:
    calls: int
    calibration: Calibration
    rows: list[Row]
    out: Path | None  # None: nothing to propose, no file written
    version: str


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def describe(proposal: Proposal) -> str:
    what = f"{proposal.target}: {proposal.kind.replace('_', ' ')} "
    what += f"{proposal.value}" if proposal.kind == "threshold" else f"«{proposal.value}»"
    sources = "; ".join(f"from {s.where}, «{s.quote}», {s.decision}" for s in proposal.sources)
    return f"{what} ({sources + '; ' if sources else ''}{proposal.why})"


def header_lines(standard_file: Path, target: Path, standard: Standard, version: str, db_shown: str,
                 calls: Sequence[ReviewedCall], calibration: Calibration, rows: list[Row]) -> list[str]:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    before, after = rows[0].before, rows[0].after
    reviewed = ", ".join(sorted({c.standard_version for c in calls}))
    lines = [f"callqa calibrate, {when}: {standard.standard.id} version {version}, from version "
             f"{standard.standard.version} ({standard_file.name}),",
             f"on {len(calls)} reviewed call(s) (analysed under version {reviewed}) in {db_shown}.",
             "Nothing is in use until a person accepts it:",
             f"read it, then point callqa at this file (--standard {target.name}).",
             "Proposed:",
             *(f"  - {describe(p)}" for p in calibration.proposals),
             f"All stages on those calls: precision {_ratio(before.precision)} → {_ratio(after.precision)}, "
             f"recall {_ratio(before.recall)} → {_ratio(after.recall)}."]
    return lines


def calibrate(standard_file: Path, standard: Standard, db: str | None, out: Path | None) -> CalibrationResult:
    """Raises CalibrationSourceError (no labels, no database), CalibrationOutputError (the file)
    and StandardError (a proposal the standard would not accept)."""
    calls = load_reviewed_calls(db, standard.standard.id)
    calibration = propose(calls, standard)
    version = next_version(standard.standard.version)
    proposed = calibration.standard.model_copy(
        update={"standard": calibration.standard.standard.model_copy(update={"version": version})})
    rows = compare(measure(calls, standard), measure(calls, proposed))
    if not calibration.proposals:  # a new version that changes nothing would only be one more file to read
        return CalibrationResult(len(calls), calibration, rows, None, version)
    target = out or default_output(standard_file, version)
    shown = make_url(db or database_url()).render_as_string(hide_password=True)
    text = new_version_text(standard_file.read_text(encoding="utf-8"), str(target), version, calibration.proposals,
                            header_lines(standard_file, target, standard, version, shown, calls, calibration, rows))
    write_new_version(standard_file, target, text)
    return CalibrationResult(len(calls), calibration, rows, target, version)


__all__ = ["CalibrationResult", "all_stages", "calibrate", "describe"]
