"""The meaning layer as the checks see it: one call's line vectors, and the standard's indexes.

Each line of a call is cut into its sentences (`index.units`) and all of them are embedded
in one batch, once per call. The standard's indexes (stages, facts) are built and calibrated
once per standard and kept for the process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from checks.text.matching import PhraseMatch, best_match, match_phrase
from checks.meaning.asking import question_model
from checks.meaning.encoder import DIM, get_encoder
from checks.meaning.index import (COUNTER, MARGIN, NEUTRAL, NEUTRAL_QUANTILE, MeaningIndex, MeaningMatch, build_index, clean,
                                  sentences, units)
from checks.meaning.neutral import NEUTRAL_LINES, RECORD_QUESTIONS
from checks.standard import Standard
from checks.text.normalise import NormText
from pipeline.records import Transcript

# a sentence this short is left to the phrases: two words have too little meaning to compare
# («ага добрый» is as near to «всего доброго» as a farewell is)
MIN_UNIT_WORDS = 3


@dataclass(frozen=True)
class LineVectors:
    """Per line of the call: its sentences and their vectors (one matrix, `spans` cut it by line)."""

    units: tuple[tuple[str, ...], ...]
    matrix: np.ndarray
    spans: tuple[tuple[int, int], ...]
    # id of an index → every line's similarities and matches to it, computed for the whole call at
    # once when first asked: every stage and check asks about the same lines
    _sims: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    _matches: dict[int, tuple[dict[str, MeaningMatch], ...]] = field(default_factory=dict, repr=False, compare=False)

    def similarities(self, index: MeaningIndex, line: int) -> np.ndarray:
        if id(index) not in self._sims:
            self._sims[id(index)] = index.similarities(self.matrix)
        start, end = self.spans[line]
        return self._sims[id(index)][start:end]

    def rows(self, line: int) -> np.ndarray:
        """The vectors of one line's sentences (none for a line too short to compare)."""
        start, end = self.spans[line]
        return self.matrix[start:end]

    def match(self, index: MeaningIndex, line: int, wanted: str | None = None) -> MeaningMatch | None:
        if id(index) not in self._matches:
            self._matches[id(index)] = tuple(
                index.matches(self.units[i], self.similarities(index, i)) for i in range(len(self.units)))
        found = self._matches[id(index)][line]
        if wanted is not None:
            return found.get(wanted)
        return max(found.values(), key=lambda m: m.similarity - m.threshold, default=None)


def line_vectors(transcript: Transcript) -> LineVectors:
    return text_vectors([utt.text for utt in transcript.utterances])


def text_vectors(texts: Sequence[str]) -> LineVectors:
    """`LineVectors` of lines given as text; no line long enough to compare loads no encoder."""
    per_line = [tuple(u for u in units(text) if len(u.split()) >= MIN_UNIT_WORDS) for text in texts]
    flat = [u for line in per_line for u in line]
    matrix = get_encoder().encode(flat) if flat else np.zeros((0, DIM), dtype=np.float32)
    spans: list[tuple[int, int]] = []
    for line in per_line:
        start = spans[-1][1] if spans else 0
        spans.append((start, start + len(line)))
    return LineVectors(tuple(per_line), matrix, tuple(spans))


@dataclass(frozen=True)
class Asking:
    """One sentence of a line: whether recognition ended it with «?», and how likely its words
    ask by the question model (None for a sentence too short to compare)."""

    marked: bool
    probability: float | None


def sentences_asking(lines: LineVectors, line: int, raw: str) -> list[Asking]:
    # the line's sentences were embedded with the call; the model scores them all at once
    asking = dict(zip(lines.units[line], question_model().probabilities(lines.rows(line)).tolist()))
    return [Asking(sentence.rstrip().endswith("?"), asking.get(key))
            for sentence in sentences(raw) if (key := clean(sentence))]


@dataclass(frozen=True)
class Nearness:
    """How near a reply is to a question, and the bar it must reach: the similarity to the
    question that 95% of the neutral lines stay under. Each question gets its own bar, so a
    question that every line is somewhat near («а что посоветуете?») asks more of its reply."""

    similarity: float
    bar: float

    @property
    def close(self) -> bool:
        return self.similarity >= self.bar


_NEUTRAL_MATRIX: list[np.ndarray] = []


def _neutral_matrix() -> np.ndarray:
    if not _NEUTRAL_MATRIX:
        _NEUTRAL_MATRIX.append(get_encoder().encode(list(dict.fromkeys(clean(t) for t in NEUTRAL_LINES))))
    return _NEUTRAL_MATRIX[0]


