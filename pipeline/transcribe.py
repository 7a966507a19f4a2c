"""Turn decoded audio into a `Transcript`, one Whisper pass per channel.

Stereo calls carry the seller and the client on separate channels, so each
channel is transcribed on its own: there is no diarization error to make, and
talk-over stays visible. Mono calls (and stereo files that are really mono) are
diarized first (`pipeline/diarization/`): each voice's turns are then transcribed
like a channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from pipeline.audio import SAMPLE_RATE, DecodedAudio
from pipeline.audio_stream import ChannelReader, StreamedCall
from pipeline.engines import engine_for
from pipeline.engines.common import DecodedSegment
from pipeline.hallucination import rejection_reason
from pipeline.records import Speaker, Transcript, Utterance, Word
from pipeline.settings import TranscriptionOptions
from pipeline.vad import Region, speech_regions

log = logging.getLogger(__name__)
# a channel's samples: the decoded array, or read forward from the file (long calls)
ChannelSamples = np.ndarray | ChannelReader

# the longest stretch given to the engine at once (see decode_in_chunks). Whisper's spectrogram
# of a chunk peaks at about 0.8 MB a second (500 MB for 600 s, 250 MB for 300 s, measured), two
# channels at once: 300 s keeps an hour-long call under 1.5 GB and still gives a call under five
# minutes to the engine whole
CHUNK_S = 300.0
# silence laid between two turns, and between two pieces of one turn, in the compacted audio
_TURN_JOIN_S = 1.0
_PAUSE_JOIN_S = 0.2
# how many of a channel's first utterances may hold the greeting
# both channels starting this close together: the first word alone cannot tell who answered
_SIMULTANEOUS_S = 0.5
_GREETING_LOOKAHEAD = 3
# a stretch of voice this long answers the call though Whisper wrote nothing for it («Да, алло.»)
_ANSWER_VOICE_S = 0.3


@dataclass(frozen=True)
class ChannelText:
    channel: int
    utterances: tuple[Utterance, ...]
    dropped: int  # segments rejected by the hallucination guard
    voice: tuple[Region, ...] = ()  # the channel's voice activity, where it was measured


@dataclass(frozen=True)
class _Piece:
    """One speech region laid into the compacted audio."""

    compact_start: float
    orig_start: float
    length: float
    turn: int  # index of the turn (regions merged over short pauses) it belongs to


# where a piece's samples lie: (first sample in the compacted audio, first sample in the channel, count)
_Span = tuple[int, int, int]


def _layout(voice: tuple[Region, ...], turn_gap_s: float, lead_s: float) -> tuple[list[_Piece], list[_Span]]:
    """Where each speech region goes in the compacted audio: only the speech, joined by short silences.

    A stereo channel is about half silence: dropping it halves the work and
    leaves Whisper nothing to invent text on. Turns (regions more than
    `turn_gap_s` apart) are joined by a longer silence than the pauses inside
    a turn, so that Whisper's word times cannot slip from one turn to the next.
    `lead_s` of silence comes first: Whisper now and then skips seconds of a
    window whose speech starts at its first sample. The samples are laid out
    later, a chunk at a time (`_compact_part`).
    """
    pieces: list[_Piece] = []
    spans: list[_Span] = []
    at = int(lead_s * SAMPLE_RATE)
    cursor, turn, previous_end = at / SAMPLE_RATE, -1, -1e9
    for start, end in voice:
        a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
        if b <= a:
            continue
        new_turn = start - previous_end > turn_gap_s
        if pieces:
            gap = int((_TURN_JOIN_S if new_turn else _PAUSE_JOIN_S) * SAMPLE_RATE)
            cursor += gap / SAMPLE_RATE
            at += gap
        turn += new_turn
        previous_end = end
        pieces.append(_Piece(cursor, start, (b - a) / SAMPLE_RATE, turn))
        spans.append((at, a, b - a))
        cursor += (b - a) / SAMPLE_RATE
        at += b - a
    return pieces, spans


def _compact_part(samples: ChannelSamples, spans: list[_Span], first: int, last: int) -> np.ndarray:
    """Samples [first, last) of the compacted audio: the spans' samples, silence between them."""
    out = np.zeros(max(0, last - first), dtype=np.float32)
    for at, source, count in spans:
        lo, hi = max(first, at), min(last, at + count)
        if lo < hi:
            out[lo - first:hi - first] = samples[source + lo - at:source + hi - at]
    return out


def _piece_at(t: float, pieces: list[_Piece]) -> _Piece:
    """The piece a moment of the compacted audio belongs to; a moment in a
    joining silence belongs to the nearer piece."""
    lo, hi = 0, len(pieces) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pieces[mid].compact_start <= t:
            lo = mid
        else:
            hi = mid - 1
    if lo + 1 < len(pieces):
        after_end = t - (pieces[lo].compact_start + pieces[lo].length)
        if after_end > 0 and pieces[lo + 1].compact_start - t < after_end:
            lo += 1
    return pieces[lo]


