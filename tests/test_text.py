"""Text normalisation: lemmas, ё folding, numbers as digits, evidence spans."""

import pytest

from checks.text.matching import best_match, evidence_for, match_phrase
from checks.text.normalise import normalise_text, normalise_utterance
from tests.helpers import utt


def test_lowercases_and_folds_yo():
    norm = normalise_text("Ещё ОБЪЁМ")
    assert [t.text for t in norm.tokens] == ["еще", "объем"]


def test_punctuation_is_dropped_but_word_indices_kept():
    norm = normalise_text("Добрый день, компания!")
    assert [t.text for t in norm.tokens] == ["добрый", "день", "компания"]
    assert [t.word_start for t in norm.tokens] == [0, 1, 2]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("две тысячи пятьсот рублей", "2500 рублей"),
        ("в десять утра", "10:00"),
        ("до восьми вечера", "до 20:00"),
        ("стоит 2 500 рублей", "стоит 2500 рублей"),
    ],
)
def test_numbers_become_digits(text, expected):
    assert expected in normalise_text(text).surface


def test_number_token_maps_back_to_all_its_words():
    norm = normalise_text("цена две тысячи пятьсот")
    number = norm.tokens[1]
    assert (number.text, number.word_start, number.word_end) == ("2500", 1, 4)


@pytest.mark.parametrize("said", ["давайте встретимся", "предлагаю встречу", "можем встретиться"])
def test_lemma_keys_match_across_word_forms(said):
    assert match_phrase("встретиться", normalise_text(said), 80) is not None


def test_unrelated_phrase_does_not_match():
    assert match_phrase("давайте встретимся", normalise_text("доставка стоит дорого"), 78) is None


def test_misheard_company_name_still_matches():
    text = normalise_text("добрый день компания с третом меня зовут ирина")
    assert best_match(["компания СтройДом"], text, 78, surface=True) is not None


def test_short_text_does_not_fully_match_long_reference():
    found = match_phrase("добрый день компания меня зовут чем могу помочь", normalise_text("добрый день"), 78)
    assert found is None


def test_evidence_quotes_the_matched_words_with_their_times():
    u = utt("seller", 10.0, "да конечно давайте встретимся в четверг")
    norm = normalise_utterance(u)
    found = match_phrase("давайте встретимся", norm, 78)
    ev = evidence_for(u, norm, found)
    assert ev.quote == "давайте встретимся"
    assert ev.start == pytest.approx(10.7) and ev.end < 12.1
    assert ev.speaker == "seller" and ev.reference == "давайте встретимся"


@pytest.mark.parametrize(("text", "expected"), [
    ("2000-500 рублей", ["2500", "рублей"]),
    ("2-3 недели", ["2", "-3", "недели"]),
    ("с 9-00", ["с", "9", "0"]),
])
def test_dash_inside_a_number_reaches_the_numbers_reader(text, expected):
    assert [t.text for t in normalise_text(text).tokens] == expected


def test_short_keyword_matches_the_start_of_a_word_only():
    from checks.text.matching import keyword_found
    assert keyword_found("опт", normalise_text("при оптовой покупке"))
    assert not keyword_found("опт", normalise_text("ясно, а вы от себя звоните"))
    assert not keyword_found("до скольки", normalise_text("добрый день, сколько стоит"))


def test_glued_place_name_is_found_inside_a_misheard_word():
    from checks.text.matching import keyword_found
    assert keyword_found("подольск", normalise_text("Ставца автоподольств стоит 4000 рублей"))


def test_short_keyword_after_a_glued_preposition():
    from checks.text.matching import keyword_found
    assert keyword_found("куб", normalise_text("закубами газобетона 4500 рублей"))
    assert not keyword_found("куб", normalise_text("закупка газобетона"))


@pytest.mark.parametrize(("text", "expected"), [
    ("потори и футри тысячи рублей", "потори и 3000 рублей"),  # a garbled «три» before «тысячи»
    ("у нас до сейми вечера", "у нас до 19:00"),
    ("три тысячи рублей", "3000 рублей"),
    ("внутри тысячи мелочей", "внутри ~1000 мелочей"),  # a dictionary word is never read as a number
])
def test_misheard_numeral_before_a_unit_word_is_read(text, expected):
    assert normalise_text(text).surface == expected


def test_long_keyword_after_a_glued_preposition():
    from checks.text.matching import keyword_found
    assert keyword_found("будни", normalise_text("а подбудними до скольки можно"))
    assert not keyword_found("будни", normalise_text("добрый день"))


def test_a_keyword_first_asked_after_the_line_was_indexed_is_still_found():
    """A line is indexed by the keyword words known when it is first asked about; a keyword the
    process meets later (another standard, another fact) extends the index, never misses."""
    from checks.text.matching import keyword_words
    line = normalise_text("а без монтажа сколько стоит, и доставка в Подольск есть?")
    assert keyword_words("стоит", line) == {4}
    assert keyword_words("подольскую доставку", line) == {6, 8}  # two words, the line's form of each
    assert keyword_words("монтаж", line) == frozenset()  # «без монтажа» asks of no fitting
    assert keyword_words("стоит", normalise_text("стоит ли ждать")) == {0}


def test_a_phrase_list_is_searched_under_any_cut_off():
    """The list's screen takes the cut-off less the filler slack: below zero it must still search."""
    found = best_match(["да"], normalise_text("да"), 10.0)
    assert found is not None and found.score == 100.0
