"""Voice prints per window into speaker turns, each with how sure it is.

Every 0.1 s step of a speech region takes the average lean of the windows that cover
it (similarity to one centroid minus to the other), so a change of speaker inside a
region falls where the lean changes sign. Runs shorter than `min_turn_s` are flicker
and join the run before them. A turn whose confidence is under `min_confidence`
keeps speaker -1 (`unknown`) rather than a guess; so does a stretch whose windows
are far from both voices (a third voice, hold music), and a region too short for a
window of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.diarization.clustering import Clusters
from pipeline.diarization.segments import Segment
from pipeline.vad import Region

STEP_S = 0.1


@dataclass(frozen=True)
class TurnOptions:
    min_turn_s: float = 0.6
    # a lean of this much similarity (or more) is a sure assignment, confidence 1
    sure_lean: float = 0.12
    min_confidence: float = 0.35


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: int  # 0 or 1, the clusters; -1: neither main speaker, or not sure
    confidence: float  # 0..1


def step_span(start: float, end: float) -> tuple[int, int]:
    """The steps a stretch of the call covers: its first and one past its last, at least one."""
    first = int(round(start / STEP_S))
    return first, max(int(round(end / STEP_S)), first + 1)


def step_leans(segments: list[Segment], clusters: Clusters, leans: np.ndarray,
               n_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per step: the mean lean towards cluster 0 (positive) or 1 of the covering windows but a
    third voice's (NaN where none is: no window, or only a third voice's, which must lend the
    roles no voice), the share of covering windows that belong to neither main speaker (a third
    voice or noise), and the share that are a third voice's."""
    total, count, other, third = (np.zeros(n_steps) for _ in range(4))
    n = len(clusters.labels)
    is_third = clusters.third if len(clusters.third) == n else np.zeros(n, dtype=bool)  # one voice: none
    for seg, lean, label, voice3 in zip(segments, leans, clusters.labels, is_third):
        a, b = step_span(seg.start, seg.end)
        total[a:b] += 0.0 if voice3 else lean
        count[a:b] += 1
        other[a:b] += label < 0
        third[a:b] += voice3
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.where(count > third, total / (count - third), np.nan),
                np.where(count > 0, other / count, 0.0), np.where(count > 0, third / count, 0.0))


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """(first, last+1, label) of each run of equal labels."""
    edges = np.flatnonzero(np.diff(labels)) + 1
    bounds = np.concatenate(([0], edges, [len(labels)]))
    return [(int(a), int(b), int(labels[a])) for a, b in zip(bounds[:-1], bounds[1:])]


def turns_of(regions: tuple[Region, ...], segments: list[Segment], clusters: Clusters, leans: np.ndarray,
             duration_s: float, options: TurnOptions = TurnOptions()) -> tuple[SpeakerTurn, ...]:
    n_steps = int(np.ceil(duration_s / STEP_S)) + 1
    lean, other, _ = step_leans(segments, clusters, leans, n_steps)
    turns: list[SpeakerTurn] = []
    for start, end in regions:
        a, b = step_span(start, end)
        region_lean = lean[a:b]
        if np.all(np.isnan(region_lean)):  # too short for a window («да», «угу»), or a third voice: no guess
            turns.append(SpeakerTurn(start, end, -1, 0.0))
            continue
        region_lean = np.where(np.isnan(region_lean), np.nanmean(region_lean), region_lean)
        labels = np.where(other[a:b] > 0.5, -1, np.where(region_lean >= 0, 0, 1))
        runs = _merge_short(_runs(labels), int(round(options.min_turn_s / STEP_S)))
        for ra, rb, label in runs:
            t0, t1 = max(start, (a + ra) * STEP_S), min(end, (a + rb) * STEP_S)
            confidence = float(min(1.0, abs(np.mean(region_lean[ra:rb])) / options.sure_lean)) if label >= 0 else 0.0
            sure = label >= 0 and confidence >= options.min_confidence
            turns.append(SpeakerTurn(round(t0, 3), round(t1, 3), label if sure else -1, round(confidence, 2)))
    return tuple(turns)


def _merge_short(runs: list[tuple[int, int, int]], min_steps: int) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for run in runs:
        if out and (run[1] - run[0] < min_steps or run[2] == out[-1][2]):
            out[-1] = (out[-1][0], run[1], out[-1][2])
        elif out and out[-1][1] - out[-1][0] < min_steps:
            out[-1] = (out[-1][0], run[1], run[2])
        else:
            out.append(run)
    return out
