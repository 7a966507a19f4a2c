"""Turn decoded audio into a `Transcript`, one Whisper pass per channel.

Stereo calls carry the seller and the client on separate channels, so each
channel is transcribed on its own: there is no diarization error to make, and
talk-over stays visible. Mono calls are one stream with speaker `unknown`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pipeline.audio import DecodedAudio
from pipeline.hallucination import rejection_reason
from pipeline.model_store import resolve_model
from pipeline.records import Speaker, Transcript, Utterance, Word
from pipeline.settings import TranscriptionOptions
from pipeline.vad import Region, speech_regions

log = logging.getLogger(__name__)

# how many of a channel's first utterances may hold the greeting
_GREETING_LOOKAHEAD = 3


@dataclass(frozen=True)
class ChannelText:
    channel: int
    utterances: tuple[Utterance, ...]
    dropped: int  # segments rejected by the hallucination guard


@lru_cache(maxsize=2)
def load_model(model: str, device: str, compute_type: str, cpu_threads: int):  # -> WhisperModel
    from faster_whisper import WhisperModel

    return WhisperModel(
        resolve_model(model), device=device, compute_type=compute_type, cpu_threads=cpu_threads
    )


def transcribe_channel(
    samples: np.ndarray, channel: int, voice: tuple[Region, ...], options: TranscriptionOptions
) -> ChannelText:
    if not voice:
        return ChannelText(channel, (), 0)
    model = load_model(options.model, options.device, options.compute_type, options.cpu_threads)
    segments, _info = model.transcribe(
        samples,
        language=options.language,
        beam_size=options.beam_size,
        word_timestamps=True,
        # a mistake in one window must not be copied into the next (DESIGN.md §3)
        condition_on_previous_text=False,
        vad_filter=False,
        hotwords=options.hotwords or None,
    )
    kept: list[Utterance] = []
    dropped = 0
    for seg in segments:
        reason = rejection_reason(
            seg.text, seg.start, seg.end, voice, seg.no_speech_prob, seg.avg_logprob, seg.compression_ratio
        )
        if reason:
            log.debug("channel %d %.1f-%.1f dropped (%s): %s", channel, seg.start, seg.end, reason, seg.text)
            dropped += 1
            continue
        words = tuple(
            Word(start=round(float(w.start), 3), end=round(float(w.end), 3), text=w.word.strip(),
                 probability=round(float(w.probability), 3))
            for w in seg.words or ()
            if w.word.strip()
        )
        kept.append(
            Utterance(speaker="unknown", start=round(float(seg.start), 3), end=round(float(seg.end), 3),
                      text=seg.text.strip(),
                      words=words, channel=channel)
        )
    return ChannelText(channel, tuple(kept), dropped)


def assign_roles(
    channels: list[ChannelText], mode: str, greeting_score: Callable[[str], float]
) -> tuple[Speaker, ...]:
    """Decide which channel is the seller.

    Inbound calls open with the seller's greeting, so in `auto` mode the seller
    is the channel whose early utterances greet first; if no channel greets, it
    is the channel that speaks first.
    """
    if len(channels) == 1:
        return ("unknown",)
    if mode == "seller,client":
        return ("seller", "client")
    if mode == "client,seller":
        return ("client", "seller")

    def first_greeting(ch: ChannelText) -> float:
        for utt in ch.utterances[:_GREETING_LOOKAHEAD]:
            if greeting_score(utt.text) > 0:
                return utt.start
        return float("inf")

    def first_speech(ch: ChannelText) -> float:
        return ch.utterances[0].start if ch.utterances else float("inf")

    seller = min(range(len(channels)), key=lambda i: (first_greeting(channels[i]), first_speech(channels[i])))
    return tuple("seller" if i == seller else "client" for i in range(len(channels)))


def transcribe(
    audio: DecodedAudio,
    options: TranscriptionOptions,
    greeting_score: Callable[[str], float] = lambda _text: 0.0,
) -> Transcript:
    voice = tuple(speech_regions(ch) for ch in audio.channels)
    per_channel = [transcribe_channel(ch, i, voice[i], options) for i, ch in enumerate(audio.channels)]
    roles = assign_roles(per_channel, options.channel_roles, greeting_score)
    utterances = sorted(
        (
            Utterance(u.speaker if roles[ch.channel] == "unknown" else roles[ch.channel],
                      u.start, u.end, u.text, u.words, u.channel)
            for ch in per_channel
            for u in ch.utterances
        ),
        key=lambda u: (u.start, u.channel),
    )
    return Transcript(
        utterances=tuple(utterances),
        duration_s=audio.duration_s,
        channels=len(audio.channels),
        language=options.language,
        engine=options.engine,
        model=options.model,
        speech_regions=voice,
        channel_roles=roles,
    )
