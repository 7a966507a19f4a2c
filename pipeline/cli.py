"""The `callqa` command line."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from pipeline.settings import DEFAULT_RECORDINGS, DEFAULT_STANDARD, options_from_env

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pipeline.orchestration.server import LocalServer

    from checks.standard import Standard

T = TypeVar("T")

# Prefect must never phone home: the machines that run callqa have no network
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

# Every command imports what it needs inside it: Whisper, torch, spaCy, Prefect and
# matplotlib cost seconds to import, and `callqa --help` or `callqa user add` needs none
# of them (issue 20; tests/test_startup.py guards it).

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Quality control of recorded sales calls.")
# a log file or CI is no terminal: keep the summary table readable there too
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
# soft_wrap: an error naming a file must stay on one line, greppable
err = Console(stderr=True, soft_wrap=True, highlight=False)

StandardOpt = typer.Option(DEFAULT_STANDARD, "--standard", "-s", help="The sales standard YAML.")


def _import_spacy() -> None:
    """Before anything imports the checks: they import spaCy, which would bring torch (3 s) with it."""
    from pipeline.startup import import_spacy

    import_spacy()


def _standard_or_exit(path: Path) -> Standard:
    """Load the standard and resolve its checks, so a broken file stops the command before any work."""
    _import_spacy()
    from checks.analyze import plan_checks
    from checks.meaning.encoder import EncoderUnavailable
    from checks.standard import StandardError, load_standard

    try:
        standard = load_standard(path)
        plan_checks(standard, str(path))
    except StandardError as exc:
        err.print(f"broken standard: {exc}", markup=False, style="red")
        raise typer.Exit(2) from None
    except EncoderUnavailable as exc:  # before any call: not in the middle of a night
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    return standard


def _settings_or_exit(check: Callable[[], None]) -> None:
    try:
        check()
    except ValueError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None


@app.command()
def run(
    recordings: Path = typer.Option(DEFAULT_RECORDINGS, "--recordings", "-r", help="Folder of recordings."),
    standard: Path = StandardOpt,
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db)."),
    cdr: Optional[Path] = typer.Option(None, "--cdr", help="Asterisk Master.csv (default: one found under the recordings)."),
    sellers: Optional[Path] = typer.Option(None, "--sellers", help="sellers.yaml (default: one found under the recordings)."),
    as_json: bool = typer.Option(False, "--json", help="Print the batch as JSON (calls, missed calls, reports) instead of tables."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Calls transcribed at once (a local Dask cluster, the cores shared among them)."),
) -> None:
    """Run the nightly batch once over a folder of recordings."""
    from pipeline.orchestration.server import early_server
    from pipeline.startup import mark

    # the batch's Prefect server boots in its own process while this one loads (issue 20)
    with early_server() as server:
        _run_batch_command(recordings, standard, db, cdr, sellers, as_json, workers, server)
    mark("server-gone")


def _run_batch_command(recordings: Path, standard: Path, db: Optional[str], cdr: Optional[Path],
                       sellers: Optional[Path], as_json: bool, workers: int, server: LocalServer | None) -> None:
    from pipeline.startup import mark

    _standard_or_exit(standard)
    mark("standard")
    from pipeline.flow import sessions_for
    from pipeline.orchestration.run import check_settings, run_batch, too_many_workers, usable_cores
    from pipeline.orchestration.server import PrefectServerError
    from pipeline.orchestration.signals import Stopped
    from pipeline.phone.errors import MetadataError
    from pipeline.storage import repository as repo
    from pipeline.storage.db import DatabaseNotWritable
    from pipeline.summary import calls_table, missed_table, parallel_table

    if not recordings.is_dir():
        err.print(f"{recordings}: recordings folder not found", markup=False, style="red")
        raise typer.Exit(2)
    _settings_or_exit(check_settings)
    if note := too_many_workers(workers, usable_cores()):
        err.print(f"warning: {note}", markup=False, style="yellow")
    try:
        result = run_batch(recordings, standard, db, cdr, sellers, workers, server)
    except (MetadataError, DatabaseNotWritable, PrefectServerError) as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    except Stopped as exc:
        err.print(f"{exc}: the calls finished before it are stored; the next run goes on from there",
                  markup=False, style="red")
        raise typer.Exit(128 + exc.signum) from None
    mark("batch-returned")
    for error in result.errors:
        err.print(error, markup=False, style="red")
    if as_json:
        from pipeline.report import batch_to_json

        sys.stdout.write(json.dumps(batch_to_json(result.outcomes, result.missed, result.reports),
                                    ensure_ascii=False, indent=2) + "\n")
        raise typer.Exit(1 if result.failed or result.errors else 0)
    analysed = [o.analysis_id for o in result.outcomes if o.analysis_id is not None]
    with sessions_for(result.database_url).begin() as session:
        rows = {r.analysis_id: r for r in repo.summary_rows(session, analysed)}
    console.print(calls_table(result.outcomes, rows, recordings, result.wall_s))
    for extra in (missed_table(result.missed), parallel_table(result.outcomes)):
        if extra is not None:
            console.print(extra)
    for skipped in result.cdr_skipped:
        err.print(f"CDR line {skipped.line} skipped: {skipped.reason}", markup=False)
    console.print(f"results stored in {result.database_url}")
    for folder in sorted({str(p.parent) for p in result.reports}):
        console.print(f"scorecards in {folder}/")
    if result.failed:
        err.print(f"[red]{len(result.failed)} file(s) failed:[/red]")
        for o in result.failed:
            err.print(f"  {o.path}: {o.reason}", markup=False)
    if result.failed or result.errors:
        raise typer.Exit(1)


@app.command()
def client(
    number: str = typer.Argument(..., help="The client's phone number, in any usual form (+7…, 8…, 9…)."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db)."),
) -> None:
    """A client's history: every recorded and missed call, oldest first, with seller, score and findings."""
    _import_spacy()  # the summary tables import the batch, and through it the checks
    from pipeline.phone.numbers import normalise_number
    from pipeline.storage.calls import client_history
    from pipeline.storage.db import open_database
    from pipeline.summary import history_table

    parsed = normalise_number(number)
    if parsed.value is None:
        err.print(f"{number!r}: not a phone number ({parsed.reason})", markup=False, style="red")
        raise typer.Exit(2)
    with open_database(db).begin() as session:
        entries = client_history(session, parsed.value)
    if not entries:
        console.print(f"no calls with {parsed.value}")
        return
    console.print(history_table(parsed.value, entries))


