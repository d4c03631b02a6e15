"""Worldgraph's media layer: frames, images, video and audio. Knows nothing about graphs or worlds."""
