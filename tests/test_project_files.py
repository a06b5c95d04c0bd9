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
