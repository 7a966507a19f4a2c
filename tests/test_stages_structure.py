"""Stages told by the call's structure where words fail (checks/dialogue/stages.py,
checks/dialogue/invitations.py): a time booked for the client, a day and hour said loosely, the
questions discovery must not take, and a farewell recognition garbled, told by the client's
goodbye after it. The lines are written for these tests, in words no standard or bank uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.dialogue.invitations import invitation_span
from checks.dialogue.stages import detect_stage
from checks.registry import CallContext
from checks.standard import load_standard
from checks.text.normalise import normalise_text
from pipeline.records import Transcript, Utterance, Word
from tests.helpers import call

ROOT = Path(__file__).resolve().parent.parent
GREETING = ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?")
OPENING = ("client", 5.0, "Здравствуйте, мне бы плитку для дорожки на даче.")


@pytest.fixture(scope="module")
def standard():
    return load_standard(ROOT / "scripts_ref" / "stroydom.yaml")


def _stage(standard, stage_id: str, *lines: tuple[str, float, str]):
    ctx = CallContext(call(GREETING, OPENING, *lines), standard)
    return detect_stage(ctx, standard.stage(stage_id))


# --- a meeting proposal by its structure -----------------------------------------------------------

@pytest.mark.parametrize("line", [
    # the seller books a time for the client, or awaits them: other verbs of the same proposal
    "Я вас тогда запишу на вторник, часам к трём.",
    "Давайте я вас запишу в понедельник часам к девяти, не опоздаете",  # no «?»: recognition drops it
    "Будем ждать вас у себя во вторник после шести, устроит.",
    # a day the dictionary misreads («воскресенье» as «воскресение») and an hour said before its number
    "Мастер может всё посмотреть на месте в воскресенье, часов в десять, вам удобно?",
])
def test_a_time_booked_or_awaited_is_a_meeting_proposal(standard, line):
    hit = _stage(standard, "meeting_proposal", ("seller", 9.0, line))
    assert hit.present, line
    assert hit.elements["concrete_time"], line
    assert hit.evidence is not None and hit.evidence.quote and hit.evidence.reference


@pytest.mark.parametrize("line", [
    "Записывайте адрес склада: улица Садовая, дом три, до шести вечера.",  # the client writes
    "Так, я вас записала, в четверг всё привезут.",  # done, told in the past
    "Ожидайте на линии, в пятницу вас соединят.",  # a hold
])
def test_writing_down_or_waiting_is_no_booking(standard, line):
    assert not _stage(standard, "meeting_proposal", ("seller", 9.0, line)).present, line


def test_a_booking_is_told_by_the_verbs_person_and_its_object():
    def span(text: str):
        return invitation_span(normalise_text(text))

    assert span("давайте я вас запишу на вторник") is not None
    assert span("можем ждать вас в четверг") is not None
    assert span("запишитесь на субботу") is not None  # the client is asked to sign up
    assert span("записывайте адрес") is None
    assert span("я вас записала") is None
    assert span("ожидайте на линии") is None
    assert span("мастер запишет размеры") is None  # nobody books the client


# --- what discovery must not take ----------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "А как вас по имени?",  # for the client's record
    "Вы раньше у нас что-нибудь брали?",
    "Давайте я вас запишу в понедельник часам к девяти, не опоздаете?",  # a meeting proposal asks too
    "Правда? Ну надо же.",  # a «?» after one word asks for attention
])
def test_a_question_for_the_record_or_of_another_stage_is_no_discovery(standard, line):
    assert not _stage(standard, "needs_discovery", ("seller", 9.0, line)).present, line


def test_a_question_with_another_stages_elements_is_that_stage(standard):
    line = "Замер сделаем в среду к шести вечера. Как вам такое время?"
    assert not _stage(standard, "needs_discovery", ("seller", 9.0, line)).present
    assert _stage(standard, "meeting_proposal", ("seller", 9.0, line)).present


@pytest.mark.parametrize("line", [
    "Оплачивать вам как удобнее будет, картой или наличными?",  # «как вам удобнее» is the meeting's element
    "Вам к какому числу успеть надо?",  # and «успеете»
    "А по количеству сколько в итоге получается?",  # «получится» is one word of seven
    "Вам как удобнее рассчитаться, переводом или на месте?",
])
def test_discovery_with_one_word_of_another_stage_is_still_discovery(standard, line):
    """One element of the meeting does not make a line the meeting's (two do, above), nor one
    element's phrase that is less than half the line."""
    assert _stage(standard, "needs_discovery", ("seller", 9.0, line)).present, line


