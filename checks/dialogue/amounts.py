"""Sums of money and volumes a client states: «бюджет триста тысяч», «30 кубов».

Numbers arrive as digits («триста тысяч» → 300000). A bare number is money only
where the talk is about money, a reply to a budget question or a line naming a
budget or a sum: otherwise «дом 12» or «в 2025 году» would be a budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from checks.dialogue.questions import stated_values
from checks.text.matching import PhraseMatch, reference_lemmas
from checks.text.normalise import NormText, match_key

MONEY_WORDS = frozenset(match_key(w) for w in "бюджет сумма рубль потратить заплатить оплатить стоимость цена".split())
# a number followed by one of these counts something else than rubles
NOT_MONEY = frozenset(match_key(w) for w in (
    "год месяц неделя день час минута процент штука куб кубометр тонна метр поддон лист мешок этаж дом квадрат"
).split())
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


@dataclass(frozen=True)
class Amount:
    value: float
    unit: str  # "rub", or a volume unit as the standard names it
    token_start: int
    token_end: int  # exclusive
    explicit: bool  # a unit word was said («рублей»), not only a number

    def span(self, reference: str) -> PhraseMatch:
        """The words that state it, as a match for `evidence_for`."""
        return PhraseMatch(100.0, self.token_start, self.token_end, reference)


def about_money(text: NormText) -> bool:
    """The line names a budget, a sum or a price: a bare number in it, or in the reply to it, is money."""
    return bool(MONEY_WORDS & text.key_set)


def money(text: NormText, *, context: bool = False) -> list[Amount]:
    """Sums in rubles the line states; `context`: the line answers a question about money."""
    context = context or about_money(text)
    out: list[Amount] = []
    for v in stated_values(text, "rub"):
        explicit = v.token_end - v.token_start > 1
        after = text.tokens[v.token_end].key if v.token_end < len(text.tokens) else ""
        if explicit or (context and after not in NOT_MONEY):
            out.append(Amount(float(v.value), "rub", v.token_start, v.token_end, explicit))
    return out


def largest(amounts: list[Amount]) -> Amount | None:
    """The sum a line means: one said with «рублей» first, then the larger
    («от двухсот до трёхсот тысяч»: a budget is a ceiling)."""
    return max(amounts, key=lambda a: (a.explicit, a.value), default=None)


def volumes(text: NormText, units: Iterable[str]) -> list[Amount]:
    """«30 кубов», or in speech «кубов 30»: a number next to one of the standard's volume units."""
    by_key = {reference_lemmas(u)[0][1]: u for u in units if reference_lemmas(u)}
    toks = text.tokens
    out: list[Amount] = []
    for i, tok in enumerate(toks):
        if not _NUMBER.match(tok.text):
            continue
        if i + 1 < len(toks) and toks[i + 1].key in by_key:
            out.append(Amount(float(tok.text), by_key[toks[i + 1].key], i, i + 2, True))
        elif i > 0 and toks[i - 1].key in by_key and not (out and out[-1].token_end == i):
            out.append(Amount(float(tok.text), by_key[toks[i - 1].key], i - 1, i + 1, True))
    return out
