"""The typed keys of the objects every handler shares, stored on the app (no globals)."""

from __future__ import annotations

from aiohttp import web

from graph import Executor
from graph.jobs import JobStore
from graph.packs import PackReports
from graph.workers import PromptChecker
from webserver.config import Config
from webserver.live import LiveHost
from webserver.routing import Route
from webserver.worker import Hub, Worker

CONFIG = web.AppKey("config", Config)
EXECUTOR = web.AppKey("executor", Executor)
JOBS = web.AppKey("jobs", JobStore)
HUB = web.AppKey("hub", Hub)
WORKER = web.AppKey("worker", Worker)
PACKS = web.AppKey("packs", PackReports)
VALIDATOR = web.AppKey("validator", PromptChecker)
LIVE = web.AppKey("live", LiveHost)
#: the documented route table, as mounted (``/openapi.json`` describes it)
ROUTE_TABLE = web.AppKey("route_table", list[Route])
