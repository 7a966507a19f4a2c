"""Bad input: every broken file gets an AudioError that names the file and the problem."""

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio import AudioError, load_audio
from pipeline.vad import silent_gaps, speech_regions


def write_wav(path: Path, channels: list[np.ndarray], rate: int = 8000) -> Path:
    data = np.stack(channels, axis=1) if len(channels) > 1 else channels[0][:, None]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(data, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def tone(seconds: float, freq: float = 440.0, rate: int = 8000, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return level * np.sin(2 * np.pi * freq * t)


def test_stereo_wav_decodes_to_two_16k_channels(tmp_path):
    path = write_wav(tmp_path / "ok.wav", [tone(2.0), np.zeros(16000)])
    audio = load_audio(path)
    assert len(audio.channels) == 2 and audio.source_rate == 8000
    assert audio.duration_s == pytest.approx(2.0, abs=0.01)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("это не звук, а заметки оператора"), "not a decodable audio file"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: write_wav(p, [np.zeros(0)]), "zero-length call"),
        (lambda p: write_wav(p, [np.zeros(8000 * 5), np.zeros(8000 * 5)]), "silent call"),
    ],
    ids=["not-audio", "empty", "zero-length", "silent"],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, make, message):
    path = tmp_path / "call.wav"
    make(path)
    with pytest.raises(AudioError) as exc:
        load_audio(path)
    assert str(path) in str(exc.value) and message in str(exc.value)


def test_truncated_wav(tmp_path):
    path = write_wav(tmp_path / "cut.wav", [tone(4.0)])
    path.write_bytes(path.read_bytes()[: 44 + 8000])
    with pytest.raises(AudioError, match="truncated WAV: header declares 64000 bytes of audio, file holds 8000"):
        load_audio(path)


def test_unsupported_codec(tmp_path):
    path = write_wav(tmp_path / "odd.wav", [tone(2.0)])
    raw = bytearray(path.read_bytes())
    raw[20:22] = struct.pack("<H", 0x7777)  # a WAVE format tag no decoder knows
    path.write_bytes(bytes(raw))
    with pytest.raises(AudioError, match="odd.wav: unsupported audio codec"):
        load_audio(path)


def test_vanished_file(tmp_path):
    with pytest.raises(AudioError, match="file not found"):
        load_audio(tmp_path / "gone.wav")


def test_voice_activity_finds_the_tone_and_the_gap():
    samples = np.concatenate([np.zeros(16000), tone(2.0, rate=16000), np.zeros(16000 * 3), tone(1.0, rate=16000)])
    samples = (samples + np.random.default_rng(0).normal(0, 0.001, len(samples))).astype(np.float32)
    regions = speech_regions(samples)
    assert len(regions) == 2
    assert regions[0][0] == pytest.approx(1.0, abs=0.15) and regions[0][1] == pytest.approx(3.0, abs=0.15)
    gaps = silent_gaps((regions,), len(samples) / 16000, min_gap_s=2.0)
    assert any(a == pytest.approx(3.0, abs=0.2) and b == pytest.approx(6.0, abs=0.2) for a, b in gaps)


def test_silent_channel_has_no_voice():
    assert speech_regions(np.zeros(16000 * 3, dtype=np.float32)) == ()
