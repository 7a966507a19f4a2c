"""The dialogue detector: the client's reply to a seller's request for personal data, and what
follows a client's own cue, masked whatever Whisper made of the words; and what it leaves alone."""

from __future__ import annotations

import pytest

from pipeline.privacy.detect import detect_lines, detect_personal_data, ignore_terms
from pipeline.privacy.dialogue import DETECTOR as DIALOGUE
from pipeline.privacy.dialogue import Line, find_dialogue_spans, request
from pipeline.privacy.masking import spans_to_mask
from pipeline.privacy.requests import requests_by_meaning
from tests.helpers import call

COMPANY = ignore_terms("СтройДом", ["строй дом"], ["газобетон", "кирпич", "металлочерепица"])


def replies(*lines: tuple[str, str]) -> list[list[tuple[str, str]]]:
    found = find_dialogue_spans([Line(text, speaker) for speaker, text in lines])
    return [[(s.type, text[s.char_start:s.char_end]) for s in spans] for (_, text), spans in zip(lines, found)]


@pytest.mark.parametrize("text, kind", [
    ("Как к вам обращаться?", "name"),
    ("На кого оформляем заказ?", "name"),
    ("Оставьте, пожалуйста, номер телефона для связи.", "phone"),
    ("продиктумите ваши мобильные", "phone"),  # Whisper's garbled verb, no question mark
    ("На какой номер вам перезвонить?", "phone"),
    ("Куда везти, продиктуйте адрес.", "address"),
    ("Продиктуйте номер карты.", "card"),
    ("Назовите, пожалуйста, серию и номер паспорта.", "passport"),
])
def test_a_request_is_told_by_its_words_dictionary_forms(text: str, kind: str) -> None:
    assert request(text) == kind


@pytest.mark.parametrize("text", [
    "Меня зовут Анна, компания СтройДом, чем могу помочь?",  # the seller introducing themselves
    "Подскажите номер заказа.",  # a number, but no personal data
    "Доставка по Москве бесплатная.",
    "Я вам перезвоню завтра.",  # about a phone, but asks nothing
])
def test_what_is_no_request(text: str) -> None:
    assert request(text) is None


def test_a_garbled_name_after_the_name_was_asked_is_masked_without_the_lead_in() -> None:
    """Whisper wrote «Даниил Соболев» as ordinary words; the reply carries it all the same, and the
    «Да, конечно» before it is not masked."""
    assert replies(("seller", "Как к вам обращаться?"), ("client", "Да, конечно, дымил с облиф."))[1] == [
        ("name", "дымил с облиф")]


def test_a_number_with_words_whisper_put_in_it_runs_to_its_last_digit() -> None:
    got = replies(("seller", "Продиктуйте номер карты."), ("client", "Пишите, 42 76, 38 ну 01, 12 44 56 78, это сбербанк."))
    assert got[1] == [("card", "42 76, 38 ну 01, 12 44 56 78")]


def test_a_number_goes_on_in_the_clients_next_line_and_after_a_backchannel() -> None:
    got = replies(("seller", "На какой номер вам перезвонить?"), ("client", "Пишите, 8 916."),
                  ("seller", "Угу."), ("client", "123 45 67."))
    assert got[1] == [("phone", "8 916")] and got[3] == [("phone", "123 45 67")]


def test_an_address_reply_stops_at_the_sentence_and_skips_a_question_back() -> None:
    got = replies(("seller", "Адрес доставки какой будет?"),
                  ("client", "Периолог полевой, дом в 83, квартира 12. А когда привезёте?"))
    assert got[1] == [("address", "Периолог полевой, дом в 83, квартира 12")]
    assert replies(("seller", "Назовите адрес доставки."), ("client", "А доставка на дом бесплатная?"))[1] == []


@pytest.mark.parametrize("reply", ["Сейчас посмотрю.", "А зачем?", "Да, конечно.", "Ну, потом скажу."])
def test_a_reply_with_nothing_of_the_kind_is_not_masked(reply: str) -> None:
    assert replies(("seller", "На какой номер вам перезвонить?"), ("client", reply))[1] == []


