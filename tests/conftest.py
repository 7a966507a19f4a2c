"""Shared pytest fixtures; each concern keeps its own in a conftest_<name>.py."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from tests.conftest_storage import *  # noqa: F401,F403  (db_engine, db_connection, db_session)
from tests.conftest_review import *  # noqa: F401,F403  (review_seed_db, review_db_url, review_app, review_client, live_review)

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# tests write a recording and run the batch at once; tests/test_batch_scale.py tests the settle time
os.environ.setdefault("CALLQA_SETTLE_S", "0")
# sentence vectors in a file of the test session's own (shared by the commands tests start), not the user's cache
os.environ.setdefault("CALLQA_VECTOR_CACHE", str(Path(tempfile.mkdtemp(prefix="callqa-test-vectors-")) / "vectors.sqlite"))

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "recordings" / "samples"
DEMO_STANDARD = ROOT / "scripts_ref" / "stroydom.yaml"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session: it takes ~15 s to start."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_standard():
    from checks.standard import load_standard

    return load_standard(DEMO_STANDARD)


@pytest.fixture(scope="session")
def demo_truths() -> dict[str, dict]:
    """Ground truth of the committed demo calls, by recording file name."""
    truths = {}
    # keyed by the recording's path under SAMPLES (FreePBX's YYYY/MM/DD folders)
    for path in sorted(SAMPLES.rglob("*.truth.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        truths[str((path.parent / data["recording"]).relative_to(SAMPLES))] = data
    assert truths, f"no demo calls with ground truth in {SAMPLES}"
    return truths


@pytest.fixture(scope="session")
def demo_analyses(demo_standard, demo_truths):
    """Every demo call through the real model once per session (the slow part)."""
    from checks.analyze import analyze_transcript
    from pipeline.batch import transcribe_file
    from pipeline.settings import TranscriptionOptions

    out = {}
    for name in demo_truths:
        transcript = transcribe_file(SAMPLES / name, TranscriptionOptions(), demo_standard)
        out[name] = analyze_transcript(transcript, demo_standard, name)
    return out


def sample(demo_truths: dict, scenario: str) -> str:
    """The demo call that plays `scenario` (its name before the FreePBX renaming)."""
    return next(name for name, truth in demo_truths.items() if truth["scenario"] == scenario)
