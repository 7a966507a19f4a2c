"""parallel_work: two sellers on the same client (article: one client, one responsible seller).

The batch hands the check the client's earlier recorded calls (`CallContext.history`,
found by the normalised number); the finding sits on the later call, so it reaches
the review queue with the call that started the overlap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from checks.registry import CallContext, CheckResult, register
from pipeline.phone.threads import ThreadCall, parallel_work
from pipeline.records import Finding


@register("parallel_work", "1", needs_thread=True)
def parallel_work_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    meta = ctx.metadata
    if meta is None or not meta.client_number or meta.started_at is None:
        return CheckResult()  # analyze skips the check before this; kept for direct callers
    window = timedelta(days=ctx.standard.call_handling.parallel_window_days)
    this = ThreadCall(meta.call_id or "this call", meta.client_number, meta.seller, meta.started_at)
    found = [p for p in parallel_work([*ctx.history, this], window) if p.second is this]
    if not found:
        return CheckResult()
    other = found[0].first
    end = ctx.transcript.duration_s
    days = found[0].gap.total_seconds() / 86400
    return CheckResult(findings=(Finding(
        type="parallel_work", severity=params.get("severity", "major"), start=0.0, end=end, speaker="seller",
        evidence=(f"client {meta.client_number} was handled by {other.seller} on "
                  f"{other.started_at:%Y-%m-%d %H:%M} (call {other.call_id}); {meta.seller} took this call "
                  f"{days:.1f} days later"),
        reference=f"one seller per client within {window.days} days",
        check="parallel_work",
        details={"client_number": meta.client_number, "other_seller": other.seller, "other_call": other.call_id,
                 "other_started_at": other.started_at.isoformat(), "gap_days": round(days, 2)},
    ),))
