"""The batch as an operator runs it: a schedule that fires, stops on signals, two runs at once.

Each test drives the real `callqa` command in a process of its own, as cron, systemd or
a terminal would.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pipeline.batch import CLAIMED_ELSEWHERE
from tests.conftest import SAMPLES

CALLQA = [sys.executable, "-m", "pipeline.cli"]
ROOT = Path(__file__).resolve().parent.parent


def callqa_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    # Prefect's client settings in a home of the command's own (a run's server makes its own)
    env.update(PREFECT_HOME=tempfile.mkdtemp(prefix="prefect-", dir=tmp_path),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", CALLQA_SETTLE_S="0",
               PYTHONPATH=str(ROOT), **extra)
    return env


def descendants(pid: int) -> set[int]:
    """Every process started under `pid`, in its session or in one of its own."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def shortest_demo_calls(n: int) -> list[Path]:
    return sorted(SAMPLES.rglob("*.flac"), key=lambda p: p.stat().st_size)[:n]


def wait_for(process: subprocess.Popen[str], log: Path, text: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            pytest.fail(f"callqa exited ({process.returncode}) before «{text}»:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"no «{text}» within {timeout_s} s:\n{log.read_text()[-3000:]}")


def test_serve_refuses_a_server_without_a_scheduler(tmp_path: Path) -> None:
    done = subprocess.run([*CALLQA, "serve", "-r", str(tmp_path)], env=callqa_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "never fires a schedule" in done.stderr and "--prefect-home" in done.stderr


def test_a_served_schedule_fires_on_a_local_prefect_server(tmp_path: Path) -> None:
    inbox, home, log = tmp_path / "inbox", tmp_path / "prefect-server", tmp_path / "serve.log"
    inbox.mkdir()
    env = callqa_env(tmp_path, CALLQA_DATABASE_URL=f"sqlite:///{tmp_path / 'callqa.db'}",
                     PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2", PREFECT_RUNNER_POLL_FREQUENCY="2")
    with log.open("w") as out:
        serve = subprocess.Popen([*CALLQA, "serve", "--prefect-home", str(home), "--interval", "15", "-r", str(inbox)],
                                 env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(serve, log, "no recordings in", timeout_s=240)  # the flow ran, and saw the empty inbox
        assert (home / "prefect.db").is_file()  # the server's data is where the operator said
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=90) == 0


@pytest.mark.model
@pytest.mark.parametrize("signum, to_group, workers",
                         [(signal.SIGTERM, False, 1), (signal.SIGINT, True, 1), (signal.SIGKILL, False, 1),
                          (signal.SIGTERM, False, 2)],
                         ids=["SIGTERM", "Ctrl-C to the terminal's group", "SIGKILL", "SIGTERM to 2 Dask workers"])
def test_a_signal_stops_the_run_within_seconds_and_leaves_no_process(
    tmp_path: Path, signum: int, to_group: bool, workers: int
) -> None:
    inbox, log = tmp_path / "inbox", tmp_path / "run.log"
    inbox.mkdir()
    for path in shortest_demo_calls(2):
        shutil.copy(path, inbox)
    env = callqa_env(tmp_path, CALLQA_DATABASE_URL=f"sqlite:///{tmp_path / 'callqa.db'}")
    with log.open("w") as out:
        run = subprocess.Popen([*CALLQA, "run", "-r", str(inbox), "--workers", str(workers)], env=env, stdout=out,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    wait_for(run, log, "calls in", timeout_s=240)
    time.sleep(2)  # into the first call's transcription
    started = descendants(run.pid)
    assert started, "the run started no Prefect server"
    assert len(started) >= 1 + (workers if workers > 1 else 0), started  # the server, and each Dask worker's process
    stop_at = time.monotonic()
    if to_group:
        os.killpg(run.pid, signum)
    else:
        run.send_signal(signum)
    returncode = run.wait(timeout=30)
    took = time.monotonic() - stop_at
    for _ in range(50):  # after SIGKILL the server hears of it from the kernel, a moment later
        if not [pid for pid in started if alive(pid)]:
            break
        time.sleep(0.2)
    assert not [pid for pid in started if alive(pid)], "a process outlived the run"
    if signum == signal.SIGKILL:
        return  # nothing to unwind: only the Prefect server's end is ours to ensure
    assert returncode == 128 + signum, log.read_text()[-2000:]
    assert took < 10, f"took {took:.1f} s to stop"
    assert f"stopped by {signal.Signals(signum).name}" in log.read_text()


@pytest.mark.model
def test_two_runs_on_one_inbox_transcribe_each_call_once(tmp_path: Path, empty_database_url: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    calls = shortest_demo_calls(3)
    for path in calls:
        shutil.copy(path, inbox)
    runs = []
    for i in range(2):
        out, log = (tmp_path / f"run{i}.json").open("w"), (tmp_path / f"run{i}.log").open("w")
        runs.append((subprocess.Popen([*CALLQA, "run", "-r", str(inbox), "--db", empty_database_url, "--json"],
                                      env=callqa_env(tmp_path), stdout=out, stderr=log), out, log))
    results = []
    for process, out, log in runs:
        returncode = process.wait(timeout=600)
        out.close()
        log.close()
        assert returncode == 0, Path(log.name).read_text()[-3000:]
        results.append(json.loads(Path(out.name).read_text()))
    statuses = [(c["recording"], c["status"], c["reason"]) for r in results for c in r["calls"]]
    analysed = sorted(path for path, status, _ in statuses if status == "analysed")
    assert analysed == sorted(str(inbox / p.name) for p in calls)  # each once, by one run or the other
    # with claims, a run never analyses a call the other one has: nothing is «stored by another» late
    assert all(status == "analysed" or reason.startswith((CLAIMED_ELSEWHERE, "already analysed"))
               for _, status, reason in statuses), statuses


@pytest.mark.model
@pytest.mark.postgres
def test_a_worker_killed_in_the_middle_of_a_call_loses_nothing(tmp_path: Path) -> None:
    """A local Dask cluster of two workers on PostgreSQL; one is killed while it transcribes."""
    from sqlalchemy import func, select

    from pipeline.storage.db import open_database
    from pipeline.storage.models import AnalysisRow, ClaimRow, FailureRow
    from tests.conftest_storage import _fresh_postgres_schema

    inbox, log = tmp_path / "inbox", tmp_path / "run.log"
    inbox.mkdir()
    calls = shortest_demo_calls(3)
    for path in calls:
        shutil.copy(path, inbox)
    with _fresh_postgres_schema() as url:
        sessions = open_database(url)
        with log.open("w") as out:
            run = subprocess.Popen([*CALLQA, "run", "-r", str(inbox), "--db", url, "--workers", "2"],
                                   env=callqa_env(tmp_path, CALLQA_CLAIM_LEASE_S="6"), stdout=out,
                                   stderr=subprocess.STDOUT, text=True)
        victim = None
        deadline = time.monotonic() + 300
        while victim is None and time.monotonic() < deadline and run.poll() is None:
            with sessions.begin() as session:  # a worker that holds a call is in the middle of it
                holders = [w for w in session.scalars(select(ClaimRow.worker)) if "writable-probe" not in w]
            pids = [int(w.split(":")[1]) for w in holders if int(w.split(":")[1]) != run.pid]
            if pids:
                time.sleep(1)  # into its transcription
                victim = pids[0]
                os.kill(victim, signal.SIGKILL)
            time.sleep(0.2)
        assert victim is not None, f"no worker took a call:\n{log.read_text()[-3000:]}"
        assert run.wait(timeout=600) == 0, log.read_text()[-3000:]
        with sessions.begin() as session:
            analysed = session.scalar(select(func.count()).select_from(AnalysisRow))
            failures = session.scalar(select(func.count()).select_from(FailureRow))
            claims_left = session.scalar(select(func.count()).select_from(ClaimRow))
        sessions.kw["bind"].dispose()
    assert (analysed, failures, claims_left) == (len(calls), 0, 0), log.read_text()[-3000:]


def test_more_workers_than_the_cores_can_feed_are_named_with_the_reason() -> None:
    from pipeline.orchestration.run import too_many_workers

    assert too_many_workers(1, 1) is None and too_many_workers(1, 2) is None
    assert too_many_workers(4, 8) is None
    note = too_many_workers(2, 2)
    assert note is not None and "--workers 2 on 2 core(s)" in note and "use --workers 1" in note
    assert "use --workers 4" in (too_many_workers(5, 8) or "")


def test_a_batch_server_starts_from_a_migrated_copy_once_one_exists(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 20: the first batch's server migrates a fresh database and leaves it as the template;
    the next ones start from a copy, skip the migrations, and still serve the whole API."""
    import httpx

    from pipeline.orchestration.server import start_server, template_path

    monkeypatch.setenv("CALLQA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    first = start_server()
    try:
        assert not first.from_template and not template_path().exists()
        first.wait(240)
        assert template_path().is_file()
    finally:
        first.stop()
    assert first.private_home is not None and not first.private_home.exists()
    second = start_server()
    try:
        assert second.from_template
        second.wait(240)
        # tables the migrations made answer: the copy is a whole database, not an empty file
        assert httpx.post(f"{second.url}/flows/filter", json={}, timeout=30).json() == []
        block_types = httpx.post(f"{second.url}/block_types/filter", json={}, timeout=30).json()
        assert any(b["slug"] == "local-file-system" for b in block_types)
    finally:
        second.stop()


def test_no_server_is_started_early_where_one_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.orchestration.server import early_server

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    with early_server() as server:
        assert server is None


def test_a_run_that_stops_before_its_flow_leaves_no_server_behind(tmp_path: Path) -> None:
    """The server boots from the command's first line: a broken standard must still end it."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("stages: [", encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "tmp").mkdir()
    env = callqa_env(tmp_path, TMPDIR=str(tmp_path / "tmp"))
    done = subprocess.run([*CALLQA, "run", "-r", str(tmp_path / "inbox"), "-s", str(broken)], env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 2 and "broken standard" in done.stderr
    assert not list((tmp_path / "tmp").glob("callqa-prefect-*")), "the server's private home was left"
    for _ in range(50):  # the server ends on its SIGTERM a moment after callqa has exited
        servers = [p for p in Path("/proc").glob("[0-9]*") if _runs_server_in(p, tmp_path)]
        if not servers:
            break
        time.sleep(0.2)
    assert not servers, "a Prefect server outlived the run"


def _runs_server_in(proc: Path, tmp_path: Path) -> bool:
    try:
        cmdline = (proc / "cmdline").read_bytes()
        environ = (proc / "environ").read_bytes()
    except OSError:
        return False
    return b"prefect.server.api.server:create_app" in cmdline and str(tmp_path).encode() in environ and alive(
        int(proc.name))
