"""world/learned/ with the shipped checkpoint: the model's moves, the world contract as a learned
rollout implements it, segment caching of latents, and the edits a learned world can and cannot follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from world.actions import ActionTrack
from world.capability import UnsupportedEdit
from world.contract import Rollout, WorldBackend
from world.edits import ChangeShot, InsertCharacter, PlotEvent
from world.learned.backend import LearnedBackend
from world.learned.checkpoint import MODELS_DIR
from world.learned.runner import LatentState, LearnedModel, LearnedWorld, load_model, open_world
from world.learned.timeline import LatentTimeline, rollout
from world.store import DictStore
from world.timeline import Timeline
from world.world import World


@pytest.fixture(scope="module")
def tiny(meadow: World) -> LearnedWorld:
    return open_world(MODELS_DIR / "tiny.safetensors", meadow.spec)


@pytest.fixture
def model(tiny: LearnedWorld, store: DictStore) -> LearnedModel:
    return LearnedModel(load_model(tiny, store))


def walking(frames: int, turn: float = 3.0) -> ActionTrack:
    track = ActionTrack.empty(frames)
    track.move[:, 0] = 1.0
    track.look[:, 0] = turn
    return track


@pytest.fixture
def learned(tiny: LearnedWorld, make_timeline: Callable[..., Timeline]) -> LatentTimeline:
    return rollout(tiny, make_timeline(walking(40)))


def test_the_backend_describes_a_learned_world(tiny: LearnedWorld, learned: LatentTimeline) -> None:
    backend = LearnedBackend()
    info = backend.info(tiny)
    assert tiny.backend == backend.name == info.name == "learned" and tiny.name == "tiny"
    assert info.native_size == learned.native_size == (64, 64) and info.fps == 10 and not info.gpu
    assert "pose" not in info.actions and info.edits == {"pace", "lighting"} and learned.info == info
    assert 0 < info.memory_mb < 64 and info.description.startswith("tiny: 64x64 at 10 fps")
    contract: WorldBackend = backend  # satisfies the protocols (checked by mypy)
    as_rollout: Rollout = backend.rollout(tiny, learned.walk)
    assert contract is backend and as_rollout == learned


def test_the_first_state_shows_the_simulators_first_frame(learned: LatentTimeline, model: LearnedModel,
                                                          store: DictStore) -> None:
    state = learned.state_at(0, store)
    assert state.latent.shape == (8, 16, 16) and state.frame == 0 and state.keys.shape[2] == 0
    frame = learned.render_state(state, (64, 64), store)
    assert frame.shape == (64, 64, 3) and frame.dtype == np.uint8 and frame.std() > 5
    assert learned.render_state(state, (160, 90), store).shape == (90, 160, 3)
    first = model.start(learned.walk.render_frame(0, (64, 64), store))
    assert np.array_equal(first.latent, state.latent)


def test_step_is_pure_and_continues_where_it_stopped(learned: LatentTimeline, store: DictStore) -> None:
    start = learned.state_at(0, store)
    actions = walking(8)
    once = learned.step(start, actions, [], store)
    again = learned.step(start, actions, [], store)
    assert once.frame == 8 and np.array_equal(once.latent, again.latent) and start.frame == 0
    halves = learned.step(learned.step(start, actions.slice(0, 3), [], store), actions.slice(3, 8), [], store)
    np.testing.assert_allclose(halves.latent, once.latent, atol=1e-4)
    turned = learned.step(start, walking(8, turn=-6.0), [], store)
    assert not np.allclose(turned.latent, once.latent, atol=1e-2)


def test_states_are_the_timelines_states(learned: LatentTimeline, store: DictStore) -> None:
    """Stepping on from a segment's end with the walk's actions reaches the next segment's frames."""
    end = learned.segment_end(1, store)
    assert end.frame == 19
    assert np.array_equal(learned.render_state(end, (64, 64), store), learned.render_segment(1, (64, 64), store)[-1])
    stepped = learned.step(end, learned.actions.slice(20, 25), [], store)
    np.testing.assert_allclose(stepped.latent, learned.segment_latents(2, store)[4], atol=1e-4)
    np.testing.assert_allclose(learned.state_at(24, store).latent, stepped.latent, atol=1e-4)


