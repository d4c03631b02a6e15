"""Connecting to a Ray cluster: ``local`` starts one on this machine, bound to 127.0.0.1 and with no dashboard
(so no job-submission API); ``auto`` or an address joins a running one. Errors say what to do."""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any

from .gpus import release_gpu_workers
from .rayload import ClusterUnavailable, ray_module

#: the Ray namespace the head's actors live in
NAMESPACE = "worldgraph"
LOCALHOST = "127.0.0.1"
_REACH_SECONDS = 5.0


def connect(address: str, num_cpus: int | None = None, dashboard: bool = False, num_gpus: int | None = None) -> Any:
    """Join (or, for ``local``, start) the cluster at ``address``; connecting twice is harmless. Returns ``ray``.

    ``local``: a cluster of this machine only, every port on 127.0.0.1, ``num_cpus`` CPUs and ``num_gpus`` GPUs
    (default: what Ray finds; a number is taken as given, which is how tests declare GPUs they lack), no
    dashboard unless ``dashboard``. ``auto``: the cluster ``ray start`` began on this machine. ``HOST:PORT``:
    the head's GCS address (checked for reachability first, so a typo fails in seconds, not after Ray's retries).
    """
    ray = ray_module()
    if ray.is_initialized():
        return ray
    from .serial import register_serializers

    env = {"env_vars": {"PYTHONPATH": os.pathsep.join(_import_roots())}}
    try:
        if address == "local":
            ray.init(num_cpus=num_cpus, num_gpus=num_gpus, include_dashboard=dashboard, dashboard_host=LOCALHOST,
                     _node_ip_address=LOCALHOST, namespace=NAMESPACE, runtime_env=env, configure_logging=False,
                     log_to_driver=True)
        else:
            if address != "auto" and not address.startswith("ray://"):
                _check_reachable(address)
            ray.init(address=address, namespace=NAMESPACE, runtime_env=env, configure_logging=False)
    except ClusterUnavailable:
        raise
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ClusterUnavailable(f"cannot join the Ray cluster at {address!r}: {error}") from None
    register_serializers(ray)
    return ray


def disconnect() -> None:
    """Leave the cluster (a ``local`` one stops), ending its GPU workers first."""
    with contextlib.suppress(ClusterUnavailable):
        ray = ray_module()
        if ray.is_initialized():
            release_gpu_workers()
            ray.shutdown()


def _check_reachable(address: str) -> None:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterUnavailable(f"cluster address {address!r} is not 'local', 'auto' or HOST:PORT (e.g. "
                                 "10.0.0.5:6379, the address `ray start --head` printed)")
    try:
        with socket.create_connection((host, int(port)), timeout=_REACH_SECONDS):
            pass
    except OSError as error:
        raise ClusterUnavailable(f"no Ray cluster answers at {address}: {error} (is `ray start --head` running "
                                 "there, and the port open to this machine?)") from None


def _import_roots() -> list[str]:
    """Where workers import from: this process's PYTHONPATH, then the checkout this package is in, so workers run
    the same graph, nodes and packs as the head (an installed copy elsewhere would otherwise win)."""
    roots = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return list(dict.fromkeys([*roots, here]))