def test_a_new_question_of_the_seller_closes_the_request() -> None:
    got = replies(("seller", "На какой номер вам перезвонить?"), ("client", "А зачем?"),
                  ("seller", "Подскажите номер заказа."), ("client", "12345."))
    assert got[3] == []


@pytest.mark.parametrize("text, expected", [
    ("Если что, мой телефон 8 916 12 34 5, это мобильный.", ("phone", "8 916 12 34 5")),
    ("Меня зовут зигор шестаков, я по поводу кирпича.", ("name", "зигор шестаков")),
    ("Я живу на улице садовой, дом 5.", ("address", "улице садовой, дом 5")),
    ("Я живу в Подольске.", ("place", "Подольске")),
    ("Адрес такой. Ужица мира. Дом 26 квартира, 20 ,8.", ("address", "Ужица мира. Дом 26 квартира, 20 ,8")),
])
def test_a_clients_own_cue_and_the_value_after_it(text: str, expected: tuple[str, str]) -> None:
    assert replies(("client", text))[0] == [expected]


@pytest.mark.parametrize("text", ["Карта у меня Сбербанка.", "Оплачу картой.", "Номер заказа 12345.",
                                  "Номер накладной 000123-45, посмотрите, где машина."])
def test_a_cue_with_no_value_after_it_is_nothing(text: str) -> None:
    assert replies(("client", text))[0] == []


def test_in_a_call_a_seller_masks_a_name_only_when_the_client_said_it() -> None:
    """The seller repeating the client's name is masked; their own name, a colleague's, or a
    garbled word at a capital is not the client's personal data."""
    t = call(("seller", 0.0, "Как к вам обращаться?"), ("client", 2.0, "Тамара."),
             ("seller", 4.0, "Тамара, записала. Афис открыт до восьми."))
    found = [(s.utterance, s.type, t.utterances[s.utterance].text[s.char_start:s.char_end])
             for s in detect_personal_data(t, COMPANY)]
    assert found == [(1, "name", "Тамара"), (2, "name", "Тамара")]


def test_whispers_garble_of_a_product_is_no_name() -> None:
    t = call(("client", 0.0, "Миталла черепиться на какой срок гарантирована?"))
    assert detect_personal_data(t, COMPANY) == []


def test_the_sellers_own_name_in_a_reply_stays_for_that_seller() -> None:
    t = call(("seller", 0.0, "Как к вам обращаться?"), ("client", 2.0, "Анна Петрова."))
    spans = detect_personal_data(t, COMPANY)
    assert [s.type for s in spans] == ["name"]
    assert spans_to_mask(spans, t, "seller", own_name="Анна") == spans  # «Петрова» is not the seller's


def test_a_request_whose_words_name_no_topic_is_told_by_meaning() -> None:
    """«Где мастеру вас искать?» asks for an address with no topic word the dialogue lists; the
    company's own contacts and a question about the order are no request."""
    lines = ["Где мастеру вас искать?", "Наш телефон есть на сайте.", "Сколько вам нужно кубов?"]
    assert [request(t) for t in lines] == [None, None, None]
    assert requests_by_meaning(lines) == ["address", None, None]


def test_the_reply_to_a_request_by_meaning_is_masked() -> None:
    found = detect_lines([("Курьер как вас найдёт, куда ему ехать?", "seller", ""),
                          ("Садовая, двенадцать, второй подъезд.", "client", "")])
    assert [(s.type, s.detector) for s in found[1]] == [("address", DIALOGUE)]
    asked_else = detect_lines([("Сколько вам нужно кубов?", "seller", ""), ("Двенадцать, может пятнадцать.", "client", "")])
    assert asked_else == [[], []]