def test_save_and_load_round_trip(learned: LatentTimeline, store: DictStore) -> None:
    state = learned.step(learned.state_at(0, store), walking(5), [], store)
    arrays = learned.save_state(state)
    assert all(isinstance(a, np.ndarray) for a in arrays.values())
    loaded = learned.load_state({name: a.copy() for name, a in arrays.items()})
    assert isinstance(loaded, LatentState) and loaded.frame == state.frame
    assert np.array_equal(learned.render_state(loaded, (64, 64), store), learned.render_state(state, (64, 64), store))
    assert np.array_equal(learned.step(loaded, walking(3), [], store).latent,
                          learned.step(state, walking(3), [], store).latent)


def test_a_world_can_start_from_any_image(tiny: LearnedWorld, store: DictStore,
                                          make_timeline: Callable[..., Timeline]) -> None:
    image = np.zeros((90, 160, 3), np.uint8)
    image[:45] = (120, 170, 230)   # sky over grass
    image[45:] = (60, 120, 40)
    pictured = LearnedBackend().start_from_image(tiny, image)
    assert pictured.image is not None and pictured.spec.relief == 0.0
    walk = rollout(pictured, make_timeline(walking(40)))
    decoded = walk.render_state(walk.state_at(0, store), (64, 64), store).astype(float)
    assert abs(decoded[:20].mean(axis=(0, 1)) - (120, 170, 230)).max() < 40
    assert abs(decoded[-20:].mean(axis=(0, 1)) - (60, 120, 40)).max() < 40


def test_what_it_cannot_do_in_a_step_is_refused(learned: LatentTimeline, store: DictStore) -> None:
    state = learned.state_at(0, store)
    with pytest.raises(UnsupportedEdit, match="apply edits to its timeline"):
        learned.step(state, walking(1), [PlotEvent(0, "weather", "rain")], store)
    posed = walking(1)
    posed.pose[0] = (1.0, 2.0, 0.0)
    with pytest.raises(UnsupportedEdit, match="not poses"):
        learned.step(state, posed, [], store)


def test_lighting_edits_grade_rendered_states(learned: LatentTimeline, store: DictStore) -> None:
    dim = learned.with_edit(PlotEvent(25, "lighting", "dim"))
    state = dim.state_at(35, store)
    assert np.array_equal(dim.render_state(state, (64, 64), store), dim.render_frame(35, (64, 64), store))
    assert dim.render_state(state, (64, 64), store).mean() < 0.7 * learned.render_state(state, (64, 64), store).mean()


def test_new_actions_make_a_new_learned_rollout(learned: LatentTimeline) -> None:
    turned = learned.with_actions(walking(40, turn=-3.0))
    assert isinstance(turned, LatentTimeline) and turned.world == learned.world
    assert turned.segment_hashes() != learned.segment_hashes() and turned.actions.look[0, 0] == -3.0


# ---- the learned timeline ------------------------------------------------------------------------
def test_the_timeline_renders_segments_and_starts_from_the_simulator(learned: LatentTimeline, store: DictStore,
                                                                     model: LearnedModel) -> None:
    segments = [learned.render_segment(k, (64, 64), store) for k in range(learned.segment_count)]
    assert [s.shape for s in segments] == [(10, 64, 64, 3)] * 4
    first = model.decode(model.start(learned.walk.render_frame(0, (64, 64), store)).latent[None], (64, 64))
    assert np.array_equal(segments[0][0], first[0])
    assert np.array_equal(learned.render_frame(23, (64, 64), store), segments[2][3])
    assert len(set(learned.segment_hashes())) == 4 and learned.native_size == (64, 64)


def test_an_edit_re_runs_the_model_only_from_its_segment(learned: LatentTimeline, store: DictStore,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = [learned.render_segment(k, (64, 64), store) for k in range(4)]
    stepped: list[int] = []
    real = LearnedModel.advance

    def counting(self: LearnedModel, state: Any, features: np.ndarray) -> Any:
        stepped.append(len(features))
        return real(self, state, features)

    monkeypatch.setattr(LearnedModel, "advance", counting)
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
