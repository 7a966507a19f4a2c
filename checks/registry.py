"""The registry of checks, after spaCy's `catalogue` registries.

A check is a pure function `(CallContext, params) -> CheckResult`, registered
under a name and a version. The standard's `checks:` section switches checks on
and sets their parameters; the name and version of every check that ran are
stored with the result, so a score can be reproduced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import catalogue
from pydantic import BaseModel, ConfigDict

from checks.standard import Fact, Standard
from checks.text.normalise import NormText, normalise_utterance
from pipeline.records import Finding, StageHit, Transcript

if TYPE_CHECKING:
    from checks.hearing import Hearing
    from checks.meaning.calls import LineVectors
    from pipeline.phone.metadata import CallMetadata
    from pipeline.phone.sellers import Seller
    from pipeline.phone.threads import ThreadCall

registry = catalogue.create("callqa", "checks", entry_points=True)


@dataclass(frozen=True)
class CheckResult:
    stages: tuple[StageHit, ...] = ()
    findings: tuple[Finding, ...] = ()
    # measurements that are not errors by themselves (talk share, speech rate)
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    # structured conclusions that are neither findings nor numbers (the lead, the
    # client's segment), JSON-native so they are stored and reported as they are
    attributes: dict[str, object] = field(default_factory=dict)


class CheckParams(BaseModel):
    """The parameters of a check that declares them: validated when the standard
    is loaded, so a typo in `checks:` stops the run before any work."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class CallContext:
    """What every check sees; normalised text and stage hits are computed once."""

    transcript: Transcript
    standard: Standard
    # the seller who answered, from sellers.yaml; None when the call's metadata names none
    seller: Seller | None = None
    # what the phone system says about the call, and the client's earlier calls
    metadata: CallMetadata | None = None
    history: tuple[ThreadCall, ...] = ()
    # the call's stage hits once `checks.dialogue.stages.stage_hits` has found them: data only, so that
    # this module needs nothing of the checks that use it
    stages_found: tuple[StageHit, ...] | None = field(default=None, repr=False)
    # the call's audio, to hear a stated value again (`checks.hearing`); None: judged as transcribed
    hearing: Hearing | None = field(default=None, repr=False)

    @cached_property
    def texts(self) -> tuple[NormText, ...]:
        return tuple(normalise_utterance(u) for u in self.transcript.utterances)

    @cached_property
    def meaning(self) -> LineVectors:
        """The sentences of every line with their vectors, embedded in one batch when first asked."""
        from checks.meaning.calls import line_vectors

        return line_vectors(self.transcript)

    @cached_property
    def question_fact_memo(self) -> dict[int, Fact | None]:
        """line → the fact a client line asks about (`checks.rules.answers.question_fact`); asked by three checks."""
        return {}

    @cached_property
    def fact_memo(self) -> dict[int, Fact | None]:
        """line → the fact it asks about by meaning (`checks.rules.answers.fact_by_meaning`); asked for many times."""
        return {}

    @cached_property
    def asks_memo(self) -> dict[tuple[str, int], bool]:
        """(whose, line) → whether the line asks (`checks.rules.answers`: a client's question, the
        seller's line asking); asked by every answer check, of every line."""
        return {}

    @cached_property
    def hold_memo(self) -> dict[int, str | None]:
        """line → how it announces a hold (`checks.dialogue.holds.hold_announced`); asked for many times."""
        return {}


CheckFunc = Callable[[CallContext, Mapping[str, Any]], CheckResult]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    version: str
    func: CheckFunc
    # sections of the standard the check cannot work without
    requires: tuple[str, ...] = ()
    # runs when the standard has no `checks:` section at all
    default_on: bool = False
    # needs the seller and the client on separate channels; skipped on mono calls
    needs_roles: bool = False
    # the metrics it reports, shown as None (not measurable) when it is skipped
    metrics: tuple[str, ...] = ()
    # judges the answering seller; skipped when the call names none
    needs_seller: bool = False
    # the schema of its `checks:` parameters, None for a free mapping
    params: type[CheckParams] | None = None
    # compares calls: needs the client's number, the start time and the seller
    needs_thread: bool = False
    # needs both speakers' voice where they overlap, which a diarized mono mix cannot show
    needs_overlap: bool = False

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


def register(
    name: str, version: str, *, requires: tuple[str, ...] = (), default_on: bool = False, needs_roles: bool = False,
    metrics: tuple[str, ...] = (), needs_seller: bool = False, params: type[CheckParams] | None = None,
    needs_thread: bool = False, needs_overlap: bool = False,
) -> Callable[[CheckFunc], CheckFunc]:
    def decorate(func: CheckFunc) -> CheckFunc:
        registry.register(name, func=CheckSpec(name, version, func, requires, default_on, needs_roles, metrics,
                                               needs_seller, params, needs_thread, needs_overlap))
        return func

    return decorate


BUILTIN_MODULES = (  # the modules of checks/rules/
    "stages", "answers", "ignored", "pauses", "dispatching", "talk", "forbidden", "lead", "segment", "routing", "parallel",
)


@lru_cache(maxsize=1)
def all_checks() -> dict[str, CheckSpec]:
    import importlib

    for module in BUILTIN_MODULES:  # importing a module registers its checks
        importlib.import_module(f"checks.rules.{module}")
    return dict(registry.get_all())
