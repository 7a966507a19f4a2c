"""Drop text that Whisper invents on silence and hold music.

Whisper was trained on subtitled video, so on silence it tends to write the
credits of Russian subtitlers (DESIGN.md §3). Three independent guards apply:
the segment must overlap voice activity on its own channel, it must not look
like a repetition loop, and it must not be a known subtitle artefact. Where voice
activity is wrong, the words themselves still tell: Whisper cannot place invented
words in time (several end where they start) and gives them little probability.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.vad import Region, overlap_s

BLOCKLIST = (
    "продолжение следует",
    "субтитры",
    "dimatorzok",
    "редактор субтитров",
    "корректор",
    "подписывайтесь на канал",
    "спасибо за просмотр",
    "ставьте лайки",
)
# a whole segment that is only a sound tag, e.g. «[музыка]» or «♪»
_SOUND_TAG = re.compile(r"^[\s\[\(♪*]*(музыка|аплодисменты|смех|тишина|music)?[\s\]\)♪*.!]*$", re.IGNORECASE)


@dataclass(frozen=True)
class GuardOptions:
    min_voice_share: float = 0.25
    max_compression_ratio: float = 2.4
    max_no_speech_prob: float = 0.6
    min_avg_logprob: float = -1.0
    # real speech on the demo calls, 8 kHz: the least sure segment's words averaged 0.54,
    # and no word had zero length; the inventions seen on silence averaged 0.10-0.65
    # with most words at zero length
    min_word_probability: float = 0.2
    max_untimed_share: float = 0.5
    untimed_below_s: float = 0.02
    max_untimed_probability: float = 0.5  # a sure word at zero length is a timing slip, not an invention


def rejection_reason(
    text: str,
    start: float,
    end: float,
    voice: tuple[Region, ...],
    no_speech_prob: float,
    avg_logprob: float,
    compression_ratio: float,
    options: GuardOptions = GuardOptions(),
    prompt_words: frozenset[str] = frozenset(),
    words: Sequence[tuple[float, float]] = (),
) -> str | None:
    """Why a segment is an invention, or None when it should be kept.

    `words` are the segment's (duration in seconds, probability) pairs.
    """
    lowered = text.lower().replace("ё", "е")
    tokens = re.findall(r"\w+", lowered)
    if len(tokens) >= 2 and prompt_words and all(t in prompt_words for t in tokens):
        # on a quiet stretch Whisper reads back its vocabulary prompt (`hotwords`)
        return "echo of the vocabulary prompt"
    if any(phrase in lowered for phrase in BLOCKLIST):
        return "blocklisted subtitle artefact"
    if _SOUND_TAG.match(text):
        return "sound tag, no words"
    if text.strip().isupper():
        # Russian subtitles describe sounds in capitals: «ДИНАМИЧНАЯ МУЗЫКА»
        return "sound caption in capitals"
    duration = max(end - start, 1e-3)
    if overlap_s(start, end, voice) / duration < options.min_voice_share:
        return "no voice activity under the segment"
    if compression_ratio > options.max_compression_ratio:
        return "repetition loop"
    if no_speech_prob > options.max_no_speech_prob and avg_logprob < options.min_avg_logprob:
        return "low confidence on likely non-speech"
    return _word_evidence_reason(words, options)


def _word_evidence_reason(words: Sequence[tuple[float, float]], options: GuardOptions) -> str | None:
    if not words:
        return None
    mean_probability = sum(p for _, p in words) / len(words)
    if mean_probability < options.min_word_probability:
        return "words almost surely wrong"
    untimed = sum(1 for duration, _ in words if duration < options.untimed_below_s)
    if len(words) >= 2 and untimed / len(words) >= options.max_untimed_share and mean_probability < options.max_untimed_probability:
        return "words the recogniser could not place in time"
    return None
