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


# --- the generated calls with planted personal data (recordings/generate_calls.py --personal-data) ---

import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from pipeline.privacy.checksums import luhn_ok  # noqa: E402
from pipeline.privacy.evaluation import (  # noqa: E402
    TruthItem, item_masked, load_truth_items, score_call, span_false, summarise,
)
from pipeline.privacy.spans import PersonalSpan  # noqa: E402
from tests.helpers import call  # noqa: E402
from tests.test_phrasebank import _load_generator  # noqa: E402

gc = _load_generator()[0]
pdata = gc.pdata  # recordings/personal_data.py, as the generator imports it

_ONES = {w: i for i, w in enumerate(["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь",
                                     "девять"])}
_TEENS = {w: 10 + i for i, w in enumerate(["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать",
                                           "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать",
                                           "девятнадцать"])}
_TENS = {w: 10 * i for i, w in enumerate(["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят",
                                          "семьдесят", "восемьдесят", "девяносто"]) if w}
_HUNDREDS = {w: 100 * i for i, w in enumerate(["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот",
                                               "семьсот", "восемьсот", "девятьсот"]) if w}


def heard_digits(said: str) -> str:
    """The digits a listener writes down for a dictated number: «ноль» and a group's place values,
    read independently of the generator's own number writer."""
    out, group, rank = [], 0, 4  # rank: 3 hundreds, 2 tens, 1 units; a word of no lower rank starts a group
    for word in re.findall(r"[а-я]+", said.lower()):
        if word == "плюс":
            continue
        value, r = ((_HUNDREDS[word], 3) if word in _HUNDREDS else (_TENS[word], 2) if word in _TENS
                    else (_TEENS[word], 1) if word in _TEENS else (_ONES[word], 0 if word == "ноль" else 1))
        if r >= rank or r == 0 or rank == 0 or (word in _TEENS and rank == 2):  # «восемьдесят девятнадцать»: 80 19
            if rank < 4:
                out.append(str(group) if rank else "0")
            group, rank = 0, 4
        group, rank = group + value, r
    if rank < 4:
        out.append(str(group) if rank else "0")
    return "".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_planted_numbers_say_their_digits(seed: int) -> None:
    """What the client says for a phone, a card or a passport is the number the truth means."""
    rng = random.Random(seed)
    digits, said = pdata.random_phone(rng)
    assert heard_digits(said) == digits and len(digits) in (10, 11), said
    card, said = pdata.random_card(rng)
    assert heard_digits(said) == card and len(card) == 16 and luhn_ok(card), said
    passport, series, number = pdata.random_passport(rng)
    assert heard_digits(series) + heard_digits(number) == passport and len(passport) == 10, (series, number)


def test_planted_values_vary_and_speakable() -> None:
    rng = random.Random(7)
    names = {pdata.random_name(rng)[0] for _ in range(200)}
    addresses = {pdata.random_address(rng) for _ in range(200)}
    assert len(names) > 150 and len(addresses) > 150
    assert len(pdata.MALE_FIRST) + len(pdata.FEMALE_FIRST) >= 60 and len(pdata.SURNAMES) >= 40
    for text in [*names, *addresses]:
        gc.check_text(text)  # Festival's voice can say it


def test_carrier_groups_share_no_sentence() -> None:
    """Detectors are tuned on calls with group A and scored on groups B to E."""
    def sentences(group: str) -> set[str]:
        return {s for pairs in pdata.CARRIERS[group].values() for pair in pairs for s in pair if s}
    assert not sentences("A") & sentences("B")
    for blind in ("C", "D", "E"):
        assert not (sentences("A") | sentences("B")) & sentences(blind)


def test_every_carrier_group_makes_each_kind() -> None:
    """Each group's answers hold the value's place once, so the truth finds it in the line."""
    rng = random.Random(5)
    for group in pdata.CARRIERS:
        for kind in pdata.TYPE_WEIGHTS:
            for _ in range(20):
                _, pieces = pdata.exchange(kind, group, rng)
                assert [p[0] for p in pieces if not isinstance(p, str)] == [kind], (group, pieces)
                gc.check_text("".join(p if isinstance(p, str) else p[1] for p in pieces))


def test_one_exchange_per_kind_in_a_call() -> None:
    kinds = pdata.pick_kinds(random.Random(3), 4)
    assert len(set(kinds)) == 4 and set(kinds) <= set(pdata.TYPE_WEIGHTS)


@pytest.mark.skipif(shutil.which("text2wave") is None or shutil.which("sox") is None,
                    reason="needs festival and sox")
def test_generated_call_says_its_planted_data_at_its_seconds(tmp_path: Path) -> None:
    """Each planted item is in its client turn's words, and its seconds hold its speech: the
    client's channel is loud inside them and quiet in the short gap before the item."""
    cache = Path.home() / ".cache" / "callqa-tts"
    cache.mkdir(parents=True, exist_ok=True)
    data = gc.generate_call("pd_01", "fresh", 77, 0, "random", tmp_path, cache, 2, personal=3)
    items = load_truth_items(tmp_path / "pd_01.truth.json")
    planted = [i for i in items if i.source == "planted"]
    assert len(planted) == 3 and len({i.type for i in planted}) == 3
    audio, rate = sf.read(tmp_path / "pd_01.flac")
    client = audio[:, data["channels"]["client"]]
    truth = json.loads((tmp_path / "pd_01.truth.json").read_text(encoding="utf-8"))
    for raw, item in zip(truth["personal_data"], items):
        turn = truth["turns"][raw["turn"]]
        assert turn["speaker"] == item.speaker == "client" and item.text in turn["text"]
        assert turn["start"] <= item.start < item.end <= turn["end"] + 0.01
        inside = client[int(item.start * rate):int(item.end * rate)]
        assert np.sqrt(np.mean(inside ** 2)) > 0.02, item
        if item.start - turn["start"] > 0.3:  # a carrier before it: the gap between the pieces is quiet
            gap = client[int((item.start - 0.06) * rate):int((item.start - 0.02) * rate)]
            assert np.sqrt(np.mean(gap ** 2)) < 0.25 * np.sqrt(np.mean(inside ** 2)), item


