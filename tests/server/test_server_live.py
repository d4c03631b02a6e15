"""``GET /live``: a real session over a real socket — frames arrive with their headers, holding W moves the
camera, an event is taken or refused, bad messages get an error and nothing else, ending gives the recording,
a closed socket ends the session's process, and the walk's sound comes alongside, every span of it, with
footsteps when walking."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import WSMsgType
from livekit import crash_after_input, next_frame, next_json, start_message
from serverkit import run_async, serve

import graph
import server
from graph.packs import PackOptions, load_packs
from live import pack_audio, unpack, unpack_frame
from media.realtime import FrameDecoder
from webserver.keys import LIVE
from webserver.live import AudioQueue, LiveRefused, LiveStart

@run_async
async def test_a_live_session_plays_moves_takes_events_and_ends_with_its_recording(make_app):
    app = make_app()
    async with serve(app) as client:
        ws = await client.ws_connect("/live")
        hello = await next_json(ws)
        assert hello == {"type": "hello", "max_size": [1280, 720], "sessions": 0, "max_sessions": 2}
        await ws.send_json(start_message())
        ready = await next_json(ws)
        assert ready["type"] == "ready" and ready["fps"] == 10 and ready["size"] == [160, 90], ready
        first = await next_frame(ws)
        await ws.send_json({"type": "input", "seq": 1, "move": [1, 0, 0]})
        header = await next_frame(ws)
        while header["input_seq"] < 1:
            header = await next_frame(ws)
        for _ in range(8):
            header = await next_frame(ws)
        assert header["frame"] > first["frame"] and header["time"] > first["time"]
        assert abs(header["pose"][0] - first["pose"][0]) + abs(header["pose"][1] - first["pose"][1]) > 0.5
        await ws.send_json({"type": "input", "move": [3, 0, 0]})
        assert "'move[0]' = 3 must be within [-1, 1]" in (await next_json(ws))["message"]
        await ws.send_json({"type": "event", "seq": 2, "event": {"type": "PlotEvent", "kind": "weather",
                                                                "value": "rain"}})
        for _ in range(3):  # the event applies at the next frame
            await next_frame(ws)
        await ws.send_json({"type": "end", "seq": 3, "keep": True})
        recording = await next_json(ws)
        while recording["type"] != "recording":
            recording = await next_json(ws)
        assert len(recording["actions"]) >= 10 and recording["actions"][-1]["move"][0] == 1.0
        assert [edit["type"] for edit in recording["edits"]] == ["PlotEvent"]
        keep = recording["keep"]  # what the editor writes into the workflow (tests/server/test_live_keep.py)
        assert keep["walk"]["node"] == "2" and keep["after"] == "2" and keep["walk"]["inputs"]["mode"] == "track"
        assert [(e["class_type"], e["inputs"]["value"]) for e in keep["events"]] == [("PlotEvent", "rain")]
        assert (await ws.receive(timeout=10)).type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)


@run_async
async def test_a_start_that_cannot_play_is_refused_with_a_reason(make_app):
    async with serve(make_app()) as client:
        ws = await client.ws_connect("/live")
        await next_json(ws)  # hello
        await ws.send_json({**start_message(), "node": "3"})  # RenderVideo: a VIDEO, not a LATENT
        error = await next_json(ws)
        assert error == {"type": "error", "message": "node 3 (RenderVideo) has no LATENT output to play"}
        ws = await client.ws_connect("/live")
        await next_json(ws)
        await ws.send_json({**start_message(), "size": [4000, 90]})
        assert "'size' must be" in (await next_json(ws))["message"]


@run_async
async def test_closing_the_socket_ends_the_sessions_process(make_app):
    app = make_app()
    async with serve(app) as client:
        ws = await client.ws_connect("/live")
        await next_json(ws)
        await ws.send_json(start_message())
        assert (await next_json(ws))["type"] == "ready"
        await next_frame(ws)
        await ws.close()
        for _ in range(100):
            if app[LIVE].sessions == 0:
                break
            await asyncio.sleep(0.05)
        assert app[LIVE].sessions == 0


@run_async
async def test_a_client_that_does_not_keep_up_gets_frames_dropped_not_queued(make_app):
    async with serve(make_app()) as client:
        ws = await client.ws_connect("/live")
        await next_json(ws)
        await ws.send_json({**start_message(), "window": 1, "audio": False})  # one frame not yet drawn, at most
        assert (await next_json(ws))["type"] == "ready"
        first = await next_frame(ws)
        await asyncio.sleep(1.0)  # a slow client: ten frames are made meanwhile
        try:
            late = await ws.receive(timeout=0.3)
        except TimeoutError:
            late = None
        assert late is None, "a frame came before the one shown was acknowledged"
        await ws.send_json({"type": "ack", "frame": first["frame"]})
        newest = await next_frame(ws)
        assert newest["frame"] >= first["frame"] + 9  # the newest one: those between were dropped
        await ws.send_json({"type": "ack", "frame": "soon"})
        assert "'frame' must be" in (await next_json(ws))["message"]


@pytest.fixture
def faulty(registry: graph.NodeRegistry) -> graph.NodeRegistry:
    load_packs(registry, PackOptions(paths=(Path(__file__).parent / "packs",), allow=frozenset({"faulty"})))
    return registry


@run_async
async def test_a_session_whose_world_crashes_ends_with_a_message_and_the_server_goes_on(make_app, faulty):
    app = make_app()
    async with serve(app) as client:
        ws = await client.ws_connect("/live")
        await next_json(ws)
        note = await crash_after_input(ws)  # frames 0-2 come first, then the segfault of frame 3
        assert note == {"type": "error", "message": "the live session crashed: signal 11 (SIGSEGV)"}
        assert (await client.get("/system_stats")).status == 200
        for _ in range(100):  # the crashed session's slot is given back once its socket has closed
            if app[LIVE].sessions == 0:
                break
            await asyncio.sleep(0.05)
        again = await client.ws_connect("/live")
        assert (await next_json(again))["sessions"] == 0
        await again.send_json(start_message())
        assert (await next_json(again))["type"] == "ready"
        await next_frame(again)


@run_async
async def test_an_h264_stream_decodes_in_order_and_skips_frames_before_encoding_them(make_app):
    async with serve(make_app()) as client:
        ws = await client.ws_connect("/live")
        await next_json(ws)
        await ws.send_json({**start_message((160, 90)), "codec": "h264", "window": 1, "audio": False})
        assert (await next_json(ws))["codec"] == "h264"
        decoder, shown = FrameDecoder(), []
        await ws.send_json({"type": "input", "seq": 1, "move": [1, 0, 0], "look": [3, 0]})
        while len(shown) < 6:
            message = await ws.receive(timeout=30)
            if message.type != WSMsgType.BINARY:
                continue
            header, data = unpack_frame(message.data)
            assert header["codec"] == "h264" and header["key"] == (not shown)  # a key frame first, then P frames
            shown.append((header, decoder.decode("h264", data)))
            if len(shown) == 3:
                await asyncio.sleep(0.5)  # a client that stalls: the frames meanwhile are never encoded
            await ws.send_json({"type": "ack", "frame": header["frame"]})
        assert all(pixels.shape == (90, 160, 3) for _, pixels in shown)
        assert shown[3][0]["dropped"] >= 3 and shown[3][0]["frame"] >= shown[2][0]["frame"] + 4
        assert np.abs(shown[-1][1].astype(int) - shown[0][1].astype(int)).mean() > 2  # walked and turned
        again = await client.ws_connect("/live")
        await next_json(again)
        await again.send_json({**start_message((161, 90)), "codec": "h264"})
        assert "must be even" in (await next_json(again))["message"]
def roomy_app(root: Path, registry: graph.NodeRegistry) -> Any:
    """An app whose memory tier holds the world (the default test app's 64 MiB does not: each step would load it
    from the disk tier, at about a second a frame, too slow to hear steps in real time)."""
    store = graph.ContentStore(graph.MemoryTier(1 << 30), graph.DiskTier(root / "cache", registry.codecs))
    return server.create_app(server.Config(root=root), graph.Executor(registry, store, graph.Paths.under(root)))


@run_async
async def test_the_walks_sound_comes_alongside_the_frames_every_span_of_it_with_footsteps_when_walking(
        tmp_path: Path, registry: graph.NodeRegistry):
    async with serve(roomy_app(tmp_path, registry)) as client:
        ws = await client.ws_connect("/live")
        await next_json(ws)
        await ws.send_json(start_message())
        ready = await next_json(ws)
        assert ready["audio"] == {"rate": 16000, "channels": 2}, ready
        frames: list[dict[str, Any]] = []
        sounds: list[tuple[dict[str, Any], bytes]] = []

        async def receive() -> str:
            message = await ws.receive(timeout=30)
            if message.type == WSMsgType.TEXT:
                return str(json.loads(message.data)["type"])
            if message.type != WSMsgType.BINARY:
                return "closed"
            header, payload = unpack(message.data)
            if header.get("type") == "audio":
                sounds.append((header, payload))
                return "audio"
            frames.append(header)
            return "frame"

        while len(frames) < 12:  # 1.2 s standing
            await receive()
        walk_from = frames[-1]["frame"]
        await ws.send_json({"type": "input", "seq": 1, "move": [1, 0, 0]})
        while len(frames) < 45:  # 3.3 s walking
            await receive()
        await ws.send_json({"type": "end", "seq": 2, "keep": False})
        while await receive() != "closed":
            pass
    # every span arrived, in order, back to back, up to the last frame shown
    spans = [header["frame"] for header, _ in sounds]
    assert spans == list(range(ready["frame"], frames[-1]["frame"])), spans  # 1 frame a span at 10 fps
    for header, payload in sounds:
        assert header["time"] == round(header["frame"] / 10, 6) and header["samples"] == 1600
        assert len(payload) == 1600 * 2 * 2
    pcm = np.frombuffer(b"".join(p for _, p in sounds), "<i2").reshape(-1, 2).astype(np.float64) / 32767
    assert pcm.shape[0] / 16000 == len(spans) / 10
    # footsteps: bursts about every 0.375 s while walking (PLAYER.stride / 2 / PLAYER.walk), none standing
    energy = np.sum(pcm[:, 0].reshape(-1, 320) ** 2, axis=1)  # per 20 ms
    standing = energy[:round((walk_from - ready["frame"]) * 50 / 10)]
    loud = np.flatnonzero(energy > 8 * np.median(standing))
    onsets = loud[np.insert(np.diff(loud) > 5, 0, True)] * 0.02  # the first 20 ms of each burst, in seconds
    assert not [t for t in onsets if t < standing.shape[0] * 0.02], onsets
    assert len(onsets) >= 6, onsets
    np.testing.assert_allclose(np.diff(onsets[2:]), 0.375, atol=0.045)  # once up to walking speed


def test_sound_is_held_for_a_slow_client_up_to_a_few_seconds_dropping_the_oldest() -> None:
    def span(frame: int) -> bytes:
        return pack_audio({"type": "audio", "frame": frame, "time": frame / 10, "rate": 16000, "channels": 2,
                           "samples": 1600}, bytes(1600 * 4))

    queue = AudioQueue(seconds=4.0)
    for frame in range(100):  # 10 s that the socket could not take
        queue.put(span(frame))
    assert len(queue) == 40 and queue.dropped == 60
    kept = []
    while (message := queue.get()) is not None:
        kept.append(unpack(message)[0]["frame"])
    assert kept == list(range(60, 100)) and queue.seconds == 0.0


def test_a_start_may_ask_for_no_sound() -> None:
    start = LiveStart.parse(json.dumps({**start_message(), "audio": False}))
    assert start.audio is False and LiveStart.parse(json.dumps(start_message())).audio is True
    try:
        LiveStart.parse(json.dumps({**start_message(), "audio": "yes"}))
    except LiveRefused as refused:
        assert "'audio' must be true" in str(refused)
    else:
        raise AssertionError("'audio': 'yes' was taken")
