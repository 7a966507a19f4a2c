"""The stretches a voice print is taken from: windows inside the speech regions.

The encoder was trained on 1.6 s partials and gives an utterance the mean of its
partials' prints, half overlapping; a region's print is taken the same way (the mean of
its windows, `diarize.region_prints_of`). On 16 generated calls (seed 1701, 100-400 cents
between the voices) k-means of such region prints, centred on the call's mean, put 84%
(100 cents) to 98% (400 cents) of the regions' speech on the right voice, where k-means of
the windows themselves put 72% to 98%. Each second of speech passes through the encoder
`length_s / hop_s` times (2 here, 3 with 1.2 s every 0.4 s), but the LSTM's time follows the
windows' length as much as their number: on three calls the two cost 13.0 and 11.1 s per
minute of audio (2026-12-05, the shared 2-core machine at load 7).
The windows also place a change of speaker inside a region (to within `hop_s`). A region
shorter than a window gets one print of its own length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.audio import SAMPLE_RATE
from pipeline.vad import Region, VadOptions


@dataclass(frozen=True)
class SegmentOptions:
    length_s: float = 1.6
    hop_s: float = 0.8
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
