"""Worldgraph's HTTP + WebSocket server (aiohttp): the entry point.

``create_app(config)`` assembles the app from ``webserver/`` (routes by concern, middlewares, the job worker);
``python server.py`` or ``worldgraph serve`` runs it behind the connection edge (``webserver.edge``: request
timeouts, the connection cap). Routes answer at ``/`` and ``/api/``, in the shapes
ComfyUI clients expect where they overlap. Handlers stay thin: validation, execution, the queue and files
live in the graph layer.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from graph import Executor, create_executor, load_registry
from graph.jobs import MAX_ATTEMPTS, JobStore
from graph.packs import PackReports, load_packs
from graph.packs import add_arguments as add_pack_arguments
from graph.packs import from_arguments as pack_options
from graph.cluster import ClusterProcess, ExecutorRecipe, RaySite
from graph.runtime import parse_size
from webserver.comfy_server import BinaryEventTypes, PromptServer
from graph.workers import CAN_FORK, InlineValidator, InProcessSite, JobSite, ProcessSite, Validator, WorkerLimits
from webserver import edge
from webserver.config import Config
from webserver.headers import add_headers
from webserver.live import LiveHost, SessionPlacer
from webserver.routes.models import recent_log
from webserver.keys import CONFIG, EXECUTOR, HUB, JOBS, LIVE, PACKS, ROUTE_TABLE, VALIDATOR, WORKER
from webserver.routes import ROUTES, UNDOCUMENTED
from webserver.routes.system import add_editor
from webserver.routing import mount
from webserver.security import MAX_BODY, errors, security
from webserver.worker import Hub, Worker

__all__ = ["ROUTES", "Config", "add_serve_command", "create_app", "main", "serve"]
log = logging.getLogger("worldgraph.server")


async def _run_worker(app: web.Application) -> AsyncIterator[None]:
    """Start: requeue jobs a crash left running (failing those out of runs), warn when the cache folder cannot
    be written, remove stale temporary files, start the validator and the worker. Stop: stop the running job,
    the worker and the validator, close the job store."""
    jobs = app[JOBS]
    requeued, poisoned = await asyncio.to_thread(jobs.recover)
    if requeued:
        log.warning("requeued %d job(s) that were running when the server stopped", len(requeued))
    if poisoned:
        log.error("failed %d job(s) for good: the server stopped while running each of them %d times: %s",
                  len(poisoned), MAX_ATTEMPTS, ", ".join(poisoned))
    disk = app[EXECUTOR].store.disk
    unusable = await asyncio.to_thread(disk.check) if disk is not None else None
    if unusable is not None:
        log.warning("%s", unusable)
    for folder in (app[EXECUTOR].paths.output, app[EXECUTOR].paths.temp, app[CONFIG].root / "user"):
        for stale in folder.rglob(".wg-tmp-*") if folder.is_dir() else ():
            stale.unlink(missing_ok=True)
    # Everything imported and loaded so far (torch, numpy, packs...) lives as long as the server: out of the
    # collector's reach, a full collection triggered by one large prompt scans only new objects instead of
    # stalling the loop for a few hundred ms, and forked workers share those pages untouched.
    gc.freeze()
    app[VALIDATOR].start()
    app[WORKER].start(asyncio.get_running_loop())
    yield
    await app[WORKER].stop()
    await asyncio.to_thread(app[VALIDATOR].close)
    await asyncio.to_thread(jobs.close)


async def _close_websockets(app: web.Application) -> None:
    await app[HUB].close_all()


def create_app(config: Config, executor: Executor | None = None, packs: PackReports | None = None) -> web.Application:
    """The app over ``executor`` and the reports of the packs loaded into its registry; without an
    executor, one over ``config.root`` with the packs ``config.packs`` names."""
    app = web.Application(middlewares=[errors, security], client_max_size=MAX_BODY)
    app[CONFIG] = config
    if executor is None:
        registry = load_registry()
        packs = load_packs(registry, config.packs) if config.packs is not None else packs
        executor = create_executor(config.root, registry=registry, reuse=config.reuse_cache)
    app[EXECUTOR] = executor
    app[PACKS] = packs or PackReports()
    app[JOBS] = JobStore(config.root / "state" / "jobs.sqlite3", config.max_pending, config.max_history)
    app[HUB] = Hub()
    isolated = config.isolation == "process" and CAN_FORK
    if config.isolation == "process" and not CAN_FORK:
        log.warning("this platform cannot fork: jobs run in the server's own process, unsupervised")
    sites: list[JobSite]
    placer: SessionPlacer | None = None
    if config.cluster is not None:
        recipe = ExecutorRecipe.of(executor, config.packs)
        sites = [RaySite(recipe, config.cluster, config.cluster_cpus, config.limits)
                 for _ in range(config.cluster_jobs)]
        placer = functools.partial(ClusterProcess, recipe, config.cluster)  # live sessions on cluster workers
    else:
        sites = [ProcessSite(executor, config.limits) if isolated else InProcessSite(executor)]
    app[WORKER] = Worker(app[JOBS], sites, app[HUB])
    app[VALIDATOR] = (Validator(executor.registry, config.max_prompt_nodes, config.check_seconds) if isolated
                      else InlineValidator(executor.registry, config.max_prompt_nodes))
    app[LIVE] = LiveHost(executor, placer=placer)
    app[ROUTE_TABLE] = ROUTES
    recent_log()  # /internal/logs shows what was logged from here on
    mount(app, [*ROUTES, *UNDOCUMENTED])
    PromptServer.instance.attach(app, app[WORKER].publish)  # packs' routes, behind the same middlewares
    add_editor(app)
    app.cleanup_ctx.append(_run_worker)
    app.on_shutdown.append(_close_websockets)
    app.on_response_prepare.append(add_headers)
    return app


def _arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8188)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="folder of output/, input/, temp/, user/")
    parser.add_argument("--token", default=os.environ.get("WORLDGRAPH_TOKEN"))
    parser.add_argument("--insecure-no-token-i-understand-anyone-can-run-code", dest="insecure", action="store_true")
    parser.add_argument("--max-pending", type=int, default=1000, help="queued jobs before 429")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="another name clients reach this server by (e.g. its LAN address)")
    parser.add_argument("--in-process", action="store_true",
                        help="run jobs in the server's own process (to debug a node; a crashing node then stops "
                             "the server)")
    parser.add_argument("--job-time-limit", type=float, metavar="SECONDS", help="stop jobs that run longer")
    parser.add_argument("--node-time-limit", type=float, metavar="SECONDS", help="stop nodes that run longer")
    parser.add_argument("--worker-memory-limit", type=parse_size, metavar="SIZE",
                        help="stop a job whose worker's resident memory passes SIZE (e.g. 8GiB)")
    parser.add_argument("--cache-none", action="store_true",
                        help="run every node every time: nothing is taken from the cache or kept in it")
    parser.add_argument("--max-prompt-nodes", type=int, default=10_000, help="nodes a queued prompt may have")
    parser.add_argument("--max-connections", type=int, default=None, metavar="N",
                        help="open connections before 503 (default: from the open-file limit, at most 1000)")
    parser.add_argument("--cluster", metavar="ADDRESS",
                        help="run jobs on a Ray cluster: 'local' (start one on this machine, bound to 127.0.0.1), "
                             "'auto' (the one `ray start` began here) or the head's HOST:PORT (docs/cluster.md)")
    parser.add_argument("--cluster-cpus", type=int, metavar="N", help="CPUs of a --cluster local (default: all)")
    parser.add_argument("--cluster-jobs", type=_at_least_one, default=1, metavar="N",
                        help="jobs that run at once on the --cluster (one job actor each; default 1)")
    add_pack_arguments(parser)
    return parser


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def serve(args: argparse.Namespace) -> int:
    limits = WorkerLimits(job_seconds=args.job_time_limit, node_seconds=args.node_time_limit,
                          memory_bytes=args.worker_memory_limit)
    config = Config(args.host, args.port, args.root.absolute(), args.token, args.insecure, args.max_pending,
                    extra_hosts=tuple(args.allow_host), packs=pack_options(args, args.root.absolute()),
                    isolation="thread" if args.in_process else "process", limits=limits,
                    max_prompt_nodes=args.max_prompt_nodes, cluster=args.cluster, cluster_cpus=args.cluster_cpus,
                    cluster_jobs=args.cluster_jobs, reuse_cache=not args.cache_none)
    if args.max_connections is not None:
        config.max_connections = args.max_connections
    config.check()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    edge.run(create_app(config))
    return 0


def add_serve_command(commands: Any) -> None:
    """The ``worldgraph serve`` subcommand (found by the CLI through an entry point)."""
    parser = commands.add_parser("serve", help="run the HTTP + WebSocket server")
    _arguments(parser).set_defaults(command=serve)


def main(argv: list[str] | None = None) -> None:
    parser = _arguments(argparse.ArgumentParser(prog="python server.py", description="Run the Worldgraph server."))
    raise SystemExit(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()


#: ComfyUI's ``server`` module names a pack written for ComfyUI imports (``from server import PromptServer``)
__all__ = ["BinaryEventTypes", "PromptServer", "create_app", "main"]
