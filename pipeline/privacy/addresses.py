"""Addresses: a street word with what follows («улица Садовая, дом 5, квартира 12»).

An address is built from pieces that follow each other with only punctuation between: a settlement
(«деревне Ивановка», «СНТ Ромашка»), a street (its word and its name, after it or before it:
«улица Садовая», «Ленинградской улице»), and the parts of a house («дом 5», «корпус 2», «квартира
сто двенадцать»; right after a street a bare number is the house). A street word with no name by it
is not an address («на улице холодно»), nor is a house number alone («на дом нужно»). The company
saying where it is («наш офис на Варшавском шоссе») is not personal data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from checks.text.numbers import find_numbers
from pipeline.privacy.morph import cannot_be_name, in_dictionary, lemma
from pipeline.privacy.spans import TextSpan
from pipeline.privacy.tokens import Token, gap, is_number, tokenize

DETECTOR = "address@6"

_STREET = re.compile(
    r"ул|улиц[аеуыи]|улицей|проспект[аеу]?|пр-т|переул(?:ок|ке|ка|ку)|шоссе|бульвар[аеу]?|набережн(?:ая|ой|ую)"
    r"|площад(?:ь|и)|проезд[аеу]?|тупик[аеу]?|алле(?:я|е|ю|и)|микрорайон[аеу]?|мкр|линия|линии"
)
_SETTLEMENT = re.compile(
    r"деревн[яеиюй]|дер|сел[оеау]|посел(?:ок|ке|ка|ку)|пос|пгт|снт|днт|днп|хутор[еау]?|станиц[аеыу]|кп"
)
_HOUSE = re.compile(
    r"дом[ау]?|д|квартир[аеуы]|кв|корпус[аеу]?|корп|к|строени[еяю]|стр|участ(?:ок|ке|ка|ку)|подъезд|этаж|владени[еяю]|вл"
)
# Whisper glues a street word to its name («бульварсадовый») or splits «улица» («У лица Ленина»)
_GLUED_STREET = re.compile(r"(?:улиц[аеуы]|проспект|переул(?:ок|ке)|бульвар|шоссе)[а-я]{3,}")
# the seller asked for an address, or the line says it is one («адрес такой…»): a house alone is one
_ADDRESS_CUE = re.compile(r"(?<![а-яё])адрес", re.IGNORECASE)
# words that end the stretch before a house that an address cue makes an address: the cue itself
# and the carrier's words («адрес такой», «пишите»); pymorphy3 stops verbs, pronouns, particles…
_NOT_ADDRESS = frozenset({"адрес", "адреса", "такой", "такая", "вот", "это", "значит", "доставки", "доставка"})
_OURS = frozenset({"наш", "наша", "наше", "нашего", "нашей", "нашем", "нас"})
# the words Whisper garbles («уница», «праспект»): an unknown word this close to one is one
_STREET_WORDS = ("улица", "проспект", "переулок", "бульвар", "шоссе", "набережная", "площадь", "проезд")
_SETTLEMENT_WORDS = ("деревня", "поселок", "посёлок", "село", "станица")
_MISHEARD_RATIO = 0.75
# how close a garbled street name is to the company's (difflib's ratio of the letters)
_GARBLE_RATIO = 0.6
# words between a street word and a house that may be its name garbled
_GARBLED_NAME_WORDS = 4
# a street's name said before its word is an adjective («Ленинградской», «шткольная» for «Школьная»)
_ADJ_END = re.compile(r".{3,}(?:ая|яя|ой|ий|ый|ом|ую|ое|ого|ее|ей)$")


def is_place_word(word: str) -> bool:
    """A street, settlement or house word («улица», «деревня», «дом», «квартира»), lower case."""
    return names_a_street(word) or bool(_HOUSE.fullmatch(word.lower()))


def names_a_street(word: str) -> bool:
    """A street or settlement word («улица», «проспект», «деревня»), glued to its name or not."""
    word = word.lower()
    return bool(_STREET.fullmatch(word) or _SETTLEMENT.fullmatch(word) or _GLUED_STREET.fullmatch(word))


def _joined(text: str, tokens: list[Token], i: int, j: int) -> bool:
    """Nothing but spaces between tokens i and j (adjacent)."""
    return not gap(text, tokens[i], tokens[j]).strip()


def _named(tok: Token) -> bool:
    return tok.raw[:1].isupper() or tok.raw[:1].isdigit()


def _is_street_word(tokens: list[Token], i: int) -> bool:
    tok = tokens[i].text
    return bool(_STREET.fullmatch(tok) or _GLUED_STREET.fullmatch(tok)) or (
        tok == "лица" and i > 0 and tokens[i - 1].text == "у") or _misheard_as(tok, _STREET_WORDS)


def _misheard_as(word: str, forms: tuple[str, ...]) -> bool:
    """A word no dictionary knows, close in its letters to one of `forms`: Whisper's garble of a
    street or settlement word («уница» for «улица», «деревница» for «деревня»)."""
    return len(word) >= 4 and word.isalpha() and not in_dictionary(word) \
        and any(SequenceMatcher(None, word, form).ratio() >= _MISHEARD_RATIO for form in forms)


def _name_before(text: str, tokens: list[Token], i: int) -> bool:
    """The word right before the street word at i is its name: «Ленинградской улице», «полевой
    проспект 25»; «На улице» is no street name."""
    prev = tokens[i - 1] if i > 0 else None
    return bool(prev and _joined(text, tokens, i - 1, i) and (prev.raw[:1].isupper() or _ADJ_END.match(prev.text))
                and not cannot_be_name(prev.raw))


def _street(text: str, tokens: list[Token], i: int) -> tuple[int, int] | None:
    """A street word at i with its name: «улица Садовая», «Ленинградской улице»."""
    if _GLUED_STREET.fullmatch(tokens[i].text):
        return i, i  # «бульварсадовый»: the name is inside
    first = i - 1 if tokens[i].text == "лица" else i  # «У лица Ленина»
    j = i
    while j + 1 < len(tokens) and j - i < 3 and _named(tokens[j + 1]) and _joined(text, tokens, j, j + 1):
        j += 1
    if j > i:
        # «полевой проспект 25»: a house number after the street word, its name before it
        return (first - 1 if first == i and _name_before(text, tokens, i) else first), j
    if first < i:
        return None  # «у лица» alone is a face
    # a name in lower case counts when a house follows: «проспект мира, дом 120», «улица молодежная 46»,
    # and then a comma may stand after the street word: «переулок, березовый дом 96»
    while j + 1 < len(tokens) and j - i < 2 and tokens[j + 1].text.isalpha() \
            and gap(text, tokens[j], tokens[j + 1]).strip() in ("", ",") \
            and not _HOUSE.fullmatch(tokens[j + 1].text) and not cannot_be_name(tokens[j + 1].raw):
        j += 1
    if j > i and j + 1 < len(tokens) and (_HOUSE.fullmatch(tokens[j + 1].text) or is_number(tokens[j + 1])):
        return (i - 1 if _name_before(text, tokens, i) else i), j
    if _name_before(text, tokens, i):
        return i - 1, i
    # a name Whisper garbled into several words («на улице, вот к зельно я, дом 35» for «…Вокзальная…»):
    # a house follows within a few words of the same sentence
    for h in range(i + 2, min(len(tokens) - 1, i + 2 + _GARBLED_NAME_WORDS)):
        if re.search(r"[.!?]", gap(text, tokens[h - 1], tokens[h])):
            break
        if _HOUSE.fullmatch(tokens[h].text) and is_number(tokens[h + 1]):
            return i, h - 1
    return None


def _settlement(text: str, tokens: list[Token], i: int) -> tuple[int, int] | None:
    """A settlement word at i with its name: «деревня Ивановка», and its name Whisper wrote in lower
    case as a word no dictionary knows («Деревница сновка» for «деревня Сосновка»)."""
    j = i
    while j + 1 < len(tokens) and j - i < 2 and _joined(text, tokens, j, j + 1) and (
            tokens[j + 1].raw[:1].isupper() or j == i and tokens[j + 1].text.isalpha() and not in_dictionary(tokens[j + 1].text)):
        j += 1
    return (i, j) if j > i else None


def _house_parts(tokens: list[Token], i: int, after_street: bool) -> int:
    """The last token of the house parts from i («дом 5, корпус 2»), or i - 1 when there are none."""
    last = i - 1
    bare_ok = after_street
    while last + 1 < len(tokens):
        k = last + 1
        if bare_ok and is_number(tokens[k]):
            k_end = k
        elif _HOUSE.fullmatch(tokens[k].text) and k + 1 < len(tokens) and is_number(tokens[k + 1]):
            k_end = k + 1
        elif _HOUSE.fullmatch(tokens[k].text) and k + 2 < len(tokens) and len(tokens[k + 1].text) == 1 \
                and tokens[k + 1].text.isalpha() and tokens[k + 2].text[:1].isdigit():
            k_end = k + 2  # «дом в 83»: Whisper's «дом восемьдесят три»
        else:
            break
        while k_end + 1 < len(tokens) and is_number(tokens[k_end + 1]) and not tokens[k_end + 1].text[:1].isdigit():
            k_end += 1  # «сто двадцать»
        last, bare_ok = k_end, False
    return last


def _pieces(text: str, tokens: list[Token]) -> list[tuple[int, int, bool]]:
    """(first, last, has a street or settlement) for each piece of an address."""
    pieces: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i].text
        named = _street(text, tokens, i) if _is_street_word(tokens, i) else None
        named = named or (_settlement(text, tokens, i)
                          if _SETTLEMENT.fullmatch(tok) or _misheard_as(tok, _SETTLEMENT_WORDS) else None)
        if named is not None:
            first, last = named
            last = max(last, _house_parts(tokens, last + 1, after_street=True))
            pieces.append((first, last, True))
            i = last + 1
            continue
        if _settlement_in_lower_case(text, tokens, i):
            # «Деревница сновка. Проспект мира, дом 73»: its name Whisper heard as a common word; an
            # address only when a street or a house goes on from it
            pieces.append((i, i + 1, False))
            i += 2
            continue
        last = _house_parts(tokens, i, after_street=False)
        if last > i:
            pieces.append((i, last, False))
            i = last + 1
            continue
        i += 1
    return pieces


def _settlement_in_lower_case(text: str, tokens: list[Token], i: int) -> bool:
    """A settlement word at i with a lower-case word that may be its name after it (no verb, no
    adverb by its form)."""
    tok = tokens[i].text
    return (bool(_SETTLEMENT.fullmatch(tok)) or _misheard_as(tok, _SETTLEMENT_WORDS)) and i + 1 < len(tokens) \
        and _joined(text, tokens, i, i + 1) and tokens[i + 1].text.isalpha() and len(tokens[i + 1].text) > 2 \
        and not cannot_be_name(tokens[i + 1].raw)


def _ours(tokens: list[Token], first: int, seller: bool) -> bool:
    """«наш офис на…», and in the seller's line «мы» too: «Мы располагаемся на улице…» is the company."""
    ours = _OURS | {"мы"} if seller else _OURS
    return any(t.text in ours for t in tokens[max(0, first - 4):first])


