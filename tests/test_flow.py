"""The nightly flow under the Prefect test harness: store, dedupe, survive bad files, retry them."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from checks.standard import load_standard
from pipeline.flow import nightly_flow, sessions_for
from pipeline.storage.models import AnalysisRow, FailureRow, RecordingRow
from tests.conftest import DEMO_STANDARD, SAMPLES

pytestmark = pytest.mark.model


@pytest.fixture
def inbox(tmp_path, demo_truths):
    folder = tmp_path / "inbox"
    (folder / "2026" / "11").mkdir(parents=True)
    shortest = min(demo_truths, key=lambda n: (SAMPLES / n).stat().st_size)
    name = Path(shortest).name
    shutil.copy(SAMPLES / shortest, folder / "2026" / "11" / name)
    (folder / "broken.wav").write_text("not audio at all")
    (folder / "notes.md").write_text("a note, not a recording")
    return folder, name


def count(url, model):
    with sessions_for(url).begin() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_batch_stores_results_skips_known_calls_and_records_failures(prefect_harness, inbox, tmp_path):
    folder, good_name = inbox
    url = f"sqlite:///{tmp_path / 'flow.db'}"
    result = nightly_flow(str(folder), str(DEMO_STANDARD), url)

    by_name = {o.path.rsplit("/", 1)[-1]: o for o in result.outcomes}
    assert set(by_name) == {good_name, "broken.wav"}  # the .md note is not a recording
    assert by_name[good_name].status == "analysed"
    assert by_name["broken.wav"].status == "failed"
    assert "not a decodable audio file" in by_name["broken.wav"].reason
    assert count(url, AnalysisRow) == 1 and count(url, FailureRow) == 1

    # a second run over the same inbox analyses nothing twice, and retries the bad file
    again = nightly_flow(str(folder), str(DEMO_STANDARD), url)
    statuses = {o.path.rsplit("/", 1)[-1]: o.status for o in again.outcomes}
    assert statuses == {good_name: "skipped", "broken.wav": "failed"}
    assert count(url, AnalysisRow) == 1 and count(url, FailureRow) == 2

    # the same audio under a new name is the same recording
    shutil.copy(folder / "2026" / "11" / good_name, folder / "copy.flac")
    (folder / "broken.wav").unlink()
    third = nightly_flow(str(folder), str(DEMO_STANDARD), url)
    assert {o.status for o in third.outcomes} == {"skipped"}
    assert count(url, RecordingRow) == 2  # the good call and the once-broken file


def test_changed_standard_makes_a_new_analysis_from_the_cached_transcript(prefect_harness, inbox, tmp_path):
    folder, _ = inbox
    (folder / "broken.wav").unlink()
    url = f"sqlite:///{tmp_path / 'flow2.db'}"
    nightly_flow(str(folder), str(DEMO_STANDARD), url)
    changed = tmp_path / "std_v2.yaml"
    current = load_standard(DEMO_STANDARD).standard.version
    changed.write_text(DEMO_STANDARD.read_text(encoding="utf-8").replace(f'version: "{current}"', 'version: "next"'),
                       encoding="utf-8")
    result = nightly_flow(str(folder), str(changed), url)
    outcome = result.outcomes[0]
    assert outcome.status == "analysed"
    assert outcome.timings["transcribe"] == 0.0  # reused from the transcript cache
    with sessions_for(url).begin() as s:
        versions = sorted(s.scalars(select(AnalysisRow.standard_version)))
    assert versions == sorted([current, "next"])


def test_a_growing_file_is_left_until_it_is_finished_then_analysed_once(prefect_harness, demo_truths, tmp_path,
                                                                        monkeypatch):
    """The recorder has written a header for the first 2 s and keeps appending audio behind it."""
    import os

    import soundfile as sf

    monkeypatch.setenv("CALLQA_SETTLE_S", "1")
    folder, url = tmp_path / "inbox", f"sqlite:///{tmp_path / 'flow.db'}"
    folder.mkdir()
    audio, rate = sf.read(SAMPLES / min(demo_truths, key=lambda n: (SAMPLES / n).stat().st_size),
                          dtype="int16", always_2d=True)
    live = folder / "live.wav"
    sf.write(live, audio[:2 * rate], rate, subtype="PCM_16")
    with live.open("ab") as fh:
        fh.write(audio[2 * rate:20 * rate].tobytes())
    settled = live.stat().st_mtime - 10
    os.utime(live, (settled, settled))  # quiet for longer than the settle time: only the header tells

    first = nightly_flow(str(folder), str(DEMO_STANDARD), url)
    assert [o.status for o in first.outcomes] == ["skipped"]
    assert "live.wav" in first.outcomes[0].reason and "still being written" in first.outcomes[0].reason
    assert count(url, RecordingRow) == 0 and count(url, AnalysisRow) == 0 and count(url, FailureRow) == 0

    sf.write(live, audio, rate, subtype="PCM_16")  # the call ends: all its audio, the header fixed
    os.utime(live, (settled, settled))
    second = nightly_flow(str(folder), str(DEMO_STANDARD), url)
    assert [o.status for o in second.outcomes] == ["analysed"]
    assert second.outcomes[0].analysis.transcript.duration_s == pytest.approx(len(audio) / rate, abs=0.01)
    third = nightly_flow(str(folder), str(DEMO_STANDARD), url)
    assert [o.status for o in third.outcomes] == ["skipped"]
    assert count(url, RecordingRow) == 1 and count(url, AnalysisRow) == 1
