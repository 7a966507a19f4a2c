"""Labelled examples by meaning, with a threshold per label calibrated from the examples themselves.

A label (a script stage, a knowledge-base fact) is described by example sentences. A line
takes the label of its nearest example, when that example is nearer than every example of
the other labels, every counter-example and every neutral line, and at least as near as the
label's threshold. The thresholds are not set by hand: each is the lowest similarity that
keeps out the other labels' examples, the label's counter-examples and the neutral lines
that would otherwise be taken for it (each tried against the rest, leaving itself out), and
no lower than most neutral lines' similarity to the label. A standard with other examples
gets other thresholds, with no one tuning them; a label with no examples matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from checks.meaning.encoder import Encoder

# a label's threshold is above this share of the neutral lines' similarities to it
NEUTRAL_QUANTILE = 0.95
# and this much above the nearest line it must keep out
MARGIN = 0.01
NEUTRAL = ""  # the label of the neutral lines
COUNTER = "!"  # prefix of a label's counter-examples
_PUNCT = re.compile(r"[^\w\s-]+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def clean(text: str) -> str:
    """What the encoder sees: lower case, no punctuation; the standard's phrases are written so."""
    return " ".join(_PUNCT.sub(" ", text.lower().replace("ё", "е")).split())


def units(text: str) -> tuple[str, ...]:
    """The sentences of a line, and the whole line when it has several: «Добрый день. Чем могу
    помочь?» greets in its first sentence, and a long line can hide a stage in one of them."""
    parts = [clean(p) for p in _SENTENCE_END.split(text)]
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

    def match(self, unit_vectors: np.ndarray, unit_texts: Sequence[str], wanted: str | None = None) -> MeaningMatch | None:
        """The best match of any unit; only of label `wanted` when given."""
        if not len(unit_texts) or not len(self.texts):
            return None
        sims = unit_vectors @ self.vectors.T
        best: MeaningMatch | None = None
        for row, unit in zip(sims, unit_texts):
            nearest = int(row.argmax())
            label = self.labels[nearest]
            if label not in self.thresholds or (wanted is not None and label != wanted):
                continue
            sim = float(row[nearest])
            if sim >= self.thresholds[label] and (best is None or sim - self.thresholds[label] > best.similarity - best.threshold):
                best = MeaningMatch(label, sim, self.thresholds[label], self.texts[nearest], unit)
        return best


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
    out: dict[str, float] = {}
    for label in dict.fromkeys(labels):
        if not label or label.startswith(COUNTER):
            continue
        own = lab == label
        to_label = np.where(own[None, :], sims, -np.inf).max(axis=1)  # each reference's similarity to the label
        threshold = float(np.quantile(to_label[~own], NEUTRAL_QUANTILE)) + MARGIN
        counter = lab == COUNTER + label
        if counter.any():  # what the standard says is not the label stays out, whatever it costs
            threshold = max(threshold, float(to_label[counter].max()) + MARGIN)
        out[label] = threshold
    return out


def separating_threshold(positives: np.ndarray, negatives: np.ndarray) -> float:
    """The cut that best tells the label's own examples (each against the rest) from everything
    else: most of the first kept and fewest of the second let in (Youden's J)."""
    positives = positives[np.isfinite(positives)]
    if not len(positives):  # one example: nothing to learn from but the negatives
        return float(np.quantile(negatives, NEUTRAL_QUANTILE)) + MARGIN if len(negatives) else 1.0
    if not len(negatives):
        return float(positives.min())
    candidates = np.unique(np.concatenate([positives, negatives + MARGIN]))
    tpr = (positives[None, :] >= candidates[:, None]).mean(axis=1)
    fpr = (negatives[None, :] >= candidates[:, None]).mean(axis=1)
    return float(candidates[int(np.argmax(tpr - fpr))])
