"""`callqa bench-batch`: the nightly batch as a whole, with 1, 2… workers, and one long call.

A benchmark, not a test: it prints Markdown for docs/speed.md. Each configuration runs
the real `callqa run` in a process of its own over the same folder into a fresh SQLite
file (no transcript cache), so its figures include everything an operator waits for:
start-up, the Prefect server, the Dask cluster, the scorecards. Memory is the peak of
the whole process tree (the run, its server and its workers), sampled from /proc.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from pipeline.machine import cpu_line

CALLQA = [sys.executable, "-m", "pipeline.cli"]


@dataclass(frozen=True)
class BatchRun:
    workers: int
    calls: int
    audio_s: float
    wall_s: float
    peak_mb: float

    @property
    def calls_per_hour(self) -> float:
        return self.calls / self.wall_s * 3600

    @property
    def rtf(self) -> float:
        return self.wall_s / self.audio_s


def _tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every process below it."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(status.parent.name)
        parents[pid] = int(fields["PPid"])
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree) / 1024


def run_measured(command: Sequence[str], env: dict[str, str],
                 cwd: Path | None = None) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, peak MB of the process tree, the finished process)."""
    peak = 0.0
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=cwd)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.25):
            peak = max(peak, _tree_rss_mb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    return wall, peak, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def batch_env(tmp: Path | None = None) -> dict[str, str]:
    """The environment of a measured command: no configured Prefect server (the run starts its
    own, as on a machine without one), no settling wait, no analytics; with `tmp`, Prefect's
    client settings there rather than in the user's home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(CALLQA_SETTLE_S="0", PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    if tmp is not None:
        env["PREFECT_HOME"] = str(tmp / "prefect")
    return env


def run_command(inbox: Path, standard: Path, tmp: Path, workers: int = 1) -> list[str]:
    """`callqa run` into a fresh database in `tmp`; run it with `tmp` as the working folder,
    so that the scorecards go to `tmp/reports`, not the caller's."""
    return [*CALLQA, "run", "-r", str(inbox), "-s", str(standard), "--db", f"sqlite:///{tmp}/callqa.db",
            "--workers", str(workers), "--json"]


def bench_workers(inbox: Path, workers: int, standard: Path) -> BatchRun:
    with tempfile.TemporaryDirectory(prefix="callqa-bench-batch-") as tmp:
        wall, peak, done = run_measured(run_command(inbox.resolve(), standard.resolve(), Path(tmp), workers),
                                        batch_env(Path(tmp)), cwd=Path(tmp))
    if done.returncode != 0:
        raise RuntimeError(f"callqa run --workers {workers} exited {done.returncode}:\n{done.stderr[-3000:]}")
    calls = [c for c in json.loads(done.stdout)["calls"] if c["status"] == "analysed"]
    audio_s = sum(sf.info(c["recording"]).duration for c in calls)
    return BatchRun(workers, len(calls), audio_s, wall, peak)


def long_call(sources: Sequence[Path], minutes: float, out: Path) -> Path:
    """A stereo call of `minutes`, made of the given calls one after another (8 kHz FLAC)."""
    pieces, total = [], 0
    target = int(minutes * 60 * 8000)
    while total < target:
        for source in sources:
            audio, rate = sf.read(source, dtype="int16", always_2d=True)
            assert rate == 8000, f"{source}: {rate} Hz, expected 8000"
            pieces.append(audio)
            total += len(audio)
    sf.write(out, np.concatenate(pieces)[:target], 8000, subtype="PCM_16", format="FLAC")
    return out


def bench_long_call(sources: Sequence[Path], minutes: float, standard: Path) -> tuple[float, float, float]:
    """(audio seconds, wall seconds, peak MB) of `callqa analyze` on one long call."""
    with tempfile.TemporaryDirectory(prefix="callqa-bench-long-") as tmp:
        path = long_call(sources, minutes, Path(tmp) / "long.flac")
        wall, peak, done = run_measured([*CALLQA, "analyze", str(path), "-s", str(standard), "--json"], batch_env())
        if done.returncode != 0:
            raise RuntimeError(f"callqa analyze of a {minutes:g}-minute call exited {done.returncode}:\n"
                               f"{done.stderr[-3000:]}")
        return sf.info(path).duration, wall, peak


def render(runs: Sequence[BatchRun], long: tuple[float, float, float] | None) -> str:
    lines = [f"Machine: {cpu_line()}"]
    if runs:
        lines += ["", "| workers | calls | audio | wall | calls per hour | batch RTF | peak memory (all processes) |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.workers} | {r.calls} | {r.audio_s:.0f} s | {r.wall_s:.1f} s | {r.calls_per_hour:.0f} | "
              f"{r.rtf:.3f} | {r.peak_mb:.0f} MB |" for r in runs]
    if long is not None:
        audio_s, wall, peak = long
        lines += ["", f"One call of {audio_s / 60:.0f} minutes, `callqa analyze`: {wall:.0f} s "
                      f"(RTF {wall / audio_s:.3f}), peak memory {peak:.0f} MB."]
    return "\n".join(lines)