def test_a_number_short_of_digits_takes_the_words_whisper_made_of_the_rest() -> None:
    """A passport heard with 8 of its 10 digits: the words straight after it are the rest garbled;
    a phone short of a digit ends at a comma («…34 5, это мобильный»)."""
    assert replies(("seller", "Нужен ваш паспорт, серия и номер."), ("client", "Паспорт серии 45 -17 номер 580. Один на лесе"))[1] \
        == [("passport", "45 -17 номер 580. Один на лесе")]
    assert replies(("seller", "Продиктуйте телефон."), ("client", "Мой номер сделаю 26, 3, 4, 2, 5, 5, 4, 1."))[1] \
        == [("phone", "сделаю 26, 3, 4, 2, 5, 5, 4, 1")]


def test_a_garbled_name_goes_on_past_a_comma_until_it_has_a_name() -> None:
    assert replies(("seller", "Как к вам обращаться?"), ("client", "завитие, лисить сентябр,"))[1] \
        == [("name", "завитие, лисить сентябр")]
    assert replies(("seller", "Как к вам обращаться?"), ("client", "Андрей, пишите."))[1] == [("name", "Андрей")]


def test_a_name_after_na_imya_and_a_flat_number_are_cues() -> None:
    assert replies(("client", "Оформляйте на имя Зинаидов -Фамина."),)[0] == [("name", "Зинаидов -Фамина")]
    assert replies(("client", "Премести надно, уголь не на 70, квартира 76."),)[0] \
        == [("address", "Премести надно, уголь не на 70, квартира 76")]
    assert replies(("client", "Квартира 50 метров, нам на всю площадь надо."),)[0] == []


def test_a_request_about_an_orders_number_is_not_read_by_meaning() -> None:
    """«Куда прислать смс с номером заказа?» is near an address request by meaning, but says it is
    about the order's number; the client's own «номер» then says the reply is a phone."""
    lines = [Line("Куда прислать смс с номером заказа?", "seller"), Line("На этот же номер, 985 321 44 23.", "client")]
    found = find_dialogue_spans(lines, (), ["address", None])
    assert [(s.type, lines[1].text[s.char_start:s.char_end]) for s in found[1]] == [("phone", "985 321 44 23")]


def test_a_whole_sentence_with_no_name_after_a_name_request_is_none() -> None:
    assert replies(("seller", "Алло, это кто?"), ("client", "Добрый вечер, я бы хотела приобрести и бы забедон подскажите."))[1] == []
    assert replies(("seller", "Как вас зовут?"), ("client", "Добрый день, меня зовут Ирина Соколова."))[1] == [("name", "Ирина Соколова")]


def test_the_seller_saying_their_own_name_asks_for_none() -> None:
    assert request("Компания СтройДом, моё имя Евгений, рассказывайте, что нужно.") is None
    assert replies(("client", "а пармуляет темно имя улья намельникова"),)[0] == [("name", "улья намельникова")]
    assert replies(("client", "Счёт на имя компании, конечно."),)[0] == []


def test_a_farewell_and_a_line_that_gives_a_number_are_no_request_by_meaning() -> None:
    assert requests_by_meaning(["Обращайтесь. Всегда рады, до свидания.",
                                "Адрес такой: на улице Строителей, дом 12."]) == [None, None]
    assert request("Контактный для курьера какой у вас будет?") == "phone"


def test_a_garbled_name_takes_the_syllables_whisper_split_off_it() -> None:
    assert replies(("seller", "Кого водителю спросить на месте, имя подскажите?"), ("client", "А на стасе рябого я на месте и буду."))[1] \
        == [("name", "А на стасе рябого")]


def test_who_receives_the_goods_is_a_name_cue() -> None:
    """«забирать будет Варвара Николаевна»: a client names the person who receives, unasked."""
    assert replies(("client", "Запомните, что забирать будет варвара Николаевна."),)[0] == [("name", "варвара Николаевна")]
    assert replies(("client", "Принимать будет бригада, они на месте."),)[0] == []


def test_a_long_reply_with_no_name_reading_after_a_name_request_is_none() -> None:
    assert replies(("seller", "Алло, это кто?"), ("client", "Здравствуйте! Мы тут коттедж в зателе, и нам нужны пилы материалы."))[1] == []
    assert replies(("seller", "Как к вам обращаться?"), ("client", "Запишите на меня, дымил с облиф."))[1] == [("name", "дымил с облиф")]


