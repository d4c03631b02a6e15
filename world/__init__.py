"""Worldgraph's world layer: world specs, the procedural world model, timelines and their edits.

Knows nothing about graphs or media.
"""
