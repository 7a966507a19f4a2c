"""A client's calls as one thread, and two sellers working the same client.

The article asks that every client have one responsible seller: two sellers
calling the same client within a short time compete, confuse the client and
split the commission. The client is recognised by the normalised number, so
"+7 916…", "8 916…" and "916…" are one client.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

UNKNOWN_SELLER = "unknown"


@dataclass(frozen=True)
class ThreadCall:
    call_id: str
    client_number: str  # E.164
    seller: str
    started_at: datetime


@dataclass(frozen=True)
class ParallelWork:
    client_number: str
    first: ThreadCall
    second: ThreadCall  # a later call of the same client, by another seller

    @property
    def gap(self) -> timedelta:
        return self.second.started_at - self.first.started_at


def client_threads(calls: Iterable[ThreadCall]) -> dict[str, list[ThreadCall]]:
    """Each client's calls in time order."""
    threads: dict[str, list[ThreadCall]] = {}
    for call in sorted(calls, key=lambda c: c.started_at):
        threads.setdefault(call.client_number, []).append(call)
    return threads


def parallel_work(calls: Iterable[ThreadCall], window: timedelta = timedelta(days=14)) -> list[ParallelWork]:
    """Each call whose client another seller handled within `window` before it.

    A call by an unknown seller proves nothing either way, so it is skipped; a
    seller calling the same client twice is his own thread, not parallel work.
    """
    found: list[ParallelWork] = []
    for number, thread in client_threads(calls).items():
        known = [c for c in thread if c.seller != UNKNOWN_SELLER]
        for i, call in enumerate(known):
            earlier = next(
                (p for p in reversed(known[:i])
                 if p.seller != call.seller and call.started_at - p.started_at <= window),
                None,
            )
            if earlier is not None:
                found.append(ParallelWork(number, earlier, call))
    return found
