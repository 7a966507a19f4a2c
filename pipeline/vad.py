"""Voice activity per channel, from signal energy.

Silero (faster-whisper's `vad_filter`) dropped most of the seller's words on
band-limited 8 kHz calls (DESIGN.md §4), so callqa finds speech regions with a
plain energy detector whose floor adapts to each channel's own noise. The
regions serve two purposes: pauses are measured from the audio rather than ASR
timestamps, and Whisper text on a stretch with no sound is discarded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.audio import SAMPLE_RATE

Region = tuple[float, float]


@dataclass(frozen=True)
class VadOptions:
    frame_s: float = 0.03
    # a frame is voiced when it is this far above the channel's noise floor ...
    margin_db: float = 12.0
    # ... and above this absolute level, so a silent channel stays silent
    min_level_db: float = -50.0
    min_speech_s: float = 0.15
    merge_gap_s: float = 0.35
    pad_s: float = 0.1


def frame_levels_db(samples: np.ndarray, frame_s: float) -> np.ndarray:
    hop = int(SAMPLE_RATE * frame_s)
    n = len(samples) // hop
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    frames = samples[: n * hop].reshape(n, hop)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return (20 * np.log10(np.maximum(rms, 1e-6))).astype(np.float32)


def speech_regions(samples: np.ndarray, options: VadOptions = VadOptions()) -> tuple[Region, ...]:
    return regions_from_levels(frame_levels_db(samples, options.frame_s), len(samples) / SAMPLE_RATE, options)


def regions_from_levels(levels: np.ndarray, duration: float, options: VadOptions = VadOptions()) -> tuple[Region, ...]:
    """The regions of a channel `duration` seconds long whose frame levels are `levels`
    (a long call's levels are measured while it streams, without holding its samples)."""
    if levels.size == 0:
        return ()
    floor = float(np.percentile(levels, 10))
    threshold = max(floor + options.margin_db, options.min_level_db)
    voiced = levels > threshold
    regions: list[list[float]] = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], voiced.astype(np.int8), [0]))))
    for start_idx, end_idx in zip(edges[0::2], edges[1::2]):
        start, end = float(start_idx * options.frame_s), float(end_idx * options.frame_s)
        if regions and start - regions[-1][1] <= options.merge_gap_s:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    return tuple(
        (round(max(0.0, s - options.pad_s), 3), round(min(duration, e + options.pad_s), 3))
        for s, e in regions
        if e - s >= options.min_speech_s
    )


def overlap_s(start: float, end: float, regions: tuple[Region, ...]) -> float:
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in regions)


def silent_gaps(
    channels_regions: tuple[tuple[Region, ...], ...], duration_s: float, min_gap_s: float
) -> list[Region]:
    """Stretches where no channel has voice, at least `min_gap_s` long."""
    merged = sorted(r for regions in channels_regions for r in regions)
    gaps: list[Region] = []
    cursor = 0.0
    for start, end in merged:
        if start - cursor >= min_gap_s:
            gaps.append((cursor, start))
        cursor = max(cursor, end)
    if duration_s - cursor >= min_gap_s:
        gaps.append((cursor, duration_s))
    return gaps
