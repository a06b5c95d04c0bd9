"""`--validation-songs` fixes the held-out songs (e.g. DEAM's 2015 test songs 2001-2058).

Real corpora in their real layouts (tests/data/corpora.py); the split manifest, the checkpoint,
`evaluate` and `resume` all keep the songs asked for; an id the corpus lacks is a usage error that
names it, before anything is written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

from corpora import make_audio_folder, make_deam, make_emopia, make_pmemo

from emotrain.config import DataConfig
from emotrain.data.split import parse_song_ids, resolve_song_spec
from emotrain.errors import ConfigError

FAST = ["--epochs", "1", "--batch-size", "8", "--device", "cpu", "--quiet"]


def _manifest(run: Path, name: str) -> dict:
    return json.loads((run / "splits" / f"{name}_split.json").read_text())


def test_ids_ranges_and_files_are_read(tmp_path) -> None:
    assert parse_song_ids(" 2001-2003 ,7, 12.0,, -9bgKsvD8sU") == [
        (2001, 2003),
        "7",
        "12",
        "-9bgKsvD8sU",
    ]
    listing = tmp_path / "test_songs.txt"
    listing.write_text("# DEAM 2015\n2001-2058\n\n_kJtgm1OUNA, 5\n", encoding="utf-8")
    assert resolve_song_spec(str(listing)) == "2001-2058,_kJtgm1OUNA,5"
    assert resolve_song_spec("test_songs.txt", tmp_path) == "2001-2058,_kJtgm1OUNA,5"
    assert resolve_song_spec("3,1-2") == "3,1-2"  # not a file: the ids themselves
    for bad, says in (("9-3", "runs backwards"), (" , ", "no song id"), ("#x", "no song id")):
        with pytest.raises(ConfigError, match=says):
            parse_song_ids(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"no song id.*{empty.name}"):
        resolve_song_spec(str(empty))


def test_deam_test_songs_are_held_out_through_train_evaluate_and_toml(cli, tmp_path) -> None:
    corpus = make_deam(tmp_path / "deam")  # songs 2, 3, 10, 45, 2001, 2002
    run = tmp_path / "run"
    args = ["-m", "emotion", "--data", corpus, "--validation-songs", "2001-2002", *FAST]
    args += ["--cache-dir", tmp_path / "cache"]
    result = cli("train", *args, "-o", run)
    assert result.code == 0, result.err
    manifest = _manifest(run, "emotionrecognizer")
    assert manifest["val"] == ["2001", "2002"] and manifest["train"] == ["10", "2", "3", "45"]
    assert manifest["validation_songs"] == "2001-2002" and manifest["validation_split"] is None
    import torch

    ckpt = torch.load(run / "checkpoints" / "emotionrecognizer_best.pt", weights_only=True)
    assert ckpt["split"]["val"] == ["2001", "2002"]
    toml = (run / "run_config.toml").read_text()
    assert 'validation_songs = "2001-2002"' in toml and "validation_split" not in toml

    result = cli(
        "evaluate", "--checkpoint-dir", run, "-o", run / "eval", "--json", "--device", "cpu"
    )
    assert result.code == 0, result.err
    entry = json.loads(result.out)["models"]["emotionrecognizer"]
    assert entry["headline"]["n_groups"] == 2  # judged on exactly the two fixed songs

    # The written recipe trains the same split again.
    again = tmp_path / "again"
    result = cli("train", "--config", run / "run_config.toml", *FAST, "-o", again,
                 "--cache-dir", tmp_path / "cache")  # fmt: skip
    assert result.code == 0, result.err
    assert _manifest(again, "emotionrecognizer")["val"] == ["2001", "2002"]


def test_an_id_the_corpus_lacks_is_a_usage_error_before_anything_is_written(cli, tmp_path) -> None:
    corpus = make_deam(tmp_path / "deam", ids=("2", "3", "2001", "2002"), seconds=16.0)
    run = tmp_path / "run"
    args = ["-m", "emotion", "--data", corpus, *FAST, "-o", run]
    result = cli("train", *args, "--validation-songs", "2001-2058,77")
    assert result.code == 2
    assert "57 song ids are not in the deam corpus" in result.err
    assert "2003-2058, 77" in result.err and "Traceback" not in result.err
    assert not run.exists()
    result = cli("train", *args, "--validation-songs", "2,3,2001,2002")
    assert result.code == 2 and "leave at least one for training" in result.err
    result = cli("train", *args, "--validation-songs", "2001", "--validation-split", "0.5")
    assert result.code == 2 and "give one" in result.err
    assert not run.exists()


def test_emopia_songs_are_youtube_ids_read_from_a_file_and_keep_their_clips(cli, tmp_path) -> None:
    corpus = make_emopia(tmp_path / "emopia")
    listing = tmp_path / "held_out.txt"
    listing.write_text("_kJtgm1OUNA\n-9bgKsvD8sU\n", encoding="utf-8")  # ids may start with -
    run = tmp_path / "run"
    result = cli("train", "-m", "melody", "--data", corpus, "--validation-songs", listing,
                 *FAST, "-o", run)  # fmt: skip
    assert result.code == 0, result.err
    manifest = _manifest(run, "melodytransformer")
    assert manifest["val"] == ["-9bgKsvD8sU", "_kJtgm1OUNA"]
    assert manifest["n_val_sequences"] == manifest["n_train_sequences"]  # 4 clips of 8 each side
    result = cli("train", "-m", "melody", "--data", corpus, "--validation-songs",
                 "Q1__kJtgm1OUNA_0", *FAST, "-o", tmp_path / "other")  # fmt: skip
    assert result.code == 2 and "1 song id is not in the emopia corpus" in result.err
    assert "Q1__kJtgm1OUNA_0" in result.err  # a clip name is not a song id


def test_pmemo_and_folder_ids_are_checked_from_the_files_alone(tmp_path) -> None:
    from emotrain.config import RunConfig
    from emotrain.training.trainer import check_validation_songs

    pmemo = make_pmemo(tmp_path / "pmemo")  # musicIds 1, 4, 5, 6, 7
    config = RunConfig(
        ("emotionrecognizer",), DataConfig(format="pmemo", path=str(pmemo), validation_songs="4-5")
    )
    check_validation_songs(config)
    with pytest.raises(ConfigError, match=r"1 song id is not in the pmemo corpus at .*: 2 "):
        check_validation_songs(
            RunConfig(config.models, DataConfig("pmemo", str(pmemo), validation_songs="1-2"))
        )
    # A folder's song is its `song` column, else the file's path without its suffix.
    folder = make_audio_folder(tmp_path / "folder")  # take_0 and take_1 are the song "duet"
    ok = DataConfig("folder", str(folder), validation_songs="duet,clips/take_3")
    check_validation_songs(RunConfig(config.models, ok))
    with pytest.raises(ConfigError, match=r"not in the folder corpus at .*: clips/take_0 "):
        check_validation_songs(
            RunConfig(
                config.models, DataConfig("folder", str(folder), validation_songs="clips/take_0")
            )
        )


def test_synthetic_ids_are_item_indices_and_resume_keeps_the_split(cli, tmp_path) -> None:
    run = tmp_path / "run"
    base = ["-m", "groove", "--samples", "40", "--batch-size", "8", "--device", "cpu", "--quiet"]
    result = cli("train", *base, "--validation-songs", "0-9,39", "--epochs", "1", "-o", run)
    assert result.code == 0, result.err
    manifest = _manifest(run, "groovepredictor")
    expected = [f"synthetic-{i:06d}" for i in (*range(10), 39)]
    assert manifest["val"] == expected and manifest["unit"] == "sequence"
    result = cli("resume", run, "--epochs", "2", "--quiet")
    assert result.code == 0, result.err
    import torch

    ckpt = torch.load(run / "checkpoints" / "groovepredictor_latest.pt", weights_only=True)
    assert ckpt["epoch"] == 2 and ckpt["split"]["val"] == expected
    assert _manifest(run, "groovepredictor")["val"] == expected
    result = cli("resume", run, "--epochs", "3", "--validation-split", "0.2")
    assert result.code == 2 and "holds out fixed songs (--validation-songs 0-9,39)" in result.err
    result = cli("train", *base, "--validation-songs", "40", "-o", tmp_path / "x")
    assert result.code == 2 and "1 song id is not in the synthetic data" in result.err


def test_config_files_take_the_songs_and_refuse_both_ways(cli, tmp_path) -> None:
    (tmp_path / "songs.txt").write_text("0-4\n", encoding="utf-8")
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(
        'models = ["groove"]\n[data]\nsamples = 20\nvalidation_songs = "songs.txt"\n',
        encoding="utf-8",
    )
    from emotrain.configfile import read_config_file

    assert read_config_file(recipe)["data"]["validation_songs"] == "0-4"  # the file's folder
    both = tmp_path / "both.toml"
    both.write_text('[data]\nvalidation_split = 0.3\nvalidation_songs = "1"\n', encoding="utf-8")
    result = cli("train", "--config", both, "-o", tmp_path / "run")
    assert result.code == 2 and "validation_split and validation_songs: give one" in result.err

    from emotrain.cli.train import resolve_train_config

    options = dict.fromkeys(("data", "cache_dir", "data_format"))
    config = resolve_train_config(options, model=None, config_file=recipe)
    assert config.data.validation_songs == "0-4"
    # A fraction on the command line wins over the file's fixed songs, as options win over files.
    config = resolve_train_config({**options, "validation_split": 0.5}, model=None,
                                  config_file=recipe)  # fmt: skip
    assert config.data.validation_songs is None and config.data.validation_split == 0.5


def test_tune_refuses_an_unknown_song_before_the_study_folder_exists(cli, tmp_path) -> None:
    corpus = make_emopia(tmp_path / "emopia")
    out = tmp_path / "study"
    result = cli("tune", "-m", "melody", "--data", corpus, "--validation-songs", "nosuchsongxx",
                 "--trials", "1", "--epochs", "1", "-o", out)  # fmt: skip
    assert result.code == 2 and "nosuchsongxx" in result.err
    assert not out.exists()


def test_the_python_api_takes_a_list_of_ids(tmp_path) -> None:
    import emotrain

    emotrain.train("groove", output=str(tmp_path / "run"), samples=20, epochs=1,
                   validation_songs=[0, 1, 5], device="cpu")  # fmt: skip
    val = _manifest(tmp_path / "run", "groovepredictor")["val"]
    assert val == ["synthetic-000000", "synthetic-000001", "synthetic-000005"]


@settings(max_examples=60, deadline=None)
@given(
    songs=st.sets(st.integers(0, 400), min_size=2, max_size=40),
    data=st.data(),
)
def test_ranges_and_ids_select_exactly_the_songs_named(songs, data) -> None:
    """Any held-out subset, written as ranges of consecutive ids and single ids in any order,
    selects exactly itself; an id outside the corpus is always named."""
    from emotrain.data.split import fixed_split, validation_groups

    ordered = sorted(songs)
    held = data.draw(st.sets(st.sampled_from(ordered), min_size=1, max_size=len(ordered) - 1))
    runs: list[list[int]] = []
    for k in sorted(held):  # consecutive integers become one range
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    text = ",".join(data.draw(st.permutations(parts)))
    groups = [str(s) for s in ordered for _ in range(2)]  # two sequences per song
    split = fixed_split(groups, text, synthetic=False, source="the corpus")
    assert set(split.val_groups) == {str(k) for k in held}
    assert not set(split.val_groups) & set(split.train_groups)
    assert len(split.val_index) == 2 * len(held)
    outside = max(songs) + 1
    with pytest.raises(ConfigError, match=rf": {outside} "):
        validation_groups(groups, f"{text},{outside}", synthetic=False, source="the corpus")
