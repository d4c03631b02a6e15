"""The connection edge: deadlines for slow requests and a cap on connections, which aiohttp leaves out.

aiohttp closes an idle keep-alive connection (``keepalive_timeout``) but waits for ever on a request that
trickles in, and accepts connections until the process runs out of file descriptors. ``EdgeProtocol``, its
``RequestHandler`` with deadlines on each request's headers and body and the connection cap, is what
``EdgeRunner`` serves an app through, with the app's ``Config``. ``run()`` is ``web.run_app`` with the edge
(``worldgraph serve``); the tests serve through ``EdgeRunner`` as well (``serverkit.EdgeTestServer``).

``EdgeRunner`` builds aiohttp's own server first (``AppRunner`` starts the app and gathers the handler
settings) and serves through an ``EdgeServer`` with the same settings: that is the one place this module
reads an aiohttp internal (``Server._kwargs``); ``EdgeProtocol`` keeps to the hooks ``RequestHandler`` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

from webserver import protocol
from webserver.config import Config
from webserver.keys import CONFIG
from webserver.logs import AcceptErrorLog, AccessLog, Throttle
from webserver.security import error

log = logging.getLogger("worldgraph.server")
#: seconds a refused connection waits for its client to close after the 503: closing on a request not yet
#: read would reset the connection, and the client might never read the answer
REFUSED_LINGER = 1.0
#: refused connections that may wait at once; in a flood the rest close at once (within ``FD_HEADROOM``)
MAX_LINGERING = 32


def answer(status: int, message: str) -> bytes:
    """A whole HTTP response, for a connection no aiohttp request exists on: ``{"error": {"message"}}``."""
    body = protocol.dumps({"error": {"message": message}}).encode()
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\r\n")
    return head.encode("ascii") + body


class EdgeProtocol(RequestHandler):
    """aiohttp's request handler with a deadline on each request's headers and body, behind the connection cap.

    One timer at a time. The headers' clock starts with the connection, and again at the first byte that
    arrives while no request is under way (idle keep-alive is aiohttp's ``keepalive_timeout``); a request
    late with its headers is answered 408 here, as no request exists yet. The body's clock starts when the
    request's handler does and gains a second for every ``body_min_rate`` bytes received; a late body fails
    the handler's read with a 408, what else arrives is dropped and the connection closes after the answer.
    A connection over the cap is answered 503 and closed (after ``REFUSED_LINGER`` at most), and never
    reaches aiohttp.
    """

    def __init__(self, manager: EdgeServer, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._server = manager
        self.limits = manager.limits
        self._timer: asyncio.TimerHandle | None = None
        self._request: web.BaseRequest | None = None  # the latest request
        self._handling = False  # its handler runs
        self._body_since = 0.0
        self._deaf = False  # refused, or a body came too late: what arrives is dropped
        self._lingering: asyncio.TimerHandle | None = None  # refused, waiting for the client to close

    # ---- the hooks aiohttp calls -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if len(self._server.connections) >= self.limits.max_connections:
            self._refuse(transport)
            return
        super().connection_made(transport)
        self._arm(self.limits.header_timeout, self._headers_late)

    def data_received(self, data: bytes) -> None:
        if self._deaf:
            return
        if data and self._timer is None and not self._busy():
            self._arm(self.limits.header_timeout, self._headers_late)
        super().data_received(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        if self._lingering is not None:
            self._lingering.cancel()
            self._server.lingering -= 1
        super().connection_lost(exc)

    def request_started(self, request: web.BaseRequest) -> None:
        """``request``'s headers are in and its handler is about to run (``EdgeServer`` calls this)."""
        self._disarm()
        self._request, self._handling = request, True
        if not request.content.is_eof():
            self._body_since = self._loop.time()
            self._arm(self.limits.body_timeout, self._body_late)

    async def finish_response(self, request: web.BaseRequest, resp: web.StreamResponse,
                              start_time: float | None) -> tuple[web.StreamResponse, bool]:
        self._disarm()
        self._handling = False
        return await super().finish_response(request, resp, start_time)

    # ---- the deadlines -----------------------------------------------------------------------------
    def _busy(self) -> bool:
        """Whether a request is under way: its handler runs, or its body is still arriving (aiohttp drains
        a body its handler did not read, for at most ``lingering_time``)."""
        request = self._request
        return self._handling or (request is not None and not request.content.is_eof())

    def _arm(self, seconds: float, late: Callable[[], None]) -> None:
        self._disarm()
        self._timer = self._loop.call_later(seconds, late)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _headers_late(self) -> None:
        self._timer = None
        if self._busy() or self.transport is None:
            return
        seconds = self.limits.header_timeout
        self.transport.write(answer(408, f"the request's headers did not arrive within {seconds:g} s"))
        self.force_close()

    def _body_late(self) -> None:
        self._timer = None
        request = self._request
        if request is None or not self._handling or request.content.is_eof():
            return
        body = request.content
        due = self._body_since + self.limits.body_timeout + body.total_bytes / self.limits.body_min_rate
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._body_late)
            return
        late = error(408, f"the request's body did not arrive in time: {body.total_bytes} bytes in "
                          f"{self._loop.time() - self._body_since:.1f} s (allowed: {self.limits.body_timeout:g} s "
                          f"plus 1 s per {self.limits.body_min_rate} bytes)")
        late.force_close()
        self._deaf = True
        self.close()  # once the 408 is written
        body.set_exception(late)  # the handler's read raises it...
        body.feed_eof()  # ...and aiohttp does not wait for the rest

    def _refuse(self, transport: asyncio.BaseTransport) -> None:
        """Answer 503 and close: once the client closes its side or after ``REFUSED_LINGER`` seconds, or at
        once when ``MAX_LINGERING`` refused connections wait already."""
        assert isinstance(transport, asyncio.Transport)
        self._deaf = True
        cap = self.limits.max_connections
        transport.write(answer(503, f"the server has {cap} connections open, as many as it takes; try again "
                                    "when one closes"))
        if (count := self._server.refusals.happened(self._loop.time())) is not None:
            log.warning("refused %d connection(s) over the cap of %d since the last report (max_connections)",
                        count, cap)
        if self._server.lingering >= MAX_LINGERING or not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()  # the client reads the answer, then closes: the transport closes on its EOF
        self._server.lingering += 1
        self._lingering = self._loop.call_later(REFUSED_LINGER, transport.close)


