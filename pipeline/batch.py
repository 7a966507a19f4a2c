"""One recording from file to stored analysis, as plain functions.

The Prefect flow wraps these; the CLI's `analyze` and the benchmark call them
directly. Every failure becomes an `AudioError`-style reason that names the
file, so the batch records it and moves on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from checks.analyze import analyze_transcript
from checks.text.matching import best_match
from checks.standard import Standard
from checks.text.normalise import normalise_text
from pipeline.audio import AudioError, DecodedAudio, checked, load_audio
from pipeline.audio_stream import StreamedCall, stream_audio, stream_legs
from pipeline.phone.context import PhoneContext
from pipeline.phone.errors import MetadataError
from pipeline.phone.legs import LegPair, pair_legs, split_leg
from pipeline.phone.metadata import CallMetadata
from pipeline.phone.sellers import Seller
from pipeline.phone.threads import ThreadCall
from pipeline.records import CallAnalysis, Recording, Transcript
from pipeline.rehearing import WhisperHearing
from pipeline.settings import TranscriptionOptions
from pipeline.storage import calls as calls_db
from pipeline.storage import repository as repo
from pipeline.storage.claims import held_claim, worker_id
from pipeline.transcribe import transcribe, with_roles

log = logging.getLogger(__name__)
CLAIMED_ELSEWHERE = "being analysed by another worker"
STORED_BY_ANOTHER = "stored by another worker while this one analysed it"
CLAIM_POLL_S = 2.0

# files in the inbox that are never recordings: sidecars, notes, call records
NOT_RECORDINGS = (".json", ".md", ".txt", ".csv", ".yaml", ".yml", ".py", ".db")


def discover(root: str | Path) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: recordings folder not found")
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() not in NOT_RECORDINGS
    )


@dataclass(frozen=True)
class CallFiles:
    """One call's audio: a file, or the two mono legs of a two-leg recording."""

    path: Path  # the name the call goes by; for legs, the name without the leg suffix
    legs: LegPair | None = None

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.legs.received, self.legs.transmitted) if self.legs else (self.path,)


def group_calls(paths: list[Path]) -> list[CallFiles]:
    """Pair `x-in.wav`/`x-out.wav` (or `-r`/`-t`) into one call; every other file is a call."""
    pairs, singles = pair_legs(paths)
    calls = [CallFiles(p) for p in singles]
    calls += [CallFiles(pair.received.with_name(split_leg(pair.received.name)[0]), pair) for pair in pairs]
    return sorted(calls, key=lambda c: c.path)


def load_call_audio(call: CallFiles | Path) -> DecodedAudio | StreamedCall:
    """A two-channel call is measured and then read a block at a time (an hour-long call
    would otherwise sit in memory whole); a mono call is decoded whole."""
    call = call if isinstance(call, CallFiles) else CallFiles(call)
    if call.legs:
        return stream_legs(*call.files)
    if checked(call.path)[0] == 2:
        return stream_audio(call.path)
    return load_audio(call.path)


def fingerprint(call: CallFiles | Path) -> Recording:
    """SHA-256 of the call's audio (of both legs, in order, for a two-leg recording)."""
    call = call if isinstance(call, CallFiles) else CallFiles(call)
    digest, size = hashlib.sha256(), 0
    for path in call.files:
        try:
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            size += path.stat().st_size
        except FileNotFoundError:
            raise AudioError(path, "file not found (moved or deleted during the run?)") from None
        except OSError as exc:
            raise AudioError(path, f"cannot read file: {exc.strerror}") from None
    return Recording(path=str(call.path), sha256=digest.hexdigest(), size_bytes=size)


def greeting_scorer(standard: Standard) -> Callable[[str], float]:
    """How strongly a line sounds like the standard's greeting (0 = not at all)."""
    greeting = next((s for s in standard.stages if s.id == "greeting"), None)
    if greeting is None:
        return lambda _text: 0.0
    phrases = greeting.phrases + [f"компания {standard.company.name}"]

    def score(text: str) -> float:
        found = best_match(phrases, normalise_text(text), standard.thresholds.match_cutoff)
        return found.score if found else 0.0

    return score


def transcribe_audio(audio: DecodedAudio | StreamedCall, options: TranscriptionOptions, standard: Standard) -> Transcript:
    """Transcribe with the standard's vocabulary and greeting (to tell the seller's channel)."""
    return transcribe(audio, options.with_hotwords(standard.hotwords()), greeting_scorer(standard))


def cached_with_roles(transcript: Transcript, options: TranscriptionOptions, standard: Standard) -> Transcript:
    """A cached transcript keeps its words; who is the seller is decided anew."""
    return with_roles(transcript, options.channel_roles, greeting_scorer(standard))


def transcribe_file(path: Path, options: TranscriptionOptions, standard: Standard) -> Transcript:
    return transcribe_audio(load_call_audio(path), options, standard)


