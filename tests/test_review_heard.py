"""The call page says how sure the recogniser was of a wrong answer's stated value.

`details.heard` (Whisper's lowest word probability over the stated value) reads «Распознано
неуверенно (0.31): прослушайте сумму» under 0.6 and «Распознано уверенно (0.93)» from 0.6 up;
`details.reheard` (the audio's log-likelihood read as the stated vs. the knowledge base's value) adds
«Перепроверка: звук ближе к «…», чем к «…»». Other findings and findings without the keys show
nothing. The view model is tested on its own; the page through the app (a QA lead and a coach, whose
masked view keeps the numbers) and once in a real browser.
"""

from __future__ import annotations

import html
import math
import re

import pytest
from sqlalchemy import select

from pipeline.records import Finding
from pipeline.review.callview import HEARD_SURE, CallView, HeardNote, heard_note
from tests.conftest_review import login
from tests.test_review_browser import assert_clean, browser, open_tab, sign_in  # noqa: F401 (fixtures)

STATED, EXPECTED = "8090 руб.", "9080 руб."
REHEARD = {"stated_logprob": -41.2, "expected_logprob": -47.9}
UNSURE = "Распознано неуверенно (0.31): прослушайте сумму"
RECHECK = f"Перепроверка: звук ближе к «{STATED}», чем к «{EXPECTED}»"


def wrong_answer(**details: object) -> Finding:
    return Finding("wrong_answer", "major", 31.2, 33.0, "seller", "восемь тысяч девяносто", "delivery: 9080 руб.",
                   "wrong_answer", {"expected": EXPECTED, "stated": STATED, **details})


# --- the view model --------------------------------------------------------------------------------------


def test_unsure_sure_and_the_threshold() -> None:
    assert heard_note(wrong_answer(heard=0.31)) == HeardNote(False, UNSURE, None)
    assert heard_note(wrong_answer(heard=0.93)) == HeardNote(True, "Распознано уверенно (0.93)", None)
    assert HEARD_SURE == 0.6
    assert heard_note(wrong_answer(heard=0.6)).heard == "Распознано уверенно (0.60)"
    assert heard_note(wrong_answer(heard=0)).heard == "Распознано неуверенно (0.00): прослушайте сумму"
    assert heard_note(wrong_answer(heard=1)).heard == "Распознано уверенно (1.00)"
    # cut, not rounded: a value under the threshold never reads as the threshold itself
    assert heard_note(wrong_answer(heard=0.5999)).heard == "Распознано неуверенно (0.59): прослушайте сумму"
    assert heard_note(wrong_answer(heard=0.29)).heard.startswith("Распознано неуверенно (0.29)")


def test_recheck_line_with_or_without_heard() -> None:
    assert heard_note(wrong_answer(heard=0.31, reheard=REHEARD)) == HeardNote(False, UNSURE, RECHECK)
    assert heard_note(wrong_answer(heard=0.93, reheard=REHEARD)).recheck == RECHECK
    # no word probabilities (heard null) but a recheck: the recheck alone
    assert heard_note(wrong_answer(heard=None, reheard=REHEARD)) == HeardNote(None, None, RECHECK)
    # the numbers decide which value the sound is nearer; a tie says nothing
    swapped = {"stated_logprob": -50.0, "expected_logprob": -40.0}
    assert heard_note(wrong_answer(reheard=swapped)).recheck == (
        f"Перепроверка: звук ближе к «{EXPECTED}», чем к «{STATED}»")
    tie = {"stated_logprob": -4.0, "expected_logprob": -4.0}
    assert heard_note(wrong_answer(heard=0.31, reheard=tie)).recheck is None


@pytest.mark.parametrize("details", [
    {},  # a wrong answer stored before `heard` existed
    {"heard": None},
    {"heard": None, "reheard": None},
    {"heard": "0.31"}, {"heard": True}, {"heard": math.nan},  # not a probability
    {"reheard": {"stated_logprob": -41.2}},  # half a recheck
    {"reheard": [-41.2, -47.9]},
])
def test_nothing_without_the_keys(details: dict) -> None:
    assert heard_note(wrong_answer(**details)) is None


def test_nothing_for_other_findings() -> None:
    for kind in ("missing_stage", "long_pause", "hallucination"):
        finding = Finding(kind, "minor", 1.0, 2.0, "seller", "…", details={"heard": 0.2, "reheard": REHEARD,
                                                                           "stated": STATED, "expected": EXPECTED})
        assert heard_note(finding) is None
    assert CallView.heard_note(wrong_answer(heard=0.31)) == heard_note(wrong_answer(heard=0.31))  # the template's way


