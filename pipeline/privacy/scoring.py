"""Precision and recall of the detectors on labelled call lines (tests/privacy_lines/*.yaml).

A found span is right when it overlaps a labelled span of a matching type; a labelled span is found
when a found span of a matching type overlaps it. An address and a place match each other: «Одинцово,
улица Молодёжная» may come as one address or as a place and an address, and both are masked. The
`any` row ignores the type: what a seller would see in clear or masked for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.privacy.detect import detect_lines
from pipeline.privacy.spans import PII_TYPES, TextSpan

_FAMILIES = {"address": "location", "place": "location"}


@dataclass(frozen=True)
class LabelledLine:
    speaker: str
    text: str
    before: str
    spans: tuple[TextSpan, ...]


@dataclass(frozen=True)
class TypeScore:
    type: str
    labelled: int
    found: int
    true_found: int  # found spans that are right
    recalled: int  # labelled spans that were found

    @property
    def precision(self) -> float:
        return self.true_found / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.recalled / self.labelled if self.labelled else 1.0


def load_lines(path: Path) -> list[LabelledLine]:
    """Read a labelled set; an error names the file, the line and the field."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[LabelledLine] = []
    for n, item in enumerate(data["lines"]):
        text = item["text"]
        spans = []
        for s in item.get("spans") or ():
            at = text.find(s["text"])
            if at < 0 or s["type"] not in PII_TYPES:
                raise ValueError(f"{path}: lines[{n}].spans: {s!r} is not in the text or has an unknown type")
            spans.append(TextSpan(s["type"], at, at + len(s["text"]), "label"))
        out.append(LabelledLine(item["speaker"], text, item.get("before", ""), tuple(spans)))
    return out


def _match(a: TextSpan, b: TextSpan, typed: bool) -> bool:
    same = not typed or _FAMILIES.get(a.type, a.type) == _FAMILIES.get(b.type, b.type)
    return same and a.overlaps(b)


def _score(kind: str, pairs: list[tuple[list[TextSpan], list[TextSpan]]], typed: bool) -> TypeScore:
    labelled = found = true_found = recalled = 0
    for gold, pred in pairs:
        g = [s for s in gold if kind == "any" or s.type == kind]
        p = [s for s in pred if kind == "any" or s.type == kind]
        labelled, found = labelled + len(g), found + len(p)
        true_found += sum(any(_match(s, t, typed) for t in gold) for s in p)
        recalled += sum(any(_match(s, t, typed) for t in pred) for s in g)
    return TypeScore(kind, labelled, found, true_found, recalled)


def evaluate(lines: Iterable[LabelledLine], ignore: Iterable[str] = ()) -> dict[str, TypeScore]:
    ignore = tuple(ignore)
    lines = list(lines)
    found = detect_lines([(l.text, l.speaker, l.before) for l in lines], ignore, call=False)
    pairs = [(list(l.spans), f) for l, f in zip(lines, found)]
    scores = {kind: _score(kind, pairs, typed=True) for kind in PII_TYPES}
    scores["any"] = _score("any", pairs, typed=False)
    return scores
