"""Seller and client for the two voices of a diarized call.

The rule is stereo's (`pipeline.transcribe.assign_roles`: the seller answers the call,
so speaks first; the greeting decides only when both start together), but a voice
starts where its first *sure* line is: a short «Алло» that diarization was unsure of
(or put on the wrong voice) would otherwise hand the client the seller's role, and
with it every finding. Lines under `SURE` count only when a voice has no other.

Transcripts made since the roles are given line by line (`by_turn`) hold the seller's
lines in stream 0 and the client's in stream 1, already named: those are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from pipeline.records import Speaker
from pipeline.transcribe import ChannelText, assign_roles

SURE = 0.6


def diarized_roles(voices: list[ChannelText], greeting_score: Callable[[str], float]) -> tuple[Speaker, ...]:
    if _given_per_line(voices):  # `by_turn` gave each line its role when the call was transcribed
        return ("seller", "client")
    sure = [replace(v, utterances=tuple(u for u in v.utterances if (u.speaker_confidence or 0.0) >= SURE)
                    or v.utterances, voice=()) for v in voices]
    return assign_roles(sure, "auto", greeting_score)


def _given_per_line(voices: list[ChannelText]) -> bool:
    return (len(voices) == 2 and any(v.utterances for v in voices)
            and all(u.speaker == role for v, role in zip(voices, ("seller", "client")) for u in v.utterances))
