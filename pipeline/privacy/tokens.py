"""Words of an utterance with their character offsets, in the form callqa's number reader reads.

`checks.text.numbers.find_numbers` wants lower-case words, ё folded, without punctuation; the
detectors need to know which characters each word came from, and which punctuation lay between.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from checks.text.numbers import find_numbers

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


def is_number(tok: Token) -> bool:
    """A token the number reader reads as a number: digits («12», «5а», «10:30») or a number word."""
    return tok.text[:1].isdigit() or bool(find_numbers([tok.text]))


def runs_between(tokens: Sequence[Token], breaks: Callable[[Token], bool]) -> list[list[Token]]:
    """The runs of tokens between those that `breaks` (which belong to no run)."""
    runs: list[list[Token]] = [[]]
    for tok in tokens:
        if breaks(tok):
            runs.append([])
        else:
            runs[-1].append(tok)
    return [r for r in runs if r]


def cut(text: str, tokens: list[Token], at: Callable[[str], bool]) -> list[list[int]]:
    """Token indices in runs, a new run wherever what lies between two tokens satisfies `at`."""
    runs: list[list[int]] = [[]]
    for i, tok in enumerate(tokens):
        if runs[-1] and at(gap(text, tokens[runs[-1][-1]], tok)):
            runs.append([])
        runs[-1].append(i)
    return [r for r in runs if r]