def _original_time(t: float, piece: _Piece) -> float:
    return round(piece.orig_start + min(max(t - piece.compact_start, 0.0), piece.length), 3)


def _utterances_by_turn(words: list[tuple[int, Word]], channel: int) -> list[Utterance]:
    turns: dict[int, list[Word]] = {}
    for turn, word in words:
        turns.setdefault(turn, []).append(word)
    return [
        Utterance(speaker="unknown", start=ws[0].start, end=ws[-1].end,
                  text=" ".join(w.text for w in ws), words=tuple(ws), channel=channel)
        for _, ws in sorted(turns.items())
    ]


def chunk_bounds(pieces: list[_Piece], total_s: float, max_s: float = CHUNK_S) -> list[tuple[float, float]]:
    """Stretches of at most `max_s` (unless one piece is longer), cut in the middle of the
    silences between pieces: no word is split, and a long call never goes to the engine whole."""
    bounds: list[tuple[float, float]] = []
    begin = 0.0
    for before, piece in zip(pieces, pieces[1:]):
        if piece.compact_start + piece.length - begin > max_s:
            cut = (before.compact_start + before.length + piece.compact_start) / 2
            if cut > begin:
                bounds.append((begin, cut))
                begin = cut
    bounds.append((begin, total_s))
    return bounds


def decode_in_chunks(samples: ChannelSamples, pieces: list[_Piece], options: TranscriptionOptions,
                     spans: list[_Span] | None = None) -> list[DecodedSegment]:
    """The engine's segments for the compacted audio, decoded a chunk at a time.

    Whisper's feature extraction holds a spectrogram of everything it is given: for an
    hour of audio, gigabytes. Chunks of `CHUNK_S` keep that bounded; calls shorter than
    a chunk go whole, as before. Without `spans`, `samples` is the compacted audio
    itself; with them, each chunk is laid out from the channel's samples as it is
    needed, so a streamed channel (`ChannelReader`) is read once, forward, and the
    compacted audio of a whole call never exists at once.
    """
    engine = engine_for(options)
    spans = spans if spans is not None else [(0, 0, len(samples))]
    total = spans[-1][0] + spans[-1][2] if spans else 0
    out: list[DecodedSegment] = []
    for start, end in chunk_bounds(pieces, total / SAMPLE_RATE, CHUNK_S):
        part = _compact_part(samples, spans, int(round(start * SAMPLE_RATE)), min(total, int(round(end * SAMPLE_RATE))))
        out += [segment if start == 0 else _shifted(segment, start) for segment in engine.decode(part, options)]
        del part  # the next chunk's audio and spectrogram need the room
    return out


def _shifted(segment: DecodedSegment, by: float) -> DecodedSegment:
    return replace(segment, start=segment.start + by, end=segment.end + by,
                   words=tuple(replace(w, start=w.start + by, end=w.end + by) for w in segment.words))


def transcribe_channel(
    samples: ChannelSamples, channel: int, voice: tuple[Region, ...], options: TranscriptionOptions
) -> ChannelText:
    """Transcribe one channel's speech regions; one utterance per turn.

    Whisper's own segments run across turns when a channel alternates speech
    and silence; the audio's turns (speech regions a short pause apart) are the
    better unit, so words are regrouped by the turn they fall in. The engine
    (`CALLQA_ENGINE`) only decodes; everything around it is shared.
    """
    if not voice:
        return ChannelText(channel, (), 0)
    pieces, spans = _layout(voice, options.turn_gap_s, options.lead_silence_s)
    if options.speech_regions_only:
        guard_voice = None  # the compacted audio is all speech region
    else:
        # the whole channel, silences included (README «Speed» measures both): the regions
        # stay where they are and the guard checks each segment against them
        pieces, guard_voice = [replace(p, compact_start=p.orig_start) for p in pieces], voice
        spans = [(0, 0, len(samples))]
    segments = decode_in_chunks(samples, pieces, options, spans)
    prompt_words = frozenset(options.hotwords.lower().split()) if options.vocabulary_bias != "off" else frozenset()
    words: list[tuple[int, Word]] = []
    dropped = 0
    for seg in segments:
        reason = rejection_reason(
            seg.text, seg.start, seg.end, guard_voice or ((seg.start, seg.end),), seg.no_speech_prob, seg.avg_logprob,
            seg.compression_ratio, prompt_words=prompt_words,
            words=tuple((w.end - w.start, w.probability) for w in seg.words if w.text.strip()),
        )
        if reason:
            log.debug("channel %d %.1f-%.1f dropped (%s): %s", channel, seg.start, seg.end, reason, seg.text)
            dropped += 1
            continue
        for w in seg.words:
            if not w.text.strip():
                continue
            # a word belongs to the piece its middle falls in; Whisper often lets
            # its edges run into the joining silence, so they are clipped to that piece
            piece = _piece_at((w.start + w.end) / 2, pieces)
            start, end = _original_time(w.start, piece), _original_time(w.end, piece)
            words.append((piece.turn, Word(start, max(start, end), w.text.strip(), round(w.probability, 3))))
    return ChannelText(channel, tuple(_utterances_by_turn(words, channel)), dropped)


