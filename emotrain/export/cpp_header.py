"""`<name>.h`: the exact compile-time RTNeural type of an exported JSON file, generated from it.

RTNeural's fast path, `RTNeural::ModelT<float, IN, OUT, Layers...>`, must list every layer with its
activation as a separate layer, in the order the JSON stream holds them; written by hand, one wrong
size or a missing activation makes `parseJson` return early and the model runs zero-filled layers
silently. The alias here comes from the file's own bytes through the lint's layer walk (lint.py),
so header and file cannot disagree. With `weights=True` the header also holds every weight as a
`static constexpr float` array and `loadWeights(model)`, which fills a ModelT without any file
(RTNeural issue 135: targets without a file system), through the same setters RTNeural's JSON
loader calls (`DenseT::setWeights/setBias`, `LSTMLayerT::setWVals/setUVals/setBVals`).
"""

from __future__ import annotations

import hashlib
import json
import re
import textwrap

import numpy as np

from emotrain._version import __version__
from emotrain.errors import ExportError
from emotrain.export.lint import CppLayer, lint_document
from emotrain.export.writer import float32_texts

_WEIGHTED = ("DenseT", "LSTMLayerT", "GRULayerT")


def feed_description(name: str) -> str:
    """What the plugin feeds network `name`, and when (plugin-contract.md, via emotrain.plugin)."""
    from emotrain.plugin import wiring as w
    from emotrain.plugin.timing import HOP, SAMPLE_RATE

    frame = f"once per analysis frame (hop {HOP} at {SAMPLE_RATE} Hz)"
    dims = w.DYNAMICS_DIMS
    feeds = {
        w.EMOTION: f"{frame}: the frame's 128 log-mel bands as raw dB (about -80..+20)",
        w.MELODY: "once per sixteenth note at the host's tempo: the latest emotion embedding",
        w.HARMONY: f"{frame}: the 64-d emotion embedding, then the frame's first "
        f"{w.HARMONY_BANDS} bands",
        w.DYNAMICS: f"{frame}: emotion embedding dimensions {dims.start}-{dims.stop - 1}",
        w.GROOVE: f"{frame}: the 64-d emotion embedding",
    }
    return feeds.get(name, "one input frame per forward() call")


def identifier(name: str) -> str:
    """A C++ namespace name for network `name`."""
    ident = re.sub(r"\W", "_", name)
    return ident if ident and not ident[0].isdigit() else f"n_{ident}"


def _cpp_floats(values: np.ndarray) -> list[str]:
    out = []
    for t in float32_texts(values):
        if not any(c in t for c in ".eE"):
            t += ".0"
        out.append(t + "f")
    return out


def _array(name: str, values: np.ndarray, shape_note: str) -> str:
    texts = _cpp_floats(values)
    rows = [", ".join(texts[i : i + 5]) for i in range(0, len(texts), 5)]
    body = ",\n    ".join(rows)
    return (
        f"// {shape_note}\n"
        f"alignas(16) static constexpr float {name}[{len(texts)}] = {{\n    {body}\n}};\n"
    )


def _weights_section(doc: dict, layers: list[CppLayer]) -> tuple[str, str]:
    """(the arrays, the body of loadWeights) for the layers that hold weights."""
    arrays, loads = [], []
    for slot, layer in enumerate(layers):
        if layer.role == "activation":
            continue
        if layer.kind not in _WEIGHTED:
            raise ExportError(
                f"--cpp-weights: layers[{layer.entry}] is a {layer.kind}; weight arrays are "
                f"generated for {', '.join(_WEIGHTED)} only"
            )
        w = [np.asarray(a, dtype=np.float32) for a in doc["layers"][layer.entry]["weights"]]
        p = f"layer{slot}"
        i, o = layer.args
        if layer.kind == "DenseT":
            arrays.append(_array(f"{p}_kernel", w[0], f"layers[{layer.entry}] kernel [{i}][{o}]"))
            arrays.append(_array(f"{p}_bias", w[1], f"layers[{layer.entry}] bias [{o}]"))
            loads.append(
                f"    {{  // slot {slot}: {layer.text()}\n"
                f"        std::vector<std::vector<float>> w({o}, std::vector<float>({i}));\n"
                f"        for (int r = 0; r < {i}; ++r)\n"
                f"            for (int c = 0; c < {o}; ++c)\n"
                f"                w[c][r] = weights::{p}_kernel[r * {o} + c];\n"
                f"        model.get<{slot}>().setWeights(w);\n"
                f"        model.get<{slot}>().setBias(weights::{p}_bias);\n"
                "    }\n"
            )
            continue
        g = w[0].shape[1]
        b_shape = "[2][" + str(g) + "]" if layer.kind == "GRULayerT" else f"[{g}]"
        arrays.append(_array(f"{p}_W", w[0], f"layers[{layer.entry}] W [{i}][{g}]"))
        arrays.append(_array(f"{p}_U", w[1], f"layers[{layer.entry}] U [{o}][{g}]"))
        arrays.append(_array(f"{p}_b", w[2], f"layers[{layer.entry}] bias {b_shape}"))
        bias = (
            f"std::vector<float>(weights::{p}_b, weights::{p}_b + {g})"
            if layer.kind == "LSTMLayerT"
            else f"matrix(weights::{p}_b, 2, {g})"
        )
        loads.append(
            f"    {{  // slot {slot}: {layer.text()}\n"
            f"        model.get<{slot}>().setWVals(matrix(weights::{p}_W, {i}, {g}));\n"
            f"        model.get<{slot}>().setUVals(matrix(weights::{p}_U, {o}, {g}));\n"
            f"        model.get<{slot}>().setBVals({bias});\n"
            "    }\n"
        )
    return "".join(arrays), "".join(loads)


