"""`emotrain train` end to end: tiny real runs through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import emotrain
from emotrain.training.checkpoint import load_checkpoint
from tests.conftest import TINY

LAYOUT = [
    "{n}.json",
    "checkpoints/{n}_latest.pt",
    "checkpoints/{n}_best.pt",
    "history/{n}_history.json",
    "history/{n}_history.csv",
    "plots/{n}_loss.png",
    "plots/{n}_metric.png",
    "splits/{n}_split.json",
]
OLD_KEYS = {"epoch", "model_state_dict", "optimizer_state_dict", "metrics", "model_name"}


@pytest.mark.parametrize("name", ["groovepredictor", "melodytransformer"])
def test_run_folder_has_the_exact_layout(tiny_run, name):
    for pattern in LAYOUT:
        assert (tiny_run / pattern.format(n=name)).is_file(), pattern
    assert (tiny_run / "run_config.json").is_file()
    assert not list(tiny_run.rglob("*.tmp"))


def test_checkpoint_holds_old_keys_and_everything_needed_to_resume(tiny_run):
    ckpt = load_checkpoint(tiny_run / "checkpoints/melodytransformer_latest.pt")
    assert set(ckpt) >= OLD_KEYS
    for key in ("scheduler_state_dict", "early_stopping", "rng", "config", "architecture"):
        assert ckpt.get(key), key
    assert ckpt["epoch"] == 3 and ckpt["finished"] is True
    assert ckpt["config"]["training"]["epochs"] == 3
    assert len(ckpt["metrics"]["epochs"]) == 3


def test_history_json_and_csv_agree(tiny_run):
    import pandas as pd

    history = json.loads((tiny_run / "history/melodytransformer_history.json").read_text())
    frame = pd.read_csv(tiny_run / "history/melodytransformer_history.csv")
    assert [r["epoch"] for r in history["epochs"]] == [1, 2, 3] == list(frame["epoch"])
    for column in (
        "train_loss",
        "val_loss",
        "lr",
        "val_note_f1",
        "val_note_precision",
        "val_note_recall",
        "epoch_time_s",
        "samples_per_s",
    ):
        assert column in frame.columns
        got = [r[column] for r in history["epochs"]]
        assert list(frame[column]) == pytest.approx(got, rel=1e-12)
    assert history["status"] == "finished" and history["metric"] == "note_f1"


def test_split_manifest_is_disjoint_and_complete(tiny_run):
    manifest = json.loads((tiny_run / "splits/groovepredictor_split.json").read_text())
    train, val = set(manifest["train"]), set(manifest["val"])
    assert not train & val
    assert len(train | val) == 24
    assert len(val) == round(24 * 0.2)


def test_public_load_model_gives_eval_module(tiny_run):
    model = emotrain.load_model(tiny_run / "checkpoints/melodytransformer_best.pt")
    assert not model.training
    assert model(torch.zeros(2, 5, 64)).shape == (2, 5, 128)


def test_existing_run_is_refused_and_left_untouched(tiny_run, cli):
    before = (tiny_run / "checkpoints/groovepredictor_best.pt").read_bytes()
    result = cli("train", "--model", "groove", "--epochs", "1", "--output", tiny_run, *TINY)
    assert result.code == 1
    assert len(result.err_lines) == 1
    assert "emotrain resume" in result.err and "--overwrite" in result.err
    assert (tiny_run / "checkpoints/groovepredictor_best.pt").read_bytes() == before


def test_overwrite_replaces_the_run(tmp_path, cli):
    out = tmp_path / "run"
    assert cli("train", "-m", "groove", "--epochs", "2", "-o", out, *TINY).code == 0
    assert cli("train", "-m", "groove", "--epochs", "1", "-o", out, "--overwrite", *TINY).code == 0
    history = json.loads((out / "history/groovepredictor_history.json").read_text())
    assert len(history["epochs"]) == 1


BAD = [
    (["--validation-split", "0"], "--validation-split"),
    (["--validation-split", "1"], "--validation-split"),
    (["--validation-split", "1.5"], "--validation-split"),
    (["--epochs", "0"], "--epochs"),
    (["--batch-size", "0"], "--batch-size"),
    (["--lr", "-0.1"], "--learning-rate"),
    (["--model", "wavenet"], "--model"),
    (["--device", "tpu"], "--device"),
    (["--device", "cuda"], "--device cuda")
    if not torch.cuda.is_available()
    else (["--seq-len", "0"], "--seq-len"),
    (["--seq-len", "0"], "--seq-len"),
    (["--samples", "1"], "--samples"),
    (["--data-format", "mp3"], "--data-format"),
    (["--min-delta", "-1"], "--min-delta"),
    (["--early-stopping-patience", "0"], "--early-stopping-patience"),
    (["--data-format", "synthetic", "--data", "."], "--data-format"),
]


@pytest.mark.parametrize(
    ("args", "needle"), BAD, ids=lambda v: " ".join(v) if isinstance(v, list) else None
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, cli, args, needle):
    out = tmp_path / "run"
    result = cli("train", "--output", out, "--epochs", "1", "--quiet", *args)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1, result.err
    assert needle in result.err
    assert "Traceback" not in result.err
    assert not out.exists()


def test_several_problems_are_reported_at_once(tmp_path, cli):
    result = cli("train", "-o", tmp_path / "r", "--epochs", "0", "--batch-size", "0")
    assert result.code == 2
    assert "--epochs" in result.err and "--batch-size" in result.err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "--epochs", "many"], "--epochs"),
        (["train", "--no-such-option"], "--no-such-option"),
        (["resume"], "Missing argument"),
        (["trian"], "No such command"),
    ],
)
def test_typer_usage_errors_are_one_line_too(tmp_path, cli, args, needle):
    result = cli(*args)
    assert result.code == 2
    assert result.err_lines == [result.err_lines[0]] and needle in result.err
    assert result.err.startswith("error: ") and "--help" in result.err


def test_debug_shows_the_traceback(tmp_path, cli):
    result = cli("train", "-o", tmp_path / "r", "--model", "wavenet", "--debug")
    assert result.code == 2
    assert "Traceback" in result.err


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path)["model_state_dict"]


def _rows(path: Path) -> list[dict]:
    rows = json.loads(path.read_text())["epochs"]
    return [
        {k: v for k, v in r.items() if k not in ("epoch_time_s", "samples_per_s")} for r in rows
    ]


def test_same_seed_same_bits_other_seed_other_bits(tmp_path, cli):
    runs = {}
    for label, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        out = tmp_path / label
        assert (
            cli("train", "-m", "melody", "--epochs", "2", "--seed", seed, "-o", out, *TINY).code
            == 0
        )
        runs[label] = out
    wa, wb, wc = (_weights(runs[k] / "checkpoints/melodytransformer_latest.pt") for k in "abc")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    ra, rb = (
        load_checkpoint(runs[k] / "checkpoints/melodytransformer_latest.pt")["rng"] for k in "ab"
    )
    assert torch.equal(ra["numpy"]["state"], rb["numpy"]["state"])  # numpy is seeded too
    assert torch.equal(ra["torch"], rb["torch"])
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)
    assert _rows(runs["a"] / "history/melodytransformer_history.json") == _rows(
        runs["b"] / "history/melodytransformer_history.json"
    )
    assert (runs["a"] / "melodytransformer.json").read_bytes() != b""


def test_help_and_version_do_not_import_torch():
    code = (
        "import sys\n"
        "from emotrain.cli import main\n"
        "for args in (['--help'], ['--version'], ['train', '--help']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("NO-TORCH")
    assert "--validation-split" in out.stdout and "export-rtneural" in out.stdout


def test_python_dash_m_and_plain_progress_when_piped(tmp_path):
    version = subprocess.run(
        [sys.executable, "-m", "emotrain", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("emotrain ")
    out = tmp_path / "run"
    args = [a for a in TINY if a != "--quiet"]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "emotrain",
            "train",
            "-m",
            "dynamics",
            "--epochs",
            "2",
            "-o",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    epoch_lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[dynamicsengine] epoch")]
    assert len(epoch_lines) == 2
    assert (
        "val_loss" in epoch_lines[0]
        and "samples/s" in epoch_lines[0]
        and "patience" in epoch_lines[0]
    )
    assert (
        "\x1b[" not in proc.stdout.split("emotrain: run in")[0]
    )  # no bars or colour codes in logs
    assert "best val loss" in proc.stdout  # the summary table


def test_nan_loss_stops_the_model_and_keeps_its_best_checkpoint(tmp_path, cli, monkeypatch):
    import emotrain.training.model_trainer as mt

    real = mt.loss_from_logits
    calls = {"n": 0}

    def poisoned(spec, logits, target):
        calls["n"] += torch.is_grad_enabled()  # count training batches only
        loss = real(spec, logits, target)
        return loss * float("nan") if calls["n"] > 6 else loss  # 3 batches/epoch: epoch 3 diverges

    monkeypatch.setattr(mt, "loss_from_logits", poisoned)
    out = tmp_path / "run"
    result = cli("train", "-m", "dynamics", "--epochs", "5", "-o", out, *TINY)
    assert result.code == 1
    assert "dynamicsengine" in result.err and "nan" in result.err.lower()
    assert len(result.err_lines) == 1
    best = load_checkpoint(out / "checkpoints/dynamicsengine_best.pt")
    history = json.loads((out / "history/dynamicsengine_history.json").read_text())
    # The best of the two good epochs (which one depends on the data, not on the divergence).
    assert best["epoch"] == history["best_epoch"] in (1, 2)
    assert all(torch.isfinite(v).all() for v in best["model_state_dict"].values())
    assert history["status"] == "diverged" and len(history["epochs"]) == 2
    latest = load_checkpoint(out / "checkpoints/dynamicsengine_latest.pt")
    assert latest["finished"] is True and latest["status"] == "diverged"
    assert (out / "dynamicsengine.json").is_file()  # exported from the best weights
    assert "already finished" in cli("resume", out).out


def test_early_stopping_restores_the_best_epoch_bit_for_bit(tmp_path, monkeypatch):
    """Script the validation losses so the best epoch is 2 of 4, then check the restored weights."""
    import emotrain.training.model_trainer as mt
    from emotrain.training import trainer as trainer_mod

    snapshots: dict[int, dict[str, torch.Tensor]] = {}
    scripted = iter([1.0, 0.5, 0.7, 0.8, 0.9])
    real_validate = mt.ModelTrainer.validate

    def validate(self):
        snapshots[len(snapshots) + 1] = {k: v.clone() for k, v in self.model.state_dict().items()}
        _, metrics = real_validate(self)
        return next(scripted), metrics

    restored = {}
    real_finish = trainer_mod._finish

    def finish(trainer, result, paths, reporter, *rest):
        real_finish(trainer, result, paths, reporter, *rest)
        restored.update({k: v.clone() for k, v in trainer.model.state_dict().items()})

    monkeypatch.setattr(mt.ModelTrainer, "validate", validate)
    monkeypatch.setattr(trainer_mod, "_finish", finish)
    results = emotrain.train(
        "groove",
        output=tmp_path / "run",
        epochs=10,
        early_stopping_patience=2,
        samples=24,
        seq_len=4,
        batch_size=8,
        device="cpu",
    )
    assert results[0].status == "early_stopped" and results[0].best_epoch == 2
    assert len(snapshots) == 4
    for k, v in restored.items():
        assert torch.equal(v, snapshots[2][k]), k
        assert not torch.equal(v, snapshots[4][k]) or v.numel() == 0
    best = load_checkpoint(tmp_path / "run/checkpoints/groovepredictor_best.pt")
    assert all(torch.equal(best["model_state_dict"][k], snapshots[2][k]) for k in restored)


def test_ctrl_c_while_data_loads_leaves_the_old_run_untouched(tiny_run, tmp_path):
    import shutil
    import threading

    from emotrain.config import DataConfig, RunConfig, TrainingConfig
    from emotrain.errors import RunInterrupted
    from emotrain.training.trainer import train

    run = tmp_path / "copy"
    shutil.copytree(tiny_run, run)
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    stop = threading.Event()
    stop.set()  # Ctrl-C arrived while the data was being prepared
    config = RunConfig(models=("groovepredictor",), data=DataConfig(samples=24, seq_len=4),
                       training=TrainingConfig(epochs=1, batch_size=8, device="cpu"), output=str(run))  # fmt: skip
    with pytest.raises(RunInterrupted, match="was not changed"):
        train(config, overwrite=True, stop_event=stop)
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before


def test_an_exported_model_alone_is_not_overwritten(tmp_path, cli):
    plugin = tmp_path / "plugin_models"
    plugin.mkdir()
    (plugin / "groovepredictor.json").write_text('{"in_shape": [null, 64], "layers": []}')
    result = cli("train", "-m", "groove", "--epochs", "1", "-o", plugin, *TINY)
    assert result.code == 1 and "--overwrite" in result.err
    assert (plugin / "groovepredictor.json").read_text().startswith('{"in_shape"')


def test_a_file_where_a_run_folder_goes_is_a_usage_error(tmp_path, cli):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoints").write_text("not a folder")
    result = cli("train", "-m", "groove", "--epochs", "1", "-o", out, *TINY)
    assert result.code == 2 and "checkpoints" in result.err
    assert sorted(p.name for p in out.iterdir()) == ["checkpoints"]


def test_python_api_reports_wrongly_typed_options():
    from emotrain.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        emotrain.train("groove", output="unused", epochs="3", seed=None)
    # A Python caller is told the keyword it passed, not the command line's flag.
    assert "epochs: must be an integer" in str(info.value)
    assert "seed: must be an integer" in str(info.value)
    assert "--" not in str(info.value)
    with pytest.raises(ConfigError) as info:
        emotrain.train("groove", output="unused", samples=4, validation_split=0.1, path=None,
                       format="deam")  # fmt: skip
    assert str(info.value) == "path: format deam needs a corpus folder (path=PATH)"


def test_python_api_errors_keep_shell_commands_as_they_are():
    from emotrain import _python_names
    from emotrain.errors import ConfigError

    @_python_names({"--data": "path"})
    def fails():
        raise ConfigError("--data: give a folder; or run `emotrain train --data X --batch-size 8`")

    with pytest.raises(ConfigError) as info:
        fails()
    assert str(info.value) == (
        "path: give a folder; or run `emotrain train --data X --batch-size 8`"
    )


def test_paths_that_look_like_rich_markup_are_printed_as_they_are(tmp_path, cli):
    out = tmp_path / "run[/b] [bold]x"
    result = cli("train", "-m", "dynamics", "--epochs", "1", "-o", out, *TINY)
    assert result.code == 0, result.err
    # a long temporary path may wrap at its space: compare without whitespace
    assert "run[/b][bold]x" in "".join(result.out.split())


def test_rich_progress_escapes_what_it_prints():
    import io

    from rich.console import Console

    from emotrain.training.progress import RichReporter

    buffer = io.StringIO()
    reporter = RichReporter(Console(file=buffer, force_terminal=True, width=160))
    reporter.data_progress("[emotionrecognizer] extracting audio features", 3, 3)
    reporter.model_started("emotionrecognizer", start_epoch=0, epochs=1, batches=1, n_train=2,
                           n_val=1, description="folder corpus at /data/a[/b]")  # fmt: skip
    reporter.message("skipped /data/[intro].wav")
    reporter.close()
    import re

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())  # colours and cursor moves
    assert "a[/b]" in text and "[intro].wav" in text and "[emotionrecognizer]" in text


def test_run_config_keeps_models_trained_by_earlier_commands(tmp_path, cli):
    out = tmp_path / "run"
    assert cli("train", "-m", "groove", "--epochs", "1", "-o", out, *TINY).code == 0
    assert cli("train", "-m", "dynamics", "--epochs", "1", "-o", out, *TINY).code == 0
    recorded = json.loads((out / "run_config.json").read_text())
    assert recorded["models"] == ["dynamicsengine", "groovepredictor"]
    assert "already finished" in cli("resume", out).out


def test_a_second_run_into_a_taken_folder_is_told_to_take_its_own(cli, tmp_path):
    """Quickstart's real-data step once collided with the first run: the way out comes first."""
    out = tmp_path / "trained_models"
    assert cli("train", "-m", "groove", "--epochs", "1", "-o", out, *TINY).code == 0
    again = cli("train", "-m", "groove", "--epochs", "1", "-o", out, *TINY)
    assert again.code == 1 and len(again.err_lines) == 1, again.err
    assert "give a new run its own folder (--output DIR)" in again.err
    assert (
        f"`emotrain resume {out}`" in again.err and "--overwrite (its files are lost)" in again.err
    )