@app.command()
def scorecard(
    seller: Optional[str] = typer.Argument(None, help="The seller's name as stored (omit with --team)."),
    team: bool = typer.Option(False, "--team", help="The team report: ranking, stage heat map, trend, changes."),
    period: Optional[str] = typer.Option(None, "--period", help="A month (2026-11) or an ISO week (2026-W47)."),
    first: Optional[datetime] = typer.Option(None, "--from", formats=["%Y-%m-%d"], help="First day (with --to)."),
    last: Optional[datetime] = typer.Option(None, "--to", formats=["%Y-%m-%d"], help="Last day, included."),
    fmt: str = typer.Option("html", "--format", help="html, pdf or png."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output file (default: reports/<seller|team>-<period>.<format>)."),
    min_calls: int = typer.Option(5, "--min-calls", help="Fewer calls than this: «not enough calls», no percentages."),
    standard: Path = StandardOpt,
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db)."),
) -> None:
    """A coaching scorecard for one seller, or the team report, over a period (default: this week)."""
    from pipeline.reports.current import DEFAULT_REPORTS_DIR, company_timezone, file_stem, stage_titles
    from pipeline.reports.links import review_url_from_env
    from pipeline.reports.period import PeriodError, current_week, parse_period, period_between, zone_info
    from pipeline.reports.queries import known_sellers, load_seller_scorecard, load_team_report
    from pipeline.reports.render import write_report
    from pipeline.storage.db import open_database
    from pipeline.storage.reviews import DATABASE_REVIEWS

    if team == (seller is not None):
        err.print("name one seller, or give --team", style="red")
        raise typer.Exit(2)
    if fmt not in ("html", "pdf", "png"):
        err.print(f"--format {fmt}: expected html, pdf or png", markup=False, style="red")
        raise typer.Exit(2)
    _settings_or_exit(review_url_from_env)  # a bad CALLQA_REVIEW_URL stops here, not after the queries
    std = _standard_or_exit(standard)
    tz = company_timezone(std)
    try:
        if period and (first or last) or (first is None) != (last is None):
            raise PeriodError("give --period, or both --from and --to")
        chosen = (parse_period(period) if period else period_between(first.date(), last.date()) if first and last
                  else current_week(datetime.now(zone_info(tz)).date()))
    except PeriodError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    with open_database(db).begin() as session:
        if team:
            report = load_team_report(session, chosen, tz, min_calls=min_calls, reviews=DATABASE_REVIEWS)
        else:
            assert seller is not None
            report = load_seller_scorecard(session, seller, chosen, tz, min_calls=min_calls,
                                           reviews=DATABASE_REVIEWS)
            if report.calls == 0 and seller not in known_sellers(session):
                names = ", ".join(known_sellers(session)) or "none stored"
                err.print(f"no seller {seller!r} (sellers: {names})", markup=False, style="red")
                raise typer.Exit(2)
    target = out or DEFAULT_REPORTS_DIR / f"{'team' if team else file_stem(seller or '')}-{file_stem(chosen.label)}.{fmt}"
    write_report(report, fmt, target, stage_titles(std), review_url_from_env())  # type: ignore[arg-type]
    console.print(str(target))


