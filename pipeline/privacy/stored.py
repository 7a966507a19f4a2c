"""Personal data of a stored call: detected once after analysis, read back to mask it for a role.

The nightly flow scans each call it stores (`scan_analysis`). A call stored before this existed, or
by a path that did not scan (`process_recording` called without the flow, a scan that failed), has
no scan record; the first
reader who must not see it in clear has it scanned then (`spans_of`), so nothing is ever shown to a
coach or a seller unmasked for want of a scan. A purged call has no transcript left to scan.

A scan record names the detectors that ran (`DETECTORS`, each with its version). A better detector
does not change the spans stored before it: `stale_scans` lists the calls scanned by other
detectors, or never, and `rescan_analysis` scans one again (`callqa privacy-rescan`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from checks.standard import Standard
from pipeline.privacy import addresses, dialogue, emails, names, numbers, sentence_model
from pipeline.privacy.detect import detect_personal_data, ignore_terms, standard_ignore_terms
from pipeline.privacy.spans import PersonalSpan
from pipeline.storage.models import AnalysisRow, PersonalScanRow
from pipeline.storage.personal_data import load_personal_spans, save_personal_spans, scanned
from pipeline.storage.repository import load_analysis
from pipeline.storage.reviews import seller_of_analysis

StandardFor = Callable[[str], "Standard | None"]  # a standard id -> the standard, when it is known
# every detector `detect_personal_data` runs, as its spans name it: a new version of one is a reason to rescan
DETECTORS: tuple[str, ...] = tuple(sorted({names.NER_DETECTOR, names.MORPH_DETECTOR, numbers.DETECTOR,
                                           addresses.DETECTOR, emails.DETECTOR, dialogue.DETECTOR,
                                           sentence_model.DETECTOR}))
SCANNED_BY = ",".join(DETECTORS)


def scan_analysis(session: Session, analysis_id: int, standard: Standard | None) -> list[PersonalSpan]:
    """Detect and store an analysis's personal data; the standard's company, products, sellers and
    own address are never personal data, nor is the call's seller. The caller commits."""
    analysis = load_analysis(session, analysis_id)
    seller = seller_of_analysis(session, analysis_id)
    sellers = [seller] if seller else []
    ignore = standard_ignore_terms(standard, sellers) if standard is not None else ignore_terms("", sellers=sellers)
    spans = detect_personal_data(analysis.transcript, ignore)
    # the record names every detector that ran, not only those that found something: a call with
    # nothing found is then told from one that a newer detector never read
    save_personal_spans(session, analysis_id, spans, detectors=SCANNED_BY)
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


def stale_scans(session: Session) -> dict[int, str | None]:
    """The calls whose spans are not those of `DETECTORS`, oldest first, with the detectors their
    scan record names (None: never scanned); purged calls have nothing left to scan."""
    rows = session.execute(
        select(AnalysisRow.id, PersonalScanRow.detectors)
        .outerjoin(PersonalScanRow, PersonalScanRow.analysis_id == AnalysisRow.id)
        .where(AnalysisRow.purged_at.is_(None),
               or_(PersonalScanRow.detectors.is_(None), PersonalScanRow.detectors != SCANNED_BY))
        .order_by(AnalysisRow.id))
    return {aid: detectors for aid, detectors in rows}


@dataclass(frozen=True)
class Rescanned:
    analysis_id: int
    before: int | None  # spans stored before (None: never scanned)
    after: int
    changed: bool  # scanned before, and the spans differ: what is masked from now on is not what was


def rescan_analysis(session: Session, analysis_id: int, standard_for: StandardFor) -> Rescanned:
    """Scan a call again with `DETECTORS`, in place of what an older scan stored; the caller commits."""
    standard_id = session.scalar(select(AnalysisRow.standard_id).where(AnalysisRow.id == analysis_id))
    if standard_id is None:
        raise LookupError(f"no analysis with id {analysis_id}")
    before = load_personal_spans(session, analysis_id) if scanned(session, analysis_id) else None
    after = scan_analysis(session, analysis_id, standard_for(standard_id))
    if before is None:
        return Rescanned(analysis_id, None, len(after), False)
    return Rescanned(analysis_id, len(before), len(after), before != after)


__all__ = ["DETECTORS", "Rescanned", "SCANNED_BY", "StandardFor", "rescan_analysis", "scan_analysis", "spans_of",
           "stale_scans"]
