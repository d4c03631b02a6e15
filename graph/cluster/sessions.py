"""``ClusterProcess``: a long-running session (a live play) on a cluster worker, in the shape of the forked
``ChildProcess`` a server uses without a cluster: ``start``, a duplex ``conn``, ``send``, ``ended`` and ``stop``.

The session is a Ray actor asking for one CPU, so Ray places it on a node with a free one (or, after
``place_seconds``, the start is refused with ``NoFreeWorker``). The actor builds an executor like the head's
(``ExecutorRecipe``), listens on its node's address (127.0.0.1 on a ``local`` cluster) for one connection that
must prove it knows a fresh random key (``multiprocessing.connection``'s HMAC handshake), and the head connects:
from then on the session's messages go over that socket exactly as over a forked child's pipe. The actor is killed
when the session stops; one that dies mid-session ends it with a message, never the server.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from multiprocessing.connection import Client, Connection, Listener
from typing import Any

from ..executor import Executor
from .connect import LOCALHOST, connect
from .rayload import ClusterUnavailable, first_line, ray_module
from .recipe import ExecutorRecipe

#: what a session runs on its worker: given the worker's executor and the connection to the head
SessionMain = Callable[[Executor, Connection], None]
#: seconds a session waits for a worker with a free CPU before its start is refused
PLACE_SECONDS = 20.0


class NoFreeWorker(ClusterUnavailable):
    """No cluster worker had a free slot for the session in time."""


class SessionActor:
    """The worker's side: an executor, one listener, one session."""

    def __init__(self, recipe: ExecutorRecipe) -> None:
        self.executor = recipe.build()
        self.listener: Listener | None = None

    def listen(self, authkey: bytes, host: str | None) -> tuple[tuple[str, int], int]:
        """Listen for the head (on ``host``, or this node's address); where, and this process's id."""
        address = host or ray_module().util.get_node_ip_address()
        self.listener = Listener((address, 0), authkey=authkey)
        return self.listener.address, os.getpid()

    def run(self, main: SessionMain) -> None:
        assert self.listener is not None, "listen first"
        with self.listener:
            conn = self.listener.accept()
        with conn:
            main(self.executor, conn)


class ClusterProcess:
    """Runs ``main`` on a cluster worker (see the module docstring); ``pid`` is the worker process's id."""

    def __init__(self, recipe: ExecutorRecipe, address: str, main: SessionMain,
                 place_seconds: float = PLACE_SECONDS) -> None:
        self.recipe, self.address, self.main, self.place_seconds = recipe, address, main, place_seconds
        self.actor: Any = None
        self.result: Any = None
        self.conn: Connection | None = None
        self.pid: int | None = None

    def start(self) -> None:
        ray = connect(self.address)
        key = secrets.token_bytes(32)
        self.actor = ray.remote(SessionActor).options(num_cpus=1, max_concurrency=2, max_restarts=0).remote(
            self.recipe)
        host = LOCALHOST if self.address == "local" else None
        try:
            where, self.pid = ray.get(self.actor.listen.remote(key, host), timeout=self.place_seconds)
        except ray.exceptions.GetTimeoutError:
            self._kill()
            raise NoFreeWorker(f"no cluster worker had a free CPU for a live session within "
                               f"{self.place_seconds:g} s; end a session or a job, or add a worker") from None
        self.result = self.actor.run.remote(self.main)
        self.conn = Client(where, authkey=key)

    def send(self, message: Any) -> None:
        assert self.conn is not None, "start the session first"
        self.conn.send(message)

    def ended(self, timeout: float) -> str | None:
        """Wait up to ``timeout`` seconds for the session to end: how it failed, or None (it ended well, or runs)."""
        ray = ray_module()
        try:
            ray.get(self.result, timeout=timeout)
        except ray.exceptions.GetTimeoutError:
            return None
        except ray.exceptions.RayActorError as error:
            return f"its cluster worker died ({first_line(error)})"
        except ray.exceptions.RayTaskError as error:
            return f"{type(error.cause).__name__}: {error.cause}"
        return None

    def stop(self, grace: float = 2.0) -> None:
        """Ask the session to finish (``None`` on the connection), end its worker after ``grace`` seconds."""
        if self.conn is not None:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            if self.result is not None:
                self.ended(grace)
            self.conn.close()
            self.conn = None
        self._kill()

    def _kill(self) -> None:
        if self.actor is not None:
            with contextlib.suppress(Exception):
                ray_module().kill(self.actor, no_restart=True)
            self.actor = None
