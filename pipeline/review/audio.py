"""What the review page plays: the recording as a browser can play it, and its waveform peaks.

Why it is built this way:

- Only a path stored in the database is ever opened (the route takes an
  analysis id, never a file name), so a path traversal has nothing to aim at.
- And only when it is still the recording that was analysed (`verified_call`):
  each file must be a regular file, not a symlink, inside the recordings root
  once resolved, with the stored size and SHA-256. Whoever can write to the
  recordings folder can otherwise put a symlink to /etc/passwd or to the
  database with the password hashes in a recording's place. The hash is
  computed once per file version (device, inode, size, mtime), not per range
  request.
- Server paths never leave the app: pages and the API show `recording_name`.
- FLAC, MP3, Ogg/Opus and PCM WAV go to the browser as they are. Telephone
  codecs browsers don't play (GSM, μ-law/A-law WAV, WAV49) and two-leg calls
  (two files, one call) are decoded once with the batch's own decoder into a
  stereo 16-bit WAV in the cache folder, named by the audio's sha256.
- The waveform is drawn from peaks computed here, so it appears at once and
  looks the same whatever the codec.
- A coach or a seller gets the call with a tone over each personal data span
  (`toned_playable`): a WAV made once per recording and set of spans, in the
  same cache folder; the original is never sent to them.
"""

from __future__ import annotations

from functools import lru_cache

import hashlib
import os
import stat
import threading
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.audio import SAMPLE_RATE, AudioError, DecodedAudio, load_audio, load_legs, probe
from pipeline.batch import CallFiles, group_calls
from pipeline.privacy.tone import tone_over
from pipeline.storage.models import AnalysisRow, RecordingRow

PLAYABLE_SUFFIXES = frozenset({".flac", ".mp3", ".ogg", ".opus", ".oga"})
PLAYABLE_WAV_CODECS = frozenset({"pcm_s16le", "pcm_u8", "pcm_s24le", "pcm_s32le", "pcm_f32le"})
MEDIA_TYPES = {".flac": "audio/flac", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg",
               ".oga": "audio/ogg", ".wav": "audio/wav"}
PEAKS_PER_CHANNEL = 1200
MAX_VERIFIED = 4096  # file versions whose hash is remembered
# why a recording is not served, as the client may read it (no path in them)
NOT_ON_DISK, NOT_REGULAR, CHANGED = "файла нет на диске", "это не обычный файл в папке записей", "файл изменён после анализа"
PUBLIC_REASONS = frozenset({NOT_ON_DISK, NOT_REGULAR, CHANGED})


@dataclass(frozen=True)
class Playable:
    path: Path
    media_type: str


@dataclass(frozen=True)
class StoredRecording:
    """What the database says was analysed: where, and what its files held."""

    path: str
    sha256: str
    size_bytes: int


def stored_recording(session: Session, analysis_id: int) -> StoredRecording:
    """Raises LookupError for an unknown analysis id."""
    found = session.execute(select(AnalysisRow.recording_path, RecordingRow.sha256, RecordingRow.size_bytes)
                            .join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
                            .where(AnalysisRow.id == analysis_id)).first()
    if found is None:
        raise LookupError(f"analysis_id {analysis_id}: no such call")
    return StoredRecording(found[0], found[1], found[2])


def recording_name(stored_path: str) -> str:
    """What people are shown of a stored path: the file name, never the server's folders."""
    return Path(stored_path).name


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _call_files(stored: Path) -> CallFiles | None:
    """The call's files by its stored name; a two-leg call is stored by its name without the leg suffix."""
    if _regular(stored):
        return CallFiles(stored)
    if stored.parent.is_dir():
        for call in group_calls(sorted(p for p in stored.parent.iterdir() if _regular(p))):
            if call.legs and call.path == stored:
                return call
    return None


# the files' (device, inode, size, mtime, ctime) -> sha256 of their bytes in order; ctime too, because
# whoever can write a recording can put its mtime back (touch -r), but not its ctime
_verified: dict[tuple[tuple[int, int, int, int, int], ...], str] = {}
_verified_lock = threading.Lock()


def _digest(files: tuple[Path, ...], stats: list[os.stat_result]) -> str:
    """SHA-256 of the files' bytes in order, as `pipeline.batch.fingerprint`; remembered per file version."""
    version = tuple((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) for st in stats)
    with _verified_lock:
        known = _verified.get(version)
    if known is not None:
        return known
    digest = hashlib.sha256()
    for path in files:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    with _verified_lock:
        if len(_verified) >= MAX_VERIFIED:
            _verified.clear()
        _verified[version] = digest.hexdigest()
    return digest.hexdigest()


