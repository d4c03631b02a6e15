"""The parts of Worldgraph's server; ``server.py`` beside this package assembles them into the app.

``config`` (what the server is told), ``keys`` (the shared objects on the app), ``security`` (middlewares and
request limits), ``protocol`` (ComfyUI's wire shapes and the WebSocket message schema), ``worker`` (the job
worker and the WebSocket hub), ``routing`` (the route type and its mounting) and ``routes/`` (handlers by concern).
"""
