"""Run the checks a standard switches on over one transcript, then score it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from checks.meaning.encoder import ensure_encoder
from checks.registry import CallContext, CheckSpec, all_checks
from checks.scoring import score_call
from checks.dialogue.stages import stage_hits
from checks.standard import Standard, StandardError, key_path
from pipeline.diarization.speakers import speakers_attribute
from pipeline.records import CallAnalysis, Finding, StageHit, Transcript

if TYPE_CHECKING:
    from checks.hearing import Hearing
    from pipeline.phone.metadata import CallMetadata
    from pipeline.phone.sellers import Seller
    from pipeline.phone.threads import ThreadCall


def plan_checks(standard: Standard, source: str = "standard") -> tuple[list[tuple[CheckSpec, Mapping[str, Any]]], list[str]]:
    """Which checks run with which parameters, and which are skipped and why.

    Run at the start of a batch, so it also loads the sentence encoder every standard's
    stages are matched with: a missing package stops the run here, naming it, not in the
    middle of a night's calls (`EncoderUnavailable`). Loaded once per process."""
    ensure_encoder()
    _numpy_on_one_thread()
    available = all_checks()
    if standard.checks is not None:
        unknown = sorted(set(standard.checks) - set(available))
        if unknown:
            raise StandardError(
                f"{source}: checks.{unknown[0]}: unknown check; known checks: {', '.join(sorted(available))}"
            )
    run: list[tuple[CheckSpec, Mapping[str, Any]]] = []
    skipped: list[str] = []
    for name, spec in sorted(available.items()):
        enabled = spec.default_on if standard.checks is None else name in standard.checks
        if not enabled:
            skipped.append(f"{spec.label}: not configured in the standard")
            continue
        missing = [section for section in spec.requires if not getattr(standard, section)]
        if missing:
            skipped.append(f"{spec.label}: the standard has no {', '.join(missing)}")
            continue
        params = standard.check_params(name)
        _validate_params(spec, params, source)
        run.append((spec, params))
    return run, skipped


@cache
def _numpy_on_one_thread() -> None:
    """The checks multiply small matrices (a call's sentences by a standard's examples), where
    OpenBLAS's second thread costs more than it gives, and on a busy machine it waits for a core:
    analysis alone ran 2-3x slower on the 2-core machine with it (docs/speed.md). For the whole
    process, as the review app analyses in its request threads; Whisper's engines and torch keep
    their own threads (OpenMP, not numpy's BLAS)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _validate_params(spec: CheckSpec, params: Mapping[str, Any], source: str) -> None:
    if spec.params is None:
        return
    try:
        spec.params.model_validate(params)
    except ValidationError as exc:
        problems = "; ".join(f"checks.{spec.name}.{key_path(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise StandardError(f"{source}: {problems}") from None


def _on_a_thread(metadata: CallMetadata | None) -> bool:
    return bool(metadata and metadata.client_number and metadata.started_at and metadata.seller != "unknown")


def analyze_transcript(transcript: Transcript, standard: Standard, recording: str = "",
                       seller: Seller | None = None, metadata: CallMetadata | None = None,
                       history: tuple[ThreadCall, ...] = (), hearing: Hearing | None = None) -> CallAnalysis:
    """`seller`: who answered, from sellers.yaml; the checks that judge the seller's
    responsibility are skipped without one. `metadata` and `history` (the client's
    earlier calls) come from the phone system; the checks that compare calls are
    skipped without them. `hearing`: the call's audio, for a stated value Whisper may have misread
    (`checks.hearing`); without it values are judged as transcribed."""
    ctx = CallContext(transcript, standard, seller, metadata, history, hearing=hearing)
    planned, skipped = plan_checks(standard)
    stages: list[StageHit] = []
    findings: list[Finding] = []
    metrics: dict[str, float | int | None] = {}
    speakers = speakers_attribute(transcript)  # how a mono call's speakers were found
    attributes: dict[str, object] = {"speakers": speakers} if speakers else {}
    run: list[CheckSpec] = []
    for spec, params in planned:
        if spec.needs_roles and not transcript.is_stereo:
            skipped.append(f"{spec.label}: not measurable without separate seller and client channels")
            metrics.update(dict.fromkeys(spec.metrics))
            continue
        if spec.needs_overlap and transcript.speaker_source == "diarization":
            skipped.append(f"{spec.label}: mono: overlap not visible")
            metrics.update(dict.fromkeys(spec.metrics))
            continue
        if spec.needs_seller and seller is None:
            skipped.append(f"{spec.label}: no seller known for this call (sellers.yaml)")
            continue
        if spec.needs_thread and not _on_a_thread(metadata):
            skipped.append(f"{spec.label}: the phone system gave no client number, start time or seller")
            continue
        result = spec.func(ctx, params)
        run.append(spec)
        stages.extend(result.stages)
        findings.extend(result.findings)
        metrics.update(result.metrics)
        attributes.update(result.attributes)
    if not stages:
        # the score is built on the stages even where the `stages` check is not listed
        stages = list(stage_hits(ctx))
    findings.sort(key=lambda f: (f.start, f.type))
    return CallAnalysis(
        recording=recording,
        transcript=transcript,
        stages=tuple(stages),
        findings=tuple(findings),
        score=score_call(standard, tuple(stages), tuple(findings)),
        checks_run=tuple(spec.label for spec in run),
        checks_skipped=tuple(skipped),
        standard_id=standard.standard.id,
        standard_version=standard.standard.version,
        metrics=metrics,
        attributes=attributes,
    )
