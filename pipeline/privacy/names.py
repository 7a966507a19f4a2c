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
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

from pipeline.privacy.morph import cannot_be_name, in_dictionary, lemmas, may_be_in_case, person_tag, readings, town_in_case
from pipeline.privacy.spans import TextSpan

NER_DETECTOR = "natasha-ner@1.6.0+3"  # natasha's version, then callqa's corrections of what it finds
MORPH_DETECTOR = "pymorphy3-names@4"

# «Ало, здравствуйте»: the dictionary reads Whisper's spelling of «алло» as a first name
_HELLO_SPELLINGS = frozenset({"ало", "алё", "алле"})
_WORD_RE = re.compile(r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)?")
_SURNAME_END = re.compile(r"(?:ов|ев|ёв|ин|ын|ский|цкий|ова|ева|ина|ына|ская|цкая)$")
# the seller introducing themselves: that name is the seller's, never the client's personal data
_SELF_INTRO = re.compile(r"(?:меня зовут|с вами|на связи|вас приветствует|компания\s+[«\"]?[\w -]+[»\"]?,)\s*$",
                         re.IGNORECASE)


@lru_cache(maxsize=1)
def _tagger() -> Any:
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


def ner_spans(texts: Sequence[str]) -> list[list[tuple[str, int, int]]]:
    """natasha's (type, start, stop) spans for each text; all of a call's lines in one batch, which
    is about five times faster than one line at a time (the CNN runs on padded batches)."""
    tagger = _tagger()
    out: list[list[tuple[str, int, int]]] = [[] for _ in texts]
    todo = [i for i, t in enumerate(texts) if t.strip()]
    for i, markup in zip(todo, tagger.map([texts[i] for i in todo])):
        out[i] = [(s.type, s.start, s.stop) for s in markup.spans]
    return out


def _dictionary_tag(word: str) -> str | None:
    """A capitalised word's person tag (not an acronym: «ИНН» reads as the plural of «Инна»); a
    first name or patronymic must be in the dictionary, not guessed from its ending as pymorphy3
    does for Whisper's garble («Адрич»); a surname may be guessed, it counts only by a name."""
    if not word[0].isupper() or word.isupper():
        return None
    tag = person_tag(word)
    return None if tag in ("Name", "Patr") and not in_dictionary(word) else tag


