"""Typed records passed between the stages of the pipeline.

Every stage hands the next one frozen dataclasses, never loose dicts or ORM
objects, so that a check can be unit-tested on a hand-built transcript and a
stored result can be rebuilt exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Speaker = Literal["seller", "client", "unknown"]
Severity = Literal["info", "minor", "major", "critical"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "minor": 1, "major": 2, "critical": 3}


@dataclass(frozen=True)
class Recording:
    """One audio file found in the inbox."""

    path: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech by one speaker (a Whisper segment on one channel)."""

    speaker: Speaker
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    channel: int = 0
    # how sure diarization is that this speaker said it (0..1); None where the channel tells
    speaker_confidence: float | None = None


@dataclass(frozen=True)
class Transcript:
    """Both sides of a call, utterances sorted by start time."""

    utterances: tuple[Utterance, ...]
    duration_s: float
    channels: int
    language: str = "ru"
    engine: str = ""
    model: str = ""
    # seconds of audio, per channel, where voice activity was found;
    # used by pause detectors that must not trust ASR timestamps alone
    speech_regions: tuple[tuple[tuple[float, float], ...], ...] = ()
    channel_roles: tuple[Speaker, ...] = ()
    # how the speakers were told apart: "channels" (one per channel) or "diarization" (a mono
    # mix, or a stereo file that is really mono: `channels` then counts the voices found,
    # plus one stream of speech no voice was sure of); speaker_note says what was found
    speaker_source: str = "channels"
    speaker_note: str = ""

    def by_speaker(self, speaker: Speaker) -> list[Utterance]:
        return [u for u in self.utterances if u.speaker == speaker]

    @property
    def is_stereo(self) -> bool:
        return self.channels >= 2 and "seller" in self.channel_roles


@dataclass(frozen=True)
class Evidence:
    """Where and why: the quoted words and the reference they matched."""

    start: float
    end: float
    speaker: Speaker
    quote: str
    reference: str = ""
    match_score: float = 0.0


@dataclass(frozen=True)
class StageHit:
    stage_id: str
    present: bool
    score: float  # 0..1: match quality times share of required elements found
    evidence: Evidence | None = None
    elements: dict[str, bool] = field(default_factory=dict)
    check: str = ""


@dataclass(frozen=True)
class Finding:
    type: str
    severity: Severity
    start: float
    end: float
    speaker: Speaker
    evidence: str
    reference: str = ""
    check: str = ""
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StageScore:
    stage_id: str
    weight: float
    earned: float


@dataclass(frozen=True)
class CallScore:
    score: float  # 0..100
    flagged: bool
    reasons: tuple[str, ...]
    stages: tuple[StageScore, ...]
    penalty: float = 0.0


@dataclass(frozen=True)
class CallAnalysis:
    """Everything callqa concluded about one call."""

    recording: str
    transcript: Transcript
    stages: tuple[StageHit, ...]
    findings: tuple[Finding, ...]
    score: CallScore
    checks_run: tuple[str, ...]  # "name@version"
    checks_skipped: tuple[str, ...] = ()
    standard_id: str = ""
    standard_version: str = ""
    # talk share, speech rate, holds...; None where a metric can't be measured (mono)
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    # structured conclusions by name ("lead", "segment"), JSON-native; absent when their check did not run
    attributes: dict[str, object] = field(default_factory=dict)
