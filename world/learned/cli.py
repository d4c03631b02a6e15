"""``worldgraph train-world-model``: train a learned world model on simulator rollouts.

Registered through the ``worldgraph.commands`` entry point group (see pyproject.toml).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from .checkpoint import MODELS_DIR
from .model import LatentConfig
from .train import TrainSettings, train


def add_command(commands: Any) -> None:
    parser = commands.add_parser("train-world-model",
                                 help="train a learned world model on simulator rollouts (CUDA if any, else CPU)",
                                 description="Generates rollouts with the procedural simulator, trains the frame "
                                             "autoencoder and the latent dynamics, and writes "
                                             "models/world/NAME.safetensors and NAME.json.")
    parser.add_argument("--name", default="tiny", help="checkpoint name (default: tiny)")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help=f"folder (default: {MODELS_DIR})")
    for field in fields(TrainSettings):
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=type(field.default), default=field.default,
                            dest=field.name)
    parser.add_argument("--config", default="{}", help='model config overrides as JSON, e.g. \'{"d_model": 96}\'')
    parser.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    settings = TrainSettings(**{field.name: getattr(args, field.name) for field in fields(TrainSettings)})
    config = LatentConfig.from_dict({**LatentConfig().to_dict(), **json.loads(args.config)})
    path = args.out / f"{args.name}.safetensors"
    result = train(settings, config, path)
    final = {name: round(sum(values[-50:]) / len(values[-50:]), 5) for name, values in result.losses.items() if values}
    print(json.dumps({"checkpoint": str(path), "seconds": round(result.seconds, 1), "final_losses": final}))
    return 0
