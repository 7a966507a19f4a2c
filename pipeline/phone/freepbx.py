"""FreePBX recording file names: direction, the parties, the start time and the call's id.

FreePBX's callrecording module (dialplan `sub-record-check`) runs
`MixMonitor(${MIXMON_DIR}${YEAR}/${MONTH}/${DAY}/${CALLFILENAME}.${MON_FMT})` with
CALLFILENAME = `<type>-<dest>-<from>-<YYYYMMDD>-<HHMMSS>-<UNIQUEID>`, where

    in-<did>-<caller>             inbound route; <did> is "s" on a catch-all route
    q-<queue>-<caller>            queue
    rg-<group>-<caller>           ring group
    external-<ext>-<caller>       an extension taking an outside call
    internal-<ext>-<from ext>     an extension taking a call from another extension
    out-<dialled>-<ext>           outbound route
    exten-<ext>-<caller>          an extension-level recording as some sites name it

<from> is the caller ID number or "unknown"; the time is the PBX's local time;
UNIQUEID ("1700000000.123") is the recorded channel's id, the CDR's `uniqueid`.
MIXMON_FORMAT wav49 is written with the extension ".WAV" (ASTERISK-24798).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from pipeline.phone.errors import MetadataError
from pipeline.phone.legs import RECEIVED_LEGS, Leg, split_leg
from pipeline.phone.numbers import PhoneNumber, normalise_number
from pipeline.records import Speaker

Direction = Literal["inbound", "outbound", "internal"]

_NAME = re.compile(
    r"^(?P<kind>in|out|q|rg|exten|external|internal)-(?P<first>[^-]*)-(?P<second>.*)"
    r"-(?P<date>\d{8})-(?P<time>\d{6})-(?P<uniqueid>\d+\.\d+)\.[A-Za-z0-9]+$"
)
# Who speaks on the (received -in/-r, transmitted -out/-t) legs. FreePBX records
# on the channel that runs sub-record-check: the trunk's channel on an inbound
# call, so what it receives is the client; the extension's on an outbound call.
LEG_ROLES: dict[str, tuple[Speaker, Speaker]] = {
    "inbound": ("client", "seller"),
    "outbound": ("seller", "client"),
}
_DIRECTION: dict[str, Direction] = {
    "in": "inbound", "q": "inbound", "rg": "inbound", "external": "inbound", "exten": "inbound",
    "out": "outbound", "internal": "internal",
}


@dataclass(frozen=True)
class RecordingName:
    kind: str  # the FreePBX type: in, out, q, rg, external, internal, exten
    direction: Direction
    started_at: datetime  # PBX local time
    uniqueid: str
    # the outside party: the caller of an inbound call, the number dialled on an
    # outbound one; the calling extension on an internal call
    client: PhoneNumber
    extension: str | None = None
    did: str | None = None
    queue: str | None = None
    ring_group: str | None = None
    leg: Leg | None = None

    @property
    def leg_role(self) -> Speaker | None:
        """Who speaks in this file when it is one leg of a two-leg recording."""
        roles = LEG_ROLES.get(self.direction)
        if self.leg is None or roles is None:
            return None
        return roles[0] if self.leg in RECEIVED_LEGS else roles[1]


def _start(path: str, date: str, time: str) -> datetime:
    try:
        day = datetime.strptime(date, "%Y%m%d")
    except ValueError:
        raise MetadataError(path, "date", f"{date!r} is not a valid YYYYMMDD date") from None
    try:
        clock = datetime.strptime(time, "%H%M%S")
    except ValueError:
        raise MetadataError(path, "time", f"{time!r} is not a valid HHMMSS time") from None
    return datetime.combine(day.date(), clock.time())


def parse_recording_name(path: str | Path) -> RecordingName | None:
    """The metadata in a FreePBX recording's name; None for a name of another shape.

    Raises MetadataError for a FreePBX-shaped name whose date or time is impossible.
    """
    base, leg = split_leg(Path(path).name)
    found = _NAME.match(base)
    if found is None:
        return None
    kind, first, second = found["kind"], found["first"], found["second"]
    # which field the <dest> part fills; "s" is FreePBX's "any DID" route, not a number
    parties = {
        "in": {"did": None if first == "s" else first or None},
        "q": {"queue": first or None},
        "rg": {"ring_group": first or None},
        "out": {"extension": second or None},
    }.get(kind, {"extension": first or None})
    return RecordingName(
        kind=kind,
        direction=_DIRECTION[kind],
        started_at=_start(str(path), found["date"], found["time"]),
        uniqueid=found["uniqueid"],
        client=normalise_number(first if kind == "out" else second),
        leg=leg,
        **parties,
    )
