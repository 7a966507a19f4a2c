"""Score a call 0-100 from the standard's stage weights, minus finding penalties.

Optional stages only add: an optional stage that is present counts toward both
the points earned and the points possible, so skipping it costs nothing.
"""

from __future__ import annotations

from checks.standard import Standard
from pipeline.records import CallScore, Finding, StageHit, StageScore

# a missing stage already costs its weight; it takes nothing more by default
DEFAULT_PENALTIES: dict[str, float] = {"missing_stage": 0.0, "stage_order": 5.0}


def penalty_for(finding: Finding, standard: Standard) -> float:
    return standard.scoring.penalties.get(finding.type, DEFAULT_PENALTIES.get(finding.type, 0.0))


def score_call(standard: Standard, hits: tuple[StageHit, ...], findings: tuple[Finding, ...]) -> CallScore:
    by_id = {h.stage_id: h for h in hits}
    breakdown: list[StageScore] = []
    for stage in standard.stages:
        hit = by_id.get(stage.id)
        if stage.weight == 0 or (not stage.required and not (hit and hit.present)):
            continue
        earned = stage.weight * hit.score if hit and hit.present else 0.0
        breakdown.append(StageScore(stage.id, stage.weight, round(earned, 2)))
    possible = sum(s.weight for s in breakdown)
    base = 100.0 * sum(s.earned for s in breakdown) / possible if possible else 100.0
    penalty = sum(penalty_for(f, standard) for f in findings)
    score = round(min(100.0, max(0.0, base - penalty)), 1)

    reasons: list[str] = []
    if score < standard.thresholds.flag_below:
        reasons.append(f"score {score} below {standard.thresholds.flag_below:g}")
    critical = {f.type for f in findings if f.severity == "critical" or f.type in standard.scoring.critical}
    reasons.extend(f"critical finding: {t}" for t in sorted(critical))
    return CallScore(score=score, flagged=bool(reasons), reasons=tuple(reasons),
                     stages=tuple(breakdown), penalty=round(penalty, 2))