def nearness(lines: LineVectors, question: int, reply: int) -> Nearness | None:
    """How near line `reply` is in meaning to line `question`; None when either is too short to
    compare. «Сетку на зиму снять можно?» — «она снимается без инструмента» shares no word."""
    asked, said = lines.rows(question), lines.rows(reply)
    if not len(asked) or not len(said):
        return None
    bar = float(np.quantile((_neutral_matrix() @ asked.T).max(axis=1), NEUTRAL_QUANTILE)) + MARGIN
    return Nearness(float((said @ asked.T).max()), bar)


# id of the standard → (the standard, its index); the standard is kept so its id is not reused
_STAGES: dict[int, tuple[Standard, MeaningIndex]] = {}
_FACTS: dict[int, tuple[Standard, MeaningIndex]] = {}


def stage_index(standard: Standard) -> MeaningIndex:
    """The stages' phrases as examples, their counter-examples, and the neutral lines."""
    cached = _STAGES.get(id(standard))
    if cached is None or cached[0] is not standard:
        index = build_index({s.id: s.phrases for s in standard.stages},
                            {s.id: s.counter_examples for s in standard.stages if s.counter_examples},
                            NEUTRAL_LINES, get_encoder())
        fixed = {s.id: s.threshold for s in standard.stages if s.threshold is not None}
        if fixed:  # set by `callqa calibrate` from reviewed calls: it replaces the calibrated one
            index = replace(index, thresholds={**index.thresholds, **fixed})
        cached = _STAGES[id(standard)] = (standard, index)
    return cached[1]


def fact_index(standard: Standard) -> MeaningIndex:
    """The facts' example questions (and topics) against each other and the neutral lines."""
    cached = _FACTS.get(id(standard))
    if cached is None or cached[0] is not standard:
        examples = {f.id: [*f.example_questions, *([f.topic] if f.topic and f.example_questions else [])]
                    for f in standard.knowledge_base if f.example_questions}
        index = build_index(examples, {}, NEUTRAL_LINES, get_encoder())
        cached = _FACTS[id(standard)] = (standard, index)
    return cached[1]


_TOPICS: dict[int, tuple[Standard, MeaningIndex]] = {}


def topic_index(standard: Standard) -> MeaningIndex:
    """Every fact's topic and example questions, to choose between facts a line's keywords tie on."""
    cached = _TOPICS.get(id(standard))
    if cached is None or cached[0] is not standard:
        examples = {f.id: [*([f.topic] if f.topic else []), *f.example_questions] for f in standard.knowledge_base}
        index = build_index({k: v for k, v in examples.items() if v}, {}, NEUTRAL_LINES, get_encoder())
        cached = _TOPICS[id(standard)] = (standard, index)
    return cached[1]


_PHRASES: dict[tuple[object, ...], MeaningIndex] = {}


