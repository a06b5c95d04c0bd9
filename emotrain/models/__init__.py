"""The plugin's five networks; importing this package does not import torch."""

from emotrain.models.catalog import MODEL_NAMES, SPECS, get_spec, resolve_models
from emotrain.models.spec import ModelSpec

__all__ = ["MODEL_NAMES", "SPECS", "ModelSpec", "get_spec", "resolve_models"]