def _dictionary_names(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words that pymorphy3 reads as first names, patronymics, surnames."""
    words = list(_WORD_RE.finditer(text))
    tags = [_dictionary_tag(m.group()) for m in words]
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


# a colleague is named after a job or a transfer («переключу на Степана», «логист Игорь») or asked
# for («А Зинаида сегодня работает?»): staff, like the sellers, are never the client's personal data
_STAFF_BEFORE = re.compile(
    r"(?:менеджер|коллег|логист|замерщик|монтажник|технолог|инженер|бухгалтер|консультант|специалист"
    r"|директор|руководител|мастер|дизайнер|прораб|водител|оператор|сотрудник|администратор"
    r"|перевед|перевож|переключ|соедин|передам|передаю|поговорить)[а-яё]*[\s,]+(?:[а-яё]+[\s,]+){0,2}$",
    re.IGNORECASE)
_STAFF_AFTER = re.compile(r"^[\s,]*(?:сегодня\s+|сейчас\s+)?(?:работает|на месте|свободн|к телефону|на связи|(?:он|она) у нас)",
                          re.IGNORECASE)
# «по Москве», «по области»: where the company delivers or works, not where the client lives
_AREA_BEFORE = re.compile(r"(?<![а-яё])(?:по|в пределах|в черте|за)\s+$", re.IGNORECASE)
_ADDRESS_AFTER = re.compile(r"[\s,]+(?:ул|улиц|проспект|пр-т|переул|шоссе|бульвар|набережн|дом|д\.|мкр|микрорайон)",
                            re.IGNORECASE)
_TO_BEFORE = re.compile(r"(?<![а-яё])(в|во|до)\s+$", re.IGNORECASE)


def _destination(text: str, start: int, stop: int) -> bool:
    """«доставите в Москву?», «сколько до Подольска?»: where the goods go (accusative after «в»,
    genitive after «до»), not where the client lives («живу в Подольске»)."""
    m = _TO_BEFORE.search(text[:start])
    if m is None or _ADDRESS_AFTER.match(text[stop:]):  # «Везите в Домодедово, улица Советская…»: an address
        return False
    case = {"в": "accs", "во": "accs", "до": "gent"}[m.group(1).lower()]
    return may_be_in_case(text[start:stop].split()[0], case)


_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s*)$")


# «мой коллега», «моя начальница»: the client's own people, not the company's
_CLIENTS_OWN = re.compile(r"(?<![а-яё])(?:мо[йяеи]|моего|моей|моему)\s+[а-яё]+[\s,]+(?:[а-яё]+[\s,]+){0,2}$", re.IGNORECASE)


def _staff(text: str, start: int, end: int, speaker: str) -> bool:
    before = _STAFF_BEFORE.search(text[:start])
    if before and speaker != "seller" and _CLIENTS_OWN.search(text[:start]):
        return False
    return bool(before or _STAFF_AFTER.match(text[end:]))


def _capitalised_word(text: str, start: int, end: int) -> bool:
    """natasha reads a sentence's capitalised first word («Безналом от фирмы…») as a person now and
    then; one word that pymorphy3 knows as something else is no name there."""
    word = text[start:end]
    return " " not in word and bool(_SENTENCE_START.search(text[:start])) and person_tag(word) is None


def ignore_key(term: str) -> tuple[str, ...]:
    return lemmas(term)


# the seller asked for the client's name, or the client is giving it: a first name in lower case is one
_NAME_ASKED = re.compile(r"зовут|зовите|обращаться|имя|имени|фамили|как (?:вас|к вам) запис", re.IGNORECASE)
# the seller introducing themselves («моё имя Артём», «меня зовут Анна») asks for no name
_OWN_NAME = re.compile(r"мо[её] имя|меня зовут", re.IGNORECASE)
_WORD_3 = re.compile(r"(?<![А-ЯЁа-яё-])[А-ЯЁа-яё]{3,}(?![А-ЯЁа-яё-])")


def _surname_like(word: str, tags: frozenset[str]) -> bool:
    """A surname or patronymic reading, or a word no dictionary knows with a surname's ending
    («астровский» for «Островский»)."""
    return bool(tags & {"Surn", "Patr"}) or (not in_dictionary(word) and bool(_SURNAME_END.search(word)))


def _lower_case_names(text: str, before: str) -> list[tuple[int, int]]:
    """Names Whisper wrote in lower case («зовите анатолий покровский»), where natasha finds nothing:
    a word with a first-name reading (or a surname as its likeliest) after the name was asked for,
    or a first name beside a surname reading; it takes the surnames and patronymics beside it, in
    either case («Островская дина»)."""
    words = list(_WORD_3.finditer(text))
    tags = [readings(m.group()) for m in words]
    asked_before = bool(_NAME_ASKED.search(_OWN_NAME.sub("", before)))
    cues = [c.end() for c in _NAME_ASKED.finditer(text)]
    runs: list[tuple[int, int]] = []
    for i, m in enumerate(words):
        # the line's own cue counts for the words after it in its sentence («…номер вы с имя 182»
        # asks nothing of «рит» before it)
        asked = asked_before or any(c <= m.start() and not re.search(r"[.!?]", text[c:m.start()]) for c in cues)
        # a first name; or, once the name was asked for, a word whose likeliest reading is a surname
        if not m.group().islower() or not ("Name" in tags[i] or (asked and person_tag(m.group()) == "Surn")) \
                or (runs and runs[-1][1] >= i):
            continue
        beside = [k for k in (i - 1, i + 1) if 0 <= k < len(words) and _surname_like(words[k].group(), tags[k])
                  and not text[min(words[k].end(), m.end()):max(words[k].start(), m.start())].strip()]
        if asked or beside:
            runs.append((min([i, *beside]), max([i, *beside])))
    return [(words[a].start(), words[b].end()) for a, b in runs]


# where the client is: a town after these in the case they take («в троицке», «из коломны», «под
# серпуховом»); «по», «до», «за» and «в» with the accusative say where goods go, not where one is
_WHERE = {"в": "loct", "во": "loct", "из": "gent", "под": "ablt"}
_AFTER_WHERE = re.compile(r"(?<![а-яё])(в|во|из|под)\s+([а-яё]{3,})(?![а-яё-])")


def _lower_case_towns(text: str) -> list[tuple[int, int]]:
    """Towns Whisper wrote in lower case («дом строим в троицке»), where natasha finds nothing: a
    word whose likeliest pymorphy3 reading is a place name, in the case its preposition takes for
    where one is."""
    found = []
    for m in _AFTER_WHERE.finditer(text):
        word = m.group(2)
        if town_in_case(word, _WHERE[m.group(1)]):
            found.append((m.start(2), m.end(2)))
    return found


def find_name_spans(text: str, speaker: str, ignore: Iterable[tuple[str, ...]] = (),
                    ner: Sequence[tuple[str, int, int]] | None = None, before: str = "") -> list[TextSpan]:
    """Names («[имя]») in a line and, in the client's lines, places («[место]»); `ner` is the line's
    `ner_spans` when the caller ran them for the whole call; `before` is the line before it."""
    ignored = set(ignore)
    found: list[TextSpan] = []
    for kind, start, stop in ner_spans([text])[0] if ner is None else ner:
        if cannot_be_name(text[start:stop].split()[0]):
            continue
        if kind == "PER":
            found.append(TextSpan("name", start, stop, NER_DETECTOR))
        elif kind == "LOC" and speaker != "seller" and not _AREA_BEFORE.search(text[:start]) \
                and not _destination(text, start, stop) \
                and any(in_dictionary(w) for w in _WORD_RE.findall(text[start:stop])):  # not Whisper's garble
            found.append(TextSpan("place", start, stop, NER_DETECTOR))
    taken = [(s.char_start, s.char_end) for s in found]
    found += [
        TextSpan("name", a, b, MORPH_DETECTOR) for a, b in _dictionary_names(text)
        if not any(a < e and s < b for s, e in taken)
    ]
    if speaker != "seller":
        for a, b in _lower_case_names(text, before):
            # «надежда Николаевна»: natasha took the capitalised half; the span grows to both
            hit = next((k for k, s in enumerate(found) if s.type == "name" and a < s.char_end and s.char_start < b), None)
            if hit is None:
                found.append(TextSpan("name", a, b, MORPH_DETECTOR))
            elif not any(a < s.char_end and s.char_start < b for s in found if s.type != "name"):
                k = found[hit]
                found[hit] = TextSpan("name", min(a, k.char_start), max(b, k.char_end), k.detector)
        taken = [(s.char_start, s.char_end) for s in found]
        found += [TextSpan("place", a, b, MORPH_DETECTOR) for a, b in _lower_case_towns(text)
                  if not any(a < e and s < b for s, e in taken)]
    kept = [
        _with_garbled_neighbours(text, s) if s.type == "name" else s for s in found
        if lemmas(text[s.char_start:s.char_end]) not in ignored
        and text[s.char_start:s.char_end].strip(".,!?").lower() not in _HELLO_SPELLINGS
        and not (s.type == "name" and _not_the_clients(text, s, speaker))
    ]
    return [s for s in kept if not _garbled_ignored(text[s.char_start:s.char_end], ignored)]


# how close Whisper's garble of a product or the company is to it (difflib's ratio of the letters);
# a dictionary name is never taken for one («Кирилл» is 0.67 from «кирпич»)
_GARBLE_RATIO = 0.6


def _garbled_ignored(span: str, ignored: Iterable[tuple[str, ...]]) -> bool:
    """Whisper's garble of a product or the company («Миталла черепиться» for «металлочерепица»,
    «Рой том» for «СтройДом»): no word of it is a name in the dictionary, and its letters are close
    to an ignore term's."""
    words = _WORD_RE.findall(span)
    if not words or any(readings(w) for w in words):
        return False
    letters = "".join(words).lower()
    return any(SequenceMatcher(None, letters, "".join(term)).ratio() >= _GARBLE_RATIO for term in ignored)


