"""What one network costs the plugin per call and per second, and whether it makes denormals.

The figures come from the JSON document itself (the compile-time layer list of lint.py), so they
describe exactly what the plugin runs: multiply-adds of the matrix products per `forward()`, the
parameters (as the plugin contract counts them: an LSTM with PyTorch's two bias vectors), the
float32 values the file stores, and the bytes of recurrent state. Rates follow the plugin's clocks
(emotrain.plugin.timing): the melody runs once per sixteenth note of the host's tempo, every other
network once per analysis frame.

The denormal audit runs the file in float32 through the reference interpreter on a long stretch of
digital silence and on input that decays towards zero, and counts subnormal values in every layer's
outputs (an LSTM's outputs are its hidden state) and in the recurrent state left at the end. A
stalled LSTM in a pause whose state decays geometrically passes through subnormals, which cost
x86 CPUs up to ~100x per operation unless the plugin sets flush-to-zero/denormals-are-zero.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from emotrain.export.lint import cpp_layers
from emotrain.plugin.reference import ReferenceModel

DEFAULT_BPM = 120.0
#: Calls of each audit stream: about 24 s of frames, or 2 min of sixteenths at 120 bpm.
AUDIT_CALLS = 1024
_TINY = np.finfo(np.float32).tiny  # the smallest normal float32


def calls_per_second(name: str, bpm: float = DEFAULT_BPM) -> tuple[float, str]:
    """(rate, what clock) at which the plugin calls `forward()` of network `name`."""
    from emotrain.plugin.timing import FRAME_RATE, HOP, SAMPLE_RATE, step_seconds
    from emotrain.plugin.wiring import MELODY

    if name == MELODY:
        return 1.0 / step_seconds(bpm), f"sixteenths at {bpm:g} bpm"
    return FRAME_RATE, f"frames, {SAMPLE_RATE}/{HOP} Hz"


def _weights(entry: dict) -> list[np.ndarray]:
    return [np.asarray(w, dtype=np.float64) for w in entry.get("weights") or []]


def layer_costs(document: dict) -> list[dict[str, Any]]:
    """Per compile-time layer: multiply-adds, parameters (contract count), stored values, state."""
    rows = []
    for layer in cpp_layers(document):
        entry = document["layers"][layer.entry]
        if layer.role == "activation":
            n = int(layer.args[0])
            rows.append(_row(layer.kind, 0, 0, 0, 0, n))
            continue
        stored = sum(int(w.size) for w in _weights(entry))
        if layer.kind == "DenseT":
            i, o = layer.args
            rows.append(_row(layer.kind, i * o, stored, stored, 0, 0))
        elif layer.kind in ("LSTMLayerT", "GRULayerT"):
            i, h = layer.args
            gates = 4 if layer.kind == "LSTMLayerT" else 3
            extra = gates * h if layer.kind == "LSTMLayerT" else 0  # PyTorch's second bias
            macs = gates * h * (i + h)
            state = 2 * h if layer.kind == "LSTMLayerT" else h
            nonlinear = 5 * h if layer.kind == "LSTMLayerT" else 3 * h
            rows.append(_row(layer.kind, macs, stored + extra, stored, state, nonlinear))
        elif layer.kind == "Conv1DT":
            i, o, k, d, *groups = layer.args
            macs = k * (i // (groups[0] if groups else 1)) * o
            rows.append(_row(layer.kind, macs, stored, stored, (k - 1) * d * i, 0))
        else:  # PReLU, BatchNorm: one multiply-add per value
            n = int(layer.args[0])
            rows.append(_row(layer.kind, n, stored, stored, 0, 0))
    return rows


def _row(kind: str, macs: int, params: int, stored: int, state: int, nonlinear: int) -> dict:
    return {"layer": kind, "multiply_adds": macs, "parameters": params, "stored_values": stored,
            "state_values": state, "nonlinear_evaluations": nonlinear}  # fmt: skip


def cost_report(document: dict, name: str, bpm: float = DEFAULT_BPM) -> dict[str, Any]:
    """The cost block of a file: per call, per second at the plugin's rate for `name`."""
    rows = layer_costs(document)
    rate, clock = calls_per_second(name, bpm)
    macs = sum(r["multiply_adds"] for r in rows)
    state = sum(r["state_values"] for r in rows)
    return {
        "per_call": {
            "multiply_adds": macs,
            "nonlinear_evaluations": sum(r["nonlinear_evaluations"] for r in rows),
            "parameters": sum(r["parameters"] for r in rows),
            "stored_values": sum(r["stored_values"] for r in rows),
            "weight_bytes_float32": 4 * sum(r["stored_values"] for r in rows),
            "state_values": state,
            "state_bytes_float32": 4 * state,
        },
        "calls_per_second": round(rate, 4),
        "clock": clock,
        "multiply_adds_per_second": round(macs * rate),
        "counting": "multiply-adds of the matrix products; parameters as PyTorch counts them "
        "(an LSTM's two bias vectors), stored values as the file holds them (one LSTM bias)",
    }


