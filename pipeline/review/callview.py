"""One call as the reviewer sees it: the automatic result, the phone metadata and the review on top.

The automatic result is read back exactly as the batch stored it
(`load_analysis`); the review state is laid over it for display only.
`labelled_truth` turns a reviewed call into a `*.truth.json` sidecar, so the QA
lead's corrections become the calibration set of `callqa eval`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.registry import all_checks
from pipeline.privacy.masking import mask_phone_numbers
from pipeline.records import CallAnalysis, Finding
from pipeline.report import analysis_to_json
from pipeline.review.audio import recording_name
from pipeline.serialize import to_jsonable
from pipeline.storage.models import AnalysisRow, RecordingRow, SellerRow
from pipeline.storage.repository import load_analysis
from pipeline.storage.reviews import DATABASE_REVIEWS, ReviewState, review_state


HEARD_SURE = 0.6  # a stated value's lowest word probability under this: listen before confirming


@dataclass(frozen=True)
class HeardNote:
    """What a wrong answer's card says of how the stated value was heard; either line may be missing."""

    sure: bool | None  # None: no `heard` (a transcript without word probabilities)
    heard: str | None  # «Распознано неуверенно (0.31): прослушайте сумму» / «Распознано уверенно (0.93)»
    recheck: str | None  # «Перепроверка: звук ближе к «3500 руб.», чем к «2500 руб.»»


