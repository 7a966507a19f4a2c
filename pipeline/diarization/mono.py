"""Transcribe a call whose speakers share one stream: diarize it, then transcribe each
voice's turns as if they were a channel of their own.

Each voice's turns go through the same `transcribe_channel` as a stereo channel (the
speech compacted, Whisper in chunks, word timestamps, the hallucination guard), so a
mono call differs from a stereo one only in where the turns came from. Turns no voice
was sure of are transcribed as a third stream with speaker `unknown`. With one voice
the call stays one stream with speaker `unknown`, as before, and the note says so.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from pipeline.audio import SAMPLE_RATE, DecodedAudio
from pipeline.audio_stream import StreamedCall
from pipeline.diarization.diarize import Diarization, diarize
from pipeline.diarization.encoder import EncoderMissing, weights_path
from pipeline.diarization.fake_stereo import CORRELATION_S, SAME_MIX_CORRELATION, correlation, silent_channel
from pipeline.records import Transcript, Utterance
from pipeline.settings import TranscriptionOptions
from pipeline.transcribe import ChannelText, transcribe_channel
from pipeline.vad import overlap_s, speech_regions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonoSource:
    samples: np.ndarray  # the one stream to diarize
    note: str  # why a stereo file is treated as mono ("" for a mono file)


def mono_source(audio: DecodedAudio | StreamedCall) -> MonoSource | None:
    """The stream to diarize when the call is mono or only looks stereo; None for a real stereo call."""
    if len(audio.channels) == 1:
        return MonoSource(_whole(audio, 0), "")
    voice = audio.voice() if isinstance(audio, StreamedCall) else tuple(speech_regions(ch) for ch in audio.channels)
    silent = silent_channel(voice)
    if silent is not None:
        return MonoSource(_whole(audio, 1 - silent),
                          f"stereo file with a silent channel {silent}: channel {1 - silent} diarized as mono")
    head = int(CORRELATION_S * SAMPLE_RATE)
    r = correlation(*(_head(audio, ch, head) for ch in (0, 1)))
    if r < SAME_MIX_CORRELATION:
        return None
    return MonoSource((_whole(audio, 0) + _whole(audio, 1)) / 2,
                      f"stereo file with the same mix on both channels (correlation {r:.2f}): diarized as mono")


def _whole(audio: DecodedAudio | StreamedCall, channel: int) -> np.ndarray:
    if isinstance(audio, StreamedCall):
        return np.array(audio.reader(channel)[0:len(audio.reader(channel))], dtype=np.float32)
    return audio.channels[channel]


def _head(audio: DecodedAudio | StreamedCall, channel: int, samples: int) -> np.ndarray:
    if isinstance(audio, StreamedCall):
        return np.array(audio.reader(channel)[0:samples], dtype=np.float32)
    return audio.channels[channel][:samples]


def transcribe_mono(source: MonoSource, duration_s: float, options: TranscriptionOptions) -> Transcript:
    """The transcript of a one-stream call, roles not yet given (`with_roles` does that)."""
    voice = speech_regions(source.samples)
    try:
        weights_path()
    except EncoderMissing as exc:  # an install without the speaker encoder: the call as one stream, as before diarization
        log.warning("%s", exc)
        only = transcribe_channel(source.samples, 0, voice, options)
        return Transcript(utterances=only.utterances, duration_s=duration_s, channels=1, language=options.language,
                          engine=options.engine, model=options.model, speech_regions=(voice,),
                          speaker_note=f"not diarized: {exc}")
    found = diarize(source.samples, regions=voice)
    streams = [found.regions(0), found.regions(1), found.regions(-1)] if found.voices == 2 else [voice]
    jobs = [(source.samples, i, regions, options) for i, regions in enumerate(streams) if regions or i < 2]
    if options.parallel_channels and len(jobs) > 1:
        with ThreadPoolExecutor(len(jobs)) as pool:
            per_stream: list[ChannelText] = list(pool.map(lambda job: transcribe_channel(*job), jobs))
    else:
        per_stream = [transcribe_channel(*job) for job in jobs]
    utterances = sorted((_with_confidence(u, found) for ch in per_stream for u in ch.utterances),
                        key=lambda u: (u.start, u.channel))
    note = "; ".join(n for n in (source.note, found.note) if n)
    return Transcript(
        utterances=tuple(utterances), duration_s=duration_s, channels=len(jobs), language=options.language,
        engine=options.engine, model=options.model, speech_regions=tuple(job[2] for job in jobs),
        speaker_source="diarization", speaker_note=note,
    )


def _with_confidence(utterance: Utterance, found: Diarization) -> Utterance:
    """The confidence of the turns the utterance lies in, weighted by how much of it each holds."""
    weights = [(overlap_s(utterance.start, utterance.end, ((t.start, t.end),)), t.confidence) for t in found.turns]
    total = sum(w for w, _ in weights)
    confidence = sum(w * c for w, c in weights) / total if total > 0 else 0.0
    return replace(utterance, speaker_confidence=round(confidence, 2))

