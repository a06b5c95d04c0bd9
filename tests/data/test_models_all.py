"""`all` means what the corpus can teach, through the command line and the Python API alike
(one rule, config.choose_models): EMOPIA trains the melody, dynamics and groove either way."""

from __future__ import annotations

import emotrain
from emotrain.cli.train import resolve_train_config
from emotrain.config import DataConfig, choose_models
from emotrain.data.corpus import supported_models

FAST = ["--epochs", "1", "--seq-len", "8", "--batch-size", "16", "--device", "cpu", "--quiet"]
EMOPIA_TEACHES = ("melodytransformer", "dynamicsengine", "groovepredictor")


def _trained(run) -> set[str]:
    return {p.name.removesuffix("_best.pt") for p in (run / "checkpoints").glob("*_best.pt")}


def test_the_api_trains_what_the_cli_trains_on_one_corpus(emopia_corpus, tmp_path, cli):
    assert cli("train", "--data", emopia_corpus, "-o", tmp_path / "cli", *FAST).code == 0
    results = emotrain.train(
        "all", path=str(emopia_corpus), output=str(tmp_path / "api"),
        epochs=1, seq_len=8, batch_size=16, device="cpu",
    )  # fmt: skip
    assert sorted(r.name for r in results) == sorted(EMOPIA_TEACHES)
    assert _trained(tmp_path / "cli") == _trained(tmp_path / "api") == set(EMOPIA_TEACHES)


def test_all_however_given_is_narrowed_and_named_models_are_kept(emopia_corpus, tmp_path):
    data = DataConfig(format="auto", path=str(emopia_corpus))
    assert supported_models(data) == EMOPIA_TEACHES
    for given in (None, "all", ["all"], ("groove", "all")):
        assert choose_models(given, None, data) == EMOPIA_TEACHES, given
    assert choose_models(None, ["all"], data) == EMOPIA_TEACHES  # a config file's `all`
    assert choose_models(None, ["groove"], data) == ("groovepredictor",)
    # Named models are kept: preflight, not this rule, refuses what the corpus cannot train.
    assert choose_models("emotion", None, data) == ("emotionrecognizer",)
    # The built-in data teaches every model.
    assert len(choose_models(None, None, DataConfig())) == 5
    none = {"data": None, "cache_dir": None, "data_format": None}
    options = {**none, "data": emopia_corpus}
    for model in (None, ["all"]):
        config = resolve_train_config(options, model=model, config_file=None)
        assert config.models == EMOPIA_TEACHES
