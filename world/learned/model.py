"""A small learned world model: a frame autoencoder and an action-conditioned latent dynamics model.

    frames [B,3,64,64] --encode--> latents [B,C,16,16] --decode--> frames

    latents z[0..t] + actions a[1..t+1] --dynamics--> z[t+1] = z[t] + delta

The dynamics is a transformer over latent tokens (2x2 latent patches: 8x8 = 64 tokens per frame).
Time is causal: a frame's tokens attend to the tokens of the ``window`` frames ending with it (its own
included), with rotary time positions, so keys and values of past frames are computed once and kept
in a ``KVCache`` while rolling out. Each frame is conditioned on the action that leads to the next
frame through adaptive layer norm (scale, shift and gate per block), so actions steer every layer.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .attention import attend

ACTION_DIM = 8  # move forward/right/up, look yaw/pitch (scaled), jump, sprint, crouch


@dataclass(frozen=True)
class LatentConfig:
    image_size: int = 64         # native resolution (square)
    fps: float = 10.0            # one model step per output frame at this rate
    widths: tuple[int, ...] = (16, 32, 64)  # autoencoder channels at full, 1/2 and 1/4 resolution
    latent_channels: int = 8     # latents are [C, image_size/4, image_size/4]
    patch: int = 2               # latent patch per dynamics token
    d_model: int = 128
    n_layers: int = 4
    n_heads: int = 4
    window: int = 4              # frames a frame attends to, itself included

    @property
    def latent_size(self) -> int:
        return self.image_size // 2 ** (len(self.widths) - 1)

    @property
    def tokens_per_frame(self) -> int:
        return (self.latent_size // self.patch) ** 2

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatentConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown model config field(s) {unknown}; known: {sorted(known)}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)


# ---- autoencoder ---------------------------------------------------------------------------------
class ResBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.a = nn.Conv2d(channels, channels, 3, padding=1)
        self.b = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.b(F.silu(self.a(F.silu(x))))


class Encoder(nn.Module):
    def __init__(self, config: LatentConfig) -> None:
        super().__init__()
        w = config.widths
        layers: list[nn.Module] = [nn.Conv2d(3, w[0], 3, padding=1)]
        for before, after in itertools.pairwise(w):
            layers += [nn.SiLU(), nn.Conv2d(before, after, 4, stride=2, padding=1), ResBlock(after)]
        layers += [nn.SiLU(), nn.Conv2d(w[-1], config.latent_channels, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:  # [B,3,H,W] in [0,1] -> [B,C,h,w]
        return self.net(frames * 2.0 - 1.0)


class Decoder(nn.Module):
    def __init__(self, config: LatentConfig) -> None:
        super().__init__()
        w = config.widths[::-1]
        layers: list[nn.Module] = [nn.Conv2d(config.latent_channels, w[0], 3, padding=1), ResBlock(w[0])]
        for before, after in itertools.pairwise(w):
            layers += [nn.Upsample(scale_factor=2.0, mode="nearest"), nn.Conv2d(before, after, 3, padding=1),
                       ResBlock(after)]
        layers += [nn.SiLU(), nn.Conv2d(w[-1], 3, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, latents: torch.Tensor) -> torch.Tensor:  # [B,C,h,w] -> [B,3,H,W], about [0,1]
        return self.net(latents) * 0.5 + 0.5


# ---- dynamics ------------------------------------------------------------------------------------
class KVCache:
    """Keys and values of the last ``window - 1`` frames, per layer (each ``[B, heads, tokens, dim]``)."""

    def __init__(self, layers: int) -> None:
        self.keys: list[torch.Tensor | None] = [None] * layers
        self.values: list[torch.Tensor | None] = [None] * layers
        self.frames = 0       # frames seen so far (the time index of the next frame)
        self.cached = 0       # frames whose keys and values are held

    def extend(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Past keys/values followed by ``k``/``v`` (what this layer attends to)."""
        past_k, past_v = self.keys[layer], self.values[layer]
        if past_k is None or past_v is None:
            return k, v
        return torch.cat([past_k, k], dim=2), torch.cat([past_v, v], dim=2)

    def keep(self, layer: int, k: torch.Tensor, v: torch.Tensor, tokens: int) -> None:
        self.keys[layer], self.values[layer] = k[:, :, -tokens:], v[:, :, -tokens:]


