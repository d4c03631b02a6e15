"""What the server writes to its log about connections: the access log, which never holds a token, and
events that come in floods (``accept()`` out of file descriptors, refused connections), reported once in a
while with a count instead of a line (or a traceback) each.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from yarl import URL

log = logging.getLogger("worldgraph.server")
#: the errors ``accept()`` fails with when the process or the system is out of descriptors or memory
OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
ExceptionHandler = Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object]


def redacted(url: str) -> str:
    """``url`` with the value of every ``token`` query parameter replaced (``?token=`` opens ``/ws``)."""
    try:
        parsed = URL(url)
    except ValueError:
        return "(unreadable)"
    return str(parsed.update_query(token="redacted")) if "token" in parsed.query else url


class AccessLog(AbstractAccessLogger):
    """aiohttp's access log line (``%a "%r" %s %b "%{Referer}i" "%{User-Agent}i"``) with tokens redacted from
    the request's target and its Referer."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        version = request.version
        self.logger.info('%s "%s %s HTTP/%d.%d" %d %d "%s" "%s" %.3fs', request.remote, request.method,
                         redacted(request.path_qs), version.major, version.minor, response.status,
                         response.body_length, redacted(request.headers.get("Referer", "-")),
                         request.headers.get("User-Agent", "-"), time)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


class Throttle:
    """Counts an event that may come thousands of times a second, so that it is logged once per ``interval``
    seconds with how often it happened."""

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self.count = 0
        self.next_report = 0.0

    def happened(self, now: float) -> int | None:
        """Count one more at ``now``: the count since the last report when one is due, else None."""
        self.count += 1
        if now < self.next_report:
            return None
        count, self.count, self.next_report = self.count, 0, now + self.interval
        return count


class AcceptErrorLog:
    """An event loop exception handler: ``accept()`` out of descriptors is logged once in a while, without a
    traceback (asyncio logs one for every failed accept, many a second under a flood); anything else goes to
    the ``previous`` handler."""

    def __init__(self, previous: ExceptionHandler | None) -> None:
        self.previous = previous
        self.failures = Throttle()

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        failure = context.get("exception")
        if "socket" not in context or not isinstance(failure, OSError) or failure.errno not in OUT_OF_RESOURCES:
            if self.previous is not None:
                self.previous(loop, context)
            else:
                loop.default_exception_handler(context)
            return
        if (count := self.failures.happened(loop.time())) is not None:
            log.error("cannot accept connections: %s (%d time(s) since the last report); close some, or raise "
                      "the open-file limit (ulimit -n)", failure.strerror, count)
