"""Decode a call recording into one 16 kHz float array per channel.

PyAV bundles FFmpeg, so every codec a phone system writes (PCM, μ-law, A-law,
GSM, MP3, Opus, FLAC) decodes without a system FFmpeg. Failures are raised as
`AudioError` naming the file and what is wrong, so a batch can record the reason
and move on.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from faster_whisper.audio import decode_audio

SAMPLE_RATE = 16000
# below this peak level (about -60 dBFS) a channel carries no usable sound
_SILENT_PEAK = 0.001


class AudioError(ValueError):
    """A recording that cannot be analysed; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True)
class DecodedAudio:
    channels: tuple[np.ndarray, ...]  # float32 mono arrays at SAMPLE_RATE
    source_rate: int
    codec: str

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE if self.channels else 0.0


def _check_wav_header(path: Path) -> None:
    """Catch WAVs cut short: FFmpeg would quietly decode what is there."""
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return
        size = path.stat().st_size
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                raise AudioError(path, "truncated WAV: no 'data' chunk")
            chunk_id, chunk_len = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"data":
                available = size - fh.tell()
                # 0 and 0xFFFFFFFF are written by recorders that stream and never seek back
                if chunk_len not in (0, 0xFFFFFFFF) and available < chunk_len:
                    raise AudioError(
                        path,
                        f"truncated WAV: header declares {chunk_len} bytes of audio, "
                        f"file holds {available}",
                    )
                return
            fh.seek(chunk_len + (chunk_len & 1), 1)


def probe(path: Path) -> tuple[int, int, str]:
    """Return (channels, sample rate, codec name) or raise AudioError."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(path, "no audio stream (not an audio file?)")
            stream = container.streams.audio[0]
            ctx = stream.codec_context
            if ctx is None:
                raise AudioError(path, "unsupported audio codec: FFmpeg has no decoder for it")
            return ctx.channels, ctx.sample_rate, ctx.name
    except AudioError:
        raise
    except av.error.FileNotFoundError as exc:
        raise AudioError(path, "file not found (moved or deleted during the run?)") from exc
    except av.error.InvalidDataError as exc:
        raise AudioError(path, "not a decodable audio file (no known audio format found)") from exc
    except av.error.FFmpegError as exc:
        raise AudioError(path, f"cannot open audio: {exc}") from exc


def checked(path: Path) -> tuple[int, int, str]:
    """(channels, sample rate, codec) of a file that is there, whole, and mono or stereo."""
    if not path.exists():
        raise AudioError(path, "file not found (moved or deleted during the run?)")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    _check_wav_header(path)
    n_channels, rate, codec = probe(path)
    if n_channels > 2:
        raise AudioError(path, f"unsupported channel count {n_channels}: expected mono or stereo")
    return n_channels, rate, codec


def _decode(path: Path) -> DecodedAudio:
    n_channels, rate, codec = checked(path)
    try:
        if n_channels == 2:
            left, right = decode_audio(str(path), SAMPLE_RATE, split_stereo=True)
            channels: tuple[np.ndarray, ...] = (left, right)
        else:
            channels = (decode_audio(str(path), SAMPLE_RATE),)
    except av.error.FFmpegError as exc:
        raise AudioError(path, f"decoding failed: {exc}") from exc
    return DecodedAudio(channels=channels, source_rate=rate, codec=codec)


def check_usable(path: str | Path, duration_s: float, peaks: list[float]) -> None:
    """A call too short to analyse, or silent on every channel, is refused by name."""
    if duration_s < 0.5:
        raise AudioError(path, f"zero-length call: {duration_s:.2f} s of audio")
    if all(peak < _SILENT_PEAK for peak in peaks):
        raise AudioError(path, "silent call: no sound on any channel")


def _usable(decoded: DecodedAudio, path: str | Path) -> DecodedAudio:
    check_usable(path, decoded.duration_s, [float(np.max(np.abs(ch))) if ch.size else 0.0 for ch in decoded.channels])
    return decoded


def load_audio(path: str | Path) -> DecodedAudio:
    path = Path(path)
    return _usable(_decode(path), path)


def load_legs(first: str | Path, second: str | Path) -> DecodedAudio:
    """Two mono files, one per direction of the call, as one two-channel call.

    Each leg may be silent on its own (a client who never spoke); only the pair
    must have sound. The shorter leg is padded with silence at the end, since
    recorders start both legs together.
    """
    legs = []
    for path in map(Path, (first, second)):
        leg = _decode(path)
        if len(leg.channels) != 1:
            raise AudioError(path, f"a leg must be mono, this file has {len(leg.channels)} channels")
        legs.append(leg)
    length = max(len(leg.channels[0]) for leg in legs)
    codecs = dict.fromkeys(leg.codec for leg in legs)
    return _usable(
        DecodedAudio(
            channels=tuple(np.pad(leg.channels[0], (0, length - len(leg.channels[0]))) for leg in legs),
            source_rate=max(leg.source_rate for leg in legs),
            codec="+".join(codecs),
        ),
        f"{first} + {second}",
    )
