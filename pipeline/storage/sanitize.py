"""Text people type that others will read: comments, reasons, names.

Why: a right-to-left override (U+202E) in a comment makes «отклонено» read
backwards on the reviewer's screen and in the exports, and other invisible
format characters hide text; a NUL is refused by PostgreSQL outright. They
are removed where such text enters storage, so every route (form, API,
command line) is covered by the same function.
"""

from __future__ import annotations

import unicodedata

# bidi embeddings, overrides and isolates, and the invisible marks that steer them
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
KEPT_CONTROLS = frozenset("\n\t")
LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}


def _kept(char: str) -> bool:
    if char in KEPT_CONTROLS:
        return True
    # Cf: the invisible format characters (zero-width space, word joiner, BOM, soft hyphen...),
    # which make «lead\u200b» look like «lead» in the audit trail
    return char not in BIDI_CONTROLS and unicodedata.category(char) not in ("Cc", "Cf")


def clean_text(text: str) -> str:
    """`text` with line breaks made plain and control, format and bidi characters removed."""
    for odd, plain in LINE_BREAKS.items():
        text = text.replace(odd, plain)
    return "".join(c for c in text if _kept(c))


def has_hidden_characters(text: str) -> bool:
    """True when `text` holds a character `clean_text` would remove or change."""
    return clean_text(text) != text


__all__ = ["BIDI_CONTROLS", "clean_text", "has_hidden_characters"]
