"""The route table: every module's routes in one list, mounted at ``/`` and ``/api/`` and described by
``/openapi.json``. Each module holds the handlers of one concern and exports its ``ROUTES``.
"""

from __future__ import annotations

from webserver.routes import files, live, models, prompts, settings, system, userdata, websocket

ROUTES = [*prompts.ROUTES, *files.ROUTES, *userdata.ROUTES, *settings.ROUTES, *models.ROUTES, *system.ROUTES,
          *websocket.ROUTES, *live.ROUTES]
#: mounted beside ROUTES, not documented (patterns OpenAPI cannot express)
UNDOCUMENTED = [system.NESTED_EXTENSION_FILES]
