"""The company's sales standard: a YAML file in `scripts_ref/`, validated once.

The standard is data so a QA lead can change it after each review (article,
section 5) without touching code. Every error names the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Severity = Literal["info", "minor", "major", "critical"]


class _Strict(BaseModel):
    # a typo in a key must be an error, not a silently ignored setting
    model_config = ConfigDict(extra="forbid", frozen=True)


class StandardMeta(_Strict):
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str = ""
    language: str = "ru"

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value


class Company(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    products: list[str] = []
    sellers: list[str] = []
    timezone: str = "Europe/Moscow"  # IANA name: reports count a call on its local day here


class Element(_Strict):
    """Something a stage must contain, e.g. the company name in the greeting."""

    id: str = Field(min_length=1)
    kind: Literal["phrases", "company_name", "person_name", "time_or_day"] = "phrases"
    phrases: list[str] = []

    @model_validator(mode="after")
    def _phrases_when_needed(self) -> "Element":
        if self.kind == "phrases" and not self.phrases:
            raise ValueError("an element of kind 'phrases' needs a non-empty 'phrases' list")
        return self


class Stage(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""
    required: bool = True
    weight: float = Field(default=0.0, ge=0)
    order: int | None = None
    speaker: Literal["seller", "client", "any"] = "seller"
    window: Literal["start", "end", "any"] = "any"
    severity_if_missing: Severity = "major"
    phrases: list[str] = Field(min_length=1)
    elements: list[Element] = []
    # any question of the speaker that no other stage claims also counts
    any_question: bool = False
    # lines that look like the stage and are not («если надумаете, звоните» proposes no meeting):
    # a line nearer in meaning to one of these than to the stage's phrases is not the stage
    counter_examples: list[str] = []
    # the similarity a line needs to be the stage by meaning; unset, it is calibrated from the
    # examples (checks.meaning.index). `callqa calibrate` sets it from the QA lead's reviews
    threshold: float | None = Field(default=None, gt=0, lt=1)


class Thresholds(_Strict):
    flag_below: float = Field(default=70.0, ge=0, le=100)
    match_cutoff: float = Field(default=78.0, ge=50, le=100)


class Fact(_Strict):
    """One entry of the knowledge base the answer checks judge against."""

    id: str = Field(min_length=1)
    topic: str = ""
    keywords: list[str] = Field(min_length=1)
    # questions a client may ask about it in any words («во сколько обойдётся привезти»):
    # a question close in meaning to one of them is linked to the fact, keywords or not
    example_questions: list[str] = []
    value: float | str
    unit: Literal["rub", "time", "days", "hours", "percent", "years", "text"] = "text"


class CallHandling(_Strict):
    """What the company promises about calls themselves, judged from the phone system's records."""

    # an answered call that rang longer than this counts as missed
    ring_limit_s: float = Field(default=30.0, gt=0)
    # a missed call is forgiven when the client was called back within this
    callback_window_h: float = Field(default=2.0, gt=0)
    # two sellers on one client within this many days is parallel work
    parallel_window_days: float = Field(default=14.0, gt=0)


class Scoring(_Strict):
    # points a finding of this type takes off the 0-100 score
    penalties: dict[str, float] = {}
    # finding types that flag a call whatever its score
    critical: list[str] = []


class Standard(_Strict):
    standard: StandardMeta
    company: Company
    thresholds: Thresholds = Thresholds()
    stages: list[Stage] = Field(min_length=1)
    # check name -> its parameters; None means the section is absent (defaults apply)
    checks: dict[str, dict[str, Any] | None] | None = None
    knowledge_base: list[Fact] = []
    call_handling: CallHandling = CallHandling()
    scoring: Scoring = Scoring()

    @model_validator(mode="after")
    def _unique_ids(self) -> "Standard":
        for label, ids in (("stages", [s.id for s in self.stages]), ("knowledge_base", [f.id for f in self.knowledge_base])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate id in {label}: {', '.join(dupes)}")
        return self

    def check_params(self, name: str) -> dict[str, Any]:
        """The parameters the standard gives a check; empty when it gives none."""
        return (self.checks or {}).get(name) or {}

    def stage(self, stage_id: str) -> Stage:
        return next(s for s in self.stages if s.id == stage_id)

    @property
    def key(self) -> tuple[str, str]:
        return self.standard.id, self.standard.version

    def hotwords(self) -> str:
        """Words the recogniser should expect: the company and its products."""
        return " ".join([self.company.name, *self.company.aliases, *self.company.products])


class StandardError(ValueError):
    """A standard file that cannot be used; the message names the file and the key."""


def key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_standard(data: Any, source: str) -> Standard:
    if not isinstance(data, dict):
        raise StandardError(f"{source}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        return Standard.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{key_path(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise StandardError(f"{source}: {problems}") from None


def load_standard(path: str | Path) -> Standard:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StandardError(f"{path}: standard file not found") from None
    except yaml.YAMLError as exc:
        raise StandardError(f"{path}: not valid YAML: {exc}") from None
    return parse_standard(data, str(path))
