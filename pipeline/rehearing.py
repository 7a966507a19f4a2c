"""`checks.hearing.Hearing` on a call's audio: Whisper scores given readings of a stretch of it.

The encoder hears the stretch once; the decoder is then forced through each reading
(CTranslate2's `align`, which faster-whisper's word timestamps use) and the log-probabilities of
its tokens are summed. Through faster-whisper whichever engine transcribed (the bundled base
weights under openai-whisper, a second model in memory): it checks a reading, it does not make one.
The margin it is judged by (`checks.rules.answers.REHEAR_MARGIN`) was calibrated with base; another
model should have its own (`checks.wrong_answer.rehear_margin` in the standard).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from pipeline.audio import SAMPLE_RATE, DecodedAudio
from pipeline.audio_stream import StreamedCall
from pipeline.settings import TranscriptionOptions

__all__ = ["COST", "WhisperHearing"]

_FRAMES = 3000  # Whisper's 30 s input
_FLOOR = 1e-12  # a token probability of zero would make every reading equally impossible


@dataclass
class Cost:
    """What hearing values again has cost this process so far, for `callqa bench` (as diarization
    and the sentence encoder count their own): seconds spent and stretches heard."""

    seconds: float = 0.0
    stretches: int = 0


COST = Cost()


class WhisperHearing:
    """Loads the audio (`load`) and the model only when a check first asks."""

    def __init__(self, load: Callable[[], DecodedAudio | StreamedCall],
                 options: TranscriptionOptions | None = None) -> None:
        self._load = load
        self._options = options or TranscriptionOptions()

    @cached_property
    def _audio(self) -> DecodedAudio | StreamedCall:
        return self._load()

    def _stretch(self, channel: int, start: float, end: float) -> np.ndarray:
        audio = self._audio
        a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
        if channel < 0:  # the mix: a mono call's voices share it
            parts = [self._stretch(c, start, end) for c in range(len(audio.channels))]
            return np.mean(np.stack([np.pad(p, (0, b - a - len(p))) for p in parts]), axis=0)
        if isinstance(audio, StreamedCall):  # a long call is not held whole: read up to the stretch
            return np.array(audio.reader(channel)[a:b])
        return audio.channels[channel][a:b]

    @cached_property
    def _model(self) -> Any:  # faster_whisper.WhisperModel
        from pipeline.engines.faster import model_for

        o = self._options
        # the transcription's own model when it is faster-whisper's (already loaded in a batch)
        return model_for(o if o.engine == "faster-whisper" else replace(o, engine="faster-whisper", model="base"))

    @cached_property
    def _tokenizer(self) -> Any:  # faster_whisper.tokenizer.Tokenizer
        from faster_whisper.tokenizer import Tokenizer

        model = self._model
        return Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                         language=self._options.language)

    def log_likelihoods(self, channel: int, start: float, end: float, texts: Sequence[str]) -> list[float]:
        began = time.perf_counter()
        scores = self._scores(channel, start, end, texts)
        COST.seconds += time.perf_counter() - began
        COST.stretches += 1
        return scores

    def _scores(self, channel: int, start: float, end: float, texts: Sequence[str]) -> list[float]:
        model, tokenizer = self._model, self._tokenizer
        features = model.feature_extractor(self._stretch(channel, start, end))
        frames = min(features.shape[-1], _FRAMES)
        encoded = model.encode(np.pad(features[:, :_FRAMES], ((0, 0), (0, _FRAMES - frames))))
        scores: list[float] = []
        for text in texts:
            tokens = tokenizer.encode(" " + text.strip())
            result = model.model.align(encoded, tokenizer.sot_sequence, [tokens], frames)[0]
            scores.append(float(np.log(np.maximum(result.text_token_probs, _FLOOR)).sum()))
        return scores
