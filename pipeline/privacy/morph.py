"""pymorphy3 for the privacy detectors: dictionary forms, and whether a word is a first name,
patronymic or surname (pymorphy3 tags them `Name`, `Patr`, `Surn` from its dictionary)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=8192)
def lemma(word: str) -> str:
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


@lru_cache(maxsize=8192)
def person_tag(word: str) -> str | None:
    """"Name", "Patr" or "Surn" when the word's likeliest reading is one, else None."""
    tag = _morph().parse(word)[0].tag
    return next((g for g in ("Name", "Patr", "Surn") if g in tag), None)


_NOT_NAMES = frozenset({"VERB", "INFN", "GRND", "PRTS", "ADVB", "PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED"})


@lru_cache(maxsize=8192)
def cannot_be_name(word: str) -> bool:
    """A word whose likeliest reading is a verb, an adverb, a pronoun…: natasha tags a sentence's
    capitalised first word («Везите», «Подъедем») as a place or a person now and then."""
    return _morph().parse(word)[0].tag.POS in _NOT_NAMES


@lru_cache(maxsize=8192)
def pos(word: str) -> str | None:
    """The part of speech of the word's likeliest reading ("VERB", "PRCL", …)."""
    return _morph().parse(word)[0].tag.POS


@lru_cache(maxsize=8192)
def addresses_listener(word: str) -> bool:
    """A verb that speaks to the listener or of the speaker («пишите», «запишите», «диктую»,
    «звоните»), or an infinitive: the words that lead into what a client dictates. A past form
    («дымил») is no such word: in a reply it is more likely Whisper's garble of a name."""
    tag = _morph().parse(word)[0].tag
    return tag.POS == "INFN" or (tag.POS == "VERB" and (tag.mood == "impr" or tag.person in ("1per", "2per")))


@lru_cache(maxsize=8192)
def in_dictionary(word: str) -> bool:
    """pymorphy3 knows the word (it is not a guess from its ending): Whisper's garble is not."""
    return bool(_morph().word_is_known(word.lower()))


@lru_cache(maxsize=8192)
def joins_words(word: str) -> bool:
    """A preposition or a conjunction («на», «по», «до», «или»): between numbers it means
    something («600 на 250», «с 9 до 18»), it is no misheard digit."""
    return _morph().parse(word)[0].tag.POS in ("PREP", "CONJ")


@lru_cache(maxsize=8192)
def readings(word: str) -> frozenset[str]:
    """Which of "Name", "Patr", "Surn" any dictionary reading of the word has: «роман» is a
    novel first and a first name too; a guess from the ending («зигор») counts for nothing."""
    if not in_dictionary(word):
        return frozenset()
    return frozenset(g for p in _morph().parse(word) for g in ("Name", "Patr", "Surn") if g in p.tag)


@lru_cache(maxsize=8192)
def case_of(word: str) -> str | None:
    """The grammatical case of the word's likeliest reading («Москву»: "accs")."""
    return _morph().parse(word)[0].tag.case


@lru_cache(maxsize=8192)
def may_be_in_case(word: str, case: str) -> bool:
    """Some reading of the word is in this case: «Подольск» is the nominative first, and the
    accusative after «в» («а в Подольск вы возите?»)."""
    return any(p.tag.case == case for p in _morph().parse(word))


def lemmas(text: str) -> tuple[str, ...]:
    """The dictionary forms of a phrase's words, so «Анной» and «Анна» compare equal."""
    return tuple(lemma(w) for w in re.findall(r"[а-яёa-z0-9]+", text.lower()))


@lru_cache(maxsize=8192)
def finite_verb(word: str) -> bool:
    """A verb in the present or future a dictionary knows («интересует», «хочу»): it says what
    someone does; no name starts with one (a past form may be Whisper's garble of one: «дымил»)."""
    tag = _morph().parse(word)[0].tag
    return in_dictionary(word) and tag.POS == "VERB" and tag.tense in ("pres", "futr")


# a surname's or a patronymic's ending, which Whisper keeps when it garbles the rest («трявцева» for
# «Кудрявцева», «териламдерамич» for «Кирилл Андреевич»)
_PERSON_NAME_END = re.compile(r"(?:ов|ев|ёв|ин|ын|ский|цкий|ова|ева|ёва|ина|ына|ская|цкая|вич|вна|ична)$")


@lru_cache(maxsize=8192)
def garbled_person_name(word: str) -> bool:
    """A word no dictionary knows with a surname's or a patronymic's ending."""
    return len(word) > 3 and not in_dictionary(word) and bool(_PERSON_NAME_END.search(word.lower()))


@lru_cache(maxsize=8192)
def imperative(word: str) -> bool:
    """A verb in the imperative («представьтесь», «продиктуйте»): it asks the listener."""
    return _morph().parse(word)[0].tag.mood == "impr"


@lru_cache(maxsize=8192)
def geographic(word: str) -> bool:
    """A town, a river, a region by the dictionary («Подольске»)."""
    return any("Geox" in p.tag for p in _morph().parse(word))


@lru_cache(maxsize=8192)
def town_in_case(word: str, case: str) -> bool:
    """The word's likeliest reading is a place name the dictionary knows («троицке»: Троицк), and
    one of its place readings is in this case («loct» for «в троицке»); «в мире», «в поле» are none."""
    parses = _morph().parse(word)
    return in_dictionary(word) and "Geox" in parses[0].tag and any("Geox" in p.tag and p.tag.case == case for p in parses)
