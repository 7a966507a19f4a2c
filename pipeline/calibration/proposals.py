"""What the reviewed calls suggest for the standard: examples, counter-examples, thresholds, fact questions.

Each proposal is tried before it is kept. The stages are detected again, on the stored
transcripts, with the standard as it would be with the proposal in it; the proposal stays
only when fewer stage labels disagree with the detection, over every reviewed call and every
stage (an example of one stage moves the thresholds of the others). So a proposal never
stays for the one call it comes from at the cost of others, and each one says how many
disagreements it removed.

- A stage the lead marked present that callqa missed gives an example: the seller's
  sentence, in the stage's window, nearest in meaning to the stage. A call that an earlier
  example already covers gives none.
- A stage the lead marked absent that callqa found gives a counter-example: the sentence
  that matched.
- A stage's threshold moves only when a reviewed call asks for it: down to just under a
  missed call's nearest sentence, never below the similarity that 90% of the other stages'
  examples and the neutral lines stay under (the automatic calibration keeps 95% out); up
  to just above a wrongly found call's sentence.
- A confirmed `wrong_answer` or `ignored_question` that names its fact gives the client's
  question (the line's last sentence ending in «?»; a line with none gives nothing) as an
  example question of that fact, unless the fact has it already.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from checks.dialogue.questions import is_question
from checks.dialogue.stages import candidate_indices, detect_stages
from checks.meaning.calls import stage_index
from checks.meaning.index import COUNTER, MARGIN, MeaningIndex, clean
from checks.registry import CallContext
from checks.standard import Stage, Standard
from pipeline.calibration.labels import ReviewedCall
from pipeline.records import StageHit

# a lowered threshold still keeps out this share of the other stages' examples and neutral lines
FLOOR_QUANTILE = 0.90
# a missed sentence is taken in just above the threshold it sets
BELOW = 1e-4
FACT_FINDINGS = ("wrong_answer", "ignored_question")
_SENTENCES = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Source:
    """The call, the second, the words and the decision a proposal comes from."""

    where: str
    quote: str
    decision: str


@dataclass(frozen=True)
class Proposal:
    kind: str  # example, counter_example, threshold, example_question
    target: str  # a stage id or a fact id
    value: str | float
    sources: tuple[Source, ...]
    why: str


@dataclass(frozen=True)
class Calibration:
    standard: Standard  # the input standard with every kept proposal in it
    proposals: tuple[Proposal, ...]
    notes: tuple[str, ...]  # disagreements no proposal fixed, and why


# --- detection on the stored transcripts -----------------------------------------------


class Detector:
    """The reviewed calls' stages detected under any variant of the standard; each call's
    normalised text and sentence vectors are made once and shared by every variant."""

    def __init__(self, calls: Sequence[ReviewedCall], standard: Standard) -> None:
        self.calls = tuple(calls)
        self._base = [CallContext(c.transcript, standard) for c in self.calls]

    def context(self, n: int, standard: Standard) -> CallContext:
        base = self._base[n]
        ctx = CallContext(base.transcript, standard)
        ctx.__dict__.update(texts=base.texts, meaning=base.meaning)  # cached_property slots
        return ctx

    def hits(self, standard: Standard) -> list[dict[str, StageHit]]:
        return [{h.stage_id: h for h in detect_stages(self.context(n, standard))} for n in range(len(self.calls))]

    def errors(self, hits: list[dict[str, StageHit]]) -> int:
        """Stage labels the detection disagrees with, over every call and stage."""
        return sum(1 for call, found in zip(self.calls, hits) for label in call.stages
                   if label.stage_id in found and found[label.stage_id].present != label.present)


def with_stage(standard: Standard, stage_id: str, **changes: object) -> Standard:
    stages = [s.model_copy(update=changes) if s.id == stage_id else s for s in standard.stages]
    return standard.model_copy(update={"stages": stages})


# --- the sentence a disagreement points at ---------------------------------------------


def _stage_similarity(index: MeaningIndex, sims: np.ndarray, stage_id: str) -> np.ndarray:
    """Per sentence, its similarity to the stage's nearest example."""
    own = index.label_array == stage_id
    return np.where(own[None, :], sims, -np.inf).max(axis=1) if len(sims) else np.zeros(0)


def _taken_lines(ctx: CallContext, hits: dict[str, StageHit], stage_id: str) -> set[int]:
    """Lines that are another present stage's evidence: an example must not be taken from them."""
    starts = {h.evidence.start for sid, h in hits.items() if sid != stage_id and h.present and h.evidence}
    return {i for i, u in enumerate(ctx.transcript.utterances) if any(u.start <= s <= u.end for s in starts)}