def rotary(x: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
    """Rotate pairs of channels of ``x`` [B,H,N,D] by angles ``times`` [N] x frequencies (RoPE in time)."""
    half = x.shape[-1] // 2
    frequencies = torch.exp(torch.arange(half, device=x.device, dtype=torch.float32) * (-math.log(100.0) / half))
    angles = times.to(torch.float32)[:, None] * frequencies[None]            # [N, D/2]
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, config: LatentConfig) -> None:
        super().__init__()
        d = config.d_model
        self.heads = config.n_heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.modulation = nn.Linear(d, 6 * d)  # action -> shift, scale, gate for attention and MLP
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def forward(self, x: torch.Tensor, condition: torch.Tensor, times: torch.Tensor, mask: torch.Tensor,
                cache: KVCache | None, layer: int, keep_tokens: int) -> torch.Tensor:
        # x [B,N,d]; condition [B,N,d]; times [N] frame index of each token; mask [N, N_past + N] True = attend
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(condition).chunk(6, dim=-1)
        h = F.layer_norm(x, x.shape[-1:]) * (1 + scale1) + shift1
        batch, tokens, d = h.shape
        q, k, v = self.qkv(h).view(batch, tokens, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k = rotary(q, times), rotary(k, times)
        if cache is not None:
            k, v = cache.extend(layer, k, v)
            cache.keep(layer, k, v, keep_tokens)
        out = attend(q, k, v, mask).transpose(1, 2).reshape(batch, tokens, d)
        x = x + (1 + gate1) * self.proj(out)
        h = F.layer_norm(x, x.shape[-1:]) * (1 + scale2) + shift2
        return x + (1 + gate2) * self.mlp(h)


class Dynamics(nn.Module):
    def __init__(self, config: LatentConfig) -> None:
        super().__init__()
        self.config = config
        c, p, d = config.latent_channels, config.patch, config.d_model
        self.embed = nn.Linear(c * p * p, d)
        self.position = nn.Parameter(torch.zeros(config.tokens_per_frame, d))
        self.action = nn.Sequential(nn.Linear(ACTION_DIM, d), nn.SiLU(), nn.Linear(d, d))
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.head = nn.Linear(d, c * p * p)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        nn.init.normal_(self.position, std=0.02)

    def forward(self, latents: torch.Tensor, actions: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Next latents for each given frame: ``latents`` [B,T,C,h,w] (frames after those in ``cache``),
        ``actions`` [B,T,8] (action t leads from frame t to frame t+1) -> [B,T,C,h,w]."""
        config = self.config
        batch, steps, c, size, _ = latents.shape
        p, n = config.patch, config.tokens_per_frame
        tokens = (latents.reshape(batch, steps, c, size // p, p, size // p, p)
                  .permute(0, 1, 3, 5, 2, 4, 6).reshape(batch, steps, n, c * p * p))
        x = (self.embed(tokens) + self.position).reshape(batch, steps * n, -1)
        condition = self.action(actions)[:, :, None, :].expand(-1, -1, n, -1).reshape(batch, steps * n, -1)
        first = cache.frames if cache is not None else 0
        past = cache.cached if cache is not None else 0
        frame_of = torch.arange(first - past, first + steps, device=latents.device)
        query_frames = frame_of[past:].repeat_interleave(n)
        key_frames = frame_of.repeat_interleave(n)
        gap = query_frames[:, None] - key_frames[None, :]
        mask = (gap >= 0) & (gap < config.window)
        keep = (config.window - 1) * n
        for layer, block in enumerate(self.blocks):
            x = block(x, condition, query_frames, mask, cache, layer, keep)
        if cache is not None:
            cache.frames += steps
            cache.cached = min(cache.cached + steps, config.window - 1)
        delta = self.head(F.layer_norm(x, x.shape[-1:])).reshape(batch, steps, size // p, size // p, c, p, p)
        return latents + delta.permute(0, 1, 4, 2, 5, 3, 6).reshape(batch, steps, c, size, size)

    def cache(self) -> KVCache:
        return KVCache(self.config.n_layers)


class WorldModel(nn.Module):
    """The whole model; ``latent_mean``/``latent_std`` normalise latents for the dynamics."""

    latent_mean: torch.Tensor
    latent_std: torch.Tensor

    def __init__(self, config: LatentConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)
        self.dynamics = Dynamics(config)
        self.register_buffer("latent_mean", torch.zeros(config.latent_channels, 1, 1))
        self.register_buffer("latent_std", torch.ones(config.latent_channels, 1, 1))

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 frames [B,H,W,3] -> normalised latents [B,C,h,w]."""
        pixels = frames.permute(0, 3, 1, 2).to(torch.float32) / 255.0
        return (self.encoder(pixels) - self.latent_mean) / self.latent_std

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Normalised latents [B,C,h,w] -> uint8 frames [B,H,W,3]."""
        pixels = self.decoder(latents * self.latent_std + self.latent_mean)
        return (pixels.clamp(0.0, 1.0) * 255.0 + 0.5).to(torch.uint8).permute(0, 2, 3, 1)
