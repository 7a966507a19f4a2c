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

from checks.text.numbers import find_numbers
from pipeline.privacy.morph import cannot_be_name, lemma
from pipeline.privacy.spans import TextSpan
from pipeline.privacy.tokens import Token, gap, tokenize

DETECTOR = "address@2"

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
_OURS = frozenset({"наш", "наша", "наше", "нашего", "нашей", "нашем", "нас"})
_ADJ_END = re.compile(r".+(?:ск|цк|ов|ев|ин)(?:ая|ой|ий|ый|ом|ую|ое|ого|ее|ей)$")


def _is_number(tok: Token) -> bool:
    return tok.text[:1].isdigit() or bool(find_numbers([tok.text]))


def _joined(text: str, tokens: list[Token], i: int, j: int) -> bool:
    """Nothing but spaces between tokens i and j (adjacent)."""
    return not gap(text, tokens[i], tokens[j]).strip()


def _named(tok: Token) -> bool:
    return tok.raw[:1].isupper() or tok.raw[:1].isdigit()


def _street(text: str, tokens: list[Token], i: int) -> tuple[int, int] | None:
    """A street word at i with its name: «улица Садовая», «Ленинградской улице»."""
    j = i
    while j + 1 < len(tokens) and j - i < 3 and _named(tokens[j + 1]) and _joined(text, tokens, j, j + 1):
        j += 1
    if j > i:
        return i, j
    # a name in lower case counts when a house follows: «проспект мира, дом 120», «улица молодежная 46»
    while j + 1 < len(tokens) and j - i < 2 and tokens[j + 1].text.isalpha() and _joined(text, tokens, j, j + 1) \
            and not _HOUSE.fullmatch(tokens[j + 1].text) and not cannot_be_name(tokens[j + 1].raw):
        j += 1
    if j > i and j + 1 < len(tokens) and (_HOUSE.fullmatch(tokens[j + 1].text) or _is_number(tokens[j + 1])):
        return i, j
    prev = tokens[i - 1] if i > 0 else None
    if prev and _joined(text, tokens, i - 1, i) and (prev.raw[:1].isupper() or _ADJ_END.match(prev.text)) \
            and not cannot_be_name(prev.raw):  # «На улице» is no street name
        return i - 1, i
    return None


def _settlement(text: str, tokens: list[Token], i: int) -> tuple[int, int] | None:
    j = i
    while j + 1 < len(tokens) and j - i < 2 and tokens[j + 1].raw[:1].isupper() and _joined(text, tokens, j, j + 1):
        j += 1
    return (i, j) if j > i else None


def _house_parts(tokens: list[Token], i: int, after_street: bool) -> int:
    """The last token of the house parts from i («дом 5, корпус 2»), or i - 1 when there are none."""
    last = i - 1
    bare_ok = after_street
    while last + 1 < len(tokens):
        k = last + 1
        if bare_ok and _is_number(tokens[k]):
            k_end = k
        elif _HOUSE.fullmatch(tokens[k].text) and k + 1 < len(tokens) and _is_number(tokens[k + 1]):
            k_end = k + 1
        else:
            break
        while k_end + 1 < len(tokens) and _is_number(tokens[k_end + 1]) and not tokens[k_end + 1].text[:1].isdigit():
            k_end += 1  # «сто двадцать»
        last, bare_ok = k_end, False
    return last


def _pieces(text: str, tokens: list[Token]) -> list[tuple[int, int, bool]]:
    """(first, last, has a street or settlement) for each piece of an address."""
    pieces: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i].text
        named = _street(text, tokens, i) if _STREET.fullmatch(tok) else None
        named = named or (_settlement(text, tokens, i) if _SETTLEMENT.fullmatch(tok) else None)
        if named is not None:
            first, last = named
            last = max(last, _house_parts(tokens, last + 1, after_street=True))
            pieces.append((first, last, True))
            i = last + 1
            continue
        last = _house_parts(tokens, i, after_street=False)
        if last > i:
            pieces.append((i, last, False))
            i = last + 1
            continue
        i += 1
    return pieces


def _ours(tokens: list[Token], first: int) -> bool:
    return any(t.text in _OURS for t in tokens[max(0, first - 4):first])


def _street_words(tokens: list[Token]) -> set[str]:
    """The dictionary forms of an address's names, without its street and house words and numbers."""
    return {
        lemma(t.text) for t in tokens
        if t.text.isalpha() and len(t.text) > 1 and not _is_number(t)
        and not (_STREET.fullmatch(t.text) or _SETTLEMENT.fullmatch(t.text) or _HOUSE.fullmatch(t.text))
    }


def _companys(tokens: list[Token], ignore: Sequence[str]) -> bool:
    """The address of the company (a text fact of the standard: «улица Строителей дом двенадцать»)."""
    names = _street_words(tokens)
    return bool(names) and any(names <= _street_words(tokenize(term)) for term in ignore)


def find_address_spans(text: str, ignore: Sequence[str] = ()) -> list[TextSpan]:
    """Addresses in a line; `ignore` holds the company's own (any text from the standard will do)."""
    tokens = tokenize(text)
    merged: list[tuple[int, int, bool]] = []
    for first, last, named in _pieces(text, tokens):
        if merged and merged[-1][1] == first - 1:  # only punctuation between: one address
            merged[-1] = (merged[-1][0], last, merged[-1][2] or named)
        else:
            merged.append((first, last, named))
    return [
        TextSpan("address", tokens[first].start, tokens[last].end, DETECTOR)
        for first, last, named in merged
        if (named or sum(bool(_HOUSE.fullmatch(t.text)) for t in tokens[first:last + 1]) >= 2)
        and not _ours(tokens, first) and not _companys(tokens[first:last + 1], ignore)
    ]
