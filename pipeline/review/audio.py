"""What the review page plays: the recording as a browser can play it, and its waveform peaks.

Why it is built this way:

- Only a path stored in the database is ever opened (the route takes an
  analysis id, never a file name), so a path traversal has nothing to aim at.
- FLAC, MP3, Ogg/Opus and PCM WAV go to the browser as they are. Telephone
  codecs browsers don't play (GSM, μ-law/A-law WAV, WAV49) and two-leg calls
  (two files, one call) are decoded once with the batch's own decoder into a
  stereo 16-bit WAV in the cache folder, named by the audio's sha256.
- The waveform is drawn from peaks computed here, so it appears at once and
  looks the same whatever the codec.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.audio import SAMPLE_RATE, AudioError, DecodedAudio, probe
from pipeline.batch import CallFiles, group_calls, load_call_audio

PLAYABLE_SUFFIXES = frozenset({".flac", ".mp3", ".ogg", ".opus", ".oga"})
PLAYABLE_WAV_CODECS = frozenset({"pcm_s16le", "pcm_u8", "pcm_s24le", "pcm_s32le", "pcm_f32le"})
MEDIA_TYPES = {".flac": "audio/flac", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg",
               ".oga": "audio/ogg", ".wav": "audio/wav"}
PEAKS_PER_CHANNEL = 1200


@dataclass(frozen=True)
class Playable:
    path: Path
    media_type: str


def _call_files(stored: Path) -> CallFiles | None:
    """The call's files by its stored name; a two-leg call is stored by its name without the leg suffix."""
    if stored.is_file():
        return CallFiles(stored)
    if stored.parent.is_dir():
        for call in group_calls(sorted(p for p in stored.parent.iterdir() if p.is_file())):
            if call.legs and call.path == stored:
                return call
    return None


def audio_available(stored_path: str) -> bool:
    return _call_files(Path(stored_path)) is not None


def _stored_call_audio(stored: Path) -> DecodedAudio:
    call = _call_files(stored)
    if call is None:
        raise AudioError(stored, "file not found on disk (moved or deleted?)")
    return load_call_audio(call)


def _browser_plays(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in PLAYABLE_SUFFIXES:
        return True
    return suffix == ".wav" and probe(path)[2] in PLAYABLE_WAV_CODECS


def _write_wav(audio: DecodedAudio, out: Path) -> None:
    pcm = np.stack([np.clip(ch, -1.0, 1.0) for ch in audio.channels], axis=1)
    tmp = out.with_suffix(".part")
    with wave.open(str(tmp), "wb") as fh:
        fh.setnchannels(len(audio.channels))
        fh.setsampwidth(2)
        fh.setframerate(SAMPLE_RATE)
        fh.writeframes((pcm * 32767).astype("<i2").tobytes())
    tmp.replace(out)  # a half-written file never gets served


def playable(stored_path: str, sha256: str, cache_dir: Path) -> Playable:
    """The file to stream for a recording. Raises AudioError when it can't be had."""
    stored = Path(stored_path)
    if stored.is_file() and _browser_plays(stored):
        return Playable(stored, MEDIA_TYPES[stored.suffix.lower()])
    cached = cache_dir / f"{sha256}.wav"
    if not cached.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        _write_wav(_stored_call_audio(stored), cached)
    return Playable(cached, "audio/wav")


def peaks(stored_path: str, buckets: int = PEAKS_PER_CHANNEL) -> tuple[list[list[float]], float]:
    """Per channel, the loudest sample of each of `buckets` equal slices; and the duration in seconds."""
    audio = _stored_call_audio(Path(stored_path))
    out = []
    for ch in audio.channels:
        usable = len(ch) - len(ch) % buckets if len(ch) >= buckets else len(ch)
        slices = np.abs(ch[:usable]).reshape(buckets, -1).max(axis=1) if usable >= buckets else np.abs(ch)
        out.append([round(float(v), 3) for v in slices])
    return out, audio.duration_s


__all__ = ["Playable", "audio_available", "peaks", "playable"]
