"""`callqa purge`: a call's personal data deleted once its retention period is over.

What goes: the transcript (its utterances and the transcript cache of its audio), the quoted words
of stage hits and findings (and any quote in the attributes, such as the lead's answers), finding
details other than ids and numbers (a parallel-work finding names the client's number), the
recording's path (the phone system names the file after the client's number; the app can no longer
stream it), the client's number of the call and of old missed calls, and the personal data spans.
The reviewers' comments stay, masked: they may quote the client («перезвонить Ольге на 8916…»), so
the call's spans and any phone number in them become labels, as a coach reads them, before the spans
go.

What stays, for the scorecards: the analysis and its score, the stages found and their times, the
findings (type, severity, seconds, check), the talk metrics, the seller, the call's time and the
review actions. A purged analysis says when it was purged (`analyses.purged_at`), so the app and
`spans_of` know its empty transcript is not a call with nothing said.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.privacy.masking import text_masker
from pipeline.privacy.spans import PersonalSpan
from pipeline.storage.models import (
    AnalysisRow,
    FindingRow,
    MissedCallRow,
    PersonalScanRow,
    PersonalSpanRow,
    RecordingRow,
    ReviewActionRow,
    StageResultRow,
    TranscriptCacheRow,
    UtteranceRow,
    utcnow,
)
from pipeline.storage.personal_data import load_personal_spans
from pipeline.storage.repository import load_analysis

PURGED_PATH = "(удалено по сроку хранения)"
# finding details that name no one: ids of the standard, sellers, kinds, numbers
KEPT_DETAILS = frozenset({"stage", "kind", "fact", "seller", "role", "other_seller", "length_s", "overlap_s",
                          "seller_talk_share", "match_score"})
SpansFor = Callable[[Session, int], Sequence[PersonalSpan]]  # an analysis's personal data spans


@dataclass(frozen=True)
class PurgeResult:
    analyses: tuple[int, ...]  # purged now
    utterances: int
    cached_transcripts: int
    spans: int
    comments: int  # reviewers' comments that quoted personal data, now masked
    missed_calls: int  # whose client number was cleared


def due_analyses(session: Session, cutoff: datetime) -> list[int]:
    """Analyses not yet purged of calls that started before `cutoff` (by the phone system's time;
    a call without one by when it was analysed)."""
    when = func.coalesce(RecordingRow.started_at, AnalysisRow.created_at)
    return list(session.scalars(
        select(AnalysisRow.id).join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
        .where(AnalysisRow.purged_at.is_(None), when < cutoff).order_by(AnalysisRow.id)))


def _no_quotes(value: Any) -> Any:
    """A JSON value with every «quote» emptied (Evidence as `to_jsonable` writes it)."""
    if isinstance(value, dict):
        return {k: "" if k == "quote" else _no_quotes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_quotes(v) for v in value]
    return value


def _kept_details(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items()
            if k in KEPT_DETAILS or isinstance(v, (bool, int, float)) or v is None}


def _mask_comments(session: Session, aid: int, spans_for: SpansFor) -> int:
    """The reviewers' comments of a call as a coach reads them; needs its transcript and spans, so
    it runs before they are deleted. Returns how many comments changed."""
    actions = session.scalars(select(ReviewActionRow).where(ReviewActionRow.analysis_id == aid,
                                                            ReviewActionRow.comment.is_not(None))).all()
    if not actions:
        return 0
    walk = text_masker(load_analysis(session, aid).transcript, spans_for(session, aid))
    masked = 0
    for action in actions:
        comment = walk(action.comment)
        if comment != action.comment:
            action.comment, masked = comment, masked + 1
    return masked


def _purge_analysis(session: Session, aid: int, now: datetime) -> tuple[int, int]:
    utterances = session.execute(delete(UtteranceRow).where(UtteranceRow.analysis_id == aid)).rowcount or 0
    spans = session.execute(delete(PersonalSpanRow).where(PersonalSpanRow.analysis_id == aid)).rowcount or 0
    session.execute(delete(PersonalScanRow).where(PersonalScanRow.analysis_id == aid))
    session.execute(update(StageResultRow).where(StageResultRow.analysis_id == aid).values(quote=None))
    for finding in session.scalars(select(FindingRow).where(FindingRow.analysis_id == aid)):
        finding.evidence = ""
        finding.details = _kept_details(dict(finding.details or {}))
    analysis = session.get(AnalysisRow, aid)
    assert analysis is not None  # found by due_analyses in this transaction
    analysis.attributes = _no_quotes(dict(analysis.attributes or {}))
    analysis.recording_path = PURGED_PATH
    analysis.purged_at = now
    return utterances, spans


def purge_before(session: Session, cutoff: datetime, dry_run: bool = False,
                 spans_for: SpansFor = load_personal_spans) -> PurgeResult:
    """Purge every call that started before `cutoff` (see the module's docstring); the caller commits.
    `dry_run`: only say which analyses would be purged. `spans_for` gives the spans that mask the
    comments: by default those stored (`callqa purge` scans a call never scanned first)."""
    due = due_analyses(session, cutoff)
    if dry_run:
        return PurgeResult(tuple(due), 0, 0, 0, 0, 0)
    now = utcnow()
    utterances = spans = comments = 0
    for aid in due:
        comments += _mask_comments(session, aid, spans_for)
        u, s = _purge_analysis(session, aid, now)
        utterances, spans = utterances + u, spans + s
    cached = _purge_recordings(session, due)
    missed = session.execute(update(MissedCallRow).where(MissedCallRow.started_at < cutoff,
                                                         MissedCallRow.client_number.is_not(None))
                             .values(client_number=None)).rowcount or 0
    session.flush()
    return PurgeResult(tuple(due), utterances, cached, spans, comments, missed)


def _purge_recordings(session: Session, purged: Sequence[int]) -> int:
    """The recordings whose every analysis is purged lose their path, client number and cached transcripts."""
    if not purged:
        return 0
    ids = set(session.scalars(select(AnalysisRow.recording_id).where(AnalysisRow.id.in_(purged))))
    still = set(session.scalars(select(AnalysisRow.recording_id)
                                .where(AnalysisRow.recording_id.in_(ids), AnalysisRow.purged_at.is_(None))))
    done = sorted(ids - still)
    if not done:
        return 0
    shas = list(session.scalars(select(RecordingRow.sha256).where(RecordingRow.id.in_(done))))
    session.execute(update(RecordingRow).where(RecordingRow.id.in_(done))
                    .values(path=PURGED_PATH, client_number=None))
    return session.execute(delete(TranscriptCacheRow).where(or_(*(TranscriptCacheRow.sha256 == s for s in shas)))
                           ).rowcount or 0


__all__ = ["KEPT_DETAILS", "PURGED_PATH", "PurgeResult", "SpansFor", "due_analyses", "purge_before"]
