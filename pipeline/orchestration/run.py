"""The commands' way into the flow: a Prefect API to talk to, and a clean stop on signals."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pipeline.orchestration.server import LocalServer, configured_api_url, prefect_api, startup_timeout_s
from pipeline.orchestration.signals import stop_on_signals


def check_settings() -> None:
    """The batch's own settings, read once at the start: a typo stops the command with the
    variable's name (ValueError), not every call in the middle of the night."""
    from pipeline.engines.faster import cpu_batch_size
    from pipeline.reports.links import review_url_from_env
    from pipeline.stable import settle_seconds
    from pipeline.storage.claims import claim_lease

    cpu_batch_size()
    settle_seconds()
    claim_lease()
    startup_timeout_s()
    review_url_from_env()  # the scorecards' links, written after the batch


def usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def too_many_workers(workers: int, cores: int) -> str | None:
    """Why `workers` would be slower than fewer on `cores`, or None when they fit.

    One worker already keeps two cores busy: a stereo call's channels are decoded side by
    side. A worker beyond cores / 2 then gains no core; it only adds its own process, model
    and start-up, and contends with the analysis, which runs in the flow's process. Measured
    on 2 cores: 2 workers took 1.4x as long as 1 (docs/speed.md).
    """
    fitting = max(1, cores // 2)
    if workers <= fitting:
        return None
    return (f"--workers {workers} on {cores} core(s): each worker needs 2 cores (one per channel), so more than "
            f"{fitting} only add processes, models and start-up (2 workers on 2 cores measured 1.4x slower "
            f"than 1); use --workers {fitting}, or more machines (callqa worker)")


class NoSchedulerError(RuntimeError):
    """`serve` was asked to schedule where nothing would ever fire."""


def run_batch(recordings: Path, standard: Path, db: str | None, cdr: Path | None, sellers: Path | None,
              workers: int = 1, server: LocalServer | None = None):  # -> BatchResult
    """The nightly flow once, on the configured Prefect server or a local one started for it.

    `workers` > 1 transcribes that many calls at once in a local Dask cluster, one process each.
    `server` is a local server already booting (`early_server`): the database, the text pipeline
    and the model load meanwhile.
    """
    from pipeline.flow import nightly_flow, prepare_batch
    from pipeline.startup import mark

    mark("flow-imported")
    flow = nightly_flow.with_options(task_runner=dask_runner(workers)) if workers > 1 else nightly_flow
    with stop_on_signals():
        if server is not None:
            prepare_batch(db, workers)
        with prefect_api(started=server):
            mark("flow-call")
            return flow(str(recordings), str(standard), db, str(cdr) if cdr else None,
                        str(sellers) if sellers else None, workers=workers)


def dask_runner(workers: int):  # -> DaskTaskRunner
    from prefect_dask import DaskTaskRunner

    # Dask's own chatter (workers starting, comms closing at the end) is no news to an operator;
    # the environment carries the level to the worker processes too
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    logging.getLogger("distributed").setLevel(logging.ERROR)
    # one call per process, whose model gets its share of the cores (flow.worker_options)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": ":0"})


def serve_schedule(recordings: Path, standard: Path, cron: str | None, interval_s: float | None,
                   prefect_home: Path | None) -> None:
    """Serve the nightly flow as a deployment whose schedule a real Prefect server fires.

    Prefect's temporary server has no scheduler, so serving on it would wait forever:
    use the configured server, or start one whose data lives in `prefect_home`.
    """
    if configured_api_url() is None and prefect_home is None:
        raise NoSchedulerError(
            "no Prefect server is configured, and Prefect's temporary one never fires a schedule: "
            "set PREFECT_API_URL to your server (`prefect server start`, see docs/deployment.md), "
            "or pass --prefect-home DIR to run one here with its data in DIR")
    from pipeline.flow import nightly_flow

    with stop_on_signals(), prefect_api(home=prefect_home, scheduler=True):
        nightly_flow.serve(name="callqa-nightly", cron=None if interval_s else cron, interval=interval_s,
                           parameters={"recordings": str(recordings), "standard_path": str(standard)})
