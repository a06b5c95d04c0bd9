"""A strict lint of an RTNeural JSON file against both of RTNeural's loaders, and the compile-time
layer list it implies.

RTNeural has two loaders and both fail quietly. The run-time parser (`json_parser::parseJson`)
skips a layer type it does not know and segfaults on an activation it does not know. The
compile-time `ModelT<T, IN, OUT, Layers...>::parseJson` walks its template layers against the JSON
stream: a dense entry with an activation is read twice (the DenseT, then the activation layer of
the next template slot, which must name the same activation), an LSTM entry once; on a wrong type
or size it prints a debug line and returns, leaving zero-filled layers that run silently ("loads
but very quiet"). So anything either loader would not take exactly as written is refused here
with one line, before a byte is written, and what passes is turned into the exact template list
(`cpp_layers`) that the generated header declares: the header and the file cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from emotrain.errors import ExportError

#: Activation strings RTNeural knows -> its compile-time activation layer.
ACTIVATION_TYPES = {
    "tanh": "TanhActivationT",
    "relu": "ReLuActivationT",
    "sigmoid": "SigmoidActivationT",
    "softmax": "SoftmaxActivationT",
    "elu": "ELuActivationT",
}
#: Layer types both loaders read (the run-time parser skips any other type silently).
KNOWN_TYPES = (
    "dense",
    "time-distributed-dense",
    "lstm",
    "gru",
    "conv1d",
    "prelu",
    "batchnorm",
    "activation",
)


@dataclass(frozen=True)
class CppLayer:
    """One template argument of the ModelT: `RTNeural::<kind><float, *args>`, read from
    `layers[entry]` of the file (`role` says which part of that entry: "layer" or "activation")."""

    kind: str
    args: tuple[int | str, ...]
    entry: int
    role: str = "layer"
    activation: str = ""

    def text(self, scalar: str = "float") -> str:
        return f"RTNeural::{self.kind}<{', '.join([scalar, *map(str, self.args)])}>"


def _size(value: Any, what: str) -> int:
    last = value[-1] if isinstance(value, list) and value else value
    if not isinstance(last, int) or isinstance(last, bool) or last < 1:
        raise ExportError(f"{what}: the last entry must be a positive integer, got {value!r}")
    return last


def _shape(value: Any, shape: tuple[int, ...], what: str) -> None:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise ExportError(f"{what}: not a rectangular array of numbers") from None
    if arr.shape != shape:
        raise ExportError(
            f"{what}: shape {list(arr.shape)}, the compile-time type needs {list(shape)}"
        )


def _weights(entry: dict, n: int, where: str) -> list:
    w = entry.get("weights")
    if not isinstance(w, list) or len(w) != n:
        count = len(w) if isinstance(w, list) else "no"
        raise ExportError(
            f"{where}: {count} weight arrays, both loaders read exactly {n} for this type"
        )
    return w


def _in_size(doc: dict) -> int:
    shape = doc.get("in_shape")
    if not isinstance(shape, list) or len(shape) not in (2, 3):
        raise ExportError(
            f"in_shape: {shape!r}; write [null, N] (a 4-entry shape is read differently by "
            "RTNeural's two loaders)"
        )
    return _size(shape, "in_shape")


def cpp_layers(document: dict, name: str | None = None) -> list[CppLayer]:
    """The compile-time layer list of `document`, or ExportError (one line) naming the first entry
    that either loader would skip, crash on, or read into a zero-filled layer. With `name` one of
    the plugin's networks, its input and output sizes must be the contract's."""
    layers = document.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ExportError("layers: needs a non-empty array of layer entries")
    width = in_size = _in_size(document)
    out: list[CppLayer] = []
    for i, entry in enumerate(layers):
        width = _entry(i, entry, width, out)
    if name is not None:
        _check_contract(name, in_size, width)
    return out


def _entry(i: int, entry: Any, width: int, out: list[CppLayer]) -> int:
    if not isinstance(entry, dict):
        raise ExportError(f"layers[{i}]: not an object")
    kind = entry.get("type")
    where = f"layers[{i}] ({kind})"
    if kind not in KNOWN_TYPES:
        raise ExportError(
            f"{where}: RTNeural's run-time parser would skip this layer type silently; "
            f"allowed: {', '.join(KNOWN_TYPES)}"
        )
    if "shape" not in entry or "weights" not in entry:
        raise ExportError(f"{where}: needs 'shape' and 'weights' (both loaders read them)")
    size = _size(entry["shape"], f"{where} shape")
    act = entry.get("activation", "")
    if not isinstance(act, str) or (act and act not in ACTIVATION_TYPES):
        raise ExportError(
            f"{where}: activation {act!r} would crash RTNeural's run-time parser (segfault); "
            f'allowed: {", ".join(ACTIVATION_TYPES)} or ""'
        )
    if kind in ("dense", "time-distributed-dense"):
        # ModelT's loadDense reads weights.at(1) unconditionally: the bias must be there
        w = _weights(entry, 2, where)
        _shape(w[0], (width, size), f"{where} kernel")
        _shape(w[1], (size,), f"{where} bias")
        out.append(CppLayer("DenseT", (width, size), i))
    elif kind in ("lstm", "gru"):
        gates = 4 if kind == "lstm" else 3
        if act:
            raise ExportError(
                f"{where}: activation {act!r} on a recurrent entry is ignored by both loaders; "
                'write "" and add a separate activation entry if one is meant'
            )
        w = _weights(entry, 3, where)
        _shape(w[0], (width, gates * size), f"{where} W")
        _shape(w[1], (size, gates * size), f"{where} U")
        _shape(w[2], (gates * size,) if kind == "lstm" else (2, 3 * size), f"{where} bias")
        out.append(CppLayer("LSTMLayerT" if kind == "lstm" else "GRULayerT", (width, size), i))
    elif kind == "conv1d":
        size = _conv1d(entry, i, where, width, size, out)
    elif kind in ("prelu", "batchnorm"):
        _same(size, width, where)
        if act:
            raise ExportError(f'{where}: activation {act!r} is ignored on {kind}; write ""')
        if kind == "prelu":
            alphas = _weights(entry, 1, where)[0]
            first = alphas[0] if isinstance(alphas, (list, np.ndarray)) and len(alphas) else None
            if not isinstance(first, (list, np.ndarray)) or len(first) not in (1, width):
                raise ExportError(f"{where}: weights[0][0] must list 1 or {width} slopes")
            out.append(CppLayer("PReLUActivationT", (width,), i))
        else:
            for j, arr in enumerate(_weights(entry, 4, where)):
                _shape(arr, (width,), f"{where} weights[{j}]")
            out.append(CppLayer("BatchNorm1DT", (width, "true"), i))
        return width
    else:  # a standalone activation entry
        if not act:
            raise ExportError(
                f'{where}: an activation entry with activation "" adds no layer at run time but '
                "takes a template slot at compile time; remove the entry"
            )
        _same(size, width, where)
        out.append(CppLayer(ACTIVATION_TYPES[act], (width,), i, "activation", act))
        return width
    if act:
        out.append(CppLayer(ACTIVATION_TYPES[act], (size,), i, "activation", act))
    return size


def _conv1d(entry: dict, i: int, where: str, width: int, size: int, out: list) -> int:
    kernel = _size(entry.get("kernel_size"), f"{where} kernel_size")
    dilation = _size(entry.get("dilation"), f"{where} dilation")
    groups = entry.get("groups", 1)
    if not isinstance(groups, int) or groups < 1 or width % groups or size % groups:
        raise ExportError(
            f"{where}: groups={groups!r} must be a positive integer dividing both the {width} "
            f"inputs and the {size} outputs (Conv1DT's static_assert)"
        )
    w = _weights(entry, 2, where)
    _shape(w[0], (kernel, width // groups, size), f"{where} kernel")
    _shape(w[1], (size,), f"{where} bias")
    args = (width, size, kernel, dilation) + ((groups,) if groups != 1 else ())
    out.append(CppLayer("Conv1DT", args, i))
    return size


def _same(size: int, width: int, where: str) -> None:
    if size != width:
        raise ExportError(f"{where}: shape says {size} outputs for {width} inputs")


def _check_contract(name: str, in_size: int, out_size: int) -> None:
    from emotrain.plugin.wiring import SHAPES

    want = SHAPES.get(name)
    if want is not None and (in_size, out_size) != want:
        raise ExportError(
            f"{name}: the file computes {in_size} -> {out_size}, the plugin feeds and reads "
            f"{want[0]} -> {want[1]}"
        )


def plain_document(in_features: int, entries: list[dict]) -> dict:
    """`{"in_shape", "layers"}` with every numpy array as nested lists: the document as the JSON
    parser will read it back, without rendering and parsing megabytes of text."""

    def plain(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    return {"in_shape": [None, in_features], "layers": plain(entries)}


def lint_document(document: dict, name: str | None = None) -> list[CppLayer]:
    """`cpp_layers`, with the error naming the network: what export refuses before writing."""
    try:
        return cpp_layers(document, name)
    except ExportError as exc:
        raise ExportError(f"{name or 'file'}: RTNeural lint: {exc}") from None
