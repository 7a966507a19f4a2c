"""What a command pays before its first call: imports done on use, and the marks `callqa bench --startup` reads.

The CLI imports nothing heavy at start (issue 20): each command imports what it needs.
These helpers serve the commands that load the checks or time themselves.
"""

from __future__ import annotations

import os
import sys
import time

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
