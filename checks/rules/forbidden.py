"""Forbidden phrases: words the standard bans («не знаю», «это не моя проблема», slang).

A banned sentence is also found said in other words («это уже не наша забота» for «это не моя
проблема»): a line near it in meaning, nearer than to any stage's example or evasive phrase
(«чем могу помочь» greets, it is not «ничем не могу помочь»), and negated when the banned
sentence is: the encoder hears a negation faintly. A single word (slang: «короче», «блин») has
too little meaning to compare and is matched by its words alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.meaning.calls import MIN_UNIT_WORDS, as_phrase_match, phrase_index
from checks.registry import CallContext, CheckResult, register
from checks.text.matching import PhraseMatch, evidence_for, match_phrase
from checks.rules.answers import DEFAULT_EVASIVE
from checks.standard import Standard
from checks.text.normalise import NormText
from pipeline.records import Finding

_NEGATIONS = frozenset({"не", "ни", "нет", "ничем", "ничего", "никак"})


def _distinct_matches(phrases: list[str], text: NormText, cutoff: float) -> list[PhraseMatch]:
    """Every banned phrase said, one per stretch of words (variants of one phrase hit the same words)."""
    kept: list[PhraseMatch] = []
    found = (match_phrase(p, text, cutoff) for p in phrases)
    for m in sorted((m for m in found if m), key=lambda m: -m.score):
        if all(m.token_end <= k.token_start or m.token_start >= k.token_end for k in kept):
            kept.append(m)
    return kept


def _allowed_lines(standard: Standard) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What a seller may say that sounds like a ban: the stages' examples, and the evasive phrases,
    which their own check judges."""
    evasive = standard.check_params("evasive_answer").get("phrases", DEFAULT_EVASIVE)
    return (*((f"stage:{s.id}", tuple(s.phrases)) for s in standard.stages), ("evasive", tuple(evasive)))


def _negated(text: str) -> bool:
    return bool(_NEGATIONS & set(text.lower().replace(",", " ").split()))


def _by_meaning(ctx: CallContext, line: int, sentences: list[str], cutoff: float) -> PhraseMatch | None:
    """A banned sentence said in other words; None when the standard bans no sentence."""
    if not sentences:
        return None
    found = ctx.meaning.match(phrase_index("forbidden", tuple(sentences), _allowed_lines(ctx.standard)), line,
                              "forbidden")
    if found is None or (_negated(found.example) and not _negated(found.unit)):
        return None
    return as_phrase_match(found, ctx.texts[line], cutoff)


@register("forbidden_phrase", "2")
def forbidden_phrase_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    phrases = list(params.get("phrases", []))
    if not phrases:
        return CheckResult()
    # bans are exact wording: a stricter cutoff than stage phrases keeps «знаю» from matching «не знаю»
    cutoff = float(params.get("match_cutoff", max(ctx.standard.thresholds.match_cutoff, 90)))
    sentences = [p for p in phrases if len(p.split()) >= MIN_UNIT_WORDS]
    findings = []
    for i, u in enumerate(ctx.transcript.utterances):
        if u.speaker == "client":
            continue
        by_words = _distinct_matches(phrases, ctx.texts[i], cutoff)
        by_meaning = None if by_words else _by_meaning(ctx, i, sentences, cutoff)
        for found in by_words or ([by_meaning] if by_meaning else []):
            ev = evidence_for(u, ctx.texts[i], found)
            findings.append(Finding(
                type="forbidden_phrase", severity=params.get("severity", "minor"), start=ev.start, end=ev.end,
                speaker=u.speaker, evidence=f"«{ev.quote}»", reference=found.reference, check="forbidden_phrase",
                details={"match_score": ev.match_score},
            ))
    return CheckResult(findings=tuple(findings))
