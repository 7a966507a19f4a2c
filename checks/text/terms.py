"""Terms a client names: «через две недели», «к концу месяца», «срочно», «не горит».

The check does not know the call's date, so a term is the most days it can
mean, counted from the call: «к концу месяца» is at most 30 days away, «к
пятнице» at most 7. A phrase saying there is no deadline («не горит») has no
days (None).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from checks.text.cues import cues_in, overlaps
from checks.text.matching import PhraseMatch
from checks.text.normalise import NormText, match_key

# phrase -> days from the call; a standard's `terms` add to these or replace them one by one
DEFAULT_TERMS: dict[str, int | None] = {
    "срочно": 1, "как можно скорее": 1, "как можно быстрее": 1, "горит": 1, "еще вчера": 0,
    "сегодня": 0, "завтра": 1, "послезавтра": 2,
    "на этой неделе": 7, "до конца недели": 7, "к концу недели": 7,
    "на следующей неделе": 14,
    "в этом месяце": 30, "до конца месяца": 30, "к концу месяца": 30,
    "в следующем месяце": 60,
    "в этом году": 365, "до конца года": 365, "к концу года": 365,
    "не срочно": None, "не горит": None, "не торопимся": None, "не спешим": None,
    "пока присматриваемся": None, "пока просто узнаю": None,
}
UNIT_DAYS = {match_key(unit): days for unit, days in
             (("день", 1), ("сутки", 1), ("неделя", 7), ("месяц", 30), ("год", 365))}
# words that count one or two of the unit after them: «через неделю», «в течение месяца», «пару дней»
COUNT_WORDS = {"через": 1, "течение": 1, "пара": 2}
LEAD_WORDS = frozenset(("через", "течение"))
# «к пятнице»: some day within the coming week
WEEKDAYS = frozenset("понедельник вторник среда четверг пятница суббота воскресенье".split())
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class TermCue:
    days: int | None
    match: PhraseMatch  # reference: the phrase matched, or how the days were counted


def term_cues(text: NormText, phrases: Mapping[str, int | None], cutoff: float) -> list[TermCue]:
    """Every term the line names: the standard's phrases, then counted units and weekdays."""
    found = [TermCue(phrases[c.label], c.match) for c in cues_in({p: [p] for p in phrases}, text, cutoff)]
    for counted in _counted(text):
        if not any(overlaps(counted.match, c.match) for c in found):
            found.append(counted)
    return sorted(found, key=lambda c: c.match.token_start)


def soonest(cues: list[TermCue]) -> TermCue | None:
    """The term a line sets: its nearest date; «не горит» only when it names no date."""
    dated = [c for c in cues if c.days is not None]
    return min(dated, key=lambda c: c.days or 0) if dated else (cues[0] if cues else None)


def _counted(text: NormText) -> Iterator[TermCue]:
    toks = text.tokens
    for i, tok in enumerate(toks):
        if tok.lemma in WEEKDAYS:
            yield TermCue(7, PhraseMatch(100.0, i, i + 1, f"{tok.lemma}: within a week"))
        per_unit = UNIT_DAYS.get(tok.key)
        if per_unit is None or i == 0:
            continue
        before = toks[i - 1]
        if _NUMBER.match(before.text):
            count = abs(float(before.text))  # «2-3 недели» arrives as «2», «-3»: the upper bound
            start = i - 2 if before.text.startswith("-") and i >= 2 else i - 1
        elif before.lemma in COUNT_WORDS:
            count, start = COUNT_WORDS[before.lemma], i - 1
        else:
            continue
        if start > 0 and toks[start - 1].lemma in LEAD_WORDS:
            start -= 1  # quote «через две недели», not «две недели»
        days = math.ceil(count * per_unit)
        yield TermCue(days, PhraseMatch(100.0, start, i + 1, f"{count:g} × {tok.lemma} = {days} дн."))
