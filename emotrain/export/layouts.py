"""PyTorch modules -> RTNeural layer entries, in the layouts its JSON loader reads (see
shared/design/rtneural-format.md), and the refusals.

RTNeural validates almost nothing: a wrong layout loads and computes garbage, and an unknown layer
type is silently dropped. So this module only converts what it knows RTNeural runs identically, and
refuses everything else with one line naming the layer and the reason, before a byte is written.
The numerical check (verify.py) then proves that the layouts are right.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from emotrain.errors import ExportError
from emotrain.models.layers import RTNEURAL_ACTIVATIONS

#: Standalone activation modules RTNeural has an equivalent for (ELU only with alpha 1, softmax only
#: over the feature axis).
_ACTIVATION_MODULES: dict[type, str] = {
    nn.Tanh: "tanh",
    nn.ReLU: "relu",
    nn.Sigmoid: "sigmoid",
    nn.Softmax: "softmax",
    nn.ELU: "elu",
}
#: Modules that compute nothing at inference; they get no entry.
_NO_OPS = (nn.Identity, nn.Dropout)
SUPPORTED = "Linear, LSTM, GRU, Conv1d, PReLU, BatchNorm1d, Tanh, ReLU, Sigmoid, Softmax, ELU"

LayerList = Sequence[tuple[nn.Module, str]]


def describe(index: int, module: nn.Module, qualname: str = "") -> str:
    """'layer 2 'layers.2' (LSTM(256, 128, batch_first=True))': one line, however big the module."""
    where = f" '{qualname}'" if qualname else ""
    text = " ".join(repr(module).split())
    return f"layer {index}{where} ({text[:77] + '...' if len(text) > 80 else text})"


def _array(tensor: torch.Tensor | None, label: str, what: str) -> np.ndarray:
    """float32 numpy copy of a parameter; non-finite values cannot be written to JSON."""
    if tensor is None:
        raise ExportError(f"{label}: missing {what}")
    arr = tensor.detach().to("cpu", torch.float64).numpy()
    with np.errstate(over="ignore"):
        arr32 = arr.astype(np.float32)
    if not np.isfinite(arr32).all():
        bad = int((~np.isfinite(arr32)).sum())
        raise ExportError(
            f"{label}: {what} holds {bad} non-finite value(s) (NaN, infinity or beyond float32); "
            "JSON cannot hold them and RTNeural would reject the file. Retrain or restore a "
            "finite checkpoint"
        )
    return arr32


def _bias(tensor: torch.Tensor | None, size: int, label: str, what: str) -> np.ndarray:
    return np.zeros(size, np.float32) if tensor is None else _array(tensor, label, what)


def _entry(kind: str, shape: list, weights: list, activation: str = "", **extra: Any) -> dict:
    return {"type": kind, "activation": activation, "shape": shape, "weights": weights, **extra}


def _activation_entry(name: str, size: int) -> dict:
    return _entry("activation", [None, size], [], name)


def _dense(m: nn.Linear, act: str, label: str) -> tuple[list[dict], int]:
    # A bias-less Linear still gets an explicit zero bias: current RTNeural reads a kernel-only
    # entry as zero bias, but older loaders read weights[1] unconditionally and would throw.
    kernel = _array(m.weight, label, "weight").T  # PyTorch (out, in) -> RTNeural kernel[in][out]
    bias = _bias(m.bias, m.out_features, label, "bias")
    return [_entry("dense", [None, m.out_features], [kernel, bias], act)], m.out_features


def _check_recurrent(m: nn.LSTM | nn.GRU, label: str) -> None:
    kind = type(m).__name__
    if m.bidirectional:
        raise ExportError(
            f"{label}: bidirectional {kind} reads future frames, which RTNeural's "
            f"one-frame-per-call streaming cannot; use a unidirectional {kind}"
        )
    if m.num_layers != 1:
        raise ExportError(
            f"{label}: {kind} with num_layers={m.num_layers} in one module; RTNeural needs one "
            f"'{kind.lower()}' entry per layer (a multi-layer entry silently loses layers): "
            f"declare {m.num_layers} single-layer {kind} modules in the export order instead"
        )
    if getattr(m, "proj_size", 0):
        raise ExportError(f"{label}: LSTM with proj_size={m.proj_size} has no RTNeural equivalent")


def _lstm(m: nn.LSTM, act: str, label: str) -> tuple[list[dict], int]:
    _check_recurrent(m, label)
    h = m.hidden_size
    w = _array(m.weight_ih_l0, label, "weight_ih_l0").T  # (in, 4H), gate blocks i, f, g, o
    u = _array(m.weight_hh_l0, label, "weight_hh_l0").T  # (H, 4H)
    b = np.zeros(4 * h, np.float32)
    if m.bias:  # RTNeural has one bias; PyTorch adds two, so their sum is the same computation
        b_ih = _array(m.bias_ih_l0, label, "bias_ih_l0").astype(np.float64)
        b_hh = _array(m.bias_hh_l0, label, "bias_hh_l0").astype(np.float64)
        b = (b_ih + b_hh).astype(np.float32)
    out = [_entry("lstm", [None, h], [w, u, b])]  # activation of lstm entries is ignored: ""
    return out + ([_activation_entry(act, h)] if act else []), h


def _zrn(a: np.ndarray, h: int) -> np.ndarray:
    """PyTorch's GRU gate blocks (r, z, n) along the last axis -> RTNeural's (z, r, n)."""
    r, z, n = a[..., :h], a[..., h : 2 * h], a[..., 2 * h :]
    return np.concatenate([z, r, n], axis=-1)


def _gru(m: nn.GRU, act: str, label: str) -> tuple[list[dict], int]:
    _check_recurrent(m, label)
    h = m.hidden_size
    w = _zrn(_array(m.weight_ih_l0, label, "weight_ih_l0").T, h)
    u = _zrn(_array(m.weight_hh_l0, label, "weight_hh_l0").T, h)
    b_in = _zrn(_bias(getattr(m, "bias_ih_l0", None), 3 * h, label, "bias_ih_l0"), h)
    b_rec = _zrn(_bias(getattr(m, "bias_hh_l0", None), 3 * h, label, "bias_hh_l0"), h)
    out = [_entry("gru", [None, h], [w, u, np.stack([b_in, b_rec])])]
    return out + ([_activation_entry(act, h)] if act else []), h


def _conv1d(m: nn.Conv1d, act: str, label: str) -> tuple[list[dict], int]:
    if tuple(m.stride) != (1,):
        raise ExportError(
            f"{label}: stride={m.stride[0]}; RTNeural's conv1d produces one output per input frame "
            "(stride 1 only)"
        )
    if m.padding not in ("valid", (0,), 0):
        raise ExportError(
            f"{label}: padding={m.padding!r} lets the convolution see future frames (non-causal); "
            "RTNeural's conv1d is causal: use padding=0 and left-pad (kernel_size-1)*dilation "
            "frames in the model"
        )
    k, d = m.kernel_size[0], m.dilation[0]
    # (out, in/groups, K) -> [K][in/groups][out]; the loader checks that middle width itself
    kernel = _array(m.weight, label, "weight").transpose(2, 1, 0)
    bias = _bias(m.bias, m.out_channels, label, "bias")  # the loader requires a bias
    # 'groups' is written only when it matters, so groups=1 files stay readable by loaders that
    # predate the key (they would misread a grouped kernel, which is why it is never left implicit)
    extra = {"groups": m.groups} if m.groups != 1 else {}
    entry = _entry(
        "conv1d",
        [None, None, m.out_channels],
        [kernel, bias],
        act,
        kernel_size=[k],
        dilation=[d],
        **extra,
    )
    return [entry], m.out_channels


def _prelu(m: nn.PReLU, act: str, label: str, width: int) -> tuple[list[dict], int]:
    alpha = _array(m.weight, label, "weight").reshape(-1)
    if alpha.size not in (1, width):
        raise ExportError(f"{label}: {alpha.size} PReLU slopes for {width} features")
    # The loader reads weights[0][0] as the slope vector (Keras' alpha of shape (1, features)).
    out = [_entry("prelu", [None, width], [[alpha]])]
    return out + ([_activation_entry(act, width)] if act else []), width


def _batchnorm(m: nn.BatchNorm1d, act: str, label: str) -> tuple[list[dict], int]:
    n = m.num_features
    if m.running_mean is None or m.running_var is None:
        raise ExportError(
            f"{label}: BatchNorm1d without running statistics (track_running_stats=False) "
            "normalises with batch statistics, which a one-frame stream does not have"
        )
    gamma = _array(m.weight, label, "weight") if m.affine else np.ones(n, np.float32)
    beta = _array(m.bias, label, "bias") if m.affine else np.zeros(n, np.float32)
    weights = [gamma, beta, _array(m.running_mean, label, "running_mean")]
    weights.append(_array(m.running_var, label, "running_var"))
    out = [_entry("batchnorm", [None, n], weights, epsilon=float(m.eps))]
    return out + ([_activation_entry(act, n)] if act else []), n


def _standalone_activation(m: nn.Module, act: str, label: str, width: int) -> list[dict]:
    name = _ACTIVATION_MODULES[type(m)]
    if isinstance(m, nn.ELU) and float(m.alpha) != 1.0:
        raise ExportError(f"{label}: ELU with alpha={m.alpha}; RTNeural's elu has alpha 1")
    if isinstance(m, nn.Softmax) and m.dim not in (-1,):
        raise ExportError(
            f"{label}: Softmax over dim={m.dim}; RTNeural's softmax is over the features (dim=-1)"
        )
    out = [_activation_entry(name, width)]
    return out + ([_activation_entry(act, width)] if act else [])


def _in_width(m: nn.Module) -> int | None:
    for attr in ("in_features", "input_size", "in_channels", "num_features"):
        if hasattr(m, attr):
            return int(getattr(m, attr))
    return None


def layer_entries(
    layers: LayerList, in_features: int, names: Sequence[str] | None = None
) -> tuple[list[dict], int]:
    """RTNeural entries for `(module, activation)` pairs and the resulting output width.

    Raises ExportError for anything RTNeural cannot compute identically; nothing is written here.
    """
    if not layers:
        raise ExportError("nothing to export: the layer list is empty")
    if int(in_features) < 1:
        raise ExportError(f"input width must be >= 1, got {in_features}")
    entries: list[dict] = []
    width = int(in_features)
    for i, pair in enumerate(layers):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ExportError(f"layer {i}: expected a (module, activation) pair, got {pair!r}")
        module, act = pair
        label = describe(i, module, names[i] if names else "")
        if act not in RTNEURAL_ACTIVATIONS:
            known = ", ".join(a for a in RTNEURAL_ACTIVATIONS if a)
            raise ExportError(
                f"{label}: activation {act!r} is unknown to RTNeural (an unknown activation string "
                f"crashes the host); allowed: {known} or '' for none"
            )
        if isinstance(module, _NO_OPS):
            entries += [_activation_entry(act, width)] if act else []
            continue
        needed = _in_width(module)
        if needed is not None and needed != width:
            raise ExportError(
                f"{label}: takes {needed} features but receives {width} from the layer before"
            )
        if isinstance(module, nn.Linear):
            new, width = _dense(module, act, label)
        elif isinstance(module, nn.LSTM):
            new, width = _lstm(module, act, label)
        elif isinstance(module, nn.GRU):
            new, width = _gru(module, act, label)
        elif isinstance(module, nn.Conv1d):
            new, width = _conv1d(module, act, label)
        elif isinstance(module, nn.PReLU):
            new, width = _prelu(module, act, label, width)
        elif isinstance(module, nn.BatchNorm1d):
            new, width = _batchnorm(module, act, label)
        elif type(module) in _ACTIVATION_MODULES:
            new = _standalone_activation(module, act, label, width)
        else:
            raise ExportError(
                f"{label}: {type(module).__name__} has no RTNeural equivalent; "
                f"supported: {SUPPORTED}"
            )
        entries += new
    return entries, width


def parameters_of(layers: LayerList) -> int:
    seen: set[int] = set()
    total = 0
    for module, _ in layers:
        for p in module.parameters():
            if id(p) not in seen:
                seen.add(id(p))
                total += p.numel()
    return total
