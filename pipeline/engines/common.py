"""What every transcription engine hands back: segments with timed words.

The engines differ only in how they decode one channel; speech-region
compaction, the hallucination guard and turn regrouping live in
`pipeline.transcribe` and see only these records, so both engines' output goes
through exactly the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pipeline.settings import TranscriptionOptions


@dataclass(frozen=True)
class DecodedWord:
    start: float  # seconds in the audio the engine was given
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class DecodedSegment:
    start: float
    end: float
    text: str
    no_speech_prob: float
    avg_logprob: float
    compression_ratio: float
    words: tuple[DecodedWord, ...]


class Engine(Protocol):
    def warm_up(self, options: TranscriptionOptions) -> None:
        """Load the model, so a benchmark does not time the loading."""

    def decode(self, samples: np.ndarray, options: TranscriptionOptions) -> list[DecodedSegment]:
        """Transcribe 16 kHz mono samples with word timestamps, never conditioning on earlier text."""