def nearest_sentence(ctx: CallContext, stage: Stage, hits: dict[str, StageHit]) -> tuple[str, int, float] | None:
    """The sentence of the stage's speaker, in its window, nearest in meaning to the stage:
    (sentence, line, similarity); None when the window has no sentence to take."""
    index = stage_index(ctx.standard)
    taken = _taken_lines(ctx, hits, stage.id)
    best: tuple[str, int, float] | None = None
    for i in candidate_indices(ctx, stage):
        if i in taken or not ctx.meaning.units[i]:
            continue
        if stage.any_question and not is_question(ctx.transcript.utterances[i], ctx.texts[i]):
            continue
        sims = _stage_similarity(index, ctx.meaning.similarities(index, i), stage.id)
        k = int(sims.argmax())
        if best is None or sims[k] > best[2]:
            best = (ctx.meaning.units[i][k], i, float(sims[k]))
    return best


def matched_sentence(ctx: CallContext, stage: Stage, hit: StageHit) -> tuple[str, int] | None:
    """The sentence a wrongly found stage matched: the one holding the quoted words, and of
    those the nearest to the stage; the whole line when it is too short to have sentences."""
    if hit.evidence is None:
        return None
    lines = [i for i, u in enumerate(ctx.transcript.utterances) if u.start <= hit.evidence.start <= u.end]
    if not lines:
        return None
    i = lines[0]
    found = ctx.meaning.units[i]
    if not found:
        return (clean(ctx.transcript.utterances[i].text), i) if clean(ctx.transcript.utterances[i].text) else None
    index = stage_index(ctx.standard)
    sims = _stage_similarity(index, ctx.meaning.similarities(index, i), stage.id)
    quote = clean(hit.evidence.quote)
    holding = [k for k, unit in enumerate(found) if quote and quote in unit] or list(range(len(found)))
    return found[max(holding, key=lambda k: sims[k])], i


# --- the greedy search -----------------------------------------------------------------


@dataclass
class _State:
    standard: Standard
    hits: list[dict[str, StageHit]]
    errors: int


def _try(detector: Detector, state: _State, trial: Standard) -> _State | None:
    hits = detector.hits(trial)
    errors = detector.errors(hits)
    return _State(trial, hits, errors) if errors < state.errors else None


def _sentence_proposals(detector: Detector, state: _State, proposals: list[Proposal], notes: list[str]) -> _State:
    for stage_id in [s.id for s in state.standard.stages]:
        for n, call in enumerate(detector.calls):
            label = call.stage(stage_id)
            hit = state.hits[n].get(stage_id)
            if label is None or hit is None or hit.present == label.present:
                continue  # agrees, or an earlier proposal made it agree
            stage = state.standard.stage(stage_id)
            ctx = detector.context(n, state.standard)
            if label.present:
                found = nearest_sentence(ctx, stage, state.hits[n])
                kind, field = "example", "phrases"
                sentence, line = (found[0], found[1]) if found else (None, None)
            else:
                matched = matched_sentence(ctx, stage, hit)
                kind, field = "counter_example", "counter_examples"
                sentence, line = matched if matched else (None, None)
            if sentence is None or line is None:
                notes.append(f"{stage_id}: {call.recording} (analysis {call.analysis_id}): marked "
                             f"{'present' if label.present else 'absent'}, no sentence of the stage's speaker "
                             "in its window to learn from")
                continue
            current = list(getattr(stage, field))
            if sentence in (clean(p) for p in current):
                continue
            before = state.errors
            tried = _try(detector, state, with_stage(state.standard, stage_id, **{field: [*current, sentence]}))
            utt = call.transcript.utterances[line]
            if tried is None:
                notes.append(f"{stage_id}: {call.where(utt.start)}: «{sentence}» as {kind.replace('_', '-')} "
                             "left out: it would not make the stages agree with the reviews better")
                continue
            state = tried
            proposals.append(Proposal(kind, stage_id, sentence,
                                      (Source(call.where(utt.start), utt.text, label.decision.describe()),),
                                      f"stage disagreements on the reviewed calls {before} → {state.errors}"))
    return state


def neutral_floor(index: MeaningIndex, stage_id: str) -> float:
    """The similarity to the stage's examples that FLOOR_QUANTILE of the other references stay under."""
    labels = index.label_array
    own = labels == stage_id
    counter = np.array([str(label).startswith(COUNTER) for label in index.labels])
    others = index.vectors[~own & ~counter]
    if not own.any() or not len(others):
        return 1.0
    return float(np.quantile((others @ index.vectors[own].T).max(axis=1), FLOOR_QUANTILE))


def _threshold_candidates(detector: Detector, state: _State, stage: Stage) -> list[float]:
    """Just under each missed call's nearest sentence, just over each wrongly found call's."""
    out: list[float] = []
    for n, call in enumerate(detector.calls):
        label, hit = call.stage(stage.id), state.hits[n].get(stage.id)
        if label is None or hit is None or hit.present == label.present:
            continue
        found = nearest_sentence(detector.context(n, state.standard), stage, state.hits[n])
        if found is not None:
            out.append(found[2] - BELOW if label.present else found[2] + MARGIN)
    return out


