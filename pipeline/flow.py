"""The nightly batch as a Prefect flow: thin tasks over `pipeline.batch`.

Retries sit only on I/O (listing the inbox); transcription is deterministic CPU
work, so retrying it would only repeat a failure. Each file's failure is
recorded inside its task and never fails the flow, so one bad file cannot stop
the night's run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from checks.analyze import plan_checks
from checks.standard import Standard, load_standard
from pipeline.batch import (
    CLAIMED_ELSEWHERE,
    CallFiles,
    Outcome,
    PhoneFacts,
    discover,
    group_calls,
    phone_facts,
    process_recording,
    transcribe_into_cache,
)
from pipeline.phone.cdr import SkippedRow
from pipeline.phone.context import PhoneContext, load_phone_context
from pipeline.phone.missed import MissedCall, missed_calls
from pipeline.orchestration.run import usable_cores
from pipeline.privacy.stored import scan_analysis
from pipeline.progress import CallProgress
from pipeline.reports.current import DEFAULT_REPORTS_DIR, write_current_reports
from pipeline.settings import TranscriptionOptions, options_from_env
from pipeline.storage.calls import save_missed_calls
from pipeline.stable import settle_seconds, unfinished_reason
from pipeline.startup import mark
from pipeline.storage.db import DatabaseNotWritable, check_writable, database_url, open_database

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STANDARD = ROOT / "scripts_ref" / "stroydom.yaml"
DEFAULT_RECORDINGS = ROOT / "recordings"
# a Prefect global concurrency limit: one call on the GPU at a time, whichever worker runs it
GPU_LIMIT = "callqa-gpu"
GPU_SLOTS = 1
# how long a call's analysis waits for the worker that holds it: past a long call's
# transcription, and past the lease of a worker that died holding it
CLAIM_WAIT_S = 30 * 60.0
REPORTS_DIR = DEFAULT_REPORTS_DIR  # relative to the working directory, like callqa.db


@dataclass(frozen=True)
class BatchResult:
    outcomes: tuple[Outcome, ...]
    database_url: str
    wall_s: float
    missed: tuple[MissedCall, ...] = ()  # from the CDR, with or without a recording
    cdr_skipped: tuple[SkippedRow, ...] = ()
    reports: tuple[Path, ...] = ()  # scorecards written
    errors: tuple[str, ...] = ()  # steps after the calls that failed (missed calls, scorecards)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


@lru_cache(maxsize=4)
def sessions_for(url: str) -> sessionmaker[Session]:
    return open_database(url)


def load_checked_standard(path: str | Path) -> Standard:
    """Load the standard and resolve its checks, so a broken file stops the run before any work."""
    standard = load_standard(path)
    plan_checks(standard, str(path))
    return standard


@task(retries=2, retry_delay_seconds=2, cache_policy=NONE)
def discover_task(recordings: str) -> list[CallFiles]:
    return group_calls(discover(recordings))


def ensure_gpu_limit() -> None:
    """Create the limit if it is missing: `concurrency()` on an unknown name only warns
    and lets every task through."""
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(GPU_LIMIT, GPU_SLOTS)


@contextmanager
def gpu_slot(options: TranscriptionOptions) -> Iterator[None]:
    """Hold the GPU while a call is transcribed on it, so two tasks never fight over its
    memory; on the CPU nothing is taken (each worker has its own cores)."""
    if options.device != "cuda":
        yield
        return
    with concurrency(GPU_LIMIT, occupy=1):
        yield


@task(cache_policy=NONE, task_run_name="analyse {call.path.name}")
def process_task(call: CallFiles, standard: Standard, options: TranscriptionOptions, url: str,
                 facts: PhoneFacts, settle_s: float, wait_s: float = 0.0) -> Outcome:
    if unfinished := unfinished_reason(call.files, settle_s):
        return Outcome(str(call.path), "skipped", unfinished, metadata=facts.metadata)
    # transcription happens inside process_recording (a cached call holds the slot briefly too)
    with gpu_slot(options):
        outcome = process_recording(call, standard, options, sessions_for(url), facts, wait_s=wait_s)
    if outcome.status == "analysed" and outcome.analysis_id is not None:
        scan_personal_data(outcome.analysis_id, standard, url)
    return outcome


def scan_personal_data(analysis_id: int, standard: Standard, url: str) -> None:
    """Find and store the call's personal data (names, numbers, addresses), so the review app masks
    it for coaches and sellers. A failure here costs no result: the app scans a call that has no
    scan the first time someone who must not see it in clear opens it."""
    try:
        with sessions_for(url).begin() as session:
            scan_analysis(session, analysis_id, standard)
    except Exception as exc:  # noqa: BLE001 - the analysis is stored; the scan can wait for the app
        get_run_logger().warning("analysis %s: personal data not scanned (%s: %s); the review app will scan it "
                                 "when it is first opened masked", analysis_id, type(exc).__name__, exc)


@task(cache_policy=NONE, task_run_name="transcribe {call.path.name}")
def transcribe_task(call: CallFiles, standard: Standard, options: TranscriptionOptions, url: str,
                    facts: PhoneFacts, settle_s: float) -> None:
    """Runs on a Dask worker: the heavy, parallel half of a call (see transcribe_into_cache)."""
    if unfinished_reason(call.files, settle_s) is None:
        with gpu_slot(options):
            transcribe_into_cache(call, standard, options, sessions_for(url), facts)


def writable_sessions(url: str) -> sessionmaker[Session]:
    """The database, migrated and proven writable before the first call is transcribed:
    a read-only or full database found after the night's transcription loses the night."""
    try:
        sessions = sessions_for(url)
        check_writable(sessions)
    except SQLAlchemyError as exc:
        sessions_for.cache_clear()
        raise DatabaseNotWritable(f"{make_url(url).render_as_string(hide_password=True)}: "
                                  f"cannot store results: {getattr(exc, 'orig', None) or exc}") from None
    return sessions


