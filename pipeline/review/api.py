"""The JSON API for integrations: the queue, a call, its findings, its review actions.

The same session cookie as the pages signs the caller in (POST /api/login);
every state-changing call must send the session's CSRF token in the
`X-CSRF-Token` header. The schema is FastAPI's OpenAPI at /api/openapi.json.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from pipeline.audio import AudioError
from pipeline.review.audio import peaks, recording_name
from pipeline.review.auth import SignedIn
from pipeline.review.callview import action_to_json, call_to_json
from pipeline.review.export import export_tables, to_csv, to_xlsx
from pipeline.review.privacy import clear_export, log_clear, shown_call, shown_rows
from pipeline.review.queue import QueueFilters, queue_page
from pipeline.review.queueform import filter_errors, queue_filters
from pipeline.review.standards import StandardInfo, any_standard, reason_problem, standard_info
from pipeline.review.web import (
    CSRF_HEADER,
    MAX_PAGE,
    act,
    attempt_login,
    audio_missing,
    call_recording,
    check_csrf,
    set_session_cookie,
    settings,
    signed,
    visible_call,
)
from pipeline.serialize import to_jsonable
from pipeline.storage.assignments import assign
from pipeline.storage.models import REVIEW_KINDS, AnalysisRow, ScoreRow
from pipeline.storage.reviews import MAX_COMMENT, can_review, record_action, review_state

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
MAX_ID = 2**31 - 1  # beyond any stored id, and within every database's integer (a larger one was a 500 on SQLite)


class BulkIn(BaseModel):
    analysis_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=MAX_BULK)
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
    with filter_errors():
        filters = QueueFilters(seller, date_from, date_to, finding, missing_stage, score_min, score_max,
                               reviewed, all, page, appeals, who.user.id if mine else None)
    with settings(request).sessions.begin() as session:
        result = queue_page(session, who.user, filters, page_size)
    rows = shown_rows(who, result.rows)
    return to_jsonable({"total": result.total, "page": result.page, "pages": result.pages,
                        "page_size": result.page_size, "calls": [{**row.__dict__, "recording": recording_name(row.recording)}
                                                              for row in rows]})


@router.get("/calls/{analysis_id}", summary="One call: transcript, stages, findings, score, review state and trail")
def api_call(request: Request, analysis_id: int, who: Who) -> dict[str, Any]:
    return call_to_json(shown_call(request, who, analysis_id))


@router.get("/calls/{analysis_id}/findings", summary="The call's findings with their latest review decision")
def api_findings(request: Request, analysis_id: int, who: Who) -> list[dict[str, Any]]:
    data = call_to_json(shown_call(request, who, analysis_id))
    decisions = data["review"]["findings"]
    return [{"idx": i, **f, "review": decisions.get(str(i))} for i, f in enumerate(data["analysis"]["findings"])]


@router.get("/calls/{analysis_id}/actions", summary="The call's audit trail, oldest first")
def api_actions(request: Request, analysis_id: int, who: Who) -> list[dict[str, Any]]:
    return [action_to_json(a) for a in shown_call(request, who, analysis_id, log=False).review.trail]


@router.post("/calls/{analysis_id}/actions", status_code=201,
             summary="Record a review action (confirm, dismiss, appeal, stage, override, reviewed)")
def api_act(request: Request, analysis_id: int, body: ActionIn, who: Who,
            x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None) -> dict[str, Any]:
    check_csrf(who, x_csrf_token)
    # a seller's forbidden kinds stay 403 (from `act`), not a reason error
    problem = can_review(who.user) and reason_problem(call_standard(request, who, analysis_id), body.kind, body.reason)
    if problem:
        raise HTTPException(422, problem)
    action = act(request, who, analysis_id, body.kind, finding_idx=body.finding_idx, stage_id=body.stage_id,
                 score=body.score, comment=body.comment, reason=body.reason)
    return {**action_to_json(action), "call": _call_state(request, analysis_id)}


def _call_state(request: Request, analysis_id: int) -> dict[str, Any]:
    """What the call page redraws in place after an action: the review state only, not the whole
    analysis (its transcript is most of an action's time otherwise)."""
    with settings(request).sessions.begin() as session:
        state = review_state(session, analysis_id)
        automatic = session.scalar(select(ScoreRow.score).where(ScoreRow.analysis_id == analysis_id))
    override = state.score_override
    score = override.score if override and override.score is not None else automatic
    return {"score": score, "reviewed": state.reviewed, "appealed": bool(state.appealed)}


def call_standard(request: Request, who: SignedIn, analysis_id: int) -> StandardInfo:
    """The call's standard as the app knows it: 404 unknown call, 403 not theirs."""
    with settings(request).sessions.begin() as session:
        visible_call(session, who, analysis_id)
        return standard_info(session.scalar(select(AnalysisRow.standard_id).where(AnalysisRow.id == analysis_id)))


def _lead(who: SignedIn) -> None:
    if not can_review(who.user):
        raise HTTPException(403, "назначать звонки и отмечать их проверенными могут руководитель ОКК и администратор")


@router.post("/queue/assign", summary="Give calls to a reviewer (assignee null: take them back)")
def api_assign(request: Request, body: BulkIn, who: Who,
               x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None) -> dict[str, Any]:
    check_csrf(who, x_csrf_token)
    _lead(who)
    with settings(request).sessions.begin() as session:
        try:
            changed = assign(session, who.user, body.analysis_ids, body.assignee)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    return {"assigned": changed, "assignee": body.assignee}


@router.post("/queue/reviewed", summary="Mark several calls reviewed at once")
def api_mark_reviewed(request: Request, body: BulkIn, who: Who,
                      x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None) -> dict[str, Any]:
    check_csrf(who, x_csrf_token)
    _lead(who)
    ids = sorted(set(body.analysis_ids))
    # one transaction: an unknown or hidden call refuses the whole request, not the calls after it
    with settings(request).sessions.begin() as session:
        for aid in ids:
            visible_call(session, who, aid)
        for aid in ids:
            record_action(session, who.user, aid, "mark_reviewed")
    return {"reviewed": len(ids)}


@router.get("/queue/export.{fmt}", summary="The queue (every page) and its decisions as CSV or XLSX")
def api_export(request: Request, fmt: Literal["csv", "xlsx"], who: Who,
               table: Literal["queue", "decisions"] = "queue", clear: bool = False) -> Response:
    """The same filters as the queue page; CSV holds one table (`table=`), XLSX both as sheets.
    Clients' numbers masked, unless an admin asks with `clear=1` (logged, one entry per call)."""
    clear = clear_export(who, clear)
    with filter_errors():
        filters = queue_filters(request.query_params, who)
    with settings(request).sessions.begin() as session:
        tables = export_tables(session, who.user, filters, any_standard(), clear)
    if clear:
        log_clear(request, who, "export_queue", [row[0] for row in tables[0].rows])
    if fmt == "xlsx":
        body, media = to_xlsx(tables), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = "callqa-queue.xlsx"
    else:
        body, media = to_csv(tables[0] if table == "queue" else tables[1]), "text/csv; charset=utf-8"
        name = f"callqa-{table}.csv"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/calls/{analysis_id}/peaks", summary="Waveform peaks per channel for the call page")
def api_peaks(request: Request, analysis_id: int, who: Who) -> dict[str, Any]:
    path, sha256 = call_recording(request, who, analysis_id)
    try:
        channels, duration = peaks(path, sha256)
    except AudioError as exc:
        raise audio_missing(exc) from None
    return {"duration": duration, "channels": channels}
