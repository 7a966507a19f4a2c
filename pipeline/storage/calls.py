"""Calls as the phone system sees them: who, when, for whom; and the calls nobody answered.

Kept apart from `repository` (analyses): these rows come from the PBX's
records, and the cross-call questions — a client's history, parallel work,
missed calls per seller — are asked here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.phone.metadata import CallMetadata
from pipeline.phone.missed import MissedCall
from pipeline.phone.threads import UNKNOWN_SELLER, ThreadCall
from pipeline.storage.models import AnalysisRow, FindingRow, MissedCallRow, RecordingRow, ScoreRow, SellerRow
from pipeline.storage.repository import get_or_create_seller


def _aware(when: datetime | None) -> datetime | None:
    """PBX times are local and naive: stored labelled UTC so both backends keep the clock
    reading unchanged, and handed back naive."""
    return when.replace(tzinfo=timezone.utc) if when is not None and when.tzinfo is None else when


def save_call_metadata(session: Session, row: RecordingRow, meta: CallMetadata) -> None:
    row.call_id, row.direction, row.client_number = meta.call_id, meta.direction, meta.client_number
    row.started_at = _aware(meta.started_at)
    row.extension, row.queue, row.disposition, row.ring_s = meta.extension, meta.queue, meta.disposition, meta.ring_s
    row.metadata_sources = list(meta.sources)
    if meta.seller != UNKNOWN_SELLER:
        row.seller = get_or_create_seller(session, meta.seller, meta.extension)
    session.flush()


def earlier_calls(session: Session, client_number: str, before: datetime, window: timedelta,
                  exclude_sha256: str) -> list[ThreadCall]:
    """The client's other recorded calls in the `window` before `before`, oldest first."""
    before = _aware(before)  # type: ignore[assignment]
    rows = session.execute(
        select(RecordingRow.call_id, RecordingRow.path, RecordingRow.started_at, SellerRow.name)
        .outerjoin(SellerRow, RecordingRow.seller_id == SellerRow.id)
        .where(RecordingRow.client_number == client_number, RecordingRow.sha256 != exclude_sha256,
               RecordingRow.started_at >= before - window, RecordingRow.started_at <= before)
        .order_by(RecordingRow.started_at)
    ).all()
    # back to the PBX's naive local time, as the call being judged has it
    return [ThreadCall(call_id or path, client_number, seller or UNKNOWN_SELLER, _naive(started))  # type: ignore[arg-type]
            for call_id, path, started, seller in rows]


def save_missed_calls(session: Session, missed: Sequence[MissedCall]) -> int:
    """Insert or refresh each missed call by its uniqueid; returns how many are new."""
    known = {r.uniqueid: r for r in session.scalars(
        select(MissedCallRow).where(MissedCallRow.uniqueid.in_([m.uniqueid for m in missed])))}
    new = 0
    for m in missed:
        row = known.get(m.uniqueid)
        if row is None:
            row = MissedCallRow(uniqueid=m.uniqueid)
            session.add(row)
            new += 1
        row.started_at, row.client_number, row.responsible = _aware(m.started_at), m.client_number, m.responsible
        row.reason, row.ring_s, row.called_back_at = m.reason, m.ring_s, _aware(m.called_back_at)
    session.flush()
    return new



@dataclass(frozen=True)
class ThreadEntry:
    """One event in a client's history: a recorded call (with its latest analysis) or a missed one."""

    started_at: datetime | None
    kind: str  # "call" or "missed"
    seller: str
    path: str  # the recording, or the missed call's uniqueid
    score: float | None = None
    flagged: bool | None = None
    finding_types: tuple[str, ...] = ()
    note: str = ""  # a missed call's reason


def client_history(session: Session, client_number: str) -> list[ThreadEntry]:
    """Everything that happened with one client (a normalised number), oldest first."""
    latest = (select(AnalysisRow.recording_id, func.max(AnalysisRow.id).label("analysis_id"))
              .group_by(AnalysisRow.recording_id).subquery())
    calls = session.execute(
        select(RecordingRow.started_at, RecordingRow.path, SellerRow.name, ScoreRow.score, ScoreRow.flagged,
               latest.c.analysis_id)
        .outerjoin(SellerRow, RecordingRow.seller_id == SellerRow.id)
        .outerjoin(latest, latest.c.recording_id == RecordingRow.id)
        .outerjoin(ScoreRow, ScoreRow.analysis_id == latest.c.analysis_id)
        .where(RecordingRow.client_number == client_number)
    ).all()
    types: dict[int, list[str]] = {}
    ids = [c.analysis_id for c in calls if c.analysis_id is not None]
    for aid, kind in session.execute(
        select(FindingRow.analysis_id, FindingRow.type).where(FindingRow.analysis_id.in_(ids)).order_by(FindingRow.idx)
    ):
        types.setdefault(aid, []).append(kind)
    entries = [
        ThreadEntry(_naive(c.started_at), "call", c.name or UNKNOWN_SELLER, c.path, c.score, c.flagged,
                    tuple(types.get(c.analysis_id, ())))
        for c in calls
    ]
    entries += [
        ThreadEntry(_naive(m.started_at), "missed", m.responsible, m.uniqueid,
                    note=m.reason + ("" if m.called_back_at is None else f"; called back {m.called_back_at:%H:%M}"))
        for m in session.scalars(select(MissedCallRow).where(MissedCallRow.client_number == client_number))
    ]
    return sorted(entries, key=lambda e: (e.started_at is None, e.started_at or datetime.min))


def _naive(when: datetime | None) -> datetime | None:
    return when.replace(tzinfo=None) if when is not None else None
