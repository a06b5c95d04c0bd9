"""The export check: run the JSON text through the reference interpreter and compare with PyTorch.

RTNeural loads wrong layouts without complaint (an untransposed square kernel, one of the two LSTM
biases, GRU gates in PyTorch's order, a flipped convolution kernel), and the plugin falls back to
heuristics on any failure, so only numbers tell a right file from a wrong one. This runs the exact
bytes that will be written, one frame per call as the plugin does, against PyTorch run over the
whole sequence from a zero state, in float32 (the plugin's precision) and float64 (where any error
above rounding is a layout mistake). The rule (docs/export.md): the float64 error must be within
LAYOUT_RTOL of the output scale, and the float32 error within the larger of `tolerance` x the output
scale and ROUNDING_FACTOR x PyTorch's own float32-vs-float64 error on the same inputs.
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
from emotrain.models.network import ACTIVATIONS
from emotrain.plugin.reference import ReferenceModel, load_document
from emotrain.tolerance import DEFAULT_TOLERANCE

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


def forward_layers(layers: LayerList, x: torch.Tensor) -> torch.Tensor:
    """PyTorch over an export-order layer list: each module, then its activation."""
    for module, act in layers:
        x = ACTIVATIONS[act](_apply(module, x))
    return x


def _as_written(module: nn.Module) -> None:
    """Make a copy hold exactly the numbers the file holds, before it runs in float64: RTNeural has
    one LSTM bias, written as the float32 sum of PyTorch's two, which differs from the pair by
    float32 rounding (~1e-8 of the output), not by a layout mistake."""
    for m in module.modules():
        if isinstance(m, nn.LSTM) and m.bias and m.num_layers == 1:
            with torch.no_grad():
                summed = m.bias_ih_l0.double() + m.bias_hh_l0.double()
                m.bias_ih_l0.copy_(summed.to(torch.float32).to(m.bias_ih_l0.dtype))
                m.bias_hh_l0.zero_()


class TorchReference:
    """What PyTorch computes for a (T, F) sequence from a zero state, in float32 or float64.

    Works on private eval-mode copies, so the caller's model keeps its device, dtype and mode. The
    float64 copy runs the numbers as the file stores them (see `_as_written`), so float64
    agreement measures the layout alone.
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
                model = copy.deepcopy(self._model)
                if dtype == torch.float64:
                    _as_written(model)
                self._copies[dtype] = model.to("cpu", dtype).eval()
            else:
                modules = copy.deepcopy([m for m, _ in self._layers])
                if dtype == torch.float64:
                    for m in modules:
                        _as_written(m)
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


#: A correct layout agrees in float64 to ~1e-12 of the output scale; a wrong one errs by 1e-2..1.
LAYOUT_RTOL = 1e-9
#: The file's float32 error may be this many times PyTorch's own float32-vs-float64 error: two
#: float32 programs summing in different orders (and the folded first layer, which adds W'x and b'
#: of opposite sign on raw dB) differ by a small multiple of either one's rounding.
ROUNDING_FACTOR = 100.0
#: ...but never more than this fraction of the output scale, whatever PyTorch's own rounding.
FLOAT32_CAP = 1e-3


@dataclass(frozen=True)
class Verification:
    max_abs_error: float  # float32 interpreter vs PyTorch in float32
    max_abs_error_float64: float  # float64 interpreter vs PyTorch in float64 (decides the layout)
    tolerance: float  # accepted float32 error, relative to the output scale
    steps: int
    seed: int
    worst: str  # where the largest float32 error is
    torch_float32_error: float = 0.0  # PyTorch float32 vs PyTorch float64 on the same inputs
    output_scale: float = 1.0  # max(1, largest |output|): what "relative" is relative to
    input_scale: str = "N(0, 1)"  # how the random sequence was drawn

    @property
    def layout_bound(self) -> float:
        return LAYOUT_RTOL * self.output_scale

    @property
    def float32_bound(self) -> float:
        allowed = max(
            self.tolerance, ROUNDING_FACTOR * self.torch_float32_error / self.output_scale
        )
        return min(allowed, max(FLOAT32_CAP, self.tolerance)) * self.output_scale

    @property
    def layout_ok(self) -> bool:
        return self.max_abs_error_float64 <= self.layout_bound

    @property
    def passed(self) -> bool:
        return self.layout_ok and self.max_abs_error <= self.float32_bound

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_abs_error_float32": self.max_abs_error,
            "max_abs_error_float64": self.max_abs_error_float64,
            "torch_float32_error": self.torch_float32_error,
            "output_scale": self.output_scale,
            "float32_bound": self.float32_bound,
            "float64_bound": self.layout_bound,
            "tolerance": self.tolerance,
            "random_steps": self.steps,
            "random_inputs": self.input_scale,
            "seed": self.seed,
        }

    def failure(self) -> str:
        if not self.layout_ok:
            return (
                f"float64 error {self.max_abs_error_float64:.3g} > {self.layout_bound:.3g} "
                f"({LAYOUT_RTOL:g} of the output scale {self.output_scale:.3g}): a layout mistake, "
                "not rounding"
            )
        return (
            f"float32 error {self.max_abs_error:.3g} at {self.worst} > {self.float32_bound:.3g} "
            f"(the larger of tolerance {self.tolerance:g} x output scale {self.output_scale:.3g} "
            f"and {ROUNDING_FACTOR:g} x PyTorch's own float32 error "
            f"{self.torch_float32_error:.3g}, at most {max(FLOAT32_CAP, self.tolerance):g} x the "
            "scale)"
        )


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


