"""Signing in to the review app: server-side sessions, CSRF tokens, a brake on password guessing.

Why it is built this way:

- The cookie holds a random token only; the database keeps its sha256, the user
  and a per-session CSRF token. Signing out or deleting a user ends the session
  at once, and a copy of the database lets nobody in.
- The cookie is HttpOnly (scripts never read it) and SameSite=Strict (other
  sites' pages never send it). Every state-changing request must also carry the
  session's CSRF token: a form field, or the `X-CSRF-Token` header for the API.
- Failed logins are counted per client address and per user name in a sliding
  window; past the limit the answer is 429 with Retry-After, whatever the
  password. Counting both stops one address guessing many names and many
  addresses guessing one name.
- The limiter's table is bounded: a key longer than `MAX_KEY` characters is
  kept as its sha256, at most `max_keys` keys are kept (the least recently
  failed go first), only the last `max_failures` times per key, and a key whose
  failures have all left the window is dropped. A flood of 2 MB user names
  costs a fixed amount of memory.
- A disabled user's session stops working at once, whatever its expiry.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline.storage.models import WebSessionRow
from pipeline.storage.reviews import User, user_from_row

SESSION_COOKIE = "callqa_session"
SESSION_LIFETIME = timedelta(hours=12)
MAX_KEY = 200  # characters of a limiter key kept as they are; longer ones are kept as their sha256
MAX_KEYS = 10_000  # limiter keys in memory: about 10 MB when full (measured), whatever the names


@dataclass(frozen=True)
class SignedIn:
    user: User
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User) -> tuple[str, SignedIn]:
    """A new session for `user`: the cookie's token (never stored) and what the pages need."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))  # tidy as we go
    session.add(WebSessionRow(token_sha256=_digest(token), user_id=user.id, csrf_token=csrf,
                              created_at=now, expires_at=now + SESSION_LIFETIME))
    session.flush()
    return token, SignedIn(user, csrf)


def signed_in(session: Session, token: str | None) -> SignedIn | None:
    """Who holds this cookie token, if it is a live session."""
    if not token:
        return None
    row = session.scalars(select(WebSessionRow).where(WebSessionRow.token_sha256 == _digest(token))).one_or_none()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires < datetime.now(timezone.utc) or row.user.disabled_at is not None:
        return None
    return SignedIn(user_from_row(row.user), row.csrf_token)


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSessionRow).where(WebSessionRow.token_sha256 == _digest(token)))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


class LoginLimiter:
    """At most `max_failures` failed logins per key in `window_s` seconds (in this process).

    Memory is bounded by `max_keys` keys of at most ~`MAX_KEY` characters, each
    with at most `max_failures` times.
    """

    def __init__(self, max_failures: int = 5, window_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()  # least recently failed first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._failures)

    @staticmethod
    def key(raw: str) -> str:
        """The table's key for `raw`: itself when short, else a fixed-size digest of it."""
        if len(raw) <= MAX_KEY:
            return raw
        return "sha256:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        """The key's failures still in the window; an entry left empty is dropped."""
        seen = self._failures.get(key)
        if seen is None:
            return None
        while seen and seen[0] <= now - self.window_s:
            seen.popleft()
        if not seen:
            del self._failures[key]
            return None
        return seen

    def retry_after(self, *keys: str) -> int:
        """Seconds until any of `keys` may try again; 0 when none is blocked."""
        now = self._clock()
        with self._lock:
            waits = [seen[0] + self.window_s - now for key in keys
                     if (seen := self._recent(self.key(key), now)) is not None and len(seen) >= self.max_failures]
        return max(1, int(max(waits)) + 1) if waits else 0

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for raw in keys:
                key = self.key(raw)
                seen = self._recent(key, now)
                if seen is None:
                    seen = self._failures[key] = deque(maxlen=self.max_failures)
                seen.append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, name_key: str) -> None:
        with self._lock:
            self._failures.pop(self.key(name_key), None)


__all__ = ["MAX_KEY", "MAX_KEYS", "LoginLimiter", "SESSION_COOKIE", "SESSION_LIFETIME", "SignedIn", "csrf_ok", "end_session",
           "signed_in", "start_session"]
