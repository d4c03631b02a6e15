"""``LiveClient``: a live session on a server's ``GET /live`` socket, from Python, without a browser.

The calls are synchronous; underneath, aiohttp runs on an event loop in a thread of the client's own. A reader
there takes every message as it arrives:

- frames are kept for the caller, at most ``keep_frames`` of them not yet taken: when the caller is slower than
  the world, the oldest are dropped (and counted in ``dropped``) — latency beats completeness, as on the server;
- ``hello``, ``ready`` and ``recording`` answer the call that waits for them;
- an ``error`` becomes a ``LiveError`` with the server's message, raised once, by the next call — in its place
  among the frames: the frames that came before it are taken first;
- binary messages whose header says ``"type": "audio"`` are kept apart in ``audio`` (newest 64), never taken for
  frames; notes of other types are ignored, so a newer server does not break an older client.

Inputs and events are checked with the protocol's own parser before they are sent, so a bad value raises
``ProtocolError`` at once, with the text the server would answer. One client plays one session; it is not meant to
be called from several threads at once.

    with LiveClient("http://127.0.0.1:8188", token=None) as live:
        ready = live.start(workflow, node="2", size=(320, 180))
        seq = live.send_input(move=(1, 0, 0))
        frame = live.next_frame(reflecting=seq)   # LiveFrame: frame, time, pose, input_seq, pixels [H,W,3]
        recording = live.end()                    # {"actions": [...], "edits": [...]}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from .protocol import parse_message, unpack_frame
from .session import LiveFrame

T = TypeVar("T")
_FRAME_FIELDS = {"frame", "time", "pose", "input_seq"}
_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


class LiveError(RuntimeError):
    """The server refused a message or ended the session; the text is the server's."""


class LiveClosed(LiveError):
    """The live socket is closed (the session ended, or the server went away)."""


@dataclass(frozen=True)
class Ready:
    """The server's answer to ``start``: the session plays at ``fps`` from ``frame``, in ``size``."""

    fps: int
    frame: int
    size: tuple[int, int]
    backend: str


