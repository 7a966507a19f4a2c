"""Questions, answers and the facts they state.

The answer checks need three things from a call: which client lines are
questions, which knowledge-base fact a question is about, and which values the
seller's answer states (a price, a time, a number of years). Numbers arrive
already normalised, so «две тысячи пятьсот» and «2500» compare equal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from checks.matching import best_match, keyword_found
from checks.registry import CallContext
from checks.standard import Fact
from checks.text import NormText, match_key
from pipeline.records import Utterance

# «как», «есть», «можно» open statements too («у нас есть», «можно приехать»),
# so only words that ask on their own are here; «есть ли» is caught by «ли»
QUESTION_WORDS = frozenset(
    match_key(w) for w in "сколько доскольки почем когда почему зачем где куда откуда какой каков ли".split()
)
# a line of only these acknowledges, whatever its intonation mark («Понятно?»)
ACKNOWLEDGEMENTS = frozenset(
    "понятно хорошо ясно ладно да ага угу спасибо ну отлично так понял поняла конечно окей нет".split()
)
# words that ask for an amount, a price or a time: a number in the reply answers them
AMOUNT_WORDS = frozenset(match_key(w) for w in "сколько почем когда цена стоимость стоить во".split())
# after «а у вас» / «скажите» a plain statement is a question in speech
QUESTION_OPENERS = ("скажите", "подскажите", "а у вас", "у вас есть", "интересует", "хотел узнать", "хотела узнать")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
# lemma keys of the unit words that may follow a number, per knowledge-base unit
UNIT_KEYS: dict[str, frozenset[str]] = {
    "rub": frozenset(match_key(w) for w in ("рубль", "руб", "р", "тысяча")),
    "years": frozenset(match_key(w) for w in ("год", "лет")),
    "percent": frozenset(match_key(w) for w in ("процент", "%")),
    "days": frozenset(match_key(w) for w in ("день", "сутки", "рабочий")),
    "hours": frozenset(match_key(w) for w in ("час",)),
}


@dataclass(frozen=True)
class StatedValue:
    value: float | str
    text: str
    token_start: int
    token_end: int


def fact_keywords_found(fact: Fact, text: NormText) -> int:
    """How many of the fact's keywords the line contains."""
    return sum(1 for keyword in fact.keywords if keyword_found(keyword, text))


def is_question(utt: Utterance, text: NormText, facts: Sequence[Fact] = ()) -> bool:
    """A question by intonation mark, question word, opener, or by naming a
    knowledge-base topic: Whisper often drops the «?» of a spoken question."""
    if all(t.text in ACKNOWLEDGEMENTS for t in text.tokens):
        return False
    if "?" in utt.text:
        return True
    keys = set(text.keys.split())
    if keys & QUESTION_WORDS:
        return True
    if any(text.surface.startswith(opener) or f" {opener}" in text.surface for opener in QUESTION_OPENERS):
        return True
    # one keyword is a mention, not a question: «нужен газобетон» asks nothing
    return any(len(f.keywords) >= 2 and fact_keywords_found(f, text) >= 2 for f in facts)


def fact_for_question(question: NormText, facts: Sequence[Fact]) -> Fact | None:
    """The fact a question is about: most keywords found, and no tie."""
    scored = sorted(((fact_keywords_found(f, question), i) for i, f in enumerate(facts)), reverse=True)
    if not scored or scored[0][0] == 0:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        tied = [facts[i] for s, i in scored if s == scored[0][0]]
        # prefer the fact all of whose keywords were said
        complete = [f for f in tied if fact_keywords_found(f, question) == len(f.keywords)]
        return complete[0] if len(complete) == 1 else None
    return facts[scored[0][1]]


def stated_values(text: NormText, unit: str) -> list[StatedValue]:
    """Values of the fact's kind that a line states."""
    out: list[StatedValue] = []
    toks = text.tokens
    for i, tok in enumerate(toks):
        if unit == "time":
            if _TIME.match(tok.text):
                hours, minutes = tok.text.split(":")
                out.append(StatedValue(f"{int(hours):02d}:{minutes}", tok.text, i, i + 1))
            continue
        if not _NUMBER.match(tok.text):
            continue
        value = float(tok.text)
        follows = match_key(toks[i + 1].lemma) if i + 1 < len(toks) else ""
        units = UNIT_KEYS.get(unit, frozenset())
        if follows in units:
            if follows == match_key("тысяча"):
                value *= 1000
            out.append(StatedValue(value, f"{tok.text} {toks[i + 1].text}", i, i + 2))
        elif unit == "rub" and value >= 100:
            # «доставка будет две тысячи пятьсот» needs no «рублей» to be a price
            out.append(StatedValue(value, tok.text, i, i + 1))
    return out


def values_equal(stated: float | str, expected: float | str) -> bool:
    if isinstance(stated, str) or isinstance(expected, str):
        return str(stated).lstrip("0") == str(expected).lstrip("0")
    return abs(float(stated) - float(expected)) < 1e-6


def expected_value(fact: Fact) -> float | str:
    if fact.unit == "time":
        hours, minutes = str(fact.value).split(":")
        return f"{int(hours):02d}:{minutes}"
    return fact.value


def answer_window(ctx: CallContext, question_index: int, max_seller_turns: int,
                  hold_phrases: Sequence[str] = ()) -> list[int]:
    """The seller's lines after a question, until the client asks something else.

    The answer may come a turn or two later («секундочку… да, две тысячи»): a
    line announcing a hold does not count as one of the turns.
    """
    utterances = ctx.transcript.utterances
    cutoff = ctx.standard.thresholds.match_cutoff
    out: list[int] = []
    turns = 0
    for j in range(question_index + 1, len(utterances)):
        u = utterances[j]
        if u.speaker == "client" and out and is_question(u, ctx.texts[j], ctx.standard.knowledge_base):
            break
        if u.speaker in ("seller", "unknown"):
            out.append(j)
            if not (hold_phrases and best_match(list(hold_phrases), ctx.texts[j], cutoff)):
                turns += 1
            if turns >= max_seller_turns:
                break
    return out
