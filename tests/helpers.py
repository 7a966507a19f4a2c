"""Builders for hand-made transcripts, so detector tests read like the call they describe."""

from __future__ import annotations

from pipeline.records import Transcript, Utterance, Word


def utt(speaker: str, start: float, text: str, seconds_per_word: float = 0.35) -> Utterance:
    """An utterance with evenly spaced word timestamps."""
    words = []
    t = start
    for token in text.split():
        words.append(Word(start=round(t, 3), end=round(t + seconds_per_word * 0.9, 3), text=token))
        t += seconds_per_word
    return Utterance(speaker=speaker, start=start, end=round(t, 3), text=text, words=tuple(words),
                     channel=0 if speaker == "seller" else 1)


def call(*lines: tuple[str, float, str], stereo: bool = True, tail_s: float = 1.0,
         extra_voice: dict[str, list[tuple[float, float]]] | None = None) -> Transcript:
    """`call(("seller", 0.0, "Добрый день..."), ("client", 3.0, "..."))`.

    Voice activity per channel is where the utterances are, plus `extra_voice`
    (sound the recogniser wrote nothing for), as the audio detector would find it.
    """
    utterances = tuple(utt(s if stereo else "unknown", t, text) for s, t, text in lines)
    duration = max(u.end for u in utterances) + tail_s
    roles = ("seller", "client") if stereo else ("unknown",)
    regions = []
    for role in roles:
        spans = [(u.start, u.end) for u in utterances if u.speaker == role]
        spans += (extra_voice or {}).get(role, [])
        regions.append(tuple(sorted(spans)))
    return Transcript(
        utterances=utterances,
        duration_s=duration,
        channels=2 if stereo else 1,
        channel_roles=roles,
        speech_regions=tuple(regions),
    )
