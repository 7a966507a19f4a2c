"""Report periods: whole local days in the company's time zone, and their weeks.

A period is a half-open range of local dates [start, end). Two kinds of stored
timestamps are compared against it, and they need different bounds:

- `recordings.started_at` holds the PBX's local clock reading, labelled UTC
  (see `pipeline.storage.calls._aware`): its bounds are the local midnights,
  labelled UTC the same way, so the clock reading is compared as it is.
- `analyses.created_at` is a true UTC instant: its bounds are the local
  midnights converted to UTC, so a call analysed at 23:30 UTC on a Sunday falls
  on Monday in Moscow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/Moscow"

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class PeriodError(ValueError):
    """A period that cannot be read; the message says what was expected."""


@dataclass(frozen=True)
class Period:
    start: date  # the first local day
    end: date  # the day after the last one (half-open, so periods tile without overlap)
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period of the same length just before, for «rose/fell» comparisons."""
        start = self.start - timedelta(days=self.days)
        return Period(start, self.start, f"{start:%Y-%m-%d}…{self.start - timedelta(days=1):%Y-%m-%d}")

    def weeks(self) -> tuple[date, ...]:
        """The Mondays of the ISO weeks this period touches, oldest first."""
        monday = week_start(self.start)
        out = []
        while monday < self.end:
            out.append(monday)
            monday += timedelta(days=7)
        return tuple(out)

    def clock_bounds(self) -> tuple[datetime, datetime]:
        """Bounds for PBX clock readings (stored labelled UTC)."""
        return (datetime.combine(self.start, time(), timezone.utc),
                datetime.combine(self.end, time(), timezone.utc))

    def utc_bounds(self, tz: str) -> tuple[datetime, datetime]:
        """Bounds for true UTC instants: local midnights in `tz` (DST-safe through zoneinfo)."""
        zone = zone_info(tz)
        return tuple(  # type: ignore[return-value]
            datetime.combine(d, time(), zone).astimezone(timezone.utc) for d in (self.start, self.end))


def zone_info(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeriodError(f"{tz!r}: not a time zone name (e.g. Europe/Moscow)") from None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_period(text: str) -> Period:
    """`2026-11` (a month) or `2026-W47` (an ISO week)."""
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r}: month must be 01-12")
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1)
        return Period(start, end, text)
    if m := _WEEK.match(text):
        try:
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise PeriodError(f"{text!r}: no such ISO week") from None
        return Period(start, start + timedelta(days=7), text)
    raise PeriodError(f"{text!r}: expected a month (2026-11) or an ISO week (2026-W47)")


def period_between(first: date, last: date) -> Period:
    """`--from`/`--to`: both days included, as people say them."""
    if last < first:
        raise PeriodError(f"--to {last} is before --from {first}")
    return Period(first, last + timedelta(days=1), f"{first:%Y-%m-%d}…{last:%Y-%m-%d}")


def current_week(today: date) -> Period:
    """The ISO week containing `today`, Monday to Sunday."""
    start = week_start(today)
    iso = start.isocalendar()
    return Period(start, start + timedelta(days=7), f"{iso.year}-W{iso.week:02d}")


def local_time(started_at: datetime | None, analysed_at: datetime, tz: str) -> datetime:
    """A call's naive local time: the PBX clock reading, else the analysis instant moved to `tz`."""
    if started_at is not None:
        return started_at.replace(tzinfo=None)
    # SQLite hands UTC instants back naive
    aware = analysed_at if analysed_at.tzinfo else analysed_at.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone_info(tz)).replace(tzinfo=None)
