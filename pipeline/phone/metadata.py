"""One `CallMetadata` per recording, merged from every source there is.

Field by field, the first source that has a value wins:

1. the sidecar `NAME.meta.json`, written for this call on purpose;
2. the CDR row whose uniqueid is the call's (the PBX's own record of the call);
3. the FreePBX file name.

A recording with none of them is still analysed: its fields are None and its
seller "unknown". `sources` says which ones contributed, for provenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.phone.cdr import CdrRecord, Disposition, channel_extension
from pipeline.phone.freepbx import LEG_ROLES, Direction, RecordingName, parse_recording_name
from pipeline.phone.legs import Leg, split_leg
from pipeline.phone.numbers import normalise_number
from pipeline.phone.sellers import SellerMap, find_seller
from pipeline.phone.sidecar import Sidecar, load_sidecar, sidecar_path

_MERGED = ("call_id", "started_at", "direction", "client_number", "extension", "queue",
           "disposition", "ring_s", "channel_roles")


@dataclass(frozen=True)
class CallMetadata:
    call_id: str | None  # the sidecar's call_id, else the PBX uniqueid
    started_at: datetime | None
    direction: Direction | None
    client_number: str | None  # E.164 (an extension on an internal call)
    extension: str | None
    seller: str  # the seller's name, or "unknown"
    seller_status: str  # "sidecar" (named there), "mapped", "unmapped" (report it) or "no_key"
    queue: str | None
    disposition: Disposition | None
    ring_s: float | None
    leg: Leg | None  # this file is one leg of a two-leg recording
    channel_roles: str | None  # "seller,client" / "client,seller", as CALLQA_CHANNEL_ROLES
    sources: tuple[str, ...]  # e.g. ("sidecar:/x/call.meta.json", "cdr:line 12", "filename")


def _from_sidecar(side: Sidecar) -> dict[str, Any]:
    client = side.callee if side.direction == "outbound" else side.caller
    return {
        "call_id": side.call_id, "started_at": side.started_at, "direction": side.direction,
        "client_number": normalise_number(client).value, "extension": side.extension, "queue": side.queue,
        "disposition": side.disposition, "ring_s": side.ring_s, "channel_roles": side.channel_roles,
    }


def _from_cdr(rec: CdrRecord, direction: Direction | None) -> dict[str, Any]:
    # the seller's phone answers an inbound call and places an outbound one
    outbound = direction == "outbound"
    return {
        "started_at": rec.start, "client_number": normalise_number(rec.dst if outbound else rec.src).value,
        "extension": channel_extension(rec.channel if outbound else rec.dstchannel),
        "disposition": rec.disposition, "ring_s": rec.ring_s,
    }


def _from_name(name: RecordingName) -> dict[str, Any]:
    return {
        "call_id": name.uniqueid, "started_at": name.started_at, "direction": name.direction,
        "client_number": name.client.value, "extension": name.extension, "queue": name.queue,
    }


def _find_sidecar(path: Path, base: str) -> tuple[Path, Sidecar] | None:
    """Next to the file, else (for one leg) next to the pair's common name."""
    for candidate in dict.fromkeys((sidecar_path(path), sidecar_path(path.with_name(base)))):
        sidecar = load_sidecar(candidate)
        if sidecar is not None:
            return candidate, sidecar
    return None


def call_metadata(
    path: str | Path, cdr: Mapping[str, CdrRecord] | None = None, sellers: SellerMap | None = None
) -> CallMetadata:
    """Everything known about the call recorded in `path`.

    `cdr` is a CDR index by uniqueid (`CdrLoad.by_uniqueid()`). Raises MetadataError
    for a broken sidecar or an impossible date in a FreePBX name; missing sources are fine.
    """
    path = Path(path)
    base, leg = split_leg(path.name)
    name = parse_recording_name(path)
    found = _find_sidecar(path, base)
    side = found[1] if found else None
    rec = (cdr or {}).get(name.uniqueid if name else side.call_id if side else "")
    direction = side.direction if side else name.direction if name else None

    layers = [  # highest priority first
        (f"sidecar:{found[0]}", _from_sidecar(found[1])) if found else None,
        (f"cdr:line {rec.line}", _from_cdr(rec, direction)) if rec else None,
        ("filename", _from_name(name)) if name else None,
    ]
    present = [layer for layer in layers if layer is not None]
    merged = {key: next((v[key] for _, v in present if v.get(key) is not None), None) for key in _MERGED}
    if side and side.seller:
        seller, seller_status = side.seller, "sidecar"
    else:
        lookup = find_seller(sellers, merged["extension"], side.agent_id if side else None)
        seller, seller_status = lookup.name, lookup.status
    if merged["channel_roles"] is None and leg is not None and direction in LEG_ROLES:
        # a leg pair decodes with the received leg as channel 0 (legs.LegPair)
        merged["channel_roles"] = ",".join(LEG_ROLES[direction])
    return CallMetadata(
        **merged, seller=seller, seller_status=seller_status, leg=leg, sources=tuple(s for s, _ in present)
    )
