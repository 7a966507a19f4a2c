"""The Prefect API the batch talks to.

Where the operator configured a server (`PREFECT_API_URL`), that one is used and nothing
is started. Otherwise callqa starts a local server for the length of the command,
instead of leaving it to Prefect's own temporary server, for three reasons:

- its start-up wait is ours to set (Prefect's is 20 s, which a busy machine misses);
- it runs in a session of its own, so the Ctrl-C a terminal sends to the whole
  foreground group does not kill it before the flow has reported where it stopped
  (a dead server made each report retry for minutes);
- `callqa serve` needs the scheduler, which Prefect's temporary server never runs:
  here it is a real server whose database lives in a folder the operator chose.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from pipeline.settings import seconds_env

STARTUP_TIMEOUT_ENV = "CALLQA_PREFECT_STARTUP_S"
DEFAULT_STARTUP_TIMEOUT_S = 120.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class PrefectServerError(RuntimeError):
    """The local Prefect server did not come up."""


def configured_api_url() -> str | None:
    """The operator's Prefect server, if one is configured (env or Prefect profile)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def startup_timeout_s() -> float:
    return seconds_env(STARTUP_TIMEOUT_ENV, DEFAULT_STARTUP_TIMEOUT_S)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command(port: int) -> list[str]:
    import prefect

    return [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent),
            "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "error", "--lifespan", "on"]


def _die_with_parent() -> None:
    """In the server's process, before it starts: end it when callqa ends, even by SIGKILL,
    which leaves no `finally` to stop it (Linux; elsewhere the stop in `prefect_api` is all)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise PrefectServerError(f"the local Prefect server exited with code {process.returncode} at start")
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise PrefectServerError(f"the local Prefect server did not answer within {timeout_s:g} s "
                             f"(a busy machine? set {STARTUP_TIMEOUT_ENV} higher, or run a server of your own "
                             "and set PREFECT_API_URL)")


def _stop(process: subprocess.Popen[bytes]) -> None:
    _signal_group(process, signal.SIGTERM)  # the server and anything it started
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)  # even when the leader is gone: a child may be left
    except ProcessLookupError:
        pass


@contextmanager
def prefect_api(home: Path | None = None, scheduler: bool = False) -> Iterator[str]:
    """The URL of the Prefect API to use inside the block; a local server lives as long as it.

    `home` holds a started server's database (default: Prefect's own, ~/.prefect);
    `scheduler` runs its services, so that deployments' schedules fire.
    """
    if url := configured_api_url():
        yield url
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_UI_ENABLED": "1" if scheduler else "0"}
    if not scheduler:
        env["PREFECT__SERVER_EPHEMERAL"] = "1"  # no services: a batch needs none
    private_home = None
    if home is None and not scheduler:
        # a batch's server keeps nothing worth sharing, and two runs at once on one machine must
        # not migrate one Prefect database together (the second one's server failed to start)
        home = private_home = Path(tempfile.mkdtemp(prefix="callqa-prefect-"))
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        env["PREFECT_HOME"] = str(home)
    process = subprocess.Popen(_server_command(port), env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    previous = os.environ.get("PREFECT_API_URL")
    try:
        _wait_healthy(url, process, startup_timeout_s())
        os.environ["PREFECT_API_URL"] = url  # for flow-run processes a served deployment starts
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
        _drain_to(process)
        _stop(process)
        if private_home is not None:
            shutil.rmtree(private_home, ignore_errors=True)


def _drain_to(process: subprocess.Popen[bytes]) -> None:
    """Send the logs and events still queued while the server is up: left for exit, they
    would be retried against a stopped server for minutes."""
    if process.poll() is not None:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=1)
