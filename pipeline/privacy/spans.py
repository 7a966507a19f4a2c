"""The record of one piece of personal data found in a transcript."""

from __future__ import annotations

import re
from dataclasses import dataclass

# what a coach or a seller reads in place of each type
LABELS: dict[str, str] = {
    "name": "[имя]",
    "phone": "[телефон]",
    "card": "[карта]",
    "passport": "[паспорт]",
    "snils": "[снилс]",
    "inn": "[инн]",
    "email": "[почта]",
    "address": "[адрес]",
    "place": "[место]",
}
PII_TYPES: tuple[str, ...] = tuple(LABELS)


@dataclass(frozen=True)
class PersonalSpan:
    """Where one piece of personal data is: the utterance, its characters, its seconds.

    No copy of the words themselves: they are in the transcript, and a stored span must not become
    a second place the personal data lives.
    """

    type: str
    utterance: int  # index into Transcript.utterances
    char_start: int
    char_end: int  # exclusive
    start: float  # seconds, from the word timestamps
    end: float
    detector: str  # "natasha-ner@1.6.0", "numbers@2", ...

    def __post_init__(self) -> None:
        if self.type not in LABELS:
            raise ValueError(f"personal data span: unknown type {self.type!r} (one of {', '.join(PII_TYPES)})")
        if not 0 <= self.char_start < self.char_end:
            raise ValueError(f"personal data span: bad character range {self.char_start}..{self.char_end}")
        if self.end < self.start:
            raise ValueError(f"personal data span: end {self.end} s before start {self.start} s")


@dataclass(frozen=True)
class TextSpan:
    """A detector's find in one utterance's text, before it is placed in time."""

    type: str
    char_start: int
    char_end: int
    detector: str

    def overlaps(self, other: "TextSpan") -> bool:
        return self.char_start < other.char_end and other.char_start < self.char_end


# a comma, «!» or «?» right after a name: the speaker addressing someone
_SET_OFF_AFTER = re.compile(r"^\s*[,!?]")


def set_off_name(text: str, span: TextSpan, before: re.Pattern[str]) -> bool:
    """A one-word name that `before` matches the text up to and a comma, «!» or «?» follows: the
    speaker addressing someone («Анна, скажите…», «Спасибо, Сергей, жду звонка»)."""
    return span.type == "name" and len(text[span.char_start:span.char_end].split()) == 1 \
        and bool(before.search(text[:span.char_start])) and bool(_SET_OFF_AFTER.match(text[span.char_end:]))