def verified_call(recording: StoredRecording, recordings_root: Path) -> CallFiles:
    """The call's files when they are still what was analysed; AudioError (naming no folder) otherwise.

    Every file must be a regular file (a symlink is refused, even to a file
    inside the root), inside `recordings_root` once resolved, and all of them
    together must have the stored size and SHA-256.
    """
    root = recordings_root.resolve()
    name = Path(recording_name(recording.path))
    if Path(recording.path).is_symlink():
        raise AudioError(name, NOT_REGULAR)
    call = _call_files(Path(recording.path))
    if call is None:
        raise AudioError(name, NOT_ON_DISK)
    stats = [path.lstat() for path in call.files]
    if not all(stat.S_ISREG(st.st_mode) for st in stats) or not all(p.resolve().is_relative_to(root)
                                                                     for p in call.files):
        raise AudioError(name, NOT_REGULAR)
    if sum(st.st_size for st in stats) != recording.size_bytes or _digest(call.files, stats) != recording.sha256:
        raise AudioError(name, CHANGED)
    return call


def audio_available(stored_path: str) -> bool:
    return _call_files(Path(stored_path)) is not None


def _stored_call_audio(stored: Path) -> DecodedAudio:
    call = _call_files(stored)
    if call is None:
        raise AudioError(stored, "file not found on disk (moved or deleted?)")
    # decoded whole: the waveform and the browser's WAV need every sample (the batch streams instead)
    return load_legs(*call.files) if call.legs else load_audio(call.path)


def _browser_plays(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in PLAYABLE_SUFFIXES:
        return True
    return suffix == ".wav" and probe(path)[2] in PLAYABLE_WAV_CODECS


def _write_wav(audio: DecodedAudio, out: Path, toned: Sequence[tuple[float, float]] = ()) -> None:
    pcm = np.stack([np.clip(ch, -1.0, 1.0) for ch in audio.channels], axis=1)
    if toned:
        pcm = tone_over(pcm, SAMPLE_RATE, toned)
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
    if _regular(stored) and _browser_plays(stored):
        return Playable(stored, MEDIA_TYPES[stored.suffix.lower()])
    cached = cache_dir / f"{sha256}.wav"
    if not cached.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        _write_wav(_stored_call_audio(stored), cached)
    return Playable(cached, "audio/wav")


TONE_PAD_S = 0.15  # Whisper's word times are a little off: a tone a bit wider than the words leaks none


def toned_playable(stored_path: str, sha256: str, cache_dir: Path, spans: Sequence[tuple[float, float]]) -> Playable:
    """The recording as a stereo WAV with a tone over each (start, end) second, padded by TONE_PAD_S;
    made once per recording and set of spans (a seller keeps their own name, a coach does not)."""
    padded = sorted((max(0.0, a - TONE_PAD_S), b + TONE_PAD_S) for a, b in spans)
    key = hashlib.sha256(repr([(round(a, 3), round(b, 3)) for a, b in padded]).encode()).hexdigest()[:16]
    cached = cache_dir / "toned" / f"{sha256}-{key}.wav"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        _write_wav(_stored_call_audio(Path(stored_path)), cached, padded)
    return Playable(cached, "audio/wav")


@lru_cache(maxsize=256)
def peaks(stored_path: str, sha256: str, buckets: int = PEAKS_PER_CHANNEL) -> tuple[list[list[float]], float]:
    """Per channel, the loudest sample of each of `buckets` equal slices; and the duration in seconds.

    Cached by the verified audio's sha256: decoding an hour-long call takes seconds and
    gigabytes, and every opening of the call page asks again.
    """
    audio = _stored_call_audio(Path(stored_path))
    out = []
    for ch in audio.channels:
        usable = len(ch) - len(ch) % buckets if len(ch) >= buckets else len(ch)
        slices = np.abs(ch[:usable]).reshape(buckets, -1).max(axis=1) if usable >= buckets else np.abs(ch)
        out.append([round(float(v), 3) for v in slices])
    return out, audio.duration_s


__all__ = ["PUBLIC_REASONS", "Playable", "StoredRecording", "audio_available", "peaks", "playable", "recording_name", "stored_recording",
           "toned_playable", "verified_call"]
