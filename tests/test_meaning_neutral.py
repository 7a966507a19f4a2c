"""A stage's phrase matched by some of its words in a sentence that is, by meaning, an everyday line
of a call is not the stage (`checks.meaning.calls.nearer_to_neutral`). The lines are written for
this test. Nor is a phrase matched by a comparative's lemma («лучше всех» for «всего хорошего»)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.dialogue.stages import detect_stage
from checks.meaning.calls import record_bar, stage_index
from checks.registry import CallContext
from checks.standard import load_standard
from tests.helpers import call

DEMO = Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml"
GREETING = ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?")


@pytest.fixture(scope="module")
def standard():
    return load_standard(DEMO)


def _farewell(standard, *lines):
    ctx = CallContext(call(GREETING, ("client", 5.0, "А газобетон есть?"), *lines), standard)
    return detect_stage(ctx, standard.stage("farewell"))


def test_thanks_for_waiting_is_no_farewell(standard):
    # «спасибо за …» is two words of «спасибо за звонок»; the sentence thanks for waiting
    assert not _farewell(standard, ("seller", 9.0, "Спасибо за терпение, вот, смотрю."),
                         ("seller", 12.0, "Газобетон на складе есть, отгрузим завтра.")).present


@pytest.mark.parametrize("line", [
    "Спасибо за звонок, хорошего дня.",
    "Спасибо за звоночек, всего вам доброго.",  # not word for word, a farewell all the same
])
def test_a_farewell_in_near_words_stays_one(standard, line):
    assert _farewell(standard, ("seller", 9.0, "Да, есть на складе."), ("seller", 12.0, line)).present


def test_the_bar_is_calibrated_from_the_examples(standard):
    bar = stage_index(standard).neutral_bar
    assert 0.0 < bar < 1.0


def test_a_comparative_is_not_the_adjective_of_a_phrase(standard):
    # «лучше всех» has the lemmas of «всего хорошего»
    line = ("seller", 9.0, "Сейчас соединю с Олегом, он в кровле понимает лучше всех, подождите.")
    assert not _farewell(standard, line).present
    assert _farewell(standard, ("seller", 9.0, "Всего хорошего, звоните, если что.")).present


def _discovery(standard, *lines):
    ctx = CallContext(call(GREETING, ("client", 5.0, "Мне нужен газобетон на дом."), *lines), standard)
    return detect_stage(ctx, standard.stage("needs_discovery"))


@pytest.mark.parametrize("line", [
    "Вы в нашей базе клиентов числитесь?",
    "У вас наша клубная карта имеется?",
    "Вы у нас уже заказывали раньше?",
])
def test_a_question_for_the_record_is_no_discovery(standard, line):
    # near a record question («вы у нас раньше покупали?») and far from every neutral line: the bar
    # is how near the standard's own examples come to a record question
    assert not _discovery(standard, ("seller", 9.0, line), ("seller", 14.0, "Газобетон есть на складе.")).present


@pytest.mark.parametrize("line", [
    "А для кого выбираете, и сами вы откуда?",  # «откуда вы» is near «откуда вы о нас узнали»
    "Вы уже покупали такие блоки раньше?",      # near «вы у нас раньше покупали?», of the goods, not of us
])
def test_a_need_asked_near_a_record_question_stays_discovery(standard, line):
    assert _discovery(standard, ("seller", 9.0, line)).present


def test_the_record_bar_is_calibrated_from_the_examples(standard):
    assert stage_index(standard).neutral_bar > record_bar(stage_index(standard)) > 0.0
