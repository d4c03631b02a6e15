"""Attention for the dynamics model: xformers' memory-efficient kernel on CUDA when it is installed,
torch's ``scaled_dot_product_attention`` everywhere else. Both take the same boolean mask."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


def _xformers() -> Any | None:
    try:
        import xformers.ops
    except ImportError:
        return None
    return xformers.ops


XFORMERS = _xformers()


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``q`` [B,H,N,D], ``k``/``v`` [B,H,M,D], ``mask`` [N,M] (True: may attend) -> [B,H,N,D]."""
    if XFORMERS is not None and q.is_cuda:
        batch, heads, n, _ = q.shape
        m = k.shape[2]
        # xformers wants [B,N,H,D] and an additive bias whose last dimension is aligned to 8
        padded = -(-m // 8) * 8
        bias = torch.full((batch, heads, n, padded), float("-inf"), device=q.device, dtype=q.dtype)
        bias[..., :m] = torch.zeros((), device=q.device, dtype=q.dtype).masked_fill(~mask, float("-inf"))
        out = XFORMERS.memory_efficient_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                                  attn_bias=bias[..., :m])
        return out.transpose(1, 2)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def device() -> torch.device:
    """The device to run on: CUDA when available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