# ---- denormals ----------------------------------------------------------------------------------


def silence_frame(name: str, size: int) -> np.ndarray:
    """What the network gets from digital silence: for the recognizer (and harmony's bands) the
    log-mel of zero samples, computed by the plugin's own features; zeros elsewhere."""
    from emotrain.plugin.wiring import EMOTION, HARMONY

    if name not in (EMOTION, HARMONY):
        return np.zeros(size, np.float32)
    from emotrain.plugin.features import log_mel

    bands = log_mel(np.zeros(4096, np.float32))[0]
    if name == EMOTION:
        return bands.astype(np.float32)
    return np.concatenate([np.zeros(size - 64, np.float32), bands[:64]]).astype(np.float32)


def decaying_stream(name: str, size: int, calls: int, seed: int = 0) -> np.ndarray:
    """A sound that fades out: raw dB falling 0.5 dB per frame to the silence floor for the
    recognizer's bands; elsewhere a seeded frame scaled by 0.9 per call (through the subnormal
    range to zero within ~900 calls, as a release tail does)."""
    from emotrain.plugin.wiring import EMOTION

    rng = np.random.default_rng(seed)
    t = np.arange(calls, dtype=np.float64)[:, None]
    floor = silence_frame(name, size).astype(np.float64)
    if name == EMOTION:
        start = np.clip(-20.0 - 0.4 * np.arange(size) + rng.normal(0, 3, size), -80, 0)
        return np.maximum(start[None, :] - 0.5 * t, floor[None, :]).astype(np.float32)
    start = rng.uniform(-1, 1, size)
    return (start[None, :] * 0.9**t).astype(np.float32)