# --- the evaluation's arithmetic (pipeline/privacy/evaluation.py) ---

def _span(t, utterance: int, text: str, part: str, kind: str = "phone") -> PersonalSpan:
    utt = t.utterances[utterance]
    a = utt.text.index(part)
    words = [w for w in utt.words if w.text in part.split()]
    return PersonalSpan(kind, utterance, a, a + len(part), words[0].start, words[-1].end, "test")


# words every 0.35 s: «Мой»(10.0) «номер»(10.35) «8»(10.7) «916»(11.05) «555»(11.4) «12»(11.75) «34»(12.1)
CALL = call(("seller", 0.0, "Строй Дом, Анна, слушаю. Газобетон есть."),
            ("client", 10.0, "Мой номер 8 916 555 12 34 звоните"))
PHONE = TruthItem("phone", "8 916 555 12 34", "client", "planted", 10.7, 12.4)


def test_an_item_is_masked_only_when_every_word_in_its_seconds_is() -> None:
    whole = _span(CALL, 1, "8 916 555 12 34", "8 916 555 12 34")
    assert item_masked(CALL, PHONE, [whole]) == (True, "8 916 555 12 34")
    part = _span(CALL, 1, "8 916 555 12", "8 916 555 12")  # «34» in clear: a miss
    assert item_masked(CALL, PHONE, [part])[0] is False
    assert item_masked(CALL, PHONE, [])[0] is False


def test_a_lead_in_beside_an_items_edge_need_not_be_masked() -> None:
    # words every 0.35 s: «квартира»(10.0) «39.»(10.35) «Там»(10.7) «налево»(11.05)
    flat = call(("client", 10.0, "квартира 39. Там налево"))
    item = TruthItem("address", "квартира тридцать девять", "client", "planted", 9.9, 10.9)
    masked = _span(flat, 0, "квартира 39", "квартира 39")
    assert item_masked(flat, item, [masked])[0] is True  # «Там» went with the next sentence
    drifted = call(("client", 10.0, "квартира 39 вроде"))  # «вроде» ends inside only by the timing tolerance
    assert item_masked(drifted, item, [_span(drifted, 0, "квартира 39", "квартира 39")])[0] is True
    # inside the item, neither at its edge nor after a sentence's end: a lead-in counts
    within = call(("client", 10.0, "квартира 39 там 12"))
    longer = TruthItem("address", "квартира тридцать девять там двенадцать", "client", "planted", 9.9, 11.4)
    spans = [_span(within, 0, "квартира 39", "квартира 39"), _span(within, 0, "12", "12")]
    assert item_masked(within, longer, spans)[0] is False


def test_an_item_whisper_wrote_nothing_for_counts_by_its_masked_seconds() -> None:
    silent = TruthItem("name", "Ольга", "client", "planted", 20.0, 21.0)
    near = PersonalSpan("name", 1, 0, 3, 19.8, 20.6, "test")
    far = PersonalSpan("name", 1, 0, 3, 20.0, 20.3, "test")
    assert item_masked(CALL, silent, [near])[0] is True  # 0.6 of 1.0 s covered
    assert item_masked(CALL, silent, [far])[0] is False


def test_a_masked_span_is_false_unless_it_overlaps_the_truth_on_its_side() -> None:
    company = PersonalSpan("name", 0, 0, 9, 0.0, 0.7, "test")
    assert span_false(CALL, company, [PHONE]) is True
    on_phone = _span(CALL, 1, "8 916", "8 916")
    assert span_false(CALL, on_phone, [PHONE]) is False
    sellers_side = TruthItem("phone", "x", "seller", "planted", 10.7, 12.4)
    assert span_false(CALL, on_phone, [sellers_side]) is True
    bank = TruthItem("name", "Анна", "seller", "bank", 0.0, 0.5)
    assert span_false(CALL, company, [bank]) is False


def test_summary_counts_planted_and_bank_items_and_false_spans() -> None:
    town = TruthItem("place", "Подольске", "client", "bank", 30.0, 31.0)
    masked = [_span(CALL, 1, "8 916 555 12 34", "8 916 555 12 34"), PersonalSpan("name", 0, 0, 9, 0.0, 0.7, "test")]
    one = score_call("a", CALL, [PHONE, town], masked)
    two = score_call("b", CALL, [PHONE], [])
    s = summarise([one, two])
    assert (s.row("phone").planted, s.row("phone").masked, s.row("phone").share) == (2, 1, 0.5)
    assert (s.row("planted").planted, s.row("planted").masked) == (2, 1)
    assert (s.row("bank lines").planted, s.row("bank lines").masked) == (1, 0)
    assert (s.calls, s.masked_spans, s.false_spans, s.false_share) == (2, 2, 1, 0.5)


def test_a_sidecar_without_personal_data_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.truth.json"
    path.write_text('{"recording": "x.flac"}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"x.truth.json: no personal_data"):
        load_truth_items(path)
    path.write_text('{"personal_data": [{"type": "phone", "text": "1", "speaker": "client"}]}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"x.truth.json: personal_data\[0\]"):
        load_truth_items(path)