def cached_transcriber(
    options: TranscriptionOptions, standard: Standard, sessions: sessionmaker[Session]
) -> Callable[[Path], tuple[Transcript, bool]]:
    """Transcribe through the database's transcript cache: (transcript, came from cache).

    `callqa eval --db` uses it so that re-scoring a folder after a change to the
    standard or the checks skips Whisper for calls it has heard before.
    """

    def transcript_for(path: Path) -> tuple[Transcript, bool]:
        sha = fingerprint(path).sha256
        with sessions.begin() as session:
            cached = repo.get_cached_transcript(session, sha, options.engine, options.model, options.cache_key())
        if cached is not None:
            return cached_with_roles(cached, options, standard), True
        transcript = transcribe_file(path, options, standard)
        with sessions.begin() as session:
            repo.put_cached_transcript(session, sha, transcript, options.cache_key())
        return transcript, False

    return transcript_for


@dataclass
class Outcome:
    path: str
    status: Literal["analysed", "skipped", "failed"]
    reason: str = ""
    analysis_id: int | None = None
    analysis: CallAnalysis | None = None
    timings: dict[str, float] = field(default_factory=dict)
    metadata: CallMetadata | None = None


@dataclass(frozen=True)
class PhoneFacts:
    """What the phone system says about one call, ready for the checks."""

    metadata: CallMetadata | None = None
    seller: Seller | None = None
    note: str = ""  # why there is no metadata though a phone context was given


def phone_facts(call: CallFiles, phone: PhoneContext) -> PhoneFacts:
    """A broken sidecar must not cost the call: it is analysed without metadata, with a note."""
    try:
        meta = phone.metadata(call.path)
    except MetadataError as exc:
        return PhoneFacts(note=f"metadata ignored: {exc}")
    except Exception as exc:  # noqa: BLE001 - it runs before the per-call handling: it must not stop the batch
        return PhoneFacts(note=f"metadata ignored: {call.path.name}: {type(exc).__name__}: {exc}")
    return PhoneFacts(meta, phone.seller(meta.seller))


def _history(session: Session, meta: CallMetadata | None, standard: Standard, sha: str) -> tuple[ThreadCall, ...]:
    if not (meta and meta.client_number and meta.started_at):
        return ()
    window = timedelta(days=standard.call_handling.parallel_window_days)
    return tuple(calls_db.earlier_calls(session, meta.client_number, meta.started_at, window, sha))


def process_recording(
    call: CallFiles | Path, standard: Standard, options: TranscriptionOptions, sessions: sessionmaker[Session],
    facts: PhoneFacts = PhoneFacts(), worker: str | None = None, wait_s: float = 0.0,
) -> Outcome:
    """Fingerprint, claim, decode, transcribe (or reuse the cache), analyse and store one call.

    A call another worker holds is skipped at once, or after up to `wait_s` seconds of
    waiting for that worker to finish it (or to die, when its claim runs out and this
    worker takes the call over). Any failure, the database's included, becomes this
    call's failed outcome: never the batch's.
    """
    call = call if isinstance(call, CallFiles) else CallFiles(call)
    worker = worker or worker_id()
    timings: dict[str, float] = {}
    sha: str | None = None
    try:
        t0 = time.perf_counter()
        rec = fingerprint(call)
        sha = rec.sha256
        options = with_phone_roles(options, facts)
        timings["decode"] = time.perf_counter() - t0  # hashing reads the file: part of getting the audio
        deadline = time.monotonic() + wait_s
        while True:
            if done := _already_analysed(sessions, call, rec, standard, options, facts):
                return done
            with held_claim(sessions, claim_key(rec.sha256, options, standard), worker) as claim:
                # the other worker may have finished between our first look and our claim
                if claim.held and not (done := _already_analysed(sessions, call, rec, standard, options, facts)):
                    return _analyse_and_store(call, rec, standard, options, sessions, facts, timings)
            if done:
                return done
            if not claim.held and claim.holder is None:
                continue  # released between our try and our look: try again at once
            if time.monotonic() >= deadline:
                return Outcome(str(call.path), "skipped", f"{CLAIMED_ELSEWHERE} ({claim.holder})",
                               metadata=facts.metadata)
            time.sleep(CLAIM_POLL_S)
    except AudioError as exc:
        reason = exc.reason
    except Exception as exc:  # noqa: BLE001 - one bad call must never stop the batch
        reason = f"{type(exc).__name__}: {exc}"
    return _failed(sessions, call, sha, reason, timings)


