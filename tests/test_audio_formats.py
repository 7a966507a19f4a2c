"""Every format a phone system writes decodes to the right channels, length and sound.

The files are made here, with sox and ffmpeg (`make tools` installs them), from
one synthetic 8 kHz call whose two sides speak in bursts at known times, so a
codec that drops a channel, swaps them, shifts time or loses the sound fails.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio import SAMPLE_RATE, AudioError, load_audio, load_legs
from pipeline.phone.legs import pair_legs

RATE = 8000
SECONDS = 3.0
# when each side of the synthetic call speaks (seconds)
LEFT_BURSTS = ((0.5, 1.0), (1.8, 2.4))
RIGHT_BURSTS = ((1.1, 1.6), (2.5, 2.8))


def speech_like(bursts: tuple[tuple[float, float], ...], seconds: float = SECONDS) -> np.ndarray:
    """A 180 Hz voice with harmonics, syllable-rate (4 Hz) loudness, only inside the bursts.

    Bursts fade in and out over 20 ms as speech does: GSM rings on for ~0.3 s
    after sound that stops dead.
    """
    t = np.arange(int(seconds * RATE)) / RATE
    voice = sum(np.sin(2 * np.pi * 180 * k * t) / k for k in (1, 2, 3, 5))
    syllables = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    on = np.zeros_like(t)
    for start, end in bursts:
        on[(t >= start) & (t < end)] = 1.0
    fades = np.convolve(on, np.ones(RATE // 50) / (RATE // 50), mode="same")
    return 0.3 * voice * syllables * fades


def write_wav(path: Path, channels: list[np.ndarray]) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.stack(channels, axis=1) * 32767).astype("<i2").tobytes())
    return path


def run_tool(*command: str) -> None:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} not found: run `make tools` (installs sox, libsox-fmt-all, ffmpeg)")
    subprocess.run(command, check=True, capture_output=True)


def rms(samples: np.ndarray, start: float, end: float) -> float:
    part = samples[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)]
    return float(np.sqrt(np.mean(part**2)))


def assert_sound_only_in(samples: np.ndarray, bursts: tuple[tuple[float, float], ...], seconds: float) -> None:
    """Loud inside every burst, quiet well away from all of them (codecs smear edges a little)."""
    edges = [0.0] + [t for burst in bursts for t in burst] + [seconds]
    gaps = [(a + 0.1, b - 0.1) for a, b in zip(edges[::2], edges[1::2]) if b - a > 0.3]
    loud = [rms(samples, a + 0.05, b - 0.05) for a, b in bursts]
    assert min(loud) > 0.05, loud
    assert all(rms(samples, a, b) < min(loud) / 10 for a, b in gaps), (loud, [rms(samples, *g) for g in gaps])


@pytest.fixture
def sources(tmp_path) -> dict[str, Path]:
    left, right = speech_like(LEFT_BURSTS), speech_like(RIGHT_BURSTS)
    return {
        "stereo": write_wav(tmp_path / "source-stereo.wav", [left, right]),
        "mono": write_wav(tmp_path / "source-mono.wav", [left]),
    }


# name, source, how to make it from the source ({src} -> {dst})
FORMATS = [
    ("pcm.wav", "stereo", ["ffmpeg", "-v", "error", "-i", "{src}", "-c:a", "pcm_s16le", "{dst}"]),
    ("ulaw.wav", "stereo", ["ffmpeg", "-v", "error", "-i", "{src}", "-c:a", "pcm_mulaw", "{dst}"]),
    ("alaw.wav", "stereo", ["ffmpeg", "-v", "error", "-i", "{src}", "-c:a", "pcm_alaw", "{dst}"]),
    # Asterisk's wav49: GSM 6.10 in WAV (Microsoft framing), saved with the extension .WAV
    ("wav49.WAV", "mono", ["sox", "{src}", "-e", "gsm-full-rate", "-t", "wav", "{dst}"]),
    ("raw.gsm", "mono", ["sox", "{src}", "{dst}"]),
    ("call.mp3", "stereo", ["ffmpeg", "-v", "error", "-i", "{src}", "-c:a", "libmp3lame", "-b:a", "32k", "{dst}"]),
    ("call.ogg", "stereo", ["ffmpeg", "-v", "error", "-i", "{src}", "-c:a", "libopus", "-b:a", "24k", "{dst}"]),
    ("call.flac", "stereo", ["ffmpeg", "-v", "error", "-i", "{src}", "-c:a", "flac", "{dst}"]),
]


@pytest.mark.parametrize("name, layout, command", FORMATS, ids=[f[0] for f in FORMATS])
def test_phone_formats_decode_to_16k_with_the_sound_in_place(tmp_path, sources, name, layout, command):
    path = tmp_path / name
    run_tool(*(part.format(src=sources[layout], dst=path) for part in command))
    audio = load_audio(path)
    expected = [LEFT_BURSTS, RIGHT_BURSTS] if layout == "stereo" else [LEFT_BURSTS]
    assert len(audio.channels) == len(expected)
    assert audio.duration_s == pytest.approx(SECONDS, abs=0.1)
    for channel, bursts in zip(audio.channels, expected):
        assert_sound_only_in(channel, bursts, SECONDS)


def make_leg(path: Path, bursts: tuple[tuple[float, float], ...], seconds: float = SECONDS) -> Path:
    """One leg as MixMonitor writes it in wav49."""
    source = write_wav(path.with_name(path.stem + "-source.wav"), [speech_like(bursts, seconds)])
    run_tool("sox", str(source), "-e", "gsm-full-rate", "-t", "wav", str(path))
    source.unlink()
    return path


def test_two_gsm_legs_from_a_dated_folder_become_one_stereo_call(tmp_path):
    day = tmp_path / "monitor" / "2023" / "11" / "05"
    day.mkdir(parents=True)
    stem = "in-74951234567-89161234567-20231105-101500-1699168500.42"
    make_leg(day / f"{stem}-r.WAV", LEFT_BURSTS)
    make_leg(day / f"{stem}-t.WAV", RIGHT_BURSTS[:1], seconds=2.0)  # this leg stopped a second early
    (pair,), singles = pair_legs(sorted(day.iterdir()))
    assert singles == ()
    audio = load_legs(pair.received, pair.transmitted)
    assert len(audio.channels) == 2 and audio.codec == "gsm_ms"
    assert audio.duration_s == pytest.approx(SECONDS, abs=0.1)
    assert len(audio.channels[0]) == len(audio.channels[1])
    assert_sound_only_in(audio.channels[0], LEFT_BURSTS, SECONDS)
    assert_sound_only_in(audio.channels[1], RIGHT_BURSTS[:1], SECONDS)
    assert not np.any(audio.channels[1][int(2.05 * SAMPLE_RATE):])  # padded with silence


def test_one_silent_leg_is_a_call_two_are_not(tmp_path):
    talking = write_wav(tmp_path / "x-in.wav", [speech_like(LEFT_BURSTS)])
    silent = write_wav(tmp_path / "x-out.wav", [np.zeros(int(SECONDS * RATE))])
    assert len(load_legs(talking, silent).channels) == 2
    with pytest.raises(AudioError, match="silent call"):
        load_legs(silent, silent)


@pytest.mark.parametrize(
    "make_second, message",
    [
        (lambda p: write_wav(p, [speech_like(LEFT_BURSTS)] * 2), "a leg must be mono, this file has 2 channels"),
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: None, "file not found"),
    ],
    ids=["stereo-leg", "empty-leg", "missing-leg"],
)
def test_a_bad_leg_is_named(tmp_path, make_second, message):
    first = write_wav(tmp_path / "x-r.wav", [speech_like(LEFT_BURSTS)])
    second = tmp_path / "x-t.wav"
    make_second(second)
    with pytest.raises(AudioError) as exc:
        load_legs(first, second)
    assert exc.value.path == str(second) and message in exc.value.reason
