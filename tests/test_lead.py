"""Lead qualification (article, table 1): questions asked, answers read, priority by the standard's rules."""

from __future__ import annotations

import pytest

from checks.analyze import analyze_transcript, plan_checks
from checks.rules.lead_rules import Answer, PriorityRule, When, prioritise
from checks.standard import Standard, StandardError, parse_standard
from pipeline.records import Evidence
from tests.helpers import call

GREETING = ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?")
OPENING = ("client", 5.0, "Здравствуйте, нужен газобетон на дом.")


def standard_with(base: Standard, **checks: object) -> Standard:
    """The demo standard with some checks' parameters replaced, validated as a file would be."""
    data = base.model_dump()
    data["checks"] = {**(data["checks"] or {}), **checks}
    return parse_standard(data, "test.yaml")


def lead_of(standard: Standard, *lines: tuple[str, float, str]) -> dict:
    return analyze_transcript(call(GREETING, OPENING, *lines), standard).attributes["lead"]


def answers(lead: dict, field: str) -> list:
    return [a["value"] for a in lead["answers"] if a["field"] == field]


# --- the rules, on answers built by hand -------------------------------------------

EV = Evidence(start=10.0, end=11.0, speaker="client", quote="…")


def ans(field: str, value: object, label: str = "") -> Answer:
    return Answer(field, "x", value, EV, label)  # type: ignore[arg-type]


RULES = [
    PriorityRule(priority="hot", when=When(term_days_max=14, payment=["at_once", "prepayment"], budget_min=100_000)),
    PriorityRule(priority="warm", when=When(term=["urgent"])),
    PriorityRule(priority="warm", when=When(budget_min=50_000)),
]


@pytest.mark.parametrize("given, priority, rule, conditions", [
    # every condition of the first rule holds
    ([ans("term", 10, "planned"), ans("payment", "at_once"), ans("budget", 200_000.0)],
     "hot", 0, ["term_days_max", "payment", "budget_min"]),
    # the bounds are inclusive
    ([ans("term", 14, "planned"), ans("payment", "prepayment"), ans("budget", 100_000.0)],
     "hot", 0, ["term_days_max", "payment", "budget_min"]),
    # one condition of the first rule fails (term too far): a later rule decides
    ([ans("term", 20, "planned"), ans("payment", "at_once"), ans("budget", 200_000.0)], "warm", 2, ["budget_min"]),
    # a missing answer fails its condition: no budget named
    ([ans("term", 2, "urgent"), ans("payment", "at_once")], "warm", 1, ["term"]),
    # a payment mode the rule does not list
    ([ans("term", 10, "planned"), ans("payment", "in_stages"), ans("budget", 200_000.0)], "warm", 2, ["budget_min"]),
    # no deadline (None days) meets no term_days_max
    ([ans("term", None, "not_urgent"), ans("payment", "at_once"), ans("budget", 20_000.0)], "cold", None, []),
    # nothing answered: the default
    ([], "cold", None, []),
])
def test_priority_rules_table(given, priority, rule, conditions):
    got_priority, got_rule, reasons = prioritise(RULES, "cold", given)
    assert (got_priority, got_rule) == (priority, rule)
    assert [r.condition for r in reasons] == conditions
    for reason in reasons:  # each reason names the answer that met it
        assert reason.answer in given and reason.answer.field in {"term", "payment", "budget"}


def test_the_first_rule_that_holds_wins_over_a_later_hotter_one():
    rules = [PriorityRule(priority="warm", when=When(term_days_max=30)),
             PriorityRule(priority="hot", when=When(term_days_max=14))]
    assert prioritise(rules, "cold", [ans("term", 7, "planned")])[:2] == ("warm", 0)
    assert prioritise(list(reversed(rules)), "cold", [ans("term", 7, "planned")])[:2] == ("hot", 0)


def test_payment_reason_names_the_mode_that_met_it():
    given = [ans("payment", "in_stages"), ans("payment", "prepayment")]
    _, _, reasons = prioritise([PriorityRule(priority="hot", when=When(payment=["prepayment"]))], "cold", given)
    assert [r.answer.value for r in reasons] == ["prepayment"] and reasons[0].threshold == ["prepayment"]


@pytest.mark.parametrize("when, given, holds", [
    (When(budget_max=100_000), [ans("budget", 80_000.0)], True),
    (When(budget_max=100_000), [ans("budget", 180_000.0)], False),
    (When(payment_days_max=7), [ans("payment_term", 7, "planned")], True),
    (When(payment_days_max=7), [ans("term", 7, "planned")], False),  # the need's date is not the payment's
    (When(goal=True), [ans("goal", "Строим баню")], True),
    (When(goal=True), [], False),
    (When(term=["not_urgent"]), [ans("term", None, "not_urgent")], True),
    (When(frequency=["regular"]), [ans("frequency", "regular")], True),
    (When(frequency=["regular"]), [ans("frequency", "one_off")], False),
])
def test_each_condition(when, given, holds):
    priority, _, _ = prioritise([PriorityRule(priority="hot", when=when)], "cold", given)
    assert (priority == "hot") is holds


