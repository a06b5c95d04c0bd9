"""Turn `--device` into a torch device, refusing clearly when the asked-for one is absent."""

from __future__ import annotations

from emotrain.errors import ConfigError


def resolve_device(name: str):
    import torch

    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if has_mps else torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(
                "--device cuda: no CUDA GPU is available here; use --device cpu or auto"
            )
        return torch.device("cuda")
    if name == "mps":
        if not has_mps:
            raise ConfigError(
                "--device mps: Apple MPS is not available here; use --device cpu or auto"
            )
        return torch.device("mps")
    raise ConfigError(f"--device: {name!r} is not one of auto, cpu, cuda, mps")