@app.command()
def analyze(
    file: Path = typer.Argument(..., help="One recording."),
    standard: Path = StandardOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the JSON object documented in the README."),
) -> None:
    """Analyse one call and print the result (nothing is stored)."""
    _import_spacy()  # first: the checks would import it with torch
    from checks.meaning.encoder import EncoderUnavailable, defer_loading, get_encoder, load_in_background
    from pipeline.startup import Background, mark

    # what only the checks use (sentence encoder, spaCy pipeline) loads while the call is
    # transcribed (issue 20); a missing package still stops the command here, named
    try:
        defer_loading()
    except EncoderUnavailable as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    std = _standard_or_exit(standard)
    from checks.analyze import analyze_transcript
    from checks.text.normalise import nlp
    from pipeline.audio import AudioError
    from pipeline.batch import load_call_audio, transcribe_audio
    from pipeline.engines import engine_for
    from pipeline.report import analysis_to_json

    options = options_from_env()
    try:
        audio = load_call_audio(file)
    except AudioError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(1) from None
    engine_for(options).warm_up(options)  # the model, loaded once before the call's own work
    # started only now: both loads hold the interpreter's lock most of the time, so they would
    # slow the imports and decoding above; CTranslate2's transcription releases it
    load_in_background()
    text_pipeline = Background("callqa-spacy-load", nlp)
    mark("ready")
    transcript = transcribe_audio(audio, options, std)
    mark("transcribed")
    try:
        text_pipeline.join()
        get_encoder()  # waits for its background load if still running
    except EncoderUnavailable as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    mark("loaded")
    from pipeline.rehearing import WhisperHearing

    hearing = WhisperHearing(lambda: audio, options)
    result = analysis_to_json(analyze_transcript(transcript, std, str(file), hearing=hearing))
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_analysis(file, result)
    mark("done")


def _print_analysis(file: Path, result: dict) -> None:
    console.print(f"[bold]{escape(str(file))}[/bold]  score {result['score']}  flagged: {result['flagged']}")
    for stage_id, st in result["stages"].items():
        tick = "[green]✓[/green]" if st["present"] else "[red]✗[/red]"
        where = escape(f"{st['start']:.1f}s «{st['evidence']}»") if st["present"] else ""
        console.print(f"  {tick} {stage_id} {where}")
    for f in result["findings"]:
        console.print(f"  [yellow]{f['severity']}[/yellow] {f['type']} {f['start']:.1f}-{f['end']:.1f}s: {escape(f['evidence'])}")


@app.command()
def serve(
    cron: str = typer.Option("0 2 * * *", "--cron", help="When to run, as a cron expression."),
    interval: Optional[float] = typer.Option(None, "--interval", help="Run every this many seconds instead of the cron schedule."),
    recordings: Path = typer.Option(DEFAULT_RECORDINGS, "--recordings", "-r"),
    standard: Path = StandardOpt,
    prefect_home: Optional[Path] = typer.Option(
        None, "--prefect-home",
        help="Start a Prefect server here, its database in this folder (default: the server in $PREFECT_API_URL)."),
) -> None:
    """Serve the nightly flow as a Prefect deployment whose schedule a real Prefect server fires."""
    _standard_or_exit(standard)
    from pipeline.orchestration.run import NoSchedulerError, check_settings, serve_schedule
    from pipeline.orchestration.server import PrefectServerError
    from pipeline.orchestration.signals import Stopped

    _settings_or_exit(check_settings)
    try:
        serve_schedule(recordings, standard, cron, interval, prefect_home)
    except (NoSchedulerError, PrefectServerError) as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    except Stopped:
        err.print("stopped serving", markup=False)


PoolOpt = typer.Option("callqa", "--pool", help="The Prefect work pool the machines share.")


