"""IMAGE values crossing into a ComfyUI-style node and back: the built-in nodes' boundary converter
(uint8 frames to float tensors) applied by the executor where the comfy_contract test pack meets our nodes;
between two ComfyUI-style nodes an IMAGE stays a float tensor."""

from __future__ import annotations

from pathlib import Path

import torch

import graph
from graph import Workflow
from graph.packs import LOADED, PackOptions, load_packs

PACKS = Path(__file__).resolve().parent / "packs"


def test_images_cross_as_float_tensors_and_come_back_as_uint8(registry: graph.NodeRegistry,
                                                               executor: graph.Executor) -> None:
    [report] = load_packs(registry, PackOptions((PACKS,)))
    assert report.status == LOADED, report.to_dict()
    workflow = Workflow()
    workflow.add_node("EmptyImage", {"width": 4, "height": 2, "red": 255, "green": 10, "blue": 128}, node_id="1")
    for node_id, class_type in (("2", "ComfyInvert"), ("3", "ComfyImageStats"), ("4", "PreviewValue")):
        workflow.add_node(class_type, {}, node_id=node_id)
    for link in [("1", "image", "2", "image"), ("2", "inverted", "3", "images"), ("2", "inverted", "4", "value")]:
        workflow.connect(*link)

    result = executor.run(workflow)

    inverted = result.output("2", "inverted")  # the ComfyUI node's own value: a float tensor, not 8 bits
    assert isinstance(inverted, torch.Tensor) and inverted.dtype == torch.float32 and inverted.shape == (1, 2, 4, 3)
    assert torch.equal(inverted[0, 0, 0], 1 - torch.tensor([255, 10, 128]) / 255.0)
    assert result.ui["3"]["text"] == ["Tensor [1, 2, 4, 3] mean=0.486"]  # took the tensor as it was
    shown = result.ui["4"]["text"][0]  # PreviewValue, one of ours, got uint8 frames quantised as ComfyUI saves them
    assert "uint8" in shown and "[1, 2, 4, 3]" in shown, shown