def test_default_priority_comes_from_the_standard(demo_standard):
    std = standard_with(demo_standard, lead_qualification={"priority_rules": [], "default_priority": "warm"})
    assert lead_of(std, ("seller", 9.0, "Когда вам нужен товар?"), ("client", 11.0, "Через неделю."))["priority"] == "warm"


@pytest.mark.parametrize("params, key", [
    ({"priority_rules": [{"priority": "hot", "when": {"term_days_max": "soon"}}]},
     "checks.lead_qualification.priority_rules[0].when.term_days_max"),
    ({"priority_rules": [{"priority": "hot", "when": {"term_days": 3}}]},
     "checks.lead_qualification.priority_rules[0].when.term_days"),
    ({"priority_rules": [{"priority": "hot", "when": {}}]}, "checks.lead_qualification.priority_rules[0].when"),
    ({"priority_rules": [{"priority": "lukewarm", "when": {"goal": True}}]},
     "checks.lead_qualification.priority_rules[0].priority"),
    ({"payment": {"barter": ["бартер"]}}, "checks.lead_qualification.payment.barter.[key]"),
    ({"questions": {"urgency": "когда"}}, "checks.lead_qualification.questions.urgency"),
])
def test_broken_rules_stop_the_run_naming_the_key(demo_standard, params, key):
    with pytest.raises(StandardError) as raised:
        plan_checks(standard_with(demo_standard, lead_qualification=params), "demo.yaml")
    assert str(raised.value).startswith("demo.yaml: ") and f"{key}: " in str(raised.value)


# --- questions and answers, on hand-built calls ------------------------------------

@pytest.mark.parametrize("reply, days, label", [
    ("Через две недели.", 14, "planned"),
    ("К концу месяца надо.", 30, "planned"),
    ("На следующей неделе.", 14, "planned"),
    ("Срочно, вчера было нужно.", 1, "urgent"),
    ("Завтра бы.", 1, "urgent"),
    ("Через пару дней.", 2, "urgent"),
    ("Через 2-3 недели.", 21, "planned"),  # a range: its upper bound
    ("Хотелось бы к пятнице.", 7, "planned"),
    ("Через полтора месяца.", 45, "planned"),
    ("Да не горит, пока присматриваемся.", None, "not_urgent"),
    ("Не срочно, но через месяц уже нужно.", 30, "planned"),  # a date beats «не срочно»
])
def test_term_in_the_reply_to_an_urgency_question(demo_standard, reply, days, label):
    lead = lead_of(demo_standard, ("seller", 9.0, "Когда вам нужен товар?"), ("client", 11.0, reply))
    term = [a for a in lead["answers"] if a["field"] == "term"]
    assert [(a["value"], a["label"]) for a in term] == [(days, label)]
    ev = term[0]["evidence"]
    assert ev["speaker"] == "client" and 11.0 <= ev["start"] < ev["end"] and ev["quote"] in reply and ev["reference"]


@pytest.mark.parametrize("reply, modes", [
    ("Оплатим сразу всю сумму.", ["at_once"]),
    ("Поэтапно, с предоплатой.", ["in_stages", "prepayment"]),
    ("Без предоплаты, по факту.", ["postpay"]),  # «без предоплаты» is not «предоплата»
    ("Наличными.", ["cash"]),
    ("Наличкой, если можно.", ["cash"]),
    ("По счёту, безнал.", ["invoice"]),
    ("Ещё не решили.", []),
])
def test_payment_modes_in_the_reply_to_a_budget_question(demo_standard, reply, modes):
    lead = lead_of(demo_standard, ("seller", 9.0, "Как будете оплачивать?"), ("client", 11.0, reply))
    assert answers(lead, "payment") == modes


@pytest.mark.parametrize("reply, rub", [
    ("Бюджет триста тысяч.", 300_000),
    ("Двести пятьдесят тысяч.", 250_000),  # a bare number answers a budget question
    ("От двухсот до трёхсот тысяч.", 300_000),  # a budget is a ceiling
    ("Около полутора миллионов рублей.", 1_500_000),
    ("Пока не считали.", None),
])
def test_budget_in_rubles(demo_standard, reply, rub):
    lead = lead_of(demo_standard, ("seller", 9.0, "Какой у вас бюджет?"), ("client", 11.0, reply))
    assert answers(lead, "budget") == ([] if rub is None else [rub])


def test_goal_is_quoted_in_the_clients_words(demo_standard):
    lead = lead_of(demo_standard, ("seller", 9.0, "Для чего вам это нужно?"),
                   ("client", 11.0, "Баню строим, хотим тёплые стены."))
    goal = [a for a in lead["answers"] if a["field"] == "goal"]
    assert [g["value"] for g in goal] == ["Баню строим, хотим тёплые стены."]
    assert goal[0]["category"] == "benefit" and goal[0]["evidence"]["start"] == 11.0