@app.command()
def deploy(
    pool: str = PoolOpt,
    cron: Optional[str] = typer.Option(None, "--cron", help="When the night's runs start, as a cron expression."),
    interval: Optional[float] = typer.Option(None, "--interval", help="Start them every this many seconds instead."),
    runs: int = typer.Option(1, "--runs", min=1, help="Flow runs started each time: one per machine."),
    recordings: Path = typer.Option(DEFAULT_RECORDINGS, "--recordings", "-r", help="The inbox, as the workers see it."),
    standard: Path = StandardOpt,
) -> None:
    """Create the work pool and the nightly deployment in it, on the Prefect server in $PREFECT_API_URL."""
    _standard_or_exit(standard)
    from pipeline.orchestration.pool import deploy as deploy_to_pool
    from pipeline.orchestration.run import NoSchedulerError

    try:
        done = deploy_to_pool(pool, recordings, standard, cron, interval, runs)
    except NoSchedulerError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    console.print(f"deployment {done.name} in work pool {done.pool}: {done.runs} run(s) each time; "
                  f"start `callqa worker --pool {done.pool}` on each machine", markup=False)


@app.command()
def worker(
    pool: str = PoolOpt,
    once: bool = typer.Option(False, "--once", help="Take the runs due now, finish them and exit."),
    name: Optional[str] = typer.Option(None, "--name", help="The worker's name in Prefect (default: callqa-HOSTNAME)."),
) -> None:
    """Join a work pool and run its nightly flow runs on this machine, one at a time."""
    from pipeline.orchestration.pool import work
    from pipeline.orchestration.run import NoSchedulerError, check_settings
    from pipeline.orchestration.signals import Stopped

    _settings_or_exit(check_settings)
    try:
        work(pool, once, name)
    except (NoSchedulerError, LookupError) as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    except Stopped as exc:
        err.print(f"worker {exc}", markup=False)
        raise typer.Exit(128 + exc.signum) from None


@app.command("eval")
def evaluate(
    folder: Path = typer.Argument(..., help="Recordings with <name>.truth.json sidecars."),
    standard: Path = StandardOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    db: Optional[str] = typer.Option(
        None, "--db", help="Reuse and fill this database's transcript cache, so re-scoring skips Whisper."
    ),
    reference: bool = typer.Option(
        False, "--reference", help="Analyse the truth's own turns instead of Whisper's: the checks without recognition errors."
    ),
) -> None:
    """Measure accuracy against ground-truth sidecars: stage and finding precision/recall, WER, speed."""
    std = _standard_or_exit(standard)
    from pipeline.batch import cached_transcriber
    from pipeline.evaluate import evaluate_folder, render_report
    from pipeline.progress import CallProgress
    from pipeline.storage.db import open_database

    options = options_from_env()
    transcript_for = cached_transcriber(options, std, open_database(db)) if db else None
    # evaluate_folder reports "[i/n] name" as each call with a sidecar begins; the bar counts itself
    with CallProgress(sum(1 for _ in folder.rglob("*.truth.json")), "eval") as progress:
        report = evaluate_folder(folder, std, options, progress=lambda msg: progress.start(msg.split("] ", 1)[-1]),
                                 transcript_for=transcript_for, reference=reference)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        console.print(render_report(report))


@app.command()
def bench(
    folder: Path = typer.Argument(DEFAULT_RECORDINGS / "samples", help="Recordings to time."),
    standard: Path = StandardOpt,
    repeats: int = typer.Option(5, "--repeats", help="Passes of analysis alone over the transcripts."),
    startup_runs: int = typer.Option(3, "--startup-runs", help="Runs of each start-up timing (the median is shown)."),
    only: Optional[str] = typer.Option(None, "--only", help="One section: calls or startup (default: both)."),
    batch: bool = typer.Option(True, "--batch/--no-batch", help="In the start-up section, time the folder as one `callqa run` against its per-call times."),
) -> None:
    """Time every stage of the pipeline per call, then analysis alone, then start-up; print Markdown."""
    if only not in (None, "calls", "startup"):
        err.print(f"--only {only}: expected calls or startup", markup=False, style="red")
        raise typer.Exit(2)
    std = _standard_or_exit(standard)
    from pipeline.bench import render_markdown, run_benchmark
    from pipeline.bench_startup import render_startup, run_startup, smallest_call

    options = options_from_env()
    calls = None
    if only != "startup":
        calls = run_benchmark(folder, std, options, repeats)
        print(render_markdown(calls, options), flush=True)
    if only != "calls" and startup_runs > 0:
        if batch and calls is None:
            # the batch is compared with these calls' per-call times, measured here as the calls section does
            calls = run_benchmark(folder, std, options, repeats=0)
        per_call = (folder, sum(t.wall_s for t in calls.calls), len(calls.calls)) if batch and calls else None
        # after the calls: the model and the audio are in the page cache, as on a working machine
        print(("\n" if only is None else "")
              + render_startup(run_startup(smallest_call(folder), standard, startup_runs, per_call)))