def _comment(text: str) -> str:
    return "\n".join(
        "// " + line if line else "//"
        for para in text.split("\n")
        for line in (textwrap.wrap(para, 96) or [""])
    )


def render_header(data: bytes, name: str, *, weights: bool = False) -> str:
    """The header text for the JSON file `data` of network `name` (refused like the lint)."""
    from emotrain.export.cost import calls_per_second

    doc = json.loads(data)
    layers = lint_document(doc, name)
    in_size = int(doc["in_shape"][-1])
    out_size = int(layers[-1].args[0] if layers[-1].role == "activation" else layers[-1].args[1])
    ns = identifier(name)
    rate, clock = calls_per_second(name)
    block = doc.get("emotrain") if isinstance(doc.get("emotrain"), dict) else {}
    meaning_out = (block.get("output") or {}).get("meaning") or ""
    sha = hashlib.sha256(data).hexdigest()
    contract = (
        f"{name}.h: generated by emotrain {__version__} from {name}.json (sha256 {sha}). "
        "Do not edit: export again.\n\n"
        f"Input ({in_size}), what feeds it: {feed_description(name)}.\n"
        f"Output ({out_size}): {meaning_out}\n"
        f"Rate: {rate:.2f} calls per second ({clock}).\n"
        "Reset rule: call reset() once when the plugin starts (or the host resets it), never "
        "between songs: recurrent state runs on across a whole live set, pauses included.\n"
        f'Load: Model model; std::ifstream s("{name}.json"); model.parseJson(s, true); '
        "model.reset();"
        + (" Or, without a file: loadWeights(model); model.reset();" if weights else "")
        + f"\nCheck: {name}.golden/ holds an input stream and the outputs to expect after reset()."
    )
    slots = ",\n".join(f"    {layer.text()}" for layer in layers)
    notes = "\n".join(
        f"//   slot {k}: layers[{layer.entry}] {doc['layers'][layer.entry]['type']}"
        + (f', its activation "{layer.activation}"' if layer.role == "activation" else "")
        for k, layer in enumerate(layers)
    )
    parts = [
        _comment(contract),
        "#pragma once\n",
        "#include <RTNeural/RTNeural.h>" + ("\n#include <vector>" if weights else "") + "\n",
        f"namespace emotrain\n{{\nnamespace {ns}\n{{\n",
        f"constexpr int kInputSize = {in_size};",
        f"constexpr int kOutputSize = {out_size};",
        f"constexpr double kCallsPerSecond = {rate:.6f};\n",
        "// The template slots, in the order parseJson walks the JSON stream:",
        notes,
        f"using Model = RTNeural::ModelT<float, {in_size}, {out_size},\n{slots}>;\n",
    ]
    if weights:
        arrays, loads = _weights_section(doc, layers)
        parts += [
            "namespace weights\n{\n" + arrays + "}  // namespace weights\n",
            "inline std::vector<std::vector<float>> matrix(const float* v, int rows, int cols)\n"
            "{\n    std::vector<std::vector<float>> m(rows, std::vector<float>(cols));\n"
            "    for (int r = 0; r < rows; ++r)\n        for (int c = 0; c < cols; ++c)\n"
            "            m[r][c] = v[r * cols + c];\n    return m;\n}\n",
            "// Fills every layer of `model` from the arrays above, as parseJson would from "
            f"{name}.json.\ninline void loadWeights(Model& model)\n{{\n{loads}}}\n",
        ]
    parts.append(f"}}  // namespace {ns}\n}}  // namespace emotrain\n")
    return "\n".join(parts)