def live_url(url: str) -> str:
    """The live socket of a server: ``http://host:8188`` -> ``ws://host:8188/live`` (``https`` -> ``wss``; a
    path such as ``/api`` is kept, and a URL already ending in ``/live`` is taken as it is)."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.netloc:
        raise ValueError(f"a server URL is http(s)://host:port or ws(s)://host:port/live, not {url!r}")
    path = parts.path.rstrip("/")
    return urlunsplit((_SCHEMES[parts.scheme], parts.netloc, path if path.endswith("/live") else path + "/live",
                       parts.query, ""))


class LiveClient:
    """One live session on the server at ``url`` (connects at once; ``close`` or a ``with`` block ends it).

    ``token`` is the server's token, if it has one (sent as ``Authorization: Bearer``). No ``Origin`` is sent
    unless given: the server checks the Origin of browsers, and a script is not one. ``timeout`` is the default of
    every wait, in seconds (a ``start`` evaluates the workflow first, which may take a while).
    """

    def __init__(self, url: str, token: str | None = None, *, origin: str | None = None, timeout: float = 60.0,
                 keep_frames: int = 8) -> None:
        if keep_frames < 1:
            raise ValueError(f"keep_frames must be at least 1, not {keep_frames}")
        self.url, self.timeout, self.keep_frames = live_url(url), timeout, keep_frames
        self.hello: dict[str, Any] = {}
        self.ready: Ready | None = None
        self.dropped = 0
        self.audio: deque[tuple[dict[str, Any], bytes]] = deque(maxlen=64)
        # frames and errors carry the order they came in, so an error is raised after the frames before it
        self._frames: deque[tuple[int, bytes]] = deque()
        self._errors: deque[tuple[int, str]] = deque()
        self._notes: dict[str, dict[str, Any]] = {}
        self._serial = 0
        self._closed: str | None = None  # why the socket closed
        self._changed = threading.Condition()
        self._seq = 0
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="worldgraph-live-client", daemon=True)
        self._thread.start()
        try:
            self._call(self._connect(token, origin), timeout)
            self.hello = self._wait(lambda: self._notes.pop("hello", None), "the server's hello", timeout)
        except BaseException:
            self.close()
            raise

    # ---- the session ---------------------------------------------------------------------------------
    def start(self, prompt: dict[str, Any], node: str, size: tuple[int, int] = (854, 480), start: float = 0.0,
              timeout: float | None = None, lockstep: bool = False) -> Ready:
        """Play the LATENT output of ``node`` of the workflow ``prompt`` from ``start`` seconds into its walk; the
        server's ``ready`` (``LiveError`` with the server's reason when it cannot play it). ``lockstep``: the
        world steps one frame per input and waits for the next, so the same inputs give the same frames."""
        if self.ready is not None:
            raise LiveError("this client has started its session already; a new session needs a new client")
        # JPEG: frames that stand alone, so a script may take them out of order and drop them freely
        self._send({"type": "start", "prompt": prompt, "node": node, "size": list(size), "start": start,
                    "lockstep": lockstep, "codec": "jpeg"})
        note = self._wait(lambda: self._notes.pop("ready", None), "the session's ready", timeout)
        self.ready = Ready(int(note["fps"]), int(note["frame"]), (int(note["size"][0]), int(note["size"][1])),
                           str(note.get("backend", "")))
        return self.ready

    def send_input(self, move: tuple[float, float, float] = (0.0, 0.0, 0.0), look: tuple[float, float] = (0.0, 0.0),
                   jump: bool = False, sprint: bool = False, crouch: bool = False) -> int:
        """Hold this input from the next frame on (``move`` forward, right, up in [-1, 1]; ``look`` yaw, pitch in
        degrees per frame); its ``seq``, which the frames that reflect it carry as ``input_seq``."""
        return self._send_checked({"type": "input", "move": [float(v) for v in move],
                                   "look": [float(v) for v in look], "jump": bool(jump), "sprint": bool(sprint),
                                   "crouch": bool(crouch)})

    def trigger(self, event: dict[str, Any]) -> int:
        """A Director edit at the next frame: ``{"type": "PlotEvent", "kind": "weather", "value": "rain"}`` (or
        ``InsertCharacter``, ``ChangeShot`` with their fields but ``frame``); its ``seq``."""
        return self._send_checked({"type": "event", "event": event})

    def next_frame(self, timeout: float | None = None, *, reflecting: int = 0) -> LiveFrame:
        """The next frame not yet taken — skipping, undecoded, those that do not yet reflect input ``reflecting``
        (the ``seq`` ``send_input`` gave). ``TimeoutError`` when none comes in time, ``LiveClosed`` once the
        socket has closed and every frame was taken."""

        def oldest() -> bytes | None:
            while self._frames:
                serial, message = self._frames.popleft()
                if self._errors and self._errors[0][0] < serial:
                    self._frames.appendleft((serial, message))
                    self._raise_pending()
                if reflecting <= 0 or unpack_frame(message)[0]["input_seq"] >= reflecting:
                    return message
            return None

        return LiveFrame.decode(self._wait(oldest, "a frame", timeout))

    def frames(self, timeout: float | None = None) -> Iterator[LiveFrame]:
        """The frames as they come, until the session ends (a ``LiveError`` if it ends with one)."""
        while True:
            try:
                frame = self.next_frame(timeout)
            except LiveClosed:
                return
            yield frame

    def end(self, keep: bool = True, timeout: float | None = None) -> dict[str, Any]:
        """End the session: what was played, ``{"actions": [...], "edits": [...]}`` (the canonical action track
        from frame 0 as JSON, the Director edits with their frames). The socket closes."""
        self._send_checked({"type": "end", "keep": keep})
        note = self._wait(lambda: self._notes.pop("recording", None), "the recording", timeout)
        self.close()
        return {key: value for key, value in note.items() if key != "type"}

    def close(self) -> None:
        """Close the socket (which ends the session on the server) and the client's thread; safe to repeat."""
        with self._changed:
            self._closed = self._closed or "the client closed it"
            self._changed.notify_all()
        if self._loop.is_closed():
            return
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                self._call(self._disconnect(), 10.0)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10.0)
        with contextlib.suppress(RuntimeError):  # a loop that did not stop in time is left to its daemon thread
            self._loop.close()

    def __enter__(self) -> LiveClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # ---- waiting and sending (the caller's thread) -------------------------------------------------------
    def _wait(self, take: Callable[[], T | None], what: str, timeout: float | None) -> T:
        """What ``take`` finds once the reader has it; else a pending error, ``LiveClosed`` or
        ``TimeoutError``."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        with self._changed:
            while True:
                found = take()
                if found is not None:
                    return found
                self._raise_pending()
                if self._closed is not None:
                    raise LiveClosed(f"the live socket closed before {what} came ({self._closed})")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {what} came from {self.url} within {limit:g} s")
                self._changed.wait(left)

    def _raise_pending(self) -> None:
        if self._errors:
            raise LiveError(self._errors.popleft()[1])

    def _send_checked(self, message: dict[str, Any]) -> int:
        """Number ``message``, check it as the server will (``ProtocolError``), send it; its ``seq``."""
        if self.ready is None:
            raise LiveError("start() a session before sending it inputs, events or its end")
        seq = self._seq + 1
        text = json.dumps({**message, "seq": seq})
        parse_message(text)
        self._send_text(text)
        self._seq = seq
        return seq

    def _send(self, message: dict[str, Any]) -> None:
        self._send_text(json.dumps(message))

    def _send_text(self, text: str) -> None:
        with self._changed:
            self._raise_pending()
            if self._closed is not None:
                raise LiveClosed(f"the live socket is closed ({self._closed})")
        ws = self._ws
        assert ws is not None
        try:
            self._call(ws.send_str(text), self.timeout)
        except (ConnectionError, aiohttp.ClientError) as failed:
            raise LiveClosed(f"the live socket is closed ({failed})") from None

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise TimeoutError(f"{self.url} did not answer within {timeout:g} s") from None

    # ---- the socket (the client's loop) ------------------------------------------------------------------
    async def _connect(self, token: str | None, origin: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._session = aiohttp.ClientSession()
        try:
            self._ws = await self._session.ws_connect(self.url, headers=headers, origin=origin, autoclose=True)
        except aiohttp.WSServerHandshakeError as refused:
            hint = {401: " (is the server's token given?)", 403: " (is this host, or the Origin given, allowed?)"}
            raise LiveError(f"{self.url} refused the live socket: {refused.status} {refused.message}"
                            f"{hint.get(refused.status, '')}") from None
        except (aiohttp.ClientError, OSError) as failed:
            raise LiveError(f"cannot connect to {self.url}: {failed}") from None
        self._reader = asyncio.get_running_loop().create_task(self._read(self._ws))

    async def _disconnect(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.wait([self._reader], timeout=5.0)
        if self._session is not None:
            await self._session.close()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        why = "the server closed it"
        try:
            while True:
                message = await ws.receive()
                if message.type == aiohttp.WSMsgType.TEXT:
                    self._take_note(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    self._take_binary(message.data)
                elif message.type == aiohttp.WSMsgType.ERROR:
                    why = f"the connection failed: {message.data}"
                    break
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    break
        finally:
            with self._changed:
                self._closed = self._closed or why
                self._changed.notify_all()

    def _take_note(self, text: str) -> None:
        try:
            note = json.loads(text)
        except ValueError:
            return
        kind = note.get("type") if isinstance(note, dict) else None
        with self._changed:
            self._serial += 1
            if kind == "error":
                self._errors.append((self._serial, str(note.get("message", "the server refused a message"))))
            elif kind in ("hello", "ready", "recording"):
                self._notes[kind] = note
            else:
                return  # a note this client does not know
            self._changed.notify_all()

    def _take_binary(self, data: bytes) -> None:
        try:
            header, payload = unpack_frame(data)
        except (struct.error, ValueError):
            header, payload = {"type": "unreadable"}, b""
        kind = header.get("type", "frame") if isinstance(header, dict) else "unreadable"
        if kind == "frame" and not header.keys() >= _FRAME_FIELDS:
            kind = "unreadable"
        with self._changed:
            self._serial += 1
            if kind == "audio":
                self.audio.append((header, payload))
            elif kind == "frame":
                if len(self._frames) >= self.keep_frames:
                    self._frames.popleft()
                    self.dropped += 1
                self._frames.append((self._serial, data))
                self._changed.notify_all()
            elif kind == "unreadable":
                self._errors.append((self._serial, f"the server sent a binary message that is not a frame "
                                                   f"({len(data)} bytes)"))
                self._changed.notify_all()
