"""Lead qualification (article, table 1): which identification questions the seller
asked, what the client answered, and how promising the lead is.

Table 1 names the most promising clients and the questions that find them: an
urgent need (when, how often), a budget and a way to pay (when, how), a large
benefit (what tasks, what result). The check finds these questions in the
seller's lines, reads the values in the client's next lines (a term in days, a
payment mode, a budget in rubles, the goal in the client's words) and ranks the
lead with the standard's `priority_rules`. Only a reply to a question counts:
a value said unprompted has no question to give it a meaning («завтра» may be
the day of a meeting).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from checks.dialogue.amounts import largest, money
from checks.text.cues import cues_in
from checks.dialogue.questions import is_question, only_acknowledges
from checks.rules.lead_rules import Answer, Frequency, PaymentMode, Priority, PriorityRule, Reason, When, prioritise
from checks.text.matching import PhraseMatch, best_match, evidence_for
from checks.registry import CallContext, CheckParams, CheckResult, register
from checks.text.terms import DEFAULT_TERMS, soonest, term_cues
from checks.text.normalise import NormText
from pipeline.records import Evidence, Utterance
from pipeline.serialize import to_jsonable

Category = Literal["urgency", "budget", "benefit"]
CATEGORIES: tuple[str, ...] = ("urgency", "budget", "benefit")

# the questions of table 1, in the words sellers use; a standard's list for a category replaces these
DEFAULT_QUESTIONS: dict[str, list[str]] = {
    "urgency": ["когда вам нужен товар", "когда вам нужно", "к какому сроку нужна поставка", "какие у вас сроки",
                "как часто вам это нужно", "как часто закупаете"],
    "budget": ["когда планируете оплатить", "каким образом будете оплачивать", "как будете оплачивать",
               "оплата сразу или частями", "с предоплатой или без", "какой у вас бюджет",
               "на какую сумму рассчитываете"],
    "benefit": ["какие задачи вы хотите решить", "для чего вам это нужно", "на какой результат рассчитываете",
                "что хотите получить в итоге"],
}
# how a client says they will pay; a standard's list for a mode replaces this one
DEFAULT_PAYMENT: dict[str, list[str]] = {
    "at_once": ["сразу", "сразу всю сумму", "сразу и полностью", "полностью", "одним платежом", "целиком"],
    "in_stages": ["поэтапно", "частями", "по частям", "в рассрочку", "несколькими платежами", "половину сразу"],
    "prepayment": ["предоплата", "с предоплатой", "аванс", "заранее"],
    "postpay": ["без предоплаты", "по факту", "после доставки", "после получения", "с отсрочкой", "постоплата"],
    "cash": ["наличными", "наличкой", "налом"],
    "invoice": ["по счету", "безнал", "безналичный расчет", "по безналу", "на расчетный счет"],
}
# how often the client needs it (table 1: «как часто»); a standard's list for a label replaces this one
DEFAULT_FREQUENCY: dict[str, list[str]] = {
    "regular": ["каждый месяц", "каждую неделю", "регулярно", "постоянно", "раз в месяц", "раз в неделю"],
    "one_off": ["разово", "один раз", "единоразово", "только сейчас"],
}
DEFAULT_RULES = [
    PriorityRule(priority="hot", when=When(term_days_max=14, payment=["at_once", "prepayment"])),
    PriorityRule(priority="warm", when=When(term_days_max=30)),
    PriorityRule(priority="warm", when=When(payment=["at_once", "prepayment"])),
]


class LeadParams(CheckParams):
    answer_turns: int = Field(default=2, ge=1)  # client lines after a question that may hold the answer
    urgent_days: int = Field(default=3, ge=0)  # a term this short is «urgent»
    # stricter than stage phrases: «когда вам удобно подъехать» is a meeting, not «когда вам нужно»
    match_cutoff: float = Field(default=88.0, ge=50, le=100)
    questions: dict[Category, list[str]] = {}
    terms: dict[str, int | None] = {}  # phrase -> days, added to the defaults
    payment: dict[PaymentMode, list[str]] = {}
    frequency: dict[Frequency, list[str]] = {}
    priority_rules: list[PriorityRule] = DEFAULT_RULES
    default_priority: Priority = "cold"

    def question_phrases(self) -> dict[str, list[str]]:
        return {**DEFAULT_QUESTIONS, **self.questions}

    def payment_phrases(self) -> dict[str, list[str]]:
        return {**DEFAULT_PAYMENT, **self.payment}

    def frequency_phrases(self) -> dict[str, list[str]]:
        return {**DEFAULT_FREQUENCY, **self.frequency}

    def term_phrases(self) -> dict[str, int | None]:
        return {**DEFAULT_TERMS, **self.terms}


@dataclass(frozen=True)
class Asked:
    category: str
    evidence: Evidence  # the seller's words; reference: the question phrase they matched


@dataclass(frozen=True)
class Lead:
    priority: str
    rule: int | None  # index in priority_rules; None: no rule held, default_priority
    reasons: tuple[Reason, ...]
    asked: tuple[Asked, ...]
    not_asked: tuple[str, ...]  # categories the seller asked nothing about
    answers: tuple[Answer, ...]


# one value a reply states: the value, its label, and the words that state it
Read = tuple[float | int | str | None, str, PhraseMatch]
Reader = Callable[[Utterance, NormText, LeadParams], list[Read]]


def _term(u: Utterance, text: NormText, p: LeadParams) -> list[Read]:
    term = soonest(term_cues(text, p.term_phrases(), p.match_cutoff))
    if term is None:
        return []
    label = "not_urgent" if term.days is None else "urgent" if term.days <= p.urgent_days else "planned"
    return [(term.days, label, term.match)]


def _labels(phrases: Callable[[LeadParams], dict[str, list[str]]]) -> Reader:
    """A reader of labelled phrases (payment modes, frequency): each label the reply names, once."""
    def read(u: Utterance, text: NormText, p: LeadParams) -> list[Read]:
        found: dict[str, Read] = {}
        for cue in cues_in(phrases(p), text, p.match_cutoff):
            found.setdefault(cue.label, (cue.label, "", cue.match))
        return list(found.values())

    return read


def _budget(u: Utterance, text: NormText, p: LeadParams) -> list[Read]:
    amount = largest(money(text, context=True))
    if amount is None:
        return []
    return [(amount.value, "", amount.span(f"{amount.value:.15g} руб."))]


def _goal(u: Utterance, text: NormText, p: LeadParams) -> list[Read]:
    """The client's own words: what the product is for is not a value to normalise."""
    if not text.tokens or is_question(u, text) or only_acknowledges([t.text for t in text.tokens]):
        return []
    return [(u.text, "", PhraseMatch(100.0, 0, len(text.tokens), "the client's words"))]


