"""Forbidden phrases: words the standard bans («не знаю», «это не моя проблема», slang)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.text.matching import PhraseMatch, evidence_for, match_phrase
from checks.registry import CallContext, CheckResult, register
from checks.text.normalise import NormText
from pipeline.records import Finding


def _distinct_matches(phrases: list[str], text: NormText, cutoff: float) -> list[PhraseMatch]:
    """Every banned phrase said, one per stretch of words (variants of one phrase hit the same words)."""
    kept: list[PhraseMatch] = []
    found = (match_phrase(p, text, cutoff) for p in phrases)
    for m in sorted((m for m in found if m), key=lambda m: -m.score):
        if all(m.token_end <= k.token_start or m.token_start >= k.token_end for k in kept):
            kept.append(m)
    return kept


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
        for found in _distinct_matches(phrases, ctx.texts[i], cutoff):
            ev = evidence_for(u, ctx.texts[i], found)
            findings.append(Finding(
                type="forbidden_phrase", severity=params.get("severity", "minor"), start=ev.start, end=ev.end,
                speaker=u.speaker, evidence=f"«{ev.quote}»", reference=found.reference, check="forbidden_phrase",
                details={"match_score": ev.match_score},
            ))
    return CheckResult(findings=tuple(findings))
