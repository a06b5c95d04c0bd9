"""The export check: run the JSON text through the reference interpreter and compare with PyTorch.

RTNeural loads wrong layouts without complaint (an untransposed square kernel, one of the two LSTM
biases, GRU gates in PyTorch's order, a flipped convolution kernel), and the plugin falls back to
heuristics on any failure, so only numbers tell a right file from a wrong one. This runs the exact
bytes that will be written, one frame per call as the plugin does, against PyTorch run over the
whole sequence from a zero state, in float32 (the plugin's precision) and float64 (where any error
above rounding is a layout mistake), and fails when the largest absolute difference exceeds the
tolerance.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from emotrain.errors import ExportError
from emotrain.export.layouts import LayerList
from emotrain.export.reference import ReferenceModel, load_document

DEFAULT_STEPS = 64


def _apply(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """One module over a (1, T, F) sequence, the way RTNeural streams it."""
    if isinstance(module, (nn.LSTM, nn.GRU)):
        if module.batch_first:
            return module(x)[0]
        return module(x.transpose(0, 1))[0].transpose(0, 1)
    if isinstance(module, nn.Conv1d):  # causal: left-pad (K-1)*dilation frames of zeros
        pad = (module.kernel_size[0] - 1) * module.dilation[0]
        return module(F.pad(x.transpose(1, 2), (pad, 0))).transpose(1, 2)
    if isinstance(module, nn.BatchNorm1d):  # over features, not over time
        return module(x.transpose(1, 2)).transpose(1, 2)
    if isinstance(module, nn.PReLU):  # PReLU's channel axis is dim 1: give it (T, F)
        return module(x.reshape(-1, x.shape[-1])).reshape(x.shape)
    return module(x)


_ACT: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "": lambda x: x,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "elu": F.elu,
}


def forward_layers(layers: LayerList, x: torch.Tensor) -> torch.Tensor:
    """PyTorch over an export-order layer list: each module, then its activation."""
    for module, act in layers:
        x = _ACT[act](_apply(module, x))
    return x


class TorchReference:
    """What PyTorch computes for a (T, F) sequence from a zero state, in float32 or float64.

    Works on private eval-mode copies, so the caller's model keeps its device, dtype and mode.
    """

    def __init__(self, model: nn.Module | None = None, layers: LayerList | None = None):
        if (model is None) == (layers is None):
            raise ValueError("give exactly one of model or layers")
        self._model = model
        self._layers = list(layers) if layers is not None else None
        self._copies: dict[torch.dtype, Any] = {}

    def _copy(self, dtype: torch.dtype) -> Callable[[torch.Tensor], torch.Tensor]:
        if dtype not in self._copies:
            if self._model is not None:
                model = copy.deepcopy(self._model).to("cpu", dtype).eval()
                self._copies[dtype] = model
            else:
                modules = copy.deepcopy([m for m, _ in self._layers])
                pairs = [
                    (m.to("cpu", dtype).eval(), a)
                    for m, (_, a) in zip(modules, self._layers, strict=True)
                ]
                self._copies[dtype] = lambda x, pairs=pairs: forward_layers(pairs, x)
        return self._copies[dtype]

    def __call__(self, sequence: np.ndarray, dtype: Any = np.float32) -> np.ndarray:
        tdtype = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
        x = torch.as_tensor(np.asarray(sequence), dtype=tdtype).unsqueeze(0)
        # One short sequence is too little work to share between threads: with several, each LSTM
        # step waits for all of them, which costs ~100x on a busy machine. PyTorch computes the
        # same function either way.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.no_grad():
                out = self._copy(tdtype)(x)
        finally:
            torch.set_num_threads(threads)
        if isinstance(out, (tuple, list)):
            out = out[0]
        return out.squeeze(0).detach().cpu().numpy().astype(np.dtype(dtype), copy=False)


@dataclass(frozen=True)
class Verification:
    max_abs_error: float  # float32 interpreter vs PyTorch in float32
    max_abs_error_float64: float  # float64 interpreter vs PyTorch in float64
    tolerance: float
    steps: int
    seed: int
    worst: str  # where the largest float32 error is

    @property
    def passed(self) -> bool:
        return self.max_abs_error <= self.tolerance and self.max_abs_error_float64 <= self.tolerance

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_abs_error_float32": self.max_abs_error,
            "max_abs_error_float64": self.max_abs_error_float64,
            "tolerance": self.tolerance,
            "random_steps": self.steps,
            "seed": self.seed,
        }


def _error(got: np.ndarray, want: np.ndarray, what: str) -> tuple[float, str]:
    if got.shape != want.shape:
        raise ExportError(
            f"{what}: the file gives {got.shape[-1]} outputs per frame, PyTorch {want.shape[-1]}"
        )
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if not np.isfinite(diff).all():
        t, j = np.argwhere(~np.isfinite(diff))[0]
        return float("inf"), f"{what}, step {t}, output {j} (non-finite)"
    if diff.size == 0:
        return 0.0, what
    t, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return float(diff[t, j]), f"{what}, step {t}, output {j}"


def stored_test_vectors(doc: dict) -> tuple[np.ndarray, np.ndarray] | None:
    block = doc.get("emotrain")
    vectors = block.get("test_vectors") if isinstance(block, dict) else None
    if not isinstance(vectors, dict):
        return None
    try:
        return np.asarray(vectors["inputs"], np.float32), np.asarray(vectors["outputs"], np.float32)
    except (KeyError, ValueError, TypeError) as exc:
        raise ExportError(
            "emotrain.test_vectors: needs rectangular 'inputs' and 'outputs'"
        ) from exc


def measure(
    text: str | bytes | dict,
    reference: Callable[[np.ndarray, Any], np.ndarray],
    *,
    tolerance: float = 1e-5,
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
) -> Verification:
    """Largest errors of the file against PyTorch on a seeded random sequence and the test vectors.

    Raises ExportError when the file is malformed (it would not load, or would load differently).
    """
    doc = load_document(text)
    m32, m64 = ReferenceModel(doc, np.float32), ReferenceModel(doc, np.float64)
    if m32.dropped:
        raise ExportError(f"RTNeural would silently drop {', '.join(m32.dropped)}")
    rng = np.random.default_rng(seed)
    sequence = rng.standard_normal((steps, m32.in_size)).astype(np.float32)
    cases = [("random sequence", sequence)]
    vectors = stored_test_vectors(doc)
    if vectors is not None:
        cases.append(("test vectors", vectors[0]))
    err32, err64, worst = 0.0, 0.0, ""
    for what, seq in cases:  # run() resets first: the second case also checks reset()
        e32, where = _error(m32.run(seq), reference(seq, np.float32), what)
        e64, _ = _error(m64.run(seq.astype(np.float64)), reference(seq, np.float64), what)
        if e32 > err32 or not worst:
            err32, worst = e32, where
        err64 = max(err64, e64)
    if vectors is not None:  # the stored outputs must be what PyTorch gives, for the plugin's test
        e, where = _error(vectors[1], reference(vectors[0], np.float32), "stored test outputs")
        if e > err32:
            err32, worst = e, where
    return Verification(err32, err64, float(tolerance), steps, seed, worst)


def verify_export(
    text: str | bytes | dict,
    reference: Callable[[np.ndarray, Any], np.ndarray],
    *,
    tolerance: float = 1e-5,
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
    name: str = "export",
) -> Verification:
    """`measure()`, raising ExportError when either error exceeds the tolerance."""
    result = measure(text, reference, tolerance=tolerance, seed=seed, steps=steps)
    if not result.passed:
        raise ExportError(
            f"{name}: the RTNeural file does not compute what PyTorch computes: max abs error "
            f"{result.max_abs_error:.3g} (float32) / {result.max_abs_error_float64:.3g} (float64) "
            f"at {result.worst}, tolerance {tolerance:g}; nothing was written"
        )
    return result
