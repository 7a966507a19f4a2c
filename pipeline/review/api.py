"""The JSON API for integrations: the queue, a call, its findings, its review actions.

The same session cookie as the pages signs the caller in (POST /api/login);
every state-changing call must send the session's CSRF token in the
`X-CSRF-Token` header. The schema is FastAPI's OpenAPI at /api/openapi.json.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from pipeline.audio import AudioError
from pipeline.review.audio import peaks, recording_name
from pipeline.review.auth import SignedIn
from pipeline.review.callview import action_to_json, call_to_json
from pipeline.review.queue import QueueFilters, queue_page
from pipeline.review.web import (
    CSRF_HEADER,
    MAX_PAGE,
    act,
    attempt_login,
    audio_missing,
    call_recording,
    call_view,
    check_csrf,
    set_session_cookie,
    settings,
    signed,
    visible_call,
)
from pipeline.serialize import to_jsonable
from pipeline.storage.assignments import assign
from pipeline.storage.models import REVIEW_KINDS, AnalysisRow
from pipeline.storage.reviews import MAX_COMMENT, can_review

router = APIRouter(prefix="/api", tags=["review"])
Who = Annotated[SignedIn, Depends(signed)]
ReviewKind = Literal[REVIEW_KINDS]  # type: ignore[valid-type]


class LoginIn(BaseModel):
    name: str
    password: str


class ActionIn(BaseModel):
    kind: ReviewKind  # type: ignore[valid-type]
    finding_idx: int | None = Field(None, ge=0)
    stage_id: str | None = None
    score: float | None = Field(None, ge=0, le=100)
    comment: str | None = Field(None, max_length=MAX_COMMENT, description="optional; required for override_score and appeal_finding")
    reason: str | None = Field(None, max_length=100,
                               description="dismiss_finding only, and required there: a code from the standard's dismissal reasons")


MAX_BULK = 500  # calls in one bulk request


class BulkIn(BaseModel):
    analysis_ids: list[int] = Field(min_length=1, max_length=MAX_BULK)
    assignee: str | None = Field(None, max_length=200, description="assign: the reviewer's name; null takes the calls back")


@router.post("/login", summary="Sign in; sets the session cookie and returns the CSRF token")
def api_login(request: Request, body: LoginIn) -> JSONResponse:
    attempt = attempt_login(request, body.name, body.password)
    if attempt.retry_after:
        return JSONResponse({"detail": f"too many failed logins: try again in {attempt.retry_after} s"},
                            status_code=429, headers={"Retry-After": str(attempt.retry_after)})
    if attempt.token is None or attempt.who is None:
        raise HTTPException(401, "wrong name or password")
    response = JSONResponse({"user": attempt.who.user.name, "role": attempt.who.user.role,
                             "csrf_token": attempt.who.csrf_token})
    set_session_cookie(request, response, attempt.token)
    return response


@router.get("/me", summary="Who is signed in, and the CSRF token for state-changing calls")
def me(who: Who) -> dict[str, Any]:
    return {"user": who.user.name, "role": who.user.role, "seller": who.user.seller, "csrf_token": who.csrf_token}


@router.get("/queue", summary="Flagged and appealed calls, most severe finding first, then lowest score")
def api_queue(request: Request, who: Who, seller: str | None = None, date_from: date | None = None,
              date_to: date | None = None, finding: str | None = None, missing_stage: str | None = None,
              score_min: Annotated[float | None, Query(ge=0, le=100)] = None,
              score_max: Annotated[float | None, Query(ge=0, le=100)] = None,
              reviewed: Literal["any", "yes", "no"] = "any", all: bool = False,
              page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
              page_size: Annotated[int, Query(ge=1, le=200)] = 50,
              appeals: bool = False, mine: bool = False) -> dict[str, Any]:
    try:
        filters = QueueFilters(seller, date_from, date_to, finding, missing_stage, score_min, score_max,
                               reviewed, all, page, appeals, who.user.id if mine else None)
    except NulInFilter as exc:
        raise HTTPException(400, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    with settings(request).sessions.begin() as session:
        result = queue_page(session, who.user, filters, page_size)
    return to_jsonable({"total": result.total, "page": result.page, "pages": result.pages,
                        "page_size": result.page_size, "calls": [{**row.__dict__, "recording": recording_name(row.recording)}
                                                              for row in result.rows]})


@router.get("/calls/{analysis_id}", summary="One call: transcript, stages, findings, score, review state and trail")
def api_call(request: Request, analysis_id: int, who: Who) -> dict[str, Any]:
    return call_to_json(call_view(request, who, analysis_id))


@router.get("/calls/{analysis_id}/findings", summary="The call's findings with their latest review decision")
def api_findings(request: Request, analysis_id: int, who: Who) -> list[dict[str, Any]]:
    data = call_to_json(call_view(request, who, analysis_id))
    decisions = data["review"]["findings"]
    return [{"idx": i, **f, "review": decisions.get(str(i))} for i, f in enumerate(data["analysis"]["findings"])]


@router.get("/calls/{analysis_id}/actions", summary="The call's audit trail, oldest first")
def api_actions(request: Request, analysis_id: int, who: Who) -> list[dict[str, Any]]:
    return [action_to_json(a) for a in call_view(request, who, analysis_id).review.trail]


@router.post("/calls/{analysis_id}/actions", status_code=201,
             summary="Record a review action (confirm, dismiss, appeal, stage, override, reviewed)")
def api_act(request: Request, analysis_id: int, body: ActionIn, who: Who,
            x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None) -> dict[str, Any]:
    check_csrf(who, x_csrf_token)
    action = act(request, who, analysis_id, body.kind, finding_idx=body.finding_idx, stage_id=body.stage_id,
                 score=body.score, comment=body.comment)
    return action_to_json(action)


@router.get("/calls/{analysis_id}/peaks", summary="Waveform peaks per channel for the call page")
def api_peaks(request: Request, analysis_id: int, who: Who) -> dict[str, Any]:
    path, _ = call_recording(request, who, analysis_id)
    try:
        channels, duration = peaks(path)
    except AudioError as exc:
        raise audio_missing(exc) from None
    return {"duration": duration, "channels": channels}
