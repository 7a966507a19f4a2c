"""A stage's phrase matched by some of its words in a sentence that is, by meaning, an everyday line
of a call is not the stage (`checks.meaning.calls.nearer_to_neutral`). The lines are written for
this test. Nor is a phrase matched by a comparative's lemma («лучше всех» for «всего хорошего»)."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.dialogue.stages import detect_stage
from checks.meaning.calls import stage_index
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
