"""Personal data in the review app: what each role is shown, and the log of what was shown in clear.

`qa_lead` and `admin` see a call in clear, and each such view, clear audio stream and clear export
goes to the access log (`pipeline.storage.access_log`). `coach` and `seller` get the call masked:
the transcript, quotes, details, review comments, the client's number and the file name, and audio
with a tone over each span. A seller keeps their own name. Exports and sidecars are masked for
everyone unless an admin asks for them in clear (`clear=1`), and that is logged too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy.exc import IntegrityError

from pipeline.privacy.masking import (MASKED_ROLES, PBX_PHONE, mask_analysis, mask_phone_numbers, spans_to_mask,
                                      text_masker)
from pipeline.privacy.spans import LABELS, PersonalSpan
from pipeline.privacy.stored import spans_of
from pipeline.review.auth import SignedIn
from pipeline.review.callview import CallView
from pipeline.review.queue import QueueRow
from pipeline.review.standards import standard_by_id
from pipeline.review.web import call_view, settings
from pipeline.storage.access_log import record_access
from pipeline.storage.personal_data import load_personal_spans
from pipeline.storage.reviews import ReviewAction, ReviewState

CLEAR_EXPORT_ROLE = "admin"  # the one role that may take personal data out of the app in clear


def masks(who: SignedIn) -> bool:
    return who.user.role in MASKED_ROLES


def role_spans(request: Request, who: SignedIn, view: CallView) -> list[PersonalSpan]:
    """The spans `who` must not read or hear (a call never scanned is scanned now)."""
    sessions = settings(request).sessions
    try:
        with sessions.begin() as session:
            spans = spans_of(session, view.analysis_id, standard_by_id)
    except IntegrityError:  # another request scanned the call at the same moment: read what it stored
        with sessions.begin() as session:
            spans = load_personal_spans(session, view.analysis_id)
    own = who.user.seller if who.user.role == "seller" else None
    return spans_to_mask(spans, view.analysis.transcript, who.user.role, own)


def _masked_action(action: ReviewAction | None, walk: Callable[[Any], Any]) -> Any:
    return action if action is None or action.comment is None else replace(action, comment=walk(action.comment))


def _masked_review(state: ReviewState, walk: Callable[[Any], Any]) -> ReviewState:
    """Reviewers' comments may quote the client («перезвонить Ольге на 8916…»): masked the same way."""
    return replace(state, findings={i: _masked_action(a, walk) for i, a in state.findings.items()},
                   stages={k: _masked_action(a, walk) for k, a in state.stages.items()},
                   score_override=_masked_action(state.score_override, walk),
                   trail=tuple(_masked_action(a, walk) for a in state.trail))


def masked_view(view: CallView, spans: list[PersonalSpan]) -> CallView:
    walk = text_masker(view.analysis.transcript, spans)
    return replace(view, analysis=mask_analysis(view.analysis, spans), review=_masked_review(view.review, walk),
                   client_number=LABELS["phone"] if view.client_number else None, masked=True)


def log_clear(request: Request, who: SignedIn, action: str, analysis_ids: Iterable[int | None]) -> None:
    """An access log entry per call: `who` took its personal data in clear, by this request."""
    detail = f"{request.method} {request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
    with settings(request).sessions.begin() as session:
        record_access(session, who.user.name, who.user.role, action, analysis_ids, detail)


def shown_call(request: Request, who: SignedIn, analysis_id: int, log: bool = True) -> CallView:
    """The call as `who` may read it: 404 unknown, 403 not theirs; masked for a coach or a seller,
    else in clear and (with `log`) written to the access log."""
    view = call_view(request, who, analysis_id)
    if not masks(who):
        if log:
            log_clear(request, who, "view_call", [analysis_id])
        return view
    return masked_view(view, role_spans(request, who, view))


def number_tail(text: str) -> str:
    """Each phone number in `text` cut to its last four digits, «+79161112233» as «…2233»: enough to
    tell two clients apart in a list, not to call one. A list of 50 calls is no view of each call,
    so what it shows a QA lead in clear must be no personal data; the call page shows the number
    and logs the view."""
    return PBX_PHONE.sub(lambda number: "…" + number.group()[-4:], text)


def shown_rows(who: SignedIn, rows: Iterable[QueueRow]) -> tuple[QueueRow, ...]:
    """Queue rows as `who` may read them: the client's number and the file name masked for a coach
    or a seller, cut to the number's last digits for a QA lead or an admin."""
    if not masks(who):
        return tuple(replace(r, recording=number_tail(r.recording),
                             client_number=number_tail(r.client_number) if r.client_number else None) for r in rows)
    return tuple(replace(r, recording=mask_phone_numbers(r.recording),
                         client_number=LABELS["phone"] if r.client_number else None) for r in rows)


def clear_export(who: SignedIn, asked: bool) -> bool:
    """Whether an export goes out in clear: only when asked, and only by an admin (403 otherwise)."""
    if asked and who.user.role != CLEAR_EXPORT_ROLE:
        raise HTTPException(403, "выгрузка без маскирования персональных данных — только для администратора")
    return asked


__all__ = ["CLEAR_EXPORT_ROLE", "clear_export", "log_clear", "masked_view", "masks", "number_tail", "role_spans",
           "shown_call", "shown_rows"]
