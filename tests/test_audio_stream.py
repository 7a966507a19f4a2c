"""A call read a block at a time gives the same samples, voice and words as a call decoded whole,
in memory that does not grow with the call's length."""

from __future__ import annotations

import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest
from faster_whisper.audio import decode_audio

import pipeline.transcribe as transcribe_module
from pipeline.audio import SAMPLE_RATE, AudioError, load_audio, load_legs
from pipeline.audio_stream import StreamedCall, pcm_blocks, stream_audio, stream_legs
from pipeline.engines.common import DecodedSegment, DecodedWord
from pipeline.settings import TranscriptionOptions
from pipeline.transcribe import transcribe
from pipeline.vad import frame_levels_db, speech_regions
from tests.conftest import SAMPLES
from tests.test_audio import tone, write_wav

DEMO = sorted(SAMPLES.rglob("*.flac"))[0]


def read_all(call: StreamedCall, channel: int, step: int = 123_457) -> np.ndarray:
    reader = call.reader(channel)
    return np.concatenate([reader[at:at + step].copy() for at in range(0, len(reader), step)])


def test_blocks_hold_exactly_the_samples_faster_whisper_decodes() -> None:
    left, right = decode_audio(str(DEMO), SAMPLE_RATE, split_stereo=True)
    blocks = list(pcm_blocks(DEMO, stereo=True))
    assert all(b.shape[0] == 2 and b.dtype == np.float32 for b in blocks)
    whole = np.concatenate(blocks, axis=1)
    assert np.array_equal(whole[0], left) and np.array_equal(whole[1], right)


def test_a_streamed_call_measures_what_the_whole_call_would() -> None:
    decoded, streamed = load_audio(DEMO), stream_audio(DEMO)
    assert streamed.duration_s == decoded.duration_s and streamed.source_rate == decoded.source_rate
    for i, channel in enumerate(decoded.channels):
        assert np.array_equal(read_all(streamed, i), channel)
        assert np.array_equal(streamed.levels[i], frame_levels_db(channel, 0.03))
        assert streamed.voice()[i] == speech_regions(channel)
        assert streamed.peaks[i] == pytest.approx(float(np.max(np.abs(channel))))


def test_two_legs_of_different_lengths_stream_as_load_legs_pads_them(tmp_path: Path) -> None:
    first = write_wav(tmp_path / "x-in.wav", [tone(3.01, 300)])
    second = write_wav(tmp_path / "x-out.wav", [tone(1.3, 500)])
    decoded, streamed = load_legs(first, second), stream_legs(first, second)
    assert streamed.samples == len(decoded.channels[0]) == len(decoded.channels[1])
    for i, channel in enumerate(decoded.channels):
        assert np.array_equal(read_all(streamed, i, step=7_001), channel)  # the short leg reads silence after its end
        assert np.array_equal(streamed.levels[i], frame_levels_db(channel, 0.03))
    assert streamed.voice() == tuple(speech_regions(ch) for ch in decoded.channels)


def test_a_channel_is_read_forward_only() -> None:
    reader = stream_audio(DEMO).reader(0)
    assert len(reader[16_000:32_000]) == 16_000
    with pytest.raises(ValueError, match="read backwards"):
        reader[0:10]


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_text("заметки оператора, не звук"), "not a decodable audio file"),
    (lambda p: write_wav(p, [np.zeros(16_000), np.zeros(16_000)]), "silent call"),
    (lambda p: write_wav(p, [tone(0.2), tone(0.2)]), "zero-length call"),
])
def test_bad_files_are_refused_by_name_as_when_decoded_whole(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError, match=message) as streamed:
        stream_audio(path)
    with pytest.raises(AudioError, match=message):
        load_audio(path)
    assert streamed.value.path == str(path)


def test_a_stereo_leg_is_refused_by_name(tmp_path: Path) -> None:
    first = write_wav(tmp_path / "x-in.wav", [tone(1.0), tone(1.0)])
    second = write_wav(tmp_path / "x-out.wav", [tone(1.0)])
    with pytest.raises(AudioError, match="a leg must be mono") as refused:
        stream_legs(first, second)
    assert refused.value.path == str(first)


