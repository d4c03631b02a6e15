"""Turn node output values into named arrays plus a JSON tree, and back, for the disk tier.

Built in: None, booleans, numbers, text, bytes, NumPy arrays and scalars, torch tensors, and lists,
tuples and string-keyed dicts of those. Packs register codecs for their own value classes: a codec
reduces a value to something already encodable (say a dict of arrays) and rebuilds it from that.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


class NotEncodable(Exception):
    """The value (or part of it) has no codec; it can live in memory only."""


@dataclass(frozen=True)
class Codec:
    name: str
    value_class: type
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _torch() -> Any:
    """torch if something already imported it: the graph layer never imports torch itself."""
    return sys.modules.get("torch")


class CodecRegistry:
    def __init__(self) -> None:
        self._by_class: dict[type, Codec] = {}
        self._by_name: dict[str, Codec] = {}

    def register(self, value_class: type, name: str, encode: Callable[[Any], Any],
                 decode: Callable[[Any], Any]) -> None:
        if name in self._by_name:
            raise ValueError(f"a codec named {name!r} is already registered")
        codec = Codec(name, value_class, encode, decode)
        self._by_class[value_class] = codec
        self._by_name[name] = codec

    def encode(self, value: Any) -> tuple[dict[str, np.ndarray], Any]:
        """``value`` -> (arrays by name, JSON tree that refers to them)."""
        arrays: dict[str, np.ndarray] = {}
        tree = self._encode(value, arrays)
        return arrays, tree

    def decode(self, arrays: dict[str, np.ndarray], tree: Any) -> Any:
        return self._decode(tree, arrays)

    def _encode(self, value: Any, arrays: dict[str, np.ndarray]) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return {"j": value}
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return {"j": value}
        if isinstance(value, np.ndarray):
            return {"a": self._add(arrays, value), **({"0d": True} if value.ndim == 0 else {})}
        if isinstance(value, np.generic):
            return {"a": self._add(arrays, np.asarray(value)), "scalar": True}
        if isinstance(value, (bytes, bytearray)):
            return {"a": self._add(arrays, np.frombuffer(bytes(value), dtype=np.uint8)), "bytes": True}
        torch = _torch()
        if torch is not None and isinstance(value, torch.Tensor):
            try:
                host = value.detach().cpu().numpy()
            except TypeError as error:  # e.g. bfloat16 has no NumPy dtype
                raise NotEncodable(f"tensor of dtype {value.dtype}: {error}") from None
            return {"a": self._add(arrays, host), "torch": True}
        if isinstance(value, list):
            return {"l": [self._encode(item, arrays) for item in value]}
        if isinstance(value, tuple) and type(value) is tuple:
            return {"t": [self._encode(item, arrays) for item in value]}
        if isinstance(value, dict) and type(value) is dict:
            if not all(isinstance(key, str) for key in value):
                raise NotEncodable("dict with non-string keys")
            return {"d": {key: self._encode(item, arrays) for key, item in value.items()}}
        codec = self._by_class.get(type(value))
        if codec is None:
            raise NotEncodable(f"no codec for {type(value).__module__}.{type(value).__qualname__}")
        return {"c": codec.name, "v": self._encode(codec.encode(value), arrays)}

    @staticmethod
    def _add(arrays: dict[str, np.ndarray], array: np.ndarray) -> str:
        if array.dtype == object:
            raise NotEncodable("object arrays cannot be stored")
        name = str(len(arrays))
        # ascontiguousarray gives at least one dimension; 0-d values are flagged in the tree.
        arrays[name] = np.ascontiguousarray(array.reshape(1) if array.ndim == 0 else array)
        return name

    def _decode(self, tree: Any, arrays: dict[str, np.ndarray]) -> Any:
        if "j" in tree:
            return tree["j"]
        if "a" in tree:
            array = arrays[tree["a"]]
            if tree.get("scalar"):
                return array.reshape(())[()]
            if tree.get("0d"):
                return array.reshape(())
            if tree.get("bytes"):
                return array.tobytes()
            if tree.get("torch"):
                torch = _torch()
                if torch is None:
                    import torch  # only when a cached tensor is read back
                return torch.from_numpy(array)
            return array
        if "l" in tree:
            return [self._decode(item, arrays) for item in tree["l"]]
        if "t" in tree:
            return tuple(self._decode(item, arrays) for item in tree["t"])
        if "d" in tree:
            return {key: self._decode(item, arrays) for key, item in tree["d"].items()}
        codec = self._by_name.get(tree.get("c", ""))
        if codec is None:
            raise NotEncodable(f"no codec named {tree.get('c')!r} is registered")
        return codec.decode(self._decode(tree["v"], arrays))
