"""The tables `callqa run` prints: each call, then what the phone system adds —
missed calls per seller and hour, and clients two sellers worked in parallel."""

from __future__ import annotations

import os
from datetime import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from pipeline.batch import Outcome
from pipeline.phone.metadata import CallMetadata
from pipeline.phone.missed import MissedCall, summarise
from pipeline.storage.calls import ThreadEntry
from pipeline.storage.repository import SummaryRow


def calls_table(outcomes: Sequence[Outcome], rows: Mapping[int, SummaryRow], root: Path, wall_s: float) -> Table:
    table = Table(title=f"callqa: {len(outcomes)} calls in {wall_s:.1f} s")
    for col in ("recording", "status", "seller", "duration", "score", "flagged", "findings", "lead",
                "missing stages / reason"):
        table.add_column(col)
    for o in outcomes:
        row = rows.get(o.analysis_id) if o.analysis_id is not None else None
        name = escape(os.path.relpath(o.path, root))
        seller = escape(_seller(o.metadata)) if o.metadata else "-"
        if row:
            table.add_row(name, o.status, seller, f"{row.duration_s or 0:.0f} s", f"{row.score:g}",
                          "[red]yes[/red]" if row.flagged else "no", str(row.n_findings), row.lead or "-",
                          ", ".join(row.missing_stages) or "-")
        else:
            table.add_row(name, o.status, seller, "", "", "", "", "", escape(o.reason))
    return table


def missed_table(missed: Sequence[MissedCall]) -> Table | None:
    if not missed:
        return None
    summary = summarise(missed)
    hours = ", ".join(f"{h:02d}h: {n}" for h, n in summary.by_hour.items())
    table = Table(title=f"missed calls: {summary.total} ({summary.called_back} called back in time); by hour {hours}")
    for col in ("time", "client", "for", "reason", "called back"):
        table.add_column(col)
    for m in missed:
        back = f"{m.called_back_at:%H:%M}" if m.called_back_at else "[red]no[/red]"
        table.add_row(f"{m.started_at:%Y-%m-%d %H:%M}", m.client_number or "withheld", escape(m.responsible),
                      escape(m.reason), back)
    return table


def parallel_table(outcomes: Sequence[Outcome]) -> Table | None:
    found = [(o, f) for o in outcomes if o.analysis for f in o.analysis.findings if f.type == "parallel_work"]
    if not found:
        return None
    table = Table(title="parallel work: one client, two sellers")
    for col in ("client", "earlier", "later", "gap"):
        table.add_column(col)
    for o, f in found:
        d = f.details
        # a QA lead finds a call by its seller and time; the CDR's uniqueid means nothing to them
        earlier = f"{d['other_seller']}, {datetime.fromisoformat(d['other_started_at']):%Y-%m-%d %H:%M}"
        later = Path(o.path).name
        if o.metadata:
            later = f"{o.metadata.seller}, {o.metadata.started_at:%Y-%m-%d %H:%M}" if o.metadata.started_at \
                else f"{o.metadata.seller}, {o.metadata.call_id}"
        table.add_row(str(d["client_number"]), earlier, escape(later), f"{d['gap_days']} days")
    return table


def _seller(meta: CallMetadata) -> str:
    """An extension nobody mapped is named, so sellers.yaml can be completed."""
    if meta.seller_status == "unmapped":
        return f"unmapped {meta.extension or ''}".strip()
    return meta.seller


def history_table(number: str, entries: Sequence[ThreadEntry]) -> Table:
    table = Table(title=f"client {number}: {len(entries)} calls")
    for col in ("time", "kind", "seller", "score", "flagged", "findings / reason", "recording / uniqueid"):
        table.add_column(col)
    for e in entries:
        when = f"{e.started_at:%Y-%m-%d %H:%M}" if e.started_at else "?"
        flagged = "" if e.flagged is None else ("[red]yes[/red]" if e.flagged else "no")
        score = "" if e.score is None else f"{e.score:g}"
        table.add_row(when, e.kind, escape(e.seller), score, flagged,
                      escape(", ".join(e.finding_types) or e.note or "-"), escape(Path(e.path).name))
    return table
