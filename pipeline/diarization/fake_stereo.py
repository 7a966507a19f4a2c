"""Stereo files that are really mono: the same mix on both channels, or one channel silent.

Analysed as stereo, the first would be two speakers who say the same thing and the
second a call whose client never spoke. Both are diarized instead, with a note saying
why. The tests are cheap: each channel's voice activity (measured anyway) and one
correlation over the first minute.
"""

from __future__ import annotations

import numpy as np

from pipeline.vad import Region

# channels this alike carry one mix (a real two-channel call, echo and all, stays far below)
SAME_MIX_CORRELATION = 0.9
# a channel with less voice than this, while the other has speech, is a silent channel
SILENT_CHANNEL_S = 0.3
# the stretch the correlation is measured on: a mix shows itself in the first minute
CORRELATION_S = 60.0
_STRIDE = 4  # every 4th sample is plenty to measure a correlation


def correlation(left: np.ndarray, right: np.ndarray) -> float:
    a, b = left[::_STRIDE].astype(np.float64), right[::_STRIDE].astype(np.float64)
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a @ a) * (b @ b)))
    return float(a @ b) / denominator if denominator > 0 else 0.0


def silent_channel(voice: tuple[tuple[Region, ...], ...]) -> int | None:
    """The channel of a two-channel call with (next to) no voice while the other speaks."""
    if len(voice) != 2:
        return None
    voiced = [sum(end - start for start, end in regions) for regions in voice]
    for silent, other in ((0, 1), (1, 0)):
        if voiced[silent] < SILENT_CHANNEL_S <= voiced[other]:
            return silent
    return None
