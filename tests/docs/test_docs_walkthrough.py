"""Every command block of README.md and docs/ runs as written, in order, in an empty folder.

The docs can then never drift from the tool: a renamed option, a file the docs expect but a
command does not write, a step that needs an earlier one that is missing, all fail here. The runs
are made small by the environment variables EMOTRAIN_MAX_EPOCHS and EMOTRAIN_MAX_SAMPLES
(docs/train.md), never by editing the commands. The corpora the docs name (~/datasets/DEAM, ...)
and the user's own `song.wav` are built in the real layouts in a temporary home folder. What is
skipped, and why, is in walkthrough.py; blocks marked `<!-- not a walkthrough: why -->` are
synopses or need a server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

from corpora import DEAM_IDS, make_audio_folder, make_deam, make_emopia, make_pmemo, write_audio
from walkthrough import SKIP_MARK, blocks, commands, pages, simple_argv

from tests.data.chord_corpora import make_chord_corpus, make_guitarset

ROOT = Path(__file__).resolve().parents[2]
PAGES = pages(ROOT)
#: Pages with something to run (a page of synopses only, like resume.md, has nothing).
RUNNABLE = [p for p in PAGES if commands(p, ROOT)]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a user who follows the docs has: corpora under ~/datasets, a folder of own songs."""
    home = tmp_path_factory.mktemp("corpora")
    # DEAM with its 2015 test songs (2001-2058), which train.md holds out by number.
    ids = (*DEAM_IDS, *(str(i) for i in range(2003, 2059)))
    make_deam(home / "datasets" / "DEAM", seconds=16.0, ids=ids)
    make_pmemo(home / "datasets" / "PMEmo2019")
    make_emopia(home / "datasets" / "EMOPIA_1.0")
    make_audio_folder(home / "my_songs")
    make_chord_corpus(home / "my_chords", songs=6)
    make_guitarset(home / "GuitarSet")
    return home


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMOTRAIN_", "MLFLOW_"))}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
        MPLBACKEND="Agg",
        EMOTRAIN_MAX_EPOCHS="1",
        EMOTRAIN_MAX_SAMPLES="24",
    )
    return env


@pytest.mark.parametrize("page", RUNNABLE, ids=[p.relative_to(ROOT).as_posix() for p in RUNNABLE])
def test_page_runs_as_written(page: Path, corpora: Path, tmp_path: Path, cli, monkeypatch) -> None:
    """Plain `emotrain ...` commands run in this process through the console script's entry point
    (`emotrain.cli.main`, with the arguments bash would pass), which spares a Python and torch
    start per command; anything that needs the shell runs in bash."""
    home = corpora  # shared, so each corpus's features are extracted once for all pages
    work = tmp_path / "work"
    work.mkdir()
    write_audio(work / "song.wav", 3, seconds=4.0)  # the song `emotrain preview song.wav` reads
    env = _env(home)
    for key in [k for k in os.environ if k.startswith(("EMOTRAIN_", "MLFLOW_"))]:
        monkeypatch.delenv(key)
    for key in ("HOME", "XDG_CACHE_HOME", "EMOTRAIN_MAX_EPOCHS", "EMOTRAIN_MAX_SAMPLES"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.chdir(work)
    for step in commands(page, ROOT):
        started = time.monotonic()
        argv = simple_argv(step.text) if step.language == "bash" else None
        if step.language == "python":
            ran = subprocess.run(
                [sys.executable, "-c", step.text],
                cwd=work, env=env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            code, out, err = ran.returncode, ran.stdout, ran.stderr
        elif argv is not None:
            done = cli(*argv)
            code, out, err = done.code, done.out, done.err
        else:
            ran = subprocess.run(
                ["bash", "-o", "pipefail", "-c", step.text],
                cwd=work, env=env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
            code, out, err = ran.returncode, ran.stdout, ran.stderr
        print(f"{time.monotonic() - started:6.1f} s  {step}")  # where the walkthrough's time goes
        tail = (out[-1500:] + "\n" + err[-1500:]).strip()
        assert code == 0, f"{step}\nexit {code}\n{tail}"


def test_illustrative_blocks_say_why() -> None:
    """A block left out of the walkthrough carries its reason, so the set stays small and honest."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8").splitlines()
        for first, _, marked in blocks(page):
            if marked:
                mark = text[first - 2].strip()
                reason = mark.removeprefix(SKIP_MARK).removesuffix("-->").strip(" :")
                assert reason, f"{page.name}:{first}: say why the block is not a walkthrough"


def test_install_steps_are_the_only_skipped_commands(tmp_path: Path) -> None:
    page = tmp_path / "README.md"
    page.write_text(
        "```bash\n"
        "git clone URL emotrain && cd emotrain && pip install torch && emotrain train\n"
        "python -m pytest -q -n 2\n"
        "emotrain plot runs/a \\\n  --log   # a comment\n"
        "```\n"
        "<!-- not a walkthrough: a synopsis -->\n```bash\nemotrain train [--model NAME]\n```\n"
    )
    got = [(c.line, c.text) for c in commands(page, tmp_path)]
    assert got == [(2, "emotrain train"), (4, "emotrain plot runs/a    --log   # a comment")]


def test_only_plain_commands_skip_the_shell() -> None:
    assert simple_argv("emotrain train --data ~/d -o runs/a   # a comment") == [
        "train", "--data", str(Path("~/d").expanduser()), "-o", "runs/a",
    ]  # fmt: skip
    assert simple_argv('emotrain registry promote g@1 --reason "first one"')[-1] == "first one"
    for shell in (
        "emotrain evaluate --json | jq .",
        "emotrain a && emotrain b",
        "echo x > f",
        "for m in a b; do emotrain x $m; done",
        "emotrain train [--model NAME]",
    ):
        assert simple_argv(shell) is None, shell
