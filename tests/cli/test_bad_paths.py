"""Output and cache folders that cannot be used are refused up front, naming the user's folder."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import TINY


@pytest.fixture
def read_only(tmp_path):
    """A folder nobody can write into: chmod for a user, the immutable flag for root (whom
    permission bits do not stop)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a file system without chattr +i")
        yield folder
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


def test_atomic_write_into_a_read_only_folder_names_the_folder(read_only):
    from emotrain.io import atomic_write_json

    with pytest.raises(OSError) as info:
        atomic_write_json(read_only / "run_config.json", {})
    assert info.value.filename == str(read_only)


@pytest.mark.parametrize(
    "argv",
    [
        lambda ro, run: ["train", "-m", "groove", *TINY, "-o", ro / "run"],
        lambda ro, run: ["train", "-m", "groove", *TINY, "-o", ro],
        lambda ro, run: ["evaluate", "--checkpoint-dir", run, "-o", ro / "ev"],
        lambda ro, run: ["export-rtneural", run, "-o", ro],
        lambda ro, run: ["resume", ro],
        lambda ro, run: ["plot", run, "-o", ro / "plots"],
        lambda ro, run: [
            "tune",
            "-m",
            "groove",
            "--samples",
            "24",
            "--seq-len",
            "4",
            "--trials",
            "1",
            "--epochs",
            "1",
            "-o",
            ro / "study",
        ],
        lambda ro, run: [
            "compare",
            run / "checkpoints" / "groovepredictor_best.pt",
            run / "checkpoints" / "groovepredictor_best.pt",
            "-o",
            ro / "cmp",
        ],
        lambda ro, run: ["registry", "ship", "--to", ro / "models", "--registry", run / "reg"],
    ],
    ids=[
        "train-new",
        "train-existing",
        "evaluate",
        "export",
        "resume",
        "plot",
        "tune",
        "compare",
        "ship",
    ],
)
def test_a_read_only_output_is_refused_before_any_work(cli, read_only, tiny_run, argv, tmp_path):
    result = cli(*argv(read_only, tiny_run))
    assert result.code == 1, result.err  # the machine, not the command: 1, as a failed write
    assert len(result.err_lines) == 1
    # one shape for one mistake: the user's own path (never made absolute), exit 1
    assert result.err.startswith(
        (
            "error: --output: cannot write into",
            "error: RUN_DIR:",
            "error: --to: cannot write into",
        )
    ), result.err
    assert f"cannot write into {read_only}" in result.err
    assert ".tmp" not in result.err and "evaluating" not in result.out + result.err
    assert not list(read_only.iterdir())


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_cache_dir_that_is_a_file_is_refused_up_front(cli, tmp_path, tiny_run, command):
    cache = tmp_path / "cache"
    cache.write_text("not a folder")
    from tests.data.corpora import make_audio_folder

    data = make_audio_folder(tmp_path / "corpus", n=2, seconds=1.0)
    args = {
        "train": ["train", "-m", "emotion", *TINY, "-o", tmp_path / "run"],
        "evaluate": ["evaluate", "--checkpoint-dir", tiny_run, "-o", tmp_path / "ev"],
    }[command]
    result = cli(*args, "--cache-dir", cache, "--data", data)
    assert result.code == 2, result.err
    assert result.err_lines == [f"error: --cache-dir: {cache} is a file; give a folder"]
    assert not (tmp_path / "run").exists() and not (tmp_path / "ev").exists()


def test_read_only_targets_exit_1_in_every_command(cli, read_only, tiny_run, tmp_path):
    """`plot -o`, `registry add --registry` and (already) `plot RUN` of a read-only run: one exit
    status, 1, as for every folder emotrain cannot write into."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    answers = {
        "plot -o": cli("plot", run, "-m", "groove", "-o", read_only / "p"),
        "registry add": cli("registry", "add", run, "-m", "groove", "--registry", read_only / "r"),
    }
    for what, result in answers.items():
        assert result.code == 1, (what, result.err)
        assert len(result.err_lines) == 1 and "Traceback" not in result.err, (what, result.err)
