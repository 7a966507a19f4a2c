"""Check digits of Russian identifiers and of card numbers.

A checksum turns a run of digits into evidence: an eleven-digit run that passes the СНИЛС check is
a СНИЛС far more often than chance (1 in 101). They confirm a type; they never rule out a card,
because a card read aloud and misheard still has to be masked ("Luhn or not").
"""

from __future__ import annotations

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_A = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_B = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return bool(digits) and total % 10 == 0


def _inn_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def inn_ok(digits: str) -> bool:
    """ИНН of an organisation (10 digits) or of a person (12 digits)."""
    if len(digits) == 10:
        return _inn_digit(digits, _INN10) == int(digits[9])
    if len(digits) == 12:
        return _inn_digit(digits, _INN12_A) == int(digits[10]) and _inn_digit(digits, _INN12_B) == int(digits[11])
    return False


def snils_ok(digits: str) -> bool:
    """СНИЛС: nine digits and a two-digit check (sum of digit × (9 − position), mod 101, 100 → 00)."""
    if len(digits) != 11:
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    check = total % 101
    return (0 if check == 100 else check) == int(digits[9:])
