"""The standard's lead-priority rules, judged on the client's answers.

`priority_rules` is a list of {priority, when}. The first rule all of whose
conditions hold gives the priority, and each condition names the answer that
met it, so a QA lead can hear why a lead is hot. A condition whose answer was
never given does not hold; no rule holds: `default_priority`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from checks.registry import CheckParams
from pipeline.records import Evidence

Priority = Literal["hot", "warm", "cold"]
TermLabel = Literal["urgent", "planned", "not_urgent"]
PaymentMode = Literal["at_once", "in_stages", "prepayment", "postpay", "cash", "invoice"]
Frequency = Literal["regular", "one_off"]


@dataclass(frozen=True)
class Answer:
    """A value read from the client's reply to an identification question."""

    field: str  # term, frequency, payment_term, payment, budget or goal
    category: str  # the question it answers: urgency, budget or benefit
    value: float | int | str | None  # days (None: no deadline), a frequency, a payment mode, rubles, the goal's words
    evidence: Evidence  # the client's words; reference: the phrase or unit they matched
    label: str = ""  # terms: urgent, planned or not_urgent


@dataclass(frozen=True)
class Reason:
    condition: str  # a key of `when`
    threshold: object  # its value in the rule
    answer: Answer  # the answer that met it


class When(CheckParams):
    """Conditions of one rule; all must hold."""

    term_days_max: int | None = Field(default=None, ge=0)  # needed within this many days
    term: list[TermLabel] | None = None
    frequency: list[Frequency] | None = None  # how often they need it
    payment_days_max: int | None = Field(default=None, ge=0)  # pays within this many days
    payment: list[PaymentMode] | None = None  # any of these modes was named
    budget_min: float | None = Field(default=None, ge=0)  # rubles
    budget_max: float | None = Field(default=None, ge=0)
    goal: Literal[True] | None = None  # the client said what the product is for

    @model_validator(mode="after")
    def _some_condition(self) -> When:
        if not self.model_dump(exclude_none=True):
            raise ValueError("give at least one condition; calls that match no rule get default_priority")
        return self


class PriorityRule(CheckParams):
    priority: Priority
    when: When


def _days_within(answer: Answer, days: Any) -> bool:
    return isinstance(answer.value, (int, float)) and answer.value <= days


# condition -> the answer field it reads, and its test
_TESTS: dict[str, tuple[str, Callable[[Answer, Any], bool]]] = {
    "term_days_max": ("term", _days_within),
    "term": ("term", lambda a, labels: a.label in labels),
    "frequency": ("frequency", lambda a, labels: a.value in labels),
    "payment_days_max": ("payment_term", _days_within),
    "payment": ("payment", lambda a, modes: a.value in modes),
    "budget_min": ("budget", lambda a, rub: float(a.value or 0) >= rub),
    "budget_max": ("budget", lambda a, rub: float(a.value or 0) <= rub),
    "goal": ("goal", lambda a, _: True),
}


def prioritise(rules: Sequence[PriorityRule], default: str,
               answers: Sequence[Answer]) -> tuple[str, int | None, tuple[Reason, ...]]:
    """The priority, the index of the rule that gave it (None: the default), and why."""
    for index, rule in enumerate(rules):
        reasons: list[Reason] = []
        for condition, threshold in rule.when.model_dump(exclude_none=True).items():
            field, test = _TESTS[condition]
            met = next((a for a in answers if a.field == field and test(a, threshold)), None)
            if met is None:
                break
            reasons.append(Reason(condition, threshold, met))
        else:
            return rule.priority, index, tuple(reasons)
    return default, None, ()
