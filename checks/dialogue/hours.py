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
# the words of a seller's line that tell the opening or the closing beside an hour: «открываемся в
# девять», «мы открыты в десять утра», «в восемь закрываемся»
_OPENING_VERBS = frozenset(("открываться", "открыть", "открытый", "начинать", "начинаться"))
_CLOSING_VERBS = frozenset(("закрываться", "заканчивать", "заканчиваться"))
# the words of a fact that speak of one end of the day («до скольки открыт магазин» holds the closing)
_OPENING_WORDS = frozenset(("открываться", "начинать", "начинаться", "открытие", "начало", "утро", "утром"))
_CLOSING_WORDS = _CLOSING_VERBS | {"закрытие", "конец", "вечер", "вечером"}
# a verb this many words from the hour gives its end of the day: «открываемся мы обычно в десять»
_VERB_REACH = 4
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
    """The times the line tells as the time fact's end of the day; an opening not said of a day
    («в субботу с одиннадцати», «завтра с десяти»: one day's hours or an appointment). When
    recognition lost every word that tells it, any time not said as an appointment («в понедельник к
    десяти»), for a closing hour or the knowledge base's only hour («машины принимаем 10 утра»);
    else none: of an opening and a closing hour, «в девять» alone tells neither."""
    said = _said_as(text, times)
    if any(end is not None for end in said):
        return _told_at(text, times, said, fact)
    if fact_bound(fact) == "opening" and sum(f.unit == "time" for f in kb) > 1:
        return []
    toks = text.tokens
    return [v for v in times
            if not (v.token_start > 0 and toks[v.token_start - 1].text in _NOT_CLOSING) and not _of_a_day(text, v)]


def times_told_at(text: NormText, times: list[StatedValue], fact: Fact) -> list[StatedValue]:
    """The times a word of the line tells as the fact's end of the day («до пяти вечера»)."""
    return _told_at(text, times, _said_as(text, times), fact)


def _told_at(text: NormText, times: list[StatedValue], said: list[Bound | None], fact: Fact) -> list[StatedValue]:
    bound = fact_bound(fact)
    return [v for v, end in zip(times, said) if end == bound and not (end == "opening" and _of_a_day(text, v))]


def _of_a_day(text: NormText, value: StatedValue) -> bool:
    return any(t.lemma in DAY_LEMMAS for t in text.tokens[max(0, value.token_start - 3):value.token_start])


def _said_as(text: NormText, times: list[StatedValue]) -> list[Bound | None]:
    """Each time's end of the day by the preposition before it, else by a verb of opening or closing
    beside it and no other hour. Whether such verbs stand before their hours («открываемся в девять,
    закрываемся в восемь») or after them («в девять открываемся, в восемь закрываемся») the line's
    first hour tells, so that a verb between two hours goes with the right one."""
    toks = text.tokens
    verbs: dict[int, Bound] = {i: "opening" for i, t in enumerate(toks) if t.lemma in _OPENING_VERBS}
    verbs.update({i: "closing" for i, t in enumerate(toks) if t.lemma in _CLOSING_VERBS})
    starts = sorted(v.token_start for v in times)
    ends = sorted(v.token_end for v in times)
    verb_first = bool(starts) and any(starts[0] - _VERB_REACH <= i < starts[0] for i in verbs)
    out: list[Bound | None] = []
    for value in times:
        at = value.token_start
        before = toks[at - 1].text if at else ""
        if before == "до":
            out.append("closing")
            continue
        if before in _OPENING_PREPOSITIONS:
            out.append("opening")
            continue
        if verb_first:
            since = max([e for e in ends if e <= at] + [at - _VERB_REACH, 0])
            near = range(at - 1, since - 1, -1)
        else:
            until = min([s for s in starts if s >= value.token_end] + [value.token_end + _VERB_REACH, len(toks)])
            near = range(value.token_end, until)
        out.append(next((verbs[i] for i in near if i in verbs), None))
    return out