# answer field, the category of question it answers, and how to read it
_READERS: tuple[tuple[str, str, Reader], ...] = (
    ("term", "urgency", _term),
    ("frequency", "urgency", _labels(LeadParams.frequency_phrases)),
    ("payment_term", "budget", _term),
    ("payment", "budget", _labels(LeadParams.payment_phrases)),
    ("budget", "budget", _budget),
    ("goal", "benefit", _goal),
)


def _asked(ctx: CallContext, p: LeadParams) -> dict[int, list[Asked]]:
    """Seller line -> the identification questions it asks (one line may ask two)."""
    out: dict[int, list[Asked]] = {}
    for i, u in enumerate(ctx.transcript.utterances):
        if u.speaker != "seller":
            continue
        for category, phrases in p.question_phrases().items():
            found = best_match(phrases, ctx.texts[i], p.match_cutoff)
            if found is not None:
                out.setdefault(i, []).append(Asked(category, evidence_for(u, ctx.texts[i], found)))
    return out


def _reply_lines(ctx: CallContext, question: int, next_question: int, turns: int) -> list[int]:
    """The client's lines after a question, up to the next identification question."""
    utterances = ctx.transcript.utterances
    return [j for j in range(question + 1, next_question) if utterances[j].speaker == "client"][:turns]


def _answers(ctx: CallContext, p: LeadParams, asked: dict[int, list[Asked]]) -> tuple[Answer, ...]:
    """The first value of each field the client gave in reply; a re-asked question may fill a gap."""
    found: dict[str, list[Answer]] = {}
    lines = sorted(asked)
    for question, next_question in zip(lines, [*lines[1:], len(ctx.transcript.utterances)]):
        categories = {a.category for a in asked[question]}
        replies = _reply_lines(ctx, question, next_question, p.answer_turns)
        for field, category, read in _READERS:
            # «когда нужно и когда оплатите?» gets one date: it is the need's
            if field in found or category not in categories or (field == "payment_term" and "urgency" in categories):
                continue
            for j in replies:
                u, text = ctx.transcript.utterances[j], ctx.texts[j]
                values = read(u, text, p)
                if values:
                    found[field] = [Answer(field, category, value, evidence_for(u, text, match), label)
                                    for value, label, match in values]
                    break
    return tuple(sorted((a for group in found.values() for a in group), key=lambda a: a.evidence.start))


def qualify(ctx: CallContext, params: Mapping[str, Any]) -> Lead:
    p = LeadParams.model_validate(params)
    asked = _asked(ctx, p)
    answers = _answers(ctx, p, asked)
    priority, rule, reasons = prioritise(p.priority_rules, p.default_priority, answers)
    questions = tuple(a for i in sorted(asked) for a in asked[i])
    not_asked = tuple(c for c in CATEGORIES if all(a.category != c for a in questions))
    return Lead(priority, rule, reasons, questions, not_asked, answers)


@register("lead_qualification", "6", needs_roles=True, params=LeadParams)
def lead_qualification_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    return CheckResult(attributes={"lead": to_jsonable(qualify(ctx, params))})