def prepare_batch(db_url: str | None, workers: int) -> None:
    """Load now what the first call would load: the database (migrated and proven writable),
    the text pipeline, and with one worker the model, which then transcribes in this process.

    `run_batch` calls it while the Prefect server boots in its own process (issue 20), so these
    seconds overlap instead of adding up; the flow finds each of them loaded.
    """
    from checks.text.normalise import nlp
    from pipeline.engines import engine_for

    writable_sessions(db_url or database_url())
    nlp()
    if workers == 1:
        options = options_from_env()
        engine_for(options).warm_up(options)
    mark("prepared")


@task(cache_policy=NONE)
def missed_calls_task(phone: PhoneContext, standard: Standard, url: str) -> list[MissedCall]:
    """Missed calls of the whole CDR: most have no recording at all."""
    if phone.cdr is None:
        return []
    rules = standard.call_handling
    missed = missed_calls(phone.cdr.records, phone.sellers, ring_limit_s=rules.ring_limit_s,
                          callback_window=timedelta(hours=rules.callback_window_h))
    with sessions_for(url).begin() as session:
        save_missed_calls(session, missed)
    return missed


@task(cache_policy=NONE)
def reports_task(outcomes: list[Outcome], standard: Standard, url: str) -> list[Path]:
    """This week's scorecards, where «this week» is the week of the newest call the batch saw:
    the night's calls for a nightly run, the demo's own week for the demo."""
    dates = [o.metadata.started_at.date() for o in outcomes if o.metadata and o.metadata.started_at]
    return write_current_reports(sessions_for(url), REPORTS_DIR, max(dates, default=None), standard=standard)


def by_start_time(calls: list[CallFiles], phone: PhoneContext) -> list[tuple[CallFiles, PhoneFacts]]:
    """Each call with what the phone system says of it, oldest first, so a client's earlier
    calls are stored before the later ones are judged for parallel work; calls with no known
    time keep their order, at the end."""
    def when(item: tuple[CallFiles, PhoneFacts]) -> tuple[bool, datetime]:
        started = item[1].metadata.started_at if item[1].metadata else None
        return started is None, started or datetime.min

    return sorted(((call, phone_facts(call, phone)) for call in calls), key=when)


