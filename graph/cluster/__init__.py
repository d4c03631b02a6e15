"""Running on a Ray cluster: connecting safely (``connect``), jobs on cluster workers (``RaySite``, the same
``JobSite`` role as ``ProcessSite``), and a node's independent pieces as Ray tasks (``RayMap``, the ``parallel``
context item). Ray is imported only here, and only when a cluster is asked for (``docs/cluster.md``).
"""

from .connect import ClusterUnavailable, connect, disconnect
from .recipe import ExecutorRecipe
from .sessions import ClusterProcess, NoFreeWorker
from .site import RaySite
from .tasks import RayMap

__all__ = ["ClusterProcess", "ClusterUnavailable", "ExecutorRecipe", "NoFreeWorker", "RayMap", "RaySite", "connect",
           "disconnect"]
