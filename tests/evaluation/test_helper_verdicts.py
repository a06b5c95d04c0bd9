"""Dynamics and groove learned from performances whose playing follows the quadrant: `better` than
the training split's mean vector on held-out songs, and `not distinguishable` when the labels say
nothing about the playing.

The corpus (tests/data/performances.py): loudness, note density (sixteenths or eighths) and swing
depend on the quadrant; pitches, chords, pedal and a share of dropped notes are random in every
quadrant. The held-out songs are one of every (played quadrant, label) pair, so with the balanced
shuffle the training side's label groups share one mean.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

from performances import held_out_songs, make_expressive_emopia

TRAIN = ["-m", "dynamics,groove", "--epochs", "8", "--seq-len", "16", "--batch-size", "32"]
TRAIN += ["--device", "cpu", "--quiet"]
SONGS, BARS = 16, 2


@pytest.fixture(scope="module")
def helper_runs(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Each corpus (real, shuffled) trained once and evaluated once: the run folder and the
    report's model entries."""
    from emotrain.cli import main

    root = tmp_path_factory.mktemp("helper_verdicts")
    validation = ",".join(held_out_songs(SONGS))
    runs = {}
    for name, shuffle in (("real", False), ("shuffled", True)):
        corpus = make_expressive_emopia(
            root / f"{name}_corpus", songs_per_quadrant=SONGS, bars=BARS, shuffle=shuffle
        )
        run, out = root / f"{name}_run", root / f"{name}_eval"
        args = ["train", *TRAIN, "--data", str(corpus), "--validation-songs", validation]
        assert main([*args, "-o", str(run)]) == 0
        code = main(["evaluate", "--checkpoint-dir", str(run), "-o", str(out), "--device", "cpu"])
        assert code == 0
        report = json.loads((out / "evaluation_results.json").read_text())["models"]
        runs[name] = (run, report)
    return runs


@pytest.fixture(scope="module")
def helper_reports(helper_runs) -> dict[str, dict]:
    return {name: report for name, (_, report) in helper_runs.items()}


def _show(name: str, entry: dict) -> None:
    h = entry["headline"]
    print(name, h["metric"], h["model"], h["baseline"], h["ci"], h["verdict"], h["n_groups"])


def test_dynamics_and_groove_are_better_than_the_mean_on_held_out_songs(helper_reports) -> None:
    real = helper_reports["real"]
    dyn, groove = real["dynamicsengine"]["headline"], real["groovepredictor"]["headline"]
    _show("real dynamics", real["dynamicsengine"])
    _show("real groove", real["groovepredictor"])
    assert dyn["metric"] == groove["metric"] == "mae" and dyn["higher_is_better"] is False
    assert dyn["n_groups"] == groove["n_groups"] == 16
    # Measured (seeds 0-2 of the corpus): dynamics MAE 0.099-0.107 against the mean's
    # 0.131-0.137, interval about [-0.047, -0.015]; groove 0.21-0.23 against 0.46, [-0.26, -0.20].
    assert dyn["verdict"] == "better" and dyn["diff"] < -0.015 and dyn["ci"][1] < -0.005
    assert groove["verdict"] == "better" and groove["diff"] < -0.15 and groove["ci"][1] < -0.1
    # Where: loudness and density follow the quadrant; the pitch register does not.
    dims = real["dynamicsengine"]["per_dimension"]
    mae = dict(zip(dims["names"], dims["model_mae"], strict=True))
    base = dict(zip(dims["names"], dims["baseline_mae"], strict=True))
    print({k: (round(mae[k], 4), round(base[k], 4)) for k in mae})
    assert mae["loudness"] < 0.6 * base["loudness"]
    # density less so: each 4 s clip's first 2 s fill the window from an empty start
    assert mae["note_density"] < 0.95 * base["note_density"]
    g = real["groovepredictor"]["per_dimension"]
    odd = [g["names"].index(f"onset_{p}") for p in (2, 4, 6, 8)]  # sixteenths in Q1/Q2 only
    assert all(g["model_mae"][i] < 0.7 * g["baseline_mae"][i] for i in odd)


