"""What a command pays before its first call: imports done on use, and the marks `callqa bench --startup` reads.

The CLI imports nothing heavy at start (issue 20): each command imports what it needs.
These helpers serve the commands that load the checks or time themselves.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

# `callqa bench --startup` sets it to a file; the command appends "<event> <time.monotonic()>"
# lines to it (CLOCK_MONOTONIC is system-wide on Linux, so the parent reads the same clock)
TRACE_ENV = "CALLQA_STARTUP_TRACE"


def import_spacy() -> None:
    """Import spaCy without torch.

    spaCy imports thinc, and thinc imports torch whenever it is installed (the `openai`
    extra): about 3 s of a 2-core machine, for neural layers callqa never runs (its
    pipeline is `spacy.blank("ru")` with a lemmatizer). torch is hidden for that one
    import only, so openai-whisper still imports it later as usual.
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]


def mark(event: str) -> None:
    """Record that `event` happened now, when a start-up benchmark asked for it."""
    trace = os.environ.get(TRACE_ENV)
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(f"{event} {time.monotonic()}\n")


class Background:
    """Work started now in a daemon thread, waited for where its result is needed.

    `callqa analyze` loads what only the checks use (the sentence encoder, the spaCy
    pipeline) while its call's audio is decoded and transcribed (issue 20). An error in the
    work is raised again by `join`, in the caller's thread, where the command reports it.
    """

    def __init__(self, name: str, work: Callable[[], object]) -> None:
        self._work = work
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # noqa: BLE001  # handed to the joining thread, which decides
            self._error = exc

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error
