"""Calls as the phone system sees them: who, when, for whom; and the calls nobody answered.

Kept apart from `repository` (analyses): these rows come from the PBX's
records, and the cross-call questions — a client's history, parallel work,
missed calls per seller — are asked here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.phone.metadata import CallMetadata
from pipeline.phone.missed import MissedCall
from pipeline.phone.threads import UNKNOWN_SELLER, ThreadCall
from pipeline.storage.models import MissedCallRow, RecordingRow, SellerRow
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
    return [ThreadCall(call_id or path, client_number, seller or UNKNOWN_SELLER, started.replace(tzinfo=None))
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

