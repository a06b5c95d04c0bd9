"""A reference interpreter of RTNeural's JSON format in numpy: the plugin's computation, run here.

It reads a file the way `RTNeural::json_parser::parseJson` does (only the last entry of `in_shape`
and of each `shape`, `kernel_size` and `dilation`; `activation` applied only on dense, conv1d and
activation entries; unknown layer types dropped, recorded in `dropped`) and runs it the way
RTNeural's `Model` does: `reset()` zeroes every recurrent and convolution state, and each
`forward(frame)` is one time step whose state carries over to the next call. Weights are always the
float32 values that `parseJson<float>` holds; the arithmetic runs in float32 (what the plugin does)
or float64 (to tell arithmetic rounding from a wrong layout).

Where RTNeural would silently zero-fill or read past a short array, this raises ExportError instead:
the interpreter exists to catch wrong files, not to reproduce their garbage.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np

from emotrain.errors import ExportError

ACTIVATIONS = ("tanh", "relu", "sigmoid", "softmax", "elu")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))  # stable for both signs, no overflow warnings
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def activate(name: str, x: np.ndarray) -> np.ndarray:
    """The activation of each frame: `x` is one frame (in,) or frames over time (T, in)."""
    if name == "tanh":
        return np.tanh(x)
    if name == "relu":
        return np.maximum(x, 0).astype(x.dtype)
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "softmax":
        return _softmax(x)
    if name == "elu":
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype)
    raise ExportError(f"unknown activation {name!r}")


class _Layer:
    """`run(x)` maps frames (T, in) to (T, out) as T consecutive `forward()` calls would; time is
    always the first axis, so (T, N, in) runs N sequences side by side (`run_batch`).

    A layer without memory computes all T frames at once; a recurrent layer batches what does not
    depend on its state (the input projection) and loops only over the recurrence itself.
    """

    def reset(self) -> None:
        pass

    def run(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class _Dense(_Layer):
    def __init__(self, kernel: np.ndarray, bias: np.ndarray):
        self.kernel, self.bias = kernel, bias

    def run(self, x: np.ndarray) -> np.ndarray:
        return x @ self.kernel + self.bias


class _LSTM(_Layer):
    def __init__(self, w: np.ndarray, u: np.ndarray, b: np.ndarray):
        self.w, self.u, self.b = w, u, b
        self.h = np.zeros(u.shape[0], w.dtype)
        self.c = np.zeros(u.shape[0], w.dtype)

    def reset(self) -> None:
        self.h = np.zeros_like(self.h)
        self.c = np.zeros_like(self.c)

    def run(self, x: np.ndarray) -> np.ndarray:
        n, dt = self.h.size, x.dtype
        xw = x @ self.w + self.b  # gate blocks i, f, c, o: the part that needs no state
        # All four gates from one tanh: sigmoid(z) = (1 + tanh(z / 2)) / 2 for i, f, o, and tanh(z)
        # for the cell block, so the loop costs a few numpy calls per frame, not a dozen.
        half = np.full(4 * n, 0.5, dt)
        half[2 * n : 3 * n] = 1  # the scale inside tanh and outside it
        lift = np.full(4 * n, 0.5, dt)
        lift[2 * n : 3 * n] = 0
        xw *= half
        u = self.u * half
        out = np.empty((*x.shape[:-1], n), dt)
        h, c = self.h, self.c
        for t in range(x.shape[0]):
            g = np.tanh(xw[t] + h @ u) * half + lift
            c = g[..., n : 2 * n] * c + g[..., :n] * g[..., 2 * n : 3 * n]
            h = g[..., 3 * n :] * np.tanh(c)
            out[t] = h
        self.h, self.c = h, c
        return out


class _GRU(_Layer):
    def __init__(self, w: np.ndarray, u: np.ndarray, b: np.ndarray):
        self.w, self.u, self.b_in, self.b_rec = w, u, b[0], b[1]
        self.h = np.zeros(u.shape[0], w.dtype)

    def reset(self) -> None:
        self.h = np.zeros_like(self.h)

    def run(self, x: np.ndarray) -> np.ndarray:
        n = self.h.size
        xw = x @ self.w + self.b_in  # gate blocks z, r, h
        out = np.empty((*x.shape[:-1], n), x.dtype)
        h, u, b_rec = self.h, self.u, self.b_rec
        for t in range(x.shape[0]):
            hu = h @ u + b_rec
            zr = _sigmoid(xw[t][..., : 2 * n] + hu[..., : 2 * n])
            c = np.tanh(xw[t][..., 2 * n :] + zr[..., n:] * hu[..., 2 * n :])
            h = (1 - zr[..., :n]) * c + zr[..., :n] * h
            out[t] = h
        self.h = h
        return out


class _Conv1D(_Layer):
    """Causal: output t = bias + sum_k kernel[k]^T x[t - (K-1-k)*dilation], zeros before reset.

    With `groups` G, input channels and outputs split into G consecutive blocks and block g of the
    outputs sees only block g of the inputs, as in PyTorch and Keras; the kernel is [K][in/G][out].
    The history (the last (K-1)*dilation inputs) carries over from one `run()` to the next.
    """

    def __init__(self, kernel: np.ndarray, bias: np.ndarray, dilation: int, groups: int = 1):
        k, per_group, out = kernel.shape
        self.groups, self.bias, self.dilation = groups, bias, dilation
        # [K][in/G][out] -> [K][in/G][G][out/G]: output block g reads input block g only
        self.kernel = kernel.reshape(k, per_group, groups, out // groups)
        self.history = np.zeros(((k - 1) * dilation, per_group * groups), kernel.dtype)

    def reset(self) -> None:
        self.history = np.zeros_like(self.history)

    def run(self, x: np.ndarray) -> np.ndarray:
        steps, span, lead = x.shape[0], self.history.shape[0], x.shape[1:-1]
        channels = self.history.shape[-1]
        past = self.history.reshape(span, *(1,) * (x.ndim - self.history.ndim), channels)
        past = np.broadcast_to(past, (span, *lead, x.shape[-1]))
        padded = np.concatenate([past, x])  # oldest first
        out = np.broadcast_to(self.bias, (*x.shape[:-1], self.bias.size)).copy()
        for k in range(self.kernel.shape[0]):
            taps = padded[k * self.dilation : k * self.dilation + steps]
            grouped = taps.reshape(*taps.shape[:-1], self.groups, -1)  # (T, ..., G, in/G)
            out += np.einsum("...gi,igo->...go", grouped, self.kernel[k]).reshape(out.shape)
        self.history = padded[padded.shape[0] - span :].copy()
        return out


class _PReLU(_Layer):
    def __init__(self, alpha: np.ndarray):
        self.alpha = alpha

    def run(self, x: np.ndarray) -> np.ndarray:
        return np.where(x >= 0, x, x * self.alpha).astype(x.dtype)


class _BatchNorm(_Layer):
    def __init__(self, gamma, beta, mean, var, eps: float, dtype):
        self.scale = (gamma / np.sqrt(var + dtype.type(eps))).astype(dtype)
        self.beta, self.mean = beta, mean

    def run(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) * self.scale + self.beta


class _Activation(_Layer):
    def __init__(self, name: str):
        self.name = name

    def run(self, x: np.ndarray) -> np.ndarray:
        return activate(self.name, x)


def _last_int(value: Any, what: str) -> int:
    if isinstance(value, list) and value:
        value = value[-1]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ExportError(f"{what}: expected a positive integer, got {value!r}")
    return value


def load_document(document: dict | str | bytes | Path) -> dict:
    """A parsed JSON document from a dict, JSON text or a file path; ExportError if it is not one."""
    if isinstance(document, dict):
        return document
    if isinstance(document, Path):
        document = document.read_bytes()
    try:
        doc = json.loads(document)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ExportError("not an RTNeural model: the top level is not an object")
    return doc


class ReferenceModel:
    """`ReferenceModel(document, dtype)`, then `reset()` and `forward(frame)` as the plugin does."""

    def __init__(self, document: dict | str | bytes | Path, dtype: Any = np.float32):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError("dtype must be float32 or float64")
        doc = load_document(document)
        shape = doc.get("in_shape")
        layers = doc.get("layers")
        if not isinstance(shape, list) or not shape or not isinstance(layers, list):
            raise ExportError("not an RTNeural model: needs 'in_shape' and 'layers' arrays")
        if len(shape) == 4:
            self.in_size = _last_int(shape[2], "in_shape[2]") * _last_int(shape[3], "in_shape[3]")
        else:
            self.in_size = _last_int(shape, "in_shape")
        self.layers: list[_Layer] = []
        self.kinds: list[str] = []
        self.dropped: list[str] = []
        width = self.in_size
        for i, entry in enumerate(layers):
            width = self._add(i, entry, width)
        self.out_size = width

    def _arr(self, value: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
        try:  # the float32 values the plugin holds, whatever precision the arithmetic runs in
            arr = np.asarray(value, dtype=np.float32).astype(self.dtype)
        except (ValueError, TypeError) as exc:
            raise ExportError(f"{what}: not a rectangular array of numbers") from exc
        if arr.shape != shape:
            raise ExportError(f"{what}: shape {list(arr.shape)}, the layer needs {list(shape)}")
        return arr

    def _add(self, i: int, entry: Any, width: int) -> int:
        if not isinstance(entry, dict):
            raise ExportError(f"layers[{i}]: not an object")
        kind = entry.get("type")
        where = f"layers[{i}] ({kind})"
        if not all(k in entry for k in ("type", "shape", "weights")):
            raise ExportError(f"{where}: needs 'type', 'shape' and 'weights'")
        out = _last_int(entry["shape"], f"{where} shape")
        w = entry["weights"]
        act = entry.get("activation", "")
        if act not in ("", *ACTIVATIONS):
            raise ExportError(
                f"{where}: activation {act!r} is unknown to RTNeural (crashes the host)"
            )
        arr = self._arr
        if kind in ("dense", "time-distributed-dense"):
            self._need(w, 1, where)  # parseJson reads a bias only when a second array is present
            bias = arr(w[1], (out,), f"{where} bias") if len(w) > 1 else np.zeros(out, self.dtype)
            layer: _Layer = _Dense(arr(w[0], (width, out), f"{where} kernel"), bias)
        elif kind == "lstm":
            self._need(w, 3, where)
            layer = _LSTM(
                arr(w[0], (width, 4 * out), f"{where} W"),
                arr(w[1], (out, 4 * out), f"{where} U"),
                arr(w[2], (4 * out,), f"{where} bias"),
            )
            act = ""
        elif kind == "gru":
            self._need(w, 3, where)
            layer = _GRU(
                arr(w[0], (width, 3 * out), f"{where} W"),
                arr(w[1], (out, 3 * out), f"{where} U"),
                arr(w[2], (2, 3 * out), f"{where} bias"),
            )
            act = ""
        elif kind == "conv1d":
            k = _last_int(entry.get("kernel_size"), f"{where} kernel_size")
            d = _last_int(entry.get("dilation"), f"{where} dilation")
            g = _last_int(entry.get("groups", 1), f"{where} groups")
            if width % g or out % g:
                raise ExportError(
                    f"{where}: groups={g} must divide both the {width} inputs and the {out} outputs"
                )
            self._need(w, 2, where)
            kernel = arr(w[0], (k, width // g, out), f"{where} kernel")
            layer = _Conv1D(kernel, arr(w[1], (out,), f"{where} bias"), d, g)
        elif kind == "prelu":
            self._need(w, 1, where)
            slopes = w[0][0] if isinstance(w[0], list) and w[0] else None  # as parseJson reads it
            if not isinstance(slopes, list) or len(slopes) not in (1, width):
                raise ExportError(f"{where}: weights[0][0] must list 1 or {width} slopes")
            layer = _PReLU(arr(slopes, (len(slopes),), f"{where} slopes"))
            act, out = "", self._same(out, width, where)
        elif kind == "batchnorm":
            eps = entry.get("epsilon")
            if not isinstance(eps, (int, float)) or isinstance(eps, bool) or eps < 0:
                raise ExportError(f"{where}: needs a number 'epsilon' >= 0")
            self._need(w, 2, where)
            if len(w) != 4:  # parseJson: anything but 4 arrays is [running_mean, running_var]
                w = [np.ones(width), np.zeros(width), w[0], w[1]]
            g, b, m, v = (arr(x, (width,), f"{where} weights[{j}]") for j, x in enumerate(w))
            layer = _BatchNorm(g, b, m, v, float(eps), self.dtype)
            act, out = "", self._same(out, width, where)
        elif kind == "activation":
            if not act:
                return width  # RTNeural adds nothing for an empty activation
            layer, act, out = _Activation(act), "", self._same(out, width, where)
        else:
            self.dropped.append(f"layers[{i}] type {kind!r}")  # RTNeural silently skips it
            return width
        self.layers.append(layer)
        self.kinds.append(str(kind))
        if act:
            self.layers.append(_Activation(act))
            self.kinds.append("activation")
        return out

    @staticmethod
    def _need(weights: Any, n: int, where: str) -> None:
        if not isinstance(weights, list) or len(weights) < n:
            raise ExportError(f"{where}: needs {n} weight array{'s' if n > 1 else ''}")

    @staticmethod
    def _same(out: int, width: int, where: str) -> int:
        if out != width:
            raise ExportError(f"{where}: shape says {out} outputs for {width} inputs")
        return out

    def reset(self) -> None:
        for layer in self.layers:
            layer.reset()

    def forward(self, frame: Any) -> np.ndarray:
        """One time step: the outputs for `frame` given every earlier frame since `reset()`."""
        x = np.asarray(frame, dtype=self.dtype).reshape(-1)
        if x.size != self.in_size:
            raise ExportError(f"input frame has {x.size} values, the model takes {self.in_size}")
        return self._run(x.reshape(1, -1))[0]

    def run(self, sequence: Any, *, reset: bool = True) -> np.ndarray:
        """`forward()` over each row of a (T, in) sequence, from a zero state unless reset=False.

        With reset=False the state left by the previous call carries on, so a song streamed in
        blocks of any size gives the outputs of one call over the whole song.
        """
        seq = np.asarray(sequence, dtype=self.dtype)
        if seq.ndim != 2:
            raise ExportError(f"sequence must be (time, features), got shape {list(seq.shape)}")
        if seq.shape[1] != self.in_size:
            raise ExportError(
                f"input frames have {seq.shape[1]} values, the model takes {self.in_size}"
            )
        if reset:
            self.reset()
        if seq.shape[0] == 0:
            return np.zeros((0, self.out_size), self.dtype)
        return self._run(np.ascontiguousarray(seq))

    def run_batch(self, sequences: Any) -> np.ndarray:
        """`run()` of each (T, in) sequence of an (N, T, in) batch, each from a zero state, computed
        together (the recurrence loops over T once for all N); the streaming state is untouched."""
        seqs = np.asarray(sequences, dtype=self.dtype)
        if seqs.ndim != 3 or seqs.shape[2] != self.in_size:
            raise ExportError(
                f"sequences must be (n, time, {self.in_size}), got shape {list(seqs.shape)}"
            )
        if seqs.shape[0] == 0 or seqs.shape[1] == 0:
            return np.zeros((*seqs.shape[:2], self.out_size), self.dtype)
        fresh = [copy.copy(layer) for layer in self.layers]  # state is replaced, never mutated
        for layer in fresh:
            layer.reset()
        x = np.ascontiguousarray(seqs.transpose(1, 0, 2))  # time first, as every layer expects
        with np.errstate(over="ignore", under="ignore"):
            for layer in fresh:
                x = layer.run(x).astype(self.dtype, copy=False)
        return np.ascontiguousarray(x.transpose(1, 0, 2))

    def _run(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", under="ignore"):
            for layer in self.layers:
                x = layer.run(x).astype(self.dtype, copy=False)
        return x