def analyse_in_order(calls: list[tuple[CallFiles, PhoneFacts]], standard: Standard, options: TranscriptionOptions,
                     url: str, settle_s: float, workers: int) -> list[Outcome]:
    """Every call analysed and stored oldest first, as parallel work and client threads need.

    With several workers the transcripts are made side by side first, each call's analysis
    waiting for its own. A call another worker holds is waited for at its turn there, and,
    in a run of its own, after the rest: either way the run ends with it analysed by
    someone, or with the reason why not.
    """
    log = get_run_logger()
    pending = []
    if workers > 1:
        pending = [transcribe_task.submit(call, standard, worker_options(options, workers), url, facts, settle_s)
                   for call, facts in calls]
    wait_s = CLAIM_WAIT_S if workers > 1 else 0.0
    outcomes: list[Outcome] = []
    with CallProgress(len(calls), "run") as progress:
        for i, (call, facts) in enumerate(calls):
            if pending:
                pending[i].wait()
            outcome = process_task(call, standard, options, url, facts, settle_s, wait_s)
            outcomes.append(outcome)
            detail = f"score {outcome.analysis.score.score:g}" if outcome.analysis else outcome.reason
            log.info("[%d/%d] %s: %s (%s)", i + 1, len(calls), call.path, outcome.status, detail)
            progress.finished(call.path.name)
    for i, (call, facts) in enumerate(calls):
        if outcomes[i].status == "skipped" and outcomes[i].reason.startswith(CLAIMED_ELSEWHERE):
            outcomes[i] = process_task(call, standard, options, url, facts, settle_s, CLAIM_WAIT_S)
            log.info("%s: %s (%s)", call.path, outcomes[i].status, outcomes[i].reason)
    return outcomes


def worker_options(options: TranscriptionOptions, workers: int) -> TranscriptionOptions:
    """The machine's cores shared among the workers: more threads than cores only contend."""
    threads = max(1, usable_cores() // workers)
    return replace(options, cpu_threads=threads, parallel_channels=options.parallel_channels and threads >= 2)


@flow(name="callqa-nightly")
def nightly_flow(
    recordings: str = str(DEFAULT_RECORDINGS),
    standard_path: str = str(DEFAULT_STANDARD),
    db_url: str | None = None,
    cdr_path: str | None = None,
    sellers_path: str | None = None,
    workers: int = 1,
) -> BatchResult:
    """The night's batch. With `workers` > 1 the flow runs under a Dask task runner
    (`pipeline.orchestration.run`): transcription goes to its workers, side by side."""
    log = get_run_logger()
    mark("flow-body")
    started = time.perf_counter()
    standard = load_checked_standard(standard_path)
    # a broken sellers.yaml stops the run here: every call would go to the wrong seller
    phone = load_phone_context(Path(recordings), Path(cdr_path) if cdr_path else None,
                               Path(sellers_path) if sellers_path else None)
    options = options_from_env()
    if options.device == "cuda":
        ensure_gpu_limit()
    url = db_url or database_url()
    writable_sessions(url)
    settle_s = settle_seconds()
    if phone.cdr is not None:
        log.info("CDR %s: %d calls, %d rows skipped", phone.cdr.source, len(phone.cdr.records), len(phone.cdr.skipped))
    calls = by_start_time(discover_task(recordings), phone)
    log.info("%d calls in %s; standard %s v%s; model %s", len(calls), recordings, *standard.key, options.model)
    if not calls:
        log.warning("no recordings in %s: a night without calls, or a share that is not mounted?", recordings)
    mark("calls-start")
    outcomes = analyse_in_order(calls, standard, options, url, settle_s, workers)
    mark("calls-done")
    errors: list[str] = []
    # after the calls, a database or disk that fails costs these steps, not the night's results
    missed = _or_error(lambda: missed_calls_task(phone, standard, url), "storing the missed calls", errors)
    mark("missed-done")
    reports = _or_error(lambda: reports_task(outcomes, standard, url), "writing the scorecards", errors)
    mark("reports-done")
    log.info("scorecards written: %s", ", ".join(sorted({str(p.parent) for p in reports})) or "none")
    return BatchResult(tuple(outcomes), url, time.perf_counter() - started, tuple(missed),
                       phone.cdr.skipped if phone.cdr else (), tuple(reports), tuple(errors))


def _or_error(step: Callable[[], list[T]], what: str, errors: list[str]) -> list[T]:
    try:
        return step()
    except (SQLAlchemyError, OSError) as exc:
        errors.append(f"{what} failed: {type(exc).__name__}: {getattr(exc, 'orig', None) or exc}")
        get_run_logger().error(errors[-1])
        return []
