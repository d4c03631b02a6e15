"""Periodic noise fields: the world tile wraps, so every field here tiles seamlessly."""

from __future__ import annotations

import numpy as np


def spectral_noise(rng: np.random.Generator, size: int, exponent: float, low_cut: float = 1.0) -> np.ndarray:
    """A periodic ``[size,size]`` float32 field with amplitude ~ 1/k^exponent, scaled to [-1, 1].

    Larger exponents give smoother fields (2.0 ~ hills, 1.0 ~ fine grain).
    """
    white = rng.standard_normal((size, size)).astype(np.float32)
    spectrum = np.fft.rfft2(white)
    kx = np.fft.fftfreq(size)[:, None] * size
    ky = np.fft.rfftfreq(size)[None, :] * size
    k = np.sqrt(kx * kx + ky * ky)
    amplitude = np.where(k < low_cut, 0.0, np.maximum(k, 1.0) ** -exponent)
    field = np.fft.irfft2(spectrum * amplitude, s=(size, size)).astype(np.float32)
    field -= field.min()
    peak = field.max()
    return field / peak * 2.0 - 1.0 if peak > 0 else field


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def downsample(field: np.ndarray) -> np.ndarray:
    """Average 2x2 blocks (a mip level); works for [n,n] and [n,n,c]."""
    n = field.shape[0] // 2
    work = field.astype(np.float32) if field.dtype != np.float32 else field
    blocks = work.reshape(n, 2, n, 2, *field.shape[2:])
    return blocks.mean(axis=(1, 3)).astype(field.dtype)
