"""The review app's HTML pages: sign in, the queue, the call page and its review forms.

Jinja2 escapes every value (transcripts are untrusted text); scripts come
only from /static (the Content-Security-Policy forbids inline ones).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pipeline.audio import AudioError
from pipeline.review.audio import audio_available, playable
from pipeline.review.auth import SESSION_COOKIE, SignedIn, end_session
from pipeline.review.callview import labelled_truth, truth_file_name
from pipeline.review.queue import filter_choices, queue_page
from pipeline.review.web import (
    act,
    attempt_login,
    audio_missing,
    call_recording,
    call_view,
    check_csrf,
    filters_from,
    parse_number,
    set_session_cookie,
    settings,
    signed,
)
from pipeline.storage.reviews import can_review

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
ACTION_LABELS = {
    "confirm_finding": "подтверждено (confirmed)", "dismiss_finding": "отклонено (dismissed)",
    "appeal_finding": "апелляция (appeal)", "stage_present": "этап есть (stage present)",
    "stage_absent": "этапа нет (stage absent)", "override_score": "балл исправлен (score override)",
    "mark_reviewed": "проверено (reviewed)",
}
SPEAKER_LABELS = {"seller": "Продавец", "client": "Клиент"}


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


TEMPLATES.env.filters.update(
    mmss=_mmss, when=_when, basename=lambda path: Path(str(path)).name,
    action_label=lambda kind: ACTION_LABELS.get(kind, kind),
    speaker_label=lambda speaker: SPEAKER_LABELS.get(speaker, speaker))
router = APIRouter(include_in_schema=False)
Who = Annotated[SignedIn, Depends(signed)]


def page(request: Request, name: str, who: SignedIn | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, {"who": who, **context}, status_code=status_code)


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
                       error=f"Слишком много неудачных попыток. Попробуйте через {attempt.retry_after} с. "
                             f"(Too many failed attempts: try again in {attempt.retry_after} s.)")
        refused.headers["Retry-After"] = str(attempt.retry_after)
        return refused
    if attempt.token is None:
        return page(request, "login.html", None, status_code=401, next=_safe_next(next),
                    error="Неверное имя или пароль (wrong name or password)")
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
    try:
        filters = filters_from(request.query_params)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    with settings(request).sessions.begin() as session:
        result = queue_page(session, who.user, filters)
        choices = filter_choices(session, who.user)
    base = {k: v for k, v in request.query_params.items() if k != "page" and v}

    def page_url(n: int) -> str:
        return "/queue?" + urlencode({**base, "page": n})

    return page(request, "queue.html", who, result=result, choices=choices, filters=filters, page_url=page_url)


@router.get("/call/{analysis_id}")
def call_page(request: Request, analysis_id: int, who: Who, t: float | None = None) -> HTMLResponse:
    view = call_view(request, who, analysis_id)
    audio_ok = audio_available(view.recording_path)
    return page(request, "call.html", who, view=view, a=view.analysis, audio_ok=audio_ok, start_at=t or 0.0,
                reviewer=can_review(who.user), is_seller=who.user.role == "seller",
                stage_scores={s.stage_id: s for s in view.analysis.score.stages})


@router.post("/call/{analysis_id}/action")
def call_action(request: Request, analysis_id: int, who: Who, kind: Annotated[str, Form()],
                csrf_token: Annotated[str, Form()] = "", finding_idx: Annotated[str, Form()] = "",
                stage_id: Annotated[str, Form()] = "", score: Annotated[str, Form()] = "",
                comment: Annotated[str, Form()] = "") -> Response:
    check_csrf(who, csrf_token)
    if finding_idx and not (finding_idx.isdecimal() and len(finding_idx) <= 9):  # isdigit() lets «²» through to int()
        raise HTTPException(422, f"finding_idx {finding_idx!r}: expected a finding number")
    try:
        value = parse_number("score", score)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    act(request, who, analysis_id, kind, finding_idx=int(finding_idx) if finding_idx else None,
        stage_id=stage_id or None, score=value, comment=comment)
    return RedirectResponse(f"/call/{analysis_id}#review", status_code=303)


@router.get("/call/{analysis_id}/audio")
def call_audio(request: Request, analysis_id: int, who: Who) -> Response:
    path, sha256 = call_recording(request, who, analysis_id)
    try:
        found = playable(path, sha256, settings(request).cache_dir)
    except AudioError as exc:
        raise audio_missing(exc) from None
    return FileResponse(found.path, media_type=found.media_type)  # answers Range requests with 206


@router.get("/call/{analysis_id}/truth.json")
def call_truth(request: Request, analysis_id: int, who: Who) -> JSONResponse:
    """The reviewed call as a `callqa eval` sidecar (QA leads, admins and coaches)."""
    if who.user.role == "seller":
        raise HTTPException(403, "the labelled export is for QA leads, admins and coaches")
    view = call_view(request, who, analysis_id)
    return JSONResponse(labelled_truth(view), headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(truth_file_name(view))}"})
