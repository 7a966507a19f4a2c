"""Several machines: `callqa deploy` puts the nightly flow in a Prefect work pool, and
`callqa worker` on a machine takes its flow runs and stores the calls.

A real local Prefect server (the one callqa starts, with its scheduler), a real process
worker, the real flow with Whisper on a committed demo call."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline.orchestration.server import prefect_api
from pipeline.storage.db import open_database
from tests.test_orchestration import CALLQA, callqa_env, shortest_demo_calls


def test_worker_and_deploy_refuse_without_a_shared_server(tmp_path: Path) -> None:
    for command in (["worker"], ["deploy", "--runs", "2"]):
        done = subprocess.run([*CALLQA, *command], env=callqa_env(tmp_path), capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 2, done.stderr
        assert "PREFECT_API_URL" in done.stderr


@pytest.mark.model
def test_a_worker_takes_the_deployed_run_and_stores_the_calls(tmp_path: Path) -> None:
    inbox, db = tmp_path / "inbox", tmp_path / "callqa.db"
    inbox.mkdir()
    call = shutil.copy(shortest_demo_calls(1)[0], inbox)
    with prefect_api(home=tmp_path / "prefect-server", scheduler=True) as url:
        env = callqa_env(tmp_path, PREFECT_API_URL=url, CALLQA_DATABASE_URL=f"sqlite:///{db}")
        deployed = subprocess.run([*CALLQA, "deploy", "--pool", "night", "--runs", "3", "--cron", "0 2 * * *",
                                   "-r", str(inbox)], env=env, capture_output=True, text=True, timeout=300)
        assert deployed.returncode == 0, deployed.stderr
        assert "callqa-nightly/nightly" in deployed.stdout

        from prefect.client.orchestration import get_client
        from prefect.deployments import run_deployment

        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("callqa-nightly/nightly")
        assert deployment.work_pool_name == "night"
        assert len(deployment.schedules) == 3  # one run per machine each night
        flow_run = run_deployment("callqa-nightly/nightly", timeout=0)

        refused = subprocess.run([*CALLQA, "worker", "--pool", "nigth", "--once"], env=env,
                                 capture_output=True, text=True, timeout=300)
        assert refused.returncode == 2 and "no work pool 'nigth'" in refused.stderr

        worked = subprocess.run([*CALLQA, "worker", "--pool", "night", "--once"], env=env,
                                capture_output=True, text=True, timeout=900)
        assert worked.returncode == 0, worked.stderr[-3000:]
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(flow_run.id).state
        assert state is not None and state.is_completed(), state

    with open_database(f"sqlite:///{db}").begin() as session:
        stored = session.execute(text("SELECT r.path FROM analyses a JOIN recordings r ON r.id = a.recording_id"))
        assert [row.path for row in stored] == [str(call)]


@pytest.mark.model
def test_sigterm_stops_a_worker_in_the_middle_of_a_run_and_leaves_no_process(tmp_path: Path) -> None:
    import signal
    import time

    from tests.test_orchestration import alive, descendants

    inbox, db, log = tmp_path / "inbox", tmp_path / "callqa.db", tmp_path / "worker.log"
    inbox.mkdir()
    for path in shortest_demo_calls(3):
        shutil.copy(path, inbox)
    with prefect_api(home=tmp_path / "prefect-server", scheduler=True) as url:
        env = callqa_env(tmp_path, PREFECT_API_URL=url, CALLQA_DATABASE_URL=f"sqlite:///{db}")
        deployed = subprocess.run([*CALLQA, "deploy", "--pool", "night", "-r", str(inbox)], env=env,
                                  capture_output=True, text=True, timeout=300)
        assert deployed.returncode == 0, deployed.stderr

        from prefect.deployments import run_deployment

        run_deployment("callqa-nightly/nightly", timeout=0)
        with log.open("w") as out:
            worker = subprocess.Popen([*CALLQA, "worker", "--pool", "night"], env=env, stdout=out,
                                      stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 600
        while not any(Path(f"/proc/{pid}/cmdline").exists() and b"prefect.engine" in
                      Path(f"/proc/{pid}/cmdline").read_bytes() for pid in descendants(worker.pid)):
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        time.sleep(20)  # into the run: its flow, its first call
        started = descendants(worker.pid)
        worker.send_signal(signal.SIGTERM)
        returncode = worker.wait(timeout=60)
        for _ in range(100):
            if not [pid for pid in started if alive(pid)]:
                break
            time.sleep(0.2)
        assert not [pid for pid in started if alive(pid)], "a flow run outlived its worker"
        assert returncode == 128 + signal.SIGTERM, log.read_text()[-3000:]
