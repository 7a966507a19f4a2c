"""wrong_answer reads a duration said in hours (v9): «шесть часов» is normalised to the clock time
«06:00», which a fact in hours did not read. The lines are written for this test."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.analyze import analyze_transcript
from checks.dialogue.questions import stated_values
from checks.standard import load_standard
from checks.text.normalise import normalise_text
from tests.helpers import call

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
