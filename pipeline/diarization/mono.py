"""Transcribe a call whose speakers share one stream: voice prints, Whisper once over the
stream, then each line's role from the voice, the words and the dialogue (`by_turn`).

The stream goes through the same `transcribe_channel` as a stereo channel (the speech
compacted, Whisper in chunks, word timestamps, the hallucination guard), its two halves side by
side as a stereo call's two channels. The transcript
then has the seller's lines as stream 0, the client's as stream 1 and the lines no one was
sure of as stream 2 (speaker `unknown`). With one voice (and no words to the contrary the
prints confirm) the call stays one stream with speaker `unknown`, and the note says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from pipeline.audio import SAMPLE_RATE, DecodedAudio
from pipeline.audio_stream import StreamedCall
from pipeline.diarization.by_turn import CLIENT, SELLER, UNKNOWN, RoleWeights, give_roles, role_lines, role_regions
from pipeline.diarization.diarize import Diarization, diarize
from pipeline.diarization.encoder import EncoderMissing, weights_path
from pipeline.diarization.fake_stereo import CORRELATION_S, SAME_MIX_CORRELATION, correlation, silent_channel
from pipeline.diarization.text_roles import seller_likeness
from pipeline.records import Transcript, Utterance
from pipeline.settings import TranscriptionOptions
from pipeline.transcribe import transcribe_channel
from pipeline.vad import Region, overlap_s, speech_regions

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


def transcribe_mono(source: MonoSource, duration_s: float, options: TranscriptionOptions,
                    greeting_score: Callable[[str], float] = lambda _text: 0.0) -> Transcript:
    """The transcript of a one-stream call, each line given seller, client or `unknown`."""
    voice = speech_regions(source.samples)
    try:
        weights_path()
    except EncoderMissing as exc:  # an install without the speaker encoder: the call as one stream, as before diarization
        log.warning("%s", exc)
        only = transcribe_channel(source.samples, 0, voice, options)
        return Transcript(utterances=only.utterances, duration_s=duration_s, channels=1, language=options.language,
                          engine=options.engine, model=options.model, speech_regions=(voice,),
                          speaker_note=f"not diarized: {exc}")
    # the prints and Whisper need nothing of each other: the encoder runs while Whisper hears. Whisper
    # hears the whole stream rather than each voice's turns: the words then say, with the voice, who
    # said each line (a turn cut by the prints alone splits close voices at random)
    with ThreadPoolExecutor(1) as pool:
        printing = pool.submit(diarize, source.samples, regions=voice)
        heard = hear_in_halves(source.samples, voice, options)
        found = printing.result()
    return mono_transcript(heard, voice, found, duration_s, options, source.note, greeting_score)


def hear_in_halves(samples: np.ndarray, voice: tuple[Region, ...], options: TranscriptionOptions) -> tuple[Utterance, ...]:
    """Whisper over the stream in two halves side by side, cut at the longest pause near the middle
    of the speech, as a stereo call's two channels are heard: one stream decoded alone took the
    mono demo call 1.3x the time of the stereo call it was mixed from, diarization aside."""
    # with the silences kept (`speech_regions_only` off) each half would decode the whole stream
    halves = halves_of(voice) if options.speech_regions_only else (voice,)
    if len(halves) < 2 or not options.parallel_channels:
        return transcribe_channel(samples, 0, voice, options).utterances
    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(lambda part: transcribe_channel(samples, 0, part, options).utterances, halves))
    return tuple(sorted((u for part in parts for u in part), key=lambda u: u.start))


def halves_of(voice: tuple[Region, ...], reach: int = 2) -> tuple[tuple[Region, ...], ...]:
    """The regions in two runs of about equal speech, cut between the two regions within `reach` of
    the middle that have the longest pause between them; one run when there are too few regions."""
    if len(voice) < 4:
        return (voice,)
    speech = np.cumsum([end - start for start, end in voice])
    middle = int(np.searchsorted(speech, speech[-1] / 2)) + 1
    cuts = range(max(1, middle - reach), min(len(voice) - 1, middle + reach) + 1)
    cut = max(cuts, key=lambda k: voice[k][0] - voice[k - 1][1])
    return voice[:cut], voice[cut:]


def mono_transcript(lines: Sequence[Utterance], voice: tuple[Region, ...], found: Diarization, duration_s: float,
                    options: TranscriptionOptions, source_note: str = "",
                    greeting_score: Callable[[str], float] = lambda _text: 0.0,
                    weights: RoleWeights = RoleWeights()) -> Transcript:
    """Whisper's lines of the whole stream and the voice prints into a transcript whose
    streams are the seller's (0), the client's (1) and the lines no one was sure of (2)."""
    roles = give_roles(lines, found.leans, found.voices, found.centroid_similarity,
                       lambda texts: seller_likeness(texts, greeting_score), weights, found.prints, found.windows,
                       found.neither)
    made = dict(duration_s=duration_s, language=options.language, engine=options.engine, model=options.model,
                speaker_source="diarization")
    if roles.voices < 2:
        note = "; ".join(n for n in (source_note, found.note, roles.note) if n)
        utterances = tuple(_with_confidence(replace(u, channel=0), found) for u in lines)
        return Transcript(utterances=utterances, channels=1, speech_regions=(voice,), speaker_note=note, **made)
    regions = role_regions(roles, voice, fill_gap_s=weights.fill_gap_s)
    utterances = tuple(role_lines(roles))
    streams = (regions[SELLER], regions[CLIENT], regions[UNKNOWN])
    channels = 3 if streams[2] or any(u.channel == 2 for u in utterances) else 2
    voices_note = found.note if found.voices == 2 else roles.note
    note = "; ".join(n for n in (source_note, voices_note) if n)
    return Transcript(utterances=utterances, channels=channels, speech_regions=streams[:channels],
                      channel_roles=("seller", "client", "unknown")[:channels], speaker_note=note, **made)


def _with_confidence(utterance: Utterance, found: Diarization) -> Utterance:
    """The confidence of the turns the utterance lies in, weighted by how much of it each holds."""
    weights = [(overlap_s(utterance.start, utterance.end, ((t.start, t.end),)), t.confidence) for t in found.turns]
    total = sum(w for w, _ in weights)
    confidence = sum(w * c for w, c in weights) / total if total > 0 else 0.0
    return replace(utterance, speaker_confidence=round(confidence, 2))

