"""Phone numbers as PBXs and trunks write them, reduced to one form.

The same client reaches the PBX as "+7 (916) 123-45-67", "89161234567" or
"9161234567" depending on the trunk, so a report per client needs one key:
E.164 ("+79161234567"). Internal extensions stay as they are. Caller ID is
untrusted text ("anonymous", "<unknown>", ""), so parsing never raises: a value
that is not a number comes back with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

NumberKind = Literal["number", "extension", "invalid"]

# what PBXs and trunks put where a withheld or missing caller ID would be
_WITHHELD = {"anonymous", "unknown", "<unknown>", "restricted", "private", "unavailable"}
EXTENSION = re.compile(r"\d{2,5}")  # an internal number, as PBXs number their phones
_FORMATTING = re.compile(r"[\s().\-]")
# +7 is Russia and Kazakhstan; their national numbers start with 3-9 (none with 0, 1 or 2)
_NATIONAL = re.compile(r"[3-9]\d{9}")


@dataclass(frozen=True)
class PhoneNumber:
    raw: str
    value: str | None  # "+79161234567", "+442079460958", "101"; None when invalid
    kind: NumberKind
    reason: str = ""  # why it is not a number; empty otherwise


def _invalid(raw: str, reason: str) -> PhoneNumber:
    return PhoneNumber(raw=raw, value=None, kind="invalid", reason=reason)


def _international(raw: str, digits: str) -> PhoneNumber:
    """Country code and number, without any prefix; E.164 allows 8 to 15 digits."""
    if digits.startswith("7") and not _NATIONAL.fullmatch(digits[1:]):
        return _invalid(raw, f"+7 needs 10 digits starting with 3-9 after it, got {digits[1:]!r}")
    if not 8 <= len(digits) <= 15:
        return _invalid(raw, f"an international number has 8 to 15 digits, got {len(digits)}")
    return PhoneNumber(raw=raw, value="+" + digits, kind="number")


def normalise_number(raw: str | None) -> PhoneNumber:
    """E.164 for a phone number, the digits for an extension, or the reason it is neither."""
    raw = raw or ""
    text = raw.strip()
    if not text:
        return _invalid(raw, "empty")
    if text.lower() in _WITHHELD:
        return _invalid(raw, f"caller ID withheld ({text!r})")
    compact = _FORMATTING.sub("", text)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isdigit() or not digits.isascii():
        return _invalid(raw, "not a phone number: has characters other than digits")
    if plus:
        return _international(raw, digits)
    if EXTENSION.fullmatch(digits):
        return PhoneNumber(raw=raw, value=digits, kind="extension")
    if len(digits) == 10 and _NATIONAL.fullmatch(digits):
        return PhoneNumber(raw=raw, value="+7" + digits, kind="number")
    if len(digits) == 11 and digits[0] in "78" and _NATIONAL.fullmatch(digits[1:]):
        return PhoneNumber(raw=raw, value="+7" + digits[1:], kind="number")
    # Russian "8 10 ..." and European "00 ..." international dialling prefixes
    for prefix in ("810", "00"):
        if digits.startswith(prefix) and len(digits) > len(prefix) + 7:
            return _international(raw, digits[len(prefix):])
    if 11 <= len(digits) <= 15 and digits[0] not in "78":
        return _international(raw, digits)  # a foreign number the trunk sent without "+"
    if 6 <= len(digits) <= 7:
        return _invalid(raw, f"a local number without the area code ({len(digits)} digits)")
    return _invalid(raw, f"{len(digits)} digits: neither an extension nor a full number")
