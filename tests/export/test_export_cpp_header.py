"""<name>.h: the ModelT alias parsed back and compared layer by layer with the JSON and with the
plugin contract; --cpp-weights arrays equal the JSON's weights; the header compiles against a
stub of RTNeural's API (the project cannot fetch RTNeural itself)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from emotrain.models.catalog import SPECS
from emotrain.models.layers import Dense

ACT = {"tanh": "TanhActivationT", "relu": "ReLuActivationT", "sigmoid": "SigmoidActivationT",
       "softmax": "SoftmaxActivationT", "elu": "ELuActivationT"}  # fmt: skip


@pytest.fixture
def exported(five_exports):
    return five_exports


def parse_alias(text: str) -> tuple[int, int, list[tuple[str, tuple[int, ...]]]]:
    """(IN, OUT, [(layer class, sizes)]) of `using Model = RTNeural::ModelT<float, ...>;`."""
    m = re.search(r"using Model = RTNeural::ModelT<float, (\d+), (\d+),\s*(.*?)>;\n", text, re.S)
    assert m, "no ModelT alias"
    layers = re.findall(r"RTNeural::(\w+)<float, ([\d, ]+)>", m.group(3))
    assert len(layers) == m.group(3).count("RTNeural::")
    parsed = [(kind, tuple(int(v) for v in args.split(", "))) for kind, args in layers]
    return int(m.group(1)), int(m.group(2)), parsed


def expected_from_json(doc: dict) -> list[tuple[str, tuple[int, ...]]]:
    """What ModelT's parseJson walks, read straight from the JSON stream (independently of the
    exporter): a dense entry, then its activation as a separate layer; an LSTM entry once."""
    width, out = doc["in_shape"][-1], []
    for entry in doc["layers"]:
        size = entry["shape"][-1]
        kind = {"dense": "DenseT", "lstm": "LSTMLayerT", "activation": None}[entry["type"]]
        if kind:
            out.append((kind, (width, size)))
        if entry.get("activation"):
            out.append((ACT[entry["activation"]], (size,)))
        width = size
    return out


def expected_from_contract(spec) -> list[tuple[str, tuple[int, ...]]]:
    out = []
    for layer in spec.layers:
        if isinstance(layer, Dense):
            out.append(("DenseT", (layer.in_features, layer.out_features)))
            if layer.activation:
                out.append((ACT[layer.activation], (layer.out_features,)))
        else:
            out.append(("LSTMLayerT", (layer.in_features, layer.hidden_size)))
    return out


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_alias_matches_the_json_and_the_contract_layer_by_layer(exported, spec):
    folder, _ = exported
    text = (folder / f"{spec.name}.h").read_text()
    doc = json.loads((folder / f"{spec.name}.json").read_text())
    n_in, n_out, layers = parse_alias(text)
    assert (n_in, n_out) == (spec.in_features, spec.out_features)
    assert layers == expected_from_json(doc)
    assert layers == expected_from_contract(spec)
    assert f"constexpr int kInputSize = {spec.in_features};" in text
    assert f"constexpr int kOutputSize = {spec.out_features};" in text
    assert "reset()" in text and "never" in text  # the reset rule
    assert all(len(line) <= 100 for line in text.splitlines())


def model_t_parse_json(doc: dict, n_in: int, layers: list) -> list[str]:
    """ModelT::parseJson's walk (RTNeural's ModelT.h, modelt_detail::parseJson and loadLayer),
    emulated: each template slot reads the JSON entry at the stream index; an activation slot
    must find its activation there and advances; a dense slot advances only when its entry has
    no activation (the next slot, the activation, reads the same entry); an LSTM slot always
    advances. Returns the debug lines RTNeural would print where it gives up; [] = all loaded."""
    names = {v: k for k, v in ACT.items()}
    problems, idx = [], 0
    if doc["in_shape"][-1] != n_in:
        return ["Incorrect input size!"]
    for kind, args in layers:
        if idx >= len(doc["layers"]):
            problems.append("Too many layers!")
            break
        entry = doc["layers"][idx]
        dims, act = entry["shape"][-1], entry.get("activation", "")
        if kind in names:
            if act != names[kind] or dims != args[0]:
                problems.append(f"slot {kind}: wrong activation at layers[{idx}]")
            idx += 1
            continue
        want = {"DenseT": ("dense", "time-distributed-dense"), "LSTMLayerT": ("lstm",)}[kind]
        if entry["type"] not in want or dims != args[-1]:
            problems.append(f"slot {kind}: wrong layer type or size at layers[{idx}]")
        if kind == "LSTMLayerT" or not act:
            idx += 1
    if idx != len(doc["layers"]):
        problems.append(f"{len(doc['layers']) - idx} JSON entries never read")
    return problems


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_model_t_loads_every_slot_of_the_generated_alias(exported, spec):
    folder, _ = exported
    doc = json.loads((folder / f"{spec.name}.json").read_text())
    n_in, _, layers = parse_alias((folder / f"{spec.name}.h").read_text())
    assert model_t_parse_json(doc, n_in, layers) == []
    # the emulation is not blind: a hand-written type without the first activation fails
    assert model_t_parse_json(doc, n_in, layers[:1] + layers[2:]) != []


def test_melody_header_says_what_feeds_it_and_when(exported):
    folder, _ = exported
    text = (folder / "melodytransformer.h").read_text()
    assert "sixteenth" in text and "8.00 calls per second" in text
    assert "RTNeural::LSTMLayerT<float, 256, 256>" in text
    dyn = (folder / "dynamicsengine.h").read_text()
    assert "dimensions 16-47" in dyn


def _arrays(text: str) -> dict[str, np.ndarray]:
    found = re.findall(r"static constexpr float (\w+)\[(\d+)\] = \{(.*?)\};", text, re.S)
    arrays = {}
    for name, n, body in found:
        values = [float(v.strip().rstrip("f")) for v in body.split(",") if v.strip()]
        assert len(values) == int(n)
        arrays[name] = np.asarray(values, dtype=np.float32)
    return arrays


def test_cpp_weights_equal_the_json_weights_bit_for_bit(exported):
    folder, _ = exported
    text = (folder / "dynamicsengine.h").read_text()
    doc = json.loads((folder / "dynamicsengine.json").read_text())
    arrays = _arrays(text)
    _, _, layers = parse_alias(text)
    slots = [k for k, (kind, _) in enumerate(layers) if kind == "DenseT"]
    assert len(slots) == len(doc["layers"]) == 3
    for slot, entry in zip(slots, doc["layers"], strict=True):
        kernel, bias = (np.asarray(w, dtype=np.float32) for w in entry["weights"])
        assert np.array_equal(arrays[f"layer{slot}_kernel"], kernel.ravel())
        assert np.array_equal(arrays[f"layer{slot}_bias"], bias)
        assert f"model.get<{slot}>().setWeights(w);" in text
    assert "inline void loadWeights(Model& model)" in text
    assert "static constexpr float" not in (folder / "groovepredictor.h").read_text()


def test_every_layer_kind_gets_its_template(tmp_path):
    """conv1d, gru, prelu, batchnorm and a standalone activation: the slots ModelT expects."""
    import torch
    from torch import nn

    from emotrain.export.companions import companion_files
    from emotrain.export.rtneural import export_layers

    torch.manual_seed(0)
    layers = [
        (nn.Conv1d(3, 6, 3, dilation=2), "relu"),
        (nn.GRU(6, 5, batch_first=True), ""),
        (nn.PReLU(5), ""),
        (nn.BatchNorm1d(5).eval(), "elu"),
        (nn.Linear(5, 4), "softmax"),
    ]
    result = export_layers(layers, 3, tmp_path / "net.json")  # fmt: skip
    text = companion_files((tmp_path / "net.json").read_bytes(), "net")["net.h"].decode()
    assert "RTNeural::BatchNorm1DT<float, 5, true>" in text  # a bool, not an int
    text = text.replace("5, true>", "5, 1>")
    assert parse_alias(text) == (3, 4, [
        ("Conv1DT", (3, 6, 3, 2)), ("ReLuActivationT", (6,)), ("GRULayerT", (6, 5)),
        ("PReLUActivationT", (5,)), ("BatchNorm1DT", (5, 1)), ("ELuActivationT", (5,)),
        ("DenseT", (5, 4)), ("SoftmaxActivationT", (4,)),
    ])  # fmt: skip
    per = result.report["cost"]["per_call"]
    # conv 3*3*6, GRU 3*5*(6+5), prelu 5, batchnorm 5, dense 5*4; state: conv (3-1)*2*3, GRU 5
    assert per["multiply_adds"] == 54 + 165 + 5 + 5 + 20 and per["state_values"] == 12 + 5
    # + 10: batchnorm's running mean and variance, buffers in PyTorch, weights in the file
    assert per["parameters"] == sum(p.numel() for m, _ in layers for p in m.parameters()) + 10


#: Just enough of RTNeural's compile-time API (names and setter signatures as in its sources) for
#: the generated headers to compile: the project cannot fetch RTNeural itself.
STUB = """
#pragma once
#include <tuple>
#include <vector>
namespace RTNeural {
template <typename T, int in, int out> struct DenseT {
    void setWeights(const std::vector<std::vector<T>>&) {}
    void setBias(const T*) {}
};
enum class SampleRateCorrectionMode { None };
template <typename T, int in, int out,
          SampleRateCorrectionMode m = SampleRateCorrectionMode::None> struct LSTMLayerT {
    void setWVals(const std::vector<std::vector<T>>&) {}
    void setUVals(const std::vector<std::vector<T>>&) {}
    void setBVals(const std::vector<T>&) {}
};
template <typename T, int n> struct TanhActivationT {};
template <typename T, int n> struct ReLuActivationT {};
template <typename T, int n> struct SigmoidActivationT {};
template <typename T, int n> struct SoftmaxActivationT {};
template <typename T, int in_size, int out_size, typename... Layers> class ModelT {
public:
    template <int Index> auto& get() noexcept { return std::get<Index>(layers); }
private:
    std::tuple<Layers...> layers;
};
}
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="no C++ compiler")
def test_headers_compile_against_rtneural_s_api(exported, tmp_path):
    folder, _ = exported
    (tmp_path / "RTNeural").mkdir()
    (tmp_path / "RTNeural" / "RTNeural.h").write_text(STUB)
    includes = "\n".join(f'#include "{folder / (s.name + ".h")}"' for s in SPECS)
    (tmp_path / "main.cpp").write_text(
        includes + "\nint main() {\n"
        "    emotrain::dynamicsengine::Model m;\n"
        "    emotrain::dynamicsengine::loadWeights(m);\n"
        "    emotrain::melodytransformer::Model melody;\n"
        '    static_assert(emotrain::emotionrecognizer::kInputSize == 128, "");\n'
        "    return 0;\n}\n"
    )
    done = subprocess.run(
        ["g++", "-std=c++17", "-fsyntax-only", "-I", str(tmp_path), str(tmp_path / "main.cpp")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
