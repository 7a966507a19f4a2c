"""Labelled cues: which label's phrases a line says, each stretch of words read once.

Answer values and segment criteria are phrase lists per label («ООО», «от
организации» → company; «частями» → in_stages). Where phrases of two labels
cover the same words, the longer one is what was said: «без предоплаты» is
postpay, not prepayment; «не горит» is no deadline, not an urgent one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from checks.text.matching import PhraseMatch, match_phrase, reference_lemmas
from checks.text.normalise import NormText

# «ИП», «ООО», «АО»: fuzzy alignment finds letters this short inside any word
# («ип» in «типа»), so a word this short must be said as it is
SHORT_WORD = 3


@dataclass(frozen=True)
class Cue:
    label: str
    match: PhraseMatch

    @property
    def length(self) -> int:
        return self.match.token_end - self.match.token_start


def find_phrase(phrase: str, text: NormText, cutoff: float) -> PhraseMatch | None:
    """A phrase of several words by `match_phrase`; one word by its whole lemma.

    Five-letter keys make «металл» a «металлочерепица»; whole lemmas keep them
    apart and still find a misheard name («Подельске» → Подольск). A very short
    word must be said as it is.
    """
    ref = reference_lemmas(phrase)
    if len(ref) != 1:
        return match_phrase(phrase, text, cutoff)
    lemma = ref[0][0]
    if len(lemma) <= SHORT_WORD:
        scores = [100.0 if lemma in (t.text, t.lemma) else 0.0 for t in text.tokens]
    else:
        scores = [fuzz.ratio(lemma, t.lemma, score_cutoff=cutoff) for t in text.tokens]
    best = max(range(len(scores)), key=scores.__getitem__, default=None)
    return None if best is None or not scores[best] else PhraseMatch(scores[best], best, best + 1, phrase)


def overlaps(a: PhraseMatch, b: PhraseMatch) -> bool:
    return a.token_start < b.token_end and b.token_start < a.token_end


def cues_in(phrases: Mapping[str, Sequence[str]], text: NormText, cutoff: float) -> list[Cue]:
    """Every label whose phrases the line says, in the order said; longest match first on shared words."""
    found = [Cue(label, m) for label, options in phrases.items() for p in options
             if (m := find_phrase(p, text, cutoff)) is not None]
    kept: list[Cue] = []
    for cue in sorted(found, key=lambda c: (-c.length, -c.match.score)):
        if not any(overlaps(cue.match, k.match) for k in kept):
            kept.append(cue)
    return sorted(kept, key=lambda c: c.match.token_start)
