"""Placeholders for the parts of ComfyUI Worldgraph does not provide (its diffusion models and their loaders:
``comfy.sd``, ``comfy.ops``, ``comfy.controlnet``, ``comfy.ldm.*``, ``comfy_extras.*``, ``execution``, the V3
``comfy_api.latest``...).

Many packs import them at the top of a file whose other nodes need no model. A finder placed after every real
one answers such imports with a placeholder module: any name in it is a placeholder class, which can be named,
subclassed and reached into at import time, and raises ``ComfyUnavailable`` (naming what is missing) when it is
called. So the pack loads; a node that needs a model fails when it runs, with a message that says why.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

#: the top-level names whose missing modules are answered with placeholders
PLACEHOLDER_ROOTS = frozenset({"comfy", "comfy_extras", "comfy_api", "comfy_execution", "comfy_api_nodes",
                               "execution", "comfyui_version", "cuda_malloc"})


class ComfyUnavailable(NotImplementedError):
    """A pack used a part of ComfyUI that Worldgraph does not provide."""


class _PlaceholderType(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return placeholder_class(f"{cls.__module__}.{cls.__qualname__}.{name}")

    def __iter__(cls) -> Any:  # a list of ComfyUI's (say, of model types) a pack spreads into its own: empty
        return iter(())


def placeholder_class(qualified: str) -> type:
    """A class standing for ComfyUI's ``qualified`` (``comfy.sd.load_checkpoint_guess_config``)."""
    module, name = qualified.rsplit(".", 1)

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise ComfyUnavailable(f"ComfyUI's {qualified} is not provided by Worldgraph; "
                               f"see 'ComfyUI's modules' in docs/custom-nodes.md")

    return _PlaceholderType(name, (), {"__init__": refuse, "__module__": module})


class PlaceholderModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = placeholder_class(f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class _Loader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = PlaceholderModule(spec.name, "a placeholder: Worldgraph does not provide this part of ComfyUI")
        module.__path__ = []  # a package: its submodules are placeholders too
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name.split(".", 1)[0] not in PLACEHOLDER_ROOTS:
            return None
        return importlib.machinery.ModuleSpec(name, _Loader(), is_package=True)


_FINDER = _Finder()


def missing_names(module: str) -> Any:
    """A module ``__getattr__`` for Worldgraph's partial ComfyUI modules: names it lacks are placeholders."""

    def lookup(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return placeholder_class(f"{module}.{name}")

    return lookup


def install() -> None:
    """Answer imports of ComfyUI's missing modules with placeholders (after every real finder)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)
