"""The detectors on the held-out labelled call lines (tests/privacy_lines/heldout.yaml), scored
against floors just under what was measured when the set was first scored (docs/personal-data.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.privacy.detect import ignore_terms
from pipeline.privacy.scoring import evaluate, load_lines

LINES = Path(__file__).parent / "privacy_lines"
COMPANY = ignore_terms("СтройДом", ["строй дом"],
                       ["газобетон", "кирпич", "пиломатериалы", "металлочерепица", "утеплитель", "доставка"])


@pytest.fixture(scope="module")
def heldout() -> dict:
    return evaluate(load_lines(LINES / "heldout.yaml"), COMPANY)


def test_overall_floor(heldout: dict) -> None:
    """Measured 41 of 41 labelled spans found, 41 of 41 found spans right; one miss or one false
    span is allowed before this fails."""
    total = heldout["any"]
    assert total.labelled == 41
    assert total.recall >= 0.97 and total.precision >= 0.97, total


@pytest.mark.parametrize("kind", ["name", "phone", "address", "place"])
def test_floor_per_common_type(heldout: dict, kind: str) -> None:
    """Measured 1.0 each (5 to 9 spans a type): one miss allowed."""
    score = heldout[kind]
    assert score.labelled >= 5
    assert score.recall >= 0.8 and score.precision >= 0.8, score


@pytest.mark.parametrize("kind", ["card", "passport", "snils", "inn", "email"])
def test_rare_types_all_found(heldout: dict, kind: str) -> None:
    """Two or three spans a type, all measured found: any miss fails."""
    score = heldout[kind]
    assert score.labelled >= 2 and score.recall == 1.0 and score.precision == 1.0, score


def test_a_label_not_in_its_line_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('lines:\n  - speaker: client\n    text: "Мой номер 8 916"\n'
                   '    spans: [{type: phone, text: "8 917"}]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.yaml: lines\[0\].spans"):
        load_lines(bad)


def test_fresh_set_floor() -> None:
    """fresh.yaml, written after the detectors' last change and scored once: 28 of 28 labelled spans
    found; 29 of 30 found spans right (the false one is the company's own free phone number, said by
    the seller). One more miss or false span is allowed before this fails."""
    total = evaluate(load_lines(LINES / "fresh.yaml"), COMPANY)["any"]
    assert total.labelled == 28
    assert total.recall >= 0.96 and total.precision >= 0.93, total
