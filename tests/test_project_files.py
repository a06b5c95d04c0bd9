"""The files a user or packager meets first: the licence and the README's first commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mit_license_file_is_the_one_pyproject_declares():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^license = "MIT"$', pyproject, re.M)
    assert re.search(r'^license-files = \["LICENSE"\]$', pyproject, re.M)  # into wheel and sdist


def test_readme_starts_from_a_clone_then_installs_and_tests():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).splitlines()
    assert len(block) == 2
    assert block[0].startswith("git clone ") and " && cd emotrain && " in block[0]
    assert block[0].endswith("emotrain train") and "pip install -e" in block[0]
    assert block[1].startswith("python -m pytest")


def test_readme_install_matches_ci_and_names_the_cpu_wheel_index():
    """CI installs as the README's first line does; CPU-only users get PyTorch's own CPU index."""
    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```bash\n(.*?)\n", readme).group(1)
    ci = (ROOT / ".ci" / "run").read_text()

    def wanted(command: str) -> list[str]:  # what pip installs, without its flags
        return [w for w in command.split("install", 1)[1].split() if not w.startswith("-")]

    readme_installs = [wanted(p) for p in first.split(" && ") if p.startswith("pip install")]
    ci_installs = [wanted(line) for line in ci.splitlines() if "pip install" in line]
    ci_installs = [w for w in ci_installs if w != ["pip"]]  # CI's own pip upgrade
    assert readme_installs == ci_installs == [["torch==2.13.0"], ['".[dev]"']]
    cpu = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
    for page in ("README.md", "docs/quickstart.md"):
        assert cpu in (ROOT / page).read_text(), page
    assert "takes the CPU build" not in readme


def test_gitignore_covers_what_the_readmes_commands_create():
    """Anchored at the root: `plugin/` or `evaluation/` alone would also hide new files of the
    packages emotrain/plugin/ and emotrain/evaluation/."""
    ignored = set((ROOT / ".gitignore").read_text().split())
    for made in (
        "trained_models/",
        "/runs/",
        "/evaluation/",
        "/plugin/",
        "/studies/",
        "/emotrain-registry/",
        "/mlruns/",
        "/mlflow.db",
        "/exported/",
        "/comparison/",
    ):
        assert made in ignored, made
    assert "plugin/" not in ignored and "evaluation/" not in ignored
