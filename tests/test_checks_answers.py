"""wrong_answer reads a duration said in hours (v9): «шесть часов» is normalised to the clock time
«06:00», which a fact in hours did not read. The lines are written for this test."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from checks.analyze import analyze_transcript
from checks.dialogue.hours import fact_bound
from checks.dialogue.questions import asked_units, stated_values, text_contradiction
from checks.standard import load_standard
from checks.text.normalise import normalise_text
from tests.helpers import call, utt

OKNA = Path(__file__).resolve().parent.parent / "scripts_ref" / "okna.yaml"  # install_hours: 3 hours


@pytest.fixture(scope="module")
def standard():
    return load_standard(OKNA)


@pytest.mark.parametrize("line, hours", [
    ("Бригада тратит на одно окно пять часов.", [5.0]),
    ("Обычно справляемся за семь часов.", [7.0]),
    ("Мастер приедет в пять часов.", []),  # a time of day, not a duration
    ("Работаем до восьми часов.", []),
])
def test_a_duration_in_hours_is_read_as_hours(line, hours):
    assert [v.value for v in stated_values(normalise_text(line), "hours")] == hours


def _wrong(standard, reply: str) -> list:
    lines = (("seller", 0.0, "Добрый день, компания Теплый Дом, меня зовут Ольга."),
             ("client", 4.0, "А сколько часов занимает монтаж одного окна?"),
             ("seller", 8.0, reply))
    return [f for f in analyze_transcript(call(*lines), standard).findings if f.type == "wrong_answer"]


def test_a_wrong_duration_in_words_is_a_wrong_answer(standard):
    found = _wrong(standard, "Монтаж одного окна у нас идет пять часов.")
    assert len(found) == 1 and found[0].details["stated"] == "5 ч"
    assert _wrong(standard, "Монтаж одного окна у нас идет три часа.") == []


# v10: the lines below are written for these tests, not taken from any phrase bank
DEMO = Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml"
GREETING = ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина.")


@pytest.fixture(scope="module")
def demo():
    return load_standard(DEMO)


def _found(standard, kind: str, *lines) -> list:
    return [f for f in analyze_transcript(call(GREETING, *lines), standard).findings if f.type == kind]


def test_an_interruption_before_the_value_is_no_evasive_answer(demo):
    asked = ("client", 4.0, "А по Москве доставка сколько стоит?")
    answered = _found(demo, "evasive_answer", asked, ("seller", 8.0, "Ой, не знаю, где-то тут было, секунду."),
                      ("seller", 12.0, "Вот, по Москве привезем за полторы тысячи."))
    assert answered == []
    # without the value after it the same line still evades
    assert len(_found(demo, "evasive_answer", asked, ("seller", 8.0, "Ой, не знаю, где-то тут было, секунду."),
                      ("seller", 12.0, "А что строите, если не секрет?"))) == 1


@pytest.mark.parametrize("reply", [
    "А строите что, если не секрет?",            # a verb sharing its first letters with «Строителей»
    "Мы на Строителей улице Домбеть.",           # the right street before «улице», a garble after it
    "Мы на центральной улице находимся, Строителей двенадцать.",  # an adjective that names no street
    "Приезжайте, на нашей улице всегда свободно.",
    "Такие окна и шум с улицы отсекают, и тепло держат.",  # «улица» followed by a verb, not a name
])
def test_a_word_that_only_looks_like_the_address_is_no_wrong_address(demo, reply):
    address = next(f for f in demo.knowledge_base if f.id == "office_address")  # улица Строителей дом двенадцать
    assert text_contradiction(address, normalise_text(reply)) is None


@pytest.mark.parametrize("reply", ["Мы на улице Садовой, дом двенадцать.", "Улица Строителей, дом двадцать.",
                                   "Улица Строителей, дом в два.",  # a slipped-in «в» hides no house number
                                   # the street named before «улице», what follows it garbled («дом пять»)
                                   "Мы на Садовой улице Домбеть."])
def test_another_street_or_house_is_still_a_wrong_address(demo, reply):
    address = next(f for f in demo.knowledge_base if f.id == "office_address")
    assert text_contradiction(address, normalise_text(reply)) is not None
    assert len(_found(demo, "wrong_answer", ("client", 4.0, "А офис ваш где находится?"), ("seller", 8.0, reply))) == 1


def _heard(speaker: str, start: float, text: str, unsure: str, probability: float):
    """A line as Whisper gives it, the word `unsure` written with `probability`."""
    line = utt(speaker, start, text)
    return replace(line, words=tuple(replace(w, probability=probability) if w.text.strip(".,") == unsure else w
                                     for w in line.words))


def _wrong_heard(standard, reply: str, unsure: str, probability: float) -> list:
    lines = (utt(*GREETING), utt("client", 4.0, "Сколько стоит доставка в Подольск?"),
             _heard("seller", 8.0, reply, unsure, probability))
    transcript = replace(call(GREETING, ("client", 4.0, "Сколько стоит доставка в Подольск?"),
                              ("seller", 8.0, reply)), utterances=lines)
    return [f for f in analyze_transcript(transcript, standard).findings if f.type == "wrong_answer"]


def test_a_number_one_digit_off_the_fact_is_judged_however_unsure_whisper_was(demo):
    # a seller's stale price or a warranty of 10 years for 15 is one digit off the knowledge base:
    # dropping such numbers when Whisper was unsure (wrong_answer@8) lost 4 of 19 true wrong
    # answers on final22, so Whisper's «9500» for «две тысячи пятьсот» stays a finding to dismiss
    assert len(_wrong_heard(demo, "В Подольск привезем за 3500 рублей.", "3500", 0.4)) == 1
    assert len(_wrong_heard(demo, "В Подольск привезем за 9500 рублей.", "9500", 0.4)) == 1
    assert len(_wrong_heard(demo, "В Подольск привезем за 2500 рублей.", "2500", 0.4)) == 0


# v10 of wrong_answer's fact linking: written for these tests, not taken from any phrase bank
KUHNYA = Path(__file__).resolve().parent.parent / "scripts_ref" / "kuhnya.yaml"  # removal_price: 700


@pytest.fixture(scope="module")
def kuhnya():
    return load_standard(KUHNYA)


def _kuhnya_found(standard, kind: str, reply: str) -> list:
    lines = (("seller", 0.0, "Добрый день, магазин техники, меня зовут Анна."),
             ("client", 4.0, "А сколько стоит забрать старый холодильник?"),
             ("seller", 8.0, reply))
    return [f for f in analyze_transcript(call(*lines), standard).findings if f.type == kind]


def test_a_keyword_only_one_tied_fact_has_names_the_fact(kuhnya):
    # «стоит» is a keyword of two prices; «забрать старый» only of the removal's
    found = _kuhnya_found(kuhnya, "wrong_answer", "Это обойдётся вам в полторы тысячи.")
    assert [f.details["fact"] for f in found] == ["removal_price"]
    assert _kuhnya_found(kuhnya, "wrong_answer", "Это обойдётся вам в семьсот рублей.") == []


def test_a_transfer_is_no_evasive_answer(kuhnya):
    assert _kuhnya_found(kuhnya, "evasive_answer", "Это лучше к Геннадию, он всё знает, соединяю.") == []
    assert _kuhnya_found(kuhnya, "evasive_answer", "Без понятия, это не ко мне.") != []


# v15: lines written for these tests, not taken from any phrase bank
@pytest.mark.parametrize("reply", ["Мы на проспекте Строителей, дом двенадцать.",
                                   "Нас найти просто: Строительный переулок, дом двенадцать.",
                                   "Мы насадовой улице, дом двенадцать."])  # «на» glued to the street
def test_the_street_named_with_another_kind_of_street_is_a_wrong_address(demo, reply):
    address = next(f for f in demo.knowledge_base if f.id == "office_address")  # улица Строителей дом двенадцать
    assert text_contradiction(address, normalise_text(reply)) is not None


@pytest.mark.parametrize("reply", [
    "Мы на улице Строителей, дом двенадцать, напротив проспекта.",  # a landmark, no house after it
    "На улице у нас парковка, мест двадцать.",                    # «улица» names no street here
    # the right street named too, another one as a landmark; a street with no house after it
    "Мы на улице Строителей, дом двенадцать, напротив площади Победы, 2 минуты от метро.",
    "Рядом Ленинский проспект, 3 остановки на автобусе.",
    "От метро Проспект Мира 5 минут пешком.",
])
def test_another_kind_of_street_without_an_address_is_none(demo, reply):
    address = next(f for f in demo.knowledge_base if f.id == "office_address")
    assert text_contradiction(address, normalise_text(reply)) is None


def test_a_kind_of_street_that_is_the_streets_own_name_is_no_other_street(demo):
    quay = next(f for f in demo.knowledge_base if f.id == "office_address").model_copy(
        update={"value": "улица Набережная дом двенадцать"})
    assert text_contradiction(quay, normalise_text("Мы на Набережной улице, дом двенадцать.")) is None


MATRASY = Path(__file__).resolve().parent.parent / "scripts_ref" / "matrasy.yaml"  # closing_time 21:00


def _matrasy_wrong(standard, question: str, reply: str, unsure: tuple[str, ...] = ()) -> list:
    lines = (utt("seller", 0.0, "Добрый день, салон Тихая Ночь, слушаю вас."), utt("client", 4.0, question),
             utt("seller", 9.0, reply))
    heard = tuple(replace(u, words=tuple(replace(w, probability=0.3) if w.text.strip(".,?") in unsure else w
                                         for w in u.words)) for u in lines)
    transcript = replace(call(*((u.speaker, u.start, u.text) for u in lines)), utterances=heard)
    return [f.details["stated"] for f in analyze_transcript(transcript, standard).findings if f.type == "wrong_answer"]


def test_a_reply_near_a_fact_in_meaning_is_judged_when_the_question_was_garbled():
    standard = load_standard(MATRASY)
    garbled = "Подскажите, на которого чайцы к вам зарулить можно"  # no fact by words or meaning
    assert _matrasy_wrong(standard, garbled, "Открыты мы до семи вечера, приезжайте.", ("которого", "чайцы")) == ["19:00"]
    assert _matrasy_wrong(standard, garbled, "Открыты мы до девяти вечера, приезжайте.", ("которого", "чайцы")) == []
    # heard sure, the question asks what the knowledge base does not hold
    assert _matrasy_wrong(standard, "А менеджер ваш во сколько будет на месте?", "Он будет до семи вечера.") == []


def test_an_evasion_is_quoted_with_the_question_it_answers(demo):
    # v15, written for this test: the client named a volume, then asked about a discount; the seller
    # evaded the discount, and the evidence quotes that question, not the earlier line
    found = _found(demo, "evasive_answer", ("client", 4.0, "Думаю, кубов шестнадцать газобетона."),
                   ("seller", 8.0, "Какой у вас бюджет?"),
                   ("client", 11.0, "Тысяч сто пятьдесят, если брать большой объем, подешевле выйдет,"),  # its «?» lost
                   ("seller", 15.0, "Это не ко мне, я таким не занимаюсь."))
    assert len(found) == 1 and "подешевле" in found[0].evidence
    assert found[0].details["fact"] == "large_order_discount"


def test_a_goodbye_near_an_evasive_phrase_in_meaning_is_no_evasive_answer():
    standard = load_standard(OKNA.with_name("stroydom.yaml"))
    greeting = ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?")
    question = ("client", 5.0, "А доставка в Подольск сколько стоит?")

    def kinds(reply: str) -> list[str]:
        findings = analyze_transcript(call(greeting, question, ("seller", 9.0, reply)), standard).findings
        return sorted(f.type for f in findings if f.type in ("evasive_answer", "ignored_question"))

    # «обращайтесь» in a goodbye is near «перезвоните позже» in meaning; the goodbye took nothing up
    assert kinds("До свидания, обращайтесь.") == ["ignored_question"]
    assert kinds("Не знаю, до свидания.") == ["evasive_answer"]


@pytest.mark.parametrize("question", ["А за стрижку сколько берете?", "А за стрижку сколько у вас берут?",
                                      "Сколько мастер возьмёт за стрижку?"])
def test_how_much_one_takes_asks_a_price(question):
    # «стрижка» is a keyword of the haircut's price and of its length; «сколько берёте» asks the price
    hvost = load_standard(Path(__file__).resolve().parent.parent / "scripts_ref" / "hvost.yaml")
    lines = (("seller", 0.0, "Добрый день, салон для питомцев, меня зовут Анна."), ("client", 4.0, question))
    found = [f for f in analyze_transcript(call(*lines, ("seller", 8.0, "Это будет три тысячи двести рублей.")),
                                           hvost).findings if f.type == "wrong_answer"]
    assert [f.details["fact"] for f in found] == ["haircut_price"]
    assert [f for f in analyze_transcript(call(*lines, ("seller", 8.0, "Это будет две тысячи пятьсот рублей.")),
                                          hvost).findings if f.type == "wrong_answer"] == []


def test_what_a_job_takes_in_time_or_what_one_took_is_no_price():
    assert asked_units(normalise_text("А стрижка сколько времени берет?")) == frozenset()
    assert asked_units(normalise_text("А вы у нас сколько раз брали?")) == frozenset()


def test_the_asked_hour_told_right_is_no_wrong_answer_to_another_hour():
    # a print shop's standard with an opening (09:00) and a closing hour (20:00): «открыты» names the
    # opening hour's keyword, and the reply tells the closing hour that was asked, right
    shop = load_standard(Path(__file__).resolve().parent.parent / "scripts_ref" / "ottisk.yaml")
    lines = (("client", 4.0, "А до скольки вы вечером работаете?"), ("seller", 8.0, "Мы открыты до восьми вечера."))
    assert _found(shop, "wrong_answer", *lines) == []
    # the closing hour told wrong is still a wrong answer (judged, as before, on the fact the reply names)
    lines = (("client", 4.0, "А до скольки вы вечером работаете?"), ("seller", 8.0, "Мы открыты до шести вечера."))
    assert len(_found(shop, "wrong_answer", *lines)) == 1


SCRIPTS_REF = Path(__file__).resolve().parent.parent / "scripts_ref"


def test_a_time_fact_holds_the_end_of_the_day_its_words_speak_of():
    bounds = {(path.stem, f.id): fact_bound(f) for path in sorted(SCRIPTS_REF.glob("*.yaml"))
              for f in load_standard(path).knowledge_base if f.unit == "time"}
    # «с которого часа открыта», «время открытия студии»; every other company's hour is its closing
    assert {key for key, bound in bounds.items() if bound == "opening"} == {("ottisk", "open_time"), ("blesk", "open_time")}
    assert ("ottisk", "close_time") in bounds and len(bounds) > 10


@pytest.mark.parametrize(("reply", "stated"), [
    ("Открываемся с восьми утра.", ["08:00"]),
    ("Открываемся мы в восемь утра.", ["08:00"]),  # a verb of opening before the hour
    ("С девяти утра, а закрываемся в восемь.", []),
    ("Работаем до восьми вечера.", []),  # the closing hour, right, tells nothing of the opening
    ("Приезжайте в понедельник к восьми.", []),  # an appointment opens nothing
    ("В субботу с одиннадцати утра.", []),  # one day's hours
    ("Мы открыты в десять утра.", ["10:00"]),
    ("В восемь утра открываемся, в восемь вечера закрываемся.", ["08:00"]),  # each verb with its own hour
    ("Открываемся в восемь утра, закрываемся в восемь вечера.", ["08:00"]),
])
def test_an_opening_hour_is_judged_on_the_opening_fact(reply, stated):
    shop = load_standard(SCRIPTS_REF / "ottisk.yaml")
    found = _found(shop, "wrong_answer", ("client", 4.0, "А утром вы со скольки открыты?"), ("seller", 8.0, reply))
    assert [f.details["stated"] for f in found] == stated
    assert all(f.details["fact"] == "open_time" for f in found)


@pytest.mark.parametrize("standard_name", ["ottisk", "matrasy"])
def test_a_closing_hour_said_with_a_verb_of_closing_is_judged(standard_name):
    shop = load_standard(SCRIPTS_REF / f"{standard_name}.yaml")
    found = _found(shop, "wrong_answer", ("client", 4.0, "А до скольки вы вечером работаете?"),
                   ("seller", 8.0, "Закрываемся мы в шесть вечера."))
    assert [f.details["stated"] for f in found] == ["18:00"]