# --- dialogue@3: who the client names and how, found by structure and morphology ---

def test_a_client_says_who_is_speaking_before_na_svyazi_or_bespokoit() -> None:
    """«<name> на связи», «<name> вас беспокоит»: the words before the cue, back to a comma, without
    the greeting, are the client's own name however Whisper wrote it."""
    assert replies(("client", "Алло, добрый вечер, Олег Сорокин на связи, я насчёт забора."),)[0] == [("name", "Олег Сорокин")]
    assert replies(("client", "Здравствуйте, ливер тасов, на связи."),)[0] == [("name", "ливер тасов")]
    assert replies(("client", "Это Марина вас беспокоит по поводу окон."),)[0] == [("name", "Марина")]
    assert replies(("client", "Я всегда на связи, звоните."),)[0] == []


def test_a_name_set_off_after_a_person_noun_is_the_apposition() -> None:
    """«на мужа, <name>, он…», «Да, хозяйка, <name>»: the words after the person noun to the clause's end."""
    got = replies(("seller", "На кого договор оформим?"), ("client", "Оформляйте на мужа, от ветров сила, он приедет подписать, ну и всё пока."))
    assert got[1] == [("name", "от ветров сила")]
    assert replies(("client", "Да, хозяйка, Ларгиса."),)[0] == [("name", "Ларгиса")]
    assert replies(("seller", "На кого договор оформим?"), ("client", "На мужа, он приедет подписать."))[1] == []
    assert replies(("client", "Муж, в общем, против."),)[0] == []


def test_a_surname_ending_tells_a_garbled_name_from_a_sentence() -> None:
    """A word no dictionary knows with a surname's ending makes the reply a name however long the
    sentence goes on after it, and the name stops at the comma before the next clause."""
    got = replies(("seller", "Как к вам обращаться?"), ("client", "Да, пожалуйста, лорик сташкевичева, ну всё, я подумаю и перезвоню."))
    assert got[1] == [("name", "лорик сташкевичева")]


def test_a_pronoun_opens_the_clause_after_a_name_and_the_client_introduces_themselves() -> None:
    got = replies(("client", "Кстати, я не представился, семён зубров я вам вчера писал насчёт бруса."),)
    assert got[0] == [("name", "семён зубров")]


def test_who_receives_the_goods_whatever_whisper_wrote_of_a_short_name() -> None:
    """After «забирать будет», a word in a case no subject has («зоне» for «Зоя») is the name garbled."""
    assert replies(("client", "Имейте в виду, встречать будет зоне, я на работе."),)[0] == [("name", "зоне")]
    assert replies(("client", "Встречать будет водитель, он в курсе."),)[0] == []


def test_an_imperative_to_introduce_oneself_asks_for_the_name() -> None:
    assert request("Представьтесь, пожалуйста, для договора.") == "name"
    assert request("Представьте, пожалуйста, для договора.") == "name"  # Whisper dropped «-сь»
    assert request("Представьте себе, какая экономия.") is None
    assert request("Представьте, какая экономия выйдет?") is None


def test_the_last_question_of_a_line_says_what_is_asked() -> None:
    """«Адрес пришлю сообщением. Как платить будете?»: the seller moved on; the reply is no address."""
    assert request("Адрес я записала, пришлю сообщением. Как платить будете, наличными или переводом?") is None
    got = replies(("seller", "Адрес я записала. Какой объём нужен?"), ("client", "Думаю, 40 кубов хватит."))
    assert got[1] == []
    assert request("Адрес я записала. Телефон какой?") == "phone"


def test_a_reply_that_says_what_someone_wants_is_no_name() -> None:
    assert replies(("seller", "Алло, это кто?"), ("client", "Добрый день, интересует газоблок, хочу узнать цену."))[1] == []


def test_a_place_value_needs_a_word_that_may_name_a_place() -> None:
    assert replies(("client", "Адрес подскажется потом."),)[0] == []
    assert replies(("seller", "Какой адрес доставки?"), ("client", "Аформляйте на дачу, там разберёмся."))[1] == []
    assert replies(("seller", "Куда доставить?"), ("client", "В Подольске."))[1] == [("place", "Подольске")]


