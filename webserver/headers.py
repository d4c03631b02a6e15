"""The headers that keep served content in its place: every response is taken as the type it says
(``nosniff``) and cannot be framed by another site; a user's file (``/view``, ``/userdata``) is served
sandboxed, as a download unless it is a passive type (an image, video, audio or plain text), so an uploaded
page or SVG never runs as this server's own.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

#: what the editor's own responses allow: being framed by its own pages only
PAGE_POLICY = "frame-ancestors 'self'"
#: a user's file: no scripts, no plugins, no origin of its own (``sandbox``), fetching nothing; an image or
#: a video still shows in the editor's <img> and <video> (a policy binds documents, not what they embed)
FILE_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; " \
              "frame-ancestors 'self'"
#: types a browser only displays; any other is served as a download
PASSIVE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp", "video/", "audio/",
                 "text/plain", "application/json")


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: the headers every response carries (a user's file has its own policy)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)


def user_file(path: Path) -> web.FileResponse:
    """``path``, a file a user made or uploaded, served so it cannot act as the server's own page."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {"Content-Security-Policy": FILE_POLICY}
    if not kind.startswith(PASSIVE_TYPES):
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(path.name)}"
    return web.FileResponse(path, headers=headers)