def phrase_index(label: str, phrases: tuple[str, ...],
                 others: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> MeaningIndex:
    """A check's phrase list as the examples of one label («не знаю», «это не ко мне» for an
    evasive reply), calibrated against the neutral lines and `others`: labelled lines known not
    to be this label (the stages' examples are no banned phrase), which a line may be nearer to."""
    key = (label, phrases, others)
    if key not in _PHRASES:
        _PHRASES[key] = build_index({label: phrases, **dict(others)}, {}, NEUTRAL_LINES, get_encoder())
    return _PHRASES[key]


def words_or_meaning(label: str, phrases: Sequence[str], text: NormText, lines: LineVectors, line: int,
                     cutoff: float) -> PhraseMatch | None:
    """One of a check's phrases said in its words, or a line near one of them in meaning
    («без понятия, это к начальству» for «не знаю»), whichever is stronger."""
    by_words = best_match(list(phrases), text, cutoff)
    found = lines.match(phrase_index(label, tuple(phrases)), line)
    by_meaning = as_phrase_match(found, text, cutoff) if found else None
    if by_words and (by_meaning is None or by_words.score >= by_meaning.score):
        return by_words
    return by_meaning


def as_phrase_match(found: MeaningMatch, text: NormText, cutoff: float) -> PhraseMatch:
    """A match by meaning on the phrase scale: at its calibrated threshold it is as strong as a
    phrase at the cutoff, at identity as strong as an exact phrase; its evidence names the
    nearest example and the similarity."""
    score = cutoff + found.strength * (100.0 - cutoff)
    # the evidence is the sentence that matched, not the whole line: Whisper runs a seller's
    # «Да-да, простите.» and the question after it into one line
    span = match_phrase(found.unit, text, 0.0)
    start, end = (span.token_start, span.token_end) if span else (0, len(text.tokens))
    return PhraseMatch(score, start, end,
                       f"{found.example} (by meaning: «{found.unit}», similarity {found.similarity:.2f} "
                       f"≥ {found.threshold:.2f})")


def counter_example_wins(index: MeaningIndex, lines: LineVectors, line: int, label: str) -> str | None:
    """The counter-example of `label` a line says, when it is nearer to it than to any of the
    label's examples and as near as the label's threshold: «если надумаете, звоните» has the
    word «звоните» and proposes no meeting."""
    if not lines.units[line] or label not in index.thresholds:
        return None
    sims = lines.similarities(index, line)
    labels = index.label_array
    counter = labels == "!" + label
    if not counter.any():
        return None
    own = labels == label
    for row in sims:
        best_counter = int(np.where(counter, row, -np.inf).argmax())
        if row[best_counter] >= index.thresholds[label] and row[best_counter] > np.where(own, row, -np.inf).max():
            return index.texts[best_counter]
    return None


def nearer_to_neutral(index: MeaningIndex, lines: LineVectors, line: int, label: str, said: Sequence[str]) -> bool:
    """The sentence holding the words `said` is an everyday line of a call: as near to one as few
    examples of any label are (`MeaningIndex.neutral_bar`), and nearer to it than to any example
    of `label`. «Спасибо за ожидание» shares two words with «спасибо за звонок» and is «спасибо, что
    подождали». False when the sentence is too short to compare."""
    units_of_line = lines.units[line]
    if not units_of_line or label not in index.thresholds:
        return False
    words = set(clean(" ".join(said)).split())
    # the sentence that holds most of the words; the whole line (the last unit) only when it is all
    best = max(range(len(units_of_line)), key=lambda k: (len(words & set(units_of_line[k].split())), -len(units_of_line[k])))
    row = lines.similarities(index, line)[best]
    labels = index.label_array
    neutral = float(np.where(labels == NEUTRAL, row, -np.inf).max())
    return neutral >= index.neutral_bar and neutral > float(np.where(labels == label, row, -np.inf).max())



_RECORD_MATRIX: list[np.ndarray] = []


def _record_matrix() -> np.ndarray:
    if not _RECORD_MATRIX:
        _RECORD_MATRIX.append(get_encoder().encode(list(dict.fromkeys(clean(t) for t in RECORD_QUESTIONS))))
    return _RECORD_MATRIX[0]


def record_bar(index: MeaningIndex) -> float:
    """The nearness to a record question (`RECORD_QUESTIONS`) that no example of the standard
    reaches: a sentence nearer than that to «вы у нас раньше покупали?» asks for the record, however
    far it is from the neutral lines (`MeaningIndex.neutral_bar`; the record questions are no small
    talk: «вы у нас раньше уже обслуживались?» sits at 0.59 from them, 0.32 from the nearest neutral
    line). Calibrated from the standard's own examples, as every bar here: a company whose stages
    ask about the client's history raises it."""
    cached = _RECORD_BARS.get(id(index))
    if cached is None or cached[0] is not index:
        labels = index.label_array
        examples = np.array([label != NEUTRAL and not label.startswith(COUNTER) for label in labels], dtype=bool)
        bar = float((index.vectors[examples] @ _record_matrix().T).max()) + MARGIN if examples.any() else float("inf")
        cached = _RECORD_BARS[id(index)] = (index, bar)
    return cached[1]


# id of an index → (the index, its bar); the index is kept so its id is not reused, as for `_STAGES`
_RECORD_BARS: dict[int, tuple[MeaningIndex, float]] = {}


def asks_for_the_record(index: MeaningIndex, lines: LineVectors, line: int, label: str) -> bool:
    """Every sentence of the line is a question for the client's record or another everyday line of
    a call, and nearer to it than to any example of `label`: as near to a neutral line as few
    examples of any label are (`MeaningIndex.neutral_bar`), or nearer to a record question
    (`RECORD_QUESTIONS`) than any example of the standard is (`record_bar`) while speaking of the
    company («у нас», «в нашей базе»), or as near to one as to be an everyday line. «Откуда вы о нас
    узнали?» asks, and asks for no need. False when the line is too short to compare."""
    if not lines.units[line] or label not in index.thresholds:
        return False
    labels = index.label_array
    sims = lines.similarities(index, line)
    neutral = np.where(labels == NEUTRAL, sims, -np.inf).max(axis=1)
    record = (lines.rows(line) @ _record_matrix().T).max(axis=1)
    own = np.where(labels == label, sims, -np.inf).max(axis=1)
    # nearer than any example, a record question must speak of the client's history with us («вы у нас
    # уже бывали?»), not with the goods («вы уже покупали такие блоки?» asks about the need); as near as
    # an everyday line, it is one («на какой номер вам удобнее звонить?»)
    of_us = np.array([not _US.isdisjoint(unit.split()) for unit in lines.units[line]], dtype=bool)
    for_the_record = (record >= index.neutral_bar) | ((record >= record_bar(index)) & of_us)
    everyday = ((neutral >= index.neutral_bar) & (neutral > own)) | (for_the_record & (record > own))
    return bool(everyday.all())


_US = frozenset("мы нас нам нами наш наша наше наши нашего нашей нашем нашему нашу наших нашим нашими".split())