def audit_streams(name: str, size: int, calls: int) -> dict[str, np.ndarray]:
    """The audit's inputs, each (calls, size): silence from reset; a pause after sound (a few
    seconds of the fade's first frame, then silence: the state the sound left decays in the
    pause, as in a live set); a fade-out."""
    silence = silence_frame(name, size)
    fade = decaying_stream(name, size, calls)
    pause = np.broadcast_to(silence, (calls, size)).copy()
    pause[: min(128, calls // 4)] = fade[0]
    return {"silence": np.broadcast_to(silence, (calls, size)), "pause after sound": pause,
            "decaying": fade}  # fmt: skip


def _subnormal(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    a = np.abs(np.asarray(x, dtype=np.float32))
    return ((a > 0) & (a < _TINY)).sum(axis=axes)


def _final_state(layers: list, n: int) -> np.ndarray:
    """Subnormal values per stream in the recurrent and convolution state left at the end."""
    counts = np.zeros(n, np.int64)
    for layer in layers:
        for attr, axis in (("h", 0), ("c", 0), ("history", 1)):
            value = getattr(layer, attr, None)
            if isinstance(value, np.ndarray) and value.ndim >= 2 and value.shape[axis] == n:
                other = tuple(i for i in range(value.ndim) if i != axis)
                counts += _subnormal(value, other)
    return counts


def denormal_audit(document: dict, name: str, calls: int = AUDIT_CALLS) -> dict[str, Any]:
    """Subnormal float32 values the network makes on silence, in a pause after sound and on a
    fade-out (all streams from reset(), run side by side), and the advice."""
    model = ReferenceModel(document, np.float32)
    streams = audit_streams(name, model.in_size, calls)
    x = np.ascontiguousarray(np.stack(list(streams.values()), axis=1), dtype=np.float32)
    inputs = _subnormal(x, (0, 2))
    layers = [copy.copy(layer) for layer in model.layers]  # state is replaced, never mutated
    made = np.zeros(len(streams), np.int64)
    with np.errstate(over="ignore", under="ignore"):
        for layer in layers:
            layer.reset()
            x = layer.run(x).astype(np.float32, copy=False)
            made += _subnormal(x, (0, 2))
    outputs, state = _subnormal(x, (0, 2)), _final_state(layers, len(streams))
    report = {
        label: {"calls": calls, "subnormal_inputs": int(inputs[k]),
                "subnormal_layer_outputs": int(made[k]), "subnormal_outputs": int(outputs[k]),
                "subnormal_final_state": int(state[k])}
        for k, label in enumerate(streams)
    }  # fmt: skip
    found = bool((made + state).any())
    advice = (
        "subnormal values appear: set flush-to-zero and denormals-are-zero in the audio thread "
        "(JUCE: juce::ScopedNoDenormals) before calling forward()"
        if found
        else "none in float32 on these streams (flush-to-zero is still good practice)"
    )
    return {"dtype": "float32", "streams": report, "subnormals_found": found, "advice": advice}


def export_report(document: dict, name: str, bpm: float = DEFAULT_BPM) -> dict[str, Any]:
    """The `emotrain.export` block: cost and denormal audit of the file about to be written."""
    return {"cost": cost_report(document, name, bpm), "denormals": denormal_audit(document, name)}


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The export summary's lines for one network (each under 80 columns)."""
    cost, den = report["cost"], report["denormals"]
    per = cost["per_call"]
    lines = [
        f"  per call: {per['multiply_adds']:,} multiply-adds, {per['parameters']:,} "
        f"parameters, {per['state_bytes_float32']:,} bytes of state",
        f"  {cost['calls_per_second']:.2f} calls/s ({cost['clock']}): "
        f"{cost['multiply_adds_per_second'] / 1e6:.1f} M multiply-adds/s",
    ]
    if den["subnormals_found"]:
        counts = ", ".join(
            f"{k} {v['subnormal_layer_outputs'] + v['subnormal_final_state']:,}"
            for k, v in den["streams"].items()
        )
        lines.append(f"  DENORMALS: subnormal float32 values ({counts}); set flush-to-zero")
    else:
        calls = den["streams"]["silence"]["calls"]
        lines.append(f"  denormals: none in {calls:,} calls each of silence, a pause, a fade-out")
    return lines


def cost_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    """One line per exported network, 80 columns at most."""
    head = f"{'network':<18} {'params':>9} {'mult-adds':>9} {'calls/s':>7} {'M MAC/s':>8} "
    head += f"{'state B':>7} {'denormals':>9}"
    lines = [head, "-" * len(head)]
    for name, report in rows:
        cost, per = report["cost"], report["cost"]["per_call"]
        flag = "FOUND" if report["denormals"]["subnormals_found"] else "none"
        lines.append(
            f"{name[:18]:<18} {per['parameters']:>9,} {per['multiply_adds']:>9,} "
            f"{cost['calls_per_second']:>7.2f} {cost['multiply_adds_per_second'] / 1e6:>8.2f} "
            f"{per['state_bytes_float32']:>7,} {flag:>9}"
        )
    return "\n".join(lines)
