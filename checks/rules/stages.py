"""The built-in stage checks: presence, missing required stages, order.

Missing and out-of-order stages are findings too, so the review queue has one
list of what went wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.registry import CallContext, CheckResult, register
from checks.dialogue.stages import stage_hits
from pipeline.records import Finding


@register("stages", "16", requires=("stages",), default_on=True)
def stages_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    return CheckResult(stages=stage_hits(ctx))


@register("missing_stage", "1", requires=("stages",), default_on=True)
def missing_stage_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    duration = ctx.transcript.duration_s
    findings = tuple(
        Finding(
            type="missing_stage",
            severity=stage.severity_if_missing,
            start=0.0,
            end=duration,
            speaker="seller",
            evidence=f"no phrase of stage «{stage.title or stage.id}» was found",
            reference=f"{stage.id}: " + " | ".join(stage.phrases[:3]),
            check="missing_stage",
            details={"stage": stage.id},
        )
        for stage, hit in zip(ctx.standard.stages, stage_hits(ctx))
        if stage.required and not hit.present
    )
    return CheckResult(findings=findings)


@register("stage_order", "1", requires=("stages",), default_on=True)
def stage_order_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    """A stage that appears before one the standard puts earlier is out of order."""
    timed = sorted(
        (hit.evidence.start, stage.order, stage.id, hit)
        for stage, hit in zip(ctx.standard.stages, stage_hits(ctx))
        if hit.present and hit.evidence is not None and stage.order is not None
    )
    findings: list[Finding] = []
    latest: tuple[int, str] | None = None  # highest order seen so far, and its stage
    for start, order, stage_id, hit in timed:
        if latest is not None and order < latest[0]:
            assert hit.evidence is not None
            findings.append(
                Finding(
                    type="stage_order",
                    severity="minor",
                    start=hit.evidence.start,
                    end=hit.evidence.end,
                    speaker=hit.evidence.speaker,
                    evidence=f"«{stage_id}» came after «{latest[1]}»: {hit.evidence.quote}",
                    reference=f"expected «{stage_id}» before «{latest[1]}»",
                    check="stage_order",
                    details={"stage": stage_id, "after": latest[1]},
                )
            )
        if latest is None or order > latest[0]:
            latest = (order, stage_id)
    return CheckResult(findings=tuple(findings))