def transcribe_into_cache(call: CallFiles, standard: Standard, options: TranscriptionOptions,
                          sessions: sessionmaker[Session], facts: PhoneFacts = PhoneFacts(),
                          worker: str | None = None) -> None:
    """The heavy half of a call, for workers that run side by side: its transcript, in the cache.

    The analysis then runs in call order (`process_recording` finds the transcript) because
    parallel work and client threads depend on the calls before. Whatever goes wrong here is
    left for that step, which tries again and records why it fails; a call another worker
    holds is left for it too.
    """
    try:
        rec = fingerprint(call)
        options = with_phone_roles(options, facts)
        if _already_analysed(sessions, call, rec, standard, options, facts):
            return
        with held_claim(sessions, claim_key(rec.sha256, options, standard), worker or worker_id()) as claim:
            if not claim.held:
                return
            with sessions.begin() as session:
                if repo.get_cached_transcript(session, rec.sha256, options.engine, options.model, options.cache_key()):
                    return
            transcript = transcribe_audio(load_call_audio(call), options, standard)
            with sessions.begin() as session:
                repo.upsert_recording(session, rec, duration_s=transcript.duration_s, channels=transcript.channels)
                repo.put_cached_transcript(session, rec.sha256, transcript, options.cache_key())
    except Exception as exc:  # noqa: BLE001 - see the docstring
        log.warning("%s: transcription on this worker failed, left to the analysis: %s", call.path, exc)


def with_phone_roles(options: TranscriptionOptions, facts: PhoneFacts) -> TranscriptionOptions:
    """The PBX knows which leg is the seller's: its word beats guessing from the voices."""
    if facts.metadata and facts.metadata.channel_roles and options.channel_roles == "auto":
        return replace(options, channel_roles=facts.metadata.channel_roles)
    return options


def claim_key(sha256: str, options: TranscriptionOptions, standard: Standard) -> str:
    """The analysis a worker claims: this audio, with this model, against this standard."""
    return ":".join((sha256, options.engine, options.model, *standard.key))


def _already_analysed(sessions: sessionmaker[Session], call: CallFiles, rec: Recording, standard: Standard,
                      options: TranscriptionOptions, facts: PhoneFacts) -> Outcome | None:
    with sessions.begin() as session:
        known = repo.analysis_id_for(session, rec.sha256, options.engine, options.model, *standard.key)
        if known is None:
            return None
        if facts.metadata is not None:  # a CDR that arrived later still reaches the call
            row = repo.upsert_recording(session, rec, duration_s=None, channels=None)
            calls_db.save_call_metadata(session, row, facts.metadata)
    return Outcome(str(call.path), "skipped", "already analysed with this model and standard",
                   analysis_id=known, metadata=facts.metadata)


def _analyse_and_store(call: CallFiles, rec: Recording, standard: Standard, options: TranscriptionOptions,
                       sessions: sessionmaker[Session], facts: PhoneFacts, timings: dict[str, float]) -> Outcome:
    with sessions.begin() as session:
        cached = repo.get_cached_transcript(session, rec.sha256, options.engine, options.model, options.cache_key())
        history = _history(session, facts.metadata, standard, rec.sha256)
    t0 = time.perf_counter()
    if cached is None:
        audio = load_call_audio(call)
        timings["decode"] = timings.get("decode", 0.0) + time.perf_counter() - t0
        t1 = time.perf_counter()
        transcript = transcribe_audio(audio, options, standard)
        timings["transcribe"] = time.perf_counter() - t1
        hearing = WhisperHearing(lambda: audio, options)
    else:
        transcript = cached_with_roles(cached, options, standard)
        timings["decode"] = timings.get("decode", 0.0) + time.perf_counter() - t0
        timings["transcribe"] = 0.0
        hearing = WhisperHearing(lambda: load_call_audio(call), options)  # the audio only if a check asks
    t2 = time.perf_counter()
    analysis = analyze_transcript(transcript, standard, str(call.path), facts.seller, facts.metadata, history,
                                  hearing)
    timings["analyse"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    try:
        with sessions.begin() as session:
            row = repo.upsert_recording(session, rec, duration_s=transcript.duration_s, channels=transcript.channels)
            if facts.metadata is not None:
                calls_db.save_call_metadata(session, row, facts.metadata)
            if cached is None:
                repo.put_cached_transcript(session, rec.sha256, transcript, options.cache_key())
            analysis_id = repo.save_analysis(session, rec.sha256, analysis)
    except (repo.AnalysisExistsError, IntegrityError):
        # a worker that lost its lease (stalled, not dead) stored it first: the call is analysed,
        # though transcribed twice: say so, for that must not happen
        return Outcome(str(call.path), "skipped", STORED_BY_ANOTHER, metadata=facts.metadata)
    timings["store"] = time.perf_counter() - t3
    return Outcome(str(call.path), "analysed", facts.note, analysis_id=analysis_id, analysis=analysis,
                   timings=timings, metadata=facts.metadata)


def _failed(sessions: sessionmaker[Session], call: CallFiles, sha: str | None, reason: str,
            timings: dict[str, float]) -> Outcome:
    """Record the failure so the next run retries the call; a database that cannot take even
    that (read-only, full) fails this call's outcome, not the batch."""
    try:
        with sessions.begin() as session:
            if sha is not None:
                size = sum(_size(f) for f in call.files)
                repo.upsert_recording(session, Recording(str(call.path), sha, size), duration_s=None, channels=None)
            repo.record_failure(session, str(call.path), sha, reason)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        reason = f"{reason}; the failure could not be recorded either: {type(exc).__name__}: {exc}"
    return Outcome(str(call.path), "failed", reason, timings=timings)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
