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


def call(*lines: tuple[str, float, str], stereo: bool = True) -> Transcript:
    """`call(("seller", 0.0, "Добрый день..."), ("client", 3.0, "..."))`."""
    utterances = tuple(utt(s if stereo else "unknown", t, text) for s, t, text in lines)
    duration = max(u.end for u in utterances) + 1.0
    return Transcript(
        utterances=utterances,
        duration_s=duration,
        channels=2 if stereo else 1,
        channel_roles=("seller", "client") if stereo else ("unknown",),
    )