@app.command("bench-batch")
def bench_batch(
    inbox: Path = typer.Argument(DEFAULT_RECORDINGS / "samples", help="Folder of calls to run the batch over."),
    workers: list[int] = typer.Option([1, 2], "--workers", "-w", help="Worker counts to compare (repeatable)."),
    long_minutes: float = typer.Option(60.0, "--long-minutes", help="Length of the long call measured for memory; 0 skips it."),
    batch: bool = typer.Option(True, "--batch/--long-only", help="Run the batch with each worker count, or only the long call."),
    standard: Path = StandardOpt,
) -> None:
    """The whole nightly batch with 1, 2… workers (calls per hour, memory), and one long call; print Markdown."""
    from pipeline.bench_batch import bench_long_call, bench_workers, render
    from pipeline.batch import discover

    runs = []
    for n in workers if batch else []:
        runs.append(bench_workers(inbox, n, standard))
        err.print(f"{n} worker(s): {runs[-1].wall_s:.1f} s", markup=False)
    long = bench_long_call(discover(inbox), long_minutes, standard) if long_minutes > 0 else None
    console.print(render(runs, long), markup=False)


@app.command("bench-engines")
def bench_engines(
    folder: Path = typer.Argument(DEFAULT_RECORDINGS / "samples", help="Calls with *.truth.json sidecars."),
    standard: Path = StandardOpt,
    only: Optional[list[str]] = typer.Option(None, "--only", help="Run only configurations whose label contains this."),
    cpu_isa: Optional[str] = typer.Option(None, "--cpu-isa", help="AVX2: time an AVX-512 CPU as an AVX2-only one."),
) -> None:
    """Engines and settings side by side: RTF, calls per hour, peak RSS, WER; print Markdown."""
    _standard_or_exit(standard)
    from pipeline.bench_engines import CONFIGS, check_isa, footer, header, row_line, run_config

    if cpu_isa is not None:
        _settings_or_exit(lambda: check_isa(cpu_isa))
    chosen = [c for c in CONFIGS if not only or any(o in c.label for o in only)]
    # each row as soon as it is measured: a configuration takes minutes, and a later failure
    # must not lose the rows before it
    print(header(cpu_isa), flush=True)
    rows = []
    for config in chosen:
        err.print(f"{config.label} …", markup=False)
        rows.append(run_config(config, folder, standard, cpu_isa))
        print(row_line(rows[-1]), flush=True)
    print(footer(rows))


@app.command("bench-queue")
def bench_queue_cmd(
    db: str = typer.Option(..., "--db", help="An EMPTY database: it is filled with synthetic calls."),
    calls: int = typer.Option(100_000, "--calls", help="How many calls to seed."),
    repeats: int = typer.Option(7, "--repeats", help="Timed runs per scenario (the median is shown)."),
    seed: int = typer.Option(1, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Seed an empty database with synthetic calls and time the review queue's pages on it."""
    from sqlalchemy.engine import make_url

    from pipeline.bench_queue import bench_queue, machine, render_bench_queue

    try:
        results = bench_queue(db, calls, repeats, seed)
    except ValueError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(results, indent=2) + "\n")
        return
    backend = make_url(db).get_backend_name()
    console.print(render_bench_queue(results, f"Review queue, {calls:,} calls, {backend} ({machine()})"))


@app.command("model-path")
def model_path() -> None:
    """Assemble the bundled Whisper weights (once) and print their directory."""
    from pipeline.model_store import bundled_model_dir

    console.print(str(bundled_model_dir()))


@app.command("convert-model")
def convert_model(
    out: Optional[Path] = typer.Option(None, "--out", help="Checkpoint to write (default: in the model cache)."),
    fp32: bool = typer.Option(False, "--fp32/--fp16", help="Cast to float32, or keep the stored float16 (default)."),
) -> None:
    """Write the bundled CTranslate2 Whisper as an openai-whisper checkpoint (needs the `openai` extra)."""
    from pipeline.convert_model import convert, default_checkpoint
    from pipeline.ct2_format import CT2FormatError
    from pipeline.model_store import bundled_model_dir

    precision = "fp32" if fp32 else "fp16"
    try:
        written = convert(bundled_model_dir(), out or default_checkpoint(precision), precision)
    except ImportError:
        err.print("convert-model needs torch: pip install -e '.[openai]'", markup=False, style="red")
        raise typer.Exit(2) from None
    except CT2FormatError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(1) from None
    console.print(str(written))


user_app = typer.Typer(no_args_is_help=True, help="Users of the review app.")
app.add_typer(user_app, name="user")


DbOpt = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db).")


