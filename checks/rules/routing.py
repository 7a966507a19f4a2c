"""Misrouted calls: the client is outside the answering seller's area of responsibility.

The article gives each seller a share of the clients, by segment (size,
geography, industry, products, form of ownership) or by place on the sales
conveyor (scout: potential clients, hunter: promising ones, farmer: regular
ones), so that no client is ignored and two sellers never work one client. A
call whose client falls outside the answering seller's share reached the wrong
person. Only what both sides state is judged: a dimension the seller has no
list for, or the call says nothing about, is not; where the client's words point
two ways («из Москвы, объект в Подольске»), one covered value is enough.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from checks.text.matching import reference_keys
from checks.registry import CallContext, CheckParams, CheckResult, register
from checks.rules.segment import Segment, SegmentCue, SegmentParams, classify
from pipeline.phone.sellers import Seller
from pipeline.records import Evidence, Finding, Severity
from pipeline.serialize import to_jsonable

# the clients each place on the conveyor serves, as `segment.relationship` labels;
# a standard's list for a role replaces the default one
DEFAULT_ROLES: dict[str, list[str]] = {"scout": ["new"], "hunter": ["new"], "farmer": ["regular"]}
SEGMENT_DIMENSIONS = ("size", "geography", "industry", "products", "ownership")
# a seller's ownership list names legal forms («ООО», «ИП») that the segment groups
# into labels; a seller's city covers that city, not every place of its region
_FORMS_OF_LABEL = frozenset({"ownership"})


class MisroutedParams(CheckParams):
    severity: Severity = "major"
    roles: dict[Literal["scout", "hunter", "farmer"], list[str]] = {}

    def role_clients(self) -> dict[str, list[str]]:
        return {**DEFAULT_ROLES, **self.roles}


@dataclass(frozen=True)
class Mismatch:
    dimension: str
    value: str
    evidence: Evidence  # the client's words that place them outside
    responsibility: tuple[str, ...]  # what the seller's list holds


def _same(a: str, b: str) -> bool:
    return reference_keys(a) == reference_keys(b)


def _covers(dimension: str, entry: str, cue: SegmentCue, seg: SegmentParams) -> bool:
    if _same(entry, cue.value) or _same(entry, cue.evidence.reference):
        return True
    forms = seg.ownership_phrases().get(cue.value, []) if dimension in _FORMS_OF_LABEL else []
    return any(_same(entry, form) for form in forms)


def _mismatches(segment: Segment, seller: Seller, seg: SegmentParams, p: MisroutedParams) -> list[Mismatch]:
    out: list[Mismatch] = []
    for name in SEGMENT_DIMENSIONS:
        entries: list[str] = getattr(seller.segments, name)
        dim = getattr(segment, name)
        if entries and dim.cues and not any(_covers(name, e, c, seg) for e in entries for c in dim.cues):
            out.append(Mismatch(name, dim.cues[0].value, dim.cues[0].evidence, tuple(entries)))
    served = p.role_clients().get(seller.role or "")
    clients = segment.relationship
    if served is not None and clients.cues and not any(c.value in served for c in clients.cues):
        out.append(Mismatch("relationship", clients.cues[0].value, clients.cues[0].evidence,
                            tuple(f"{seller.role}: {label}" for label in served)))
    return out


def responsibility(seller: Seller) -> str:
    """«Анна Петрова (hunter): size large, medium; geography Москва»."""
    parts = [f"{name} {', '.join(getattr(seller.segments, name))}"
             for name in SEGMENT_DIMENSIONS if getattr(seller.segments, name)]
    role = f" ({seller.role})" if seller.role else ""
    return f"{seller.name}{role}: " + ("; ".join(parts) or "no segments")


@register("misrouted_call", "1", needs_roles=True, needs_seller=True, params=MisroutedParams)
def misrouted_call_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    seller = ctx.seller
    if seller is None:  # analyze_transcript skips the check without a seller
        return CheckResult()
    p = MisroutedParams.model_validate(params)
    seg = SegmentParams.model_validate(ctx.standard.check_params("segment"))
    found = _mismatches(classify(ctx, seg), seller, seg, p)
    if not found:
        return CheckResult()
    first = min(found, key=lambda m: m.evidence.start).evidence
    return CheckResult(findings=(Finding(
        type="misrouted_call", severity=p.severity, start=first.start, end=first.end, speaker=first.speaker,
        evidence="; ".join(f"«{m.evidence.quote}» → {m.dimension} {m.value}" for m in found),
        reference=responsibility(seller), check="misrouted_call",
        details={"seller": seller.name, "role": seller.role, "mismatches": to_jsonable(found)},
    ),))
