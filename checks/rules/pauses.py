"""Pauses while the seller does other work (article, example 6).

Silence is measured from the audio: the gaps where neither channel has voice
activity. ASR timestamps drift by seconds around silence, so they only serve
to read what was said just before a gap. Each gap is classified:

- an announced hold («секундочку», «сейчас посмотрю») is fine up to the hold
  limit, and too many holds is a finding of its own;
- dead air: an unannounced gap of `dead_air_s` or more;
- slow response: the client asked and the seller took more than
  `slow_response_s` to start answering.

Silence before the first word and after the last one is not a pause.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.rules.answers import client_questions
from checks.dialogue.holds import hold_announced
from checks.registry import CallContext, CheckResult, register
from pipeline.records import Finding, Transcript
from pipeline.vad import Region, silent_gaps

# how far before a gap the hold announcement may end
ANNOUNCE_WINDOW_S = 8.0


def voice_regions(transcript: Transcript) -> tuple[tuple[Region, ...], ...]:
    """Voice activity per channel; word times only when the audio was not measured."""
    if transcript.speech_regions:
        return transcript.speech_regions
    return (tuple((u.start, u.end) for u in transcript.utterances),)


def _last_before(transcript: Transcript, t: float) -> int | None:
    before = [i for i, u in enumerate(transcript.utterances) if u.start < t]
    return max(before, key=lambda i: transcript.utterances[i].end) if before else None


def _announced(ctx: CallContext, gap_start: float) -> str | None:
    """How the seller announced a hold just before the gap, with no client line since."""
    recent = sorted(
        (i for i, u in enumerate(ctx.transcript.utterances)
         if gap_start - ANNOUNCE_WINDOW_S <= u.end <= gap_start + 1.5 and u.start < gap_start),
        key=lambda i: ctx.transcript.utterances[i].end, reverse=True,
    )
    for i in recent:
        if ctx.transcript.utterances[i].speaker == "client":
            return None  # the client spoke after any announcement: it no longer covers this gap
        found = hold_announced(ctx, i)
        if found:
            return found
    return None


@register("multitasking_pause", "11")
def multitasking_pause_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    dead_air_s = float(params.get("dead_air_s", 10.0))
    ignore_below_s = float(params.get("ignore_below_s", 2.0))
    hold_limit_s = float(params.get("hold_limit_s", 120.0))
    max_holds = int(params.get("max_holds", 3))
    slow_response_s = float(params.get("slow_response_s", 5.0))

    tr = ctx.transcript
    regions = voice_regions(tr)
    first_voice = min((r[0] for ch in regions for r in ch), default=0.0)
    last_voice = max((r[1] for ch in regions for r in ch), default=0.0)
    questions = set(client_questions(ctx)) if tr.is_stereo else set()
    findings: list[Finding] = []
    holds: list[tuple[float, float]] = []

    def add(kind: str, severity: str, start: float, end: float, evidence: str, reference: str, **details: object) -> None:
        findings.append(Finding(
            type="multitasking_pause", severity=severity, start=round(start, 2), end=round(end, 2),  # type: ignore[arg-type]
            speaker="seller", evidence=evidence, reference=reference, check="multitasking_pause",
            details={"kind": kind, "length_s": round(end - start, 1), **details},
        ))

    for start, end in silent_gaps(regions, tr.duration_s, ignore_below_s):
        if start <= first_voice or end >= last_voice:
            continue  # ringing before the call, or silence after it ended
        length = end - start
        before = _last_before(tr, start + 0.5)
        said = f"«{tr.utterances[before].text}»" if before is not None else "the start"
        announced = _announced(ctx, start)
        if announced:
            holds.append((start, end))
            if length > hold_limit_s:
                add("hold_too_long", "major", start, end, f"{length:.1f} s hold after {said}",
                    f"announced holds up to {hold_limit_s:g} s", announced=announced)
        elif length >= dead_air_s:
            add("dead_air", "major", start, end, f"{length:.1f} s of silence after {said}",
                f"dead air from {dead_air_s:g} s (unannounced)")
        elif before in questions and length >= slow_response_s:
            add("slow_response", "minor", start, end, f"{length:.1f} s before answering {said}",
                f"answer within {slow_response_s:g} s")
    if len(holds) > max_holds:
        add("too_many_holds", "minor", holds[max_holds][0], holds[-1][1],
            f"{len(holds)} holds in one call", f"at most {max_holds} holds", holds=len(holds))
    metrics = {"holds": len(holds), "longest_silence_s": round(max(
        (e - s for s, e in silent_gaps(regions, tr.duration_s, 0.0) if first_voice < s and e < last_voice),
        default=0.0), 1)}
    return CheckResult(findings=tuple(findings), metrics=metrics)