_WORD_BEFORE = re.compile(r"([А-ЯЁа-яё]{3,}) +$")
_WORD_AFTER = re.compile(r"^ +([А-ЯЁа-яё]{3,})")


def _with_garbled_neighbours(text: str, span: TextSpan) -> TextSpan:
    """A name with the word right beside it that no dictionary knows: Whisper writes a surname it
    did not know as garble, often in lower case («На меня карбав Владимир»)."""
    a, b = span.char_start, span.char_end
    before, after = _WORD_BEFORE.search(text[:a]), _WORD_AFTER.match(text[b:])
    if before and not in_dictionary(before.group(1)):
        a = before.start(1)
    if after and not in_dictionary(after.group(1)):
        b += after.end(1)
    return TextSpan(span.type, a, b, span.detector)


def _not_the_clients(text: str, span: TextSpan, speaker: str) -> bool:
    a, b = span.char_start, span.char_end
    own_intro = speaker == "seller" and bool(_SELF_INTRO.search(text[:a]))
    return own_intro or _staff(text, a, b, speaker) or (span.detector == NER_DETECTOR and (
        _capitalised_word(text, a, b) or (speaker == "seller" and _garbled_word(text[a:b]))))


def _garbled_word(word: str) -> bool:
    """One word no dictionary knows, in the seller's line: Whisper's mishearing («Адрич» for
    «Адрес», «Крубами»), which natasha tags as a person for its capital; a client's name the
    seller repeats is a first name pymorphy3 knows."""
    return " " not in word.strip() and not in_dictionary(word.strip())