def test_full_qualification_is_hot_with_reasons_and_evidence(demo_standard):
    lead = lead_of(demo_standard,
                   ("seller", 9.0, "Когда вам нужен товар?"), ("client", 11.0, "Через две недели."),
                   ("seller", 14.0, "Как будете оплачивать?"), ("client", 16.0, "Сразу, бюджет триста тысяч."),
                   ("seller", 20.0, "Для чего вам это нужно?"), ("client", 22.0, "Строим дом."))
    assert lead["priority"] == "hot" and lead["rule"] == 0 and lead["not_asked"] == []
    assert [(r["condition"], r["answer"]["value"]) for r in lead["reasons"]] == [
        ("term_days_max", 14), ("payment", "at_once")]
    assert lead["reasons"][0]["answer"]["evidence"]["quote"] == "Через две недели."
    assert [(q["category"], q["evidence"]["speaker"], q["evidence"]["start"]) for q in lead["asked"]] == [
        ("urgency", "seller", 9.0), ("budget", "seller", 14.0), ("benefit", "seller", 20.0)]
    assert lead["asked"][1]["evidence"]["reference"] == "как будете оплачивать"


def test_nothing_asked_is_cold_and_lists_every_category(demo_standard):
    lead = lead_of(demo_standard, ("seller", 9.0, "Газобетон есть на складе."),
                   ("client", 12.0, "Нужен срочно, оплатим сразу."))  # unprompted: no question to anchor it
    assert lead["priority"] == "cold" and lead["rule"] is None and lead["reasons"] == []
    assert lead["not_asked"] == ["urgency", "budget", "benefit"] and lead["answers"] == []


def test_a_meeting_time_is_not_an_urgency_question(demo_standard):
    lead = lead_of(demo_standard, ("seller", 9.0, "Когда вам удобно подъехать к нам в офис?"),
                   ("client", 12.0, "Завтра."))
    assert "urgency" in lead["not_asked"] and answers(lead, "term") == []


def test_client_questions_do_not_count_as_asked(demo_standard):
    lead = lead_of(demo_standard, ("client", 9.0, "А когда вам нужна оплата?"), ("seller", 12.0, "При заказе."))
    assert lead["asked"] == []


def test_answer_belongs_to_the_latest_question(demo_standard):
    lead = lead_of(demo_standard,
                   ("seller", 9.0, "Когда вам нужен товар?"), ("client", 11.0, "Хм, дайте подумать."),
                   ("seller", 14.0, "Как будете оплачивать?"), ("client", 16.0, "Завтра оплатим сразу."))
    # «завтра» follows the budget question: when they pay, not when they need it
    assert answers(lead, "term") == [] and answers(lead, "payment_term") == [1]
    assert answers(lead, "payment") == ["at_once"]


def test_one_line_asking_need_and_payment_gives_the_date_to_the_need(demo_standard):
    lead = lead_of(demo_standard, ("seller", 9.0, "Когда вам нужен товар и как будете оплачивать?"),
                   ("client", 13.0, "Через неделю, с предоплатой."))
    assert answers(lead, "term") == [7] and answers(lead, "payment_term") == []
    assert answers(lead, "payment") == ["prepayment"]


def test_answer_after_the_reply_window_is_not_read(demo_standard):
    std = standard_with(demo_standard, lead_qualification={"answer_turns": 1})
    lead = lead_of(std, ("seller", 9.0, "Когда вам нужен товар?"), ("client", 11.0, "Сейчас скажу."),
                   ("client", 14.0, "Через неделю."))
    assert answers(lead, "term") == []
    assert answers(lead_of(demo_standard, ("seller", 9.0, "Когда вам нужен товар?"), ("client", 11.0, "Сейчас скажу."),
                           ("client", 14.0, "Через неделю.")), "term") == [7]


def test_question_and_term_phrases_come_from_the_standard(demo_standard):
    std = standard_with(demo_standard, lead_qualification={
        "questions": {"urgency": ["к сезону успеваете"]}, "terms": {"к сезону": 90}})
    lead = lead_of(std, ("seller", 9.0, "К сезону успеваете?"), ("client", 11.0, "Надо к сезону."))
    assert answers(lead, "term") == [90] and lead["asked"][0]["evidence"]["reference"] == "к сезону успеваете"


def test_mono_call_skips_the_check(demo_standard):
    result = analyze_transcript(call(GREETING, OPENING, stereo=False), demo_standard)
    assert "lead" not in result.attributes
    assert any(s.startswith("lead_qualification@6: not measurable") for s in result.checks_skipped)


@pytest.mark.parametrize("reply, frequency, term", [
    ("Каждый месяц берём.", ["regular"], []),  # «месяц» here is no deadline
    ("Раз в неделю примерно.", ["regular"], []),
    ("Разово, через неделю.", ["one_off"], [7]),
    ("Пока не знаю.", [], []),
])
def test_how_often_in_the_reply_to_an_urgency_question(demo_standard, reply, frequency, term):
    lead = lead_of(demo_standard, ("seller", 9.0, "Как часто вам это нужно?"), ("client", 11.0, reply))
    assert answers(lead, "frequency") == frequency and answers(lead, "term") == term
    assert lead["asked"][0]["category"] == "urgency"
