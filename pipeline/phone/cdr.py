"""Asterisk call detail records from `Master.csv`: who answered, how long the client rang, how it ended.

cdr_csv writes no header row and quotes every text field. Its columns, in order
(cdr/cdr_csv.c, build_csv_record): accountcode, src, dst, dcontext, clid, channel,
dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition,
amaflags; then uniqueid with `loguniqueid`, userfield with `loguserfield` (cdr.conf
[csv]), then peeraccount, linkedid, sequence on versions that add them. Dates are
"YYYY-MM-DD HH:MM:SS" in the PBX's local time (GMT with `usegmtime`); an unanswered
call has an empty answer time. A CSV exported from FreePBX's CDR table
(asteriskcdrdb.cdr) comes with a header row, names the start `calldate` and has
no answer column; any column order is accepted when there is a header.

A call can leave several rows with the same uniqueid (one per dial attempt, e.g.
each queue member rung), so `CdrLoad.by_uniqueid` keeps the answered one.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from pipeline.phone.errors import MetadataError
from pipeline.phone.numbers import EXTENSION

Disposition = Literal["ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"]
DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")

COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
    "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield", "peeraccount", "linkedid", "sequence",
)
_ALWAYS = 16  # cdr_csv writes these whatever cdr.conf says
_NEEDED = ("src", "dst", "start", "duration", "billsec", "disposition")
_ALIASES = {"calldate": "start"}

# tech/resource-suffix: "SIP/101-0000001a", "PJSIP/102-00000003", "Local/103@from-queue-00000001;1"
_CHANNEL = re.compile(r"^[A-Za-z0-9]+/(?P<resource>.+?)(?:-[0-9a-f]{4,8})?(?:[;,]\d)?$")
# FreePBX follow-me legs: "Local/FMGL-101#@from-internal-…", "Local/FMPR-101@…"
_FOLLOW_ME = re.compile(r"^FM(?:GL|PR)-")


def channel_extension(channel: str) -> str | None:
    """The extension in an Asterisk channel name; None for a trunk or no channel."""
    found = _CHANNEL.match(channel.strip())
    if found is None:
        return None
    resource = _FOLLOW_ME.sub("", found["resource"].split("@", 1)[0]).rstrip("#")
    return resource if EXTENSION.fullmatch(resource) else None


@dataclass(frozen=True)
class CdrRecord:
    line: int  # in the CSV file, for messages
    uniqueid: str
    src: str
    dst: str
    channel: str
    dstchannel: str
    start: datetime
    answer: datetime | None
    duration: int
    billsec: int
    disposition: Disposition

    @property
    def ring_s(self) -> float:
        """Seconds from the call's arrival to the answer; the whole call when unanswered."""
        if self.answer is not None:
            return (self.answer - self.start).total_seconds()
        return float(self.duration - self.billsec)


@dataclass(frozen=True)
class SkippedRow:
    line: int
    reason: str


@dataclass(frozen=True)
class CdrLoad:
    source: str
    records: tuple[CdrRecord, ...]
    skipped: tuple[SkippedRow, ...]

    def by_uniqueid(self) -> dict[str, CdrRecord]:
        """One row per call: the answered one, else the longest."""
        best: dict[str, CdrRecord] = {}
        for rec in sorted(self.records, key=lambda r: (r.disposition == "ANSWERED", r.billsec, r.duration)):
            if rec.uniqueid:
                best[rec.uniqueid] = rec  # later (better) rows overwrite earlier ones
        return best


class _BadRow(ValueError):
    pass


def _date(row: dict[str, str], column: str) -> datetime:
    value = row[column].strip()
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise _BadRow(f"{column}: {value!r} is not a YYYY-MM-DD HH:MM:SS date") from None


def _seconds(row: dict[str, str], column: str) -> int:
    value = row[column].strip()
    if not value.isdigit():
        raise _BadRow(f"{column}: {value!r} is not a whole number of seconds")
    return int(value)


def _record(row: dict[str, str], line: int) -> CdrRecord:
    disposition = row["disposition"].strip().upper()
    if disposition not in DISPOSITIONS:
        raise _BadRow(f"disposition: {row['disposition']!r} is not one of {', '.join(DISPOSITIONS)}")
    return CdrRecord(
        line=line,
        uniqueid=row.get("uniqueid", "").strip(),
        src=row["src"].strip(),
        dst=row["dst"].strip(),
        channel=row.get("channel", "").strip(),
        dstchannel=row.get("dstchannel", "").strip(),
        start=_date(row, "start"),
        answer=_date(row, "answer") if row.get("answer", "").strip() else None,
        duration=_seconds(row, "duration"),
        billsec=_seconds(row, "billsec"),
        disposition=disposition,  # type: ignore[arg-type]
    )


def _header(cells: list[str]) -> list[str] | None:
    names = [_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in cells]
    return names if "src" in names and "disposition" in names else None


def load_cdr(path: str | Path) -> CdrLoad:
    """Every usable row of a CDR CSV, and the line and reason of every row left out.

    Raises MetadataError when the file is missing or its header lacks a needed column.
    """
    path = Path(path)
    if not path.is_file():
        raise MetadataError(str(path), "file", "CDR file not found")
    header: list[str] | None = None
    records: list[CdrRecord] = []
    skipped: list[SkippedRow] = []
    # utf-8-sig: a CSV saved from a spreadsheet starts with a byte-order mark
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if not (header or records or skipped) and (header := _header(cells)) is not None:
                missing = [c for c in _NEEDED if c not in header]
                if missing:
                    raise MetadataError(str(path), "header", f"missing column(s) {', '.join(missing)}")
                continue
            if header is not None and len(cells) != len(header):
                skipped.append(SkippedRow(line, f"{len(cells)} columns where the header has {len(header)}"))
            elif header is None and len(cells) < _ALWAYS:
                skipped.append(SkippedRow(line, f"missing columns: {len(cells)} of at least {_ALWAYS}"))
            else:
                try:
                    records.append(_record(dict(zip(header or COLUMNS, cells)), line))
                except _BadRow as exc:
                    skipped.append(SkippedRow(line, str(exc)))
    return CdrLoad(source=str(path), records=tuple(records), skipped=tuple(skipped))
