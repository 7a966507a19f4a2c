"""Words of an utterance with their character offsets, in the form callqa's number reader reads.

`checks.text.numbers.find_numbers` wants lower-case words, ё folded, without punctuation; the
detectors need to know which characters each word came from, and which punctuation lay between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# a digit group keeps its decimal or clock separator («2,5», «10:30») but not a dash or a bracket,
# so «123-45-67» and «(925)» come apart into groups; a word keeps its inner hyphen («из-за»)
_TOKEN_RE = re.compile(r"\+|\d+(?:[.,:]\d+)?[a-zа-яё]*|[a-zа-яё]+(?:-[a-zа-яё]+)*", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    text: str  # as the number reader wants it: lower case, ё → е
    start: int
    end: int
    raw: str  # as written

    @property
    def is_digits(self) -> bool:
        return self.text.isdigit()


def tokenize(text: str) -> list[Token]:
    return [
        Token(m.group().lower().replace("ё", "е"), m.start(), m.end(), m.group())
        for m in _TOKEN_RE.finditer(text)
    ]


def gap(text: str, left: Token, right: Token) -> str:
    """What lies between two tokens: spaces and punctuation."""
    return text[left.end:right.start]
