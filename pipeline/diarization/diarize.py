"""Who speaks when in a one-stream call: speech regions, voice prints, two voices, turns."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from pipeline.audio import SAMPLE_RATE
from pipeline.diarization.clustering import ClusterOptions, Clusters, centred, normed, two_speakers
from pipeline.diarization.encoder import embed_spans
from pipeline.diarization.segments import Segment, SegmentOptions, segments_of
from pipeline.diarization.turns import SpeakerTurn, TurnOptions, turns_of
from pipeline.vad import Region, speech_regions


@dataclass
class Cost:
    """What diarization has cost this process so far, for `callqa bench` (as the sentence
    encoder counts its own): seconds spent and seconds of audio diarized."""

    seconds: float = 0.0
    audio_s: float = 0.0


COST = Cost()


@dataclass(frozen=True)
class DiarizationOptions:
    segments: SegmentOptions = SegmentOptions()
    clusters: ClusterOptions = ClusterOptions()
    turns: TurnOptions = TurnOptions()
    # a window's lean is this much its own and the rest its region's: one window of a close
    # voice is too weak to go against its region, a run of them (a change of speaker with
    # hardly a pause, inside one region) is not
    window_weight: float = 0.5


@dataclass(frozen=True)
class Diarization:
    turns: tuple[SpeakerTurn, ...]
    voices: int  # 0, 1 or 2 main voices found
    centroid_similarity: float
    seconds: float  # what it cost, for `callqa bench`

    def regions(self, speaker: int) -> tuple[Region, ...]:
        return tuple((t.start, t.end) for t in self.turns if t.speaker == speaker)

    @property
    def note(self) -> str:
        if self.voices == 2:
            return f"two voices found (similarity {self.centroid_similarity:.2f})"
        return (f"one voice found (similarity of the two halves {self.centroid_similarity:.2f}): "
                "one speaker, no roles" if self.voices == 1 else "no speech found")


def diarize(samples: np.ndarray, options: DiarizationOptions = DiarizationOptions(),
            regions: tuple[Region, ...] | None = None) -> Diarization:
    began = time.perf_counter()
    try:
        return _diarize(samples, options, regions)
    finally:
        COST.seconds += time.perf_counter() - began
        COST.audio_s += len(samples) / SAMPLE_RATE


def _diarize(samples: np.ndarray, options: DiarizationOptions, regions: tuple[Region, ...] | None) -> Diarization:
    began = time.perf_counter()
    regions = speech_regions(samples, options.segments.vad) if regions is None else regions
    segments = segments_of(regions, options.segments)
    prints = embed_spans(samples, list(regions), [(s.region, s.start, s.end) for s in segments])
    printed, region_prints, weights = region_prints_of(regions, segments, prints)
    clusters = two_speakers(region_prints, options.clusters, weights)
    if clusters.voices < 2:
        turns = tuple(SpeakerTurn(a, b, -1 if clusters.voices == 0 else 0, 1.0) for a, b in regions)
        return Diarization(turns, clusters.voices, clusters.centroid_similarity, time.perf_counter() - began)
    windows = window_clusters(segments, prints, printed, clusters, options.window_weight)
    turns = turns_of(regions, segments, windows, windows.margin, len(samples) / SAMPLE_RATE, options.turns)
    return Diarization(turns, 2, clusters.centroid_similarity, time.perf_counter() - began)


def region_prints_of(regions: tuple[Region, ...], segments: list[Segment],
                     prints: np.ndarray) -> tuple[list[int], np.ndarray, np.ndarray]:
    """(the regions that have windows, one print each: the mean of its windows', each region's seconds)."""
    index = np.array([s.region for s in segments], dtype=int)
    printed = sorted(set(index.tolist()))
    means = np.stack([normed(prints[index == r].mean(axis=0)) for r in printed]) if printed else prints[:0]
    weights = np.array([regions[r][1] - regions[r][0] for r in printed])
    return printed, means, weights


def window_clusters(segments: list[Segment], prints: np.ndarray, printed: list[int], clusters: Clusters,
                    window_weight: float) -> Clusters:
    """The region clusters carried to the windows: each window takes its region's label, and a
    lean that is `window_weight` its own (centred, as the regions were) and the rest its region's."""
    assert clusters.centre is not None and clusters.centroids is not None
    row = {r: i for i, r in enumerate(printed)}
    own = [row[s.region] for s in segments]
    sims = centred(prints, clusters.centre) @ clusters.centroids.T
    lean = window_weight * (sims[:, 0] - sims[:, 1]) + (1 - window_weight) * clusters.margin[own]
    return replace(clusters, labels=clusters.labels[own], margin=lean)

