"""Which fact a client question asks about, and what Whisper's garbles do to the answer
(wrong_answer@11, ignored_question@10, evasive_answer@7). The lines are written for these tests,
not taken from any phrase bank; the standard is the nursery's (four prices sharing «стоит», a
delivery price and a delivery delay sharing «привезти», one closing time)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from checks.analyze import analyze_transcript
from checks.dialogue.invitations import invitation_span
from checks.dialogue.questions import asks_without_its_mark, fact_keywords_found, stated_values
from checks.registry import CallContext
from checks.rules.answers import question_fact
from checks.rules.ignored import _only_asks
from checks.standard import load_standard
from checks.text.matching import keyword_found
from checks.text.normalise import normalise_text
from tests.helpers import call, utt

NURSERY = Path(__file__).resolve().parent.parent / "scripts_ref" / "pitomnik.yaml"
GREETING = ("seller", 0.0, "Добрый день, садовый центр, меня зовут Вера.")


@pytest.fixture(scope="module")
def nursery():
    return load_standard(NURSERY)


def _fact(standard, fact_id: str):
    return next(f for f in standard.knowledge_base if f.id == fact_id)


def _found(standard, kind: str, *lines, transcript=None) -> list:
    analysed = transcript or call(GREETING, *lines)
    return [f for f in analyze_transcript(analysed, standard).findings if f.type == kind]


def test_one_word_names_one_keyword(nursery):
    # «стоит» is delivery's «стоит» and its «стоимость»: one word, one keyword, as for every price
    delivery = _fact(nursery, "delivery_price")  # доставка, привезти, стоит, стоимость
    assert fact_keywords_found(delivery, normalise_text("Саженец стоит девятьсот рублей.")) == 1
    assert fact_keywords_found(delivery, normalise_text("Доставка стоит полторы тысячи.")) == 2


def test_the_words_of_a_keyword_stand_together():
    assert keyword_found("до скольки", normalise_text("а до скольки вы сегодня"))
    assert keyword_found("часы работы", normalise_text("часы у вас работы какие"))
    assert not keyword_found("до скольки", normalise_text("хотелось бы до конца месяца, во сколько обойдётся"))


def test_a_line_that_tells_then_asks_is_linked_in_its_question(nursery):
    found = _found(nursery, "wrong_answer",
                   ("client", 4.0, "Мне нужны саженцы яблони для дачи. А вечером вы до скольки открыты?"),
                   ("seller", 9.0, "Мы на месте до девяти вечера."))
    assert [f.details["fact"] for f in found] == ["closing_time"]


def test_meaning_settles_keywords_tied_between_prices(nursery):
    # «цене» is a keyword of every price; the apples are nearest in meaning, by far
    found = _found(nursery, "wrong_answer", ("client", 4.0, "Яблоки у вас по какой цене идут?"),
                   ("seller", 8.0, "Семьсот рублей за штуку."))
    assert [f.details["fact"] for f in found] == ["apple_price"]
    assert _found(nursery, "wrong_answer", ("client", 4.0, "Яблоки у вас по какой цене идут?"),
                  ("seller", 8.0, "Девятьсот рублей за штуку.")) == []


@pytest.mark.parametrize("line", ["Хотелось бы к выходным привезти, во сколько обойдется?",
                                  "Если привезёте в субботу, это платно?"])
def test_the_unit_asked_for_settles_a_tie(nursery, line):
    # «привезти» names the delivery's price and its delay; «обойдётся», «платно» ask of a price
    ctx = CallContext(call(GREETING, ("client", 4.0, line)), nursery)
    assert question_fact(ctx, 1).id == "delivery_price"


def test_an_hour_asked_with_no_keyword_is_the_closing_time(nursery):
    # no keyword of the hours in the garbled question; the only fact told in hours is the closing time
    found = _found(nursery, "wrong_answer",
                   ("client", 4.0, "Мне нужны саженцы яблони для нового дома. Вы там какова часа открыты,"),
                   ("seller", 9.0, "Мы на месте до пяти вечера, на какую сумму рассчитываете."))
    assert [f.details["fact"] for f in found] == ["closing_time"]


def _heard(speaker: str, start: float, text: str, unsure: str, probability: float):
    line = utt(speaker, start, text)
    return replace(line, words=tuple(replace(w, probability=probability) if w.text.strip(".,") == unsure else w
                                     for w in line.words))


def _thuja_price_heard(nursery, reply: str, unsure: str, probability: float) -> list:
    question = ("client", 4.0, "Сколько стоит одна туя?")
    transcript = call(GREETING, question, ("seller", 8.0, reply))
    lines = (utt(*GREETING), utt(*question), _heard("seller", 8.0, reply, unsure, probability))
    return _found(nursery, "wrong_answer", transcript=replace(transcript, utterances=lines))


def test_a_number_that_lost_its_first_word_is_no_wrong_answer(nursery):
    # 1400 for a thuja: «тысяча» garbled away leaves 400, which Whisper was unsure of
    assert _thuja_price_heard(nursery, "Туя у нас пенече 400 рублей.", "пенече", 0.3) == []
    assert _thuja_price_heard(nursery, "Туя у нас 2400 рублей.", "2400", 0.3) != []  # another sum
    assert _thuja_price_heard(nursery, "Туя у нас всего 400 рублей.", "400", 0.95) != []  # said so, clearly


def test_an_acknowledgement_with_a_question_mark_is_no_ignored_question(nursery):
    assert _found(nursery, "ignored_question", ("client", 4.0, "Почём у вас туи?"),
                  ("seller", 8.0, "Туя тысяча четыреста рублей."),
                  ("client", 12.0, "Хорошо, буду знать, ага, ладно?")) == []


def test_a_sellers_how_asks_back(nursery):
    # «как» is no question word in general («как раз»); in a seller's line after a question it asks
    ctx = CallContext(call(GREETING, ("client", 4.0, "Сколько у вас стоит саженец яблони?"),
                           ("seller", 8.0, "Кстати, как к вам обращаться.")), nursery)
    assert _only_asks(ctx, 2)


def test_a_garbled_question_answered_with_a_sum_is_taken_up(nursery):
    question = ("client", 4.0, "Какая ацена насаженницей?")
    reply = ("seller", 8.0, "За штуку 1400 рублей.")
    transcript = call(GREETING, question, reply)
    lines = (utt(*GREETING), _heard(*question, "насаженницей?", 0.3), utt(*reply))
    assert _found(nursery, "ignored_question", transcript=replace(transcript, utterances=lines)) == []


@pytest.mark.parametrize("line", ["приедите посмотреть вживую", "подъедите к нам в субботу"])
def test_a_coming_verb_spelt_with_the_other_unstressed_ending_invites(line):
    # «-ите» and «-ете» sound alike unstressed; «подъедите» is also a word (of «подъесть»)
    assert invitation_span(normalise_text(line)) is not None


def test_asking_whether_the_seller_is_there_asks_about_no_fact(nursery):
    # «вы куда пропали?» is near «куда к вам ехать?» in meaning, and asks about the phone line
    assert _found(nursery, "evasive_answer", ("client", 4.0, "Вы куда пропали?"),
                  ("seller", 8.0, "Да, я здесь, прошу прощения.")) == []


@pytest.mark.parametrize("line, asks", [
    ("А что за стройка у вас, расскажите.", True),
    ("Сроки поджимают или время терпит.", True),
    ("Слушайте, а по финансам на что ориентируетесь.", True),
    ("По времени как, не горит.", True),
    ("Извините, что долго.", False),                      # «что» joining a clause
    ("Спасибо, что подождали, вот.", False),
    ("Для дачи у нас как раз хороший выбор.", False),     # tells of the company, «как раз»
    ("Клиенты говорят, что зимой теплее.", False),
    ("Соберем как следует, не переживайте.", False),      # «как следует», an adverb
])
def test_a_sellers_question_that_lost_its_mark(line, asks):
    assert asks_without_its_mark(normalise_text(line)) is asks


def test_needs_discovery_asked_without_a_question_mark(nursery):
    lines = (GREETING, ("client", 4.0, "Мне нужны туи для живой изгороди."),
             ("seller", 8.0, "А что за участок у вас, расскажите."), ("client", 12.0, "Дача, шесть соток."))
    hit = next(h for h in analyze_transcript(call(*lines), nursery).stages if h.stage_id == "needs_discovery")
    assert hit.present


@pytest.mark.parametrize("line, proper", [
    ("Это лучше к коллеге, он у нас по моторам главный, не кладите трубку, переключаю.", True),
    ("По этому вопросу наш механик подскажет, он все моторы сам обслуживает, перевожу.", True),
    ("Минутку, не кладите трубку, переключаю.", False),
])
def test_a_transfer_that_says_what_the_colleague_does(nursery, line, proper):
    found = _found(nursery, "poor_dispatching", ("client", 4.0, "А по удобрениям кто подскажет?"), ("seller", 8.0, line))
    assert (found == []) is proper


def test_a_reply_to_the_clients_next_line_does_not_answer_the_question_before(nursery):
    found = _found(nursery, "ignored_question", ("client", 4.0, "Вы до какого часа работаете?"),
                   ("seller", 8.0, "Скажите, как к вам обращаться?"),
                   ("client", 11.0, "Степан."), ("client", 13.0, "А Виктор сегодня работает, мне бы с ним поговорить."),
                   ("seller", 17.0, "Нет, сегодня этот сотрудник не работает."))
    assert [f.start for f in found] == [4.0]


def test_a_booking_offered_in_the_conditional_invites():
    assert invitation_span(normalise_text("Я бы вас записала на консультацию во вторник, устроит")) is not None
    assert invitation_span(normalise_text("Я вас записала на вторник")) is None  # done, not offered


def test_a_colleague_asked_for_by_role_is_taken_up_by_a_reply_about_them(nursery):
    assert _found(nursery, "ignored_question", ("client", 4.0, "А можно с главным агрономом поговорить?"),
                  ("seller", 8.0, "Этот специалист сейчас на выезде, оставьте телефон, вам перезвонят.")) == []


@pytest.mark.parametrize("reply, evasive", [
    ("Сложно сказать, я в таких вещах не разбираюсь.", True),
    ("Ой, я не знаю, честно.", True),
    ("Я не скажу точно, секунду. Вот, туя тысяча четыреста рублей.", False),  # the value follows
])
def test_a_seller_denying_knowledge_evades(nursery, reply, evasive):
    found = _found(nursery, "evasive_answer", ("client", 4.0, "Сколько стоит одна туя?"), ("seller", 8.0, reply))
    assert bool(found) is evasive


SOLAR = Path(__file__).resolve().parent.parent / "scripts_ref" / "solnce.yaml"  # a warranty keyed «сколько»


def test_a_price_asked_without_the_fitting_is_the_goods_price():
    # «без монтажа» names no fitting; «сколько стоит» asks a price, whatever a warranty's keyword «сколько»
    solar = load_standard(SOLAR)
    ctx = CallContext(call(GREETING, ("client", 4.0, "Думаю, штук шесть. А сама по себе сколько стоит, без монтажа?")), solar)
    assert question_fact(ctx, 1).id == "panel_price"


@pytest.mark.parametrize("line, days", [
    ("А если в понедельник в 12 дней к нам заедете?", []),   # «в двенадцать дня», an hour, as Whisper wrote it
    ("Доставим до трёх дней, не дольше.", [3.0]),
    ("Привезём за 3 дня.", [3.0]),
])
def test_an_hour_of_the_afternoon_is_no_count_of_days(line, days):
    assert [v.value for v in stated_values(normalise_text(line), "days")] == days


def test_a_wrong_answer_says_how_sure_whisper_was_of_the_value(nursery):
    found = _thuja_price_heard(nursery, "Туя у нас 2400 рублей.", "2400", 0.3)
    assert found[0].details["heard"] == 0.3


@pytest.mark.parametrize(("reply", "facts"), [
    ("Мы на месте до 5 вечера.", ["office_hours"]),  # a closing hour: the one hour the company holds
    ("Могу записать вас на завтра к пяти вечера, подойдёт?", []),  # an appointment tells no hours
    ("Завтра в пять вечера подъедете?", []),  # no word tells the hour a closing one
])
def test_a_reply_to_a_question_garbled_past_any_fact_is_judged_on_the_one_fact_of_its_unit(reply, facts):
    # «вы в будни до скольки работаете?» garbled past its keywords, and Whisper unsure of it; a solar
    # installer's standard, whose one hour is the office's closing (19:00), with no reply near it in meaning
    solar = load_standard(NURSERY.parent / "paneli.yaml")
    text = "Вы в подне доскальке и работаете."
    transcript = call(GREETING, ("client", 4.0, text), ("seller", 9.0, reply))
    question = _heard("client", 4.0, text, "доскальке", 0.2)
    transcript = replace(transcript, utterances=(transcript.utterances[0], question, transcript.utterances[2]))
    assert [f.details["fact"] for f in _found(solar, "wrong_answer", transcript=transcript)] == facts
