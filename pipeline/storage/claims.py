"""Claims: which worker analyses which call, so that several workers on one inbox never
transcribe a call twice.

A claim is a row keyed by the call's analysis key with a lease. The worker renews the
lease while it works (`held_claim`), so a lease can be short: a crashed worker's claim
outlives it by one lease at most, and then any worker may take the call over.

Taking a free claim is one insert-if-absent on either backend. Taking over an expired
one is `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (a worker never waits on a row
another is taking) and a conditional UPDATE on SQLite (whose writers are serialised).
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from pipeline.settings import seconds_env
from pipeline.storage.models import ClaimRow

LEASE_ENV = "CALLQA_CLAIM_LEASE_S"
DEFAULT_LEASE_S = 60.0


def claim_lease() -> timedelta:
    """$CALLQA_CLAIM_LEASE_S, else 60 s: how long a dead worker's call waits for another."""
    return timedelta(seconds=seconds_env(LEASE_ENV, DEFAULT_LEASE_S))


def worker_id() -> str:
    """Who holds a claim, as an operator would look for it: host, process, and a nonce.

    One per process, made in that process: a forked worker must not share its parent's."""
    return _worker_of(os.getpid())


@lru_cache(maxsize=None)
def _worker_of(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{secrets.token_hex(3)}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def try_claim(session: Session, key: str, worker: str, lease: timedelta | None = None) -> bool:
    """Claim `key` for `worker`; False while another worker's lease runs."""
    lease = lease or claim_lease()
    now = _now()
    values = {"key": key, "worker": worker, "claimed_at": now, "expires_at": now + lease}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = session.execute(insert(ClaimRow).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    if inserted.rowcount == 1:
        return True
    if dialect == "postgresql":
        expired = session.scalars(
            select(ClaimRow).where(ClaimRow.key == key, ClaimRow.expires_at < now)
            .with_for_update(skip_locked=True)
        ).one_or_none()
        if expired is None:
            return False
        expired.worker, expired.claimed_at, expired.expires_at = worker, now, now + lease
        session.flush()
        return True
    taken = session.execute(
        update(ClaimRow).where(ClaimRow.key == key, ClaimRow.expires_at < now).values(**values)
    )
    return taken.rowcount == 1


def renew(session: Session, key: str, worker: str, lease: timedelta | None = None) -> bool:
    """Extend the lease; False if the claim is no longer this worker's."""
    lease = lease or claim_lease()
    result = session.execute(
        update(ClaimRow).where(ClaimRow.key == key, ClaimRow.worker == worker).values(expires_at=_now() + lease)
    )
    return result.rowcount == 1


def release(session: Session, key: str, worker: str) -> None:
    session.execute(delete(ClaimRow).where(ClaimRow.key == key, ClaimRow.worker == worker))


def holder(session: Session, key: str) -> str | None:
    return session.scalar(select(ClaimRow.worker).where(ClaimRow.key == key))


@dataclass(frozen=True)
class ClaimResult:
    held: bool
    holder: str | None = None  # who has it, when this worker does not


@contextmanager
def held_claim(sessions: sessionmaker[Session], key: str, worker: str,
               lease: timedelta | None = None) -> Iterator[ClaimResult]:
    """Hold the claim on `key` for the block, renewing it in the background; release it after.

    Yields whether the claim was had: a worker that did not get it must leave the call.
    """
    lease = lease or claim_lease()
    with sessions.begin() as session:
        held = try_claim(session, key, worker, lease)
        other = None if held else holder(session, key)
    if not held:
        yield ClaimResult(False, other)
        return
    stop = threading.Event()
    renewer = threading.Thread(target=_keep_renewing, args=(sessions, key, worker, lease, stop),
                               name=f"claim-renewer {key[:12]}", daemon=True)
    renewer.start()
    try:
        yield ClaimResult(True)
    finally:
        stop.set()
        renewer.join()
        with sessions.begin() as session:
            release(session, key, worker)


def _keep_renewing(sessions: sessionmaker[Session], key: str, worker: str, lease: timedelta,
                   stop: threading.Event) -> None:
    while not stop.wait(lease.total_seconds() / 3):
        try:
            with sessions.begin() as session:
                renew(session, key, worker, lease)
        except Exception:  # noqa: BLE001 - a missed renewal only shortens the lease; the work goes on
            continue