InputStats = tuple[np.ndarray, np.ndarray] | None


def random_sequence(seed: int, steps: int, size: int, stats: InputStats = None) -> np.ndarray:
    """Seeded frames on the model's real input scale: mean + std * N(0, 1) per feature from the
    recorded training statistics (dB-scale frames for a log-mel model), else N(0, 1)."""
    z = np.random.default_rng(seed).standard_normal((steps, size))
    if stats is not None:
        mean, std = (np.asarray(a, np.float64).reshape(-1) for a in stats)
        z = mean + std * z
    return z.astype(np.float32)


def measure(
    text: str | bytes | dict,
    reference: Callable[[np.ndarray, Any], np.ndarray],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
    input_stats: InputStats = None,
    layout_reference: Callable[[np.ndarray, Any], np.ndarray] | None = None,
) -> Verification:
    """Errors of the file against PyTorch on a seeded random sequence and the test vectors.

    `reference` is the model as Python users run it (raw inputs in); `layout_reference`, when the
    file holds transformed weights (a folded input standardization), is PyTorch over exactly those
    float32 weights, so that float64 agreement measures the layout alone. Raises ExportError when
    the file is malformed (it would not load, or would load differently).
    """
    doc = load_document(text)
    m32, m64 = ReferenceModel(doc, np.float32), ReferenceModel(doc, np.float64)
    if m32.dropped:
        raise ExportError(f"RTNeural would silently drop {', '.join(m32.dropped)}")
    layout_reference = layout_reference or reference
    sequence = random_sequence(seed, steps, m32.in_size, input_stats)
    cases = [("random sequence", sequence)]
    vectors = stored_test_vectors(doc)
    if vectors is not None:
        cases.append(("test vectors", vectors[0]))
    err32, err64, gap, scale, worst = 0.0, 0.0, 0.0, 1.0, ""
    for what, seq in cases:  # run() resets first: the second case also checks reset()
        want32, want64 = reference(seq, np.float32), reference(seq, np.float64)
        e32, where = _error(m32.run(seq), want32, what)
        e64, _ = _error(m64.run(seq.astype(np.float64)), layout_reference(seq, np.float64), what)
        g, _ = _error(want32, want64, what)
        if e32 > err32 or not worst:
            err32, worst = e32, where
        err64, gap = max(err64, e64), max(gap, g)
        if want64.size and np.isfinite(want64).all():
            scale = max(scale, float(np.abs(want64).max()))
    if vectors is not None:  # the stored outputs must be what PyTorch gives, for the plugin's test
        e, where = _error(vectors[1], reference(vectors[0], np.float32), "stored test outputs")
        if e > err32:
            err32, worst = e, where
    drawn = "N(0, 1)" if input_stats is None else "training mean + std x N(0, 1) per feature"
    return Verification(err32, err64, float(tolerance), steps, seed, worst, gap, scale, drawn)


def verify_export(
    text: str | bytes | dict,
    reference: Callable[[np.ndarray, Any], np.ndarray],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
    name: str = "export",
    input_stats: InputStats = None,
    layout_reference: Callable[[np.ndarray, Any], np.ndarray] | None = None,
) -> Verification:
    """`measure()`, raising ExportError when the file fails the rule (see Verification.passed)."""
    result = measure(
        text,
        reference,
        tolerance=tolerance,
        seed=seed,
        steps=steps,
        input_stats=input_stats,
        layout_reference=layout_reference,
    )
    if not result.passed:
        raise ExportError(
            f"{name}: the RTNeural file does not compute what PyTorch computes: "
            f"{result.failure()}; max abs error {result.max_abs_error:.3g} (float32) / "
            f"{result.max_abs_error_float64:.3g} (float64); nothing was written"
        )
    return result
