"""The documented JSON shape of one analysed call (README: «JSON output»).

Other tools read this, so its keys are a contract: add keys, never rename them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.batch import Outcome
from pipeline.phone.missed import MissedCall
from pipeline.records import CallAnalysis
from pipeline.serialize import to_jsonable

# 2: adds `attributes` (the lead, the client's segment); later additions within 2: `speaker_source`,
# `speaker_note` and each transcript line's `speaker_confidence` (mono calls, diarized)
FORMAT_VERSION = 2


def analysis_to_json(analysis: CallAnalysis) -> dict[str, Any]:
    tr = analysis.transcript
    stages: dict[str, Any] = {}
    for hit in analysis.stages:
        ev = hit.evidence
        stages[hit.stage_id] = {
            "present": hit.present,
            "start": ev.start if ev else None,
            "end": ev.end if ev else None,
            "speaker": ev.speaker if ev else None,
            "evidence": ev.quote if ev else None,
            "reference": ev.reference if ev else None,
            "match_score": ev.match_score if ev else None,
            "score": hit.score,
            "elements": hit.elements,
        }
    findings = [
        {
            "type": f.type,
            "severity": f.severity,
            "start": f.start,
            "end": f.end,
            "speaker": f.speaker,
            "evidence": f.evidence,
            "reference": f.reference,
            "check": f.check,
            "details": f.details,
        }
        for f in analysis.findings
    ]
    return to_jsonable({
        "format_version": FORMAT_VERSION,
        "recording": analysis.recording,
        "duration_s": tr.duration_s,
        "channels": tr.channels,
        "channel_roles": list(tr.channel_roles),
        "speaker_source": tr.speaker_source,
        "speaker_note": tr.speaker_note or None,
        "engine": tr.engine,
        "model": tr.model,
        "standard": {"id": analysis.standard_id, "version": analysis.standard_version},
        "stages": stages,
        "findings": findings,
        "score": analysis.score.score,
        "score_breakdown": [
            {"stage": s.stage_id, "weight": s.weight, "earned": s.earned} for s in analysis.score.stages
        ],
        "penalty": analysis.score.penalty,
        "flagged": analysis.score.flagged,
        "flag_reasons": list(analysis.score.reasons),
        "metrics": analysis.metrics,
        "attributes": analysis.attributes,
        "checks_run": list(analysis.checks_run),
        "checks_skipped": list(analysis.checks_skipped),
        "transcript": [
            {"speaker": u.speaker, "start": u.start, "end": u.end, "text": u.text,
             "speaker_confidence": u.speaker_confidence} for u in tr.utterances
        ],
    })


def batch_to_json(outcomes: Sequence[Outcome], missed: Sequence[MissedCall], reports: Sequence[Path]) -> dict[str, Any]:
    """`callqa run --json`: every call of the batch with its phone metadata and verdict, and
    the missed calls of the CDR (most of which have no recording). Each call's full analysis
    is `callqa analyze --json`'s object, kept in the database under `analysis_id`."""
    return {
        "format_version": FORMAT_VERSION,
        "calls": [_outcome_json(o) for o in outcomes],
        "missed_calls": [to_jsonable(m) | {"is_finding": m.is_finding} for m in missed],
        "reports": [str(p) for p in reports],
    }


def _outcome_json(o: Outcome) -> dict[str, Any]:
    a = o.analysis
    return {
        "recording": o.path, "status": o.status, "reason": o.reason, "analysis_id": o.analysis_id,
        "metadata": to_jsonable(o.metadata) if o.metadata else None,
        "score": a.score.score if a else None, "flagged": a.score.flagged if a else None,
        "findings": [{"type": f.type, "severity": f.severity, "start": f.start, "end": f.end} for f in a.findings]
        if a else [],
    }
