"""Ignored calls (article, example 6): calls nobody answered, or answered too late.

The PBX's own record says it: a CDR row with NO ANSWER, BUSY, FAILED or
CONGESTION, or an answered call that rang longer than the standard allows. A
missed call is forgiven when the company called the client back within the
standard's window; otherwise it is a finding on whoever the call was for — the
seller whose phone rang, or the queue when no single phone did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.phone.cdr import CdrRecord, channel_extension
from pipeline.phone.numbers import EXTENSION, normalise_number
from pipeline.phone.sellers import SellerMap, find_seller

UNANSWERED = ("NO ANSWER", "BUSY", "FAILED", "CONGESTION")


@dataclass(frozen=True)
class MissedCall:
    uniqueid: str
    started_at: datetime
    client_number: str | None  # E.164; None when the caller ID was withheld or junk
    responsible: str  # a seller's name, else "queue 600" / "extension 105" / "unknown"
    reason: str  # "NO ANSWER", "BUSY", … or "answered after 48 s (limit 30 s)"
    ring_s: float
    called_back_at: datetime | None  # the first outbound call to the client within the window

    @property
    def is_finding(self) -> bool:
        return self.called_back_at is None

    @property
    def hour(self) -> int:
        return self.started_at.hour


def _per_call(records: Iterable[CdrRecord]) -> list[list[CdrRecord]]:
    """A queue call leaves a row per member rung, all with the call's uniqueid."""
    calls: dict[str, list[CdrRecord]] = {}
    for rec in sorted(records, key=lambda r: r.start):
        calls.setdefault(rec.uniqueid or f"line {rec.line}", []).append(rec)
    return list(calls.values())


def _rung_extension(rec: CdrRecord) -> str | None:
    return channel_extension(rec.dstchannel) or (rec.dst if EXTENSION.fullmatch(rec.dst) else None)


def _responsible(rows: list[CdrRecord], sellers: SellerMap | None) -> str:
    """The one seller whose phone rang; a call that rang several phones belongs to its queue."""
    rec = rows[0]
    rung = {_rung_extension(r) for r in rows}
    extension = rung.pop() if len(rung) == 1 else None
    lookup = find_seller(sellers, extension)
    if lookup.seller is not None:
        return lookup.seller.name
    if extension:
        return f"extension {extension}"
    return f"queue {rec.dst}" if rec.dst else "unknown"


def _miss_reason(rec: CdrRecord, ring_limit_s: float) -> str | None:
    if rec.disposition in UNANSWERED:
        return rec.disposition
    if rec.ring_s > ring_limit_s:
        return f"answered after {rec.ring_s:.0f} s (limit {ring_limit_s:.0f} s)"
    return None


def _is_inbound(rec: CdrRecord) -> bool:
    """From outside to us: the caller is not one of our extensions."""
    return not EXTENSION.fullmatch(rec.src.strip())


def missed_calls(
    records: Iterable[CdrRecord], sellers: SellerMap | None = None, *, ring_limit_s: float = 30.0,
    callback_window: timedelta = timedelta(hours=2),
) -> list[MissedCall]:
    """Every inbound call missed or answered late, with the call-back that forgives it, if any.

    A call-back is an outbound call (from an extension) to the client's number
    within `callback_window` after the missed call, whatever its outcome: the
    seller tried. A withheld number cannot be called back.
    """
    calls = _per_call(records)
    outbound: dict[str, list[datetime]] = {}
    for rows in calls:
        if not _is_inbound(rows[0]):
            number = normalise_number(rows[0].dst).value
            if number:
                outbound.setdefault(number, []).append(rows[0].start)
    out: list[MissedCall] = []
    for rows in calls:
        answered = [r for r in rows if r.disposition == "ANSWERED"]
        rec = answered[0] if answered else rows[0]
        reason = _miss_reason(rec, ring_limit_s) if _is_inbound(rec) else None
        if reason is None:
            continue
        client = normalise_number(rec.src)
        number = client.value if client.kind == "number" else None
        back = next((t for t in outbound.get(number or "", []) if rec.start < t <= rec.start + callback_window), None)
        out.append(MissedCall(rec.uniqueid, rec.start, number, _responsible(answered or rows, sellers), reason,
                              rec.ring_s, back))
    return out


@dataclass(frozen=True)
class MissedSummary:
    by_responsible: dict[str, int]  # unforgiven missed calls
    by_hour: dict[int, int]  # all missed calls by hour of the day: when the phones go unanswered
    total: int
    called_back: int


def summarise(missed: Sequence[MissedCall]) -> MissedSummary:
    return MissedSummary(
        by_responsible=dict(Counter(m.responsible for m in missed if m.is_finding).most_common()),
        by_hour=dict(sorted(Counter(m.hour for m in missed).items())),
        total=len(missed),
        called_back=sum(1 for m in missed if not m.is_finding),
    )
