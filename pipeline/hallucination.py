"""Drop text that Whisper invents on silence and hold music.

Whisper was trained on subtitled video, so on silence it tends to write the
credits of Russian subtitlers (DESIGN.md §3). Three independent guards apply:
the segment must overlap voice activity on its own channel, it must not look
like a repetition loop, and it must not be a known subtitle artefact.
"""

from __future__ import annotations

import re
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
) -> str | None:
    """Why a segment is an invention, or None when it should be kept."""
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
    return None
