"""Personal data of a stored call: detected once after analysis, read back to mask it for a role.

The nightly flow scans each call it stores (`scan_analysis`). A call stored before this existed, or
by a path that did not scan (`process_recording` called without the flow, a scan that failed), has
no scan record; the first
reader who must not see it in clear has it scanned then (`spans_of`), so nothing is ever shown to a
coach or a seller unmasked for want of a scan. A purged call has no transcript left to scan.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.standard import Standard
from pipeline.privacy.detect import detect_personal_data, ignore_terms, standard_ignore_terms
from pipeline.privacy.spans import PersonalSpan
from pipeline.storage.models import AnalysisRow
from pipeline.storage.personal_data import load_personal_spans, save_personal_spans, scanned
from pipeline.storage.repository import load_analysis
from pipeline.storage.reviews import seller_of_analysis

StandardFor = Callable[[str], "Standard | None"]  # a standard id -> the standard, when it is known


def scan_analysis(session: Session, analysis_id: int, standard: Standard | None) -> list[PersonalSpan]:
    """Detect and store an analysis's personal data; the standard's company, products, sellers and
    own address are never personal data, nor is the call's seller. The caller commits."""
    analysis = load_analysis(session, analysis_id)
    seller = seller_of_analysis(session, analysis_id)
    sellers = [seller] if seller else []
    ignore = standard_ignore_terms(standard, sellers) if standard is not None else ignore_terms("", sellers=sellers)
    spans = detect_personal_data(analysis.transcript, ignore)
    save_personal_spans(session, analysis_id, spans)
    return spans


def spans_of(session: Session, analysis_id: int, standard_for: StandardFor) -> list[PersonalSpan]:
    """The stored spans; an analysis never scanned is scanned now (and stored), a purged one has none."""
    if scanned(session, analysis_id):
        return load_personal_spans(session, analysis_id)
    row = session.execute(select(AnalysisRow.standard_id, AnalysisRow.purged_at)
                          .where(AnalysisRow.id == analysis_id)).first()
    if row is None:
        raise LookupError(f"no analysis with id {analysis_id}")
    if row.purged_at is not None:
        return []
    return scan_analysis(session, analysis_id, standard_for(row.standard_id))


__all__ = ["StandardFor", "scan_analysis", "spans_of"]
