"""Live sessions behind ``GET /live``: each runs in a forked, supervised process of its own, or, on a cluster,
on a cluster worker with a free CPU (``graph.cluster.ClusterProcess``: the same messages over a socket).

The process evaluates the workflow up to the node that is played (its LATENT output: any backend's rollout),
then plays it with ``live.LiveSession`` at the rollout's frame rate: it takes the client's messages as they
come, steps, renders, encodes (H.264 or JPEG) and sends each frame message up the pipe, then the walk's sound
(``live.LiveSound``) in spans of a few frames. Frames go only while the socket side has room for them (credits,
``live.stream``): a slow client gets frames dropped before they are encoded, never a growing queue (latency beats
completeness). Sound is never skipped (a gap is heard where a dropped frame is not seen) but is held for at most
``MAX_AUDIO_SECONDS``. A session ends when its socket closes, when the client ends it (its recording comes back),
when it is idle too long, or when its process dies — which ends that session with a message, never the server.

Trade-off on two cores: a live session and a queued job run at the same time, each in its own process. The job
worker runs at a lower priority (``graph.workers.supervised.JOB_NICENESS``), so while someone plays, the play
gets the cores first and the background render slows down; with nobody playing, the job has them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from graph import LATENT, Executor, Workflow, WorkflowError, jsontext
from graph.cluster import ClusterUnavailable
from graph.workers.process import ChildProcess
from live import Ack, End, LiveInput, LiveSession, LiveSound, ProtocolError, parse_message, unpack
from live.keep import DIRECTOR_NODES, WALK_NODE, event_nodes, walk_frames, walk_inputs
from live.stream import CODECS, FrameStream

log = logging.getLogger("worldgraph.live")
MAX_SIZE = (1280, 720)
#: the most sound the socket side holds for a slow client; past it the oldest goes (and is counted)
MAX_AUDIO_SECONDS = 4.0
#: frames the relay may hold for a client that does not acknowledge them (a start's ``window`` replaces it)
INITIAL_CREDITS = 2


class LiveRefused(ValueError):
    """A start message we cannot play; the text says why."""


@dataclass(frozen=True)
class LiveStart:
    workflow: dict[str, Any]
    node: str
    size: tuple[int, int]
    start: float  # seconds into the node's walk
    window: int | None = None  # frames sent but not acknowledged, at most (None: no acknowledgements)
    lockstep: bool = False  # one frame per input, the world waiting for the next (agents, scripts)
    codec: str = "jpeg"  # how frames are sent: "jpeg" (each on its own) or "h264" (WebCodecs)
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
        window = data.get("window")
        if window is not None and (isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 16):
            raise LiveRefused("'window' must be a whole number of frames from 1 to 16")
        lockstep = data.get("lockstep", False)
        if not isinstance(lockstep, bool):
            raise LiveRefused("'lockstep' must be true or false")
        codec = data.get("codec", "jpeg")
        if codec not in CODECS:
            raise LiveRefused(f"'codec' must be one of {', '.join(CODECS)}")
        if codec == "h264" and (size[0] % 2 or size[1] % 2):
            raise LiveRefused("'size' must be even in both directions for H.264")
        audio = data.get("audio", True)
        if not isinstance(audio, bool):
            raise LiveRefused("'audio' must be true (the walk's sound alongside the frames) or false")
        return cls(data["prompt"], data["node"], (size[0], size[1]), float(start), window, lockstep, codec, audio)


#: what the session process sends up its pipe: a frame message, a sound message, or a JSON note for the client
FRAME, AUDIO, NOTE = b"F", b"A", b"N"


def _note(conn: Connection, kind: str, **data: Any) -> None:
    conn.send_bytes(NOTE + json.dumps({"type": kind, **data}).encode())


@dataclass(frozen=True)
class Credit:
    """The relay has room for ``count`` more frames (sent down the pipe)."""

    count: int = 1


def _sound(conn: Connection, sound: LiveSound | None, session: LiveSession) -> None:
    """The sound up to the frame just made, when a span of it is complete (after the frame: it must not wait)."""
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
          codec=start.codec, audio=None if sound is None else {"rate": sound.rate, "channels": sound.channels})
    stream = FrameStream(lambda message: conn.send_bytes(FRAME + message), start.codec, start.size, session.fps,
                         start.window or INITIAL_CREDITS)
    period, next_tick, last_input = 1.0 / session.fps, time.monotonic(), time.monotonic()
    stream.offer(session.current())
    _sound(conn, sound, session)
    while True:
        stepped = False
        while conn.poll(max(0.0, (last_input + idle_seconds if start.lockstep else next_tick) - time.monotonic())):
            message = conn.recv()
            if isinstance(message, Credit):
                stream.credits += message.count
                continue
            last_input = time.monotonic()
            if isinstance(message, End) or message is None:
                keep = isinstance(message, End) and message.keep
                _note(conn, "recording", **_recording(session), **keep_changes(executor, start, session, keep))
                return
            if isinstance(message, LiveInput):
                session.hold(message)
                if start.lockstep:
                    stream.offer(session.tick())
                    _sound(conn, sound, session)
                    stepped = True
                    break
            else:
                try:
                    session.trigger(message)
                except ProtocolError as refused:
                    _note(conn, "error", seq=message.seq, message=str(refused))
        if start.lockstep and stepped:
            continue
        if time.monotonic() - last_input > idle_seconds:
            _note(conn, "error", message=f"the session ended after {idle_seconds:g} s without input")
            return
        stream.offer(session.tick())
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
    return {"frames": session.frame + 1, "fps": session.fps, "actions": session.recording.track().to_json(),
            "edits": [json.loads(edit.to_json()) for edit in session.recording.edits]}


def keep_changes(executor: Executor, start: LiveStart, session: LiveSession, keep: bool) -> dict[str, Any]:
    """What Keep changes in the workflow (``docs/live.md``), the kept states stored; nothing when not kept."""
    if not keep:
        return {"keep": None}
    workflow = Workflow.from_dict(start.workflow, executor.registry, source="prompt")
    walk = _walk_node(executor, workflow, start.node)
    if walk is None:
        return {"keep": None, "keep_refused": f"node {start.node} is not fed by a {WALK_NODE}: there is no walk "
                                              "to write the recording into"}
    # as long as played, or as the Director nodes on the walk need: a walk kept shorter than their times
    # would fail them (the walker stands still from the end of what was played)
    frames = walk_frames(session, _director_times(workflow, walk))
    session.keep(frames)
    inputs = workflow.nodes[walk].inputs
    waypoints = inputs.get("waypoints", "[]") if inputs.get("mode") == "waypoints" else "[]"
    return {"keep": {"walk": {"node": walk, "inputs": walk_inputs(session, frames, waypoints)},
                     "after": start.node, "events": event_nodes(session)}}


def _director_times(workflow: Workflow, walk: str) -> list[float]:
    """The times of the Director nodes the walk feeds, through any chain."""
    times, todo, seen = [], [walk], set()
    while todo:
        node = todo.pop()
        for link in workflow.links:
            if link.source == node and link.target not in seen:
                seen.add(link.target)
                todo.append(link.target)
                target = workflow.nodes[link.target]
                time_s = target.inputs.get("time")
                if target.class_type in DIRECTOR_NODES and isinstance(time_s, int | float):
                    times.append(float(time_s))
    return times


def _walk_node(executor: Executor, workflow: Workflow, node: str) -> str | None:
    """The walk node whose LATENT reaches ``node`` through LATENT inputs (``node`` itself, if it is one)."""
    seen: set[str] = set()
    while node not in seen:
        seen.add(node)
        if workflow.nodes[node].class_type == WALK_NODE:
            return node
        schema = executor.registry.get(workflow.nodes[node].class_type).schema
        latent_inputs = {socket.name for socket in schema.inputs if socket.type == LATENT}
        source = next((link.source for link in workflow.links if link.target == node and link.input in latent_inputs),
                      None)
        if source is None:
            return None
        node = source
    return None


class SessionProcess(Protocol):
    """Where a session plays: a forked ``ChildProcess``, or a cluster worker (``graph.cluster.ClusterProcess``)."""

    conn: Connection | None

    def start(self) -> None: ...

    def send(self, message: Any) -> None: ...

    def ended(self, timeout: float) -> str | None: ...

    def stop(self, grace: float = 2.0) -> None: ...


#: a session process for ``play``'s part on the worker (given the worker's executor and its connection)
SessionPlacer = Callable[[Callable[[Executor, Connection], None]], SessionProcess]


class LiveHost:
    """The live sessions of one server: at most ``max_sessions`` at once, each in a forked process, or, given
    ``placer``, wherever it puts them (a cluster worker with a free slot)."""

    def __init__(self, executor: Executor, max_sessions: int = 2, idle_seconds: float = 120.0,
                 placer: SessionPlacer | None = None) -> None:
        self.executor, self.max_sessions, self.idle_seconds = executor, max_sessions, idle_seconds
        self.placer = placer
        self.sessions = 0
        #: the session processes playing now (their ``pid`` says where)
        self.playing: list[SessionProcess] = []

    def _session(self, start: LiveStart) -> SessionProcess:
        idle = self.idle_seconds
        if self.placer is not None:
            return self.placer(lambda executor, conn: play(executor, start, conn, idle))
        return ChildProcess("worldgraph-live", lambda conn: play(self.executor, start, conn, idle))

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
        child = self._session(start)
        try:
            try:
                await asyncio.to_thread(child.start)
            except ClusterUnavailable as unplaced:
                await ws.send_json({"type": "error", "message": str(unplaced)})
                return
            self.playing.append(child)
            await _Relay(ws, child, start.window).run()
        finally:
            self.sessions -= 1
            if child in self.playing:
                self.playing.remove(child)
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
    """Client messages down to the session process; its notes and frames up to the client, in order. The frames
    are at most the credits the process was given: one back per frame sent (or, with a window, per frame the
    client acknowledged), so a client that cannot keep up gets frames dropped before they are made, never a queue.
    Sound goes first and whole, held at most ``MAX_AUDIO_SECONDS`` (``AudioQueue``).
    """

    def __init__(self, ws: web.WebSocketResponse, child: SessionProcess, window: int | None = None) -> None:
        self.ws, self.child, self.window = ws, child, window
        self.in_flight: deque[int] = deque()  # with a window: frames sent and not yet acknowledged, oldest first
        self.loop = asyncio.get_running_loop()
        self.outbox: deque[dict[str, Any] | bytes] = deque()  # notes and frames to send, in the order made
        self.audio = AudioQueue()
        self.wake = asyncio.Event()
        self.done = asyncio.Event()

    async def run(self) -> None:
        reader = threading.Thread(target=self.read_child, name="worldgraph-live-relay", daemon=True)
        reader.start()
        sender = asyncio.create_task(self.send_out())
        try:
            async for message in self.ws:
                if message.type != WSMsgType.TEXT:
                    break
                try:
                    parsed = parse_message(message.data)
                except ProtocolError as refused:
                    await self.ws.send_json({"type": "error", "message": str(refused)})
                    continue
                if isinstance(parsed, Ack):
                    self.acknowledged(parsed.frame)
                    continue
                self.tell_child(parsed)
                if isinstance(parsed, End):
                    await asyncio.wait_for(self.done.wait(), 10)
                    break
                if self.done.is_set():
                    break
        finally:
            sender.cancel()
            self.tell_child(None)

    def tell_child(self, message: Any) -> None:
        with contextlib.suppress(OSError, ValueError):  # the process has ended: nothing to tell
            self.child.send(message)

    def read_child(self) -> None:
        """In a thread: the session process's messages, until it ends."""
        conn = self.child.conn
        assert conn is not None
        while True:
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                break
            if message[:1] == AUDIO:
                self.loop.call_soon_threadsafe(self.sound, message[1:])
            else:
                self.loop.call_soon_threadsafe(self.queue, json.loads(message[1:]) if message[:1] == NOTE
                                               else message[1:])
        failure = self.child.ended(5)
        if failure is not None:
            self.loop.call_soon_threadsafe(self.queue, {"type": "error",
                                                        "message": f"the live session crashed: {failure}"})
        self.loop.call_soon_threadsafe(self.done.set)
        self.loop.call_soon_threadsafe(self.wake.set)

    def queue(self, item: dict[str, Any] | bytes) -> None:
        self.outbox.append(item)
        self.wake.set()

    def sound(self, message: bytes) -> None:
        self.audio.put(message)
        self.wake.set()

    def acknowledged(self, frame: int) -> None:
        count = 0
        while self.in_flight and self.in_flight[0] <= frame:
            self.in_flight.popleft()
            count += 1
        if count:
            self.tell_child(Credit(count))

    async def send_out(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while (sound := self.audio.get()) is not None:
                await self.ws.send_bytes(sound)
            while self.outbox:
                item = self.outbox.popleft()
                if isinstance(item, dict):
                    await self.ws.send_json(item)
                    continue
                await self.ws.send_bytes(item)
                if self.window is None:
                    self.tell_child(Credit())
                else:
                    self.in_flight.append(unpack(item)[0]["frame"])
            if self.done.is_set():
                await self.ws.close()
                return
