"""The emotion recognizer judged as the plugin runs it: songs streamed whole, a live set, and the
MediaEval per-song 2 Hz figures; the report readable at 80 columns."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from evalruns import write_run

from emotrain.evaluation import benchmark
from emotrain.evaluation.moments import sequence_sums
from emotrain.evaluation.report import evaluate, evaluate_checkpoint
from emotrain.evaluation.whole_songs import (
    CHUNK,
    LIVE_SET_ORDER,
    song_order,
    streams_from_corpus,
    torch_streamer,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))


@pytest.fixture(scope="module")
def emotion_run(tmp_path_factory) -> Path:
    return write_run(
        tmp_path_factory.mktemp("streamed") / "run",
        "emotionrecognizer",
        samples=40,
        seq_len=16,
        train_steps=30,
    )


@pytest.fixture(scope="module")
def report(emotion_run) -> dict:
    return evaluate(emotion_run, resamples=200)


def test_synthetic_items_streamed_whole_equal_their_windows(report) -> None:
    """Each synthetic item is one window from a zero state: the two evaluations must agree."""
    entry = report["models"]["emotionrecognizer"]
    assert entry["headline_mode"] == "streamed"
    streamed, windowed = entry["modes"]["streamed"], entry["modes"]["windowed"]
    for key, value in windowed["metrics"].items():
        assert streamed["metrics"][key] == pytest.approx(value, abs=1e-9, nan_ok=True), key
    assert streamed["headline"]["ci"] == pytest.approx(windowed["headline"]["ci"], abs=1e-9)
    assert entry["headline"] == streamed["headline"] and entry["metrics"] == streamed["metrics"]


def test_the_live_set_is_present_in_a_stated_order_and_carries_state(report) -> None:
    entry = report["models"]["emotionrecognizer"]
    live = entry["modes"]["live_set"]
    assert live["order"] == LIVE_SET_ORDER
    assert live["songs"] == sorted(live["songs"], key=song_order) and len(live["songs"]) == 10
    assert live["n_songs"] == entry["modes"]["streamed"]["n_songs"] == 10
    assert live["headline"]["verdict"] == "better"
    # one reset for the whole set: the items after the first start from another state
    assert live["metrics"]["mse"] != pytest.approx(entry["modes"]["streamed"]["metrics"]["mse"])
    for figure in benchmark.FIGURES:
        assert figure in live["metrics"] and figure in entry["metrics"]


def test_other_models_keep_their_windowed_report(tmp_path) -> None:
    run = write_run(tmp_path / "run", "groovepredictor", samples=24)
    entry = evaluate_checkpoint(run / "checkpoints" / "groovepredictor_best.pt", run_dir=run)
    assert entry["headline_mode"] == "windowed" and "modes" not in entry


def test_song_order_is_natural() -> None:
    assert sorted(["10", "2", "b", "1", "a2", "a10"], key=song_order) == [
        "1", "2", "10", "a2", "a10", "b",
    ]  # fmt: skip


def test_torch_streamer_equals_one_forward_over_the_song_in_blocks() -> None:
    from emotrain.models.catalog import get_spec

    torch.manual_seed(0)
    model = get_spec("emotion").build().eval()
    rng = np.random.default_rng(0)
    songs = [rng.standard_normal((n, 128)).astype(np.float32) for n in (CHUNK + 300, 50)]
    stream = torch_streamer(model)
    with torch.no_grad():
        whole = [model(torch.from_numpy(s).unsqueeze(0))[0].double().numpy() for s in songs]
        live = model(torch.from_numpy(np.concatenate(songs)).unsqueeze(0))[0].double().numpy()
    for got, want in zip(stream(songs, False), whole, strict=True):
        assert np.abs(got - want).max() < 1e-5
    carried = np.concatenate(stream(songs, True))
    assert np.abs(carried - live).max() < 1e-5
    assert np.abs(carried[-50:] - whole[1]).max() > 1e-4  # the carried state mattered


def test_segment_sums_equal_summed_frame_rows() -> None:
    rng = np.random.default_rng(1)
    pred = torch.from_numpy(rng.uniform(-1, 1, (30, 1, 64)))
    target = torch.from_numpy(rng.uniform(-1, 1, (30, 1, 64)))
    starts = np.array([0, 7, 8, 20])
    rows, finish = sequence_sums("emotionrecognizer", pred, target)
    songs, finish_songs = sequence_sums("emotionrecognizer", pred, target, segments=starts)
    assert np.allclose(songs, np.add.reduceat(rows, starts, axis=0))
    assert finish_songs(songs.sum(0)) == pytest.approx(finish(rows.sum(0)))


def test_grid_frames_sit_on_multiples_of_half_a_second() -> None:
    mask = np.ones(100, dtype=bool)
    mask[:30] = False  # no label yet (DEAM's first 15 s)
    rate = 22050 / 512
    grid = benchmark.grid_frames(mask, rate)
    assert grid.tolist() == [43, 65, 86]  # 1.0, 1.5, 2.0 s (0.5 s = frame 21.5: unlabelled)
    assert all(abs(i / rate - round(i / rate * 2) / 2) <= 0.5 / rate for i in grid)


def _va_frames(v: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.concatenate([np.repeat(v[:, None], 32, 1), np.repeat(a[:, None], 32, 1)], 1)


def test_per_song_figures_by_hand() -> None:
    rate = 2.0  # one frame per grid point: every frame is scored
    t = np.linspace(-0.5, 0.5, 6)
    dynamic = _va_frames(t, -t)
    static = _va_frames(np.full(6, 0.3), np.full(6, -0.2))
    outputs = [dynamic + 0.1, _va_frames(2 * t, -t), static - 0.2]
    targets = [dynamic, dynamic, static]
    masks = [np.ones(6, dtype=bool)] * 3
    cols = benchmark.song_columns(outputs, targets, masks, rate)
    figures = benchmark.finish(cols.sum(0))
    rmse_v2 = math.sqrt(float((t**2).mean()))  # 2t against t
    assert figures["valence_rmse"] == pytest.approx((0.1 + rmse_v2 + 0.2) / 3)
    assert figures["arousal_rmse"] == pytest.approx((0.1 + 0.0 + 0.2) / 3)
    # Pearson is undefined on the static song (constant labels): averaged over the other two
    assert figures["valence_pearson"] == pytest.approx(1.0)
    assert cols[2, 5] == 0 and cols[:, 5].sum() == 2
    assert benchmark.finish(cols[2:].sum(0))["valence_pearson"] is None


def test_corpus_songs_stream_from_their_first_frame_and_score_labelled_ones(tmp_path) -> None:
    from audible import make_changing_deam

    from emotrain.config import DataConfig

    corpus = make_changing_deam(tmp_path / "deam", n=3, seconds=3.0, label_from=1.0)
    cfg = DataConfig(format="deam", path=str(corpus))
    streams = streams_from_corpus(cfg, ["3", "1"], tmp_path / "out")
    assert streams.songs == ["1", "3"] and streams.unit == "songs"
    for x, y, mask in zip(streams.inputs, streams.targets, streams.masks, strict=True):
        assert x.shape == (130, 128) and y.shape == (130, 64)
        # labels from 1.0 s (frame 43.1) to 2.5 s (frame 107.7): the rest is streamed, not scored
        assert not mask[:43].any() and mask[44:107].all() and not mask[108:].any()
        v = y[mask, 0]
        assert v[0] != v[-1]  # the emotion changes halfway


def _lines(text: str) -> list[str]:
    return text.splitlines()


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_table_keeps_names_numbers_and_verdicts_whole(report, width) -> None:
    from rich.console import Console

    from emotrain.cli.evaluate import model_table, modes_table

    entry = report["models"]["emotionrecognizer"]
    console = Console(record=True, width=width)
    console.print(model_table(entry, width))
    console.print(modes_table(entry, width))
    text = console.export_text()
    assert max(len(line) for line in _lines(text)) <= width
    assert "…" not in text
    for metric, comp in entry["comparison"].items():
        row = next(line for line in _lines(text) if line.lstrip("│┃ ").startswith(metric))
        if comp["diff"] is not None:
            assert f"{comp['diff']:.4f}" in row or f"{comp['diff']:.2e}" in row
            low, high = comp["ci"]
            assert f"[{low:.4f}, {high:.4f}]" in row
    for verdict in {c["verdict"] for c in entry["comparison"].values() if c["diff"] is not None}:
        assert any(verdict in line for line in _lines(text))
    for mode in ("streamed", "live set", "windowed"):
        assert any(line.lstrip("│ ").startswith(mode) for line in _lines(text))
    for metric, value in entry["metrics"].items():  # every figure, in the first table or below
        if isinstance(value, float):
            assert f"{value:.4f}" in text or f"{value:.2e}" in text, metric


def test_the_exported_file_is_judged_through_the_interpreter_like_its_checkpoint(
    emotion_run, report, cli, tmp_path
) -> None:
    import json

    from emotrain.export.rtneural import export_checkpoint

    export_checkpoint(emotion_run / "checkpoints" / "emotionrecognizer_best.pt", emotion_run)
    result = cli("evaluate", "--checkpoint-dir", emotion_run / "emotionrecognizer.json", "-o", tmp_path,
                 "--json", "--resamples", "100")  # fmt: skip
    assert result.code == 0, result.err
    entry = json.loads(result.out)["models"]["emotionrecognizer"]
    ours = report["models"]["emotionrecognizer"]
    assert entry["checkpoint_kind"] == "export" and entry["checkpoint_format"] == "rtneural-json"
    assert entry["data"] == ours["data"]  # its run's validation split, found beside the file
    for mode in ("streamed", "live_set", "windowed"):
        got, want = entry["modes"][mode], ours["modes"][mode]
        assert got["headline"]["verdict"] == want["headline"]["verdict"]
        for key, value in want["metrics"].items():
            if value is not None:
                assert got["metrics"][key] == pytest.approx(value, abs=1e-5), (mode, key)


def test_a_registry_version_is_judged_on_its_runs_songs(
    emotion_run, report, cli, tmp_path, monkeypatch
) -> None:
    import json

    from emotrain.export.rtneural import export_checkpoint

    export_checkpoint(emotion_run / "checkpoints" / "emotionrecognizer_best.pt", emotion_run)
    reg = tmp_path / "reg"
    added = cli("registry", "add", emotion_run, "--registry", reg)
    assert added.code == 0, added.err
    monkeypatch.setenv("EMOTRAIN_REGISTRY", str(reg))
    result = cli("evaluate", "--checkpoint-dir", "emotion@1", "-o", tmp_path / "out", "--json",
                 "--resamples", "100")  # fmt: skip
    assert result.code == 0, result.err
    entry = json.loads(result.out)["models"]["emotionrecognizer"]
    assert entry["checkpoint_kind"] == "registry" and entry["headline_mode"] == "streamed"
    want = report["models"]["emotionrecognizer"]["headline"]["model"]
    assert entry["headline"]["model"] == pytest.approx(want, abs=1e-5)


def test_the_live_set_reports_how_fast_the_recognizer_follows_a_change(report) -> None:
    from emotrain.cli.evaluate import response_lines

    modes = report["models"]["emotionrecognizer"]["modes"]
    live = modes["live_set"]["response"]
    assert live["valence_changes"] + live["arousal_changes"] > 0
    assert live["min_change"] == 0.4 and "response" in modes["streamed"]
    lines = response_lines(modes)
    assert "live set" in lines[-1] and all(len(line) <= 80 for line in lines)
