"""Sound synthesis: ambience beds and one-shot sounds, mixed sample-accurately into a stereo track.

Inputs are plain values (curves, timed events), so any layer can describe a scene and have it heard.
Everything is deterministic by seed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.signal import butter, sosfilt

from .audio import RATE, AudioTrack


@dataclass(frozen=True)
class Event:
    time: float
    kind: str    # step (the listener's own), character_step, land, call, cut
    voice: str   # surface for steps and landings; hiker, robot, deer for calls; whoosh for cuts
    gain: float
    pan: float   # -1 left .. 1 right


def _rng(seed: int, *parts: object) -> np.random.Generator:
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _sos(kind: str, cutoff: float | tuple[float, float], order: int = 2) -> np.ndarray:
    return butter(order, cutoff, btype=kind, fs=RATE, output="sos")


def _noise(rng: np.random.Generator, samples: int) -> np.ndarray:
    return rng.standard_normal((samples, 2), dtype=np.float32)


def _pan(mono: np.ndarray, pan: float, gain: float) -> np.ndarray:
    angle = (pan + 1.0) * math.pi / 4
    return np.stack([mono * math.cos(angle), mono * math.sin(angle)], axis=1) * np.float32(gain)


def _place(out: np.ndarray, sound: np.ndarray, time: float) -> None:
    start = round(time * RATE)
    if start >= out.shape[0] or start + sound.shape[0] <= 0:
        return
    lo = max(start, 0)
    hi = min(start + sound.shape[0], out.shape[0])
    out[lo:hi] += sound[lo - start:hi - start]


# ---- ambience ---------------------------------------------------------------------------------
BLOCK_SECONDS = 10.0  # ambience is made block by block: memory does not grow with the track's length


class _FilteredNoise:
    """Stereo noise through a filter whose state carries across blocks (no seams)."""

    def __init__(self, rng: np.random.Generator, sos: np.ndarray) -> None:
        self.rng = rng
        self.sos = sos
        self.state = np.zeros((sos.shape[0], 2, 2))

    def next(self, samples: int) -> np.ndarray:
        out, self.state = sosfilt(self.sos, _noise(self.rng, samples), axis=0, zi=self.state)
        return out.astype(np.float32)


class _Wind:
    def __init__(self, rng: np.random.Generator) -> None:
        self.noise, self.phase = _FilteredNoise(rng, _sos("lowpass", 420.0)), rng.random() * 6.0

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        gusts = 0.6 + 0.25 * np.sin(2 * np.pi * 0.07 * t + self.phase) + 0.15 * np.sin(2 * np.pi * 0.19 * t)
        return self.noise.next(env.shape[0]) * (env * gusts * 0.9)[:, None]


class _Rain:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.hiss = _FilteredNoise(rng, _sos("highpass", 1800.0))
        self.sos = _sos("bandpass", (1500.0, 6000.0))
        self.state = np.zeros((self.sos.shape[0], 2, 2))

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        samples = env.shape[0]
        clicks = (self.rng.random((samples, 2)) < 0.0015) * self.rng.uniform(-0.5, 0.5, (samples, 2))
        drops, self.state = sosfilt(self.sos, clicks, axis=0, zi=self.state)
        return (self.hiss.next(samples) * 0.09 + drops.astype(np.float32) * 0.6) * env[:, None]


class _Snow:
    def __init__(self, rng: np.random.Generator) -> None:
        self.noise = _FilteredNoise(rng, _sos("lowpass", 250.0))

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.noise.next(env.shape[0]) * (env * 0.35)[:, None]


class _Water:
    def __init__(self, rng: np.random.Generator) -> None:
        self.noise = _FilteredNoise(rng, _sos("bandpass", (180.0, 1100.0)))

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        lapping = 0.55 + 0.45 * np.sin(2 * np.pi * 0.23 * t) * np.sin(2 * np.pi * 0.07 * t + 1.0)
        return self.noise.next(env.shape[0]) * (env * lapping * 0.5)[:, None]


class _Insects:
    DELAY = 900  # samples the right channel lags, for width

    def __init__(self, rng: np.random.Generator) -> None:
        self.phase = rng.random() * 6.0
        self.tail = np.zeros(self.DELAY, dtype=np.float32)

    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        carrier = np.sin(2 * np.pi * 4600.0 * t)
        pulses = (np.sin(2 * np.pi * 32.0 * t) > 0.2).astype(np.float32)
        chirps = (np.sin(2 * np.pi * 1.4 * t + self.phase) > 0.3).astype(np.float32)
        mono = (carrier * pulses * chirps * env * 0.025).astype(np.float32)
        delayed = np.concatenate([self.tail, mono])
        self.tail = delayed[-self.DELAY:]
        return np.stack([mono, delayed[: mono.shape[0]]], axis=1)


class _Layer(Protocol):
    def block(self, env: np.ndarray, t: np.ndarray) -> np.ndarray: ...


_AMBIENCE: dict[str, Callable[[np.random.Generator], _Layer]] = {
    "wind": _Wind, "rain": _Rain, "snow": _Snow, "water": _Water, "insects": _Insects,
}


def _bird_song(rng: np.random.Generator) -> np.ndarray:
    syllables = []
    base = rng.uniform(2200.0, 4200.0)
    for _ in range(int(rng.integers(2, 6))):
        length = int(rng.uniform(0.05, 0.14) * RATE)
        t = np.arange(length) / RATE
        sweep = base * (1 + rng.uniform(-0.35, 0.35) * t / t[-1])
        phase = 2 * np.pi * np.cumsum(sweep) / RATE + 0.3 * np.sin(2 * np.pi * 40 * t)
        syllables.append(np.sin(phase) * np.sin(np.pi * t / t[-1]) ** 2)
        syllables.append(np.zeros(int(rng.uniform(0.02, 0.08) * RATE)))
    return np.concatenate(syllables).astype(np.float32)


def _birds(rng: np.random.Generator, curve: np.ndarray, control_rate: float, out: np.ndarray) -> None:
    seconds = out.shape[0] / RATE
    for when in np.sort(rng.uniform(0, seconds, int(seconds * 0.9))):
        level = curve[min(int(when * control_rate), curve.shape[0] - 1)]
        if rng.random() < level:
            _place(out, _pan(_bird_song(rng), rng.uniform(-0.9, 0.9), 0.05 * rng.uniform(0.4, 1.0)), when)


# ---- one-shots --------------------------------------------------------------------------------
_SURFACES = {  # band (Hz), decay (s), crunch
    "grass": ((250.0, 2500.0), 0.07, 0.3), "sand": ((150.0, 1400.0), 0.09, 0.1),
    "snow": ((600.0, 5000.0), 0.11, 0.8), "stone": ((400.0, 3500.0), 0.04, 0.0),
    "water": ((100.0, 1800.0), 0.16, 0.5),
}


def footstep(surface: str, rng: np.random.Generator, loud: float = 1.0) -> np.ndarray:
    band, decay, crunch = _SURFACES.get(surface, _SURFACES["grass"])
    length = int(decay * 4 * RATE)
    t = np.arange(length) / RATE
    body = sosfilt(_sos("bandpass", band), rng.standard_normal(length), axis=0) * np.exp(-t / decay)
    grit = (rng.random(length) < 0.02 * crunch) * rng.standard_normal(length) * np.exp(-t / (decay * 2))
    thump = np.sin(2 * np.pi * 70 * t) * np.exp(-t / 0.03) * (0.6 if surface != "snow" else 0.2)
    click = np.sin(2 * np.pi * 900 * t) * np.exp(-t / 0.01) * (0.5 if surface == "stone" else 0.0)
    return ((body * 0.8 + grit * 0.4 + thump + click) * 0.5 * loud).astype(np.float32)


def call(voice: str, rng: np.random.Generator) -> np.ndarray:
    if voice == "robot":
        tones = [rng.choice([660.0, 880.0, 990.0, 1320.0]) for _ in range(3)]
        parts = []
        for tone in tones:
            t = np.arange(int(0.09 * RATE)) / RATE
            parts += [np.sign(np.sin(2 * np.pi * tone * t)) * 0.25, np.zeros(int(0.04 * RATE))]
        return np.concatenate(parts).astype(np.float32)
    pitch, formants, seconds = ((135.0, (700.0, 1200.0), 0.45) if voice == "hiker" else (420.0, (900.0, 2300.0), 0.6))
    length = int(seconds * RATE)
    t = np.arange(length) / RATE
    glide = pitch * (1.0 + 0.25 * np.sin(np.pi * t / seconds)) * (1 + 0.02 * np.sin(2 * np.pi * 6 * t))
    source = 2 * ((np.cumsum(glide) / RATE) % 1.0) - 1.0
    voiced = sum(sosfilt(_sos("bandpass", (f * 0.8, f * 1.2)), source) for f in formants)
    return (voiced * np.sin(np.pi * t / seconds) ** 0.5 * 0.6).astype(np.float32)


def whoosh(rng: np.random.Generator) -> np.ndarray:
    length = int(0.45 * RATE)
    t = np.arange(length) / RATE
    noise = rng.standard_normal(length)
    low = sosfilt(_sos("lowpass", 900.0), noise)
    high = sosfilt(_sos("highpass", 2500.0), noise)
    mix = low * (1 - t / t[-1]) + high * (t / t[-1])
    return (mix * np.sin(np.pi * t / t[-1]) ** 2 * 0.35).astype(np.float32)


def music_bed(seconds: float, seed: int) -> np.ndarray:
    """A slow, quiet pad: one chord every four seconds from a gentle progression."""
    rng = _rng(seed, "music")
    roots = [220.0, 174.61, 261.63, 196.0]
    samples = round(seconds * RATE)
    out = np.zeros((samples, 2), dtype=np.float32)
    chord = int(4 * RATE)
    for index, start in enumerate(range(0, samples, chord)):
        root = roots[(index + int(rng.integers(0, 4))) % len(roots)]
        t = np.arange(min(chord + RATE, samples - start)) / RATE
        shape = np.minimum(1.0, t / 1.5) * np.exp(-np.maximum(t - 3.0, 0) / 0.8)
        tone = sum(np.sin(2 * np.pi * root * ratio * t) / (1 + i) for i, ratio in enumerate((1.0, 1.25, 1.5, 2.0)))
        out[start:start + t.shape[0]] += _pan((tone * shape * 0.05).astype(np.float32), 0.3 * ((index % 2) * 2 - 1),
                                              1.0)
    return out


# ---- the mix ----------------------------------------------------------------------------------
def render(duration: float, control_rate: float, ambience: Mapping[str, np.ndarray], events: Iterable[Event],
           seed: int = 0, gains: Mapping[str, float] | None = None, music: bool = False,
           transitions: bool = True) -> AudioTrack:
    """The scene as a 48 kHz stereo track of exactly ``duration`` seconds.

    ``gains`` scale the groups ``ambience``, ``steps``, ``characters``, ``transitions``, ``music``.
    """
    gains = {"ambience": 1.0, "steps": 1.0, "characters": 1.0, "transitions": 1.0, "music": 1.0, **(gains or {})}
    samples = round(duration * RATE)
    out = np.zeros((samples, 2), dtype=np.float32)
    layers = [(layer(_rng(seed, name)), curve) for name, layer in _AMBIENCE.items()
              if (curve := ambience.get(name)) is not None and float(np.max(curve, initial=0.0)) > 0.01]
    block = round(BLOCK_SECONDS * RATE)
    for start in range(0, samples, block):
        stop = min(start + block, samples)
        t = np.arange(start, stop, dtype=np.float64) / RATE
        for layer, curve in layers:
            env = np.interp(t, (np.arange(curve.shape[0]) + 0.5) / control_rate, curve).astype(np.float32)
            out[start:stop] += layer.block(env, t.astype(np.float32)) * np.float32(gains["ambience"])
    birds = ambience.get("birds")
    if birds is not None and float(np.max(birds, initial=0.0)) > 0.01:
        _birds(_rng(seed, "birds"), birds * np.float32(gains["ambience"]), control_rate, out)
    for number, event in enumerate(events):
        rng = _rng(seed, number, event.kind, round(event.time * 1000))
        if event.kind in ("step", "land", "character_step"):
            group = "characters" if event.kind == "character_step" else "steps"
            sound = footstep(event.voice, rng, 1.6 if event.kind == "land" else 1.0)
        elif event.kind == "call":
            group, sound = "characters", call(event.voice, rng)
        elif event.kind == "cut":
            if not transitions:
                continue
            group, sound = "transitions", whoosh(rng)
        else:
            continue
        _place(out, _pan(sound, event.pan, event.gain * gains[group]), event.time)
    if music:
        out += music_bed(duration, seed) * np.float32(gains["music"])
    peak = float(np.max(np.abs(out), initial=0.0))
    if peak > 0.98:  # keep headroom without changing where anything happens
        out *= np.float32(0.98 / peak)
    return AudioTrack(out, RATE, 0.0)
