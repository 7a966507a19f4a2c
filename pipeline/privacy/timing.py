"""From characters of an utterance's text to seconds of the call, through the word timestamps.

The transcriber builds an utterance's text by joining its words with spaces, so each word is found
in the text in order. Where a word cannot be found (a hand-edited text, a word Whisper glued to
punctuation differently), its characters get seconds by interpolation between the utterance's ends:
a span must always get seconds, or the audio under it would go out unmasked.
"""

from __future__ import annotations

from pipeline.records import Utterance


def word_offsets(utterance: Utterance) -> list[tuple[int, int] | None]:
    """The character range of each word in the utterance's text, None where it is not found."""
    text = utterance.text.casefold()
    pos = 0
    out: list[tuple[int, int] | None] = []
    for word in utterance.words:
        token = word.text.strip().casefold()
        at = text.find(token, pos) if token else -1
        if at < 0:
            out.append(None)
            continue
        out.append((at, at + len(token)))
        pos = at + len(token)
    return out


def _interpolate(utterance: Utterance, char: int) -> float:
    share = char / max(1, len(utterance.text))
    return utterance.start + share * (utterance.end - utterance.start)


def span_seconds(utterance: Utterance, char_start: int, char_end: int) -> tuple[float, float]:
    """Seconds from the first word that overlaps the characters to the end of the last one."""
    hits = [
        w for w, at in zip(utterance.words, word_offsets(utterance))
        if at is not None and at[0] < char_end and char_start < at[1]
    ]
    if hits:
        return min(w.start for w in hits), max(w.end for w in hits)
    start, end = _interpolate(utterance, char_start), _interpolate(utterance, char_end)
    return round(start, 3), round(max(start, end), 3)
