"""What announces a hold: one of the standard's hold phrases («секундочку», «не кладите трубку»),
or the seller saying they will look something up («загляну в таблицу», «уточню у коллеги»), in
whatever words the rest of the line is heard."""

from __future__ import annotations

from collections.abc import Sequence

from checks.text.matching import best_match
from checks.registry import CallContext
from checks.text.normalise import GRAMMAR_POS, NormText, first_person_singular_verb, part_of_speech

DEFAULT_HOLD_PHRASES = [
    "секундочку", "одну секунду", "минутку", "минуточку", "одну минуту", "подождите",
    "сейчас посмотрю", "сейчас уточню", "оставайтесь на линии", "не кладите трубку",
    "один момент", "сейчас гляну", "сейчас проверю", "сейчас загляну", "сейчас найду", "не отключайтесь",
    "не вешайте трубку", "побудьте на линии", "повисите", "ожидайте", "я проверю", "я посмотрю", "я уточню",
    "я гляну",
]
# a seller who says «I'll check» leaves the line to do it
DEFAULT_LOOKUP_VERBS = ("посмотреть", "проверить", "уточнить", "глянуть", "заглянуть", "найти", "поискать",
                        "узнать", "узнавать", "спросить", "выяснить", "подсмотреть", "поглядеть")


def hold_announced(ctx: CallContext, i: int) -> str | None:
    """How line i announces a hold, if it does."""
    memo = ctx.hold_memo
    if i not in memo:
        cutoff = ctx.standard.thresholds.match_cutoff
        memo[i] = announces_hold(ctx.texts[i], hold_phrases(ctx), lookup_verbs(ctx), cutoff)
    return memo[i]


def delays_the_reply(ctx: CallContext, i: int) -> bool:
    """Line i is no reply yet: it announces a hold, or only excuses the wait, with no «?» («прошу
    прощения, отвлеклась немного» after a silence; the reply comes in the seller's next line).
    «Извините, в Подольск мы не возим» replies, and «извините, вас плохо слышно» is about the line."""
    if hold_announced(ctx, i) is not None:
        return True
    lemmas = [t.lemma for t in ctx.texts[i].tokens]
    return (not _APOLOGY.isdisjoint(lemmas) and "?" not in ctx.transcript.utterances[i].text
            and all(lemma in _APOLOGY or lemma in _WAITING or part_of_speech(lemma) in GRAMMAR_POS for lemma in lemmas))


# «извините», «простите», «прошу прощения», «извиняюсь»
_APOLOGY = frozenset(("извинить", "извиниться", "извиняться", "простить", "прощение"))
# what a seller excuses: the wait, being called away
_WAITING = frozenset(("просить", "отвлечься", "отвлечь", "задержаться", "долго", "ждать", "подождать", "заставить",
                      "ожидание", "отойти", "немного", "немножко", "пожалуйста", "секунда", "минута"))


def hold_phrases(ctx: CallContext) -> list[str]:
    return list(ctx.standard.check_params("multitasking_pause").get("hold_phrases", DEFAULT_HOLD_PHRASES))


def lookup_verbs(ctx: CallContext) -> frozenset[str]:
    return frozenset(ctx.standard.check_params("multitasking_pause").get("lookup_verbs", DEFAULT_LOOKUP_VERBS))


def announces_hold(text: NormText, phrases: Sequence[str], verbs: frozenset[str], cutoff: float) -> str | None:
    """The hold phrase matched, or «загляну» for a lookup verb in the first person; None if neither."""
    found = best_match(phrases, text, cutoff) if phrases else None
    if found:
        return found.reference
    return next((f"«{t.text}»" for t in text.tokens if first_person_singular_verb(t.text) in verbs), None)
