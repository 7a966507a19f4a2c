"""Reading and writing callqa results; records in, records out.

Every function takes an open Session and never commits: the caller decides
the unit of work with `with Session.begin() as session:`, so one recording's
analysis, status change and failure log land together or not at all.
Apart from `upsert_recording`/`get_or_create_seller` (whose rows the flow
needs for ids), results go in and come out as the frozen dataclasses from
`pipeline.records`, never as ORM rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pipeline.records import (
    CallAnalysis,
    CallScore,
    Evidence,
    Finding,
    SEVERITY_RANK,
    Recording,
    Severity,
    Speaker,
    StageHit,
    StageScore,
    Transcript,
    Utterance,
    Word,
)
from pipeline.serialize import to_jsonable, transcript_from_dict
from pipeline.storage.models import (
    AnalysisRow,
    FailureRow,
    FindingRow,
    RecordingRow,
    ScoreRow,
    SellerRow,
    StageResultRow,
    TranscriptCacheRow,
    UtteranceRow,
)


class AnalysisExistsError(ValueError):
    """The same recording was already analysed with this engine, model and standard."""


@dataclass(frozen=True)
class SummaryRow:
    """One line of the CLI summary table."""

    analysis_id: int
    path: str
    duration_s: float | None
    score: float | None
    flagged: bool
    n_findings: int
    missing_stages: tuple[str, ...]
    lead: str | None = None  # hot / warm / cold; None where lead_qualification did not run


# --- recordings and sellers -------------------------------------------------


def _recording_by_sha(session: Session, sha256: str) -> RecordingRow | None:
    return session.scalars(select(RecordingRow).where(RecordingRow.sha256 == sha256)).one_or_none()


def upsert_recording(
    session: Session, rec: Recording, *, duration_s: float | None, channels: int | None
) -> RecordingRow:
    """Return the one row for this audio, creating it or moving it to `rec.path`.

    Keyed by sha256, so a copied or renamed file is not analysed twice.
    Known duration/channels are not erased by a caller that passes None.
    """
    row = _recording_by_sha(session, rec.sha256)
    if row is None:
        row = RecordingRow(
            path=rec.path,
            sha256=rec.sha256,
            size_bytes=rec.size_bytes,
            duration_s=duration_s,
            channels=channels,
            status="pending",
            attempts=0,
            previous_id=_newest_at_path(session, rec.path),
        )
        session.add(row)
    else:
        row.path = rec.path
        row.size_bytes = rec.size_bytes
        if duration_s is not None:
            row.duration_s = duration_s
        if channels is not None:
            row.channels = channels
    session.flush()
    return row


def _newest_at_path(session: Session, path: str) -> int | None:
    """Other audio seen earlier under this path: the file was replaced, and the new audio is
    its next version rather than an unrelated call."""
    return session.scalar(select(func.max(RecordingRow.id)).where(RecordingRow.path == path))


def recording_versions(session: Session, sha256: str) -> list[Recording]:
    """This audio and the versions it replaced under the same path, newest first."""
    versions: list[Recording] = []
    row = _recording_by_sha(session, sha256)
    while row is not None:
        versions.append(Recording(row.path, row.sha256, row.size_bytes))
        row = session.get(RecordingRow, row.previous_id) if row.previous_id else None
    return versions


def get_or_create_seller(session: Session, name: str, extension: str | None = None) -> SellerRow:
    """The seller called `name`; `extension` is filled in when given."""
    row = session.scalars(select(SellerRow).where(SellerRow.name == name)).one_or_none()
    if row is None:
        row = SellerRow(name=name, extension=extension)
        session.add(row)
    elif extension is not None:
        row.extension = extension
    session.flush()
    return row


# --- analyses -----------------------------------------------------------------


def analysis_exists(
    session: Session,
    sha256: str,
    engine: str,
    model: str,
    standard_id: str,
    standard_version: str,
) -> bool:
    """Whether this exact analysis key is stored, so a run can skip the call."""
    return analysis_id_for(session, sha256, engine, model, standard_id, standard_version) is not None


def analysis_id_for(
    session: Session, sha256: str, engine: str, model: str, standard_id: str, standard_version: str
) -> int | None:
    """The stored analysis with exactly this key, so a skipped call can still be reported."""
    return session.scalar(
        select(AnalysisRow.id)
        .join(RecordingRow, AnalysisRow.recording_id == RecordingRow.id)
        .where(
            RecordingRow.sha256 == sha256,
            AnalysisRow.engine == engine,
            AnalysisRow.model == model,
            AnalysisRow.standard_id == standard_id,
            AnalysisRow.standard_version == standard_version,
        )
    )


def _words_to_json(words: tuple[Word, ...]) -> list[dict[str, Any]]:
    # Not serialize.to_jsonable: that rounds to milliseconds, and a stored
    # analysis must come back exactly as it was saved.
    return [
        {"start": w.start, "end": w.end, "text": w.text, "probability": w.probability}
        for w in words
    ]


def _utterance_row(idx: int, u: Utterance) -> UtteranceRow:
    return UtteranceRow(
        idx=idx,
        speaker=u.speaker,
        channel=u.channel,
        start=u.start,
        end=u.end,
        text=u.text,
        words=_words_to_json(u.words),
    )


def _stage_row(idx: int, hit: StageHit) -> StageResultRow:
    ev = hit.evidence
    return StageResultRow(
        idx=idx,
        stage_id=hit.stage_id,
        present=hit.present,
        score=hit.score,
        start=ev.start if ev else None,
        end=ev.end if ev else None,
        speaker=ev.speaker if ev else None,
        quote=ev.quote if ev else None,
        reference=ev.reference if ev else None,
        match_score=ev.match_score if ev else None,
        elements=dict(hit.elements),
        check=hit.check,
    )


def _finding_row(idx: int, f: Finding) -> FindingRow:
    return FindingRow(
        idx=idx,
        type=f.type,
        severity=f.severity,
        start=f.start,
        end=f.end,
        speaker=f.speaker,
        evidence=f.evidence,
        reference=f.reference,
        check=f.check,
        details=dict(f.details),
    )


def _score_row(s: CallScore, findings: tuple[Finding, ...]) -> ScoreRow:
    return ScoreRow(
        severity_rank=max((SEVERITY_RANK[f.severity] for f in findings), default=0),
        score=s.score,
        flagged=s.flagged,
        reasons=list(s.reasons),
        penalty=s.penalty,
        stages=[
            {"stage_id": st.stage_id, "weight": st.weight, "earned": st.earned}
            for st in s.stages
        ],
    )


def save_analysis(session: Session, sha256: str, analysis: CallAnalysis) -> int:
    """Store one analysis with all its results; mark the recording analysed.

    The recording must exist (see `upsert_recording`). Raises
    AnalysisExistsError if this key is already stored: results are never
    overwritten, a changed standard version or model makes a new key.
    Finding.details and the attributes must be JSON-native (tuples come back as lists).
    """
    rec = _recording_by_sha(session, sha256)
    if rec is None:
        raise LookupError(f"no recording with sha256 {sha256}; call upsert_recording first")
    t = analysis.transcript
    key = (t.engine, t.model, analysis.standard_id, analysis.standard_version)
    if analysis_exists(session, sha256, *key):
        raise AnalysisExistsError(f"analysis {key} already stored for {sha256}")
    row = AnalysisRow(
        recording=rec,
        recording_path=analysis.recording,
        engine=t.engine,
        model=t.model,
        standard_id=analysis.standard_id,
        standard_version=analysis.standard_version,
        checks_run=list(analysis.checks_run),
        checks_skipped=list(analysis.checks_skipped),
        metrics=dict(analysis.metrics),
        attributes=dict(analysis.attributes),
        language=t.language,
        duration_s=t.duration_s,
        channels=t.channels,
        speech_regions=[[list(r) for r in ch] for ch in t.speech_regions],
        channel_roles=list(t.channel_roles),
        utterances=[_utterance_row(i, u) for i, u in enumerate(t.utterances)],
        stage_results=[_stage_row(i, h) for i, h in enumerate(analysis.stages)],
        findings=[_finding_row(i, f) for i, f in enumerate(analysis.findings)],
        score=_score_row(analysis.score, analysis.findings),
    )
    session.add(row)
    rec.status = "analysed"
    rec.error = None
    if rec.duration_s is None:
        rec.duration_s = t.duration_s
    if rec.channels is None:
        rec.channels = t.channels
    session.flush()
    rec.latest_analysis_id = max(rec.latest_analysis_id or 0, row.id)
    return row.id


def _utterance(row: UtteranceRow) -> Utterance:
    return Utterance(
        speaker=cast(Speaker, row.speaker),
        start=row.start,
        end=row.end,
        text=row.text,
        words=tuple(Word(**w) for w in row.words),
        channel=row.channel,
    )


def _stage_hit(row: StageResultRow) -> StageHit:
    evidence = None
    if row.start is not None and row.end is not None:
        evidence = Evidence(
            start=row.start,
            end=row.end,
            speaker=cast(Speaker, row.speaker),
            quote=row.quote or "",
            reference=row.reference or "",
            match_score=row.match_score if row.match_score is not None else 0.0,
        )
    return StageHit(
        stage_id=row.stage_id,
        present=row.present,
        score=row.score,
        evidence=evidence,
        elements=dict(row.elements),
        check=row.check,
    )


def _finding(row: FindingRow) -> Finding:
    return Finding(
        type=row.type,
        severity=cast(Severity, row.severity),
        start=row.start,
        end=row.end,
        speaker=cast(Speaker, row.speaker),
        evidence=row.evidence,
        reference=row.reference,
        check=row.check,
        details=dict(row.details),
    )


def _call_score(row: ScoreRow) -> CallScore:
    return CallScore(
        score=row.score,
        flagged=row.flagged,
        reasons=tuple(row.reasons),
        stages=tuple(StageScore(**st) for st in row.stages),
        penalty=row.penalty,
    )


def load_analysis(session: Session, analysis_id: int) -> CallAnalysis:
    """Rebuild the CallAnalysis exactly as it was saved. Raises LookupError if absent."""
    row = session.get(
        AnalysisRow,
        analysis_id,
        options=[
            selectinload(AnalysisRow.utterances),
            selectinload(AnalysisRow.stage_results),
            selectinload(AnalysisRow.findings),
            selectinload(AnalysisRow.score),
        ],
    )
    if row is None:
        raise LookupError(f"no analysis with id {analysis_id}")
    if row.score is None:
        raise LookupError(f"analysis {analysis_id} has no score row")
    attributes = dict(row.attributes or {})
    # a diarized call keeps how its speakers were found in attributes["speakers"], one turn per utterance
    speakers = attributes.get("speakers") or {}
    turns = speakers.get("turns") or []
    utterances = tuple(_utterance(u) for u in row.utterances)
    if len(turns) == len(utterances):
        utterances = tuple(replace(u, speaker_confidence=t.get("confidence")) for u, t in zip(utterances, turns))
    transcript = Transcript(
        utterances=utterances,
        duration_s=row.duration_s,
        channels=row.channels,
        language=row.language,
        engine=row.engine,
        model=row.model,
        speech_regions=tuple(
            tuple((float(a), float(b)) for a, b in ch) for ch in row.speech_regions
        ),
        channel_roles=tuple(cast(Speaker, r) for r in row.channel_roles),
        speaker_source=speakers.get("source", "channels"),
        speaker_note=speakers.get("note", ""),
    )
    return CallAnalysis(
        recording=row.recording_path,
        transcript=transcript,
        stages=tuple(_stage_hit(s) for s in row.stage_results),
        findings=tuple(_finding(f) for f in row.findings),
        score=_call_score(row.score),
        checks_run=tuple(row.checks_run),
        checks_skipped=tuple(row.checks_skipped),
        standard_id=row.standard_id,
        standard_version=row.standard_version,
        metrics=dict(row.metrics or {}),
        attributes=attributes,
    )


def latest_analysis_id(session: Session, sha256: str) -> int | None:
    """The newest analysis of this audio, whatever its model or standard."""
    query = (
        select(AnalysisRow.id)
        .join(RecordingRow, AnalysisRow.recording_id == RecordingRow.id)
        .where(RecordingRow.sha256 == sha256)
        .order_by(AnalysisRow.created_at.desc(), AnalysisRow.id.desc())
        .limit(1)
    )
    return session.scalar(query)


# --- transcript cache -----------------------------------------------------------


def _cache_row(
    session: Session, sha256: str, engine: str, model: str, options_key: str
) -> TranscriptCacheRow | None:
    query = select(TranscriptCacheRow).where(
        TranscriptCacheRow.sha256 == sha256,
        TranscriptCacheRow.engine == engine,
        TranscriptCacheRow.model == model,
        TranscriptCacheRow.options_key == options_key,
    )
    return session.scalars(query).one_or_none()


def get_cached_transcript(
    session: Session, sha256: str, engine: str, model: str, options_key: str
) -> Transcript | None:
    """The cached transcript for this audio, model and options, or None."""
    row = _cache_row(session, sha256, engine, model, options_key)
    return None if row is None else transcript_from_dict(row.payload)


def put_cached_transcript(
    session: Session, sha256: str, transcript: Transcript, options_key: str
) -> None:
    """Cache `transcript` under its own engine/model; replaces an older entry.

    Stored through serialize.to_jsonable, the same form as `analyze --json`,
    so times and probabilities come back rounded to 3 decimals.
    """
    payload = to_jsonable(transcript)
    row = _cache_row(session, sha256, transcript.engine, transcript.model, options_key)
    if row is None:
        session.add(
            TranscriptCacheRow(
                sha256=sha256,
                engine=transcript.engine,
                model=transcript.model,
                options_key=options_key,
                payload=payload,
            )
        )
    else:
        row.payload = payload
    session.flush()


# --- failures -------------------------------------------------------------------


def record_failure(session: Session, path: str, sha256: str | None, reason: str) -> None:
    """Log a failed attempt; mark the recording failed so the next run retries it.

    Without a hash (the file could not even be read) the recording is looked
    up by path instead.
    """
    session.add(FailureRow(path=path, sha256=sha256, reason=reason))
    if sha256 is not None:
        rec = _recording_by_sha(session, sha256)
    else:
        rec = session.scalars(
            select(RecordingRow).where(RecordingRow.path == path).order_by(RecordingRow.id.desc())
        ).first()
    if rec is not None:
        rec.status = "failed"
        rec.error = reason
        rec.attempts += 1
    session.flush()


def pending_failed_paths(session: Session, max_attempts: int | None = None) -> list[str]:
    """Paths a next run must retry, sorted.

    These are recordings whose status is 'failed' (optionally only those
    tried fewer than `max_attempts` times), plus files that failed before
    they could be hashed and have not been analysed since.
    """
    failed = select(RecordingRow.path).where(RecordingRow.status == "failed")
    if max_attempts is not None:
        failed = failed.where(RecordingRow.attempts < max_attempts)
    analysed_paths = select(RecordingRow.path).where(RecordingRow.status == "analysed")
    unhashed = (
        select(FailureRow.path)
        .where(FailureRow.sha256.is_(None), FailureRow.path.not_in(analysed_paths))
        .group_by(FailureRow.path)
    )
    if max_attempts is not None:
        unhashed = unhashed.having(func.count() < max_attempts)
    paths = set(session.scalars(failed)) | set(session.scalars(unhashed))
    return sorted(paths)


# --- reporting ------------------------------------------------------------------


def _lead_priority(attributes: dict[str, Any] | None) -> str | None:
    lead = (attributes or {}).get("lead")
    return lead.get("priority") if isinstance(lead, dict) else None


def summary_rows(session: Session, analysis_ids: list[int]) -> list[SummaryRow]:
    """Rows for the CLI summary table, in the order of `analysis_ids`.

    Three set-based queries, not one per call, so a large batch stays fast.
    """
    if not analysis_ids:
        return []
    ids = list(dict.fromkeys(analysis_ids))
    base = session.execute(
        select(
            AnalysisRow.id,
            RecordingRow.path,
            func.coalesce(RecordingRow.duration_s, AnalysisRow.duration_s),
            ScoreRow.score,
            ScoreRow.flagged,
            AnalysisRow.attributes,
        )
        .join(RecordingRow, AnalysisRow.recording_id == RecordingRow.id)
        .outerjoin(ScoreRow, ScoreRow.analysis_id == AnalysisRow.id)
        .where(AnalysisRow.id.in_(ids))
    ).all()
    counts = dict(
        session.execute(
            select(FindingRow.analysis_id, func.count())
            .where(FindingRow.analysis_id.in_(ids))
            .group_by(FindingRow.analysis_id)
        ).all()
    )
    # required stages only: the missing_stage findings name them
    missing: dict[int, list[str]] = {}
    for aid, details in session.execute(
        select(FindingRow.analysis_id, FindingRow.details)
        .where(FindingRow.analysis_id.in_(ids), FindingRow.type == "missing_stage")
        .order_by(FindingRow.analysis_id, FindingRow.idx)
    ):
        missing.setdefault(aid, []).append(str((details or {}).get("stage", "?")))
    by_id: dict[int, SummaryRow] = {}
    for aid, path, duration, score, flagged, attributes in base:
        by_id[aid] = SummaryRow(
            analysis_id=aid,
            path=path,
            duration_s=duration,
            score=score,
            flagged=bool(flagged),
            n_findings=counts.get(aid, 0),
            missing_stages=tuple(missing.get(aid, ())),
            lead=_lead_priority(attributes),
        )
    return [by_id[aid] for aid in ids if aid in by_id]