def _threshold_proposals(detector: Detector, state: _State, proposals: list[Proposal]) -> _State:
    for stage in state.standard.stages:
        index = stage_index(state.standard)
        if stage.id not in index.thresholds:
            continue
        auto, floor = index.thresholds[stage.id], neutral_floor(index, stage.id)
        best: tuple[_State, float] | None = None
        for value in sorted(set(_threshold_candidates(detector, state, stage)), key=lambda v: abs(v - auto)):
            if not floor <= value < 1.0:
                continue
            tried = _try(detector, state, with_stage(state.standard, stage.id, threshold=round(value, 4)))
            if tried is not None and (best is None or tried.errors < best[0].errors):
                best = (tried, value)
        if best is not None:
            sources = _fixed_by(detector, state, best[0], stage)
            before, (state, value) = state.errors, best
            proposals.append(Proposal("threshold", stage.id, round(value, 4), sources,
                                      f"calibrated {auto:.4f} (floor {floor:.4f}); stage disagreements on the "
                                      f"reviewed calls {before} → {state.errors}"))
    return state


def _fixed_by(detector: Detector, before: _State, after: _State, stage: Stage) -> tuple[Source, ...]:
    """The calls a new threshold makes agree with the lead, each with its sentence nearest the stage."""
    out = []
    for n, call in enumerate(detector.calls):
        label = call.stage(stage.id)
        old, new = before.hits[n].get(stage.id), after.hits[n].get(stage.id)
        if label is None or old is None or new is None or old.present == label.present or new.present != label.present:
            continue
        found = nearest_sentence(detector.context(n, before.standard), stage, before.hits[n])
        if found is not None:
            utt = call.transcript.utterances[found[1]]
            out.append(Source(call.where(utt.start), utt.text,
                              f"{label.decision.describe()}; similarity {found[2]:.4f}"))
    return tuple(out)


def _question_of(call: ReviewedCall, finding_type: str, details: dict[str, object], start: float) -> str | None:
    """The client's question a fact finding is about."""
    at = details.get("question_start") if finding_type == "wrong_answer" else start
    if not isinstance(at, (int, float)):
        return None
    return next((u.text for u in call.transcript.utterances if u.speaker == "client" and abs(u.start - at) < 1e-3), None)


def _asked_sentence(line: str) -> str | None:
    """The line's last sentence that ends in «?»: the finding's line may be a request that the
    check took as the question («меня интересует газобетон, хочу узнать условия»), and that is
    no example of a question about the fact."""
    asked = [p for p in _SENTENCES.split(line.strip()) if p.rstrip().endswith("?")]
    return asked[-1] if asked else None


def fact_question_proposals(calls: Sequence[ReviewedCall], standard: Standard) -> tuple[Standard, list[Proposal]]:
    facts = {f.id: f for f in standard.knowledge_base}
    proposals: list[Proposal] = []
    for call in calls:
        for label in call.findings:
            f = label.finding
            fact = facts.get(str(f.details.get("fact")))
            if f.type not in FACT_FINDINGS or not label.confirmed or fact is None:
                continue
            question = _question_of(call, f.type, f.details, f.start)
            asked = _asked_sentence(question or "")
            sentence = clean(asked) if asked else ""
            if not sentence or sentence in (clean(q) for q in fact.example_questions):
                continue
            fact = facts[fact.id] = fact.model_copy(update={"example_questions": [*fact.example_questions, sentence]})
            proposals.append(Proposal("example_question", fact.id, sentence,
                                      (Source(call.where(f.start), question or "", label.decision.describe()),),
                                      f"the client's question of {'an' if f.type[0] in 'aeiou' else 'a'} {f.type} finding on "
                                      "this fact that the QA lead let stand"))
    kb = [facts[f.id] for f in standard.knowledge_base]
    return standard.model_copy(update={"knowledge_base": kb}), proposals


def _start(detector: Detector, standard: Standard) -> _State:
    hits = detector.hits(standard)
    return _State(standard, hits, detector.errors(hits))


def sentence_proposals(detector: Detector, standard: Standard) -> Calibration:
    """Examples and counter-examples only."""
    proposals: list[Proposal] = []
    notes: list[str] = []
    state = _sentence_proposals(detector, _start(detector, standard), proposals, notes)
    return Calibration(state.standard, tuple(proposals), tuple(notes))


def threshold_proposals(detector: Detector, standard: Standard) -> Calibration:
    """Thresholds only."""
    proposals: list[Proposal] = []
    state = _threshold_proposals(detector, _start(detector, standard), proposals)
    return Calibration(state.standard, tuple(proposals), ())


def propose(calls: Sequence[ReviewedCall], standard: Standard) -> Calibration:
    """Every proposal the reviewed calls support, and the standard with them in it (same version:
    the writer bumps it). Sentences first: an example fixes a call for every threshold after it."""
    detector = Detector(calls, standard)
    sentences = sentence_proposals(detector, standard)
    thresholds = threshold_proposals(detector, sentences.standard)
    final, questions = fact_question_proposals(calls, thresholds.standard)
    return Calibration(final, (*sentences.proposals, *thresholds.proposals, *questions), sentences.notes)


__all__ = ["Calibration", "Detector", "Proposal", "Source", "fact_question_proposals", "matched_sentence",
           "nearest_sentence", "neutral_floor", "propose", "sentence_proposals", "threshold_proposals", "with_stage"]
