"""Answers to client questions: wrong, evasive or missing (article, example 6).

A client question is paired with the seller's next lines. When the knowledge
base holds the fact asked about, the values the seller states are compared
with it; a fact the knowledge base lacks is never judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.dialogue import (
    AMOUNT_WORDS,
    StatedValue,
    answer_window,
    expected_value,
    fact_for_question,
    fact_keywords_found,
    is_question,
    stated_values,
    values_equal,
)
from checks.matching import best_match, evidence_for, match_phrase
from checks.registry import CallContext, CheckResult, register
from checks.standard import Fact
from checks.text import NormText, match_key
from pipeline.records import Finding

DEFAULT_EVASIVE = ["не знаю", "это не ко мне", "перезвоните позже", "не могу сказать", "не в курсе", "уточните сами"]
# function words that say nothing about a question's topic
_STOP = frozenset(
    match_key(w) for w in (
        "в на у с по для за к о об от до из а и но или да нет ну вот же ли не ни что как это то так "
        "я мы вы ты он она они мне вам нам вас нас меня себя мой ваш наш есть быть можно хотеть "
        "сказать подсказать скажите очень там тут здесь еще уже какой сколько когда где почему "
        "если бы тоже только весь все этот тот"
    ).split()
)
_YES_NO = frozenset(match_key(w) for w in ("да", "нет", "конечно", "разумеется", "к", "сожаление", "есть", "можно"))


def client_questions(ctx: CallContext) -> list[int]:
    kb = ctx.standard.knowledge_base
    return [
        i for i, u in enumerate(ctx.transcript.utterances)
        if u.speaker == "client" and is_question(u, ctx.texts[i], kb)
    ]


def _question_fact(ctx: CallContext, index: int) -> Fact | None:
    return fact_for_question(ctx.texts[index], ctx.standard.knowledge_base)


def hold_phrases(ctx: CallContext) -> list[str]:
    from checks.pauses import DEFAULT_HOLD_PHRASES

    return list(ctx.standard.check_params("multitasking_pause").get("hold_phrases", DEFAULT_HOLD_PHRASES))


def _judged_fact(ctx: CallContext, question: int, answer: int) -> Fact | None:
    """The fact a question-and-answer pair is about.

    The question is the first clue; when recognition garbled it («сколько в
    тайпуга за бетонзаку?»), the seller's reply, which names the topic and a
    value, identifies it instead.
    """
    fact = _question_fact(ctx, question)
    if fact is None:
        fact = fact_for_question(ctx.texts[answer], ctx.standard.knowledge_base)
        if fact is not None and not stated_values(ctx.texts[answer], fact.unit):
            return None
    return fact


def _finding(kind: str, severity: str, ctx: CallContext, index: int, evidence: str, reference: str,
             check: str, details: dict[str, object], start: float | None = None, end: float | None = None) -> Finding:
    u = ctx.transcript.utterances[index]
    return Finding(type=kind, severity=severity,  # type: ignore[arg-type]
                   start=u.start if start is None else start, end=u.end if end is None else end,
                   speaker=u.speaker, evidence=evidence, reference=reference, check=check, details=details)


@register("wrong_answer", "1", requires=("knowledge_base",), needs_roles=True)
def wrong_answer_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    turns = int(params.get("answer_turns", 3))
    holds = hold_phrases(ctx)
    findings: list[Finding] = []
    for q in client_questions(ctx):
        for a in answer_window(ctx, q, turns, holds):
            fact = _judged_fact(ctx, q, a)
            if fact is None or fact.unit == "text":
                continue
            values = stated_values(ctx.texts[a], fact.unit)
            if not values:
                continue
            expected = expected_value(fact)
            if not any(values_equal(v.value, expected) for v in values):
                findings.append(_wrong(ctx, q, a, fact, values[0], expected, params))
            break  # the first line that states a value is the answer
    return CheckResult(findings=tuple(findings))


def _wrong(ctx: CallContext, q: int, a: int, fact: Fact, stated: StatedValue, expected: float | str,
           params: Mapping[str, Any]) -> Finding:
    text: NormText = ctx.texts[a]
    u = ctx.transcript.utterances[a]
    words = u.words[text.tokens[stated.token_start].word_start: text.tokens[stated.token_end - 1].word_end]
    return _finding(
        "wrong_answer", params.get("severity", "major"), ctx, a,
        evidence=f"«{ctx.transcript.utterances[q].text}» → «{u.text}»",
        reference=f"{fact.id}: {fact.topic} = {_show(expected, fact.unit)}",
        check="wrong_answer",
        details={"fact": fact.id, "expected": _show(expected, fact.unit),
                 "stated": _show(stated.value, fact.unit), "question_start": ctx.transcript.utterances[q].start},
        start=words[0].start if words else None, end=words[-1].end if words else None,
    )


def _show(value: float | str, unit: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    suffix = {"rub": " руб.", "years": " лет", "percent": "%", "days": " дн.", "hours": " ч"}.get(unit, "")
    return f"{value}{suffix}"


@register("evasive_answer", "1", requires=("knowledge_base",), needs_roles=True)
def evasive_answer_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    phrases = list(params.get("phrases", DEFAULT_EVASIVE))
    turns = int(params.get("answer_turns", 2))
    cutoff = ctx.standard.thresholds.match_cutoff
    findings: list[Finding] = []
    for q in client_questions(ctx):
        fact = _question_fact(ctx, q)
        if fact is None:
            continue
        for a in answer_window(ctx, q, turns, hold_phrases(ctx)):
            if stated_values(ctx.texts[a], fact.unit):
                break
            found = best_match(phrases, ctx.texts[a], cutoff)
            if found:
                ev = evidence_for(ctx.transcript.utterances[a], ctx.texts[a], found)
                findings.append(_finding(
                    "evasive_answer", params.get("severity", "major"), ctx, a,
                    evidence=f"«{ctx.transcript.utterances[q].text}» → «{ev.quote}»",
                    reference=f"{fact.id}: the knowledge base answers it: {_show(expected_value(fact), fact.unit)}",
                    check="evasive_answer", details={"fact": fact.id, "phrase": found.reference},
                    start=ev.start, end=ev.end,
                ))
                break
    return CheckResult(findings=tuple(findings))


def _content_keys(text: NormText) -> set[str]:
    return {k for k in text.keys.split() if k not in _STOP and not k[:1].isdigit() and len(k) > 2}


def _answers(ctx: CallContext, q: int, a: int, fact: Fact | None, evasive: list[str]) -> bool:
    """Whether line `a` responds to question `q`; an evasive reply is judged by its own check."""
    question, answer = ctx.texts[q], ctx.texts[a]
    if fact is not None and (stated_values(answer, fact.unit) or fact_keywords_found(fact, answer)
                             or _says_text_value(fact, answer, ctx.standard.thresholds.match_cutoff)):
        return True
    if best_match(evasive, answer, ctx.standard.thresholds.match_cutoff):
        return True
    if _content_keys(question) & _content_keys(answer):
        return True
    asks_amount = bool(AMOUNT_WORDS & set(question.keys.split()))
    if asks_amount and any(t.text[:1].isdigit() for t in answer.tokens):
        return True
    first = answer.keys.split()[:1]
    return bool(first) and first[0] in _YES_NO and match_key("ли") in question.keys.split()


def _says_text_value(fact: Fact, answer: NormText, cutoff: float) -> bool:
    """An address or a name in the reply answers a question about it, however phrased."""
    return fact.unit == "text" and match_phrase(str(fact.value), answer, cutoff * 0.8) is not None


@register("ignored_question", "1", needs_roles=True)
def ignored_question_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    turns = int(params.get("answer_turns", 2))
    min_words = int(params.get("min_words", 3))
    evasive = list(ctx.standard.check_params("evasive_answer").get("phrases", DEFAULT_EVASIVE))
    findings: list[Finding] = []
    for q in client_questions(ctx):
        if len(ctx.texts[q].tokens) < min_words:
            continue  # «да?», «алло?» ask for attention, not for an answer
        fact = _question_fact(ctx, q)
        window = answer_window(ctx, q, turns, hold_phrases(ctx))
        if any(_answers(ctx, q, a, fact, evasive) for a in window):
            continue
        reply = ctx.transcript.utterances[window[0]].text if window else "(no reply)"
        findings.append(_finding(
            "ignored_question", params.get("severity", "major"), ctx, q,
            evidence=f"«{ctx.transcript.utterances[q].text}» → «{reply}»",
            reference=f"an on-topic answer within {turns} seller turns"
            + (f" (knowledge base: {fact.id})" if fact else ""),
            check="ignored_question", details={"fact": fact.id if fact else None},
        ))
    return CheckResult(findings=tuple(findings))