def _street_words(tokens: list[Token]) -> set[str]:
    """The dictionary forms of an address's names, without its street and house words and numbers."""
    return {
        lemma(t.text) for t in tokens
        if t.text.isalpha() and len(t.text) > 1 and not is_number(t)
        and not (_STREET.fullmatch(t.text) or _SETTLEMENT.fullmatch(t.text) or _HOUSE.fullmatch(t.text))
    }


def _house_numbers(tokens: list[Token]) -> tuple[float, ...]:
    return tuple(n.value for n in find_numbers([t.text for t in tokens]) if n.kind == "number")


@lru_cache(maxsize=1024)
def _term_address(term: str) -> tuple[frozenset[str], tuple[float, ...], bool]:
    """An ignore term's street words and house numbers, and whether it names a street: the same
    few terms are read for every address a night's calls hold."""
    tokens = tokenize(term)
    return (frozenset(_street_words(tokens)), _house_numbers(tokens),
            any(_is_street_word(tokens, i) for i in range(len(tokens))))


def _companys(tokens: list[Token], ignore: Sequence[str], seller: bool) -> bool:
    """The address of the company (a text fact of the standard: «улица Строителей дом двенадцать»):
    its street's words, or, as Whisper garbles a street name («на улице в строительный дом 12»), its
    house numbers and a street close to the company's (said by the seller: either)."""
    names = _street_words(tokens)
    numbers = _house_numbers(tokens)
    for term in ignore:
        own, own_numbers, is_address = _term_address(term)
        if names and names <= own:
            return True
        if not is_address:
            continue
        same_house = bool(numbers) and numbers == own_numbers
        close_street = any(SequenceMatcher(None, a, b).ratio() >= _GARBLE_RATIO for a in names for b in own)
        # Whisper garbles the seller's office address («на улице в строительник, дом 2» for
        # «…Строителей, дом 12»): the seller's is the company's by its house or by its street
        if (same_house or close_street) if seller else (same_house and close_street):
            return True
    return False


