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
import importlib.metadata
import importlib.util
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from pipeline.model_store import cache_root
from pipeline.settings import seconds_env
from pipeline.startup import mark

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
    # the package's folder without importing it: this runs first thing in `callqa run`
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin, "prefect is not installed"
    return [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent),
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


def template_path() -> Path:
    """An empty Prefect database, migrated by this Prefect version: a batch's server starts from
    a copy of it instead of running every migration again (about half its start, issue 20)."""
    return cache_root() / f"prefect-{importlib.metadata.version('prefect')}.db"


def _custom_database() -> bool:
    """The operator named the server's database: it is theirs to migrate, not a copy's."""
    return any(os.environ.get(f"PREFECT_{side}_DATABASE_CONNECTION_URL") for side in ("API", "SERVER"))


@dataclass
class LocalServer:
    """A Prefect server started for one command, booting in its own process until `wait` is called."""

    process: subprocess.Popen[bytes]
    url: str
    private_home: Path | None  # removed when the server stops
    from_template: bool  # its database is a copy of `template_path()`
    stopped: bool = False

    def wait(self, timeout_s: float) -> None:
        """Until the server answers; a batch's first server also leaves its fresh database as the template."""
        _wait_healthy(self.url, self.process, timeout_s)
        mark("server-up")
        if self.private_home is not None and not self.from_template and not _custom_database():
            _save_template(self.private_home / "prefect.db")

    def stop(self) -> None:
        """Send what is queued for it, end it and its children, remove its private home; again: nothing."""
        if self.stopped:
            return
        self.stopped = True
        mark("server-stopping")
        _drain_to(self.process)
        _stop(self.process)
        mark("server-stopped")
        if self.private_home is not None:
            shutil.rmtree(self.private_home, ignore_errors=True)


def start_server(home: Path | None = None, scheduler: bool = False) -> LocalServer:
    """Start a local Prefect server and return at once; `LocalServer.wait` waits for it.

    `home` holds its database (default: a private folder, removed at stop, for a batch; with
    `scheduler`, Prefect's own ~/.prefect); `scheduler` runs its services, so that
    deployments' schedules fire.
    """
    port = _free_port()
    env = {**os.environ, "PREFECT_UI_ENABLED": "1" if scheduler else "0"}
    if not scheduler:
        env["PREFECT__SERVER_EPHEMERAL"] = "1"  # no services: a batch needs none
    private_home = None
    from_template = False
    if home is None and not scheduler:
        # a batch's server keeps nothing worth sharing, and two runs at once on one machine must
        # not migrate one Prefect database together (the second one's server failed to start)
        home = private_home = Path(tempfile.mkdtemp(prefix="callqa-prefect-"))
        from_template = not _custom_database() and _copy_template(home / "prefect.db")
        if from_template:
            # the copy is at this version's head, with the block types registered
            env.update(PREFECT_API_DATABASE_MIGRATE_ON_START="false", PREFECT_API_BLOCKS_REGISTER_ON_START="false")
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        env["PREFECT_HOME"] = str(home)
    process = subprocess.Popen(_server_command(port), env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    mark("server-started")
    return LocalServer(process, f"http://127.0.0.1:{port}/api", private_home, from_template)


def _copy_template(to: Path) -> bool:
    try:
        shutil.copyfile(template_path(), to)
    except OSError:  # none yet (this run makes it), or unreadable: the server migrates its own
        return False
    return True


def _save_template(database: Path) -> None:
    """Keep a consistent copy of a just-migrated database (SQLite's backup reads its journal
    too), written whole before it is renamed into place: two runs may race, each complete."""
    target = template_path()
    if target.exists():
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)
        partial.replace(target)
    except (OSError, sqlite3.Error):
        pass  # only a later run's start is slower for it


@contextmanager
def early_server() -> Iterator[LocalServer | None]:
    """For a batch command's first line: its server boots while the command loads the standard,
    the models and the flow, instead of after (issue 20). None when `PREFECT_API_URL` names a
    server; `prefect_api(started=...)` stops it unused if a Prefect profile names one."""
    if os.environ.get("PREFECT_API_URL"):
        yield None
        return
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def prefect_api(home: Path | None = None, scheduler: bool = False,
                started: LocalServer | None = None) -> Iterator[str]:
    """The URL of the Prefect API to use inside the block; a local server lives as long as it.

    `home` and `scheduler` are `start_server`'s; `started` is a server already booting
    (`early_server`), used instead of starting one. Either is stopped at the end of the block.
    """
    if url := configured_api_url():
        if started is not None:
            started.stop()  # unused: the profile's server is the one to use
        yield url
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = started or start_server(home, scheduler)
    previous = os.environ.get("PREFECT_API_URL")
    try:
        server.wait(startup_timeout_s())
        os.environ["PREFECT_API_URL"] = server.url  # for flow-run processes a served deployment starts
        with temporary_settings(updates={PREFECT_API_URL: server.url}):
            yield server.url
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
        server.stop()


def _drain_to(process: subprocess.Popen[bytes]) -> None:
    """Send the logs and events still queued while the server is up: left for exit, they
    would be retried against a stopped server for minutes."""
    if process.poll() is not None or "prefect.logging.handlers" not in sys.modules:
        return  # nothing to send to, or nothing ever queued (a run stopped before its flow)
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=1)