# --- a farewell recognition garbled, told by the client's goodbye ----------------------------------

def _heard(speaker: str, start: float, text: str, probability: float) -> Utterance:
    """An utterance as Whisper gives it: each word with its probability."""
    words = tuple(Word(start + 0.4 * k, start + 0.4 * k + 0.35, w, probability) for k, w in enumerate(text.split()))
    return Utterance(speaker, start, start + 0.4 * len(words), text, words, 0 if speaker == "seller" else 1)


def _ending(*last: Utterance) -> Transcript:
    body = call(GREETING, OPENING, ("seller", 9.0, "Какая площадь дорожки?"), ("client", 12.0, "Метров тридцать."))
    utterances = body.utterances + last
    regions = tuple(tuple((u.start, u.end) for u in utterances if u.speaker == who) for who in ("seller", "client"))
    return Transcript(utterances, utterances[-1].end + 1.0, 2, channel_roles=("seller", "client"), speech_regions=regions)


def _farewell(standard, transcript: Transcript):
    return detect_stage(CallContext(transcript, standard), standard.stage("farewell"))


def test_a_misheard_farewell_is_told_by_the_clients_goodbye(standard):
    hit = _farewell(standard, _ending(
        _heard("client", 15.0, "Ладно, я ещё подумаю тогда.", 0.9),
        _heard("seller", 18.0, "Удачливо по торогам, тоси данья.", 0.45),
        _heard("client", 21.0, "До свидания.", 0.95),
    ))
    assert hit.present
    assert hit.evidence.start >= 18.0 and hit.evidence.speaker == "seller"
    assert "тоси данья" in hit.evidence.quote.lower()
    assert "До свидания." in hit.evidence.reference


@pytest.mark.parametrize(("before", "said", "probability"), [
    ("Ладно, я ещё подумаю тогда.", "Доставка у нас в пятницу.", 0.95),  # a clear line that is something else
    ("А доставка когда будет?", "Дастафка у нас ф пятницу.", 0.45),  # an answer to a question
    ("Ладно, я ещё подумаю тогда.", "Удачливо по торогам, тоси данья.", 1.0),  # the truth's words carry no doubt
])
def test_a_clear_line_or_an_answer_before_the_goodbye_is_no_farewell(standard, before, said, probability):
    last = [_heard("client", 15.0, before, 0.9), _heard("seller", 18.0, said, probability),
            _heard("client", 21.0, "До свидания.", 0.95)]
    if probability == 1.0:  # as `callqa eval --reference` builds it: no words, no probabilities
        last[1] = Utterance("seller", 18.0, 20.0, said, channel=0)
    assert not _farewell(standard, _ending(*last)).present


def test_no_goodbye_from_the_client_no_farewell_by_place(standard):
    hit = _farewell(standard, _ending(
        _heard("client", 15.0, "Ладно, я ещё подумаю тогда.", 0.9),
        _heard("seller", 18.0, "Удачливо по торогам, тоси данья.", 0.45),
        _heard("client", 21.0, "Ага, ладно.", 0.95),
    ))
    assert not hit.present


def test_a_farewell_with_its_words_cut_elsewhere_is_told_by_a_plain_goodbye(standard):
    """«всего хорошего» heard as «все его хорошего», every word a real one and heard sure; the
    client's «Пока! Спасибо!» is a goodbye though no phrase of the stage."""
    hit = _farewell(standard, _ending(
        _heard("client", 15.0, "Хорошо, спасибо, я подумаю.", 0.9),
        _heard("seller", 18.0, "Все его хорошего, обращайтесь.", 0.9),
        _heard("client", 21.0, "Пока! Спасибо!", 0.95),
    ))
    assert hit.present and hit.evidence.start >= 18.0
    # a clear line with no phrase of the stage in it stays no farewell, whatever goodbye follows
    assert not _farewell(standard, _ending(
        _heard("client", 15.0, "Хорошо, спасибо, я подумаю.", 0.9),
        _heard("seller", 18.0, "Спасибо за ожидание всегда рады.", 0.9),
        _heard("client", 21.0, "Пока! Спасибо!", 0.95),
    )).present