class RecordingEngine:
    """Keeps every stretch of audio it is given and answers one word per stretch."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []

    def decode(self, samples: np.ndarray, options: TranscriptionOptions) -> list[DecodedSegment]:
        self.parts.append(samples.copy())
        word = DecodedWord(0.5, 0.9, f"w{len(self.parts)}", 0.9)
        return [DecodedSegment(0.5, 0.9, word.text, 0.0, -0.1, 1.0, (word,))]


def write_talk(path: Path, minutes: int, rate: int = 8000, seed: int = 0) -> Path:
    """Two channels taking turns (4 s of tone, 3 s of quiet) over a little noise, written a minute at a time."""
    rng = np.random.default_rng(seed)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        for minute in range(minutes):
            t = minute * 60 + np.arange(60 * rate) / rate
            speaking, turn = (t % 7) < 4, (t // 7).astype(int) % 2
            voice = 0.3 * np.sin(2 * np.pi * 220 * t)
            pair = np.stack([np.where(speaking & (turn == side), voice, 0.0) for side in (0, 1)], axis=1)
            pair += rng.normal(0, 0.001, pair.shape)
            out.writeframes((np.clip(pair, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.mark.parametrize("speech_only", [True, False])
def test_a_long_call_reaches_the_engine_in_the_same_chunks_either_way(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speech_only: bool) -> None:
    monkeypatch.setattr(transcribe_module, "CHUNK_S", 60.0)  # a long call's chunks, on a call quick to test
    path = write_talk(tmp_path / "long.wav", 5)
    options = TranscriptionOptions(speech_regions_only=speech_only, parallel_channels=False)
    whole_engine, streamed_engine = RecordingEngine(), RecordingEngine()
    monkeypatch.setattr(transcribe_module, "engine_for", lambda _o: whole_engine)
    whole = transcribe(load_audio(path), options)
    monkeypatch.setattr(transcribe_module, "engine_for", lambda _o: streamed_engine)
    streamed = transcribe(stream_audio(path), options)
    assert len(whole_engine.parts) == len(streamed_engine.parts) >= 4  # chunked: over CHUNK_S a channel
    assert all(np.array_equal(a, b) for a, b in zip(whole_engine.parts, streamed_engine.parts))
    assert whole == streamed


def _peak_traced_mb(path: Path, monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(transcribe_module, "engine_for", lambda _o: RecordingEngineDropping())
    tracemalloc.start()
    try:
        transcribe(stream_audio(path), TranscriptionOptions(parallel_channels=False))
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


class RecordingEngineDropping(RecordingEngine):
    def decode(self, samples: np.ndarray, options: TranscriptionOptions) -> list[DecodedSegment]:
        return []


def test_memory_does_not_grow_with_the_length_of_the_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    short = write_talk(tmp_path / "short.wav", 24)
    long = write_talk(tmp_path / "long.wav", 48, seed=1)
    short_mb, long_mb = _peak_traced_mb(short, monkeypatch), _peak_traced_mb(long, monkeypatch)
    # decoded whole, the call would hold its samples: twice as much for twice the length
    # (48 minutes of stereo: 2 x 184 MB of float32)
    assert long_mb < 1.25 * short_mb + 5, (short_mb, long_mb)
    assert long_mb < 120, long_mb


@pytest.mark.model
def test_a_demo_call_gets_the_same_words_read_in_blocks_as_decoded_whole(demo_standard) -> None:  # type: ignore[no-untyped-def]
    from pipeline.batch import transcribe_audio

    shortest = min(SAMPLES.rglob("*.flac"), key=lambda p: p.stat().st_size)
    options = TranscriptionOptions()
    whole = transcribe_audio(load_audio(shortest), options, demo_standard)
    streamed = transcribe_audio(stream_audio(shortest), options, demo_standard)
    assert [u.text for u in streamed.utterances] == [u.text for u in whole.utterances]
    assert streamed == whole  # times, probabilities, roles and voice regions too
    assert len(whole.utterances) > 5
