"""Long calls go to the engine a chunk at a time, cut in silences, with times put back."""

from __future__ import annotations

import numpy as np
import pytest

import pipeline.transcribe as transcribe_module
from pipeline.audio import SAMPLE_RATE
from pipeline.engines.common import DecodedSegment, DecodedWord
from pipeline.settings import TranscriptionOptions
from pipeline.transcribe import _Piece, chunk_bounds, decode_in_chunks, transcribe_channel


def pieces(count: int, every_s: float = 100.0, length_s: float = 90.0) -> list[_Piece]:
    return [_Piece(i * every_s, i * every_s * 2, length_s, i) for i in range(count)]


def test_chunks_are_cut_in_the_silences_and_cover_everything() -> None:
    bounds = chunk_bounds(pieces(13), 1290.0, max_s=600)
    assert bounds == [(0.0, 595.0), (595.0, 1195.0), (1195.0, 1290.0)]  # mid-way in the 10 s gaps
    assert all(end - start <= 600 for start, end in bounds)
    assert chunk_bounds(pieces(3), 290.0, max_s=600) == [(0.0, 290.0)]  # a short call goes whole
    assert chunk_bounds([_Piece(0.0, 0.0, 900.0, 0)], 900.0, max_s=600) == [(0.0, 900.0)]  # no cut inside speech


class EngineOfMarks:
    """Answers each stretch it is given with one word at 1 s into it, saying how long it was."""

    def __init__(self) -> None:
        self.lengths: list[float] = []

    def decode(self, samples: np.ndarray, options: TranscriptionOptions) -> list[DecodedSegment]:
        seconds = len(samples) / SAMPLE_RATE
        self.lengths.append(seconds)
        word = DecodedWord(1.0, 1.5, f"{seconds:.0f}", 0.9)
        return [DecodedSegment(1.0, 1.5, word.text, 0.0, -0.1, 1.0, (word,))]


def test_segments_of_later_chunks_keep_their_place_in_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = EngineOfMarks()
    monkeypatch.setattr(transcribe_module, "engine_for", lambda _options: engine)
    monkeypatch.setattr(transcribe_module, "CHUNK_S", 600.0)
    samples = np.zeros(int(1290 * SAMPLE_RATE), dtype=np.float32)
    segments = decode_in_chunks(samples, pieces(13), TranscriptionOptions())
    assert engine.lengths == pytest.approx([595.0, 600.0, 95.0])
    assert [s.start for s in segments] == pytest.approx([1.0, 596.0, 1196.0])
    assert [s.words[0].end for s in segments] == pytest.approx([1.5, 596.5, 1196.5])


def test_a_call_under_five_minutes_goes_to_the_engine_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = EngineOfMarks()
    monkeypatch.setattr(transcribe_module, "engine_for", lambda _options: engine)
    samples = np.zeros(int(299 * SAMPLE_RATE), dtype=np.float32)
    decode_in_chunks(samples, pieces(3, every_s=100.0, length_s=99.0), TranscriptionOptions())
    assert engine.lengths == pytest.approx([299.0])


class EngineOfTheFirstSound:
    """Keeps what it is given and answers with one word where the first sound in it begins."""

    def __init__(self) -> None:
        self.samples = np.zeros(0, dtype=np.float32)

    def decode(self, samples: np.ndarray, options: TranscriptionOptions) -> list[DecodedSegment]:
        self.samples = samples
        at = int(np.flatnonzero(samples)[0]) / SAMPLE_RATE
        word = DecodedWord(at, at + 0.4, "алло", 0.9)
        return [DecodedSegment(at, at + 0.4, word.text, 0.0, -0.1, 1.0, (word,))]


def test_the_compacted_audio_opens_on_silence_and_the_words_keep_their_time(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = EngineOfTheFirstSound()
    monkeypatch.setattr(transcribe_module, "engine_for", lambda _options: engine)
    samples = np.zeros(10 * SAMPLE_RATE, dtype=np.float32)
    samples[3 * SAMPLE_RATE:5 * SAMPLE_RATE] = 0.1  # speech from 3 s to 5 s
    text = transcribe_channel(samples, 0, ((3.0, 5.0),), TranscriptionOptions())
    assert TranscriptionOptions().lead_silence_s == 0.5
    assert np.flatnonzero(engine.samples)[0] == int(0.5 * SAMPLE_RATE)  # half a second of silence first
    assert len(engine.samples) == int(2.5 * SAMPLE_RATE)
    assert [(w.start, w.text) for u in text.utterances for w in u.words] == [(pytest.approx(3.0), "алло")]
