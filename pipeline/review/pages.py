"""The review app's HTML pages: sign in, the queue, the call page and its review forms.

Jinja2 escapes every value (transcripts are untrusted text); scripts come
only from /static (the Content-Security-Policy forbids inline ones).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.audio import AudioError
from pipeline.privacy.masking import mask_phone_numbers
from pipeline.reports.period import Period, period_between
from pipeline.reports.queries import SellerScorecard, load_period, seller_scorecard
from pipeline.review.audio import audio_available, playable, toned_playable
from pipeline.review.auth import SESSION_COOKIE, SignedIn, end_session
from pipeline.review.callview import labelled_truth, truth_file_name
from pipeline.review.labels import (
    ACTION_TITLES,
    ROLE_TITLES,
    SEVERITY_TITLES,
    SPEAKER_TITLES,
    clock_time,
    evidence_text,
    finding_title,
    flag_reason,
    local_time,
    parse_day,
    ru_day,
    zone_label,
)
from pipeline.review.privacy import clear_export, log_clear, masks, number_tail, role_spans, shown_call, shown_rows
from pipeline.review.queue import filter_choices, queue_page
from pipeline.review.queueform import filter_errors, queue_filters
from pipeline.review.standards import any_standard, reason_problem, standard_info
from pipeline.review.web import (
    LoginRequired,
    act,
    attempt_login,
    audio_missing,
    call_recording,
    call_view,
    check_csrf,
    parse_number,
    set_session_cookie,
    settings,
    signed,
)
from pipeline.storage.assignments import reviewers
from pipeline.storage.models import RecordingRow
from pipeline.storage.reviews import DATABASE_REVIEWS, can_review

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.0f}%"


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


TEMPLATES.env.filters.update(
    mmss=_mmss, basename=lambda path: Path(str(path)).name, percent=_percent, number=_number,
    action_label=lambda kind: ACTION_TITLES.get(kind, kind), severity_label=lambda s: SEVERITY_TITLES.get(s, s),
    speaker_label=lambda speaker: SPEAKER_TITLES.get(speaker, speaker), finding_title=finding_title,
    role_label=lambda role: ROLE_TITLES.get(role, role), flag_reason=flag_reason, ru_day=ru_day,
    evidence=evidence_text, clock=clock_time, phone_masked=mask_phone_numbers, number_tail=number_tail)
router = APIRouter(include_in_schema=False)
Who = Annotated[SignedIn, Depends(signed)]


def _signed_or_none(request: Request) -> SignedIn | None:
    try:
        return signed(request)
    except LoginRequired:
        return None


def page(request: Request, name: str, who: SignedIn | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page; an error page finds its signed-in user itself, so a 403 keeps the navigation and «Выйти»."""
    if who is None and name == "error.html" and request.cookies.get(SESSION_COOKIE):
        who = _signed_or_none(request)
    zone = context.pop("zone", None) or any_standard().timezone
    when = lambda moment: local_time(moment, zone)  # noqa: E731 - a filter bound to this page's zone
    return TEMPLATES.TemplateResponse(request, name, {"who": who, "when": when, "zone": zone_label(zone), **context},
                                      status_code=status_code)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: «//evil.example» and «https://…» would send the user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


@router.get("/login")
def login_form(request: Request, next: str = "/queue") -> HTMLResponse:
    return page(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login")
def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/queue") -> Response:
    attempt = attempt_login(request, name, password)
    if attempt.retry_after:
        refused = page(request, "login.html", None, status_code=429, next=_safe_next(next),
                       error=f"Слишком много неудачных попыток. Попробуйте через {attempt.retry_after} с.")
        refused.headers["Retry-After"] = str(attempt.retry_after)
        return refused
    if attempt.token is None:
        return page(request, "login.html", None, status_code=401, next=_safe_next(next),
                    error="Неверное имя или пароль")
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, attempt.token)
    return response


