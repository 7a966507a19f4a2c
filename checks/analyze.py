"""Run the checks a standard switches on over one transcript, then score it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.registry import CallContext, CheckSpec, all_checks
from checks.scoring import score_call
from checks.standard import Standard, StandardError
from pipeline.records import CallAnalysis, Finding, StageHit, Transcript


def plan_checks(standard: Standard, source: str = "standard") -> tuple[list[tuple[CheckSpec, Mapping[str, Any]]], list[str]]:
    """Which checks run with which parameters, and which are skipped and why."""
    available = all_checks()
    if standard.checks is not None:
        unknown = sorted(set(standard.checks) - set(available))
        if unknown:
            raise StandardError(
                f"{source}: checks.{unknown[0]}: unknown check; known checks: {', '.join(sorted(available))}"
            )
    run: list[tuple[CheckSpec, Mapping[str, Any]]] = []
    skipped: list[str] = []
    for name, spec in sorted(available.items()):
        enabled = spec.default_on if standard.checks is None else name in standard.checks
        if not enabled:
            skipped.append(f"{spec.label}: not configured in the standard")
            continue
        missing = [section for section in spec.requires if not getattr(standard, section)]
        if missing:
            skipped.append(f"{spec.label}: the standard has no {', '.join(missing)}")
            continue
        params = standard.check_params(name)
        run.append((spec, params))
    return run, skipped


def analyze_transcript(transcript: Transcript, standard: Standard, recording: str = "") -> CallAnalysis:
    ctx = CallContext(transcript, standard)
    planned, skipped = plan_checks(standard)
    stages: list[StageHit] = []
    findings: list[Finding] = []
    metrics: dict[str, float | int | None] = {}
    run: list[CheckSpec] = []
    for spec, params in planned:
        if spec.needs_roles and not transcript.is_stereo:
            skipped.append(f"{spec.label}: not measurable without separate seller and client channels")
            metrics.update(dict.fromkeys(spec.metrics))
            continue
        result = spec.func(ctx, params)
        run.append(spec)
        stages.extend(result.stages)
        findings.extend(result.findings)
        metrics.update(result.metrics)
    if not stages:
        # the score is built on the stages even where the `stages` check is not listed
        stages = list(ctx.stage_hits)
    findings.sort(key=lambda f: (f.start, f.type))
    return CallAnalysis(
        recording=recording,
        transcript=transcript,
        stages=tuple(stages),
        findings=tuple(findings),
        score=score_call(standard, tuple(stages), tuple(findings)),
        checks_run=tuple(spec.label for spec in run),
        checks_skipped=tuple(skipped),
        standard_id=standard.standard.id,
        standard_version=standard.standard.version,
        metrics=metrics,
    )
