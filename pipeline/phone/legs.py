"""Two-leg recordings: each direction of a call in its own mono file, paired by name.

Asterisk's Monitor() always writes two legs, `NAME-in.EXT` and `NAME-out.EXT`
(res_monitor.c: the read stream goes to "%s-in", the write stream to "%s-out").
MixMonitor writes legs only when given r(file) and t(file); sites name them
`NAME-r.EXT` and `NAME-t.EXT`. "in"/"r" is the audio read *from* the recorded
channel, i.e. what the party on that channel said; "out"/"t" is the audio written
*to* it, i.e. what the other side said (app_mixmonitor.c: r sets MUXFLAG_READ;
its MixMonitorMute action calls read "from channel", write "to channel").
Which party that is depends on the channel the PBX recorded on: see
`freepbx.RecordingName.leg_role`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Leg = Literal["in", "out", "r", "t"]
RECEIVED_LEGS = ("in", "r")  # what the recorded channel's own party said
_PARTNER: dict[str, Leg] = {"in": "out", "out": "in", "r": "t", "t": "r"}
_LEG = re.compile(r"^(?P<base>.+)-(?P<leg>in|out|r|t)(?P<ext>\.[A-Za-z0-9]+)$")


def split_leg(name: str) -> tuple[str, Leg | None]:
    """The file name without its leg suffix ("x-r.wav" -> "x.wav"), and the leg."""
    found = _LEG.match(name)
    if found is None:
        return name, None
    leg: Leg = found["leg"]  # type: ignore[assignment]
    return found["base"] + found["ext"], leg


@dataclass(frozen=True)
class LegPair:
    """Decode with `pipeline.audio.load_legs(received, transmitted)`: channel 0 is received."""

    received: Path  # -in / -r
    transmitted: Path  # -out / -t


def pair_legs(paths: Iterable[Path]) -> tuple[tuple[LegPair, ...], tuple[Path, ...]]:
    """Leg files whose names differ only by the leg suffix, paired; and every other path.

    A leg whose partner is missing stays single, so it is still analysed (as mono)
    rather than silently dropped.
    """
    groups: dict[tuple[Path, str, str], dict[str, Path]] = defaultdict(dict)
    singles: list[Path] = []
    for path in paths:
        base, leg = split_leg(path.name)
        if leg is None:
            singles.append(path)
            continue
        family = min(leg, _PARTNER[leg])  # "in" for in/out, "r" for r/t
        groups[(path.parent, base, family)][leg] = path
    pairs = []
    for legs in groups.values():
        received = next((legs[leg] for leg in RECEIVED_LEGS if leg in legs), None)
        transmitted = next((p for leg, p in legs.items() if leg not in RECEIVED_LEGS), None)
        if received is not None and transmitted is not None:
            pairs.append(LegPair(received=received, transmitted=transmitted))
        else:
            singles.extend(legs.values())
    return tuple(sorted(pairs, key=lambda p: p.received)), tuple(sorted(singles))
