"""Corpora built once per test session; tests that change one copy it first (see `copy_corpus`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

# The suite runs with --import-mode=importlib, which leaves sys.path alone: put this folder on it
# so that test modules can import the corpus builders (corpora.py) and signals (parity_signals.py).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import (
    make_audio_folder,
    make_deam,
    make_emopia,
    make_midi_folder,
    make_pmemo,
)


@pytest.fixture(scope="session")
def corpora_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpora")


@pytest.fixture(scope="session")
def deam_corpus(corpora_root: Path) -> Path:
    return make_deam(corpora_root / "DEAM")


@pytest.fixture(scope="session")
def pmemo_corpus(corpora_root: Path) -> Path:
    return make_pmemo(corpora_root / "PMEmo2019")


@pytest.fixture(scope="session")
def emopia_corpus(corpora_root: Path) -> Path:
    return make_emopia(corpora_root / "EMOPIA_1.0")


@pytest.fixture(scope="session")
def audio_folder(corpora_root: Path) -> Path:
    return make_audio_folder(corpora_root / "my_audio")


@pytest.fixture(scope="session")
def midi_folder(corpora_root: Path) -> Path:
    return make_midi_folder(corpora_root / "my_midi")


@pytest.fixture
def copy_corpus(tmp_path: Path):
    """A private copy of a session corpus, for tests that break it on purpose."""

    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copytree(src, dst)
        return dst

    return copy
