"""Talk metrics and interruptions, from the two channels' voice activity.

Both need the seller and the client on separate channels: on a mono call the
metrics are reported as not measurable (None) rather than computed wrongly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.dialogue.questions import is_question
from checks.registry import CallContext, CheckResult, register
from pipeline.records import Finding, Transcript
from pipeline.vad import Region

TALK_METRICS = ("seller_talk_share", "longest_seller_monologue_s", "seller_words_per_minute", "seller_questions")


def role_regions(tr: Transcript, role: str) -> tuple[Region, ...]:
    """The voice activity of the channels that carry `role`; none on a mono call."""
    return tuple(r for ch, regions in enumerate(tr.speech_regions)
                 if ch < len(tr.channel_roles) and tr.channel_roles[ch] == role for r in regions)


def _total(regions: tuple[Region, ...]) -> float:
    return sum(b - a for a, b in regions)


def _cut_ins(seller: tuple[Region, ...], client: tuple[Region, ...]) -> list[Region]:
    """Stretches where the seller started talking while the client already was."""
    out = []
    for ss, se in seller:
        for cs, ce in client:
            start, end = max(ss, cs), min(se, ce)
            if end > start and cs < ss:
                out.append((start, end))
    return out


def _longest_monologue(seller: tuple[Region, ...], client: tuple[Region, ...]) -> float:
    """Seller speech not broken by the client, merging the seller's own short breaths."""
    longest, current_start, current_end = 0.0, None, None
    for start, end in sorted(seller):
        interrupted = current_end is not None and any(current_end <= cs < start for cs, _ in client)
        if current_start is None or interrupted or start - current_end > 3.0:
            current_start = start
        current_end = end
        longest = max(longest, current_end - current_start)
    return longest


@register("talk_metrics", "6", needs_roles=True, metrics=TALK_METRICS)
def talk_metrics_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    tr = ctx.transcript
    seller, client = role_regions(tr, "seller"), role_regions(tr, "client")
    seller_s, client_s = _total(seller), _total(client)
    share = seller_s / (seller_s + client_s) if seller_s + client_s else None
    words = sum(len(u.words) or len(u.text.split()) for u in tr.by_speaker("seller"))
    metrics: dict[str, float | int | None] = {
        "seller_talk_share": round(share, 3) if share is not None else None,
        "longest_seller_monologue_s": round(_longest_monologue(seller, client), 1),
        "seller_words_per_minute": round(words / (seller_s / 60), 1) if seller_s else None,
        "seller_questions": sum(
            1 for i, u in enumerate(tr.utterances) if u.speaker == "seller" and is_question(u, ctx.texts[i])
        ),
    }
    limit = float(params.get("max_seller_share", 0.65))
    findings: tuple[Finding, ...] = ()
    if share is not None and share > limit and seller_s + client_s >= float(params.get("min_talk_s", 30)):
        findings = (Finding(
            type="talk_ratio", severity="info", start=0.0, end=tr.duration_s, speaker="seller",
            evidence=f"the seller talked {share:.0%} of the time", reference=f"at most {limit:.0%} (benchmark 43%)",
            check="talk_metrics", details={"seller_talk_share": round(share, 3)},
        ),)
    return CheckResult(findings=findings, metrics=metrics)


@register("interruption", "1", needs_roles=True, needs_overlap=True)
def interruption_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    """The seller talks over the client for longer than the threshold."""
    threshold = float(params.get("min_overlap_s", 3.0))
    tr = ctx.transcript
    seller, client = role_regions(tr, "seller"), role_regions(tr, "client")
    findings = []
    for start, end in _cut_ins(seller, client):
        if end - start >= threshold:
            findings.append(Finding(
                type="interruption", severity=params.get("severity", "minor"), start=round(start, 2),
                end=round(end, 2), speaker="seller", evidence=f"{end - start:.1f} s of talk-over",
                reference=f"talk-over under {threshold:g} s", check="interruption",
                details={"overlap_s": round(end - start, 1)},
            ))
    return CheckResult(findings=tuple(findings))
