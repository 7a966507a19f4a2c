"""What every route of the review app shares: its settings, who is signed in, and the role checks.

Each route opens its own short transaction with `state.sessions.begin()`, so a
state-changing request is committed before its response goes out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from pipeline.review.auth import (
    SESSION_COOKIE,
    SESSION_LIFETIME,
    LoginLimiter,
    SignedIn,
    csrf_ok,
    signed_in,
    start_session,
)
from pipeline.audio import AudioError
from pipeline.review.audio import PUBLIC_REASONS, stored_recording, verified_call
from pipeline.review.callview import CallView, load_call_view
from pipeline.settings import DEFAULT_RECORDINGS
from pipeline.storage.reviews import ReviewAction, can_see, record_action, seller_of_analysis, verify_password

CSRF_HEADER = "X-CSRF-Token"
MAX_ID = 2**63 - 1  # the largest id a database row can have
MAX_PAGE = 1_000_000  # far past the last page; keeps the query's OFFSET within a 64-bit integer
log = logging.getLogger("callqa.review")


@dataclass
class ReviewSettings:
    sessions: sessionmaker[Session]
    cache_dir: Path  # transcoded audio for codecs browsers don't play
    secure_cookies: bool = False  # set behind HTTPS, so the cookie never travels in clear
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    recordings_root: Path = DEFAULT_RECORDINGS  # audio is served only from inside it


class LoginRequired(Exception):
    """Raised by `signed`; pages answer with the login form, the API with 401."""


def settings(request: Request) -> ReviewSettings:
    return request.app.state.review  # type: ignore[no-any-return]


def signed(request: Request) -> SignedIn:
    """The signed-in user, or LoginRequired."""
    with settings(request).sessions.begin() as session:
        who = signed_in(session, request.cookies.get(SESSION_COOKIE))
    if who is None:
        raise LoginRequired()
    return who


@dataclass(frozen=True)
class LoginAttempt:
    token: str | None = None  # the new session's cookie value, on success
    who: SignedIn | None = None
    retry_after: int = 0  # seconds, when refused for too many failures


def attempt_login(request: Request, name: str, password: str) -> LoginAttempt:
    """Check a password under the rate limit; counts failures per client address and per name."""
    state = settings(request)
    keys = (f"ip:{request.client.host if request.client else '?'}", f"name:{name.strip().lower()}")
    wait = state.limiter.retry_after(*keys)
    if wait:
        return LoginAttempt(retry_after=wait)
    with state.sessions.begin() as session:
        user = verify_password(session, name.strip(), password)
        if user is None:
            state.limiter.failed(*keys)
            return LoginAttempt()
        token, who = start_session(session, user)
    state.limiter.succeeded(keys[1])
    return LoginAttempt(token, who)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="strict", secure=settings(request).secure_cookies, path="/")


def check_csrf(who: SignedIn, token: str | None) -> None:
    if not csrf_ok(who.csrf_token, token):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")


def visible_call(session: Session, who: SignedIn, analysis_id: int) -> None:
    """404 for an unknown call, 403 for a call this user may not see."""
    if not 0 < analysis_id <= MAX_ID:  # no such row; SQLite can't even bind a larger number
        raise HTTPException(404, f"call {analysis_id}: no such call")
    try:
        seller = seller_of_analysis(session, analysis_id)
    except LookupError:
        raise HTTPException(404, f"call {analysis_id}: no such call") from None
    if not can_see(who.user, seller):
        raise HTTPException(403, f"call {analysis_id}: not one of your calls")


def act(request: Request, who: SignedIn, analysis_id: int, kind: str, *, finding_idx: int | None = None,
        stage_id: str | None = None, score: float | None = None, comment: str | None = None,
        reason: str | None = None) -> ReviewAction:
    """Record one review action: 404 unknown call, 403 role, 422 a bad field (named in the message)."""
    with settings(request).sessions.begin() as session:
        visible_call(session, who, analysis_id)
        try:
            return record_action(session, who.user, analysis_id, kind, finding_idx=finding_idx,
                                 stage_id=stage_id, score=score, comment=comment, reason=reason)
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None


def call_view(request: Request, who: SignedIn, analysis_id: int) -> CallView:
    """The call as `who` may see it: 404 unknown, 403 not theirs."""
    with settings(request).sessions.begin() as session:
        visible_call(session, who, analysis_id)
        return load_call_view(session, analysis_id)


def audio_missing(exc: AudioError) -> HTTPException:
    """The 404 for audio that can't be served: the details for the log, no server path for the client.

    A decoder's message may quote the file's path, so only the reasons of
    `verified_call` are shown as they are.
    """
    log.warning("audio refused: %s", exc)
    shown = exc.reason if exc.reason in PUBLIC_REASONS else "файл не читается или не декодируется"
    return HTTPException(404, f"Запись недоступна: {shown}")


def call_recording(request: Request, who: SignedIn, analysis_id: int) -> tuple[str, str]:
    """(stored path, sha256) of a call `who` may see, once its files are checked to be what was analysed.

    404 when they are not (`pipeline.review.audio.verified_call`): missing, a
    symlink, outside the recordings root, or changed.
    """
    state = settings(request)
    with state.sessions.begin() as session:
        visible_call(session, who, analysis_id)
        recording = stored_recording(session, analysis_id)
    try:
        verified_call(recording, state.recordings_root)
    except (AudioError, OSError) as exc:  # OSError: unreadable, or gone between the look and the read
        log.warning("audio of analysis %s at %s refused", analysis_id, recording.path)
        raise audio_missing(exc if isinstance(exc, AudioError) else AudioError(recording.path, str(exc))) from None
    return recording.path, recording.sha256


def parse_number(name: str, raw: str | None) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise ValueError(f"{name} {raw!r}: expected a number") from None


__all__ = ["CSRF_HEADER", "MAX_ID", "MAX_PAGE", "LoginAttempt", "LoginRequired", "ReviewSettings", "act", "audio_missing",
           "attempt_login", "call_recording", "call_view", "check_csrf", "parse_number", "set_session_cookie",
           "settings", "signed", "visible_call"]