def _address_like(tok: Token) -> bool:
    return tok.text not in _NOT_ADDRESS and not cannot_be_name(tok.raw) and tok.text != "у"


def _extend_left(text: str, tokens: list[Token], first: int) -> int:
    """After an address cue, the words just before a house that Whisper did not write as a street
    («деревьевановка, бульварсадовый, дом 56»): up to four, back to a carrier word or a sentence's end."""
    k = first
    while k > 0 and first - k < 4 and not re.search(r"[.!?]", gap(text, tokens[k - 1], tokens[k])) \
            and _address_like(tokens[k - 1]):
        k -= 1
    return k


def _merge(text: str, tokens: list[Token], pieces: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    """Pieces with only punctuation between them, or one word of a letter or two that Whisper made
    of a street's ending («улица Водгазальна я, дом 10»), are one address."""
    merged: list[tuple[int, int, bool]] = []
    for first, last, named in pieces:
        between = tokens[merged[-1][1] + 1:first] if merged else []
        if merged and (not between or (len(between) == 1 and len(between[0].text) <= 2 and between[0].text.isalpha())):
            merged[-1] = (merged[-1][0], last, merged[-1][2] or named)
        else:
            merged.append((first, last, named))
    return merged


def find_address_spans(text: str, ignore: Sequence[str] = (), before: str = "", speaker: str = "client") -> list[TextSpan]:
    """Addresses in a line; `ignore` holds the company's own (any text from the standard will do);
    `before` is the line before it: after «Адрес доставки какой?» a house alone is an address, with
    the words before it."""
    tokens = tokenize(text)
    found = []
    for first, last, named in _merge(text, tokens, _pieces(text, tokens)):
        houses = sum(bool(_HOUSE.fullmatch(t.text)) for t in tokens[first:last + 1])
        cued = bool(_ADDRESS_CUE.search(before) or _ADDRESS_CUE.search(text[:tokens[first].start]))
        if not (named or houses >= 2 or cued) or _ours(tokens, first, speaker == "seller") \
                or _companys(tokens[first:last + 1], ignore, speaker == "seller"):
            continue
        if cued:
            first = _extend_left(text, tokens, first)
        found.append(TextSpan("address", tokens[first].start, tokens[last].end, DETECTOR))
    return found
