"""A meeting proposal told by its structure (checks/dialogue/invitations.py): an invitation to come
or to meet, addressed to the client, with a time. The lines are written for this test, in words no
standard, bank or other test uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.dialogue.invitations import invitation_span, tells_of_coming
from checks.dialogue.stages import detect_stage
from checks.registry import CallContext
from checks.standard import load_standard
from checks.text.normalise import normalise_text
from tests.helpers import call

ROOT = Path(__file__).resolve().parent.parent
GREETING = ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?")


@pytest.fixture(scope="module")
def standard():
    return load_standard(ROOT / "scripts_ref" / "stroydom.yaml")


def _meeting(standard, line: str):
    ctx = CallContext(call(GREETING, ("client", 5.0, "Понятно."), ("seller", 9.0, line)), standard)
    return detect_stage(ctx, standard.stage("meeting_proposal"))


@pytest.mark.parametrize("line", [
    "Подъезжайте к нам в среду после обеда, все покажу вживую.",
    "Может, заскочите в субботу к одиннадцати?",
    "Сможете заехать в салон в четверг к пяти вечера?",
    "Давайте увидимся во вторник в десять утра.",
    "Загляните завтра, часам к трем, я буду на месте, договорились?",
    # v14: «можем» proposes («можем встретиться», split by recognition into «встретить все»), and an
    # infinitive of coming opening the line directs («приходите» heard as «приходить и»)
    "Можем встретить все у нас в салоне в пятницу к шести, подходит.",
    "Приходить и в среду к пяти вечера, разберем ваш проект вместе.",
    # v15: «хотите» puts the infinitive to the client («приходите» heard as «приходить»)
    "Если хотите подъехать в пятницу к шести, я буду на месте, нормально вам",
])
def test_an_invitation_with_a_time_is_a_meeting_proposal(standard, line):
    hit = _meeting(standard, line)
    assert hit.present, line
    assert hit.elements["concrete_time"]


@pytest.mark.parametrize("line", [
    # tells of others, or of the past: a verb of coming and a day, and no invitation
    "Многие покупатели приезжают к нам в субботу целыми семьями.",
    "Прошлой весной сосед тоже к нам заходил в пятницу.",
    # an invitation with no time and none of the stage's other elements
    "Ну, заходите как-нибудь, если что.",
    # a time and «успеете», told, not asked or proposed
    "Склад у нас работает до восьми вечера, так что успеете.",
    # the delivery comes, not the client
    "Машина придет в четверг до обеда.",
    # v15: what the client wants, told back, is no invitation without the coming being put to them
    "Вы хотите, чтобы мастер приехал в четверг к пяти.",
])
def test_telling_of_coming_is_no_meeting_proposal(standard, line):
    assert not _meeting(standard, line).present, line


def test_an_invitation_is_told_by_the_verbs_form():
    def span(text: str):
        return invitation_span(normalise_text(text))

    assert span("приходите в пятницу") == (0, 1)
    assert span("может подъедете к двум") is not None
    assert span("клиенты подъезжают к двум") is None  # the third person tells
    assert span("вы тогда сможете подъехать") is not None  # «сможете» puts it to the client
    assert span("мастер может подъехать") is None  # nothing puts the infinitive to the client
    assert span("у подъезда в пятницу") is None  # a noun with the verb's root


def test_a_phrase_of_coming_said_as_a_statement_does_not_count():
    phrase = normalise_text("приехать к нам")
    told = normalise_text("многие клиенты приезжают к нам по рекомендации")
    assert tells_of_coming(phrase, told, 2, 4)
    invited = normalise_text("приезжайте к нам в четверг")
    assert not tells_of_coming(phrase, invited, 0, 2)
    visit = normalise_text("мастер приедет к вам в четверг")  # a visit announced: a standard may count it
    assert not tells_of_coming(phrase, visit, 1, 3)
    garbled = normalise_text("многие приежжают к нам")  # a misheard word may be the invitation
    assert not tells_of_coming(phrase, garbled, 1, 3)


def test_an_infinitive_of_coming_opening_the_line_directs_unless_denied():
    assert invitation_span(normalise_text("Приходить и в среду к пяти вечера.")) is not None
    assert invitation_span(normalise_text("Подъехать к вам в субботу мы не сможем.")) is None
