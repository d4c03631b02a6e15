"""graph.cluster.connect's refusals: an address nobody answers at fails in seconds with what to check."""

from __future__ import annotations

import socket

import pytest

from graph.cluster import ClusterUnavailable
from graph.cluster.connect import _check_reachable


def test_an_unreachable_address_is_a_clear_error():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ClusterUnavailable, match="no Ray cluster answers"):
        _check_reachable(f"127.0.0.1:{port}")


def test_an_address_that_is_not_one_is_named():
    with pytest.raises(ClusterUnavailable, match="is not 'local', 'auto' or HOST:PORT"):
        _check_reachable("my-cluster")
