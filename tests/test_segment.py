"""The client's segment: each dimension from the client's words, unknown as None, conflicting cues kept."""

from __future__ import annotations

import pytest

from checks.analyze import analyze_transcript
from tests.helpers import call
from tests.test_lead import GREETING, standard_with


def segment_of(standard, *lines) -> dict:
    return analyze_transcript(call(GREETING, *lines), standard).attributes["segment"]


def client_says(standard, *texts: str) -> dict:
    return segment_of(standard, *(("client", 5.0 + 6 * i, t) for i, t in enumerate(texts)))


def values(dimension: dict) -> list:
    """The chosen value, then the other values the cues pointed to."""
    return [dimension["value"], *(o["value"] for o in dimension["others"])]


@pytest.mark.parametrize("dimension, texts, expected, reference", [
    # geography: the standard's places, matched on lemmas («в Подольске» → Подольск)
    ("geography", ["Доставка в Подольске возможна?"], ["moscow_region"], "Подольск"),
    ("geography", ["Мы из Москвы."], ["moscow"], "Москва"),
    ("geography", ["Склад у нас в Химках."], ["moscow_region"], "Химки"),
    ("geography", ["Мы в Подельске."], ["moscow_region"], "Подольск"),  # misheard, as Whisper does
    # ownership
    ("ownership", ["Покупаем от организации."], ["company"], "от организации"),
    ("ownership", ["Счёт выставьте на ООО «Вектор»."], ["company"], "ООО"),
    ("ownership", ["Я ИП, работаю на себя."], ["sole_trader"], "ИП"),
    ("ownership", ["Я как частное лицо."], ["private"], "частное лицо"),
    ("ownership", ["Беру от себя, для дачи."], ["private"], "от себя"),
    # products: the company's products, on lemmas
    ("products", ["Нужны кирпичи, красные."], ["кирпич"], "кирпич"),
    ("products", ["Сколько стоит утеплитель?"], ["утеплитель"], "утеплитель"),
    ("products", ["Хочу заказать теплительные плиты."], ["утеплитель"], "утеплитель"),  # misheard
    # new or regular client
    ("relationship", ["Мы у вас уже брали в прошлом году."], ["regular"], "мы у вас уже брали"),
    ("relationship", ["Впервые к вам обращаюсь."], ["new"], "впервые"),
    # size: the largest level a sum or a volume reaches (demo thresholds)
    ("size", ["Бюджет полтора миллиона."], ["large"], "large: from 1000000 руб."),
    ("size", ["Нужно 30 кубов газобетона."], ["medium"], "medium: from 20 куб"),
    ("size", ["Нам 5 кубов всего."], ["small"], "small: under 20 куб"),
    ("size", ["Кубов 150 надо."], ["large"], "large: from 100 куб"),  # the unit first, as spoken
    ("size", ["Готовы потратить пятьдесят тысяч."], ["small"], "small: under 200000 руб."),
    ("size", ["Поддонов 50 нужно, 50 поддонов."], ["large"], "large: from 40 поддон"),
])
def test_each_dimension(demo_standard, dimension, texts, expected, reference):
    dim = client_says(demo_standard, *texts)[dimension]
    assert values(dim) == expected
    ev = dim["evidence"]
    assert ev["speaker"] == "client" and ev["reference"] == reference and 5.0 <= ev["start"] < ev["end"]
    assert ev["quote"].lower().strip(".,«»?") in texts[0].lower()


@pytest.mark.parametrize("dimension, texts", [
    ("geography", ["Мне бы узнать цену."]),
    ("ownership", ["Ну типа того, посмотрим."]),  # «типа» holds the letters of «ИП», not the word
    ("products", ["А шифер у вас есть?"]),
    ("products", ["Забор из металла нужен."]),  # «металл» shares a stem with «металлочерепица», not the word
    ("relationship", ["Нужен газобетон."]),
    ("size", ["Живём в доме 12, квартира 140."]),  # numbers, but no sum of money
    ("size", ["Строить будем в 2025 году."]),
    ("industry", ["Мы строительная компания."]),  # the demo standard lists no industries
])
def test_unknown_stays_none(demo_standard, dimension, texts):
    assert client_says(demo_standard, *texts)[dimension] == {"value": None, "evidence": None, "others": []}


@pytest.mark.parametrize("dimension, texts, expected", [
    # said more often wins; the other value is kept with its evidence
    ("geography", ["Мы из Москвы, а объект в Подольске.", "В Подольск везти, в сам Подольск."],
     ["moscow_region", "moscow"]),
    # a tie: the first said
    ("geography", ["Мы из Москвы, а объект в Подольске."], ["moscow", "moscow_region"]),
    ("ownership", ["Я частное лицо, но платить будет ООО."], ["private", "company"]),
    # size: the largest level, whatever was said more often
    ("size", ["Бюджет сто тысяч.", "Но кубов 150 точно надо.", "Бюджет сто тысяч, не больше."], ["large", "small"]),
    ("products", ["Газобетон и кирпич.", "Кирпич в первую очередь."], ["кирпич", "газобетон"]),
])
def test_conflicting_cues(demo_standard, dimension, texts, expected):
    dim = client_says(demo_standard, *texts)[dimension]
    assert values(dim) == expected
    assert all(o["evidence"]["speaker"] == "client" for o in dim["others"])


def test_only_the_clients_words_count(demo_standard):
    seg = segment_of(demo_standard, ("client", 5.0, "Сколько стоит доставка?"),
                     ("seller", 8.0, "В Подольск 2500 рублей, для ООО тоже, кирпич и бюджет миллион."))
    assert all(seg[d]["value"] is None for d in ("geography", "ownership", "size"))
    assert seg["products"]["value"] is None


def test_a_bare_number_is_a_sum_in_reply_to_a_budget_question(demo_standard):
    seg = segment_of(demo_standard, ("seller", 5.0, "Какой у вас бюджет?"), ("client", 8.0, "Триста тысяч."))
    assert seg["size"]["value"] == "medium" and seg["size"]["evidence"]["start"] >= 8.0
    seg = segment_of(demo_standard, ("seller", 5.0, "Какой этаж?"), ("client", 8.0, "Триста тысяч."))
    assert seg["size"]["value"] is None


def test_lists_and_thresholds_come_from_the_standard(demo_standard):
    std = standard_with(demo_standard, segment={
        "geography": {"south": ["Краснодар"]}, "industry": {"construction": ["строительная компания"]},
        "size": {"large": {"volume": {"тонна": 10}}}, "ownership": {"state": ["бюджетное учреждение"]},
        "relationship": {"regular": ["опять к вам"]}, "products": ["шифер"]})
    seg = client_says(std, "Мы строительная компания из Краснодара, бюджетное учреждение.",
                      "Опять к вам, шифер нужен, 12 тонн.")
    assert {d: seg[d]["value"] for d in seg} == {
        "size": "large", "geography": "south", "ownership": "state", "industry": "construction",
        "products": "шифер", "relationship": "regular"}
    # a level given replaces that level only: medium keeps its default sum
    assert client_says(std, "Бюджет пятьсот тысяч.")["size"]["value"] == "medium"


def test_mono_call_skips_the_check(demo_standard):
    result = analyze_transcript(call(GREETING, ("client", 5.0, "Мы из Москвы."), stereo=False), demo_standard)
    assert "segment" not in result.attributes
    assert any(s.startswith("segment@1: not measurable") for s in result.checks_skipped)
