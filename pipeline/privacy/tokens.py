"""Words of an utterance with their character offsets, in the form callqa's number reader reads.

`checks.text.numbers.find_numbers` wants lower-case words, ё folded, without punctuation; the
detectors need to know which characters each word came from, and which punctuation lay between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# a digit group keeps a clock's colon («10:30») but comes apart at a dash, a bracket, a comma or a
# point: Whisper writes a dictated number «8,915,777,3322» or «112.233.445.955» as readily as
# «123-45-67», and a decimal split in two («2,5») is still far too short to be personal data;
# a word keeps its inner hyphen («из-за»)
_TOKEN_RE = re.compile(r"\+|№|\d+(?::\d+)?[a-zа-яё]*|[a-zа-яё]+(?:-[a-zа-яё]+)*", re.IGNORECASE)


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
