"""openai-whisper: the reference implementation, an optional extra (`pip install -e '.[openai]'`).

`base` (the default model) means the bundled weights converted for openai-whisper
(`callqa convert-model`), so it runs offline on exactly the weights faster-whisper
runs; a path to a `.pt` checkpoint is loaded as is; any other name (`small`,
`large-v3`) is one of OpenAI's own checkpoints, downloaded by openai-whisper
where a network exists.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.engines.common import DecodedSegment, DecodedWord
from pipeline.model_store import BUNDLED_MODEL_NAME, cache_root
from pipeline.settings import TranscriptionOptions


# both channels ask for the models at once; they must be loaded (and converted) once
_LOADING = threading.Lock()


class EngineUnavailable(RuntimeError):
    pass


def _whisper() -> Any:
    try:
        import whisper
    except ImportError as exc:
        raise EngineUnavailable(
            "CALLQA_ENGINE=openai-whisper needs the optional extra: pip install -e '.[openai]'"
        ) from exc
    return whisper


def _checkpoint(name: str) -> tuple[str, str | None]:
    """What to hand `whisper.load_model`, and the alignment heads a converted checkpoint carries."""
    import torch

    from pipeline.convert_model import bundled_checkpoint

    if name in ("", "base", BUNDLED_MODEL_NAME):
        path = str(bundled_checkpoint())
    elif Path(name).is_file():
        path = name
    else:
        return name, None  # OpenAI's name: openai-whisper sets its heads itself
    # mmap: read one small entry without pulling the tensors into memory
    heads = torch.load(path, map_location="cpu", weights_only=True, mmap=True).get("alignment_heads")
    return path, heads


@lru_cache(maxsize=2)
def _pool(model: str, device: str, compute_type: str, threads: int, copies: int) -> "queue.Queue[Any]":
    """`copies` models, one per channel decoded at once: openai-whisper hooks its
    key/value cache onto the model during a decode, so one model cannot serve two."""
    import torch

    whisper = _whisper()
    torch.set_num_threads(threads)  # process-wide: torch has one intra-op pool
    # word timing switches SDPA off and on again on the attention *class*; with two
    # channels decoding at once one would turn it back on under the other, whose
    # hooks then read no attention weights (TypeError). Off for good, nothing races.
    whisper.model.MultiHeadAttention.use_sdpa = False
    source, heads = _checkpoint(model)
    pool: queue.Queue[Any] = queue.Queue()
    for _ in range(copies):
        loaded = whisper.load_model(source, device=device, download_root=str(cache_root() / "openai-whisper"))
        if heads:
            loaded.set_alignment_heads(heads.encode("ascii"))
        if compute_type == "float16" and device == "cuda":
            loaded = loaded.half()
        pool.put(loaded)
    return pool


@contextmanager
def _model(options: TranscriptionOptions) -> Iterator[Any]:
    copies = 2 if options.parallel_channels and options.cpu_threads >= 2 else 1
    with _LOADING:
        pool = _pool(options.model, options.device, options.compute_type, max(1, options.cpu_threads // copies), copies)
    model = pool.get()
    try:
        yield model
    finally:
        pool.put(model)


class OpenAIWhisper:
    def warm_up(self, options: TranscriptionOptions) -> None:
        with _model(options):
            pass

    def decode(self, samples: np.ndarray, options: TranscriptionOptions) -> list[DecodedSegment]:
        with _model(options) as model:
            result = model.transcribe(
                samples.astype(np.float32),
                language=options.language,
                # openai-whisper is greedy when beam_size is None; 1 would run a one-beam search
                beam_size=options.beam_size if options.beam_size > 1 else None,
                best_of=5,  # samples per temperature fallback, as faster-whisper
                word_timestamps=True,
                # a mistake in one window must not be copied into the next (DESIGN.md §3)
                condition_on_previous_text=False,
                initial_prompt=options.hotwords if options.vocabulary_bias == "prompt" else None,
                fp16=options.compute_type == "float16" and options.device == "cuda",
                verbose=None,
            )
        return [
            DecodedSegment(
                float(s["start"]), float(s["end"]), s["text"], float(s["no_speech_prob"]), float(s["avg_logprob"]),
                float(s["compression_ratio"]),
                tuple(DecodedWord(float(w["start"]), float(w["end"]), w["word"], float(w["probability"]))
                      for w in s.get("words", ())),
            )
            for s in result["segments"]
        ]


ENGINE = OpenAIWhisper()
