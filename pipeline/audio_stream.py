"""Read a call a block at a time, so that an hour-long call never sits in memory whole.

Decoding a 60-minute stereo call whole held it three times over (16-bit, then two
float32 copies, 1.1 GB). Here a first pass measures what the whole call is needed
for (its length, each channel's peak and voice-activity levels) and later passes
read each channel forward, a block at a time, for the chunks Whisper is given.

The blocks carry exactly the samples `faster_whisper.audio.decode_audio` returns:
the same resampler (16-bit, 16 kHz), fed the same groups of frames, and the same
conversion to float, so a call read this way gets the same words.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from pipeline.audio import SAMPLE_RATE, AudioError, check_usable, checked
from pipeline.vad import Region, VadOptions, frame_levels_db, regions_from_levels

# input samples per group handed to the resampler, as faster-whisper's decode_audio groups them
_GROUP_SAMPLES = 500_000
# the longest run of silence padded at once after a short leg's end
_PAD_BLOCK = 1 << 20


def pcm_blocks(path: Path, stereo: bool) -> Iterator[np.ndarray]:
    """float32 blocks of shape (channels, samples) at SAMPLE_RATE, in order."""
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="stereo" if stereo else "mono",
                                                  rate=SAMPLE_RATE)
    width = 2 if stereo else 1
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            fifo = av.audio.fifo.AudioFifo()
            for frame in _valid_frames(container.decode(audio=0)):
                frame.pts = None  # the FIFO checks timestamps; recorders get them wrong
                fifo.write(frame)
                if fifo.samples >= _GROUP_SAMPLES:
                    yield from _converted(resampler.resample(fifo.read()), width)
            if fifo.samples > 0:
                yield from _converted(resampler.resample(fifo.read()), width)
            yield from _converted(resampler.resample(None), width)  # what the resampler still holds
    except av.error.FFmpegError as exc:
        raise AudioError(path, f"decoding failed: {exc}") from exc


def _valid_frames(frames: Iterator[av.AudioFrame]) -> Iterator[av.AudioFrame]:
    """A damaged frame is skipped, as faster-whisper skips it: one click, not a lost call."""
    iterator = iter(frames)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def _converted(frames: list[av.AudioFrame], width: int) -> Iterator[np.ndarray]:
    for frame in frames:
        interleaved = frame.to_ndarray().reshape(-1, width)
        yield np.ascontiguousarray(interleaved.T).astype(np.float32) / 32768.0


@dataclass(frozen=True)
class ChannelFile:
    """Where one channel of a call is read from: a file, and which of its channels."""

    path: Path
    stereo: bool
    index: int

    def blocks(self) -> Iterator[np.ndarray]:
        for block in pcm_blocks(self.path, self.stereo):
            yield block[self.index]


class _LevelMeter:
    """Voice-activity frame levels of a channel fed block by block, equal to measuring it whole."""

    def __init__(self, frame_s: float) -> None:
        self.frame_s = frame_s
        self.hop = int(SAMPLE_RATE * frame_s)
        self.rest = np.zeros(0, dtype=np.float32)
        self.parts: list[np.ndarray] = []
        self.samples = 0
        self.peak = 0.0

    def feed(self, block: np.ndarray) -> None:
        if block.size:
            self.peak = max(self.peak, float(np.max(np.abs(block))))
        self.samples += len(block)
        data = np.concatenate((self.rest, block))
        whole = len(data) // self.hop * self.hop
        if whole:
            self.parts.append(frame_levels_db(data[:whole], self.frame_s))
        self.rest = data[whole:]

    def levels(self, samples: int) -> np.ndarray:
        """The levels of the channel padded with silence to `samples` (a short leg of a call)."""
        while self.samples < samples:
            self.feed(np.zeros(min(samples - self.samples, _PAD_BLOCK), dtype=np.float32))
        return np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=np.float32)


class ChannelReader:
    """One channel's samples, read forward once: `reader[a:b]` for non-decreasing `a`.

    It quacks like the channel's array for `transcribe_channel` (length, slices) while
    holding no more than the stretch asked for and one decoded block. Past the end of
    its file it reads silence, as a short leg is padded in `load_legs`.
    """

    def __init__(self, source: ChannelFile, length: int) -> None:
        self.source = source
        self.length = length
        self._blocks: Iterator[np.ndarray] | None = None
        self._buffer = np.zeros(0, dtype=np.float32)
        self._base = 0  # the channel's sample index of _buffer[0]

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, key: slice) -> np.ndarray:
        """Samples [start, stop) as a view: copy it to keep it past the next read."""
        start, stop = key.start or 0, min(self.length, self.length if key.stop is None else key.stop)
        if start < self._base:
            raise ValueError(f"{self.source.path}: channel {self.source.index} read backwards "
                             f"(sample {start} after {self._base})")
        if stop > self._base + len(self._buffer):
            self._fill(start, stop)
        return self._buffer[start - self._base: max(start, stop) - self._base]

    def _fill(self, start: int, stop: int) -> None:
        """Buffer from `start` to at least `stop`, dropping what lies before `start`."""
        if self._blocks is None:
            self._blocks = self.source.blocks()
        have = self._base + len(self._buffer)
        pending = [self._buffer[start - self._base:]] if start < have else []
        skip = max(0, start - have)  # decoded samples before `start` are dropped as they come
        have = max(have, start)
        while have < stop:
            block = next(self._blocks, None)
            if block is None:  # past the end of this file: silence, to the call's length
                pending.append(np.zeros(stop - have, dtype=np.float32))
                break
            if skip >= len(block):
                skip -= len(block)
                continue
            pending.append(block[skip:])
            have += len(block) - skip
            skip = 0
        self._buffer = np.concatenate(pending) if pending else np.zeros(0, dtype=np.float32)
        self._base = start


@dataclass(frozen=True)
class StreamedCall:
    """A call measured in one pass and read again per channel: its samples are not kept."""

    channels: tuple[ChannelFile, ...]
    samples: int  # per channel, at SAMPLE_RATE (the longest, for two legs)
    levels: tuple[np.ndarray, ...]  # voice-activity frame levels per channel
    peaks: tuple[float, ...]
    source_rate: int
    codec: str

    @property
    def duration_s(self) -> float:
        return self.samples / SAMPLE_RATE

    def voice(self, options: VadOptions = VadOptions()) -> tuple[tuple[Region, ...], ...]:
        return tuple(regions_from_levels(levels, self.duration_s, options) for levels in self.levels)

    def reader(self, channel: int) -> ChannelReader:
        return ChannelReader(self.channels[channel], self.samples)


def scan(files: list[tuple[Path, int]], source_rate: int, codec: str,
         options: VadOptions = VadOptions()) -> StreamedCall:
    """Measure a call whose channels are `files`: (path, channel count) each, in channel order."""
    channels: list[ChannelFile] = []
    meters: list[_LevelMeter] = []
    for path, count in files:
        file_meters = [_LevelMeter(options.frame_s) for _ in range(count)]
        for block in pcm_blocks(path, count == 2):
            for meter, samples in zip(file_meters, block):
                meter.feed(samples)
        channels += [ChannelFile(path, count == 2, i) for i in range(count)]
        meters += file_meters
    samples = max(meter.samples for meter in meters)
    return StreamedCall(
        channels=tuple(channels), samples=samples, levels=tuple(m.levels(samples) for m in meters),
        peaks=tuple(m.peak for m in meters), source_rate=source_rate, codec=codec,
    )


def stream_audio(path: str | Path) -> StreamedCall:
    """`load_audio`'s checks and measures, without keeping the samples."""
    path = Path(path)
    count, rate, codec = checked(path)
    call = scan([(path, count)], rate, codec)
    check_usable(path, call.duration_s, list(call.peaks))
    return call


def stream_legs(first: str | Path, second: str | Path) -> StreamedCall:
    """`load_legs` without keeping the samples: two mono files as one two-channel call."""
    files: list[tuple[Path, int]] = []
    rates, codecs = [], []
    for path in map(Path, (first, second)):
        count, rate, codec = checked(path)
        if count != 1:
            raise AudioError(path, f"a leg must be mono, this file has {count} channels")
        files.append((path, count))
        rates.append(rate)
        codecs.append(codec)
    call = scan(files, max(rates), "+".join(dict.fromkeys(codecs)))
    check_usable(f"{first} + {second}", call.duration_s, list(call.peaks))
    return call