def assign_roles(
    channels: list[ChannelText], mode: str, greeting_score: Callable[[str], float]
) -> tuple[Speaker, ...]:
    """Decide which channel is the seller.

    The seller answers an inbound call, so in `auto` mode the seller is the
    channel that speaks first: by its first words or, where Whisper wrote none
    for a short «Да, алло.», by its first stretch of voice. Only when both start
    within a moment of each other does the greeting decide. Greeting first was tried and failed on new
    wording: a client's «добрый день» out-scored a seller's «приветствую, фирма …»
    (12 of 30 calls of the fresh split; the first speaker was right in all 90
    calls of three sets, README «Accuracy»).
    """
    if len(channels) == 1:
        return ("unknown",)
    if mode == "seller,client":
        return ("seller", "client")
    if mode == "client,seller":
        return ("client", "seller")

    def first_speech(ch: ChannelText) -> float:
        voiced = next((start for start, end in ch.voice if end - start >= _ANSWER_VOICE_S), float("inf"))
        return min(ch.utterances[0].start if ch.utterances else float("inf"), voiced)

    def greets(ch: ChannelText) -> float:
        return max((greeting_score(u.text) for u in ch.utterances[:_GREETING_LOOKAHEAD]), default=0.0)

    starts = [first_speech(ch) for ch in channels]
    order = sorted(range(len(channels)), key=lambda i: starts[i])
    seller = order[0]
    if abs(starts[order[1]] - starts[order[0]]) < _SIMULTANEOUS_S and greets(channels[order[1]]) > greets(channels[seller]):
        seller = order[1]
    return tuple("seller" if i == seller else "client" for i in range(len(channels)))


def transcribe(
    audio: DecodedAudio | StreamedCall,
    options: TranscriptionOptions,
    greeting_score: Callable[[str], float] = lambda _text: 0.0,
) -> Transcript:
    from pipeline.diarization.mono import mono_source, transcribe_mono  # it builds on transcribe_channel

    mono = mono_source(audio)  # a mono file, or a stereo one that is really mono: diarized
    if mono is not None:
        return with_roles(transcribe_mono(mono, audio.duration_s, options, greeting_score),
                          options.channel_roles, greeting_score)
    if isinstance(audio, StreamedCall):  # measured in one pass; each channel is read again as it is transcribed
        voice = audio.voice()
        sources: list[ChannelSamples] = [audio.reader(i) for i in range(len(audio.channels))]
    else:
        voice = tuple(speech_regions(ch) for ch in audio.channels)
        sources = list(audio.channels)
    jobs = [(ch, i, voice[i], options) for i, ch in enumerate(sources)]
    if options.parallel_channels and len(jobs) > 1:
        with ThreadPoolExecutor(len(jobs)) as pool:
            per_channel = list(pool.map(lambda job: transcribe_channel(*job), jobs))
    else:
        per_channel = [transcribe_channel(*job) for job in jobs]
    utterances = sorted((u for ch in per_channel for u in ch.utterances), key=lambda u: (u.start, u.channel))
    transcript = Transcript(
        utterances=tuple(utterances),
        duration_s=audio.duration_s,
        channels=len(audio.channels),
        language=options.language,
        engine=options.engine,
        model=options.model,
        speech_regions=voice,
    )
    return with_roles(transcript, options.channel_roles, greeting_score)


def with_roles(transcript: Transcript, mode: str, greeting_score: Callable[[str], float]) -> Transcript:
    """The transcript with seller and client assigned to its channels.

    Applied after every transcription and to every cached transcript, so a
    change of `CALLQA_CHANNEL_ROLES` (or of the phone system's metadata) never
    needs Whisper again.
    """
    per_channel = [
        ChannelText(i, tuple(u for u in transcript.utterances if u.channel == i), 0,
                    transcript.speech_regions[i] if i < len(transcript.speech_regions) else ())
        for i in range(transcript.channels)
    ]
    if transcript.speaker_source == "diarization":
        from pipeline.diarization.roles import diarized_roles  # it builds on assign_roles

        # the first two streams are the two voices, in no order: who answered decides, as for stereo;
        # a third holds the turns no voice was sure of
        roles = diarized_roles(per_channel[:2], greeting_score) + ("unknown",) * (transcript.channels - 2)
    else:
        roles = assign_roles(per_channel, mode, greeting_score)
    utterances = tuple(
        replace(u, speaker=roles[u.channel]) for u in transcript.utterances
    )
    return replace(transcript, utterances=utterances, channel_roles=roles)
