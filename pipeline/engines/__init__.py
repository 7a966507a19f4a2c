"""Transcription engines, chosen by `CALLQA_ENGINE` (`TranscriptionOptions.engine`).

Each engine is imported only when chosen: openai-whisper needs torch, an
optional extra (`pip install -e '.[openai]'`).
"""

from __future__ import annotations

from pipeline.engines.common import DecodedSegment, DecodedWord, Engine
from pipeline.settings import ENGINES, TranscriptionOptions

__all__ = ["DecodedSegment", "DecodedWord", "Engine", "engine_for"]


def engine_for(options: TranscriptionOptions) -> Engine:
    if options.engine == "faster-whisper":
        from pipeline.engines import faster

        return faster.ENGINE
    if options.engine == "openai-whisper":
        from pipeline.engines import openai

        return openai.ENGINE
    raise ValueError(f"CALLQA_ENGINE: unknown engine {options.engine!r}; expected one of {', '.join(ENGINES)}")
