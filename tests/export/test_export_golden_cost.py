"""The golden bundle (reproduces through the reference interpreter within its stated tolerance,
and catches a wrong weight or a reset in the middle of the stream) and the cost report (hand
counts of the five networks, the contract's parameter counts, the plugin's rates)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emotrain.export.cost import cost_report, cost_table, summary_lines
from emotrain.export.golden import read_csv
from emotrain.models.catalog import SPECS
from emotrain.plugin.features import log_mel
from emotrain.plugin.reference import ReferenceModel
from tests.export.cpp_exports import VALIDATION_FRAMES


@pytest.fixture
def exported(five_exports):
    return five_exports


def _bundle(folder, name):
    g = folder / f"{name}.golden"
    meta = json.loads((g / "golden.json").read_text())
    return read_csv((g / "input.csv").read_bytes()), read_csv((g / "output.csv").read_bytes()), meta


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_golden_bundle_reproduces_within_its_tolerance(exported, spec):
    folder, _ = exported
    inputs, outputs, meta = _bundle(folder, spec.name)
    assert inputs.shape == (meta["rows"], spec.in_features) and meta["rows"] >= 256
    assert outputs.shape == (meta["rows"], spec.out_features)
    assert 1e-5 <= meta["tolerance"] <= 1e-4
    model = ReferenceModel(folder / f"{spec.name}.json", np.float32)
    got = model.run(inputs.astype(np.float32)).astype(np.float64)  # reset(), then one per row
    assert np.abs(got - outputs).max() <= meta["tolerance"]
    data = (folder / f"{spec.name}.json").read_bytes()
    import hashlib

    assert meta["json_sha256"] == hashlib.sha256(data).hexdigest()


def test_golden_catches_a_changed_weight_and_a_reset_mid_stream(exported):
    folder, _ = exported
    inputs, outputs, meta = _bundle(folder, "melodytransformer")
    doc = json.loads((folder / "melodytransformer.json").read_text())
    doc["layers"][1]["weights"][2][5] += 0.1  # one LSTM bias
    wrong = ReferenceModel(doc, np.float32).run(inputs.astype(np.float32))
    assert np.abs(wrong - outputs).max() > meta["tolerance"]

    model = ReferenceModel(folder / "melodytransformer.json", np.float32)
    again = next(s for s in meta["segments"] if s["what"] == "emotion A again")["rows"][0]
    first = model.run(inputs[:again].astype(np.float32))
    second = model.run(inputs[again:].astype(np.float32))  # reset() between: state lost
    reset_mid = np.concatenate([first, second])
    assert np.abs(reset_mid[:again] - outputs[:again]).max() <= meta["tolerance"]
    assert np.abs(reset_mid - outputs).max() > 10 * meta["tolerance"]


def test_golden_streams_follow_the_plugin(exported):
    folder, _ = exported
    rec_in, _, rec = _bundle(folder, "emotionrecognizer")
    assert rec["inputs_from"].startswith("real validation frames")
    assert np.array_equal(rec_in[:8].astype(np.float32), VALIDATION_FRAMES)
    pause = next(s for s in rec["segments"] if s["what"] == "pause")["rows"]
    silence = log_mel(np.zeros(4096, np.float32))[0]
    assert np.array_equal(rec_in[pause[0] : pause[1] + 1], np.tile(silence, (48, 1)))
    assert rec_in.min() >= -100.0 and rec_in.max() <= 20.0
    mel_in, _, mel = _bundle(folder, "melodytransformer")
    a, b = mel_in[10], mel_in[-10]
    assert a[:32].mean() > 0.5 and b[:32].mean() < -0.4  # valence A, then B
    p = next(s for s in mel["segments"] if s["what"] == "pause")["rows"]
    assert not mel_in[p[0] : p[1] + 1].any()
    line = (folder / "melodytransformer.golden" / "input.csv").read_text().splitlines()[0]
    assert len(line.split(",")) == 64 and not line[0].isalpha()  # no header row


#: Hand counts. Multiply-adds: dense in*out; LSTM 4H(in + H). Parameters: the contract's.
HAND = {
    "emotionrecognizer": (128 * 512 + 512 * 256 + 4 * 128 * (256 + 128) + 128 * 64, 403_264,
                          2 * 128 * 4),
    "melodytransformer": (64 * 256 + 4 * 256 * (256 + 256) + 256 * 256 + 256 * 128, 641_664,
                          2 * 256 * 4),
    "harmonypredictor": (128 * 256 + 256 * 128 + 128 * 64, 74_176, 0),
    "dynamicsengine": (32 * 128 + 128 * 64 + 64 * 16, 13_520, 0),
    "groovepredictor": (64 * 128 + 128 * 64 + 64 * 32, 18_656, 0),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HAND))
def test_cost_matches_hand_counts(exported, name):
    folder, results = exported
    macs, params, state_bytes = HAND[name]
    block = json.loads((folder / f"{name}.json").read_text())["emotrain"]["export"]
    per = block["cost"]["per_call"]
    assert (per["multiply_adds"], per["parameters"], per["state_bytes_float32"]) == (
        macs, params, state_bytes,
    )  # fmt: skip
    assert per["parameters"] == results[name].parameters  # the count export always printed
    lstm_bias = 4 * (128 if name == "emotionrecognizer" else 256) if state_bytes else 0
    assert per["stored_values"] == params - lstm_bias  # the file holds one LSTM bias
    rate = 8.0 if name == "melodytransformer" else 22050 / 512
    assert block["cost"]["calls_per_second"] == pytest.approx(rate, abs=1e-4)
    assert block["cost"]["multiply_adds_per_second"] == pytest.approx(macs * rate, abs=1)
    streams = block["denormals"]["streams"]
    assert sorted(streams) == ["decaying", "pause after sound", "silence"]
    assert all(v["calls"] == 1024 for v in streams.values())


def test_melody_rate_follows_the_tempo(exported):
    folder, _ = exported
    doc = json.loads((folder / "melodytransformer.json").read_text())
    assert cost_report(doc, "melodytransformer", bpm=90)["calls_per_second"] == 6.0
    assert cost_report(doc, "groovepredictor", bpm=90)["calls_per_second"] == pytest.approx(
        43.07, abs=0.01
    )


def test_summary_and_table_fit_80_columns(exported):
    _, results = exported
    rows = [(name, r.report) for name, r in results.items()]
    lines = cost_table(rows).splitlines()
    lines += [line for _, report in rows for line in summary_lines(report)]
    assert len(lines) == 2 + 5 + 15
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