def test_the_headline_is_every_clip_fed_whole_and_the_windows_agree(helper_reports) -> None:
    """As the plugin feeds them: every frame of each held-out clip, the tail the windows drop
    included; dense networks, so no live set. The windows are still reported beside it."""
    for name in ("dynamicsengine", "groovepredictor"):
        entry = helper_reports["real"][name]
        assert entry["headline_mode"] == "streamed", name
        assert set(entry["modes"]) == {"streamed", "windowed"}, name  # no live set: no state
        streamed, windowed = entry["modes"]["streamed"], entry["modes"]["windowed"]
        for mode, block in entry["modes"].items():
            h = block["headline"]
            print(name, mode, h["model"], h["baseline"], h["ci"], h["verdict"], block["n_frames"])
            assert h["metric"] == "mae" and h["verdict"] == "better", (name, mode, h)
            assert h["ci"][1] < -0.005 and h["n_groups"] == 16, (name, mode, h)
            dims = block["per_dimension"]
            assert len(dims["model_mae"]) == len(dims["baseline_mae"]) == len(dims["names"])
        assert entry["headline"] == streamed["headline"]
        assert entry["per_dimension"] == streamed["per_dimension"]
        assert "no state between frames" in streamed["how"] and "zero state" not in windowed["how"]
        # 16 songs, one clip each; the tails make the streamed frames more than the windows'.
        assert streamed["n_songs"] == 16 and streamed["n_clips"] == 16
        assert (
            streamed["n_frames"]
            > windowed["n_frames"]
            == entry["n_frames"] - (streamed["n_frames"] - windowed["n_frames"])
        )
    _text_report_fits(helper_reports["real"])


def _text_report_fits(models: dict) -> None:
    from rich.console import Console

    from emotrain.cli.evaluate import print_report

    console = Console(width=80, record=True, color_system=None)
    print_report({"models": models}, console)
    text = console.export_text()
    assert "mae by how the songs are fed" in text and "live set" not in text
    assert "mae per dimension" in text
    for _ in models:  # each model's tables: its figures, the modes, the dimensions
        start = text.index("metric / verdict")
        tables, text = text[start : text.index("better than the baseline (", start)], text[start:]
        text = text[text.index("better than the baseline (") :]
        assert max(len(line) for line in tables.splitlines()) <= 80, tables


def test_shuffled_labels_are_not_distinguishable(helper_reports) -> None:
    for name in ("dynamicsengine", "groovepredictor"):
        entry = helper_reports["shuffled"][name]
        _show(f"shuffled {name}", entry)
        # Measured (seeds 0-2): intervals straddling 0, e.g. [-0.001, 0.004] and [-0.009, 0.008].
        assert entry["headline"]["verdict"] == "not distinguishable", name
        for mode, block in entry["modes"].items():  # streamed (the headline) and windowed
            h = block["headline"]
            print("shuffled", name, mode, h["model"], h["baseline"], h["ci"], h["verdict"])
            assert h["verdict"] == "not distinguishable", (name, mode, h)


def test_compare_feeds_the_clips_whole_and_the_trained_run_wins(helper_runs, cli, tmp_path) -> None:
    """`compare` judges dynamics and groove as `evaluate` does: every frame of each clip, no live
    set; on new songs the run that learned beats the one trained on shuffled labels, and a run
    against itself differs by exactly 0."""
    songs = make_expressive_emopia(tmp_path / "new", songs_per_quadrant=4, bars=1, seed=7)
    for name in ("dynamicsengine", "groovepredictor"):
        a, b = (helper_runs[k][0] / "checkpoints" / f"{name}_best.pt" for k in ("shuffled", "real"))
        out = cli("compare", a, b, "--data", songs, "-o", tmp_path / name, "--json")
        assert out.code == 0, out.err
        report = json.loads(out.out)
        assert report["headline_mode"] == "streamed" and set(report["modes"]) == {"streamed"}
        assert "no state between frames" in report["modes"]["streamed"]["how"]
        assert report["bootstrap"]["n_songs"] == 16 and report["bootstrap"]["unit"] == "song"
        mae = {row["figure"]: row for row in report["figures"]}["mae"]
        print(name, mae["a"], mae["b"], mae["diff"], mae["ci_low"], mae["ci_high"], mae["verdict"])
        assert mae["verdict"] == "better" and mae["ci_high"] < -0.005, mae
        same = cli("compare", b, b, "--data", songs, "-o", tmp_path / f"{name}_same", "--json")
        itself = json.loads(same.out)
        assert itself["verdict"] == "equivalent", itself["figures"]
        assert all(r["diff"] == 0 and r["ci_low"] == r["ci_high"] == 0 for r in itself["figures"])


def test_the_exported_file_is_fed_whole_through_the_interpreter_alike(helper_runs, cli, tmp_path):
    """The file that ships, run by the reference interpreter over the same whole clips, gets the
    checkpoint's streamed figures to float32 rounding."""
    run, report = helper_runs["real"]
    out = cli("evaluate", "--checkpoint-dir", run / "dynamicsengine.json", "-o", tmp_path, "--json")
    assert out.code == 0, out.err
    entry = json.loads(out.out)["models"]["dynamicsengine"]
    want = report["dynamicsengine"]["modes"]["streamed"]
    assert set(entry["modes"]) == {"streamed", "windowed"}
    got = entry["modes"]["streamed"]
    assert got["n_frames"] == want["n_frames"] and got["headline"]["verdict"] == "better"
    assert got["headline"]["model"] == pytest.approx(want["headline"]["model"], abs=1e-6)
