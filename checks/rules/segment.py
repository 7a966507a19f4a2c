"""The client's segment (article, criteria for segmentation): size, geography, form of
ownership, industry, the products asked about, and whether the client is new or regular.

Each dimension is read from the client's own lines with the standard's lists
under `checks: segment:`; what the call does not say stays None, never guessed.
Where the cues disagree («мы из Москвы, объект в Подольске») the value is the one
said most often, the first on a tie, and the others are kept with their evidence
so a reviewer, and the routing check, see the conflict. Size is the largest
level any stated sum or volume reaches: one large order makes a large client.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from checks.dialogue.amounts import Amount, about_money, money, volumes
from checks.text.cues import cues_in
from checks.text.matching import evidence_for
from checks.registry import CallContext, CheckParams, CheckResult, register
from checks.text.normalise import NormText
from pipeline.records import Evidence, Utterance
from pipeline.serialize import to_jsonable

SIZE_LEVELS = ("large", "medium")  # a stated amount under every threshold is small
SIZE_RANK = {"small": 0, "medium": 1, "large": 2}
# a standard's list for a label replaces the default one; other labels keep theirs
DEFAULT_OWNERSHIP: dict[str, list[str]] = {
    "company": ["ООО", "АО", "ПАО", "ЗАО", "от организации", "от компании", "юридическое лицо", "юрлицо"],
    "sole_trader": ["ИП", "индивидуальный предприниматель"],
    "private": ["частное лицо", "от себя", "для себя", "физическое лицо", "физлицо"],
}
DEFAULT_RELATIONSHIP: dict[str, list[str]] = {
    "regular": ["мы у вас уже брали", "уже заказывали у вас", "постоянный клиент", "как обычно",
                "как в прошлый раз", "повторный заказ"],
    "new": ["первый раз обращаюсь", "впервые", "раньше у вас не брали", "нашли вас в интернете",
            "нам вас посоветовали"],
}


class SizeLevel(CheckParams):
    budget_rub: float | None = Field(default=None, gt=0)  # a stated sum from this many rubles
    volume: dict[str, float] = {}  # unit word -> from this many of it («куб: 100»)


DEFAULT_SIZE: dict[str, SizeLevel] = {"large": SizeLevel(budget_rub=1_000_000), "medium": SizeLevel(budget_rub=200_000)}


class SegmentParams(CheckParams):
    size: dict[Literal["large", "medium"], SizeLevel] = {}
    geography: dict[str, list[str]] = {}  # label -> cities and regions, matched on lemmas
    ownership: dict[str, list[str]] = {}
    industry: dict[str, list[str]] = {}
    relationship: dict[str, list[str]] = {}
    products: list[str] | None = None  # default: the company's products
    match_cutoff: float | None = Field(default=None, ge=50, le=100)  # default: thresholds.match_cutoff

    def size_levels(self) -> dict[str, SizeLevel]:
        merged = {**DEFAULT_SIZE, **self.size}
        return {level: merged[level] for level in SIZE_LEVELS if level in merged}

    def ownership_phrases(self) -> dict[str, list[str]]:
        return {**DEFAULT_OWNERSHIP, **self.ownership}

    def relationship_phrases(self) -> dict[str, list[str]]:
        return {**DEFAULT_RELATIONSHIP, **self.relationship}


@dataclass(frozen=True)
class SegmentCue:
    value: str
    evidence: Evidence  # the client's words; reference: the listed phrase, or the threshold reached


@dataclass(frozen=True)
class Dimension:
    value: str | None = None
    evidence: Evidence | None = None
    others: tuple[SegmentCue, ...] = ()  # other values the client's words pointed to

    @property
    def cues(self) -> tuple[SegmentCue, ...]:
        main = (SegmentCue(self.value, self.evidence),) if self.value is not None and self.evidence else ()
        return main + self.others


@dataclass(frozen=True)
class Segment:
    size: Dimension
    geography: Dimension
    ownership: Dimension
    industry: Dimension
    products: Dimension
    relationship: Dimension


def _dimension(cues: list[SegmentCue], rank: Callable[[str], int] | None = None) -> Dimension:
    """The value said most often (or ranked highest), the first on a tie; the rest as `others`."""
    first: dict[str, SegmentCue] = {}
    for cue in cues:
        first.setdefault(cue.value, cue)
    if not first:
        return Dimension()
    counts = Counter(c.value for c in cues)
    best = max(first, key=rank or counts.__getitem__)  # max keeps the earliest of equals
    return Dimension(best, first[best].evidence, tuple(c for v, c in first.items() if v != best))


def _level(value: float, unit: str, thresholds: dict[str, float]) -> tuple[str, str]:
    """The size level a value reaches, and the threshold it was judged by."""
    for level, least in thresholds.items():
        if value >= least:
            return level, f"{level}: from {least:.15g} {unit}"
    return "small", f"small: under {min(thresholds.values()):.15g} {unit}"


def _size_cues(u: Utterance, text: NormText, levels: dict[str, SizeLevel], money_talk: bool) -> list[SegmentCue]:
    found: list[tuple[Amount, dict[str, float]]] = []
    budgets = {level: lv.budget_rub for level, lv in levels.items() if lv.budget_rub is not None}
    if budgets:
        found += [(a, budgets) for a in money(text, context=money_talk)]
    units = {unit for lv in levels.values() for unit in lv.volume}
    for a in volumes(text, units):
        found.append((a, {level: lv.volume[a.unit] for level, lv in levels.items() if a.unit in lv.volume}))
    cues = []
    for amount, thresholds in found:
        level, reference = _level(amount.value, "руб." if amount.unit == "rub" else amount.unit, thresholds)
        cues.append(SegmentCue(level, evidence_for(u, text, amount.span(reference))))
    return cues


def classify(ctx: CallContext, p: SegmentParams) -> Segment:
    products = p.products if p.products is not None else ctx.standard.company.products
    labelled: dict[str, Mapping[str, list[str]]] = {
        "geography": p.geography, "ownership": p.ownership_phrases(), "industry": p.industry,
        "products": {product: [product] for product in products}, "relationship": p.relationship_phrases(),
    }
    cutoff = p.match_cutoff or ctx.standard.thresholds.match_cutoff
    levels = p.size_levels()
    found: dict[str, list[SegmentCue]] = {name: [] for name in (*labelled, "size")}
    utterances = ctx.transcript.utterances
    for i, u in enumerate(utterances):
        if u.speaker != "client":
            continue
        text = ctx.texts[i]
        for name, phrases in labelled.items():
            found[name] += [SegmentCue(c.label, evidence_for(u, text, c.match)) for c in cues_in(phrases, text, cutoff)]
        # «Какой у вас бюджет?» — «Тысяч триста»: the question makes the bare number a sum
        money_talk = i > 0 and utterances[i - 1].speaker != "client" and about_money(ctx.texts[i - 1])
        found["size"] += _size_cues(u, text, levels, money_talk)
    return Segment(size=_dimension(found["size"], SIZE_RANK.__getitem__),
                   **{name: _dimension(found[name]) for name in labelled})


@register("segment", "1", needs_roles=True, params=SegmentParams)
def segment_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    return CheckResult(attributes={"segment": to_jsonable(classify(ctx, SegmentParams.model_validate(params)))})
