"""Who speaks when in a one-stream call: speech regions, voice prints, two voices, turns."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from pipeline.audio import SAMPLE_RATE
from pipeline.diarization.clustering import ClusterOptions, two_speakers
from pipeline.diarization.encoder import embed_spans
from pipeline.diarization.segments import SegmentOptions, segments_of
from pipeline.diarization.turns import STEP_S, SpeakerTurn, TurnOptions, step_leans, turns_of
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


@dataclass(frozen=True)
class Diarization:
    turns: tuple[SpeakerTurn, ...]
    voices: int  # 0, 1 or 2 main voices found
    centroid_similarity: float
    seconds: float  # what it cost, for `callqa bench`
    # per STEP_S of the call: the voice prints' lean towards voice 0 (positive) or 1, NaN where no
    # print covers it; with one voice, the forced split's (`roles_by_turn` weighs it against the words)
    leans: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # the windows' voice prints and their (start, end), so that the words can re-place the voices
    prints: np.ndarray = field(default_factory=lambda: np.zeros((0, 256), dtype=np.float32))
    windows: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    # per STEP_S: the share of the covering prints that are a third voice's
    neither: np.ndarray = field(default_factory=lambda: np.zeros(0))

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
    clusters = two_speakers(prints, options.clusters)
    duration_s = len(samples) / SAMPLE_RATE
    leans, _, neither = step_leans(segments, clusters, clusters.margin, int(np.ceil(duration_s / STEP_S)) + 1)
    windows = np.array([(s.start, s.end) for s in segments]).reshape(-1, 2)
    if clusters.voices < 2:
        turns = tuple(SpeakerTurn(a, b, -1 if clusters.voices == 0 else 0, 1.0) for a, b in regions)
        return Diarization(turns, clusters.voices, clusters.centroid_similarity, time.perf_counter() - began, leans,
                           prints, windows, neither)
    turns = turns_of(regions, segments, clusters, clusters.margin, duration_s, options.turns)
    return Diarization(turns, 2, clusters.centroid_similarity, time.perf_counter() - began, leans, prints, windows,
                       neither)