class EdgeServer(web.Server):
    """aiohttp's low-level server building an ``EdgeProtocol`` for each connection, within ``limits``."""

    def __init__(self, handler: Any, *, limits: Config, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.limits = limits
        self.lingering = 0  # refused connections waiting for their clients to close
        self.refusals = Throttle()
        build = self.request_factory

        def started(message: RawRequestMessage, payload: StreamReader, connection: RequestHandler,
                    writer: AbstractStreamWriter, task: asyncio.Task[None]) -> web.BaseRequest:
            request = build(message, payload, connection, writer, task)
            if isinstance(connection, EdgeProtocol):
                connection.request_started(request)
            return request

        self.request_factory = started

    def __call__(self) -> EdgeProtocol:
        return EdgeProtocol(self, loop=self._loop, **self._kwargs)


class EdgeRunner(web.AppRunner):
    """``web.AppRunner`` through ``EdgeServer`` with the app's ``Config`` (timeouts, cap, keep-alive), the
    access log without tokens, and ``accept()`` running out of descriptors logged once in a while."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        super().__init__(app, keepalive_timeout=app[CONFIG].keepalive_timeout, access_log_class=AccessLog,
                         **kwargs)
        self._accept_errors: AcceptErrorLog | None = None

    async def setup(self) -> None:
        loop = asyncio.get_running_loop()
        self._accept_errors = AcceptErrorLog(loop.get_exception_handler())
        loop.set_exception_handler(self._accept_errors)
        await super().setup()

    async def cleanup(self) -> None:
        await super().cleanup()
        if self._accept_errors is not None:
            asyncio.get_running_loop().set_exception_handler(self._accept_errors.previous)

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # starts the app; aiohttp's server with this runner's settings
        return EdgeServer(plain.request_handler, request_factory=plain.request_factory,
                          handler_cancellation=plain.handler_cancellation, loop=asyncio.get_running_loop(),
                          limits=self.app[CONFIG], **plain._kwargs)


def run(app: web.Application) -> None:
    """Serve ``app`` at its config's host and port until Ctrl-C or SIGTERM (``web.run_app``, with the edge)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(app))


async def _serve(app: web.Application) -> None:
    config = app[CONFIG]
    runner = EdgeRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, config.host, config.port).start()
        log.info("serving on http://%s:%d (Ctrl-C stops)", config.host, config.port)
        stopped = asyncio.Event()
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows: Ctrl-C still stops
            for signum in (signal.SIGINT, signal.SIGTERM):
                asyncio.get_running_loop().add_signal_handler(signum, stopped.set)
        await stopped.wait()
    finally:
        await runner.cleanup()