def _new_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password (at least 12 characters)", hide_input=True, confirmation_prompt=True))


def _users_or_exit(db: Optional[str], work: Callable[[Session], T]) -> T:
    """Run `work(session)` in one transaction; a refused change (ValueError, LookupError) exits 2 with its message."""
    from pipeline.storage.db import open_database

    try:
        with open_database(db).begin() as session:
            return work(session)
    except (ValueError, LookupError) as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="The login name."),
    role: str = typer.Option(..., "--role", help="qa_lead, admin, coach or seller."),
    seller: Optional[str] = typer.Option(None, "--seller", help="For --role seller: the seller's name as stored."),
    create_seller: bool = typer.Option(False, "--create-seller", help="Add the --seller when no seller has that name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin (first line)."),
    db: Optional[str] = DbOpt,
) -> None:
    """Create a user; the password (12+ characters, not a common one) is asked for or read from stdin, stored argon2-hashed."""
    from pipeline.storage.models import USER_ROLES
    from pipeline.storage.users import create_user

    if role not in USER_ROLES:
        err.print(f"--role {role}: expected one of {', '.join(USER_ROLES)}", markup=False, style="red")
        raise typer.Exit(2)
    if (role == "seller") != bool(seller):  # said before the password is asked for
        err.print("--seller: needed with --role seller, and only with it", markup=False, style="red")
        raise typer.Exit(2)
    password = _new_password(password_stdin)
    user = _users_or_exit(db, lambda s: create_user(s, name, role, password, seller, create_seller))
    console.print(f"user {user.name} ({user.role}{', ' + user.seller if user.seller else ''}) added", markup=False)


@user_app.command("list")
def user_list(db: Optional[str] = DbOpt) -> None:
    """Every user, tab-separated: name, role, seller, active or disabled, created, review actions made."""
    from pipeline.storage.users import list_users

    users = _users_or_exit(db, list_users)
    for u in users:
        state = f"disabled {u.disabled_at:%Y-%m-%d %H:%M}" if u.disabled_at else "active"
        # tab-separated, for `cut -f`; rich would turn the tabs into spaces
        typer.echo(f"{u.name}\t{u.role}\t{u.seller or '-'}\t{state}\tcreated {u.created_at:%Y-%m-%d}\t"
                   f"{u.actions} action(s)")


@user_app.command("disable")
def user_disable(name: str = typer.Argument(..., help="The login name."), db: Optional[str] = DbOpt) -> None:
    """Refuse the user's sign-ins and end their sessions now; their review actions stay in the trail."""
    from pipeline.storage.users import disable_user

    ended = _users_or_exit(db, lambda s: disable_user(s, name))
    console.print(f"user {name} disabled; {ended} session(s) ended", markup=False)


@user_app.command("enable")
def user_enable(name: str = typer.Argument(..., help="The login name."), db: Optional[str] = DbOpt) -> None:
    """Let a disabled user sign in again."""
    from pipeline.storage.users import enable_user

    _users_or_exit(db, lambda s: enable_user(s, name))
    console.print(f"user {name} enabled", markup=False)


@user_app.command("reset-password")
def user_reset_password(
    name: str = typer.Argument(..., help="The login name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin (first line)."),
    db: Optional[str] = DbOpt,
) -> None:
    """Set a new password (same policy as add); every session of the user ends."""
    from pipeline.storage.users import reset_password

    password = _new_password(password_stdin)
    ended = _users_or_exit(db, lambda s: reset_password(s, name, password))
    console.print(f"password of {name} changed; {ended} session(s) ended", markup=False)


@user_app.command("delete")
def user_delete(name: str = typer.Argument(..., help="The login name."), db: Optional[str] = DbOpt) -> None:
    """Delete a user who never acted; one with review actions is refused (disable them: the trail keeps its authors)."""
    from pipeline.storage.users import delete_user

    _users_or_exit(db, lambda s: delete_user(s, name))
    console.print(f"user {name} deleted", markup=False)


