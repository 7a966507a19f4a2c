"""The audio a coach or a seller hears: each span's seconds replaced by a tone, as a beep in
AssemblyAI's or Deepgram's redacted audio. numpy in, numpy out; the rest of the samples untouched.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

TONE_HZ = 1000.0
TONE_LEVEL = 0.2  # of full scale: audible, not painful


def tone_over(samples: np.ndarray, sample_rate: int, spans: Iterable[tuple[float, float]],
              tone_hz: float = TONE_HZ) -> np.ndarray:
    """A copy of `samples` (frames, or frames × channels; float or integer PCM) with a sine tone in
    place of every (start, end) span in seconds, on all channels."""
    if sample_rate <= 0:
        raise ValueError(f"tone: sample rate must be positive, got {sample_rate}")
    if not 0 < tone_hz < sample_rate / 2:
        raise ValueError(f"tone: {tone_hz} Hz cannot be played at {sample_rate} Hz (Nyquist {sample_rate / 2} Hz)")
    if samples.ndim not in (1, 2):
        raise ValueError(f"tone: samples must be frames or frames × channels, got shape {samples.shape}")
    out = samples.copy()
    full = float(np.iinfo(samples.dtype).max) if np.issubdtype(samples.dtype, np.integer) else 1.0
    for start, end in spans:
        if end < start:
            raise ValueError(f"tone: span ends ({end} s) before it starts ({start} s)")
        a = max(0, int(np.floor(start * sample_rate)))
        b = min(len(samples), int(np.ceil(end * sample_rate)))
        if b <= a:
            continue
        t = np.arange(a, b) / sample_rate
        wave = (TONE_LEVEL * full * np.sin(2 * np.pi * tone_hz * t)).astype(samples.dtype)
        out[a:b] = wave[:, None] if samples.ndim == 2 else wave
    return out