def _number(value: object) -> float | None:
    """A finite JSON number, else None (a bool is no probability)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def heard_note(finding: Finding) -> HeardNote | None:
    """A `wrong_answer`'s `details.heard` (Whisper's lowest word probability over the stated value)
    and `details.reheard` (the audio's log-likelihood read as the stated vs. the expected value) in
    words; None for any other finding or when neither key holds a value.

    The probability is cut, not rounded, to two places, so a value under HEARD_SURE never reads
    «0.60». The recheck names whichever value the audio fit better (the batch stores it only when
    that is the stated one) and says nothing on a tie; for a value Whisper lost (`details.value_lost`)
    it says that the audio does not sound like the expected one. The values are the shown finding's own, so a
    masked view's details stay masked; the numbers are no personal data.
    """
    if finding.type != "wrong_answer":
        return None
    details = finding.details or {}
    heard = _number(details.get("heard"))
    sure = None if heard is None else heard >= HEARD_SURE
    line = None
    if heard is not None:
        shown = f"{math.floor(min(max(heard, 0.0), 1.0) * 100 + 1e-9) / 100:.2f}"
        line = (f"Распознано уверенно ({shown})" if sure
                else f"Распознано неуверенно ({shown}): прослушайте сумму")
    recheck = None
    reheard = details.get("reheard")
    stated, expected = details.get("stated"), details.get("expected")
    if isinstance(reheard, dict) and isinstance(stated, str) and isinstance(expected, str):
        fit_stated, fit_expected = _number(reheard.get("stated_logprob")), _number(reheard.get("expected_logprob"))
        if details.get("value_lost") is True and fit_stated is not None and fit_expected is not None:
            # Whisper wrote no value: `stated` is its words, which are no value to name
            recheck = (f"Перепроверка: значение не распознано («{stated}»), звук не похож на «{expected}»"
                       if fit_stated > fit_expected else None)
        elif fit_stated is not None and fit_expected is not None and fit_stated != fit_expected:
            closer, farther = (stated, expected) if fit_stated > fit_expected else (expected, stated)
            recheck = f"Перепроверка: звук ближе к «{closer}», чем к «{farther}»"
    if line is None and recheck is None:
        return None
    return HeardNote(sure, line, recheck)


@dataclass(frozen=True)
class CallView:
    analysis_id: int
    analysis: CallAnalysis
    recording_path: str  # where the audio was when it was analysed
    sha256: str
    seller: str | None
    started_at: datetime | None
    client_number: str | None
    review: ReviewState
    masked: bool = False  # personal data masked for a coach or a seller (pipeline.review.privacy)

    @property
    def file_name(self) -> str:
        """The recording's file name as shown; masked, the client's number in it is «[телефон]»."""
        name = recording_name(self.recording_path)
        return mask_phone_numbers(name) if self.masked else name

    @property
    def score(self) -> float:
        """The score shown: the latest override, else the automatic one."""
        override = self.review.score_override
        return override.score if override and override.score is not None else self.analysis.score.score

    @staticmethod
    def heard_note(finding: Finding) -> HeardNote | None:
        """How sure the recogniser was of a wrong answer's stated value (`heard_note`), for the template."""
        return heard_note(finding)

    def stage_present(self, stage_id: str) -> bool:
        """Detection, unless a reviewer marked the stage otherwise."""
        corrected = self.review.stages.get(stage_id)
        if corrected is not None:
            return corrected.kind == "stage_present"
        return any(h.present for h in self.analysis.stages if h.stage_id == stage_id)


def load_call_view(session: Session, analysis_id: int) -> CallView:
    """Raises LookupError for an unknown analysis id."""
    found = session.execute(
        select(AnalysisRow.recording_path, RecordingRow.sha256, SellerRow.name, RecordingRow.started_at,
               RecordingRow.client_number)
        .join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
        .outerjoin(SellerRow, SellerRow.id == RecordingRow.seller_id)
        .where(AnalysisRow.id == analysis_id)).first()
    if found is None:
        raise LookupError(f"analysis_id {analysis_id}: no such call")
    return CallView(analysis_id, load_analysis(session, analysis_id), found[0], found[1], found[2], found[3],
                    found[4], review_state(session, analysis_id))


def call_to_json(view: CallView) -> dict[str, Any]:
    """The API's call: the documented analysis JSON, the call's metadata and the review state.

    `analysis.recording` is the file's name only: the server's folders are
    nobody's business, and a seller reads this too.
    """
    state = view.review
    return to_jsonable({
        "analysis_id": view.analysis_id,
        "seller": view.seller,
        "started_at": view.started_at,
        "client_number": view.client_number,
        "score": view.score,
        "analysis": {**analysis_to_json(view.analysis), "recording": view.file_name},
        "personal_data_masked": view.masked,
        "review": {
            "reviewed": state.reviewed,
            "score_override": ({"score": state.score_override.score, "reason": state.score_override.comment,
                                "user": state.score_override.user, "at": state.score_override.created_at}
                               if state.score_override else None),
            "findings": {str(i): a.kind for i, a in state.findings.items()},
            "stages": {s: a.kind == "stage_present" for s, a in state.stages.items()},
            "trail": [action_to_json(a) for a in state.trail],
        },
    })


def action_to_json(action: Any) -> dict[str, Any]:
    return to_jsonable({"id": action.id, "user": action.user, "kind": action.kind,
                        "finding_idx": action.finding_idx, "stage_id": action.stage_id,
                        "score": action.score, "comment": action.comment, "reason": getattr(action, "reason", None),
                        "at": action.created_at})


def _needs_phone(check: str) -> bool:
    spec = all_checks().get(check.split("@")[0])
    return spec is not None and (spec.needs_seller or spec.needs_thread)


def labelled_truth(view: CallView) -> dict[str, Any]:
    """The call as reviewed, in `callqa eval`'s sidecar format (README «Ground-truth sidecars»).

    Its one piece of personal data is the recording's path, which the phone system names after the
    client's number: masked («[телефон]») when the view is, in clear for an admin who asks, which the
    access log records (`callqa eval` needs the real path, or file names without numbers).

    Stages: the reviewer's correction, else the detection. Findings: every
    automatic one the reviewer did not dismiss (an unanswered appeal keeps it).
    `recording` is the stored path, which `callqa eval` resolves from the sidecar's folder.
    """
    analysis = view.analysis
    dismissed = view.review.dismissed
    kept = [f for i, f in enumerate(analysis.findings) if i not in dismissed]
    stages = {hit.stage_id: view.stage_present(hit.stage_id) for hit in analysis.stages}
    for i, f in enumerate(analysis.findings):
        stage = f.details.get("stage")
        if i in dismissed and f.type == "missing_stage" and stage in stages and stage not in view.review.stages:
            stages[stage] = True  # «it was not missing» says the stage was there
    roles = analysis.transcript.channel_roles
    path = str(Path(view.recording_path).resolve())
    return {
        "recording": mask_phone_numbers(path) if view.masked else path,
        "channels": {role: ch for ch, role in enumerate(roles) if role in ("seller", "client")},
        "stages": stages,
        "stage_order_broken": any(f.type == "stage_order" for f in kept),
        "findings": [{"type": f.type, "start": f.start, "end": f.end} for f in kept
                     if f.type not in ("missing_stage", "stage_order") and not _needs_phone(f.check)],
        # kept for the record; `callqa eval` re-analyses a file alone, without the CDR these need
        "phone_findings": [{"type": f.type, "start": f.start, "end": f.end} for f in kept if _needs_phone(f.check)],
        "reviewed": view.review.reviewed,
        "source": f"callqa review, analysis {view.analysis_id}",
    }


def export_reviewed(session: Session, out: Path, clear: bool = False) -> list[tuple[int, Path]]:
    """Every reviewed call's latest analysis as `<id>-<name>.truth.json` under `out`: (analysis id,
    file) pairs. Masked unless `clear` (the caller logs a clear export)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for analysis_id in session.scalars(DATABASE_REVIEWS.reviewed_analyses().order_by(None)):
        view = replace(load_call_view(session, analysis_id), masked=not clear)
        target = out / truth_file_name(view)
        target.write_text(json.dumps(labelled_truth(view), ensure_ascii=False, indent=2), encoding="utf-8")
        written.append((analysis_id, target))
    return written


def truth_file_name(view: CallView) -> str:
    stem = view.file_name.split(".")[0] or "call"
    return f"{view.analysis_id}-{stem}.truth.json"


__all__ = ["HEARD_SURE", "CallView", "HeardNote", "action_to_json", "call_to_json", "export_reviewed", "heard_note",
           "labelled_truth", "load_call_view", "truth_file_name"]