def test_a_lost_value_names_the_words_heard_and_not_the_expected_value_as_closer() -> None:
    note = heard_note(wrong_answer(stated="стоять пять петеч рублей.", heard=0.2, value_lost=True, reheard=REHEARD))
    assert note is not None and note.heard == "Распознано неуверенно (0.20): прослушайте сумму"
    assert note.recheck == ("Перепроверка: значение не распознано («стоять пять петеч рублей.»), "
                            f"звук не похож на «{EXPECTED}»")


def test_recheck_needs_both_values_named() -> None:
    finding = Finding("wrong_answer", "major", 1.0, 2.0, "seller", "…", details={"heard": 0.31, "reheard": REHEARD})
    assert heard_note(finding) == HeardNote(False, UNSURE, None)


# --- the page --------------------------------------------------------------------------------------------


def _plant_heard(db_url: str, heard: float | None, reheard: dict | None) -> tuple[int, list[int], str, str]:
    """Every wrong answer of the first call with one gets `heard` and `reheard` (the batch already
    stored its own `heard`): (analysis id, the wrong answers' idx, the first one's stated and expected)."""
    from pipeline.storage.db import open_database
    from pipeline.storage.models import FindingRow

    sessions = open_database(db_url)
    with sessions.begin() as session:
        aid = session.scalars(select(FindingRow.analysis_id).where(FindingRow.type == "wrong_answer")
                              .order_by(FindingRow.analysis_id)).first()
        assert aid is not None, "no wrong answer among the demo calls"
        rows = session.scalars(select(FindingRow).where(FindingRow.analysis_id == aid,
                                                        FindingRow.type == "wrong_answer")
                               .order_by(FindingRow.idx)).all()
        for row in rows:
            row.details = {**row.details, "heard": heard, "reheard": reheard}
        planted = (aid, [r.idx for r in rows], str(rows[0].details["stated"]), str(rows[0].details["expected"]))
    sessions.kw["bind"].dispose()
    return planted


def _cards(page: str) -> dict[int, tuple[str, str]]:
    """The page's finding cards: idx -> (type, the card's text with entities decoded)."""
    cards = {}
    for chunk in page.split('<article class="finding')[1:]:
        idx = int(re.search(r'data-idx="(\d+)"', chunk).group(1))
        kind = re.search(r'data-type="([^"]+)"', chunk).group(1)
        cards[idx] = (kind, html.unescape(chunk[:chunk.index("</article>")]))
    return cards


@pytest.mark.model  # the seed database comes from the real Whisper model
def test_call_page_shows_it_to_a_lead_and_a_masked_coach(review_client, review_db_url: str) -> None:
    aid, wrong, stated, expected = _plant_heard(review_db_url, 0.31, REHEARD)
    for name in ("lead", "coach"):
        review_client.cookies.clear()
        login(review_client, name)
        page = review_client.get(f"/call/{aid}")
        assert page.status_code == 200
        assert ("masked-note" in page.text) == (name == "coach")
        cards = _cards(page.text)
        assert cards[wrong[0]][0] == "wrong_answer"
        assert UNSURE in cards[wrong[0]][1], name
        assert f"Перепроверка: звук ближе к «{stated}», чем к «{expected}»" in cards[wrong[0]][1], name
        for idx, (kind, card) in cards.items():  # only wrong answers say it
            assert (("Распознано" in card) == ("Перепроверка" in card) == (kind == "wrong_answer")), (name, idx)


@pytest.mark.model
def test_call_page_without_the_keys_says_nothing(review_client, review_db_url: str) -> None:
    aid, _wrong, _stated, _expected = _plant_heard(review_db_url, None, None)
    login(review_client, "lead")
    page = review_client.get(f"/call/{aid}").text
    assert "Распознано" not in page and "Перепроверка" not in page and "heard-note" not in page


@pytest.mark.model
@pytest.mark.browser
def test_browser_shows_a_sure_value(open_tab, review_db_url: str) -> None:
    aid, wrong, _stated, _expected = _plant_heard(review_db_url, 0.93, None)
    tab = open_tab()
    sign_in(tab, "lead")
    tab.goto(f"/call/{aid}")
    note = tab.page.locator(f"#finding-{wrong[0]} .heard")
    assert note.is_visible() and note.inner_text() == "Распознано уверенно (0.93)"
    assert "sure" in note.get_attribute("class").split()
    assert tab.page.locator("#findings .reheard").count() == 0
    assert_clean(tab)