@app.command()
def review(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port"),
    db: Optional[str] = DbOpt,
    recordings: Path = typer.Option(DEFAULT_RECORDINGS, "--recordings", "-r",
                                    help="The recordings folder: audio is served only from inside it."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Behind HTTPS: send the session cookie over HTTPS only."),
    forwarded_allow_ips: Optional[str] = typer.Option(
        None, "--forwarded-allow-ips",
        help="Proxies whose X-Forwarded-For/-Proto to believe (comma-separated IPs or networks); default: none."),
) -> None:
    """Serve the review app: the flagged-calls queue, call pages, review actions, the JSON API."""
    _import_spacy()  # the call pages name the checks
    import uvicorn

    from pipeline.model_store import cache_root
    from pipeline.review.app import create_app, server_config
    from pipeline.review.web import ReviewSettings
    from pipeline.storage.db import open_database
    from pipeline.storage.reviews import count_users

    sessions = open_database(db)
    with sessions.begin() as session:
        if not count_users(session):
            err.print("no users yet: create one with `callqa user add NAME --role qa_lead`", markup=False,
                      style="yellow")
    app_ = create_app(ReviewSettings(sessions, cache_root() / "review-audio", secure_cookies,
                                     recordings_root=recordings))
    console.print(f"callqa review on http://{host}:{port}/  (API schema: /api/openapi.json)", markup=False)
    uvicorn.Server(server_config(app_, host, port, forwarded_allow_ips)).run()


@app.command("review-export")
def review_export(
    out: Path = typer.Argument(..., help="Folder for the labelled sidecars (<id>-<name>.truth.json)."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db)."),
    clear: bool = typer.Option(False, "--clear", help="Recording paths in clear (they hold clients' numbers); written to the access log."),
) -> None:
    """Write every reviewed call as a `callqa eval` sidecar: the QA leads' corrections as the calibration set."""
    _import_spacy()  # the export names the checks
    from pipeline.review.callview import export_reviewed
    from pipeline.storage.access_log import record_access
    from pipeline.storage.db import open_database

    with open_database(db).begin() as session:
        pairs = export_reviewed(session, out, clear)
        if clear:  # whoever holds the database's credentials on this machine: logged by their login
            record_access(session, _os_user(), "cli", "export_sidecar", [aid for aid, _ in pairs],
                          f"callqa review-export --clear {out}")
    written = [path for _, path in pairs]
    console.print(f"{len(written)} reviewed call(s) written to {out}; "
                  f"compare with `callqa eval {out} --db {db or '<same database>'}`", markup=False)


@app.command()
def calibrate(
    standard: Path = typer.Option(..., "--standard", "-s", help="The standard YAML the reviewed calls were scored with."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db)."),
    out: Optional[Path] = typer.Option(None, "--out", help="The new version's file (default: beside the input, NAME.vN.yaml)."),
) -> None:
    """Learn from the QA lead's reviews: propose examples, counter-examples and thresholds as a new standard version."""
    std = _standard_or_exit(standard)
    from pipeline.calibration.metrics import render_comparison
    from pipeline.calibration.run import calibrate as run_calibration
    from pipeline.calibration.run import describe
    from pipeline.calibration.source import CalibrationSourceError
    from pipeline.calibration.writer import CalibrationOutputError, StandardError

    try:
        result = run_calibration(standard, std, db, out)
    except (CalibrationSourceError, CalibrationOutputError, StandardError) as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    console.print(render_comparison(result.rows, result.calls))
    for proposal in result.calibration.proposals:
        console.print(f"proposed: {describe(proposal)}", markup=False, soft_wrap=True)
    for note in result.calibration.notes:
        console.print(f"not proposed: {note}", markup=False, soft_wrap=True)
    if result.out is None:
        console.print(f"nothing to propose: the reviewed calls support no change to {standard}; no file written",
                      markup=False, soft_wrap=True)
        return
    console.print(f"version {result.version} written to {result.out}; the input {standard} is unchanged. "
                  f"Read it, then run callqa with --standard {result.out}", markup=False, soft_wrap=True)


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return f"uid {os.getuid()}"


@app.command()
def purge(
    older_than: Optional[str] = typer.Option(
        None, "--older-than", help="Retention period: 180d, 26w, 1y (default: $CALLQA_RETENTION or 180d)."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count the calls that would be purged."),
) -> None:
    """Delete transcripts, quotes, audio paths and personal data of calls older than the retention period; keep scores and findings."""
    from datetime import timezone

    from pipeline.privacy.retention import parse_period, retention_period
    from pipeline.privacy.stored import spans_of
    from pipeline.review.standards import standard_by_id
    from pipeline.storage.db import open_database
    from pipeline.storage.purge import purge_before

    try:
        period = parse_period(older_than) if older_than else retention_period()
    except ValueError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    cutoff = datetime.now(timezone.utc) - period
    with open_database(db).begin() as session:
        # a call never scanned is scanned before its transcript goes: its spans mask the reviewers' comments
        result = purge_before(session, cutoff, dry_run, lambda s, aid: spans_of(s, aid, standard_by_id))
    day = cutoff.strftime("%Y-%m-%d")
    if dry_run:
        console.print(f"{len(result.analyses)} call(s) started before {day} would be purged", markup=False)
        return
    console.print(f"purged {len(result.analyses)} call(s) started before {day}: {result.utterances} transcript lines, "
                  f"{result.cached_transcripts} cached transcripts, {result.spans} personal data spans; "
                  f"{result.comments} reviewers' comments masked; "
                  f"{result.missed_calls} missed calls lost their client's number. Scores and findings are kept.",
                  markup=False, soft_wrap=True)


@app.command("privacy-rescan")
def privacy_rescan(
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db)."),
    standard: Optional[Path] = typer.Option(
        None, "--standard", "-s", help="The standard of calls scored with one not in scripts_ref/ (matched by its id)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count the calls that would be rescanned."),
) -> None:
    """Scan for personal data again every call whose scan is by other detectors' versions, or was never made."""
    from collections import Counter

    from pipeline.privacy.stored import SCANNED_BY, Rescanned, rescan_analysis, stale_scans
    from pipeline.progress import CallProgress
    from pipeline.review.standards import standard_by_id
    from pipeline.storage.db import open_database

    given = _standard_or_exit(standard) if standard else None

    def standard_for(standard_id: str) -> Standard | None:
        return given if given is not None and given.standard.id == standard_id else standard_by_id(standard_id)

    sessions = open_database(db)
    with sessions.begin() as session:
        stale = stale_scans(session)
    by = Counter("never scanned" if d is None else f"by {d}" for d in stale.values())
    console.print(f"{len(stale)} call(s) to rescan with {SCANNED_BY}"
                  + "".join(f"; {n} {what}" for what, n in sorted(by.items())), markup=False, soft_wrap=True)
    if dry_run or not stale:
        return
    done: list[Rescanned] = []
    failed: list[str] = []
    with CallProgress(len(stale), "privacy-rescan") as progress:
        for aid in stale:
            progress.start(f"call {aid}")  # the id, never the file name: it carries the client's number
            try:
                with sessions.begin() as session:  # each call committed: a stopped rescan keeps what it did
                    done.append(rescan_analysis(session, aid, standard_for))
            except Exception as exc:  # noqa: BLE001 - one call's failure must not stop the others
                failed.append(f"call {aid}: {type(exc).__name__}: {exc}")
    before = sum(r.before or 0 for r in done)
    console.print(f"rescanned {len(done)} call(s): {before} personal data spans before, {sum(r.after for r in done)} "
                  f"now; {sum(r.changed for r in done)} call(s) changed, "
                  f"{sum(r.before is None for r in done)} never scanned before", markup=False, soft_wrap=True)
    for line in failed:
        err.print(line, markup=False, style="red")
    if failed:
        raise typer.Exit(1)


@app.command("access-log")
def access_log(
    db: Optional[str] = typer.Option(None, "--db", help="Database URL (default: $CALLQA_DATABASE_URL or sqlite:///callqa.db)."),
    call: Optional[int] = typer.Option(None, "--call", help="Only this call (analysis id)."),
    user: Optional[str] = typer.Option(None, "--user", help="Only this user."),
    last: Optional[int] = typer.Option(None, "--last", min=1, help="Only the newest N entries."),
) -> None:
    """Who saw personal data in clear, when, of which call: unmasked views, audio streams and exports."""
    from pipeline.storage.access_log import read_access_log
    from pipeline.storage.db import open_database

    with open_database(db).begin() as session:
        entries = read_access_log(session, call, user, limit=last)
    if not entries:
        console.print("the access log is empty" + (" for this filter" if call or user else ""), markup=False)
        return
    for e in entries:
        console.print(f"{e.at:%Y-%m-%d %H:%M:%S} UTC  {e.user} ({e.role})  {e.action}  "
                      f"call {e.analysis_id if e.analysis_id is not None else '-'}  {e.detail}", markup=False, soft_wrap=True)


def main() -> None:
    try:
        app()
    finally:
        # The interpreter's last garbage collection walks every object the checks' spaCy
        # and pymorphy3 tables made: half a second of `callqa analyze`'s exit on a 2-core
        # machine, to free memory the system takes back anyway. Frozen objects are skipped;
        # atexit handlers and module teardown still run.
        gc.freeze()


if __name__ == "__main__":
    main()
