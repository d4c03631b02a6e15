"""Checkpoints: ``<name>.safetensors`` (weights) beside ``<name>.json`` (config and training notes).

Weights are read with safetensors only; nothing is ever unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from .model import LatentConfig, WorldModel

FORMAT = "worldgraph-latent-1"
#: The shipped checkpoints (and where ``worldgraph train-world-model`` writes by default).
MODELS_DIR = Path(__file__).resolve().parents[2] / "models" / "world"


class CheckpointError(ValueError):
    """A checkpoint is missing, incomplete or of another format; the message names the file."""


def save(model: WorldModel, path: Path, notes: dict[str, Any]) -> None:
    """Write ``path`` (``.safetensors``) and its ``.json`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    temporary = path.with_suffix(".safetensors.tmp")
    save_file(tensors, str(temporary), metadata={"format": FORMAT})
    os.replace(temporary, path)
    document = {"format": FORMAT, "name": path.stem, "config": model.config.to_dict(), "training": notes}
    config_path = path.with_suffix(".json")
    config_path.with_suffix(".json.tmp").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(config_path.with_suffix(".json.tmp"), config_path)


def read_config(path: Path) -> LatentConfig:
    """The config of the checkpoint at ``path`` (``.safetensors``), read from the ``.json`` beside it."""
    config_path = path.with_suffix(".json")
    if not path.is_file() or not config_path.is_file():
        raise CheckpointError(f"checkpoint {path} needs {path.name} and {config_path.name} side by side "
                              f"(train one with: worldgraph train-world-model --name {path.stem})")
    document = json.loads(config_path.read_text(encoding="utf-8"))
    if document.get("format") != FORMAT:
        raise CheckpointError(f"{config_path}: format {document.get('format')!r} is not {FORMAT!r}")
    return LatentConfig.from_dict(document["config"])


def notes(path: Path) -> dict[str, Any]:
    """The training notes stored with the checkpoint at ``path``."""
    document = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return dict(document.get("training", {}))


def load(path: Path, device: torch.device | None = None) -> WorldModel:
    """The model in ``path`` (``.safetensors``, with its ``.json`` beside it), in eval mode."""
    model = WorldModel(read_config(path))
    missing, unexpected = model.load_state_dict(load_file(str(path)), strict=False)
    if missing or unexpected:
        raise CheckpointError(f"{path}: weights do not fit the config (missing {missing[:3]}, unexpected "
                              f"{unexpected[:3]})")
    return model.to(device or torch.device("cpu")).eval()


def digest(path: Path) -> str:
    """sha256 of the weights file: what identifies a checkpoint in cache keys."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def available(folder: Path = MODELS_DIR) -> list[str]:
    """Checkpoint names in ``folder`` (those with both files)."""
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.safetensors") if p.with_suffix(".json").is_file())
