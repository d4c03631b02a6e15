"""The parts of Worldgraph's server; ``server.py`` beside this package assembles them into the app.

``config`` (what the server is told), ``keys`` (the shared objects on the app), ``security`` (middlewares and
request limits), ``protocol`` (ComfyUI's wire shapes, the WebSocket message schema, the JSON text of answers),
``worker`` (the job worker and the WebSocket hub), ``routing`` (the route type and its mounting), ``routes/``
(handlers by concern), ``headers`` (what every response carries; a user's files sandboxed), ``edge`` (request
timeouts and the connection cap, and the runner that serves the app with them) and ``logs`` (access log, accept
errors).
"""