def test_a_line_that_agrees_and_says_only_a_first_name_gives_the_name() -> None:
    assert replies(("seller", "Скажите, блин, для заявки."), ("client", "Да, конечно, надежда. А когда привезёте?"))[1] \
        == [("name", "надежда")]
    assert replies(("client", "Есть надежда, что успеете?"),)[0] == []


def test_a_number_word_whisper_garbled_goes_on_with_the_number() -> None:
    got = replies(("seller", "Какой номер дать водителю?"), ("client", "Пишите, 9 16. 4 5. Восемнель, он дома."))
    assert got[1] and got[1][0][1].startswith("9 16. 4 5. Восемнель")


def test_na_svyaz_going_to_be_in_touch_names_no_one() -> None:
    """«на связи» (the locative: who is speaking) is the cue, not «выйдет на связь»."""
    assert replies(("client", "Он выйдет на связь завтра утром."),)[0] == []


@pytest.mark.parametrize("text, kind", [
    ("Как мне вас в карточке клиента указать?", "name"),  # a record, not a bank card
    ("Как вас записать?", "name"),
    ("Продиктуйте номер карты, я внесу в карточку клиента.", "card"),
])
def test_a_client_record_asks_for_a_name_a_bank_card_for_its_number(text: str, kind: str) -> None:
    assert request(text) == kind


def test_digits_after_a_preamble_in_a_reply_to_a_phone_request_are_the_phone() -> None:
    said = replies(("seller", "Какой номер дать водителю?"),
                   ("client", "Дайте номер соседки. Она ключи передаст. 8 916 555 12 34."))[1]
    assert said == [("phone", "8 916 555 12 34")]
    # a sentence on another matter ends the reply: the house and flat after it are no phone
    moved_on = replies(("seller", "По этому номеру можно перезванивать?"),
                       ("client", "Да, звоните. Адрес запишите, переулок Победы. Дом 43, квартира 151."))[1]
    assert ("phone", "Дом 43, квартира 151") not in moved_on


@pytest.mark.parametrize("reply", [
    "Добрый, звонил, знать про утеплитель.",  # a preposition and a thing: what the client wants
    "Жена будет дома.",  # a verb of the present or future: what someone does
    "Напаков заеду.",
])
def test_a_reply_that_says_what_is_no_name(reply: str) -> None:
    assert replies(("seller", "Алло, это кто?"), ("client", reply))[1] == []


def test_a_reply_with_a_verb_is_no_place() -> None:
    assert replies(("seller", "Куда везти, какой адрес?"), ("client", "Девушка, вы запишитесь в пее."))[1] == []


def test_a_buildings_number_says_the_sentence_up_to_it_is_an_address() -> None:
    assert replies(("seller", "В каком вы районе?"), ("client", "Мы к луговой дом 60 ,8 в корпус 5 ,2 ,85."))[1] == \
        [("address", "луговой дом 60 ,8 в корпус 5 ,2 ,85")]
    assert replies(("seller", "А гарантия какая?"), ("client", "Корпус 5 лет гарантии."))[1] == []


def test_a_seller_introducing_themselves_asks_for_no_name_by_meaning_either() -> None:
    found = detect_lines([("Доброе утро, магазин СтройДом. Моё имя Ксения.", "seller", ""),
                          ("Алло, здравствуйте, ищем металлочерепицу кунодом.", "client", "")], COMPANY)
    assert found[1] == []


@pytest.mark.parametrize("text, kind", [
    ("Телефон ваш записала. А адрес какой?", "address"),  # told one thing, asks another
    ("Все записываю, адрес пришлю сообщением. На кого выписывать накладную?", "name"),
    ("Адрес пришлю сообщением. Объём какой нужен?", None),  # moved on to the order
])
def test_the_last_question_of_a_sellers_line_says_what_it_asks(text: str, kind: str | None) -> None:
    assert request(text) == kind