@router.post("/logout")
def logout(request: Request, who: Who, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(who, csrf_token)
    with settings(request).sessions.begin() as session:
        end_session(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(who: Who) -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue(request: Request, who: Who) -> HTMLResponse:
    with filter_errors():
        filters = queue_filters(request.query_params, who)
    with settings(request).sessions.begin() as session:
        result = queue_page(session, who.user, filters)
        result = replace(result, rows=shown_rows(who, result.rows))
        choices = filter_choices(session, who.user)
        team = [r.name for r in reviewers(session)] if can_review(who.user) else []
    base = {k: v for k, v in request.query_params.items() if k != "page" and v}

    def page_url(n: int) -> str:
        return "/queue?" + urlencode({**base, "page": n})

    export_query = urlencode(base)
    return page(request, "queue.html", who, result=result, choices=choices, filters=filters, page_url=page_url,
                info=any_standard(), reviewers=team, lead=can_review(who.user), export_query=export_query,
                tab=_tab(request.query_params))


def _tab(params: Any) -> str:
    """Which of the queue's inboxes the page is: the tab drawn as current."""
    if params.get("appeals"):
        return "appeals"
    if params.get("mine"):
        return "mine"
    if params.get("reviewed") == "yes":
        return "reviewed"
    if params.get("all"):
        return "all"
    return "todo"


@router.get("/call/{analysis_id}")
def call_page(request: Request, analysis_id: int, who: Who, t: float | None = None) -> HTMLResponse:
    view = shown_call(request, who, analysis_id)
    audio_ok = audio_available(view.recording_path)
    info = standard_info(view.analysis.standard_id)
    with settings(request).sessions.begin() as session:
        next_id = _next_unreviewed(session, who, analysis_id)
    return page(request, "call.html", who, view=view, a=view.analysis, audio_ok=audio_ok, start_at=t or 0.0,
                reviewer=can_review(who.user), is_seller=who.user.role == "seller", info=info, zone=info.timezone,
                stage_scores={s.stage_id: s for s in view.analysis.score.stages}, next_id=next_id,
                reason_titles=dict(info.dismiss_reasons))


def _next_unreviewed(session: Session, who: SignedIn, current: int) -> int | None:
    """The first call of the default queue after this one: where «сохранить и следующий» goes."""
    rows = queue_page(session, who.user, queue_filters({}, who), 200).rows
    return next((r.analysis_id for r in rows if r.analysis_id != current), None)


@router.post("/call/{analysis_id}/action")
def call_action(request: Request, analysis_id: int, who: Who, kind: Annotated[str, Form()],
                csrf_token: Annotated[str, Form()] = "", finding_idx: Annotated[str, Form()] = "",
                stage_id: Annotated[str, Form()] = "", score: Annotated[str, Form()] = "",
                comment: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    """The same actions as the API, for a browser without JavaScript: answers with the page again."""
    check_csrf(who, csrf_token)
    if finding_idx and not (finding_idx.isdecimal() and len(finding_idx) <= 9):  # isdigit() lets «²» through to int()
        raise HTTPException(422, f"finding_idx {finding_idx!r}: expected a finding number")
    try:
        value = parse_number("score", score)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    # a seller's forbidden kinds stay 403 (from `act`), not a reason error
    problem = can_review(who.user) and reason_problem(
        standard_info(call_view(request, who, analysis_id).analysis.standard_id), kind, reason or None)
    if problem:
        raise HTTPException(422, problem)
    act(request, who, analysis_id, kind, finding_idx=int(finding_idx) if finding_idx else None,
        stage_id=stage_id or None, score=value, comment=comment, reason=reason or None)
    return RedirectResponse(f"/call/{analysis_id}#review", status_code=303)


@router.get("/call/{analysis_id}/audio")
def call_audio(request: Request, analysis_id: int, who: Who) -> Response:
    """The recording: with a tone over personal data for a coach or a seller; in clear for a QA
    lead or an admin, logged once per playback (the browser's first request, from byte 0)."""
    path, sha256 = call_recording(request, who, analysis_id)
    try:
        spans = []
        if masks(who):
            spans = role_spans(request, who, call_view(request, who, analysis_id))
        if spans:
            found = toned_playable(path, sha256, settings(request).cache_dir, [(s.start, s.end) for s in spans])
        else:  # nothing to hide from this reader: the recording as it is
            found = playable(path, sha256, settings(request).cache_dir)
    except AudioError as exc:
        raise audio_missing(exc) from None
    if not masks(who) and request.headers.get("range", "bytes=0-").replace(" ", "").startswith("bytes=0-"):
        log_clear(request, who, "stream_audio", [analysis_id])
    return FileResponse(found.path, media_type=found.media_type)  # answers Range requests with 206


@router.get("/call/{analysis_id}/truth.json")
def call_truth(request: Request, analysis_id: int, who: Who, clear: bool = False) -> JSONResponse:
    """The reviewed call as a `callqa eval` sidecar (QA leads, admins and coaches): masked, or in
    clear for an admin who asks (`clear=1`), logged."""
    if who.user.role == "seller":
        raise HTTPException(403, "the labelled export is for QA leads, admins and coaches")
    clear = clear_export(who, clear)
    view = replace(call_view(request, who, analysis_id), masked=not clear)
    if clear:
        log_clear(request, who, "export_sidecar", [analysis_id])
    return JSONResponse(labelled_truth(view), headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(truth_file_name(view))}"})


@router.get("/scorecards")
def scorecards(request: Request, who: Who, date_from: str = "", date_to: str = "") -> HTMLResponse:
    """The scorecards in the app: a seller their own, a coach or a QA lead every seller's, as tables."""
    info = any_standard()
    with settings(request).sessions.begin() as session:
        try:
            period = _period(session, parse_day("date_from", date_from), parse_day("date_to", date_to))
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        cards: list[SellerScorecard] = []
        if period is not None:
            data = load_period(session, period, info.timezone, DATABASE_REVIEWS)
            names = [who.user.seller] if who.user.role == "seller" else sorted({c.seller for c in data.calls if c.seller})
            cards = [seller_scorecard(session, data, name, reviews=DATABASE_REVIEWS) for name in names if name]
    return page(request, "scorecards.html", who, cards=cards, period=period, info=info,
                own=who.user.role == "seller", masked=masks(who))


def _period(session: Session, first: date | None, last: date | None) -> Period | None:
    """The chosen days, else from the first to the last stored call (None: no calls yet)."""
    if first is None or last is None:
        lo, hi = session.execute(select(func.min(RecordingRow.started_at), func.max(RecordingRow.started_at))).one()
        if lo is None:
            return None
        first, last = first or lo.date(), last or hi.date()
    if first > last:
        raise ValueError(f"date_from {ru_day(first)} is after date_to {ru_day(last)}")
    return period_between(first, last)
