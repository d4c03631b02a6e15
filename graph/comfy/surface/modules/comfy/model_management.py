"""ComfyUI's ``comfy.model_management`` for a CPU worker: devices, memory and the interrupt check.

Worldgraph runs ComfyUI-contract nodes on the CPU of the worker; the model loading calls are accepted and do
nothing (weights stay where the node put them).
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Any

from graph.comfy.running import current
from graph.errors import Interrupted
from graph.comfy.surface.placeholders import missing_names


class VRAMState(Enum):
    DISABLED = 0
    NO_VRAM = 1
    LOW_VRAM = 2
    NORMAL_VRAM = 3
    HIGH_VRAM = 4
    SHARED = 5


class CPUState(Enum):
    GPU = 0
    CPU = 1
    MPS = 2


vram_state = VRAMState.DISABLED
cpu_state = CPUState.CPU
XFORMERS_IS_AVAILABLE = False
total_vram = 0.0
total_ram = 0.0

#: ComfyUI's name for the exception an interrupted node raises
InterruptProcessingException = Interrupted


def get_torch_device() -> Any:
    import torch

    return torch.device("cpu")


intermediate_device = unet_offload_device = text_encoder_device = text_encoder_offload_device = get_torch_device
vae_device = vae_offload_device = get_torch_device


def is_device_cpu(device: Any) -> bool:
    return getattr(device, "type", device) == "cpu"


def is_device_mps(device: Any) -> bool:
    return getattr(device, "type", device) == "mps"


def is_device_cuda(device: Any) -> bool:
    return getattr(device, "type", device) == "cuda"


def _memory(field: str) -> int:
    """Bytes of ``field`` (``MemTotal``, ``MemAvailable``) of this machine's memory."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def get_free_memory(device: Any = None, torch_free_too: bool = False) -> Any:
    free = _memory("MemAvailable")
    return (free, free) if torch_free_too else free


def get_total_memory(device: Any = None, torch_total_too: bool = False) -> Any:
    total = _memory("MemTotal")
    return (total, total) if torch_total_too else total


def unet_dtype(*args: Any, **kwargs: Any) -> Any:
    import torch

    return torch.float32


vae_dtype = text_encoder_dtype = unet_dtype


def should_use_fp16(*args: Any, **kwargs: Any) -> bool:
    return False


should_use_bf16 = should_use_fp16


def soft_empty_cache(force: bool = False) -> None:
    """Nothing to free on the CPU."""


def load_models_gpu(models: Any, *args: Any, **kwargs: Any) -> None:
    """Models stay where they are: the worker has no GPU to move them to."""


def load_model_gpu(model: Any) -> None:
    load_models_gpu([model])


def unload_all_models() -> None:
    """Nothing is loaded onto a device."""


def cleanup_models(*args: Any, **kwargs: Any) -> None:
    """Nothing is loaded onto a device."""


def processing_interrupted() -> bool:
    """Whether the run of the node calling this was asked to stop."""
    node = current()
    return node is not None and node.interrupt.requested


def throw_exception_if_processing_interrupted() -> None:
    """Stop the calling node when its run was asked to stop (what ComfyUI's long loops call)."""
    node = current()
    if node is not None:
        node.interrupt.check(node.node_id)


def interrupt_current_processing(value: bool = True) -> None:
    """Ask the calling node's run to stop (``value`` False does not clear it: only the server does)."""
    node = current()
    if node is not None and value:
        node.interrupt.request()

#: ComfyUI's names this module does not provide are placeholders that fail when used (surface/placeholders.py)
__getattr__ = missing_names("comfy.model_management")