@pytest.mark.parametrize(("line", "goodbye"), [
    ("Пока! Спасибо!", True), ("Ну ладно, всего доброго.", True), ("Спасибо, до свидания.", True),
    ("Пока не знаю, подумаю.", False), ("Всего хватает, спасибо.", False), ("До связи не дозвониться.", False),
])
def test_a_goodbye_opens_a_sentence(line, goodbye):
    from checks.dialogue.stages import says_goodbye

    assert says_goodbye(line) is goodbye


# --- a meeting told by the dialogue: a time named, taken by the client, booked by the seller -------

def _meeting(standard, *lines):
    transcript = call(GREETING, OPENING, *lines)
    return detect_stage(CallContext(transcript, standard), standard.stage("meeting_proposal"))


def test_a_time_the_client_takes_and_the_seller_books_is_a_meeting_whatever_its_verb(standard):
    hit = _meeting(standard, ("seller", 9.0, "Давайте мы помидеть и во вторник, в три часа дня."),
                   ("client", 13.0, "Да, в это время смогу."),
                   ("seller", 16.0, "Хорошо, я вас отметила."))
    assert hit.present and hit.evidence.start == 9.0 and "смогу" in hit.evidence.reference
    assert _meeting(standard, ("seller", 9.0, "Так, в субботу, к пяти часам, подойдет?"),
                    ("client", 13.0, "Хорошо, мне подходит."),
                    ("seller", 16.0, "Все, записал, консультант будет в курсе.")).present
    # no day recognised, but the stage's other element («вас устроит»), and a time reserved «за вами»
    assert _meeting(standard, ("seller", 9.0, "Было бы хорошо перестечек. А лично, например, 3 -2 ,5 вас устроит"),
                    ("client", 13.0, "вполне устроит"),
                    ("seller", 16.0, "замечательно. Время за вами закрепила.")).present


@pytest.mark.parametrize("booked", ["Записал ваш номер, перезвоню.", "Понятно, спасибо.", "Записывайте адрес."])
def test_a_time_taken_with_nothing_booked_is_no_meeting(standard, booked):
    assert not _meeting(standard, ("seller", 9.0, "Мы работаем до восьми вечера, в субботу тоже."),
                        ("client", 13.0, "Хорошо, ладно."),
                        ("seller", 16.0, booked)).present


@pytest.mark.parametrize(("first", "greets"), [("Ало, да.", False), ("Да, Марина.", True), ("Алло, да.", False)])
def test_a_phones_hello_misspelt_is_no_sellers_name(standard, first, greets):
    """pymorphy3 knows «Ало» as a rare indeclinable name; Whisper writes it for «алло»."""
    transcript = call(("seller", 0.5, first), ("client", 2.0, "Здравствуйте, мне нужен газобетон."))
    assert detect_stage(CallContext(transcript, standard), standard.stage("greeting")).present is greets


def test_a_bare_yes_before_the_clients_goodbye_is_no_farewell(standard):
    """«Да.» lies inside «досвидания» to a partial comparison: the line must hold the whole phrase."""
    assert not _farewell(standard, _ending(
        _heard("client", 15.0, "Ладно, я ещё подумаю тогда.", 0.9),
        _heard("seller", 18.0, "Да.", 0.9),
        _heard("client", 21.0, "До свидания.", 0.95),
    )).present


@pytest.mark.parametrize(("proposal", "reply", "booked"), [
    ("В субботу работаем до шести вечера.", "Да, хорошо, спасибо.", "Ждём вас."),  # hours told, then a closing
    ("Так, в субботу, к пяти часам, подойдет?", "Нет, в это время не смогу.", "Хорошо, записал."),  # refused
    ("Так, в субботу, к пяти часам, подойдет?", "Да, а доставка сколько стоит?", "Записал вас."),  # asks back
])
def test_a_time_told_refused_or_asked_about_is_no_booked_meeting(standard, proposal, reply, booked):
    assert not _meeting(standard, ("seller", 9.0, proposal), ("client", 13.0, reply), ("seller", 16.0, booked)).present
