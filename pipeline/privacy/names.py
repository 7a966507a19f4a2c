"""Names of people and places: natasha's NER, then pymorphy3's name dictionary for what it misses.

natasha 1.6.0 ships its NER and navec embeddings in the wheel (no torch, nothing downloaded). It
needs cased, punctuated text, which Whisper gives: on «ольга петрова» in lower case it finds nothing.
It misses a bare first name given as a short answer («Андрей.»), so a capitalised word whose
likeliest pymorphy3 reading is a first name or a patronymic is a name too, and a surname is one when
it stands by a name or after «фамилия». It also tags the company («СтройДом») as a person: every
name the caller says is never personal data (the company, its products, the sellers) is dropped by
its dictionary forms.

A place alone (a town) is masked as «[место]» in the client's lines; in the seller's lines a town is
the company's delivery area («доставка по Москве»), not personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pipeline.privacy.morph import cannot_be_name, lemmas, person_tag
from pipeline.privacy.spans import TextSpan

NER_DETECTOR = "natasha-ner@1.6.0"
MORPH_DETECTOR = "pymorphy3-names@1"

_WORD_RE = re.compile(r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)?")
# the seller introducing themselves: that name is the seller's, never the client's personal data
_SELF_INTRO = re.compile(r"(?:меня зовут|с вами|вас приветствует|компания\s+[«\"]?[\w -]+[»\"]?,)\s*$",
                         re.IGNORECASE)


@lru_cache(maxsize=1)
def _natasha() -> tuple[Any, Any]:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def _ner(text: str) -> list[tuple[str, int, int]]:
    from natasha import Doc

    segmenter, tagger = _natasha()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    return [(s.type, s.start, s.stop) for s in doc.spans]


def _dictionary_names(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words that pymorphy3 reads as first names, patronymics, surnames."""
    words = list(_WORD_RE.finditer(text))
    # capitalised, not an acronym («ИНН» reads as the plural of «Инна»)
    tags = [person_tag(m.group()) if m.group()[0].isupper() and not m.group().isupper() else None for m in words]
    runs: list[tuple[int, int]] = []
    for i, (m, tag) in enumerate(zip(words, tags)):
        if tag is None:
            continue
        after_cue = i > 0 and words[i - 1].group().lower() == "фамилия"
        beside_name = any(0 <= k < len(tags) and tags[k] in ("Name", "Patr") for k in (i - 1, i + 1))
        if tag == "Surn" and not (after_cue or beside_name):
            continue
        if runs and runs[-1][1] == i - 1 and not text[words[i - 1].end():m.start()].strip():
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return [(words[a].start(), words[b].end()) for a, b in runs]


def ignore_key(term: str) -> tuple[str, ...]:
    return lemmas(term)


def find_name_spans(text: str, speaker: str, ignore: Iterable[tuple[str, ...]] = ()) -> list[TextSpan]:
    """Names («[имя]») in a line and, in the client's lines, places («[место]»)."""
    ignored = set(ignore)
    found: list[TextSpan] = []
    for kind, start, stop in _ner(text):
        if cannot_be_name(text[start:stop].split()[0]):
            continue
        if kind == "PER":
            found.append(TextSpan("name", start, stop, NER_DETECTOR))
        elif kind == "LOC" and speaker != "seller":
            found.append(TextSpan("place", start, stop, NER_DETECTOR))
    taken = [(s.char_start, s.char_end) for s in found]
    found += [
        TextSpan("name", a, b, MORPH_DETECTOR) for a, b in _dictionary_names(text)
        if not any(a < e and s < b for s, e in taken)
    ]
    return [
        s for s in found
        if lemmas(text[s.char_start:s.char_end]) not in ignored
        and not (speaker == "seller" and s.type == "name" and _SELF_INTRO.search(text[:s.char_start]))
    ]
