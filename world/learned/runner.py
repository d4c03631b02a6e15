"""A trained ``WorldModel`` at work: the learned WORLD value, the model's states, and ``LearnedModel``
(start from an image, roll on with actions, decode).

A state is the newest latent frame plus the dynamics' keys and values for the frames before it, so
rolling on continues exactly where it stopped, and states are plain arrays (cacheable and branchable).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..spec import WorldSpec
from ..store import Store
from . import checkpoint
from .attention import device
from .model import KVCache, WorldModel

ACTIONS = ("move", "look", "jump", "sprint", "crouch")
#: Director edits a learned backend can follow: pace (through the actions) and lighting (a grade).
FEATURES = frozenset({"pace", "lighting"})
#: Where walks are planned (and footsteps heard) for worlds that start from an image.
OPEN_GROUND = WorldSpec(biome="meadow", relief=0.0, roughness=0.0, vegetation=0.0, rocks=0.0, structures=0.0,
                        water=0.0)


@dataclass(frozen=True)
class LearnedWorld:
    """The WORLD value of a learned backend: a checkpoint, and what its first frame comes from.

    ``spec`` is the world whose first frame the simulator renders, or, when ``image`` is set, the open
    ground walks are planned on."""

    name: str
    path: str
    digest: str
    fps: int             # the model's frame rate: one step per frame
    size: int            # native resolution (square)
    spec: WorldSpec
    image: np.ndarray | None = field(default=None, compare=False, repr=False)  # uint8 [S,S,3]
    image_digest: str = ""

    @property
    def backend(self) -> str:
        return "learned"

    @property
    def nbytes(self) -> int:
        return 512 + (self.image.nbytes if self.image is not None else 0)

    def starting_from(self, image: np.ndarray) -> LearnedWorld:
        """This model, starting from ``image`` (uint8 [H,W,3]) instead of a rendered world."""
        frame = np.ascontiguousarray(image, dtype=np.uint8)
        return replace(self, spec=OPEN_GROUND, image=frame, image_digest=hashlib.sha256(frame.tobytes()).hexdigest())


def open_world(path: Path, spec: WorldSpec) -> LearnedWorld:
    """A ``LearnedWorld`` for the checkpoint at ``path`` starting in ``spec``."""
    config = checkpoint.read_config(path)
    return LearnedWorld(path.stem, str(path), checkpoint.digest(path), round(config.fps), config.image_size, spec)


def load_model(world: LearnedWorld, store: Store) -> WorldModel:
    """The model of ``world``, loaded once per store."""
    key = f"world/learned/model/{world.digest}"
    model = store.get(key)
    if model is None:
        model = checkpoint.load(Path(world.path), device())
        store.put(key, model, tier="memory")
    return model


@dataclass(frozen=True)
class LatentState:
    latent: np.ndarray   # float32 [C,h,w]: the newest frame, not yet seen by the dynamics
    keys: np.ndarray     # float32 [layers, heads, tokens, dim]: the frames before it (tokens may be 0)
    values: np.ndarray
    frame: int           # index of the newest frame
    cached: int          # frames held in keys/values

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"latent": self.latent, "keys": self.keys, "values": self.values,
                "counters": np.asarray([self.frame, self.cached], dtype=np.int64)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> LatentState:
        frame, cached = (int(v) for v in np.asarray(arrays["counters"]))
        latent, keys, values = (np.asarray(arrays[name]) for name in ("latent", "keys", "values"))
        return cls(latent, keys, values, frame, cached)


class LearnedModel:
    """A trained world model's three moves: encode an image into a state, roll on, decode."""

    def __init__(self, model: WorldModel) -> None:
        self.model = model
        self.device = model.latent_mean.device
        self.native_size = (model.config.image_size, model.config.image_size)

    @torch.no_grad()
    def start(self, image: np.ndarray) -> LatentState:
        """The state showing ``image`` (uint8 [H,W,3], any size: cropped to a square and resized)."""
        size = self.native_size[0]
        pixels = torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1)[None].to(self.device, torch.float32)
        pixels = _fit(pixels, (size, size)).clamp(0, 255).round().to(torch.uint8).permute(0, 2, 3, 1)
        latent = self.model.encode(pixels)[0].cpu().numpy()
        config = self.model.config
        empty = np.zeros((config.n_layers, config.n_heads, 0, config.d_model // config.n_heads), np.float32)
        return LatentState(latent, empty, empty.copy(), 0, 0)

    @torch.no_grad()
    def advance(self, state: LatentState, features: np.ndarray) -> tuple[np.ndarray, LatentState]:
        """Roll ``len(features)`` frames on (features [n,8]: see ``data.action_features``): the new
        latents [n,C,h,w] and the state after the last one."""
        if len(features) == 0:
            return np.zeros((0, *state.latent.shape), np.float32), state
        cache = KVCache(len(state.keys))
        cache.keys = [k[None] for k in torch.from_numpy(np.array(state.keys)).to(self.device)]
        cache.values = [v[None] for v in torch.from_numpy(np.array(state.values)).to(self.device)]
        cache.frames, cache.cached = state.frame, state.cached
        current = torch.from_numpy(np.array(state.latent))[None, None].to(self.device)
        actions = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))[None].to(self.device)
        latents = []
        for i in range(actions.shape[1]):
            current = self.model.dynamics(current, actions[:, i:i + 1], cache)
            latents.append(current[0, 0])
        out = torch.stack(latents).cpu().numpy()
        keys = np.stack([k[0].cpu().numpy() for k in cache.keys if k is not None])
        values = np.stack([v[0].cpu().numpy() for v in cache.values if v is not None])
        return out, LatentState(out[-1], keys, values, state.frame + len(out), cache.cached)

    @torch.no_grad()
    def decode(self, latents: np.ndarray, size: tuple[int, int], batch: int = 64) -> np.ndarray:
        """uint8 frames [n,H,W,3] of ``latents`` [n,C,h,w], cropped to ``size``'s aspect and resized."""
        frames = np.empty((len(latents), size[1], size[0], 3), np.uint8)
        for i in range(0, len(latents), batch):
            decoded = self.model.decode(torch.from_numpy(np.array(latents[i:i + batch])).to(self.device))
            if decoded.shape[1:3] != (size[1], size[0]):
                pixels = _fit(decoded.permute(0, 3, 1, 2).to(torch.float32), size)
                decoded = pixels.clamp(0, 255).round().to(torch.uint8).permute(0, 2, 3, 1)
            frames[i:i + batch] = decoded.cpu().numpy()
        return frames


def _fit(pixels: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Centre-crop [B,3,H,W] to the aspect of ``size`` (width, height), then resize bilinearly."""
    height, width = pixels.shape[2:]
    aspect = size[0] / size[1]
    if width / height > aspect:
        keep = max(1, math.floor(height * aspect + 0.5))
        pixels = pixels[..., (width - keep) // 2:(width - keep) // 2 + keep]
    else:
        keep = max(1, math.floor(width / aspect + 0.5))
        pixels = pixels[:, :, (height - keep) // 2:(height - keep) // 2 + keep]
    if pixels.shape[2:] == (size[1], size[0]):
        return pixels
    return F.interpolate(pixels, size=(size[1], size[0]), mode="bilinear", align_corners=False,
                         antialias=pixels.shape[2] > size[1])
