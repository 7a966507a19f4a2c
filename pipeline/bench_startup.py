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
class StartupResult:
    help_s: list[float]
    call: Path
    analyze: list[AnalyzeRun]


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


def smallest_call(folder: Path) -> Path:
    """The fixed cost does not grow with the call: time it on the smallest one-file call."""
    return min((c.path for c in group_calls(discover(folder)) if c.legs is None), key=lambda p: p.stat().st_size)


def run_startup(call: Path, standard: Path, runs: int) -> StartupResult:
    help_s = []
    for _ in range(runs):
        started, ended = _timed(["--help"])
        help_s.append(ended - started)
    return StartupResult(help_s, call, [time_analyze(call, standard) for _ in range(runs)])


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
    ])
