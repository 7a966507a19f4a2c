"""misrouted_call: the answering seller's segments or conveyor role do not cover the client."""

from __future__ import annotations

import pytest

from checks.analyze import analyze_transcript
from pipeline.phone.sellers import Seller
from tests.helpers import call
from tests.test_lead import GREETING, standard_with


def seller(role: str | None = None, **segments: list[str]) -> Seller:
    return Seller(name="Анна Петрова", extensions=["101"], role=role, segments=segments)  # type: ignore[arg-type]


def misrouted(standard, who: Seller | None, *client_lines: str) -> list:
    lines = [("client", 5.0 + 6 * i, text) for i, text in enumerate(client_lines)]
    result = analyze_transcript(call(GREETING, *lines), standard, seller=who)
    return [f for f in result.findings if f.type == "misrouted_call"]


@pytest.mark.parametrize("who, said, dimensions", [
    # by segment: the client is outside the seller's list
    (seller(geography=["Москва"]), "Доставка в Подольск нужна.", ["geography"]),
    (seller(size=["large"]), "Нам 5 кубов газобетона.", ["size"]),
    (seller(products=["кирпич"]), "Нужен утеплитель.", ["products"]),
    (seller(ownership=["ИП"]), "Покупаем от организации.", ["ownership"]),
    (seller(ownership=["ООО", "ИП"]), "Я частное лицо.", ["ownership"]),
    # by place on the conveyor: a farmer keeps regular clients, a hunter works new ones
    (seller(role="farmer"), "Впервые к вам обращаюсь.", ["relationship"]),
    (seller(role="hunter"), "Мы у вас уже брали, как обычно.", ["relationship"]),
    # every dimension that misses is named
    (seller(role="farmer", geography=["Москва"]), "Впервые звоню, объект в Подольске.", ["geography", "relationship"]),
])
def test_misrouted(demo_standard, who, said, dimensions):
    found = misrouted(demo_standard, who, said)
    assert len(found) == 1
    f = found[0]
    assert [m["dimension"] for m in f.details["mismatches"]] == dimensions
    assert f.severity == "major" and f.check == "misrouted_call" and f.speaker == "client"
    assert 5.0 <= f.start < f.end <= 5.0 + 0.35 * len(said.split()) + 0.01
    assert f.reference.startswith("Анна Петрова") and f.details["seller"] == "Анна Петрова"
    for m in f.details["mismatches"]:
        assert m["evidence"]["quote"].lower().strip(".,") in said.lower() and m["responsibility"]
        assert f"→ {m['dimension']} {m['value']}" in f.evidence


@pytest.mark.parametrize("who, said", [
    (seller(geography=["Москва"]), "Мы из Москвы."),
    (seller(geography=["Подольск"]), "Объект в Подольске."),  # the seller names the city, not the label
    (seller(geography=["moscow_region"]), "Объект в Подольске."),  # or the standard's label
    (seller(ownership=["ООО"]), "Покупаем от организации."),  # «ООО» is a form of company
    (seller(size=["medium", "large"]), "Нужно 30 кубов."),
    (seller(products=["кирпич"]), "Кирпич и утеплитель нужны."),  # one covered product is enough
    (seller(geography=["Москва"]), "Живём в Москве, объект в Подольске."),  # conflicting cues: one covered
    (seller(role="farmer"), "Мы у вас уже брали."),
    (seller(geography=["Москва"], role="farmer"), "Нужен газобетон."),  # the call says nothing on either
    (seller(), "Доставка в Подольск, я частное лицо."),  # a seller with no segments covers everyone
    (seller(size=["large"]), "Живём в Подольске."),  # the call names no size: not judged
])
def test_not_misrouted(demo_standard, who, said):
    assert misrouted(demo_standard, who, said) == []


def test_skipped_without_a_seller(demo_standard):
    result = analyze_transcript(call(GREETING, ("client", 5.0, "Доставка в Подольск.")), demo_standard)
    assert all(f.type != "misrouted_call" for f in result.findings)
    assert "misrouted_call@1: no seller known for this call (sellers.yaml)" in result.checks_skipped
    assert not any(label.startswith("misrouted_call") for label in result.checks_run)


def test_runs_with_a_seller(demo_standard):
    result = analyze_transcript(call(GREETING, ("client", 5.0, "Мы из Москвы.")), demo_standard,
                                seller=seller(geography=["Москва"]))
    assert "misrouted_call@1" in result.checks_run
    assert not any(s.startswith("misrouted_call") for s in result.checks_skipped)


def test_roles_and_severity_come_from_the_standard(demo_standard):
    std = standard_with(demo_standard, misrouted_call={"severity": "critical", "roles": {"farmer": ["regular", "new"]}})
    assert misrouted(std, seller(role="farmer"), "Впервые к вам обращаюсь.") == []
    found = misrouted(std, seller(role="scout"), "Мы у вас уже брали.")
    assert [f.severity for f in found] == ["critical"]
    assert found[0].details["mismatches"][0]["responsibility"] == ["scout: new"]
