"""Which end of the working day a stated time tells.

A knowledge base may hold the hour a company opens as well as the hour it closes.
A seller's «до восьми» or «закрываемся в восемь» tells the closing, «с девяти» or
«открываемся в девять» the opening; a time fact's own words say which of the two it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

from checks.dialogue.questions import DAY_LEMMAS, StatedValue
from checks.standard import Fact
from checks.text.normalise import NormText, normalise_text

Bound = Literal["opening", "closing"]

_OPENING_PREPOSITIONS = frozenset(("с", "со", "от"))
_OPENING_VERBS = frozenset(("открываться", "начинать", "начинаться"))
_CLOSING_VERBS = frozenset(("закрываться", "заканчивать", "заканчиваться"))
# the words of a fact that speak of one end of the day: «время открытия», «утром», «вечером»
_OPENING_WORDS = _OPENING_VERBS | {"открытие", "начало", "утро", "утром"}
_CLOSING_WORDS = _CLOSING_VERBS | {"закрытие", "конец", "вечер", "вечером"}
# a verb this many words before the hour gives its end of the day: «закрываемся мы в восемь»
_VERB_REACH = 3
# with no word that gives its end of the day, a time after these makes an appointment or opens
# the day: «в десять», «к шести»
_NOT_CLOSING = frozenset("с со в во к на около после".split())


def fact_bound(fact: Fact) -> Bound:
    """The end of the day a time fact holds, by its topic, keywords and example questions: «с
    которого часа открыта», «во сколько вы открываетесь утром» hold the opening; any other the
    closing, which is what most knowledge bases hold («до скольки вы работаете»)."""
    return _bound_of_words(" ".join([fact.topic, *fact.keywords, *fact.example_questions]))


@lru_cache(maxsize=256)
def _bound_of_words(words: str) -> Bound:
    tokens = normalise_text(words).tokens
    opening = sum(t.lemma in _OPENING_WORDS or t.text in ("с", "со") for t in tokens)
    closing = sum(t.lemma in _CLOSING_WORDS or t.text == "до" for t in tokens)
    return "opening" if opening > closing else "closing"


def times_at(text: NormText, times: list[StatedValue], fact: Fact, kb: Sequence[Fact]) -> list[StatedValue]:
    """The times the line tells as the time fact's end of the day. When recognition lost every word
    that tells it, any time not said as an appointment («в понедельник к десяти»), for a closing
    hour or the knowledge base's only hour («машины принимаем с 10 утра» lost its «с»); else none:
    of an opening and a closing hour, «в девять» alone tells neither."""
    bound = fact_bound(fact)
    said = [(value, _said_as(text, value)) for value in times]
    if any(end is not None for _, end in said):
        return [value for value, end in said if end == bound]
    if bound == "opening" and sum(f.unit == "time" for f in kb) > 1:
        return []
    toks = text.tokens
    return [v for v in times
            if not (v.token_start > 0 and toks[v.token_start - 1].text in _NOT_CLOSING)
            and not any(t.lemma in DAY_LEMMAS for t in toks[max(0, v.token_start - 3):v.token_start])]


def _said_as(text: NormText, value: StatedValue) -> Bound | None:
    toks, at = text.tokens, value.token_start
    before = toks[at - 1].text if at else ""
    if before == "до":
        return "closing"
    if before in _OPENING_PREPOSITIONS:
        return "opening"
    for tok in reversed(toks[max(0, at - _VERB_REACH):at]):
        if tok.lemma in _OPENING_VERBS:
            return "opening"
        if tok.lemma in _CLOSING_VERBS:
            return "closing"
    return None
