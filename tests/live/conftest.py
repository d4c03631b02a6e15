"""Live tests play small procedural timelines; the world tests' shared worlds are reused."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "world"))
