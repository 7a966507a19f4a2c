"""Forbidden phrases: words the standard bans («не знаю», «это не моя проблема», slang)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.matching import best_match, evidence_for
from checks.registry import CallContext, CheckResult, register
from pipeline.records import Finding


@register("forbidden_phrase", "1")
def forbidden_phrase_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    phrases = list(params.get("phrases", []))
    if not phrases:
        return CheckResult()
    # bans are exact wording: a stricter cutoff than stage phrases keeps «знаю» from matching «не знаю»
    cutoff = float(params.get("match_cutoff", max(ctx.standard.thresholds.match_cutoff, 90)))
    findings = []
    for i, u in enumerate(ctx.transcript.utterances):
        if u.speaker == "client":
            continue
        found = best_match(phrases, ctx.texts[i], cutoff)
        if found:
            ev = evidence_for(u, ctx.texts[i], found)
            findings.append(Finding(
                type="forbidden_phrase", severity=params.get("severity", "minor"), start=ev.start, end=ev.end,
                speaker=u.speaker, evidence=f"«{ev.quote}»", reference=found.reference, check="forbidden_phrase",
                details={"match_score": ev.match_score},
            ))
    return CheckResult(findings=tuple(findings))
