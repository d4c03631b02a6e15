"""World backends by name: the one public call that the built-in backends and packs register through.

``register_backend(backend)`` adds a backend (``world.contract.WorldBackend``); nodes find the backend
of a WORLD value with ``backend_for(world)``. The built-in procedural simulator and learned model are
registered by the built-in nodes' entry point, exactly as a pack registers its own.
"""

from __future__ import annotations

from .contract import WorldBackend, WorldHandle


class UnknownBackend(LookupError):
    """A WORLD value names a backend nobody registered (a pack that did not load, say)."""


class BackendRegistry:
    """Backends by name. Registering a name again replaces it only with a backend of the same class
    (by module and name: a pack loaded twice is imported afresh); another class under a taken name is
    refused."""

    def __init__(self) -> None:
        self._backends: dict[str, WorldBackend] = {}

    def register(self, backend: WorldBackend) -> None:
        taken = self._backends.get(backend.name)
        if taken is not None and _class_name(taken) != _class_name(backend):
            raise ValueError(f"world backend name {backend.name!r} is taken by {type(taken).__qualname__}")
        self._backends[backend.name] = backend

    def get(self, name: str) -> WorldBackend:
        try:
            return self._backends[name]
        except KeyError:
            known = ", ".join(sorted(self._backends)) or "none"
            raise UnknownBackend(f"no world backend named {name!r} (registered: {known}); is its pack "
                                 f"installed and loaded?") from None

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._backends))


#: The process's backends (a world backend is process-wide, like an installed codec).
BACKENDS = BackendRegistry()


def register_backend(backend: WorldBackend) -> None:
    BACKENDS.register(backend)


def backend_for(world: WorldHandle) -> WorldBackend:
    return BACKENDS.get(world.backend)


def _class_name(backend: WorldBackend) -> tuple[str, str]:
    return type(backend).__module__, type(backend).__qualname__
