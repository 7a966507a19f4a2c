"""The access log: every time personal data left callqa in clear, who took it, when, of which call.

Append-only: this module only adds and reads, and the database itself refuses an UPDATE or DELETE
of `access_log` (triggers of migration 0010), so not even a purge or a hand-written query rewrites
it. A security officer asks «who saw this client's number?»: `callqa access-log --call ID` answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pipeline.storage.models import AccessLogRow, utcnow

# what was taken in clear
ACCESS_ACTIONS: tuple[str, ...] = (
    "view_call",  # the call page or the call's JSON, unmasked
    "stream_audio",  # the recording, without the tone over personal data
    "export_queue",  # the queue's CSV or XLSX with clients' numbers and file names in clear
    "export_sidecar",  # a `callqa eval` sidecar with the recording's path in clear
)


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    user: str
    role: str
    action: str
    analysis_id: int | None
    detail: str


def record_access(session: Session, user: str, role: str, action: str, analysis_ids: Iterable[int | None],
                  detail: str = "") -> int:
    """One entry per call (an export of 300 calls is 300 entries: «which call» stays answerable);
    the caller commits. Returns how many were written."""
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"access log: unknown action {action!r} (one of {', '.join(ACCESS_ACTIONS)})")
    now = utcnow()
    rows = [{"at": now, "user_name": user, "role": role, "action": action, "analysis_id": aid, "detail": detail}
            for aid in analysis_ids]
    if rows:
        session.execute(insert(AccessLogRow), rows)
    return len(rows)


def read_access_log(session: Session, analysis_id: int | None = None, user: str | None = None,
                    since: datetime | None = None, limit: int | None = None) -> Sequence[AccessEntry]:
    """Entries oldest first, narrowed to one call, one user, or from a moment on; `limit`: the newest N."""
    query = select(AccessLogRow).order_by(AccessLogRow.id.desc())
    if analysis_id is not None:
        query = query.where(AccessLogRow.analysis_id == analysis_id)
    if user is not None:
        query = query.where(AccessLogRow.user_name == user)
    if since is not None:
        query = query.where(AccessLogRow.at >= since)
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.scalars(query))
    return [AccessEntry(r.at, r.user_name, r.role, r.action, r.analysis_id, r.detail) for r in reversed(rows)]


__all__ = ["ACCESS_ACTIONS", "AccessEntry", "read_access_log", "record_access"]
