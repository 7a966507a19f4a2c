"""A reviewed call as labels: what the QA lead says was there, and the decision that says it.

A call marked reviewed labels every stage and finding of its analysis: a stage the lead
marked present or absent takes that mark; a finding confirmed or dismissed takes that
decision; whatever the lead left alone is accepted as detected (the lead read the call and
let it stand). A dismissed `missing_stage` says the stage was there, as in
`callqa review-export`. Each label keeps its decision, so every proposal can name the call,
the second, the words and the decision it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.records import CallAnalysis, Finding, Transcript
from pipeline.review.callview import CallView, labelled_truth
from pipeline.storage.reviews import ReviewAction

ACCEPTED = "accepted"  # the kind of a label the lead left as detected


@dataclass(frozen=True)
class Decision:
    """Who decided what, and why; `kind` ACCEPTED for what the lead let stand."""

    kind: str  # stage_present, stage_absent, confirm_finding, dismiss_finding, appeal_finding or ACCEPTED
    user: str | None = None
    comment: str | None = None
    reason: str | None = None  # a dismissal's reason code
    at: datetime | None = None

    def describe(self) -> str:
        if self.kind == ACCEPTED:
            return "left as detected in a reviewed call"
        said = f"{self.kind} by {self.user}" + (f" ({self.reason})" if self.reason else "")
        return said + (f": «{self.comment}»" if self.comment else "")


@dataclass(frozen=True)
class StageLabel:
    stage_id: str
    present: bool  # what the QA lead says
    detected: bool  # what the stored analysis said
    decision: Decision


@dataclass(frozen=True)
class FindingLabel:
    idx: int
    finding: Finding
    confirmed: bool  # false: dismissed
    decision: Decision


@dataclass(frozen=True)
class ReviewedCall:
    analysis_id: int
    recording: str
    standard_version: str  # of the analysis the lead reviewed
    transcript: Transcript
    stages: tuple[StageLabel, ...]
    findings: tuple[FindingLabel, ...]
    truth: Mapping[str, Any]  # the call in `callqa eval`'s sidecar format, for the metrics

    def stage(self, stage_id: str) -> StageLabel | None:
        return next((s for s in self.stages if s.stage_id == stage_id), None)

    def where(self, second: float) -> str:
        """«file at 12.3 s (analysis 7)»: how a proposal names its source."""
        return f"{self.recording} at {second:.1f} s (analysis {self.analysis_id})"


def _decision(action: ReviewAction | None) -> Decision:
    if action is None:
        return Decision(ACCEPTED)
    return Decision(action.kind, action.user, action.comment, action.reason, action.created_at)


def _stage_labels(view: CallView) -> tuple[StageLabel, ...]:
    analysis: CallAnalysis = view.analysis
    missing_dismissed = {str(f.details.get("stage")): view.review.findings[i]
                         for i, f in enumerate(analysis.findings)
                         if f.type == "missing_stage" and i in view.review.dismissed}
    labels = []
    for hit in analysis.stages:
        marked = view.review.stages.get(hit.stage_id)
        if marked is not None:
            labels.append(StageLabel(hit.stage_id, marked.kind == "stage_present", hit.present,
                                     _decision(marked)))
        elif hit.stage_id in missing_dismissed:  # «it was not missing» says the stage was there
            action = missing_dismissed[hit.stage_id]
            labels.append(StageLabel(hit.stage_id, True, hit.present, _decision(action)))
        else:
            labels.append(StageLabel(hit.stage_id, hit.present, hit.present, Decision(ACCEPTED)))
    return tuple(labels)


def _finding_labels(view: CallView) -> tuple[FindingLabel, ...]:
    labels = []
    for i, finding in enumerate(view.analysis.findings):
        action = view.review.findings.get(i)
        confirmed = action is None or action.kind != "dismiss_finding"
        labels.append(FindingLabel(i, finding, confirmed, _decision(action)))
    return tuple(labels)


def reviewed_call(view: CallView) -> ReviewedCall:
    """The labels of one reviewed call."""
    return ReviewedCall(view.analysis_id, view.recording_path, view.analysis.standard_version,
                        view.analysis.transcript, _stage_labels(view), _finding_labels(view),
                        labelled_truth(view))
