"""The night's batch on several machines: a Prefect work pool, a deployment, and `callqa worker`s.

`callqa deploy` (once, anywhere that reaches the Prefect server) creates a process work
pool and a deployment of the nightly flow whose schedule starts `runs` flow runs a night:
one schedule per run, since Prefect starts one run per schedule and time. Each machine
runs `callqa worker --pool NAME`, which takes one flow run at a time; the runs go through
the same inbox and divide its calls by the claims in the one database they share
(`CALLQA_DATABASE_URL` on every machine), so a machine that dies costs its call a lease,
not the night. The flow is found by its module (`pipeline.flow.nightly_flow`), so a worker
needs callqa installed, not a copy of anyone's working folder.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pipeline.orchestration.run import NoSchedulerError
from pipeline.orchestration.server import configured_api_url
from pipeline.orchestration.signals import stop_on_signals

DEFAULT_POOL = "callqa"
DEPLOYMENT = "nightly"


@dataclass(frozen=True)
class Deployed:
    pool: str
    name: str  # flow/deployment, as `prefect deployment run` takes it
    runs: int


def _require_server(command: str) -> str:
    url = configured_api_url()
    if url is None:
        raise NoSchedulerError(
            f"`callqa {command}` needs the Prefect server that all machines share: set PREFECT_API_URL "
            "(see docs/deployment.md, «Several machines»)")
    return url


def deploy(pool: str, recordings: Path, standard: Path, cron: str | None, interval_s: float | None,
           runs: int) -> Deployed:
    """Create the work pool if it is missing, and the nightly deployment in it (replacing its schedules)."""
    if runs < 1:
        raise ValueError(f"--runs: {runs}: at least one flow run a night is needed")
    _require_server("deploy")
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import EntrypointType
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.schedules import Cron, Interval

    from pipeline.flow import nightly_flow

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        except ObjectAlreadyExists:
            pass
    if interval_s is not None:
        schedules = [Interval(timedelta(seconds=interval_s), slug=f"run-{i + 1}") for i in range(runs)]
    elif cron is not None:
        schedules = [Cron(cron, slug=f"run-{i + 1}") for i in range(runs)]
    else:
        schedules = []  # runs are started by hand: `prefect deployment run`
    deployment = nightly_flow.to_deployment(
        name=DEPLOYMENT, schedules=schedules, entrypoint_type=EntrypointType.MODULE_PATH,
        parameters={"recordings": str(recordings), "standard_path": str(standard)},
        description="The night's calls: several runs side by side divide them by claims in the database.")
    deployment.apply(work_pool_name=pool)
    return Deployed(pool, f"{nightly_flow.name}/{DEPLOYMENT}", runs)


def work(pool: str, once: bool = False, name: str | None = None) -> None:
    """Join the pool and run its flow runs here, one at a time, until stopped (or one round, `once`).

    The worker does not create the pool: a typo in its name would otherwise wait for ever
    on a pool nobody deploys to.
    """
    _require_server("worker")
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            raise LookupError(f"no work pool {pool!r} on {configured_api_url()}: "
                              f"create it with `callqa deploy --pool {pool}`") from None

    async def run() -> None:
        worker = ProcessWorker(work_pool_name=pool, name=name or f"callqa-{socket.gethostname()}", limit=1,
                               create_pool_if_not_found=False)
        await worker.start(run_once=once, printer=lambda *_args, **_kw: None)

    with stop_on_signals():
        asyncio.run(run())
