"""The stretches a voice print is taken from: windows of about a second inside the speech regions.

The encoder needs about a second of voice to tell two voices apart (prints of shorter
pieces split a call by anything but the speaker), so every print is taken over
`length_s`, and windows step by `hop_s` so that a change of speaker inside a region,
where the two talk with hardly a pause, is placed to within that step. A region
shorter than a window gets one print of its own length. The step sets the cost:
each second of speech passes through the encoder `length_s / hop_s` times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.audio import SAMPLE_RATE
from pipeline.vad import Region, VadOptions


@dataclass(frozen=True)
class SegmentOptions:
    length_s: float = 1.2
    # 0.6 s, not 0.4: on 17 generated mixes (100-400 cents, 2026-12-06) the same speech on the right
    # role (83.4% against 82.9% over all; no call lower by more than 1.5 points), each second of speech
    # through the encoder twice instead of three times (docs/accuracy.md#mono-recordings)
    hop_s: float = 0.6
    # shorter regions hold too little voice to place: they take their neighbours' speaker
    min_s: float = 0.3
    # the transcription's own regions: a finer detector (pauses from 0.15 s) cut them into pieces
    # too short to print, and put 47-64% of speech time on the right speaker where these gave 97-99%
    vad: VadOptions = VadOptions()


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    region: int  # index of the speech region it lies in


def segments_of(regions: tuple[Region, ...], options: SegmentOptions = SegmentOptions()) -> list[Segment]:
    out: list[Segment] = []
    for i, (start, end) in enumerate(regions):
        if end - start < options.min_s:
            continue
        if end - start <= options.length_s:
            out.append(Segment(start, end, i))
            continue
        steps = int(np.floor((end - start - options.length_s) / options.hop_s + 1e-9)) + 1
        out += [Segment(round(start + k * options.hop_s, 3), round(start + k * options.hop_s + options.length_s, 3), i)
                for k in range(steps)]
        if out[-1].end < end - 0.05:  # the region's tail
            out.append(Segment(round(end - options.length_s, 3), end, i))
    return out


def samples_of(samples: np.ndarray, segment: Segment) -> np.ndarray:
    return samples[int(segment.start * SAMPLE_RATE):int(segment.end * SAMPLE_RATE)]
