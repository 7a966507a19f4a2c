"""Stopping a run on SIGTERM as on Ctrl-C.

Python's default SIGTERM ends the process on the spot: no `finally`, no atexit, so the
Prefect server it started was left running. Raised as KeyboardInterrupt instead, a
stop unwinds like Ctrl-C: the call in progress gives up its claim, the flow reports
that it stopped, the server is shut down. Calls already stored stay stored.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Stopped(KeyboardInterrupt):
    """The run was asked to stop by a signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT raise `Stopped` in the main thread."""
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
