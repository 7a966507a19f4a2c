"""Is a recording finished? A file still being written must not be analysed as it stands.

A phone system writes a call while it lasts, and a copy onto a share takes time. A file
is taken once its modification time is at least a settle time old (so size and time have
not changed for that long), and, for WAV, once the sizes its header declares agree with
the bytes on disk: a recorder that appends audio and fixes the header at the end leaves
them disagreeing until it is done.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Sequence
from pathlib import Path

from pipeline.settings import seconds_env

SETTLE_ENV = "CALLQA_SETTLE_S"
DEFAULT_SETTLE_S = 30.0
HEADER_WAIT_S = 3600.0


def settle_seconds() -> float:
    """$CALLQA_SETTLE_S, else 30 s: longer than a recorder's pause between writes."""
    return seconds_env(SETTLE_ENV, DEFAULT_SETTLE_S, zero_allowed=True)


def unfinished_reason(files: Sequence[Path], settle_s: float, now: float | None = None) -> str | None:
    """Why the call in `files` is not finished yet; None when it may be analysed.

    A file that cannot be looked at is left to the analysis, which records why it fails.
    """
    now = time.time() if now is None else now
    for path in files:
        try:
            stat = path.stat()
            age = now - stat.st_mtime
            if age < settle_s:
                return f"{path.name}: still being written (changed {age:.0f} s ago, taken after {settle_s:g} s)"
            # a header still wrong long after the last write is a broken file, not a growing one:
            # the decoder takes it, and it ends analysed or failed with a reason, never waiting for ever
            if path.suffix.lower() == ".wav" and age < max(settle_s, HEADER_WAIT_S):
                with path.open("rb") as fh:
                    header = fh.read(4096)
                if mismatch := wav_size_mismatch(header, stat.st_size):
                    return f"{path.name}: {mismatch}"
        except OSError:
            continue
    return None


def wav_size_mismatch(header: bytes, file_size: int) -> str | None:
    """What a RIFF/WAVE header's declared sizes say against the file's size; None if they agree."""
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None  # not a plain RIFF WAVE: the decoder judges it
    riff_end = struct.unpack_from("<I", header, 4)[0] + 8
    data_end = _data_chunk_end(header)
    if data_end is not None and data_end > file_size:
        return (f"its header promises {data_end - file_size} more bytes of audio than the file holds: "
                "still being written, or cut short")
    if file_size - riff_end > 1:  # one pad byte is allowed
        return (f"{file_size - riff_end} bytes follow the end its header declares: still being written "
                "(the header is fixed when the recording ends)")
    return None


def _data_chunk_end(header: bytes) -> int | None:
    offset = 12
    while offset + 8 <= len(header):
        chunk_id, size = header[offset:offset + 4], struct.unpack_from("<I", header, offset + 4)[0]
        if chunk_id == b"data":
            return offset + 8 + size
        offset += 8 + size + (size & 1)
    return None
