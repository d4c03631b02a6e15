"""Training: simulator rollouts -> autoencoder -> latent dynamics (with rollout loss) -> checkpoint.

1. The autoencoder learns to reconstruct frames (MSE).
2. Frames are encoded once; latents are normalised per channel.
3. The dynamics learns next latents: teacher-forced on a short real context, then rolling out on its
   own predictions for up to ``rollout`` steps (the horizon grows during training), so long rollouts
   stay on track. Meanwhile the decoder keeps learning on true and predicted latents, so it decodes
   uncertain predictions to the frame that is closest on average.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from . import checkpoint, data
from .attention import device
from .model import LatentConfig, WorldModel


@dataclass(frozen=True)
class TrainSettings:
    worlds: int = 24
    per_world: int = 16
    frames: int = 40              # per trajectory
    seed: int = 0
    autoencoder_steps: int = 3000
    dynamics_steps: int = 1200
    batch: int = 32               # frames per autoencoder step
    sequences: int = 16           # trajectories per dynamics step
    rollout: int = 16             # longest predicted horizon in the loss
    learning_rate: float = 1e-3
    threads: int = 2
    save_every: int = 200         # dynamics steps between checkpoints (0: only at the end)
    resume: str = ""              # a checkpoint to go on training (its config and normalisation are kept)


@dataclass
class TrainResult:
    model: WorldModel
    losses: dict[str, list[float]]
    seconds: float


def _schedule(step: int, steps: int, base: float) -> float:
    """Linear warm-up over the first tenth (at most 100 steps), then cosine decay."""
    warmup = min(100, max(steps // 10, 1))
    if step < warmup:
        return base * (step + 1) / warmup
    return base * 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(steps - warmup, 1)))


def _set_lr(optimizer: torch.optim.Optimizer, value: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = value


def _pixels(frames: np.ndarray, on: torch.device) -> torch.Tensor:
    return torch.from_numpy(frames).to(on).permute(0, 3, 1, 2).to(torch.float32) / 255.0


def train_autoencoder(model: WorldModel, frames: np.ndarray, settings: TrainSettings,
                      rng: np.random.Generator, bar: tqdm) -> list[float]:
    """Reconstruction training on random frames of ``frames`` [M,H,W,3]; returns the loss per step."""
    parameters = [*model.encoder.parameters(), *model.decoder.parameters()]
    optimizer = torch.optim.AdamW(parameters, lr=settings.learning_rate * 2, weight_decay=0.0)
    losses = []
    for step in bar:
        _set_lr(optimizer, _schedule(step, settings.autoencoder_steps, settings.learning_rate * 2))
        batch = _pixels(frames[rng.integers(0, frames.shape[0], settings.batch)], model.latent_mean.device)
        loss = F.mse_loss(model.decoder(model.encoder(batch)), batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 20 == 0:
            bar.set_postfix(mse=f"{losses[-1]:.5f}")
    return losses


@torch.no_grad()
def encode_all(model: WorldModel, frames: np.ndarray, normalise: bool, batch: int = 256) -> torch.Tensor:
    """Normalised latents of ``frames`` [N,T,H,W,3] -> [N,T,C,h,w] (measuring the normalisation
    first when ``normalise``)."""
    n, t = frames.shape[:2]
    flat = frames.reshape(n * t, *frames.shape[2:])
    on = model.latent_mean.device
    raw = torch.cat([model.encoder(_pixels(flat[i:i + batch], on)) for i in range(0, n * t, batch)])
    if normalise:
        model.latent_mean.copy_(raw.mean(dim=(0, 2, 3))[:, None, None])
        model.latent_std.copy_(raw.std(dim=(0, 2, 3))[:, None, None] + 1e-4)
    normalised = (raw - model.latent_mean) / model.latent_std
    return normalised.reshape(n, t, *normalised.shape[1:]).cpu()


def dynamics_step(model: WorldModel, latents: torch.Tensor, actions: torch.Tensor, context: int,
                  horizon: int, noise: float = 0.05) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher-forced on ``context`` real frames, then ``horizon`` steps on its own predictions.

    ``latents`` [B, context + horizon, C,h,w]; ``actions`` [B, context + horizon, 8] (action t made
    frame t). Returns the loss (log mean squared errors) and the predicted latents of the rollout
    ``[B, horizon, C,h,w]``."""
    cache = model.dynamics.cache()
    real = latents[:, :context] + noise * torch.randn_like(latents[:, :context])
    predicted = model.dynamics(real, actions[:, 1:context + 1], cache)      # frames 1..context
    teacher = F.mse_loss(predicted, latents[:, 1:context + 1])
    current = predicted[:, -1:]
    rollout = [current]
    for j in range(context + 1, context + horizon):
        current = model.dynamics(current, actions[:, j:j + 1], cache)
        rollout.append(current)
    future = torch.cat(rollout, dim=1)
    per_step = ((future - latents[:, context:context + horizon]) ** 2).mean(dim=(0, 2, 3, 4))   # [horizon]
    # mean log error per step: each step counts the same (in dB), the first as much as the sixteenth
    return 0.5 * torch.log(teacher) + torch.log(per_step).mean(), future


