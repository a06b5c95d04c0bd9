"""`emotrain plot` on run folders on disk: redraw, compare, refuse missing or corrupt histories."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
from histories import make_history

from emotrain.cli import main
from emotrain.plotting import compare_metric_figure, load_history, plot_runs


def write_history(run: Path, history: dict) -> Path:
    path = run / "history" / f"{history['model']}_history.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(history))
    return path


def test_one_run_is_redrawn_in_its_plots_folder(tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    write_history(run, make_history("groovepredictor"))
    write_history(run, make_history("melodytransformer", metric="note_f1"))
    assert main(["plot", str(run)]) == 0
    out = capsys.readouterr().out
    for name in ("groovepredictor", "melodytransformer"):
        for kind in ("loss", "metric"):
            png = run / "plots" / f"{name}_{kind}.png"
            assert png.name in out
            assert mpimg.imread(png).shape[:2] == (500, 800)


def test_model_option_and_log_scale(tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_history(run, make_history("groovepredictor"))
    write_history(run, make_history("dynamicsengine"))
    assert main(["plot", str(run), "--model", "dynamics", "--log", "-o", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "dynamicsengine_loss.png",
        "dynamicsengine_metric.png",
    ]


def test_several_runs_are_overlaid(tmp_path: Path) -> None:
    a, b = tmp_path / "lr-small", tmp_path / "lr-large"
    write_history(a, make_history("groovepredictor"))
    write_history(b, make_history("groovepredictor", n=4, scale=2.0))
    write_history(b, make_history("dynamicsengine"))
    out = tmp_path / "cmp"
    assert main(["plot", str(a), str(b), "--output", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "dynamicsengine_loss.png",
        "dynamicsengine_metric.png",
        "groovepredictor_loss.png",
        "groovepredictor_metric.png",
    ]
    runs = [("lr-small", load_history(a / "history" / "groovepredictor_history.json")),
            ("lr-large", load_history(b / "history" / "groovepredictor_history.json"))]  # fmt: skip
    fig = compare_metric_figure(runs)
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines()}
    assert set(lines) == {"lr-small", "lr-large"}
    assert list(lines["lr-large"].get_ydata()) == [r["val_mae"] for r in runs[1][1]["epochs"]]


def test_same_folder_names_are_told_apart(tmp_path: Path) -> None:
    a, b = tmp_path / "x" / "run", tmp_path / "y" / "run"
    write_history(a, make_history())
    write_history(b, make_history())
    written = plot_runs([a, b], output=tmp_path / "cmp")
    assert len(written) == 2


def test_missing_and_corrupt_histories_are_refused(tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    run.mkdir()
    assert main(["plot", str(run)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no history in") and err.count("\n") == 1

    path = write_history(run, make_history())
    path.write_text(path.read_text()[:50])
    assert main(["plot", str(run)]) == 1
    err = capsys.readouterr().err
    assert "is corrupt: not valid JSON" in err and err.count("\n") == 1
    assert not (run / "plots").exists()  # nothing drawn from a corrupt history

    write_history(run, make_history())
    assert main(["plot", str(run), "--model", "melody"]) == 1
    assert "history not found" in capsys.readouterr().err

    empty = make_history()
    empty["epochs"] = []
    write_history(run, empty)
    assert main(["plot", str(run)]) == 1
    assert "no completed epoch" in capsys.readouterr().err

    assert main(["plot", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_model_without_a_completed_epoch_is_passed_over(tmp_path: Path, capsys) -> None:
    """A run interrupted in its last model's first epoch: the other models are still drawn."""
    run = tmp_path / "run"
    write_history(run, make_history("groovepredictor"))
    started = make_history("dynamicsengine")
    started["epochs"], started["status"] = [], "interrupted"
    write_history(run, started)
    assert main(["plot", str(run)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "note: dynamicsengine: no completed epoch yet; nothing to plot\n"
    assert sorted(p.name for p in (run / "plots").iterdir()) == [
        "groovepredictor_loss.png",
        "groovepredictor_metric.png",
    ]
    assert "groovepredictor_loss.png" in captured.out

    write_history(run, {**make_history("groovepredictor"), "epochs": []})
    assert main(["plot", str(run), "-o", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: nothing to plot: none of the 2 histories has a completed")
    assert err.count("\n") == 1
    assert not (tmp_path / "none").exists()

    other = tmp_path / "other"
    write_history(other, make_history("dynamicsengine"))
    notes: list[str] = []
    written = plot_runs([run, other], output=tmp_path / "cmp", note=notes.append)
    assert [p.name for p in written] == ["dynamicsengine_loss.png", "dynamicsengine_metric.png"]
    assert len(notes) == 2 and all("no completed epoch yet" in n and str(run) in n for n in notes)


def test_output_that_is_a_file_is_a_usage_error(tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    write_history(run, make_history())
    taken = tmp_path / "plots.png"
    taken.write_bytes(b"mine")
    assert main(["plot", str(run), "-o", str(taken)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: --output: {taken} is a file; give a folder\n"
    assert taken.read_bytes() == b"mine" and not (run / "plots").exists()


def test_markup_characters_in_paths_are_printed_as_they_are(tmp_path: Path, capsys) -> None:
    for run in (tmp_path / "[best]", tmp_path / "run[/b]"):
        write_history(run, make_history())
        assert main(["plot", str(run)]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert f"wrote {run / 'plots' / 'groovepredictor_loss.png'}" in out


def test_one_run_given_twice_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    run = tmp_path / "runs" / "es"
    write_history(run, make_history())
    monkeypatch.chdir(tmp_path)
    assert main(["plot", "runs/es", str(run) + "/", "-o", "cmp"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: RUN_DIR: {run} is the same run as runs/es; give each run once\n"
    assert not (tmp_path / "cmp").exists()
