"""A live session steps a world with the input held, applies events at the frame they came, and records
exactly what an offline render of the kept walk replays."""

from __future__ import annotations

import numpy as np
import pytest
from worldkit import SMALL, fresh_store, open_start, world_of

from live import LiveSession, parse_message
from live.protocol import Event, LiveInput, ProtocolError
from world.actions import ActionTrack
from world.edits import PlotEvent
from world.learned.checkpoint import MODELS_DIR
from world.learned.runner import open_world
from world.learned.timeline import rollout
from world.timeline import Timeline


def timeline(frames: int = 60) -> Timeline:
    meadow = world_of("alpine_meadow")
    return Timeline(meadow.spec, 10, frames, 10, open_start(meadow), 0.0, ActionTrack.empty(frames))


def test_holding_forward_moves_the_camera_and_changes_the_picture() -> None:
    session = LiveSession(timeline(), fresh_store(), SMALL)
    still = session.current()
    session.hold(LiveInput(seq=1, move=(1.0, 0.0, 0.0)))
    for _ in range(10):
        moved = session.tick()
    assert moved.frame == 10 and moved.input_seq == 1
    travelled = np.hypot(moved.pose[0] - still.pose[0], moved.pose[1] - still.pose[1])
    assert travelled > 1.0, travelled  # one second of walking, from standing
    assert np.abs(moved.pixels.astype(int) - still.pixels.astype(int)).mean() > 2.0
    session.hold(LiveInput(seq=2, look=(9.0, 0.0)))
    turned = session.tick()
    assert turned.pose[3] == pytest.approx(moved.pose[3] - 9.0, abs=1e-3) and turned.input_seq == 2  # right: clockwise


def test_an_event_applies_at_the_next_frame_and_the_kept_walk_replays_the_session_exactly() -> None:
    store = fresh_store()
    original = timeline()
    session = LiveSession(original, store, SMALL, start=5)
    session.hold(LiveInput(seq=1, move=(1.0, 0.2, 0.0), look=(2.0, 0.5), sprint=True))
    for _ in range(10):
        session.tick()
    event = parse_message('{"type": "event", "seq": 2, "event": {"type": "PlotEvent", "kind": "weather", '
                          '"value": "rain", "transition_frames": 0}}')
    assert isinstance(event, Event)
    assert session.trigger(event) == PlotEvent(frame=16, kind="weather", value="rain")
    rainy = [session.tick() for _ in range(12)][-1]
    recording = session.recording
    track = recording.track()
    assert len(track) == rainy.frame + 1 == 28
    kept = original.with_actions(_padded(track, original.frames))
    for edit in recording.edits:
        kept = kept.with_edit(edit, store)
    replay = fresh_store()
    assert kept.state_at(rainy.frame, replay) == session.state  # the same state, simulated again from scratch
    assert np.array_equal(kept.render_frame(rainy.frame, SMALL, replay), rainy.pixels)


def test_a_refused_event_changes_nothing() -> None:
    session = LiveSession(timeline(), fresh_store(), SMALL)
    bad = Event(1, PlotEvent, {"kind": "weather", "value": "lava"})
    with pytest.raises(ProtocolError, match="event PlotEvent"):
        session.trigger(bad)
    session.tick()
    assert session.recording.edits == []


def test_a_start_outside_the_walk_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the walk's 60 frames"):
        LiveSession(timeline(), fresh_store(), SMALL, start=60)


def _padded(track: ActionTrack, frames: int) -> ActionTrack:
    return ActionTrack.concatenate([track, ActionTrack.empty(frames - len(track))])


def test_the_learned_backend_plays_live_through_the_same_contract_at_its_own_size() -> None:
    walk = timeline(40)
    learned = rollout(open_world(MODELS_DIR / "tiny.safetensors", walk.spec), walk)
    store = fresh_store()
    session = LiveSession(learned, store, learned.native_size, start=12)
    still = session.current()
    session.hold(LiveInput(seq=1, move=(1.0, 0.0, 0.0), look=(4.0, 0.0)))
    moved = [session.tick() for _ in range(10)][-1]
    assert still.pixels.shape == moved.pixels.shape == (64, 64, 3) and moved.input_seq == 1
    assert np.hypot(moved.pose[0] - still.pose[0], moved.pose[1] - still.pose[1]) > 0.5
    assert np.abs(moved.pixels.astype(int) - still.pixels.astype(int)).mean() > 1.0
    kept = session.keep()  # the learned rollout keeps nothing itself; its walk keeps the walked states
    assert kept.frames == 23 and np.array_equal(kept.render_frame(22, (64, 64), store), moved.pixels)
