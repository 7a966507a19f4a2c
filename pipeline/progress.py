"""Progress over a run of calls: done, left and the estimated time to go.

On a terminal, a rich progress bar; in a log (no terminal), one line per call, so a
night's log says how far the run got. Drawn on stderr: stdout carries the results
(tables, JSON, Markdown), which a user may redirect to a file.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


class CallProgress:
    """`with CallProgress(total, "eval") as p:`, then `p.start(name)` as each call begins where
    calls run one after the other, or `p.finished(name)` as each ends where they run side by side."""

    def __init__(self, total: int, what: str, stream: TextIO | None = None) -> None:
        self.total, self.what = total, what
        self.stream = stream or sys.stderr
        self.done = 0
        self._current: str | None = None
        self._lock = threading.Lock()  # calls side by side finish from their own threads
        self._started = time.monotonic()
        self._bar: Progress | None = None
        if self.stream.isatty():
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                 console=Console(file=self.stream), transient=True)
            self._task = self._bar.add_task(what, total=total)

    def __enter__(self) -> CallProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._current is not None and exc_type is None:  # the last call ended with the run
            self.finished(self._current)
        if self._bar is not None:
            self._bar.stop()

    def start(self, name: str) -> None:
        """A call begins; the one before it, if any, is done."""
        if self._current is not None:
            self.finished(self._current)
        self._current = name
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.what}: {name}")

    def finished(self, name: str) -> None:
        with self._lock:
            self._current = None
            self.done += 1
            if self._bar is not None:
                self._bar.update(self._task, completed=self.done)
                return
            elapsed = time.monotonic() - self._started
            eta = elapsed / self.done * (self.total - self.done)
            self.stream.write(f"{self.what}: {self.done}/{self.total} done, {self.total - self.done} left, "
                              f"{_duration(elapsed)} elapsed, about {_duration(eta)} to go ({name})\n")
            self.stream.flush()
