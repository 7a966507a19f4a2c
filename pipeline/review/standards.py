"""What the review app takes from a call's standard: stage titles, critical types, time zone, dismissal reasons.

Why it looks the standard up by id: an analysis stores only its standard's id
and version, and the app is started without a standard file (it serves calls
scored under several). The standards in `scripts_ref/` are read once; a call
whose standard is not there gets the defaults (machine ids as titles, Moscow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from checks.standard import Standard, StandardError, load_standard
from pipeline.review.labels import DEFAULT_DISMISS_REASONS, finding_title
from pipeline.settings import ROOT

STANDARDS_DIR = ROOT / "scripts_ref"
DEFAULT_TIMEZONE = "Europe/Moscow"


@dataclass(frozen=True)
class StandardInfo:
    stage_titles: dict[str, str] = field(default_factory=dict)
    critical_types: frozenset[str] = frozenset()
    timezone: str = DEFAULT_TIMEZONE
    dismiss_reasons: tuple[tuple[str, str], ...] = DEFAULT_DISMISS_REASONS

    def stage_title(self, stage_id: str) -> str:
        return self.stage_titles.get(stage_id) or stage_id

    def severity(self, finding_type: str, stored: str) -> str:
        """A type the standard calls critical flags the call as critical, so its badge says so too."""
        return "critical" if finding_type in self.critical_types else stored

    def finding_title(self, finding_type: str, stage_id: object = None) -> str:
        """«Пропущен этап: Приветствие» for a missing stage, else the type's Russian title."""
        title = finding_title(finding_type)
        return f"{title}: {self.stage_title(stage_id)}" if isinstance(stage_id, str) and stage_id else title


def reason_problem(info: StandardInfo, kind: str, reason: str | None) -> str | None:
    """Why a dismissal's reason is not acceptable (None when it is): the calibration set keeps the «why»."""
    if kind != "dismiss_finding":
        return None if not reason else f"reason: only a dismissal has a reason code, not {kind}"
    codes = [code for code, _ in info.dismiss_reasons]
    if not reason:
        return f"reason: a dismissal needs a reason, one of {', '.join(codes)}"
    if reason not in codes:
        return f"reason {reason!r}: expected one of {', '.join(codes)}"
    return None


def _reasons(standard: Standard) -> tuple[tuple[str, str], ...]:
    # an optional `dismiss_reasons:` list ([{id, title}] or plain titles) when the schema has one
    given = getattr(standard, "dismiss_reasons", None) or []
    out = []
    for item in given:
        code = getattr(item, "id", None) or (item.get("id") if isinstance(item, dict) else str(item))
        title = getattr(item, "title", None) or (item.get("title") if isinstance(item, dict) else str(item))
        out.append((str(code), str(title or code)))
    return tuple(out) or DEFAULT_DISMISS_REASONS


def _info(standard: Standard) -> StandardInfo:
    return StandardInfo({s.id: s.title for s in standard.stages if s.title},
                        frozenset(standard.scoring.critical), standard.company.timezone, _reasons(standard))


@lru_cache(maxsize=1)
def _standards(folder: Path = STANDARDS_DIR) -> dict[str, Standard]:
    out: dict[str, Standard] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            standard = load_standard(path)
        except StandardError:
            continue  # `callqa check-standard` reports a broken file; the app shows ids instead
        out.setdefault(standard.standard.id, standard)
    return out


@lru_cache(maxsize=1)
def _known() -> dict[str, StandardInfo]:
    return {key: _info(standard) for key, standard in _standards().items()}


def standard_by_id(standard_id: str) -> Standard | None:
    """The standard a call was scored with, when `scripts_ref/` has it (personal data detection
    takes the company's own names from it)."""
    return _standards().get(standard_id)


def standard_info(standard_id: str | None) -> StandardInfo:
    return _known().get(standard_id or "", StandardInfo())


def any_standard() -> StandardInfo:
    """For pages about many calls (the queue): every standard's stage titles, the first one's zone and reasons."""
    known = list(_known().values())
    if not known:
        return StandardInfo()
    titles = {k: v for info in reversed(known) for k, v in info.stage_titles.items()}
    return StandardInfo(titles, frozenset().union(*(i.critical_types for i in known)), known[0].timezone,
                        known[0].dismiss_reasons)


__all__ = ["DEFAULT_TIMEZONE", "StandardInfo", "any_standard", "reason_problem", "standard_by_id", "standard_info"]
