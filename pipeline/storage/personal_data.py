"""Personal data spans of an analysis: saved after detection, loaded to mask a call for a role.

Detection can be rerun with better detectors, so saving replaces an analysis's spans as a whole
instead of appending to them. Only positions are stored (pipeline.privacy.PersonalSpan), never the
words: the transcript is the one place the personal data lives.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline.privacy.spans import PersonalSpan
from pipeline.storage.models import AnalysisRow, PersonalScanRow, PersonalSpanRow, utcnow


def save_personal_spans(session: Session, analysis_id: int, spans: Sequence[PersonalSpan],
                        detectors: str | None = None) -> None:
    """Store an analysis's spans in place of any stored before, and the scan record: `detectors`,
    those that ran (by default those the spans name); the caller commits."""
    if session.get(AnalysisRow, analysis_id) is None:
        raise LookupError(f"no analysis with id {analysis_id}: personal data spans need a stored analysis")
    session.execute(delete(PersonalSpanRow).where(PersonalSpanRow.analysis_id == analysis_id))
    session.add_all(
        PersonalSpanRow(analysis_id=analysis_id, idx=i, type=s.type, utterance_idx=s.utterance,
                        char_start=s.char_start, char_end=s.char_end, start=s.start, end=s.end, detector=s.detector)
        for i, s in enumerate(spans)
    )
    detectors = detectors or ",".join(sorted({s.detector for s in spans})) or "none found"
    scan = session.get(PersonalScanRow, analysis_id)
    if scan is None:
        session.add(PersonalScanRow(analysis_id=analysis_id, detectors=detectors, spans=len(spans)))
    else:
        scan.detectors, scan.spans, scan.scanned_at = detectors, len(spans), utcnow()
    session.flush()


def scanned(session: Session, analysis_id: int) -> bool:
    """Whether detection has run over this analysis (its spans, none included, are what it found)."""
    return session.get(PersonalScanRow, analysis_id) is not None


def load_personal_spans(session: Session, analysis_id: int) -> list[PersonalSpan]:
    """An analysis's spans in the order they were saved (call order); empty when none were found or
    detection has not run."""
    rows = session.scalars(
        select(PersonalSpanRow).where(PersonalSpanRow.analysis_id == analysis_id).order_by(PersonalSpanRow.idx)
    )
    return [
        PersonalSpan(r.type, r.utterance_idx, r.char_start, r.char_end, r.start, r.end, r.detector) for r in rows
    ]
