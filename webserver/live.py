"""Live sessions behind ``GET /live``: each runs in a forked, supervised process of its own.

The process evaluates the workflow up to the node that is played (its LATENT output: any backend's rollout),
then plays it with ``live.LiveSession`` at the rollout's frame rate: it takes the client's messages as they
come, steps, renders, encodes JPEG and sends each frame message up the pipe, then the walk's sound
(``live.LiveSound``) in spans of a few frames. The socket side keeps only the newest frame not yet sent: a
slow client gets frames dropped, never a growing queue (latency beats completeness). Sound is never skipped
(a gap is heard where a dropped frame is not seen) but is held for at most ``MAX_AUDIO_SECONDS``. A session
ends when its socket closes, when the client ends it (its recording comes back), when it is idle too long, or
when its process dies — which ends that session with a message, never the server.

Trade-off on two cores: a live session and a queued job run at the same time, each in its own process, and
share the cores; the session's frame rate drops while a heavy job renders rather than the job waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from aiohttp import WSMsgType, web

from graph import LATENT, Executor, Workflow, WorkflowError, jsontext
from graph.workers import describe_exit
from graph.workers.process import ChildProcess
from live import End, LiveFrame, LiveInput, LiveSession, LiveSound, ProtocolError, parse_message, unpack

log = logging.getLogger("worldgraph.live")
MAX_SIZE = (1280, 720)
#: the most sound the socket side holds for a slow client; past it the oldest goes (and is counted)
MAX_AUDIO_SECONDS = 4.0


class LiveRefused(ValueError):
    """A start message we cannot play; the text says why."""


@dataclass(frozen=True)
class LiveStart:
    workflow: dict[str, Any]
    node: str
    size: tuple[int, int]
    start: float  # seconds into the node's walk
    audio: bool = True  # the walk's sound alongside the frames

    @classmethod
    def parse(cls, text: str) -> LiveStart:
        try:
            data = jsontext.loads(text)
        except jsontext.JsonRefused as refused:
            raise LiveRefused(f"the start message is refused: {refused}") from None
        if not isinstance(data, dict) or data.get("type") != "start":
            raise LiveRefused("the first message must be {\"type\": \"start\", \"prompt\": ..., \"node\": ...}")
        size = data.get("size", [854, 480])
        if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and v >= 16 for v in size)
                and size[0] <= MAX_SIZE[0] and size[1] <= MAX_SIZE[1]):
            raise LiveRefused(f"'size' must be [width, height] of at least 16 and at most {MAX_SIZE[0]}x{MAX_SIZE[1]}")
        start = data.get("start", 0.0)
        if isinstance(start, bool) or not isinstance(start, int | float) or start < 0:
            raise LiveRefused("'start' must be a time in seconds >= 0")
        if not isinstance(data.get("node"), str) or not isinstance(data.get("prompt"), dict):
            raise LiveRefused("'prompt' must be a workflow and 'node' the id of its node to play")
        audio = data.get("audio", True)
        if not isinstance(audio, bool):
            raise LiveRefused("'audio' must be true (the walk's sound alongside the frames) or false")
        return cls(data["prompt"], data["node"], (size[0], size[1]), float(start), audio)


#: what the session process sends up its pipe: a frame message, a sound message, or a JSON note for the client
FRAME, AUDIO, NOTE = b"F", b"A", b"N"


def _note(conn: Connection, kind: str, **data: Any) -> None:
    conn.send_bytes(NOTE + json.dumps({"type": kind, **data}).encode())


def _frame(conn: Connection, shown: LiveFrame) -> None:
    conn.send_bytes(FRAME + shown.message())


def _sound(conn: Connection, sound: LiveSound | None, session: LiveSession) -> None:
    """The sound up to the frame just sent, when a span of it is complete (after the frame: it must not wait)."""
    if sound is not None and (chunk := sound.hear(session.walk_state)) is not None:
        conn.send_bytes(AUDIO + chunk.message())


def play(executor: Executor, start: LiveStart, conn: Connection, idle_seconds: float) -> None:
    """The session process: evaluate, then play until the parent says end or goes away."""
    try:
        rollout = _rollout(executor, start)
        frame = min(round(start.start * rollout.fps), max(rollout.frames - 1, 0))
        session = LiveSession(rollout, executor.store, start.size, frame)
        sound = LiveSound(rollout, executor.store) if start.audio else None
    except (WorkflowError, ValueError, KeyError) as refused:
        _note(conn, "error", message=str(refused))
        return
    _note(conn, "ready", fps=session.fps, frame=session.frame, size=list(start.size), backend=rollout.info.name,
          audio=None if sound is None else {"rate": sound.rate, "channels": sound.channels})
    period, next_tick, last_input = 1.0 / session.fps, time.monotonic(), time.monotonic()
    _frame(conn, session.current())
    _sound(conn, sound, session)
    while True:
        while conn.poll(max(0.0, next_tick - time.monotonic())):
            message = conn.recv()
            last_input = time.monotonic()
            if isinstance(message, End) or message is None:
                _note(conn, "recording", **_recording(session))
                return
            if isinstance(message, LiveInput):
                session.hold(message)
            else:
                try:
                    session.trigger(message)
                except ProtocolError as refused:
                    _note(conn, "error", seq=message.seq, message=str(refused))
        if time.monotonic() - last_input > idle_seconds:
            _note(conn, "error", message=f"the session ended after {idle_seconds:g} s without input")
            return
        _frame(conn, session.tick())
        _sound(conn, sound, session)
        next_tick += period
        if next_tick < time.monotonic() - period:  # fell behind: do not try to catch up in a burst
            next_tick = time.monotonic()


def _rollout(executor: Executor, start: LiveStart) -> Any:
    workflow = Workflow.from_dict(start.workflow, executor.registry, source="prompt")
    if start.node not in workflow.nodes:
        raise LiveRefused(f"the workflow has no node {start.node!r}")
    schema = executor.registry.get(workflow.nodes[start.node].class_type).schema
    index = next((i for i, out in enumerate(schema.outputs) if out.type == LATENT), None)
    if index is None:
        raise LiveRefused(f"node {start.node} ({schema.name}) has no LATENT output to play")
    return executor.evaluate(workflow, start.node)[index]


def _recording(session: LiveSession) -> dict[str, Any]:
    return {"actions": session.recording.track().to_json(),
            "edits": [json.loads(edit.to_json()) for edit in session.recording.edits]}


class LiveHost:
    """The live sessions of one server: at most ``max_sessions`` at once."""

    def __init__(self, executor: Executor, max_sessions: int = 2, idle_seconds: float = 120.0) -> None:
        self.executor, self.max_sessions, self.idle_seconds = executor, max_sessions, idle_seconds
        self.sessions = 0

    async def serve(self, ws: web.WebSocketResponse) -> None:
        await ws.send_json({"type": "hello", "max_size": list(MAX_SIZE), "sessions": self.sessions,
                            "max_sessions": self.max_sessions})
        first = await ws.receive(timeout=30)
        if first.type != WSMsgType.TEXT:
            return
        try:
            start = LiveStart.parse(first.data)
        except LiveRefused as refused:
            await ws.send_json({"type": "error", "message": str(refused)})
            return
        if self.sessions >= self.max_sessions:
            await ws.send_json({"type": "error", "message": f"{self.max_sessions} live sessions are running; "
                                                            "end one first"})
            return
        self.sessions += 1
        child = ChildProcess("worldgraph-live", lambda conn: play(self.executor, start, conn, self.idle_seconds))
        try:
            await asyncio.to_thread(child.start)
            await _Relay(ws, child).run()
        finally:
            self.sessions -= 1
            await asyncio.to_thread(child.stop, 1.0)


class AudioQueue:
    """Sound messages not yet sent, oldest first. Unlike frames none is skipped (a gap is heard, a dropped
    frame is not seen), but at most ``seconds`` of sound are held: past that the oldest go, counted."""

    def __init__(self, seconds: float = MAX_AUDIO_SECONDS) -> None:
        self.limit, self.seconds, self.dropped = seconds, 0.0, 0
        self.messages: deque[tuple[float, bytes]] = deque()

    def __len__(self) -> int:
        return len(self.messages)

    def put(self, message: bytes) -> None:
        header, _ = unpack(message)
        duration = header["samples"] / header["rate"]
        self.messages.append((duration, message))
        self.seconds += duration
        while self.seconds > self.limit + 1e-6 and len(self.messages) > 1:
            self.seconds -= self.messages.popleft()[0]
            self.dropped += 1

    def get(self) -> bytes | None:
        if not self.messages:
            return None
        duration, message = self.messages.popleft()
        self.seconds = self.seconds - duration if self.messages else 0.0
        return message


class _Relay:
    """Client messages down to the session process, its frames up to the client, newest first, and all its
    sound, in order (``AudioQueue``)."""

    def __init__(self, ws: web.WebSocketResponse, child: ChildProcess) -> None:
        self.ws, self.child = ws, child
        self.loop = asyncio.get_running_loop()
        self.latest: bytes | None = None
        self.wake = asyncio.Event()
        self.done = asyncio.Event()
        self.dropped = 0
        self.audio = AudioQueue()
        self.notes: list[dict[str, Any]] = []

    async def run(self) -> None:
        reader = threading.Thread(target=self.read_child, name="worldgraph-live-relay", daemon=True)
        reader.start()
        sender = asyncio.create_task(self.send_frames())
        try:
            async for message in self.ws:
                if message.type != WSMsgType.TEXT:
                    break
                try:
                    parsed = parse_message(message.data)
                except ProtocolError as refused:
                    await self.ws.send_json({"type": "error", "message": str(refused)})
                    continue
                with contextlib.suppress(OSError, ValueError):
                    self.child.send(parsed)
                if isinstance(parsed, End):
                    await asyncio.wait_for(self.done.wait(), 10)
                    break
                if self.done.is_set():
                    break
        finally:
            sender.cancel()
            with contextlib.suppress(OSError, ValueError):
                self.child.send(None)

    def read_child(self) -> None:
        """In a thread: the session process's messages, until it ends."""
        conn = self.child.conn
        assert conn is not None
        while True:
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                break
            if message[:1] == NOTE:
                self.loop.call_soon_threadsafe(self.note, json.loads(message[1:]))
            elif message[:1] == AUDIO:
                self.loop.call_soon_threadsafe(self.sound, message[1:])
            else:
                self.loop.call_soon_threadsafe(self.frame, message[1:])
        self.child.process.join(5)
        code = self.child.exitcode
        if code not in (0, None):
            self.loop.call_soon_threadsafe(self.note, {"type": "error",
                                                       "message": f"the live session crashed: {describe_exit(code)}"})
        self.loop.call_soon_threadsafe(self.done.set)
        self.loop.call_soon_threadsafe(self.wake.set)

    def frame(self, message: bytes) -> None:
        if self.latest is not None:
            self.dropped += 1
        self.latest = message
        self.wake.set()

    def sound(self, message: bytes) -> None:
        self.audio.put(message)
        self.wake.set()

    def note(self, note: dict[str, Any]) -> None:
        self.notes.append(note)
        self.wake.set()

    async def send_frames(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.notes:
                await self.ws.send_json(self.notes.pop(0))
            while (sound := self.audio.get()) is not None:
                await self.ws.send_bytes(sound)
            if self.latest is not None:
                message, self.latest = self.latest, None
                await self.ws.send_bytes(message)
            if self.done.is_set() and not self.notes and not self.audio and self.latest is None:
                await self.ws.close()
                return
