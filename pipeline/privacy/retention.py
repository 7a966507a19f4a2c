"""How long a call's personal data is kept: the retention period and how it is written.

152-FZ wants personal data kept no longer than its purpose needs. callqa's purpose for a
transcript is review and coaching, which is done within weeks; the scores and findings that feed
the scorecards carry no personal data and are kept. The period is `CALLQA_RETENTION` (default
180 days), or `callqa purge --older-than`; what a purge removes is in `pipeline.storage.purge`.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta

RETENTION_ENV = "CALLQA_RETENTION"
DEFAULT_RETENTION = "180d"
_PERIOD = re.compile(r"(\d+)\s*([dwy]?)")
_UNIT_DAYS = {"": 1, "d": 1, "w": 7, "y": 365}


def parse_period(text: str, source: str = "--older-than") -> timedelta:
    """«180d», «26w», «1y» or a bare number of days; ValueError naming `source` otherwise."""
    found = _PERIOD.fullmatch(text.strip().lower())
    if found is None or int(found.group(1)) == 0:
        raise ValueError(f"{source} {text!r}: expected a positive period such as 180d, 26w or 1y")
    return timedelta(days=int(found.group(1)) * _UNIT_DAYS[found.group(2)])


def retention_period() -> timedelta:
    """The period from the settings: $CALLQA_RETENTION, else 180 days."""
    return parse_period(os.environ.get(RETENTION_ENV) or DEFAULT_RETENTION, RETENTION_ENV)


__all__ = ["DEFAULT_RETENTION", "RETENTION_ENV", "parse_period", "retention_period"]
