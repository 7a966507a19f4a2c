"""Labelled examples by meaning, with a threshold per label calibrated from the examples themselves.

A label (a script stage, a knowledge-base fact) is described by example sentences. A line
takes the label of its nearest reference, when that reference is one of the label's examples
(not an example of another label, a counter-example or a neutral line) and at least as near
as the label's threshold.

The thresholds are not set by hand. A label's threshold is the similarity to its examples that
95% of everything else stays under: the other labels' examples and the neutral lines (each an
everyday line of a call). A standard with other examples gets other thresholds, with no one
tuning them. Counter-examples are kept out entirely: the threshold is raised above the nearest
of them. A first try calibrated on the examples' own similarity to each other (leave one out);
short stock phrases are far nearer to each other than a real line is to them, so those
thresholds kept out almost every paraphrase. A label with no examples matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from checks.meaning.encoder import Encoder

# a label's threshold is above this share of the other references' similarities to it
NEUTRAL_QUANTILE = 0.95
# and this much above the quantile, or the nearest counter-example
MARGIN = 0.01
# a sentence nearer to a neutral line than 90% of the examples are is taken for that everyday line
# (`MeaningIndex.neutral_bar`); 95% kept «спасибо за ожидание» in
NEUTRAL_BAR_QUANTILE = 0.90
NEUTRAL = ""  # the label of the neutral lines
COUNTER = "!"  # prefix of a label's counter-examples
_PUNCT = re.compile(r"[^\w\s-]+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


# the day and the hour of a line: a stage's required elements check them, and to the encoder
# they are most of a short line («может заглянете к нам в офис в пятницу в час дня» is further
# from «приезжайте к нам в офис» than the same line without its time); «дня», «вечера» stay, as
# farewells and greetings say them
_WHEN = re.compile(
    r"\b(?:(?:в|во|к|около)\s+)?(?:понедельник\w*|вторник\w*|среду|четверг\w*|пятниц\w*|суббот\w*|воскресень\w*|(?:после\s*)?завтра"
    r"|сегодня|полдень|полдвенадцатого|половин\w*|\d+(?::\d+)?|один|одну|два|две|три|четыре|пять|шесть|семь|восемь"
    r"|девять|десять|одиннадцать|двенадцать|двадцать\w*|тридцат\w*|сорок\w*|пятидесят\w*|пятьдесят"
    r"|первого|второго|третьего|четвертого|пятого|шестого|седьмого|восьмого|девятого|десятого"
    r"|одиннадцатого|двенадцатого)\b")


def clean(text: str) -> str:
    """What the encoder sees: lower case, no punctuation, no day or hour; the standard's phrases are written so."""
    return " ".join(_WHEN.sub(" ", _PUNCT.sub(" ", text.lower().replace("ё", "е"))).split())


def sentences(text: str) -> list[str]:
    """A recognised line cut after each «.», «!», «?» or «…» that a space follows, marks kept."""
    return _SENTENCE_END.split(text)


@lru_cache(maxsize=65536)
def units(text: str) -> tuple[str, ...]:
    """The sentences of a line, and the whole line when it has several: «Добрый день. Чем могу
    помочь?» greets in its first sentence, and a long line can hide a stage in one of them."""
    parts = [clean(p) for p in sentences(text)]
    parts = [p for p in parts if p]
    whole = clean(text)
    return tuple(dict.fromkeys([*parts, whole] if len(parts) > 1 else [whole] if whole else []))


@dataclass(frozen=True)
class MeaningMatch:
    label: str
    similarity: float
    threshold: float
    example: str  # the nearest example of the label
    unit: str  # the part of the line that matched

    @property
    def strength(self) -> float:
        """0 at the threshold, 1 at identity: comparable across labels with different thresholds."""
        return (self.similarity - self.threshold) / max(1e-6, 1.0 - self.threshold)