def train_dynamics(model: WorldModel, latents: torch.Tensor, rollouts: data.Rollouts, settings: TrainSettings,
                   rng: np.random.Generator, bar: tqdm,
                   save: Callable[[], None] | None = None) -> dict[str, list[float]]:
    window = model.config.window
    optimizer = torch.optim.AdamW(model.dynamics.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    decoder_optimizer = torch.optim.AdamW(model.decoder.parameters(), lr=settings.learning_rate * 0.3)
    on = model.latent_mean.device
    actions = torch.from_numpy(rollouts.actions)
    losses: dict[str, list[float]] = {"dynamics": [], "decoder": []}
    for step in bar:
        lr = _schedule(step, settings.dynamics_steps, settings.learning_rate)
        _set_lr(optimizer, lr)
        _set_lr(decoder_optimizer, lr * 0.3)
        grow = min(1.0, step / max(0.5 * settings.dynamics_steps, 1))
        horizon = 2 + round((settings.rollout - 2) * grow)
        context = int(rng.integers(1, window + 1))
        length = context + horizon
        rows = rng.integers(0, latents.shape[0], settings.sequences)
        starts = rng.integers(0, latents.shape[1] - length + 1, settings.sequences)
        index = torch.from_numpy(starts)[:, None] + torch.arange(length)[None]
        batch_rows = torch.from_numpy(rows)[:, None]
        loss, future = dynamics_step(model, latents[batch_rows, index].to(on), actions[batch_rows, index].to(on),
                                     context, horizon)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.dynamics.parameters(), 1.0)
        optimizer.step()
        losses["dynamics"].append(loss.item())
        # the decoder: half true latents, half predicted ones, against the real frames
        pick = rng.integers(0, horizon, settings.sequences)
        frame_index = starts + context + pick
        targets = _pixels(rollouts.frames[rows, frame_index], on)
        guessed = future.detach()[torch.arange(len(rows), device=on), torch.from_numpy(pick).to(on)]
        inputs = torch.cat([latents[rows, frame_index].to(on), guessed])
        decoded = model.decoder(inputs * model.latent_std + model.latent_mean)
        decoder_loss = F.mse_loss(decoded, torch.cat([targets, targets]))
        decoder_optimizer.zero_grad(set_to_none=True)
        decoder_loss.backward()
        decoder_optimizer.step()
        losses["decoder"].append(decoder_loss.item())
        if step % 20 == 0:
            bar.set_postfix(loss=f"{losses['dynamics'][-1]:.4f}", horizon=horizon)
        if save is not None and settings.save_every and (step + 1) % settings.save_every == 0:
            save()
    return losses


def train(settings: TrainSettings, config: LatentConfig, path: Path | None = None,
          progress: bool = True) -> TrainResult:
    """Generate rollouts, train both parts, and write the checkpoint to ``path`` (when given).

    With ``settings.resume`` the model (and its config) comes from that checkpoint instead."""
    torch.set_num_threads(settings.threads)
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng([settings.seed, 9])
    started = time.perf_counter()
    model = checkpoint.load(Path(settings.resume)) if settings.resume else WorldModel(config)
    model.to(device()).train()
    specs = data.worlds(settings.worlds, settings.seed)
    with tqdm(total=len(specs) * settings.per_world, desc="rollouts", unit="traj", disable=not progress) as bar:
        rollouts = data.generate(specs, settings.per_world, settings.frames, model.config.image_size,
                                 model.config.fps, settings.seed, bar.update)
    frames = rollouts.frames.reshape(-1, *rollouts.frames.shape[2:])
    with tqdm(range(settings.autoencoder_steps), desc="autoencoder", disable=not progress) as bar:
        ae_losses = train_autoencoder(model, frames, settings, rng, bar)
    latents = encode_all(model, rollouts.frames, normalise=not settings.resume)
    losses: dict[str, list[float]] = {"autoencoder": ae_losses}

    earlier = checkpoint.notes(Path(settings.resume)) if settings.resume else None

    def notes() -> dict[str, Any]:
        # the checkpoint's own record names the file it resumed from, not where it lay on this machine
        recorded = {**asdict(settings), "resume": Path(settings.resume).name if settings.resume else ""}
        return {"settings": recorded, "seconds": round(time.perf_counter() - started, 1),
                "final_losses": {name: float(np.mean(values[-50:])) for name, values in losses.items() if values},
                **({"resumed_from": earlier} if earlier is not None else {})}

    def save() -> None:
        if path is not None:
            model.eval()
            checkpoint.save(model, path, notes())
            model.train()

    with tqdm(range(settings.dynamics_steps), desc="dynamics", disable=not progress) as bar:
        losses.update(train_dynamics(model, latents, rollouts, settings, rng, bar, save))
    model.eval()
    save()
    return TrainResult(model, losses, time.perf_counter() - started)

