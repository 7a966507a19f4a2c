"""`callqa bench`'s start-up section: what a user waits for before and after a call's own work.

Each command runs as a fresh process, as a user starts it, and is timed from the parent:
process start to exit. `callqa analyze` also marks (`pipeline.startup.mark`) when its one
call is ready to transcribe (standard and checks, audio decoded, model loaded), when it has
transcribed it, when what the checks need (sentence encoder, spaCy pipeline, loaded in the
background meanwhile) is there, and when it has printed the result. Its fixed cost is
start → ready, plus any wait for those background loads after the transcription, plus
done → exit: the part that does not grow with the call.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.batch import discover, group_calls
from pipeline.startup import TRACE_ENV


@dataclass(frozen=True)
class AnalyzeRun:
    wall_s: float  # process start to exit
    to_ready_s: float  # process start to the call's audio decoded and every model loaded
    exit_s: float  # result printed to process exit
    wait_s: float = 0.0  # transcribed to the checks' models loaded: what the background loads did not hide

    @property
    def fixed_s(self) -> float:
        return self.to_ready_s + self.wait_s + self.exit_s


@dataclass(frozen=True)
class BatchTiming:
    """`callqa run` over a folder as one fresh process, against the same calls' per-call times."""

    calls: int
    wall_s: float  # process start to exit
    per_call_s: float  # the sum of `callqa bench`'s per-call wall times for the same calls
    marks: dict[str, float]  # each traced event's first time, in seconds from process start

    @property
    def ratio(self) -> float:
        return self.wall_s / self.per_call_s

    def between(self, first: str, last: str) -> float | None:
        if first in self.marks and last in self.marks:
            return self.marks[last] - self.marks[first]
        return None


@dataclass(frozen=True)
class StartupResult:
    help_s: list[float]
    call: Path
    analyze: list[AnalyzeRun]
    batch: BatchTiming | None = None


