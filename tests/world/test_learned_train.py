"""world/learned/train.py, data.py and checkpoint.py: a few seconds of training, on real rollouts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from test_learned_model import SMALL

from world.actions import JUMP, SPRINT, ActionTrack
from world.learned import checkpoint, data
from tqdm import tqdm

from world.learned.model import LatentConfig, WorldModel
from world.learned.train import TrainResult, TrainSettings, dynamics_step, train, train_dynamics

SETTINGS = TrainSettings(worlds=1, per_world=4, frames=12, autoencoder_steps=40, dynamics_steps=12, batch=8,
                         sequences=4, rollout=3, learning_rate=2e-3, save_every=0)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainResult, Path]:
    path = tmp_path_factory.mktemp("models") / "small.safetensors"
    return train(SETTINGS, SMALL, path, progress=False), path


def test_a_short_training_run_lowers_the_losses(trained: tuple[TrainResult, Path]) -> None:
    losses = trained[0].losses
    assert len(losses["autoencoder"]) == 40 and len(losses["dynamics"]) == 12
    assert np.mean(losses["autoencoder"][-5:]) < 0.7 * np.mean(losses["autoencoder"][:5])


def test_dynamics_training_lowers_the_rollout_loss() -> None:
    """Latents that shift one column per frame, left or right as the look action says: learnable."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = WorldModel(SMALL)
    start = torch.randn(16, 1, 4, 8, 8)
    direction = torch.from_numpy(rng.choice([-1, 1], 16))
    latents = torch.stack([torch.stack([torch.roll(start[i, 0], int(direction[i]) * t, dims=-1) for t in range(8)])
                           for i in range(16)])
    actions = np.zeros((16, 8, 8), np.float32)
    actions[:, :, 3] = direction[:, None].numpy() * 0.5
    rollouts = data.Rollouts(rng.integers(0, 255, (16, 8, 32, 32, 3), dtype=np.uint8), actions)
    fixed = (latents[:, :6], torch.from_numpy(actions[:, :6]))

    def loss() -> float:
        with torch.no_grad():
            return float(dynamics_step(model, *fixed, context=2, horizon=4, noise=0.0)[0])

    before = loss()
    settings = TrainSettings(dynamics_steps=40, sequences=8, rollout=4, learning_rate=3e-3)
    with tqdm(range(40), disable=True) as bar:
        train_dynamics(model, latents, rollouts, settings, rng, bar)
    assert loss() < before - 0.35  # log errors: about 30 % smaller


def test_the_checkpoint_round_trips(trained: tuple[TrainResult, Path]) -> None:
    result, path = trained
    assert path.is_file() and path.with_suffix(".json").is_file()
    document = json.loads(path.with_suffix(".json").read_text())
    assert document["format"] == checkpoint.FORMAT and document["config"]["d_model"] == SMALL.d_model
    assert document["training"]["settings"]["autoencoder_steps"] == 40
    loaded = checkpoint.load(path)
    assert loaded.config == SMALL and not loaded.training
    for name, tensor in result.model.state_dict().items():
        assert torch.equal(tensor, loaded.state_dict()[name]), name
    assert checkpoint.available(path.parent) == ["small"]


def test_a_checkpoint_without_its_config_is_refused(tmp_path: Path, trained: tuple[TrainResult, Path]) -> None:
    lonely = tmp_path / "lonely.safetensors"
    lonely.write_bytes(trained[1].read_bytes())
    with pytest.raises(checkpoint.CheckpointError, match=r"lonely\.json"):
        checkpoint.load(lonely)
    assert checkpoint.available(tmp_path) == []


def test_rollouts_are_seeded_and_shaped() -> None:
    specs = data.worlds(1, seed=5)
    first = data.generate(specs, 2, 5, 16, 10.0, seed=1)
    again = data.generate(specs, 2, 5, 16, 10.0, seed=1)
    assert first.frames.shape == (2, 5, 16, 16, 3) and first.frames.dtype == np.uint8
    assert first.actions.shape == (2, 5, 8) and len(first) == 2
    assert np.array_equal(first.frames, again.frames) and np.array_equal(first.actions, again.actions)


def test_action_features() -> None:
    track = ActionTrack.empty(3)
    track.move[:] = [1.0, -0.5, 0.0]
    track.look[1] = [5.0, -2.0]
    track.flags[2] = JUMP | SPRINT
    features = data.action_features(track)
    assert features.shape == (3, 8) and features.dtype == np.float32
    assert features[1, 3:5].tolist() == pytest.approx([0.5, -0.2])
    assert features[2, 5:].tolist() == [1.0, 1.0, 0.0]
    slow = data.action_features(track, pace=np.asarray([0.5, 1.0, 2.0], np.float32))
    assert slow[0, 0] == 0.5 and slow[1, 0] == 1.0 and slow[2, 6] == 1.0
    random = data.random_actions(np.random.default_rng(0), 200)
    assert len(random) == 200 and np.abs(random.move).max() <= 1.0 and random.look[:, 0].std() > 1.0


def test_training_can_go_on_from_a_checkpoint(trained: tuple[TrainResult, Path], tmp_path: Path) -> None:
    settings = TrainSettings(worlds=1, per_world=2, frames=8, autoencoder_steps=0, dynamics_steps=2, sequences=2,
                             rollout=2, save_every=0, resume=str(trained[1]))
    result = train(settings, LatentConfig(), tmp_path / "more.safetensors", progress=False)
    assert result.model.config == SMALL  # the checkpoint's config, not the one passed
    assert torch.equal(result.model.latent_std, trained[0].model.latent_std)
    notes = checkpoint.notes(tmp_path / "more.safetensors")
    assert notes["resumed_from"]["settings"]["autoencoder_steps"] == 40 and len(result.losses["dynamics"]) == 2
