"""world/learned/backend.py and timeline.py with the shipped checkpoint: the backend contract, segment
caching of latents, and the edits a learned world can and cannot follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from world.actions import ActionTrack
from world.edits import ChangeShot, InsertCharacter, PlotEvent
from world.learned.backend import LearnedBackend, LearnedWorld, UnsupportedEdit, load_model, open_world
from world.learned.checkpoint import MODELS_DIR
from world.learned.timeline import LatentTimeline, rollout
from world.render import Camera
from world.store import DictStore
from world.timeline import Timeline
from world.world import World


@pytest.fixture(scope="module")
def tiny(meadow: World) -> LearnedWorld:
    return open_world(MODELS_DIR / "tiny.safetensors", meadow.spec)


@pytest.fixture
def backend(tiny: LearnedWorld, store: DictStore) -> LearnedBackend:
    return LearnedBackend(load_model(tiny, store), tiny.name, store)


def walking(frames: int, turn: float = 3.0) -> ActionTrack:
    track = ActionTrack.empty(frames)
    track.move[:, 0] = 1.0
    track.look[:, 0] = turn
    return track


def test_info_and_create(backend: LearnedBackend, meadow: World) -> None:
    assert backend.info.name == "learned:tiny" and backend.info.native_size == (64, 64)
    assert backend.info.fps == 10.0 and backend.info.frames_per_step == 1
    assert "pose" not in backend.info.actions and backend.info.features == {"pace", "lighting"}
    state = backend.create(meadow.spec, seed=3)
    assert state.latent.shape == (8, 16, 16) and state.frame == 0 and state.keys.shape[2] == 0
    frame = backend.render(state, None, (64, 64))
    assert frame.shape == (1, 64, 64, 3) and frame.dtype == np.uint8 and frame.std() > 5
    assert backend.render(state, None, (160, 90)).shape == (1, 90, 160, 3)


def test_step_is_pure_and_continues_where_it_stopped(backend: LearnedBackend, meadow: World) -> None:
    start = backend.create(meadow.spec, seed=3)
    actions = walking(8)
    once = backend.step(start, actions, [])
    again = backend.step(start, actions, [])
    assert once.frame == 8 and np.array_equal(once.latent, again.latent)
    halves = backend.step(backend.step(start, actions.slice(0, 3), []), actions.slice(3, 8), [])
    np.testing.assert_allclose(halves.latent, once.latent, atol=1e-4)
    turned = backend.step(start, walking(8, turn=-6.0), [])
    assert not np.allclose(turned.latent, once.latent, atol=1e-2)


def test_save_and_load_round_trip(backend: LearnedBackend, meadow: World) -> None:
    state = backend.step(backend.create(meadow.spec, seed=1), walking(5), [])
    arrays = backend.save(state)
    assert all(isinstance(a, np.ndarray) for a in arrays.values())
    loaded = backend.load({name: a.copy() for name, a in arrays.items()})
    assert np.array_equal(backend.render(loaded, None, (64, 64)), backend.render(state, None, (64, 64)))
    assert np.array_equal(backend.step(loaded, walking(3), []).latent, backend.step(state, walking(3), []).latent)


def test_a_world_can_start_from_any_image(backend: LearnedBackend) -> None:
    image = np.zeros((90, 160, 3), np.uint8)
    image[:45] = (120, 170, 230)   # sky over grass
    image[45:] = (60, 120, 40)
    state = backend.start(image)
    decoded = backend.render(state, None, (64, 64))[0].astype(float)
    assert abs(decoded[:20].mean(axis=(0, 1)) - (120, 170, 230)).max() < 40
    assert abs(decoded[-20:].mean(axis=(0, 1)) - (60, 120, 40)).max() < 40


def test_what_it_cannot_do_is_refused(backend: LearnedBackend, meadow: World) -> None:
    state = backend.create(meadow.spec, seed=0)
    with pytest.raises(UnsupportedEdit, match="apply edits to its timeline"):
        backend.step(state, walking(1), [PlotEvent(0, "weather", "rain")])
    posed = walking(1)
    posed.pose[0] = (1.0, 2.0, 0.0)
    with pytest.raises(UnsupportedEdit, match="not poses"):
        backend.step(state, posed, [])
    with pytest.raises(UnsupportedEdit, match="cannot move the camera"):
        backend.render(state, Camera(0, 0, 0, 0, 0), (64, 64))


# ---- the learned timeline ------------------------------------------------------------------------
@pytest.fixture
def learned(tiny: LearnedWorld, make_timeline: Callable[..., Timeline]) -> LatentTimeline:
    return rollout(tiny, make_timeline(walking(40)))


def test_the_timeline_renders_segments_and_starts_from_the_simulator(learned: LatentTimeline, store: DictStore,
                                                                     backend: LearnedBackend) -> None:
    segments = [learned.render_segment(k, (64, 64), store) for k in range(learned.segment_count)]
    assert [s.shape for s in segments] == [(10, 64, 64, 3)] * 4
    first = backend.decode(backend.start(learned.walk.render_frame(0, (64, 64), store)).latent[None], (64, 64))
    assert np.array_equal(segments[0][0], first[0])
    assert np.array_equal(learned.render_frame(23, (64, 64), store), segments[2][3])
    assert len(set(learned.segment_hashes())) == 4 and learned.native_size == (64, 64)


def test_an_edit_re_runs_the_model_only_from_its_segment(learned: LatentTimeline, store: DictStore,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = [learned.render_segment(k, (64, 64), store) for k in range(4)]
    stepped: list[int] = []
    real = LearnedBackend.advance

    def counting(self: LearnedBackend, state: Any, features: np.ndarray) -> Any:
        stepped.append(len(features))
        return real(self, state, features)

    monkeypatch.setattr(LearnedBackend, "advance", counting)
    dim = learned.with_edit(PlotEvent(25, "lighting", "dim"))
    slow = learned.with_edit(PlotEvent(25, "pace", amount=0.3))
    after = [dim.render_segment(k, (64, 64), store) for k in range(4)]
    assert stepped == [10, 10]  # segments 2 and 3 only
    assert all(np.array_equal(a, b) for a, b in zip(before[:2], after[:2], strict=True))
    assert np.array_equal(before[2][:5], after[2][:5]) and after[2][6:].mean() < 0.7 * before[2][6:].mean()
    stepped.clear()
    paced = [slow.render_segment(k, (64, 64), store) for k in range(4)]
    assert stepped == [10, 10] and np.array_equal(paced[2][:5], before[2][:5])
    assert not np.array_equal(paced[3], before[3])


@pytest.mark.parametrize("edit, needle", [
    (InsertCharacter(3, "hiker"), "cannot insert characters"),
    (ChangeShot(3, "orbit"), "cannot change shots"),
    (PlotEvent(3, "weather", "rain"), "input 'event' = 'weather'"),
])
def test_edits_it_cannot_follow_are_refused(learned: LatentTimeline, edit: Any, needle: str) -> None:
    with pytest.raises(UnsupportedEdit, match=needle) as caught:
        learned.with_edit(edit)
    assert "the learned backend 'tiny'" in str(caught.value) and "lighting, pace" in str(caught.value)


def test_a_rollout_must_match_the_model(tiny: LearnedWorld, make_timeline: Callable[..., Timeline]) -> None:
    with pytest.raises(UnsupportedEdit, match="set fps to 10"):
        rollout(tiny, make_timeline(walking(40), fps=30))
    posed = walking(40)
    posed.pose[7] = (100.0, 100.0, 0.0)
    with pytest.raises(UnsupportedEdit, match="frame 7 sets 'pose'"):
        rollout(tiny, make_timeline(posed))