@dataclass(frozen=True)
class MeaningIndex:
    labels: tuple[str, ...]  # one per reference row: a label, COUNTER + label, or NEUTRAL
    texts: tuple[str, ...]
    vectors: np.ndarray
    thresholds: Mapping[str, float]

    def match(self, unit_vectors: np.ndarray, unit_texts: Sequence[str], wanted: str | None = None,
              sims: np.ndarray | None = None) -> MeaningMatch | None:
        """The best match of any unit; only of label `wanted` when given. `sims`: the units'
        similarities to the references, when the caller has them already."""
        found = self.matches(unit_texts, self.similarities(unit_vectors) if sims is None else sims)
        if wanted is not None:
            return found.get(wanted)
        return max(found.values(), key=lambda m: m.similarity - m.threshold, default=None)

    def matches(self, unit_texts: Sequence[str], sims: np.ndarray) -> dict[str, MeaningMatch]:
        """Per label, the unit that matches it best (see the module's docstring)."""
        best: dict[str, MeaningMatch] = {}
        if not len(unit_texts) or not len(self.texts):
            return best
        nearest_rows = sims.argmax(axis=1)
        for row, nearest, unit in zip(sims, nearest_rows, unit_texts):
            label = self.labels[int(nearest)]
            threshold = self.thresholds.get(label)
            sim = float(row[nearest])
            if threshold is None or sim < threshold:
                continue
            if label not in best or sim - threshold > best[label].similarity - threshold:
                best[label] = MeaningMatch(label, sim, threshold, self.texts[int(nearest)], unit)
        return best

    @cached_property
    def neutral_bar(self) -> float:
        """The similarity to the nearest neutral line that NEUTRAL_BAR_QUANTILE of the labels'
        examples stay under: a sentence this near to an everyday line is that line."""
        labels = self.label_array
        neutral = labels == NEUTRAL
        examples = ~neutral & np.array([not label.startswith(COUNTER) for label in self.labels], dtype=bool)
        if not neutral.any() or not examples.any():
            return float("inf")
        to_neutral = (self.vectors[examples] @ self.vectors[neutral].T).max(axis=1)
        return float(np.quantile(to_neutral, NEUTRAL_BAR_QUANTILE)) + MARGIN

    @cached_property
    def label_array(self) -> np.ndarray:
        """The labels as an array, for masks over the references."""
        return np.array(self.labels, dtype=object)

    def similarities(self, unit_vectors: np.ndarray) -> np.ndarray:
        return unit_vectors @ self.vectors.T


def build_index(examples: Mapping[str, Sequence[str]], counter_examples: Mapping[str, Sequence[str]],
                neutral: Sequence[str], encoder: Encoder) -> MeaningIndex:
    labels: list[str] = []
    texts: list[str] = []
    for label, items in examples.items():
        for text in dict.fromkeys(clean(t) for t in items):
            labels.append(label)
            texts.append(text)
    for label, items in counter_examples.items():
        for text in dict.fromkeys(clean(t) for t in items):
            labels.append(COUNTER + label)
            texts.append(text)
    for text in dict.fromkeys(clean(t) for t in neutral):
        labels.append(NEUTRAL)
        texts.append(text)
    vectors = encoder.encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    thresholds = calibrate(tuple(labels), vectors)
    return MeaningIndex(tuple(labels), tuple(texts), vectors, thresholds)


def calibrate(labels: tuple[str, ...], vectors: np.ndarray) -> dict[str, float]:
    """Each label's threshold, from the references alone (see the module's docstring)."""
    if not labels:
        return {}
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)  # each reference is tried against the others
    lab = np.array(labels, dtype=object)
    is_counter = np.array([label.startswith(COUNTER) for label in labels])
    out: dict[str, float] = {}
    for label in dict.fromkeys(labels):
        if not label or label.startswith(COUNTER):
            continue
        own = lab == label
        to_label = np.where(own[None, :], sims, -np.inf).max(axis=1)  # each reference's similarity to the label
        threshold = float(np.quantile(to_label[~own & ~is_counter], NEUTRAL_QUANTILE)) + MARGIN
        counter = lab == COUNTER + label
        if counter.any():  # what the standard says is not the label stays out, whatever it costs
            threshold = max(threshold, float(to_label[counter].max()) + MARGIN)
        out[label] = threshold
    return out