def callqa_command() -> list[str]:
    """The `callqa` script beside this interpreter (what a user runs), else the module."""
    script = Path(sys.executable).with_name("callqa")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def _timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(start, exit) on the monotonic clock of `mark`."""
    started = time.monotonic()
    done = subprocess.run(callqa_command() + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env, check=False)
    ended = time.monotonic()
    if done.returncode != 0:
        raise RuntimeError(f"callqa {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return started, ended


def time_analyze(call: Path, standard: Path) -> AnalyzeRun:
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace"
        started, ended = _timed(["analyze", str(call), "--standard", str(standard)],
                                dict(os.environ, **{TRACE_ENV: str(trace)}))
        marks = dict(line.split() for line in trace.read_text(encoding="utf-8").splitlines())
    wait = float(marks["loaded"]) - float(marks["transcribed"]) if "loaded" in marks else 0.0
    return AnalyzeRun(ended - started, float(marks["ready"]) - started, ended - float(marks["done"]), wait)


def time_batch(folder: Path, standard: Path, per_call_s: float, calls: int) -> BatchTiming:
    """The whole folder as one `callqa run`, as an operator starts it: a fresh process, a fresh
    database (no transcript cached), the scorecards drawn for the first time into a fresh
    folder, and the Prefect server the run starts for itself."""
    from pipeline.bench_batch import batch_env

    with tempfile.TemporaryDirectory(prefix="callqa-bench-startup-") as tmp:
        trace = Path(tmp) / "trace"
        env = batch_env(Path(tmp)) | {TRACE_ENV: str(trace)}
        # in `tmp`: the run writes its scorecards to ./reports
        started = time.monotonic()
        done = subprocess.run(callqa_command() + ["run", "-r", str(folder.resolve()), "-s", str(standard.resolve()),
                                                  "--db", f"sqlite:///{tmp}/callqa.db", "--json"],
                              cwd=tmp, env=env, capture_output=True, text=True, check=False)
        ended = time.monotonic()
        if done.returncode != 0:
            raise RuntimeError(f"callqa run exited {done.returncode}:\n{done.stderr[-2000:]}")
        marks: dict[str, float] = {}
        for line in trace.read_text(encoding="utf-8").splitlines():
            event, at = line.split()
            marks.setdefault(event, float(at) - started)
    analysed = sum(c["status"] == "analysed" for c in json.loads(done.stdout)["calls"])
    if analysed != calls:
        raise RuntimeError(f"the batch analysed {analysed} calls, the per-call timing {calls}: not the same work")
    return BatchTiming(calls, ended - started, per_call_s, marks)


def smallest_call(folder: Path) -> Path:
    """The fixed cost does not grow with the call: time it on the smallest one-file call."""
    return min((c.path for c in group_calls(discover(folder)) if c.legs is None), key=lambda p: p.stat().st_size)


def run_startup(call: Path, standard: Path, runs: int,
                batch: tuple[Path, float, int] | None = None) -> StartupResult:
    """`batch`: (folder, the sum of its calls' per-call times, how many calls), to time it as one run."""
    help_s = []
    for _ in range(runs):
        started, ended = _timed(["--help"])
        help_s.append(ended - started)
    analyze = [time_analyze(call, standard) for _ in range(runs)]
    return StartupResult(help_s, call, analyze, time_batch(batch[0], standard, *batch[1:]) if batch else None)


def render_startup(result: StartupResult) -> str:
    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} | {min(values):.2f}–{max(values):.2f}"

    runs = result.analyze
    return "\n".join([
        f"Start-up, each a fresh process timed from its start; median of {len(result.help_s)} runs "
        f"(`callqa analyze` on {result.call.name}):",
        "",
        "| what | median s | range s |",
        "|---|---:|---:|",
        f"| `callqa --help` | {cell(result.help_s)} |",
        f"| `callqa analyze`, fixed cost (start to ready, plus any wait after transcribing, plus exit) | "
        f"{cell([r.fixed_s for r in runs])} |",
        f"| — start to ready: standard, audio decoded, model loaded | {cell([r.to_ready_s for r in runs])} |",
        f"| — transcribed to encoder and spaCy loaded (their background load not hidden) | "
        f"{cell([r.wait_s for r in runs])} |",
        f"| — result printed to exit | {cell([r.exit_s for r in runs])} |",
        f"| `callqa analyze`, whole | {cell([r.wall_s for r in runs])} |",
    ] + (["", *render_batch(result.batch)] if result.batch else []))


BATCH_TARGET = 1.3  # issue 20: a batch's wall time at most 1.3x the sum of its per-call times
# the batch's parts, between the marks of `callqa run`'s trace
BATCH_PARTS = (
    ("process start to the first call: imports, standard and models, the Prefect server (booting meanwhile)",
     "start", "calls-start"),
    ("— of which waiting for the Prefect server after the models loaded", "prepared", "server-up"),
    ("— of which the flow run's start (Prefect API) and its checks", "flow-call", "calls-start"),
    ("the calls, each a Prefect task (analysed, stored, personal data scanned)", "calls-start", "calls-done"),
    ("missed calls and scorecards (drawn for the first time)", "calls-done", "reports-done"),
    ("server stopped, summary printed, exit", "reports-done", "exit"),
)


def render_batch(batch: BatchTiming) -> list[str]:
    marks = batch.marks | {"start": 0.0, "exit": batch.wall_s}
    timing = BatchTiming(batch.calls, batch.wall_s, batch.per_call_s, marks)
    verdict = "met" if batch.ratio <= BATCH_TARGET else "not met"
    lines = [
        f"The folder's {batch.calls} calls as one `callqa run` (a fresh process, database and reports folder), "
        f"one run: {batch.wall_s:.1f} s, against {batch.per_call_s:.1f} s of per-call work (the calls section's "
        f"wall column, this invocation): **{batch.ratio:.2f}×** (target at most {BATCH_TARGET}×: {verdict}).",
        "",
        "| part of the batch | s |",
        "|---|---:|",
    ]
    for label, first, last in BATCH_PARTS:
        seconds = timing.between(first, last)
        if seconds is not None:
            lines.append(f"| {label} | {max(seconds, 0.0):.2f} |")
    return lines
