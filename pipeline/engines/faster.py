"""faster-whisper (CTranslate2): the default engine."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from pipeline.audio import SAMPLE_RATE
from pipeline.engines.common import DecodedSegment, DecodedWord
from pipeline.model_store import resolve_model
from pipeline.settings import CPU_BATCH_ENV, TranscriptionOptions, cpu_batch_from_env

__all__ = ["CPU_BATCH_ENV", "ENGINE", "FasterWhisper", "batch_size_for", "cpu_batch_size", "windows"]
# `callqa run` checks CALLQA_CPU_BATCH at start through this name
cpu_batch_size = cpu_batch_from_env

# the batched pipeline decodes windows of at most this length side by side
_WINDOW_S = 30.0
_GPU_BATCH = 8
# a zero run this long is a joining silence, not a zero crossing inside speech
_MIN_CUT_S = 0.1


@lru_cache(maxsize=2)
def load_model(model: str, device: str, compute_type: str, cpu_threads: int, workers: int = 1) -> Any:  # WhisperModel
    from faster_whisper import WhisperModel

    return WhisperModel(
        resolve_model(model), device=device, compute_type=compute_type, cpu_threads=cpu_threads,
        num_workers=workers,
    )


def model_for(options: TranscriptionOptions) -> Any:  # WhisperModel
    """Two channels decode side by side, each on half the threads: sequential decoding
    leaves cores idle, and the words come out the same (README «Speed»)."""
    if options.parallel_channels and options.cpu_threads >= 2:
        return load_model(options.model, options.device, options.compute_type, options.cpu_threads // 2, 2)
    return load_model(options.model, options.device, options.compute_type, options.cpu_threads)


def windows(samples: np.ndarray, max_s: float = _WINDOW_S) -> list[dict[str, float]]:
    """Cut the compacted audio into windows of at most `max_s`, in the silences that join
    its speech regions (runs of exact zeros), so that no window starts inside a word."""
    padded = np.concatenate(([0], (samples == 0).astype(np.int8), [0]))
    edges = np.diff(padded)
    run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long_enough = run_ends - run_starts >= _MIN_CUT_S * SAMPLE_RATE
    cuts = ((run_starts + run_ends)[long_enough] / 2 / SAMPLE_RATE).tolist()
    total = len(samples) / SAMPLE_RATE
    out: list[dict[str, float]] = []
    begin = 0.0
    while total - begin > max_s:
        inside = [c for c in cuts if begin < c <= begin + max_s]
        end = inside[-1] if inside else begin + max_s
        out.append({"start": begin, "end": end})
        begin = end
    if total > begin:
        out.append({"start": begin, "end": total})
    return out


def batch_size_for(options: TranscriptionOptions) -> int:
    """Windows decoded at once: always on a GPU, on the CPU only when asked (0: not batched).
    `options.cpu_batch` is in the transcription cache's key when set (settings.py)."""
    return _GPU_BATCH if options.device == "cuda" else options.cpu_batch


class FasterWhisper:
    def warm_up(self, options: TranscriptionOptions) -> None:
        model_for(options)

    def decode(self, samples: np.ndarray, options: TranscriptionOptions) -> list[DecodedSegment]:
        kwargs: dict[str, Any] = dict(
            language=options.language,
            beam_size=options.beam_size,
            word_timestamps=True,
            # a mistake in one window must not be copied into the next (DESIGN.md §3)
            condition_on_previous_text=False,
            vad_filter=False,
            hotwords=options.hotwords if options.vocabulary_bias == "hotwords" else None,
            initial_prompt=options.hotwords if options.vocabulary_bias == "prompt" else None,
        )
        model = model_for(options)
        batch = batch_size_for(options)
        if batch:
            # windows cut in the joining silences are decoded side by side (DESIGN.md §3)
            from faster_whisper import BatchedInferencePipeline

            segments, _info = BatchedInferencePipeline(model).transcribe(
                samples, clip_timestamps=windows(samples), batch_size=batch, **kwargs)
        else:
            segments, _info = model.transcribe(samples, without_timestamps=options.without_timestamps, **kwargs)
        return [
            DecodedSegment(
                s.start, s.end, s.text, s.no_speech_prob, s.avg_logprob, s.compression_ratio,
                tuple(DecodedWord(w.start, w.end, w.word, float(w.probability)) for w in s.words or ()),
            )
            for s in segments
        ]


ENGINE = FasterWhisper()
